import fc from 'fast-check';
import http from 'node:http';

/*
 * Random HTTP requests for the hostile-input tests: every route of the app,
 * with ids, query strings, headers, content types, bodies and sizes drawn
 * from what clients get wrong and what attackers try. Each request says what
 * it carries, so a finding can be told apart from the known defects.
 */

export interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** What the generator put in, for classifying a finding. */
  tags: Set<Tag>;
}

export type Tag = 'deep-nesting' | 'huge-number-in-query' | 'invalid-utf8' | 'malformed-if-match' | 'expect';

export interface FuzzResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/** Things people and scanners put in strings: SQL, LIKE wildcards, markup, paths, control and odd Unicode. */
const HOSTILE_FRAGMENTS = [
  "'",
  '"',
  "' OR '1'='1",
  "'; DROP TABLE users; --",
  '%',
  '_',
  '\\',
  '%%',
  '\\%',
  '[a-z]',
  '*',
  '<script>alert(1)</script>',
  '../../etc/passwd',
  '..%2f..%2f',
  '\u0000',
  '\r\n',
  '\u202e',
  '\ud83d\ude00',
  '\ufeff',
  '$where',
  '{"$gt":""}',
  '${7*7}',
  '{{7*7}}',
];

export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.constantFrom(...HOSTILE_FRAGMENTS),
  fc.array(fc.constantFrom(...HOSTILE_FRAGMENTS), { maxLength: 4 }).map((parts) => parts.join('')),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.integer({ min: 140, max: 170 }).map((length) => 'x'.repeat(length)),
);

/** Integers as a client might write them, most of them wrong. */
const hostileNumber: fc.Arbitrary<string> = fc.oneof(
  fc.integer({ min: -5, max: 60 }).map(String),
  fc.constantFrom(
    '0',
    '-0',
    '1.5',
    '1e3',
    '0x10',
    '010',
    ' 1',
    '1 ',
    '+1',
    'NaN',
    'Infinity',
    '2147483647',
    '2147483648',
    '4294967296',
    '9007199254740993',
    '9223372036854775807',
    '9223372036854775808',
    '18446744073709551616',
    '1'.repeat(400),
    '',
  ),
  fc.bigInt({ min: 0n, max: 2n ** 80n }).map(String),
);

const HUGE = 2n ** 63n;

/** Percent-encodes a string's UTF-8 bytes (a lone surrogate becomes U+FFFD), keeping `keep` as it is. */
function encode(value: string, keep = /[A-Za-z0-9_.~-]/): string {
  let out = '';
  for (const char of value) {
    if (keep.test(char)) out += char;
    else for (const byte of Buffer.from(char, 'utf8')) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function isHugeNumber(value: string): boolean {
  return /^\d+$/.test(value.trim()) && BigInt(value.trim()) >= HUGE;
}

const idSegment: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 1, max: 60 }).map(String) },
  { weight: 2, arbitrary: hostileNumber.map((value) => encode(value)) },
  { weight: 1, arbitrary: hostileString.map((value) => encode(value)) },
  { weight: 1, arbitrary: fc.constantFrom('%', '%zz', '%ff', '%00', '%2e%2e', '..', '.', '%2f', 'users', '__proto__') },
);

const QUERY_KEYS = [
  'limit',
  'offset',
  'search',
  'since',
  'before',
  'sort',
  'user_id',
  '__proto__',
  'constructor[prototype]',
  'limit[]',
];

const queryString: fc.Arbitrary<{ text: string; huge: boolean }> = fc
  .array(
    fc.tuple(
      fc.oneof(
        fc.constantFrom(...QUERY_KEYS),
        fc.string({ maxLength: 8 }).map((value) => encode(value)),
      ),
      fc.oneof(hostileNumber, hostileString),
      fc.boolean(),
    ),
    { maxLength: 4 },
  )
  .map((pairs) => ({
    text: pairs.length
      ? `?${pairs.map(([key, value, raw]) => `${key}=${raw ? encode(value, /[\w%.*,'()!$-]/) : encode(value)}`).join('&')}`
      : '',
    huge: pairs.some(([, value]) => isHugeNumber(value)),
  }));

interface Route {
  methods: readonly string[];
  path: (id: string) => string;
  query: boolean;
}

const ROUTES: readonly Route[] = [
  { methods: ['GET', 'POST', 'HEAD'], path: () => '/api/users', query: true },
  { methods: ['GET', 'POST'], path: () => '/api/users/', query: true },
  { methods: ['GET', 'PATCH', 'DELETE', 'HEAD'], path: (id) => `/api/users/${id}`, query: false },
  { methods: ['GET', 'PATCH', 'DELETE'], path: (id) => `/api/users/${id}/`, query: false },
  { methods: ['GET'], path: (id) => `/api/users/${id}/history`, query: true },
  { methods: ['GET'], path: () => '/api/changes', query: true },
  { methods: ['GET'], path: () => '/health', query: false },
  { methods: ['GET', 'HEAD'], path: () => '/', query: false },
  { methods: ['GET'], path: (id) => `/window${id.length % 2 ? 1 : 2}.html?user=${id}`, query: false },
  { methods: ['GET'], path: () => '/style.css', query: false },
  { methods: ['GET'], path: (id) => `/${id}`, query: false },
];

// Not CONNECT: Node's server closes the connection of a CONNECT it has no handler for, as a non-proxy should.
const OTHER_METHODS = ['PUT', 'OPTIONS', 'TRACE', 'PROPFIND', 'get'];

const contentType: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 6, arbitrary: fc.constant('application/json') },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      undefined,
      'application/json; charset=utf-8',
      'application/json; charset=latin1',
      'application/json; charset=utf-16',
      'application/merge-patch+json',
      'text/plain',
      'text/html',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/xml',
      'application/json, text/plain',
      '',
      '*/*',
    ),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 30 }).filter(isHeaderValue) },
);

function isHeaderValue(value: string): boolean {
  return /^[\t\x20-\x7e]*$/.test(value);
}

/** A user-ish object: the fields of the contract, sometimes with the wrong types, extra keys and pollution keys. */
const userObject: fc.Arbitrary<Record<string, unknown>> = fc.record(
  {
    first_name: fc.oneof({ weight: 5, arbitrary: hostileString }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) }),
    last_name: fc.oneof({ weight: 5, arbitrary: hostileString }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) }),
    id: fc.integer(),
    version: fc.integer(),
    extra: fc.jsonValue({ maxDepth: 1 }),
  },
  { requiredKeys: [] },
);

const POLLUTION_BODIES = [
  '{"__proto__": {"polluted": true}, "first_name": "a", "last_name": "b"}',
  '{"constructor": {"prototype": {"polluted": true}}, "first_name": "a", "last_name": "b"}',
  '{"first_name": {"__proto__": {"polluted": true}}, "last_name": "b"}',
];

type Body = { bytes: Buffer; tags: Tag[] };

function nested(depth: number, open: string, close: string, inner: string): string {
  return `${open.repeat(depth)}${inner}${close.repeat(depth)}`;
}

/** What the contract accepts, with names drawn from the hostile strings: these writes go through. */
const validUser: fc.Arbitrary<Record<string, string>> = fc.record(
  { first_name: hostileString, last_name: hostileString },
  { requiredKeys: [] },
);

const body: fc.Arbitrary<Body | undefined> = fc.oneof(
  { weight: 2, arbitrary: fc.constant(undefined) },
  { weight: 8, arbitrary: validUser.map((value) => ({ bytes: Buffer.from(JSON.stringify(value)), tags: [] as Tag[] })) },
  { weight: 8, arbitrary: userObject.map((value) => ({ bytes: Buffer.from(JSON.stringify(value)), tags: [] })) },
  { weight: 2, arbitrary: fc.json({ maxDepth: 3 }).map((text) => ({ bytes: Buffer.from(text), tags: [] })) },
  { weight: 1, arbitrary: fc.constantFrom(...POLLUTION_BODIES).map((text) => ({ bytes: Buffer.from(text), tags: [] })) },
  {
    weight: 1,
    arbitrary: fc.uint8Array({ maxLength: 64 }).map((bytes) => ({ bytes: Buffer.from(bytes), tags: [] as Tag[] })),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.integer({ min: 1, max: 5_000 }), fc.constantFrom<[string, string]>(['[', ']'], ['{"a":', '}']))
      .map(([depth, [open, close]]) => ({
        bytes: Buffer.from(`{"first_name": ${nested(depth, open, close, '1')}, "last_name": "x"}`),
        tags: depth > 500 ? (['deep-nesting'] as Tag[]) : [],
      })),
  },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 10_000, max: 40_000 }).map((size) => ({
      bytes: Buffer.from(JSON.stringify({ first_name: 'x'.repeat(size), last_name: 'y' })),
      tags: [] as Tag[],
    })),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(0xff, 0xc3, 0xe2, 0xed, 0x80).map((byte) => ({
      bytes: Buffer.concat([Buffer.from('{"first_name": "a'), Buffer.from([byte]), Buffer.from('b", "last_name": "c"}')]),
      tags: ['invalid-utf8'] as Tag[],
    })),
  },
);

/**
 * RFC 9110's If-Match: `*`, or a list of entity tags, where (5.6.1) a
 * recipient accepts empty list elements: `"1",` and `, "1"` are well-formed.
 */
const ENTITY_TAG = '(W\\/)?"[\\x21\\x23-\\x7e\\x80-\\xff]*"';
const WELL_FORMED_IF_MATCH = new RegExp(
  `^[ \\t]*(\\*|[ \\t,]*${ENTITY_TAG}([ \\t]*,([ \\t]*,)*[ \\t]*${ENTITY_TAG})*([ \\t]*,)*)[ \\t]*$`,
);

const ifMatch: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 6, arbitrary: fc.constant(undefined) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '"1"',
      '"2"',
      '*',
      'W/"1"',
      '"1", "2"',
      '2',
      '"1 ,2"x',
      '"',
      '""',
      ',',
      '"1",',
      '"-1"',
      '"99999999999999999999"',
    ),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }).filter(isHeaderValue) },
);

/** Each header now and then, so that most requests still reach the route with what they carry. */
function sometimes(arbitrary: fc.Arbitrary<string>, weight = 1): fc.Arbitrary<string | undefined> {
  return fc.oneof({ weight: 8, arbitrary: fc.constant(undefined) }, { weight, arbitrary });
}

const extraHeaders: fc.Arbitrary<Record<string, string>> = fc
  .record({
    'if-none-match': sometimes(fc.constantFrom('"1"', '*', 'W/"2"', 'garbage', '"1", W/"3"')),
    'x-changed-by': sometimes(
      fc.oneof(fc.string({ maxLength: 40 }).filter(isHeaderValue), fc.constantFrom('Window 1', 'é', '%0d%0a')),
    ),
    'x-request-id': sometimes(fc.string({ maxLength: 40 }).filter(isHeaderValue)),
    accept: sometimes(fc.constantFrom('application/json', 'text/html', '*/*', 'image/png', 'garbage')),
    'accept-encoding': sometimes(fc.constantFrom('gzip', 'br', 'identity', 'x')),
    range: sometimes(fc.constantFrom('bytes=0-1', 'bytes=9999999999-', 'bytes=-1', 'garbage')),
    expect: fc.oneof(
      { weight: 40, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: fc.constantFrom('100-continue', 'x') },
    ),
  })
  .map(
    (headers) => Object.fromEntries(Object.entries(headers).filter(([, value]) => value !== undefined)) as Record<string, string>,
  );

export const fuzzRequest: fc.Arbitrary<FuzzRequest> = fc
  .record({
    route: fc.constantFrom(...ROUTES),
    otherMethod: fc.oneof(
      { weight: 15, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: fc.constantFrom(...OTHER_METHODS) },
    ),
    methodIndex: fc.nat(),
    id: idSegment,
    query: queryString,
    contentType,
    body,
    ifMatch,
    headers: extraHeaders,
  })
  .map(({ route, otherMethod, methodIndex, id, query, contentType: type, body: payload, ifMatch: match, headers }) => {
    const method = otherMethod ?? route.methods[methodIndex % route.methods.length];
    const tags = new Set<Tag>(payload?.tags ?? []);
    const sent: Record<string, string> = { ...headers };
    if (type !== undefined && payload) sent['content-type'] = type;
    if (match !== undefined) sent['if-match'] = match;
    if (match !== undefined && !WELL_FORMED_IF_MATCH.test(match)) tags.add('malformed-if-match');
    if (query.huge && route.query) tags.add('huge-number-in-query');
    if (/^\d+$/.test(id) && BigInt(id) >= HUGE) tags.add('huge-number-in-query');
    if (sent.expect !== undefined) tags.add('expect');
    return {
      method,
      path: `${route.path(id)}${route.query ? query.text : ''}`,
      headers: sent,
      body: payload?.bytes,
      tags,
    };
  });

/** Sends one request on a keep-alive agent; a request Node itself refuses to send resolves to undefined. */
export function send(base: URL, agent: http.Agent, request: FuzzRequest): Promise<FuzzResponse | undefined> {
  return new Promise((resolve, reject) => {
    let outgoing: http.ClientRequest;
    // Framed explicitly: Node's client sends a DELETE's or GET's body without Content-Length, which the
    // server then reads as the start of the next request.
    const headers = request.body ? { ...request.headers, 'content-length': String(request.body.length) } : request.headers;
    try {
      outgoing = http.request(
        { host: base.hostname, port: base.port, method: request.method, path: request.path, headers, agent },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () =>
            resolve({
              status: response.statusCode ?? 0,
              headers: response.headers,
              text: Buffer.concat(chunks).toString('utf8'),
            }),
          );
          response.on('error', reject);
        },
      );
    } catch {
      resolve(undefined);
      return;
    }
    outgoing.setTimeout(10_000, () => outgoing.destroy(new Error(`no answer in 10 s to ${request.method} ${request.path}`)));
    outgoing.on('error', reject);
    outgoing.end(request.body);
  });
}

/** A one-line description of a request, for findings. */
export function describeRequest(request: FuzzRequest): string {
  const body = request.body
    ? ` body(${request.body.length} B)=${JSON.stringify(request.body.subarray(0, 80).toString('latin1'))}`
    : '';
  return `${request.method} ${request.path.slice(0, 120)} ${JSON.stringify(request.headers)}${body}`;
}
