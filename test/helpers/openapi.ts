import Ajv2020 from 'ajv/dist/2020';
import type { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { OpenAPIObject } from '@nestjs/swagger';

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

/** `GET /api/users/{id}`: an operation of the document, named as the tests name it. */
export type OperationKey = string;

export async function fetchApiDocument(baseUrl: string): Promise<OpenAPIObject> {
  const response = await fetch(`${baseUrl}/api/docs-json`);
  if (response.status !== 200) throw new Error(`GET /api/docs-json answered ${response.status}`);
  return (await response.json()) as OpenAPIObject;
}

/** Every operation of the document, as `METHOD /path/{param}`. */
export function operationsOf(document: OpenAPIObject): OperationKey[] {
  const keys: OperationKey[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of HTTP_METHODS) if (item[method]) keys.push(`${method.toUpperCase()} ${path}`);
  }
  return keys.sort();
}

/** `/api/users/{id}` as Nest writes it: `/api/users/:id`. */
export function toRoutePath(openApiPath: string): string {
  return openApiPath.replace(/\{([^}]+)\}/g, ':$1');
}

/** JSON pointer escaping (RFC 6901) of one reference token. */
function pointerToken(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

/**
 * Validates values against schemas of the document, references included: the
 * whole document is added to Ajv once (OpenAPI 3.1 schemas are JSON Schema
 * 2020-12) and each schema is reached by its JSON pointer.
 */
export class DocumentSchemas {
  private readonly ajv: Ajv2020;
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(document: OpenAPIObject) {
    // OpenAPI adds keywords of its own (example, ...) that are not validation.
    this.ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(this.ajv);
    this.ajv.addSchema(document, 'api');
  }

  /** The errors of `value` against the schema at `tokens` (a path into the document), or [] when it conforms. */
  errors(tokens: readonly string[], value: unknown): string[] {
    const pointer = `api#/${tokens.map(pointerToken).join('/')}`;
    let validate = this.compiled.get(pointer);
    if (!validate) {
      validate = this.ajv.getSchema(pointer);
      if (!validate) throw new Error(`no schema at ${pointer}`);
      this.compiled.set(pointer, validate);
    }
    if (validate(value)) return [];
    return (validate.errors ?? []).map((error) => `${error.instancePath || '(root)'} ${error.message ?? ''}`);
  }
}
