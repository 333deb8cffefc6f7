import type { ModuleMetadata } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import type { AddressInfo } from 'node:net';
import { DataSource } from 'typeorm';
import { AppModule } from '../../src/app.module';
import { configureApp } from '../../src/app.setup';
import { validateEnvironment } from '../../src/config/environment';

export interface TestApp {
  app: NestExpressApplication;
  /** http://127.0.0.1:<port>, for supertest and socket.io clients alike. */
  url: string;
  dataSource: DataSource;
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** Settings as environment variables; defaults to an in-memory SQLite database. */
  env?: Record<string, string>;
  /** Extra modules, e.g. a throwaway feature module. */
  imports?: ModuleMetadata['imports'];
}

/**
 * The app in this process, configured by the same configureApp() as main.ts
 * and listening on a free port, so tests exercise what users run.
 */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const env = validateEnvironment({ DB_PATH: ':memory:', HOST: '127.0.0.1', PORT: '0', ...options.env });
  const moduleRef = await Test.createTestingModule({
    imports: [AppModule.forRoot(env), ...(options.imports ?? [])],
  }).compile();
  const app = moduleRef.createNestApplication<NestExpressApplication>({ logger: ['error', 'warn'] });
  await configureApp(app);
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return {
    app,
    url: `http://127.0.0.1:${port}`,
    dataSource: app.get(DataSource),
    close: () => app.close(),
  };
}
