import { DiscoveryService, MetadataScanner, ModulesContainer } from '@nestjs/core';
import { GATEWAY_METADATA, MESSAGE_MAPPING_METADATA, MESSAGE_METADATA } from '@nestjs/websockets/constants';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, isAbsolute, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { EnvironmentVariables, OPTIONAL_SETTINGS } from '../src/config';
import { startTestApp, TestApp } from './helpers/app';
import { routesOf } from './helpers/routes';

/*
 * The docs that live in the repo stay true to the code:
 * - every HTTP route the app serves has a `### \`METHOD /path\`` heading in docs/api.md;
 * - every socket.io event of the typed wire map, and every message a gateway
 *   handles, has a heading in docs/realtime.md naming it and its direction;
 * - and neither describes a route or event the code does not have;
 * - every relative link in README.md and docs/ reaches a file (and heading) in
 *   the repository, and none leaves it.
 * Adding an undocumented route or event fails here, naming it.
 */

const ROOT = resolve(__dirname, '..');
const API_DOC = 'docs/api.md';
const REALTIME_DOC = 'docs/realtime.md';

const SERVER_TO_CLIENT = 'server → client';
const CLIENT_TO_SERVER = 'client → server';
type Direction = typeof SERVER_TO_CLIENT | typeof CLIENT_TO_SERVER;

/** socket.io's own events: documented, but in no wire map. */
const RESERVED_EVENTS = new Set(['connect', 'connect_error', 'disconnect']);

function read(path: string): string {
  return readFileSync(join(ROOT, path), 'utf8');
}

/** The app as it runs: its routes and gateways are read from the module graph Nest built. */
let t: TestApp;

beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

describe('docs/api.md and the routes the app serves', () => {
  let routes: string[];

  beforeAll(() => {
    routes = routesOf(t);
  });

  it('finds the routes (a check that the walk itself works)', () => {
    expect(routes).toEqual(expect.arrayContaining(['GET /api/users', 'PATCH /api/users/:id', 'GET /health']));
  });

  it('documents every route under a heading of its own', () => {
    const documented = documentedRoutes(read(API_DOC));
    expect(routes.filter((route) => !documented.has(route))).toEqual([]);
  });

  it('documents no route the app does not serve', () => {
    const served = new Set(routes);
    expect([...documentedRoutes(read(API_DOC))].filter((route) => !served.has(route))).toEqual([]);
  });
});

describe('docs/realtime.md and the socket.io events in the code', () => {
  let events: Record<Direction, string[]>;

  beforeAll(() => {
    const wire = wireMapEvents();
    const handled = gatewayMessagesOf(t);
    events = {
      [SERVER_TO_CLIENT]: wire.serverToClient,
      [CLIENT_TO_SERVER]: [...new Set([...wire.clientToServer, ...handled])].sort(),
    };
  });

  it('finds the events (a check that reading the wire map works)', () => {
    expect(events[SERVER_TO_CLIENT]).toEqual(
      expect.arrayContaining(['user_update', 'presence', 'recovery', 'head', 'exception']),
    );
    expect(events[CLIENT_TO_SERVER]).toEqual(expect.arrayContaining(['subscribe']));
  });

  it.each([SERVER_TO_CLIENT, CLIENT_TO_SERVER] as const)(
    'documents every %s event under a heading naming it and its direction',
    (direction) => {
      const documented = documentedEvents(read(REALTIME_DOC));
      expect(events[direction].filter((event) => !documented[direction].has(event))).toEqual([]);
    },
  );

  it.each([SERVER_TO_CLIENT, CLIENT_TO_SERVER] as const)('documents no %s event the code does not have', (direction) => {
    const known = new Set([...events[direction], ...RESERVED_EVENTS]);
    expect([...documentedEvents(read(REALTIME_DOC))[direction]].filter((event) => !known.has(event))).toEqual([]);
  });
});

describe('settings: every one the server reads is documented', () => {
  const settings = Object.keys(new EnvironmentVariables()).concat(OPTIONAL_SETTINGS);

  it('finds the settings (a check that reading them works)', () => {
    expect(settings).toEqual(expect.arrayContaining(['PORT', 'DATABASE_URL', 'REDIS_URL']));
  });

  it('lists each in .env.example, with its default', () => {
    const example = read('.env.example');
    expect(settings.filter((name) => !new RegExp(`^${name}=`, 'm').test(example))).toEqual([]);
  });

  it('describes each in a README table row', () => {
    const readme = read('README.md');
    expect(settings.filter((name) => !readme.includes(`| \`${name}\` |`))).toEqual([]);
  });
});

describe('links in README.md and docs/', () => {
  const files = ['README.md', ...markdownUnder('docs')];

  it('reads the files it should', () => {
    expect(files).toEqual(expect.arrayContaining(['README.md', API_DOC, REALTIME_DOC]));
  });

  it.each(files)('every relative link in %s reaches a file (and heading) in the repository', (file) => {
    expect(brokenLinks(file)).toEqual([]);
  });

  it('every docs/*.md the code, tests and deployment files name exists', () => {
    const named = docsNamedInSources();
    expect(named.length).toBeGreaterThan(0);
    expect(named.filter(({ doc }) => !existsSync(join(ROOT, doc)))).toEqual([]);
  });
});

/* ----------------------------------------------------------------- routes */

/** Headings that are exactly one route in code: ### `GET /api/users/:id`. */
function documentedRoutes(markdown: string): Set<string> {
  const routes = new Set<string>();
  for (const heading of headingsOf(markdown)) {
    const match = /^`([A-Z]+ \/[^`]*)`$/.exec(heading);
    if (match) routes.add(match[1]);
  }
  return routes;
}

/* ----------------------------------------------------------------- events */

/**
 * The property names of ServerToClientEvents and ClientToServerEvents as the
 * compiler sees them once every feature's augmentation is merged in. The
 * program is the build's (tsconfig.build.json: src/ without specs), not
 * tsconfig.json's: test/extension.e2e-spec.ts augments the map with a
 * throwaway feature's event that the app does not have.
 */
function wireMapEvents(): { serverToClient: string[]; clientToServer: string[] } {
  const parsed = ts.getParsedCommandLineOfConfigFile(
    join(ROOT, 'tsconfig.build.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
        throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
      },
    },
  );
  if (!parsed) throw new Error('tsconfig.build.json could not be read');
  const program = ts.createProgram({ rootNames: parsed.fileNames, options: { ...parsed.options, noEmit: true } });
  const checker = program.getTypeChecker();
  const wireFile = join(ROOT, 'src/realtime/index.ts');
  const source = program.getSourceFile(wireFile);
  if (!source) throw new Error(`${wireFile} is not part of the build`);

  const propertiesOf = (name: string): string[] => {
    const declaration = source.statements.find(
      (statement): statement is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(statement) && statement.name.text === name,
    );
    if (!declaration) throw new Error(`interface ${name} not found in src/realtime/index.ts`);
    const symbol = checker.getSymbolAtLocation(declaration.name);
    if (!symbol) throw new Error(`no symbol for ${name}`);
    return checker
      .getPropertiesOfType(checker.getDeclaredTypeOfSymbol(symbol))
      .map((property) => property.getName())
      .sort();
  };
  return { serverToClient: propertiesOf('ServerToClientEvents'), clientToServer: propertiesOf('ClientToServerEvents') };
}

/** What the app's gateways answer (@SubscribeMessage), even if someone forgot the wire map. */
function gatewayMessagesOf(t: TestApp): string[] {
  const discovery = new DiscoveryService(t.app.get(ModulesContainer));
  const scanner = new MetadataScanner();
  const messages = new Set<string>();
  for (const { metatype } of discovery.getProviders()) {
    if (typeof metatype !== 'function' || !Reflect.getMetadata(GATEWAY_METADATA, metatype)) continue;
    const prototype = metatype.prototype as Record<string, unknown>;
    for (const name of scanner.getAllMethodNames(prototype)) {
      const handler = prototype[name] as object;
      if (Reflect.getMetadata(MESSAGE_MAPPING_METADATA, handler))
        messages.add(String(Reflect.getMetadata(MESSAGE_METADATA, handler)));
    }
  }
  return [...messages].sort();
}

/** Event names by direction, from headings such as ## `subscribe` (client → server) or ## `a`, `b` (client → server, server → client). */
function documentedEvents(markdown: string): Record<Direction, Set<string>> {
  const documented: Record<Direction, Set<string>> = { [SERVER_TO_CLIENT]: new Set(), [CLIENT_TO_SERVER]: new Set() };
  for (const heading of headingsOf(markdown)) {
    const names = [...heading.matchAll(/`([^`]+)`/g)].map((match) => match[1]);
    for (const direction of [SERVER_TO_CLIENT, CLIENT_TO_SERVER] as const) {
      if (heading.includes(direction)) names.forEach((name) => documented[direction].add(name));
    }
  }
  return documented;
}

/* ------------------------------------------------------------------ links */

function markdownUnder(folder: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(join(ROOT, folder), { withFileTypes: true })) {
    const path = `${folder}/${entry.name}`;
    if (entry.isDirectory()) found.push(...markdownUnder(path));
    else if (entry.name.endsWith('.md')) found.push(path);
  }
  return found.sort();
}

/** Code blocks and code spans hold examples, not links. */
const FENCED_BLOCK = /^[ \t]*(```|~~~)[^\n]*\n[\s\S]*?^[ \t]*\1[^\n]*$/gm;

function withoutCode(markdown: string): string {
  return markdown.replace(FENCED_BLOCK, '').replace(/`[^`\n]*`/g, '');
}

function headingsOf(markdown: string): string[] {
  const prose = markdown.replace(FENCED_BLOCK, '');
  return [...prose.matchAll(/^#{1,6}[ \t]+(.+?)[ \t]*#*[ \t]*$/gm)].map((match) => match[1]);
}

/** GitHub's anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const heading of headingsOf(markdown)) {
    const text = heading
      .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/<[^>]+>/g, '')
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '')
      .replace(/ /g, '-');
    const count = seen.get(text) ?? 0;
    seen.set(text, count + 1);
    anchors.add(count === 0 ? text : `${text}-${count}`);
  }
  return anchors;
}

function linksOf(markdown: string): string[] {
  const text = withoutCode(markdown);
  return [
    ...[...text.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((match) => match[1]),
    ...[...text.matchAll(/^\s*\[[^\]]+\]:\s*<?([^\s>]+)>?/gm)].map((match) => match[1]),
    ...[...text.matchAll(/<(?:a|img)\b[^>]*?\b(?:href|src)\s*=\s*["']([^"']+)["']/gi)].map((match) => match[1]),
  ];
}

/** Each link of `file` that leaves the repository, reaches no file, or names a heading its file lacks, with the reason. */
function brokenLinks(file: string): string[] {
  const broken: string[] = [];
  for (const link of linksOf(read(file))) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(link)) continue; // https:, mailto:: not a file of the repo
    const [pathAndQuery, anchor] = link.split('#', 2);
    const path = decodeURIComponent(pathAndQuery.split('?')[0]);
    if (path.startsWith('/')) {
      broken.push(`${link}: absolute; write it relative to ${file}`);
      continue;
    }
    const target = path === '' ? join(ROOT, file) : resolve(dirname(join(ROOT, file)), path);
    const inRepo = relative(ROOT, target);
    if (inRepo.startsWith('..') || isAbsolute(inRepo)) {
      broken.push(`${link}: leaves the repository`);
      continue;
    }
    if (!existsSync(target)) {
      broken.push(`${link}: no such file`);
      continue;
    }
    if (
      anchor &&
      statSync(target).isFile() &&
      extname(target) === '.md' &&
      !anchorsOf(readFileSync(target, 'utf8')).has(anchor)
    ) {
      broken.push(`${link}: no heading with that anchor in ${inRepo}`);
    }
  }
  return broken;
}

/** Mentions of docs/…md in comments and strings outside the docs (a Dockerfile once named one that never existed). */
function docsNamedInSources(): { file: string; doc: string }[] {
  const files = ['Dockerfile', 'docker-compose.yml', '.env.example', 'package.json', 'README.md'].filter((file) =>
    existsSync(join(ROOT, file)),
  );
  for (const folder of ['src', 'test', 'static', 'scripts', 'bench', '.ci']) {
    if (existsSync(join(ROOT, folder))) files.push(...sourcesUnder(folder));
  }
  return files.flatMap((file) => [...read(file).matchAll(/\bdocs\/[\w./-]*?\.md\b/g)].map((match) => ({ file, doc: match[0] })));
}

function sourcesUnder(folder: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(join(ROOT, folder), { withFileTypes: true })) {
    const path = `${folder}/${entry.name}`;
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && entry.name !== 'results') found.push(...sourcesUnder(path));
    } else if (/\.(ts|js|mjs|cjs|html|sh|ya?ml|json)$/.test(entry.name) || !entry.name.includes('.')) {
      found.push(path);
    }
  }
  return found;
}
