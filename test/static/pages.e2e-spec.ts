import request from 'supertest';
import { startTestApp, TestApp } from '../helpers/app';

/**
 * The windows' HTML as the server sends it, read without running any script
 * (as an outside check would): both windows are rendered from one template.
 */
describe('pages served from static/', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  /** The raw <input> tag with this id. */
  function inputTag(html: string, id: string): string {
    const tag = new RegExp(`<input id="${id}"[^>]*>`).exec(html)?.[0];
    if (!tag) throw new Error(`no <input id="${id}"> in the page`);
    return tag;
  }

  it.each([
    ['/window1.html', 'Window 1', 'first-name', 'last-name'],
    ['/window2.html', 'Window 2', 'last-name', 'first-name'],
  ])('%s is complete HTML with its labels, and readonly on the read-only input', async (path, name, editable, readonly) => {
    const response = await request(t.url).get(path).expect(200).expect('Content-Type', 'text/html; charset=utf-8');
    const html = response.text;
    expect(html).toContain('<label for="first-name">First name</label>');
    expect(html).toContain('<label for="last-name">Last name</label>');
    expect(inputTag(html, readonly)).toMatch(/\sreadonly[\s>]/);
    expect(inputTag(html, editable)).not.toMatch(/\sreadonly[\s>]/);
    expect(html).toContain(`<h1>${name}</h1>`);
    expect(html).toContain(`data-window-name="${name}"`);
    expect(html).not.toContain('{{');
  });

  it('answers a rendered page with a strong ETag, 304 when it still matches, and HEAD without a body', async () => {
    const first = await request(t.url).get('/window1.html').expect(200);
    const etag: string = first.headers.etag;
    expect(etag).toMatch(/^"[\w-]+"$/);
    expect(first.headers['cache-control']).toBe('public, max-age=0');
    await request(t.url).get('/window1.html').set('If-None-Match', etag).expect(304);
    await request(t.url).get('/window1.html').set('If-None-Match', `W/${etag}`).expect(304);
    expect((await request(t.url).get('/window2.html').set('If-None-Match', etag).expect(200)).headers.etag).not.toBe(etag);
    const head = await request(t.url).head('/window2.html').expect(200);
    expect(head.headers['content-length']).toBe(String(Buffer.byteLength((await request(t.url).get('/window2.html')).text)));
  });

  it('serves the index at / and the modules as JavaScript', async () => {
    expect((await request(t.url).get('/').expect(200)).text).toContain('<script type="module" src="index.js"></script>');
    await request(t.url)
      .get('/window.js')
      .expect(200)
      .expect('Content-Type', /^text\/javascript/);
    await request(t.url)
      .get('/edit-queue.js')
      .expect(200)
      .expect('Content-Type', /^text\/javascript/);
  });

  it.each(['/window.html', '/site.json', '/tsconfig.json', '/%77indow.html', '/no-such-file.js'])(
    'answers %s (a template, tooling, or nothing) with the JSON 404 of any unknown path',
    async (path) => {
      const response = await request(t.url).get(path).expect(404);
      expect(response.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
    },
  );
});
