import type { NestExpressApplication } from '@nestjs/platform-express';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, posix, relative, sep } from 'node:path';
import type { NextFunction, Request, Response } from 'express';
import serveStatic from 'serve-static';
import { nameRoute } from '../../observability';

/**
 * A folder of static files served as a web site, plus pages rendered once at
 * start from templates, as a manifest in that folder (SITE_MANIFEST) describes:
 *
 *     {
 *       "pages": { "/a.html": { "template": "page.html", "values": { "title": "A" } } },
 *       "hidden": ["tsconfig.json"]
 *     }
 *
 * A template holds `{{name}}` placeholders; each is replaced by its value,
 * HTML-escaped, so a value is text or an attribute value, never markup. A
 * placeholder without a value, or a value no placeholder uses, stops the start.
 * Templates, the manifest and the files named in "hidden" are not served: they
 * 404 like any unknown path. It knows nothing about what the pages show.
 */
export const SITE_MANIFEST = 'site.json';

export interface SitePage {
  /** The template's file name, relative to the site's folder. */
  template: string;
  /** Placeholder name → text. */
  values: Record<string, string>;
}

export interface SiteManifest {
  /** URL path ("/a.html") → how to render it. */
  pages: Record<string, SitePage>;
  /** Files in the folder that are not part of the site (tooling), relative to it. */
  hidden?: string[];
}

export interface RenderedPage {
  body: Buffer;
  /** A strong tag of the body, so a reload of an unchanged page is a 304. */
  etag: string;
}

export interface StaticSite {
  /** URL path → the page, rendered. */
  pages: ReadonlyMap<string, RenderedPage>;
  /** The URL paths of the files served as they are ("/style.css"), plus "/" for index.html. */
  files: ReadonlySet<string>;
}

const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g;
const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Fills every `{{name}}` of `template` with its HTML-escaped value; `source` names the page in errors. */
export function renderTemplate(template: string, values: Readonly<Record<string, string>>, source: string): string {
  const used = new Set<string>();
  const html = template.replace(PLACEHOLDER, (_match, name: string) => {
    const value = values[name];
    if (typeof value !== 'string') throw new Error(`${source}: no value for {{${name}}}`);
    used.add(name);
    return value.replace(/[&<>"']/g, (char) => ESCAPES[char]);
  });
  if (html.includes('{{'))
    throw new Error(`${source}: malformed placeholder near "${html.slice(html.indexOf('{{'), html.indexOf('{{') + 30)}"`);
  const unused = Object.keys(values).filter((name) => !used.has(name));
  if (unused.length) throw new Error(`${source}: values no placeholder uses: ${unused.join(', ')}`);
  return html;
}

/** Reads the manifest in `root`, renders its pages and lists the files to serve as they are. */
export function loadStaticSite(root: string): StaticSite {
  const manifest = readManifest(root);
  const hidden = new Set([SITE_MANIFEST, ...(manifest.hidden ?? [])].map(urlPathOf));
  const pages = new Map<string, RenderedPage>();
  for (const [path, page] of Object.entries(manifest.pages)) {
    if (!/^\/[^/]+(\/[^/]+)*$/.test(path) || posix.normalize(path) !== path) {
      throw new Error(`${SITE_MANIFEST}: page path "${path}" must be a normalised absolute path`);
    }
    hidden.add(urlPathOf(page.template));
    const template = readFileSync(join(root, page.template), 'utf8');
    const body = Buffer.from(renderTemplate(template, page.values, `${SITE_MANIFEST} ${path}`), 'utf8');
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
    pages.set(path, { body, etag });
  }
  const files = new Set<string>();
  for (const file of listFiles(root)) {
    const path = urlPathOf(relative(root, file));
    if (hidden.has(path)) continue;
    if (pages.has(path)) throw new Error(`${SITE_MANIFEST}: page ${path} is also a file`);
    files.add(path);
  }
  if (files.has('/index.html') && !pages.has('/')) files.add('/');
  return { pages, files };
}

/**
 * Serves `root` as a static site (see SITE_MANIFEST): the rendered pages from
 * memory, every other listed file through serve-static (ETag from size and
 * time, Last-Modified, `Cache-Control: public, max-age=0`), `/` as
 * index.html. Anything else (unknown, hidden, other methods) goes on to the
 * app's routes, and so to its JSON 404. Call before the app's init().
 */
export function installStaticSite(app: NestExpressApplication, root: string): StaticSite {
  const site = loadStaticSite(root);
  const files = serveStatic(root, { index: 'index.html', redirect: false, dotfiles: 'ignore' });
  app.use((request: Request, response: Response, next: NextFunction): void => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return next();
    let path: string;
    try {
      path = posix.normalize(decodeURIComponent(request.path));
    } catch {
      return next();
    }
    const page = site.pages.get(path);
    if (page) {
      nameRoute(response, 'static');
      sendPage(request, response, page);
    } else if (site.files.has(path)) {
      nameRoute(response, 'static');
      void files(request, response, next);
    } else next();
  });
  return site;
}

function sendPage(request: Request, response: Response, page: RenderedPage): void {
  response.setHeader('Content-Type', 'text/html; charset=utf-8');
  response.setHeader('Cache-Control', 'public, max-age=0');
  response.setHeader('ETag', page.etag);
  if (request.fresh) {
    response.status(304).end();
    return;
  }
  response.setHeader('Content-Length', String(page.body.length));
  response.status(200).end(request.method === 'HEAD' ? undefined : page.body);
}

function readManifest(root: string): SiteManifest {
  const text = readFileSync(join(root, SITE_MANIFEST), 'utf8');
  const manifest = JSON.parse(text) as SiteManifest;
  if (typeof manifest !== 'object' || manifest === null || typeof manifest.pages !== 'object' || manifest.pages === null) {
    throw new Error(`${SITE_MANIFEST}: expected {"pages": {...}}`);
  }
  for (const [path, page] of Object.entries(manifest.pages)) {
    const valid =
      typeof page?.template === 'string' &&
      typeof page.values === 'object' &&
      page.values !== null &&
      Object.values(page.values).every((value) => typeof value === 'string');
    if (!valid) throw new Error(`${SITE_MANIFEST}: page ${path} needs a "template" and string "values"`);
  }
  return manifest;
}

function urlPathOf(file: string): string {
  return posix.normalize(`/${file.split(sep).join('/')}`);
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name.startsWith('.')) return [];
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return listFiles(path);
    return entry.isFile() ? [path] : [];
  });
}
