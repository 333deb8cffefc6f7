import { startTestApp } from '../helpers/app';
import { browserSuite, STRICT_CSP } from '../helpers/browser';
import { eventually } from '../helpers/eventually';

/**
 * The Swagger UI at /api/docs renders the API description in Chromium under
 * the Content-Security-Policy the server sends there: the windows' strict one
 * (its script and styles come from the server itself, no inline script or
 * style), with one addition: swagger-ui.css draws its icons as data: images.
 */
const DOCS_CSP = STRICT_CSP.replace("img-src 'self'", "img-src 'self' data:");
describe('the API description at /api/docs', () => {
  const docs = browserSuite(() => startTestApp(), { ready: false });

  it('renders every operation under a strict Content-Security-Policy, and shows an operation when opened', async () => {
    const win = await docs.open('/api/docs');
    const policy = await win.page.evaluate(async () => (await fetch(location.href)).headers.get('content-security-policy'));
    for (const directive of DOCS_CSP.split('; ')) expect(policy).toContain(directive);
    expect(policy).not.toContain('unsafe-inline');

    const operations = Object.values(
      (await (await fetch(`${docs.app.url}/api/docs-json`)).json()).paths as Record<string, object>,
    )
      .map((item) => Object.keys(item).length)
      .reduce((sum, count) => sum + count, 0);
    await eventually(async () => expect(await win.page.locator('.opblock').count()).toBe(operations));
    expect(operations).toBeGreaterThanOrEqual(8);
    expect(await win.page.locator('.info .title').textContent()).toContain('Realtime users');
    // swagger-ui.css applied (from 'self'): the operations are laid out as blocks with a border.
    expect(
      await win.page
        .locator('.opblock')
        .first()
        .evaluate((element) => getComputedStyle(element).borderStyle),
    ).toBe('solid');

    await win.page.locator('.opblock-summary-path', { hasText: '/api/users/{id}/history' }).click();
    await eventually(async () => expect(await win.page.locator('.opblock.is-open .responses-table').count()).toBeGreaterThan(0));
    expect(await win.page.locator('.opblock.is-open').textContent()).toContain('No user with that id ever existed');

    // A blocked script or style would show up here as a console error.
    expect(win.errors).toEqual([]);
  });
});
