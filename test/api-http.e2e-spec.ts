import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { testAppSuite } from './helpers/app';
import { fetchApiDocument, operationsOf } from './helpers/openapi';

/*
 * api.http, the file of example calls for editors' HTTP clients, run top to
 * bottom against a fresh app: each call gets the status its "# expect NNN"
 * says, and together they call every operation of the OpenAPI document.
 */

const FILE = resolve(__dirname, '..', 'api.http');

interface HttpFileRequest {
  title: string;
  expect: number | undefined;
  method: string;
  url: string;
  headers: [string, string][];
  body: string | undefined;
}

/**
 * The subset of the REST Client / JetBrains format the file uses: `@name = value`
 * variables, requests separated by `###` lines (the rest of the line is the
 * title), `#` comments, a request line, headers, a blank line, a body.
 */
function parseHttpFile(text: string): { variables: Map<string, string>; requests: HttpFileRequest[] } {
  const variables = new Map<string, string>();
  const requests: HttpFileRequest[] = [];
  const [preamble, ...blocks] = text.split(/^###[ \t]*/m);
  for (const block of [preamble, ...blocks]) {
    const lines = block.split('\n');
    const title = block === preamble ? '' : lines.shift()!.trim();
    let expected: number | undefined;
    let index = 0;
    for (; index < lines.length; index++) {
      const line = lines[index].trim();
      const variable = /^@([\w-]+)\s*=\s*(.*)$/.exec(line);
      if (variable) variables.set(variable[1], variable[2].trim());
      else if (/^#\s*expect\s+(\d{3})\b/.test(line)) expected = Number(/(\d{3})/.exec(line)![1]);
      else if (line !== '' && !line.startsWith('#') && !line.startsWith('//')) break;
    }
    if (index === lines.length) continue;
    const [method, url] = lines[index].trim().split(/\s+/);
    const headers: [string, string][] = [];
    for (index++; index < lines.length && lines[index].trim() !== ''; index++) {
      const colon = lines[index].indexOf(':');
      headers.push([lines[index].slice(0, colon).trim(), lines[index].slice(colon + 1).trim()]);
    }
    const body = lines
      .slice(index + 1)
      .join('\n')
      .trim();
    requests.push({ title, expect: expected, method, url, headers, body: body === '' ? undefined : body });
  }
  return { variables, requests };
}

function substitute(text: string, variables: ReadonlyMap<string, string>): string {
  return text.replace(/\{\{\s*([\w-]+)\s*\}\}/g, (match, name: string) => {
    const value = variables.get(name);
    if (value === undefined) throw new Error(`api.http: no variable ${match}`);
    return value;
  });
}

/** `/api/users/{id}` → a pattern matching `/api/users/12`, with or without a trailing slash. */
function pathPattern(template: string): RegExp {
  const source = template.replace(/\{[^}]+\}/g, '[^/]+');
  return new RegExp(`^${source}/?$`);
}

describe('api.http', () => {
  const t = testAppSuite();
  const { variables, requests } = parseHttpFile(readFileSync(FILE, 'utf8'));

  it('holds requests, each saying the status it gets', () => {
    expect(variables.get('baseUrl')).toBe('http://localhost:3000');
    expect(requests.length).toBeGreaterThanOrEqual(10);
    expect(requests.filter((request) => request.expect === undefined).map((request) => request.title)).toEqual([]);
  });

  it('calls every operation of the OpenAPI document', async () => {
    const operations = operationsOf(await fetchApiDocument(t.url));
    const called = requests.map((request) => ({
      method: request.method,
      path: new URL(substitute(request.url, variables)).pathname,
    }));
    const uncalled = operations.filter((operation) => {
      const [method, template] = operation.split(' ');
      return !called.some((call) => call.method === method && pathPattern(template).test(call.path));
    });
    expect(uncalled).toEqual([]);
  });

  it('gets the status each request expects, run top to bottom on an empty database', async () => {
    const local = new Map(variables).set('baseUrl', t.url);
    const answers: string[] = [];
    for (const request of requests) {
      const response = await fetch(substitute(request.url, local), {
        method: request.method,
        headers: request.headers.map(([name, value]): [string, string] => [name, substitute(value, local)]),
        body: request.body === undefined ? undefined : substitute(request.body, local),
      });
      await response.arrayBuffer();
      answers.push(`${request.title}: ${response.status}`);
    }
    expect(answers).toEqual(requests.map((request) => `${request.title}: ${request.expect}`));
  });
});
