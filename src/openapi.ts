import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppModule } from './app.module';
import { apiDocsInfo } from './app.setup';
import { buildApiDocument, projectRoot } from './common';
import { validateEnvironment } from './config';

/** Where `npm run openapi` writes the document, for readers and generators that do not run the server. */
export const OPENAPI_FILE = 'docs/openapi.json';

/**
 * `npm run openapi` (first step): the document the server serves at
 * /api/docs-json, written to docs/openapi.json. It is built from the code
 * alone, so the app runs on a throwaway in-memory SQLite whatever the
 * settings say. The script's next step generates client/schema.d.ts from it.
 */
async function writeOpenApiDocument(): Promise<void> {
  const env = validateEnvironment({ DB_TYPE: 'sqlite', DB_PATH: ':memory:' });
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(env), { logger: ['error', 'warn'] });
  try {
    const document = buildApiDocument(app, apiDocsInfo());
    writeFileSync(join(projectRoot(), OPENAPI_FILE), `${JSON.stringify(document, null, 2)}\n`);
    process.stdout.write(`OpenAPI: wrote ${OPENAPI_FILE}\n`);
  } finally {
    await app.close();
  }
}

writeOpenApiDocument().catch((error: Error) => {
  process.stderr.write(`Writing the OpenAPI document failed: ${error.message}\n`);
  process.exit(1);
});
