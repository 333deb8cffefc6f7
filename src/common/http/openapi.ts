import { applyDecorators } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import {
  ApiExtraModels,
  ApiHeader,
  ApiParam,
  ApiProperty,
  ApiResponse,
  ApiSchema,
  DocumentBuilder,
  getSchemaPath,
  SwaggerModule,
} from '@nestjs/swagger';
import type { HeaderObject, OpenAPIObject, SchemaObject } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { STATUS_CODES } from 'node:http';
import { dirname } from 'node:path';
import { ErrorBody } from './error-body';

/** Where the API describes itself: the OpenAPI document and a browsable UI of it. */
export const API_DOCS_PATH = '/api/docs';
export const API_DOCS_JSON_PATH = '/api/docs-json';

/** The schema of every error the API sends (see error-body.ts). */
@ApiSchema({ name: 'Error', description: 'Every error the API sends: 4xx and 5xx alike' })
export class ApiErrorBody implements ErrorBody {
  @ApiProperty({ type: 'integer', minimum: 400, maximum: 599, example: 404 })
  statusCode: number;

  @ApiProperty({ type: 'string', description: 'The status text', example: 'Not Found' })
  error: string;

  @ApiProperty({
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
    description: 'What is wrong, naming the field; a list when several fields are',
    example: 'user 99 not found',
  })
  message: string | string[];
}

/** What each error status means in this API, unless an operation says more. */
const ERROR_MEANINGS: Partial<Record<number, string>> = {
  400: 'The request is malformed: a parameter, header or body field is invalid (the message names it)',
  404: 'No such resource',
  412: 'A precondition (If-Match) names no current version',
  413: 'The body is over 16 KiB',
  415: 'The body is not UTF-8 JSON',
  503: 'A dependency is down',
};

/**
 * The error responses of an operation, each with the API's error body.
 * `meanings` overrides the generic description of a status for this operation.
 */
export function ApiErrors(statuses: readonly number[], meanings: Partial<Record<number, string>> = {}): MethodDecorator {
  return applyDecorators(
    ApiExtraModels(ApiErrorBody),
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: meanings[status] ?? ERROR_MEANINGS[status] ?? STATUS_CODES[status] ?? 'Error',
        content: { 'application/json': { schema: { $ref: getSchemaPath(ApiErrorBody) } } },
      }),
    ),
  );
}

/** A response header holding a strong entity tag that is a version: "3". */
export const ETAG_RESPONSE_HEADER: Record<string, HeaderObject> = {
  ETag: {
    description: 'The version of the resource as a strong entity tag: version 3 is "3"',
    required: true,
    schema: { type: 'string', pattern: '^"[1-9][0-9]*"$', example: '"3"' },
  },
};

const ENTITY_TAGS: SchemaObject = { type: 'string', example: '"3"' };

/** The optional If-Match request header (strong comparison): apply the write only at a version it names. */
export function ApiIfMatch(): MethodDecorator {
  return ApiHeader({
    name: 'If-Match',
    required: false,
    description:
      'Apply only while the resource is at a version named here (strong comparison: "3", a list "3", "4", or *); otherwise 412',
    schema: ENTITY_TAGS,
  });
}

/** The optional If-None-Match request header (weak comparison): 304 when it names the current version. */
export function ApiIfNoneMatch(): MethodDecorator {
  return ApiHeader({
    name: 'If-None-Match',
    required: false,
    description:
      'Answer 304 with no body when this names the current version (weak comparison: W/"3" matches "3"; * matches any)',
    schema: ENTITY_TAGS,
  });
}

/** A path parameter read by ParsePositiveIntPipe: a positive integer in plain digits. */
export function ApiPositiveIntParam(name: string, description: string): MethodDecorator {
  return ApiParam({ name, description, schema: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER } });
}

export interface ApiDocsInfo {
  title: string;
  description: string;
  version: string;
}

/**
 * The OpenAPI 3.1 document of every route of `app`, from the decorators on its
 * controllers and DTOs. Bodies are described as the global validation pipe
 * treats them: a property a DTO does not declare is refused.
 */
export function buildApiDocument(app: NestExpressApplication, info: ApiDocsInfo): OpenAPIObject {
  const config = new DocumentBuilder()
    .setOpenAPIVersion('3.1.0')
    .setTitle(info.title)
    .setDescription(info.description)
    .setVersion(info.version)
    .build();
  const document = SwaggerModule.createDocument(app, config);
  describeGuardedOperations(document);
  for (const name of requestBodySchemas(document)) {
    const schema = document.components?.schemas?.[name];
    if (schema && !('$ref' in schema)) schema.additionalProperties = false;
  }
  return document;
}

/** Where the guards every API route passes through apply: the routes under /api/. */
const GUARDED_PREFIX = '/api/';

/*
 * What every API route may answer before its own rules run, described once
 * here rather than on each route (a new feature's routes get it too): 401 from
 * the opt-in bearer authentication (writes, reads with AUTH_PROTECT_READS, any
 * request with a bad token) and 429 from the rate limits.
 */
function describeGuardedOperations(document: OpenAPIObject): void {
  document.components ??= {};
  document.components.securitySchemes = {
    ...document.components.securitySchemes,
    bearer: {
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
      description: 'Opt-in (AUTH_JWT_SECRET or AUTH_JWKS_URL): then writes need it, and reads too with AUTH_PROTECT_READS',
    },
  };
  const errorBody = { 'application/json': { schema: { $ref: getSchemaPath(ApiErrorBody) } } };
  for (const [path, item] of Object.entries(document.paths)) {
    if (!path.startsWith(GUARDED_PREFIX)) continue;
    for (const operation of [item.get, item.post, item.put, item.patch, item.delete]) {
      if (!operation) continue;
      // Either no credentials (authentication off, or an open read) or a bearer token.
      operation.security = [{}, { bearer: [] }];
      operation.responses['401'] ??= {
        description: 'Authentication is on and the request has no valid bearer token (the challenge says why)',
        headers: {
          'WWW-Authenticate': {
            description: 'An RFC 6750 Bearer challenge',
            required: true,
            schema: { type: 'string', pattern: '^Bearer ' },
          },
        },
        content: errorBody,
      };
      operation.responses['429'] ??= {
        description: 'Over the rate limit (RATE_LIMIT_MAX per RATE_LIMIT_WINDOW_MS for this client)',
        headers: {
          'Retry-After': {
            description: 'Seconds until the window ends',
            required: true,
            schema: { type: 'integer', minimum: 0 },
          },
        },
        content: errorBody,
      };
    }
  }
}

/** Names of the component schemas that request bodies refer to. */
function requestBodySchemas(document: OpenAPIObject): Set<string> {
  const names = new Set<string>();
  for (const item of Object.values(document.paths)) {
    for (const operation of [item.post, item.put, item.patch]) {
      const body = operation?.requestBody;
      if (!body || '$ref' in body) continue;
      for (const media of Object.values(body.content)) {
        const ref = media.schema && '$ref' in media.schema ? media.schema.$ref : undefined;
        if (ref) names.add(ref.replace('#/components/schemas/', ''));
      }
    }
  }
  return names;
}

/** The Swagger UI files the page loads, served from swagger-ui-dist; nothing else of that package is. */
const UI_ASSETS = ['swagger-ui.css', 'swagger-ui-bundle.js', 'favicon-32x32.png'];

/*
 * The UI page is our own rather than SwaggerModule.setup()'s, whose template
 * carries inline <style> blocks: this one runs under a Content-Security-Policy
 * of 'self' alone (no inline script or style, nothing from elsewhere).
 */
const UI_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{title}}: API</title>
<link rel="icon" type="image/png" href="${API_DOCS_PATH}/favicon-32x32.png">
<link rel="stylesheet" href="${API_DOCS_PATH}/swagger-ui.css">
<script src="${API_DOCS_PATH}/swagger-ui-bundle.js" defer></script>
<script src="${API_DOCS_PATH}/docs.js" defer></script>
</head>
<body>
<main id="swagger-ui"></main>
</body>
</html>
`;

/** validatorUrl null: the UI would otherwise send the document's address to an outside validator. */
const UI_SCRIPT = `window.ui = SwaggerUIBundle({
  url: '${API_DOCS_JSON_PATH}',
  dom_id: '#swagger-ui',
  deepLinking: true,
  validatorUrl: null,
  layout: 'BaseLayout',
});
`;

/**
 * Serves the document as JSON at API_DOCS_JSON_PATH, with the UI at
 * API_DOCS_PATH. Not controllers: they are about the API, not part of it, so
 * they are not in the document themselves. The document is built once, when
 * it is first asked for: building it scans every route (about 20 ms), which
 * a start need not wait for.
 */
export function installApiDocs(app: NestExpressApplication, info: ApiDocsInfo): void {
  let json: string | undefined;
  const documentJson = (): string => (json ??= JSON.stringify(buildApiDocument(app, info)));
  const page = UI_PAGE.replace('{{title}}', escapeHtml(info.title));
  const assets = swaggerUiAssetsFolder();
  const http = app.getHttpAdapter().getInstance();
  http.get(API_DOCS_JSON_PATH, (_request: Request, response: Response) => {
    response.type('application/json').setHeader('Cache-Control', 'no-cache');
    response.send(documentJson());
  });
  http.get(API_DOCS_PATH, (_request: Request, response: Response) => {
    response.type('text/html').setHeader('Cache-Control', 'no-cache');
    response.send(page);
  });
  http.get(`${API_DOCS_PATH}/docs.js`, (_request: Request, response: Response) => {
    response.type('application/javascript').setHeader('Cache-Control', 'no-cache');
    response.send(UI_SCRIPT);
  });
  for (const asset of UI_ASSETS) {
    http.get(`${API_DOCS_PATH}/${asset}`, (_request: Request, response: Response) => {
      response.sendFile(asset, { root: assets });
    });
  }
}

function swaggerUiAssetsFolder(): string {
  return dirname(require.resolve('swagger-ui-dist/package.json'));
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}
