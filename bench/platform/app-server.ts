/**
 * The project's own AppModule (the build in dist/src) on Express or on
 * Fastify, with only its validation pipe and exception filter: none of
 * configureApp()'s middleware (draining, access line, security headers, body
 * checks, static site, docs). Run against itself with the bench, it measures
 * what the HTTP platform costs this app's routes, guards, pipes and database
 * reads and writes:
 *
 *     npm run build && npm run bench:build
 *     node dist/bench/cli.js --only throughput --runs 3 \
 *       --project-cmd "node dist/bench/platform/app-server.js fastify" --project-label app-on-fastify \
 *       --floor-cmd "node dist/bench/platform/app-server.js express"
 *
 * It is a yardstick, not a port: on Fastify, the few Express response and
 * request methods the controllers call (setHeader, location, json, header)
 * are stood in for, and nothing else of the contract is kept. Settings come
 * from the environment as for the server (PORT, HOST, DB_PATH).
 */
import 'reflect-metadata';
import type { INestApplication, PipeTransform, ExceptionFilter } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { repoRoot } from '../lib/paths';

type Platform = 'express' | 'fastify';

/** What is taken from the project's build: it stays a black box the bench loads, as it runs the server. */
interface ProjectBuild {
  appModule(env: unknown): unknown;
  loadEnvironment(): { PORT: number; HOST: string };
  validationPipe(): PipeTransform;
  exceptionFilter(): ExceptionFilter;
}

function loadBuild(): ProjectBuild {
  const requireBuilt = createRequire(__filename);
  const load = (path: string): Record<string, unknown> =>
    requireBuilt(join(repoRoot(), 'dist/src', path)) as Record<string, unknown>;
  const app = load('app.module') as { AppModule: { forRoot(env: unknown): unknown } };
  const config = load('config') as { loadEnvironment(): { PORT: number; HOST: string } };
  const common = load('common') as { ApiValidationPipe: new () => PipeTransform; ApiExceptionFilter: new () => ExceptionFilter };
  return {
    appModule: (env) => app.AppModule.forRoot(env),
    loadEnvironment: () => config.loadEnvironment(),
    validationPipe: () => new common.ApiValidationPipe(),
    exceptionFilter: () => new common.ApiExceptionFilter(),
  };
}

/** Fastify with the Express methods the controllers and the filter call, each the same write. */
function fastifyWithExpressCalls(): FastifyAdapter {
  const adapter = new FastifyAdapter();
  const fastify = adapter.getInstance();
  type Reply = { header(name: string, value: unknown): Reply; send(body: unknown): Reply };
  fastify.decorateReply('setHeader', function (this: Reply, name: string, value: unknown) {
    return this.header(name, value);
  });
  fastify.decorateReply('location', function (this: Reply, url: string) {
    return this.header('Location', url);
  });
  fastify.decorateReply('json', function (this: Reply, body: unknown) {
    return this.send(body);
  });
  fastify.decorateRequest('header', function (this: { headers: Record<string, unknown> }, name: string) {
    return this.headers[name.toLowerCase()];
  });
  return adapter;
}

async function main(platform: Platform): Promise<void> {
  const build = loadBuild();
  const env = build.loadEnvironment();
  const module = build.appModule(env) as Parameters<typeof NestFactory.create>[0];
  const app: INestApplication =
    platform === 'fastify'
      ? await NestFactory.create(module, fastifyWithExpressCalls(), { logger: ['error'] })
      : await NestFactory.create(module, { logger: ['error'] });
  app.useGlobalPipes(build.validationPipe());
  app.useGlobalFilters(build.exceptionFilter());
  await app.listen(env.PORT, env.HOST);
  process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
}

const platform = process.argv[2];
if (platform !== 'express' && platform !== 'fastify') throw new Error('usage: app-server.js express|fastify');
main(platform).catch((error: Error) => {
  process.stderr.write(`${error.stack ?? error.message}\n`);
  process.exit(1);
});
