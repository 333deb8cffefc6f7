import type { OpenAPIObject, OperationObject, ResponseObject } from '@nestjs/swagger';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { HS256_ENV } from './helpers/auth';
import { startTestApp, TestApp } from './helpers/app';
import { DocumentSchemas, fetchApiDocument, HttpMethod, OperationKey, operationsOf, toRoutePath } from './helpers/openapi';
import { discoverRoutes } from './helpers/routes';

/*
 * The OpenAPI document at /api/docs-json against the running API:
 * - it describes every route the app serves, and no other;
 * - every operation is exercised with valid and invalid input, and each answer
 *   has a status the document lists for that operation, the headers it says
 *   are sent, and a body matching its schema;
 * - every status the document lists for an operation is seen at least once,
 *   so the document promises nothing the API never answers.
 * - docs/openapi.json and client/schema.d.ts are what `npm run openapi` makes
 *   of the document the app serves.
 * A new route fails here until it is described and has cases below.
 */

const ROOT = resolve(__dirname, '..');

/** What a case sends. `body` is sent as JSON unless `rawBody` is given. */
interface CaseRequest {
  path: string;
  headers?: Record<string, string>;
  body?: unknown;
  rawBody?: string;
}

interface Case {
  operation: OperationKey;
  name: string;
  status: number;
  request: (fixture: Fixture) => CaseRequest;
}

/** Users the cases work on, made before they run. */
interface Fixture {
  /** A user every case may read and patch; never deleted. */
  kept: { id: number; version: number };
  /** A user deleted by a case (its history stays readable). */
  doomed: { id: number };
  /** An id no user ever had. */
  missing: number;
}

const JSON_TYPE = { 'Content-Type': 'application/json' };
const OVERSIZED = JSON.stringify({ first_name: 'x'.repeat(17 * 1024) });

const CASES: Case[] = [
  // GET /health: its 503 comes from an app whose database is gone, below.
  { operation: 'GET /health', name: 'database up', status: 200, request: () => ({ path: '/health' }) },
  { operation: 'GET /health/live', name: 'the process answers', status: 200, request: () => ({ path: '/health/live' }) },
  { operation: 'GET /health/ready', name: 'database up, not draining', status: 200, request: () => ({ path: '/health/ready' }) },

  { operation: 'GET /api/users', name: 'first page', status: 200, request: () => ({ path: '/api/users' }) },
  {
    operation: 'GET /api/users',
    name: 'limit, offset and search',
    status: 200,
    request: () => ({ path: '/api/users?limit=1&offset=0&search=Ada' }),
  },
  { operation: 'GET /api/users', name: 'limit out of range', status: 400, request: () => ({ path: '/api/users?limit=501' }) },
  { operation: 'GET /api/users', name: 'an unknown parameter', status: 400, request: () => ({ path: '/api/users?page=2' }) },

  {
    operation: 'POST /api/users',
    name: 'both names, with X-Changed-By and X-Request-Id',
    status: 201,
    request: () => ({
      path: '/api/users',
      headers: { ...JSON_TYPE, 'X-Changed-By': 'openapi test', 'X-Request-Id': 'req-1' },
      body: { first_name: 'Grace', last_name: '' },
    }),
  },
  {
    operation: 'POST /api/users',
    name: 'a name missing',
    status: 400,
    request: () => ({ path: '/api/users', headers: JSON_TYPE, body: { first_name: 'Grace' } }),
  },
  {
    operation: 'POST /api/users',
    name: 'an unknown field',
    status: 400,
    request: () => ({ path: '/api/users', headers: JSON_TYPE, body: { first_name: 'A', last_name: 'B', admin: true } }),
  },
  {
    operation: 'POST /api/users',
    name: 'a name over 150 characters',
    status: 400,
    request: () => ({ path: '/api/users', headers: JSON_TYPE, body: { first_name: 'x'.repeat(151), last_name: 'B' } }),
  },
  {
    operation: 'POST /api/users',
    name: 'a bad X-Changed-By',
    status: 400,
    request: () => ({
      path: '/api/users',
      headers: { ...JSON_TYPE, 'X-Changed-By': 'x'.repeat(65) },
      body: { first_name: 'A', last_name: 'B' },
    }),
  },
  {
    operation: 'POST /api/users',
    name: 'a form instead of JSON',
    status: 415,
    request: () => ({
      path: '/api/users',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      rawBody: 'first_name=A&last_name=B',
    }),
  },
  {
    operation: 'POST /api/users',
    name: 'a body over 16 KiB',
    status: 413,
    request: () => ({ path: '/api/users', headers: JSON_TYPE, rawBody: OVERSIZED }),
  },
  {
    operation: 'POST /api/users',
    name: 'JSON in latin1',
    status: 415,
    request: () => ({
      path: '/api/users',
      headers: { 'Content-Type': 'application/json; charset=latin1' },
      rawBody: '{"first_name":"A","last_name":"B"}',
    }),
  },

  { operation: 'GET /api/users/{id}', name: 'a user', status: 200, request: (f) => ({ path: `/api/users/${f.kept.id}` }) },
  {
    operation: 'GET /api/users/{id}',
    name: 'If-None-Match naming the current version',
    status: 304,
    request: (f) => ({ path: `/api/users/${f.kept.id}`, headers: { 'If-None-Match': `"0", W/"${f.kept.version}"` } }),
  },
  { operation: 'GET /api/users/{id}', name: 'an id in letters', status: 400, request: () => ({ path: '/api/users/abc' }) },
  {
    operation: 'GET /api/users/{id}',
    name: 'an id with a leading zero',
    status: 400,
    request: () => ({ path: '/api/users/01' }),
  },
  { operation: 'GET /api/users/{id}', name: 'no such user', status: 404, request: (f) => ({ path: `/api/users/${f.missing}` }) },

  {
    operation: 'PATCH /api/users/{id}',
    name: 'one name',
    status: 200,
    request: (f) => ({ path: `/api/users/${f.kept.id}`, headers: JSON_TYPE, body: { last_name: 'Lovelace' } }),
  },
  {
    operation: 'PATCH /api/users/{id}',
    name: 'If-Match *',
    status: 200,
    request: (f) => ({
      path: `/api/users/${f.kept.id}`,
      headers: { ...JSON_TYPE, 'If-Match': '*' },
      body: { first_name: 'Ada' },
    }),
  },
  {
    operation: 'PATCH /api/users/{id}',
    name: 'If-Match naming an older version',
    status: 412,
    request: (f) => ({
      path: `/api/users/${f.kept.id}`,
      headers: { ...JSON_TYPE, 'If-Match': '"1"' },
      body: { first_name: 'X' },
    }),
  },
  {
    operation: 'PATCH /api/users/{id}',
    name: 'an empty object',
    status: 400,
    request: (f) => ({ path: `/api/users/${f.kept.id}`, headers: JSON_TYPE, body: {} }),
  },
  {
    operation: 'PATCH /api/users/{id}',
    name: 'a null name',
    status: 400,
    request: (f) => ({ path: `/api/users/${f.kept.id}`, headers: JSON_TYPE, body: { first_name: null } }),
  },
  {
    operation: 'PATCH /api/users/{id}',
    name: 'malformed JSON',
    status: 400,
    request: (f) => ({ path: `/api/users/${f.kept.id}`, headers: JSON_TYPE, rawBody: '{"first_name":' }),
  },
  {
    operation: 'PATCH /api/users/{id}',
    name: 'no such user',
    status: 404,
    request: (f) => ({ path: `/api/users/${f.missing}`, headers: JSON_TYPE, body: { first_name: 'X' } }),
  },
  {
    operation: 'PATCH /api/users/{id}',
    name: 'a body over 16 KiB',
    status: 413,
    request: (f) => ({ path: `/api/users/${f.kept.id}`, headers: JSON_TYPE, rawBody: OVERSIZED }),
  },
  {
    operation: 'PATCH /api/users/{id}',
    name: 'text/plain',
    status: 415,
    request: (f) => ({
      path: `/api/users/${f.kept.id}`,
      headers: { 'Content-Type': 'text/plain' },
      rawBody: '{"first_name":"X"}',
    }),
  },

  { operation: 'DELETE /api/users/{id}', name: 'an id of 0', status: 400, request: () => ({ path: '/api/users/0' }) },
  {
    operation: 'DELETE /api/users/{id}',
    name: 'no such user',
    status: 404,
    request: (f) => ({ path: `/api/users/${f.missing}` }),
  },
  {
    operation: 'DELETE /api/users/{id}',
    name: 'a user',
    status: 204,
    request: (f) => ({ path: `/api/users/${f.doomed.id}`, headers: { 'X-Changed-By': 'openapi test' } }),
  },

  {
    operation: 'GET /api/users/{id}/history',
    name: 'a user',
    status: 200,
    request: (f) => ({ path: `/api/users/${f.kept.id}/history?limit=2` }),
  },
  {
    operation: 'GET /api/users/{id}/history',
    name: 'a deleted user',
    status: 200,
    request: (f) => ({ path: `/api/users/${f.doomed.id}/history` }),
  },
  {
    operation: 'GET /api/users/{id}/history',
    name: 'before out of range',
    status: 400,
    request: (f) => ({ path: `/api/users/${f.kept.id}/history?before=0` }),
  },
  {
    operation: 'GET /api/users/{id}/history',
    name: 'an id that never existed',
    status: 404,
    request: (f) => ({ path: `/api/users/${f.missing}/history` }),
  },

  { operation: 'GET /api/changes', name: 'from the start', status: 200, request: () => ({ path: '/api/changes' }) },
  { operation: 'GET /api/changes', name: 'a page', status: 200, request: () => ({ path: '/api/changes?since=1&limit=2' }) },
  { operation: 'GET /api/changes', name: 'since below 0', status: 400, request: () => ({ path: '/api/changes?since=-1' }) },
  {
    operation: 'GET /api/changes',
    name: 'a repeated parameter',
    status: 400,
    request: () => ({ path: '/api/changes?limit=1&limit=2' }),
  },
];

interface Answer {
  status: number;
  headers: Headers;
  text: string;
}

async function send(baseUrl: string, method: string, request: CaseRequest): Promise<Answer> {
  const body = request.rawBody ?? (request.body === undefined ? undefined : JSON.stringify(request.body));
  const response = await fetch(`${baseUrl}${request.path}`, { method, headers: request.headers, body });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

/** Everything about `answer` that disagrees with what the document says `operation` answers. */
function disagreements(document: OpenAPIObject, schemas: DocumentSchemas, operation: OperationKey, answer: Answer): string[] {
  const [method, path] = operation.split(' ');
  const responses = (document.paths[path][method.toLowerCase() as HttpMethod] as OperationObject).responses;
  const status = String(answer.status);
  const documented = responses[status] as ResponseObject | undefined;
  if (!documented) return [`status ${status} is not documented (documented: ${Object.keys(responses).join(', ')})`];
  const problems: string[] = [];

  for (const [name, header] of Object.entries(documented.headers ?? {})) {
    if ('$ref' in header) throw new Error('header references are not followed here');
    const value = answer.headers.get(name);
    if (value === null) {
      if (header.required) problems.push(`header ${name} is documented as sent, but missing`);
      continue;
    }
    const schema = header.schema && !('$ref' in header.schema) ? header.schema : undefined;
    const typed = schema?.type === 'integer' ? Number(value) : value;
    const tokens = ['paths', path, method.toLowerCase(), 'responses', status, 'headers', name, 'schema'];
    problems.push(...schemas.errors(tokens, typed).map((error) => `header ${name}: ${value}: ${error}`));
  }

  const media = Object.keys(documented.content ?? {});
  if (media.length === 0) {
    if (answer.text !== '') problems.push(`documented without a body, but has one: ${answer.text.slice(0, 200)}`);
    return problems;
  }
  const contentType = answer.headers.get('content-type') ?? '';
  const mediaType = media.find((type) => contentType.startsWith(type));
  if (!mediaType) return [...problems, `content type ${contentType} is not documented (documented: ${media.join(', ')})`];
  const tokens = ['paths', path, method.toLowerCase(), 'responses', status, 'content', mediaType, 'schema'];
  const errors = schemas.errors(tokens, JSON.parse(answer.text));
  if (errors.length > 0) problems.push(`body ${errors.join('; ')}: ${answer.text.slice(0, 300)}`);
  return problems;
}

let t: TestApp;
let document: OpenAPIObject;
let schemas: DocumentSchemas;

beforeAll(async () => {
  t = await startTestApp();
  document = await fetchApiDocument(t.url);
  schemas = new DocumentSchemas(document);
});
afterAll(() => t.close());

describe('the OpenAPI document and the routes the app serves', () => {
  it('describes every route the app serves, and no other', () => {
    const served = discoverRoutes(t)
      .filter((route) => !route.excludedFromApiDocs)
      .map(({ route }) => route)
      .sort();
    const described = operationsOf(document).map((key) => toRoutePath(key));
    expect(served).toEqual(expect.arrayContaining(['GET /api/users', 'PATCH /api/users/:id', 'GET /health']));
    expect(described).toEqual([...new Set(served)]);
  });

  it('has cases below for every operation, and describes every operation the cases exercise', () => {
    const operations = operationsOf(document);
    const exercised = new Set(CASES.map((c) => c.operation));
    expect(operations.filter((operation) => !exercised.has(operation))).toEqual([]);
    expect([...exercised].filter((operation) => !operations.includes(operation))).toEqual([]);
  });

  it('gives every operation a summary and every error the API error shape', () => {
    const missing: string[] = [];
    for (const key of operationsOf(document)) {
      const [method, path] = key.split(' ');
      const operation = document.paths[path][method.toLowerCase() as HttpMethod] as OperationObject;
      if (!operation.summary) missing.push(`${key}: no summary`);
      for (const [status, response] of Object.entries(operation.responses)) {
        const schema = (response as ResponseObject).content?.['application/json']?.schema;
        const isError = Number(status) >= 400 && !path.startsWith('/health');
        if (isError && (!schema || !('$ref' in schema) || schema.$ref !== '#/components/schemas/Error')) {
          missing.push(`${key} ${status}: not the Error schema`);
        }
      }
    }
    expect(missing).toEqual([]);
  });
});

describe('every operation answers as the document says', () => {
  const seen = new Map<OperationKey, Set<string>>();
  let fixture: Fixture;

  beforeAll(async () => {
    const create = async (first_name: string): Promise<{ id: number; version: number }> => {
      const answer = await send(t.url, 'POST', {
        path: '/api/users',
        headers: JSON_TYPE,
        body: { first_name, last_name: 'Byron' },
      });
      if (answer.status !== 201) throw new Error(`creating a user answered ${answer.status}: ${answer.text}`);
      return JSON.parse(answer.text) as { id: number; version: number };
    };
    const kept = await create('Ada');
    const doomed = await create('Doomed');
    // A second version of the kept user, so If-Match "1" names an older one.
    await send(t.url, 'PATCH', { path: `/api/users/${kept.id}`, headers: JSON_TYPE, body: { first_name: 'Ada' } });
    fixture = { kept: { id: kept.id, version: kept.version + 1 }, doomed, missing: 999_999 };
  });

  // In order: the cases of an operation may rely on the ones before (the delete, then the history of the deleted).
  it.each(CASES.map((c) => [`${c.operation}: ${c.name} → ${c.status}`, c] as const))('%s', async (_title, c) => {
    const [method] = c.operation.split(' ');
    const request = c.request(fixture);
    if (c.status < 300 && request.body !== undefined) {
      const [, path] = c.operation.split(' ');
      const tokens = ['paths', path, method.toLowerCase(), 'requestBody', 'content', 'application/json', 'schema'];
      expect(schemas.errors(tokens, request.body)).toEqual([]);
    }
    const answer = await send(t.url, method, request);
    expect({ status: answer.status, problems: disagreements(document, schemas, c.operation, answer) }).toEqual({
      status: c.status,
      problems: [],
    });
    if (!seen.has(c.operation)) seen.set(c.operation, new Set());
    seen.get(c.operation)?.add(String(answer.status));
  });

  it('answered every status the document lists, at least once (503 of /health and /health/ready: below)', () => {
    const unseen: string[] = [];
    for (const key of operationsOf(document)) {
      const [method, path] = key.split(' ');
      const operation = document.paths[path][method.toLowerCase() as HttpMethod] as OperationObject;
      for (const status of Object.keys(operation.responses)) {
        if ((key === 'GET /health' || key === 'GET /health/ready') && status === '503') continue;
        if (GUARD_STATUSES.includes(status)) continue;
        if (!seen.get(key)?.has(status)) unseen.push(`${key} ${status}`);
      }
    }
    expect(unseen).toEqual([]);
  });
});

/** Answered by the guards in front of every /api/ route, exercised below by apps whose guards refuse. */
const GUARD_STATUSES = ['401', '429'];

describe('the guards in front of every /api/ route answer as documented', () => {
  /** Each /api/ operation's first case, with ids that need not exist: the guards answer before any rule runs. */
  function guardedRequests(): [OperationKey, CaseRequest][] {
    const fixture: Fixture = { kept: { id: 1, version: 1 }, doomed: { id: 2 }, missing: 999_999 };
    const firsts = new Map<OperationKey, CaseRequest>();
    for (const c of CASES)
      if (c.operation.includes(' /api/') && !firsts.has(c.operation)) firsts.set(c.operation, c.request(fixture));
    return [...firsts];
  }

  async function expectEveryOperation(app: TestApp, status: number): Promise<void> {
    const answers: { operation: OperationKey; status: number; problems: string[] }[] = [];
    for (const [operation, request] of guardedRequests()) {
      const answer = await send(app.url, operation.split(' ')[0], request);
      answers.push({ operation, status: answer.status, problems: disagreements(document, schemas, operation, answer) });
    }
    expect(answers).toEqual(answers.map(({ operation }) => ({ operation, status, problems: [] })));
    expect(answers.length).toBeGreaterThanOrEqual(5);
  }

  it('401 on every operation when authentication is on (reads too) and no token is sent', async () => {
    const app = await startTestApp({ env: { ...HS256_ENV, AUTH_PROTECT_READS: 'true' } });
    try {
      await expectEveryOperation(app, 401);
    } finally {
      await app.close();
    }
  });

  it('429 on every operation once the client has used up its window', async () => {
    const app = await startTestApp({ env: { RATE_LIMIT_MAX: '1', RATE_LIMIT_WINDOW_MS: '600000' } });
    try {
      expect((await send(app.url, 'GET', { path: '/api/users' })).status).toBe(200);
      await expectEveryOperation(app, 429);
    } finally {
      await app.close();
    }
  });
});

describe('GET /health and /health/ready when the database is gone', () => {
  it('answers 503 with the body the document describes', async () => {
    const broken = await startTestApp();
    try {
      await broken.dataSource.destroy();
      for (const operation of ['GET /health', 'GET /health/ready'] as const) {
        const answer = await send(broken.url, 'GET', { path: operation.split(' ')[1] });
        expect({ operation, status: answer.status, problems: disagreements(document, schemas, operation, answer) }).toEqual({
          operation,
          status: 503,
          problems: [],
        });
      }
    } finally {
      await broken.close();
    }
  });
});

describe('the committed files `npm run openapi` writes', () => {
  const STALE = 'is stale: run `npm run openapi` and commit the result';

  it(`docs/openapi.json is the document the app serves (else it ${STALE})`, () => {
    const committed = readFileSync(join(ROOT, 'docs/openapi.json'), 'utf8');
    expect(committed).toBe(`${JSON.stringify(document, null, 2)}\n`);
  });

  it(`client/schema.d.ts is what openapi-typescript makes of that document (else it ${STALE})`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'openapi-'));
    try {
      writeFileSync(join(dir, 'openapi.json'), JSON.stringify(document, null, 2));
      const cli = join(ROOT, 'node_modules/openapi-typescript/bin/cli.js');
      await promisify(execFile)(process.execPath, [cli, join(dir, 'openapi.json'), '--output', join(dir, 'schema.d.ts')], {
        cwd: ROOT,
      });
      expect(readFileSync(join(ROOT, 'client/schema.d.ts'), 'utf8')).toBe(readFileSync(join(dir, 'schema.d.ts'), 'utf8'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
