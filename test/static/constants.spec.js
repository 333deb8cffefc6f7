// @ts-check
/*
 * The numbers the windows share with the server are the same on both sides
 * (static/constants.js against the server's TypeScript), and the pages as
 * served use them: every maxlength is the name length, every window name fits
 * the X-Changed-By label the server accepts.
 */
import { describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { loadStaticSite } from '../../src/common/http/static-site';
import { MAX_LIMIT } from '../../src/users/dto/list-users.query';
import { NAME_MAX_LENGTH } from '../../src/users/user.entity';
import { CHANGED_BY_MAX_LENGTH } from '../../src/users/change-context.decorator';
import * as windows from '../../static/constants.js';

const STATIC = join(__dirname, '..', '..', 'static');

describe('constants shared by the server and the windows', () => {
  it('are the same on both sides', () => {
    expect(windows.NAME_MAX_LENGTH).toBe(NAME_MAX_LENGTH);
    expect(windows.LIST_PAGE_SIZE).toBe(MAX_LIMIT);
    expect(windows.CHANGED_BY_MAX_LENGTH).toBe(CHANGED_BY_MAX_LENGTH);
  });

  it('are what the pages use: maxlength on every name input, window names that fit an X-Changed-By label', () => {
    const site = loadStaticSite(STATIC);
    expect([...site.pages.keys()]).toEqual(expect.arrayContaining(['/window1.html', '/window2.html']));
    for (const [path, page] of site.pages) {
      const html = page.body.toString('utf8');
      const inputs = html.match(/<input\b[^>]*>/g) ?? [];
      expect(inputs.length).toBeGreaterThanOrEqual(4);
      for (const input of inputs) {
        expect([path, input, /\smaxlength="(\d+)"/.exec(input)?.[1]]).toEqual([path, input, String(windows.NAME_MAX_LENGTH)]);
      }
      const name = /data-window-name="([^"]*)"/.exec(html)?.[1] ?? '';
      expect(name.length).toBeGreaterThan(0);
      expect(name.length).toBeLessThanOrEqual(windows.CHANGED_BY_MAX_LENGTH);
      expect(name).toMatch(/^[\x20-\x7e]+$/);
    }
  });
});
