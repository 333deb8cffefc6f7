import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadStaticSite, renderTemplate, SITE_MANIFEST } from './static-site';

describe('renderTemplate', () => {
  it('fills every placeholder, HTML-escaped, so a value is never markup', () => {
    const html = renderTemplate('<p class="{{kind}}">{{ text }}</p><b>{{text}}</b>', { kind: 'a"b', text: '<i>&</i>' }, 'page');
    expect(html).toBe('<p class="a&quot;b">&lt;i&gt;&amp;&lt;/i&gt;</p><b>&lt;i&gt;&amp;&lt;/i&gt;</b>');
  });

  it('refuses a placeholder without a value, naming it', () => {
    expect(() => renderTemplate('<h1>{{title}}</h1>', {}, '/a.html')).toThrow('/a.html: no value for {{title}}');
  });

  it('refuses a value no placeholder uses (a typo would otherwise pass unnoticed)', () => {
    expect(() => renderTemplate('<h1>{{title}}</h1>', { title: 'A', titel: 'B' }, '/a.html')).toThrow('titel');
  });

  it('refuses a malformed placeholder', () => {
    expect(() => renderTemplate('<h1>{{title-x}}</h1>', {}, '/a.html')).toThrow('malformed placeholder');
  });
});

describe('loadStaticSite', () => {
  let root: string;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'static-site-'));
    mkdirSync(join(root, 'sub'));
    writeFileSync(join(root, 'index.html'), '<h1>home</h1>');
    writeFileSync(join(root, 'page.html'), '<h1>{{title}}</h1>');
    writeFileSync(join(root, 'style.css'), 'body {}');
    writeFileSync(join(root, 'sub', 'deep.js'), 'export {};');
    writeFileSync(join(root, 'tool.json'), '{}');
    writeFileSync(join(root, '.secret'), 'x');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  function manifest(value: unknown): void {
    writeFileSync(join(root, SITE_MANIFEST), JSON.stringify(value));
  }

  it('renders each page and serves every other file but the template, the manifest, hidden files and dotfiles', () => {
    manifest({
      pages: {
        '/a.html': { template: 'page.html', values: { title: 'A' } },
        '/b.html': { template: 'page.html', values: { title: 'B' } },
      },
      hidden: ['tool.json'],
    });
    const site = loadStaticSite(root);
    expect(site.pages.get('/a.html')?.body.toString()).toBe('<h1>A</h1>');
    expect(site.pages.get('/b.html')?.body.toString()).toBe('<h1>B</h1>');
    expect(site.pages.get('/a.html')?.etag).toMatch(/^"[\w-]+"$/);
    expect(site.pages.get('/a.html')?.etag).not.toBe(site.pages.get('/b.html')?.etag);
    expect([...site.files].sort()).toEqual(['/', '/index.html', '/style.css', '/sub/deep.js']);
  });

  it('stops at start on a page that names no template values', () => {
    manifest({ pages: { '/a.html': { template: 'page.html' } } });
    expect(() => loadStaticSite(root)).toThrow('/a.html needs a "template" and string "values"');
  });

  it('stops at start on a page path that is not a plain absolute path', () => {
    manifest({ pages: { 'a.html': { template: 'page.html', values: { title: 'A' } } } });
    expect(() => loadStaticSite(root)).toThrow('page path "a.html"');
  });

  it('stops at start when a page would hide a file of the same path', () => {
    manifest({ pages: { '/style.css': { template: 'page.html', values: { title: 'A' } } } });
    expect(() => loadStaticSite(root)).toThrow('page /style.css is also a file');
  });
});
