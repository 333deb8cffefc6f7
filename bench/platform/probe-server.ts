/**
 * One route, GET /api/users/:id answering a user as JSON, on three HTTP
 * stacks: node:http by hand, Nest on Express (what the project runs on) and
 * Nest on Fastify. No database, no middleware, no validation beyond the id:
 * what is left is what the stack itself costs per request. Run by
 * bench/platform/probe.ts; `node dist/bench/platform/probe-server.js <stack> <port>`.
 */
import 'reflect-metadata';
import { Controller, Get, Module, Param, ParseIntPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { createServer } from 'node:http';
import { STACKS, Stack } from './stacks';

const USER = {
  first_name: 'Ada',
  last_name: 'Lovelace',
  version: 3,
  created_at: '2026-11-26T10:00:00.000Z',
  updated_at: '2026-11-26T10:00:00.000Z',
};

function userOf(id: number): Record<string, unknown> {
  return { id, ...USER };
}

@Controller('api/users')
class ProbeController {
  @Get(':id')
  one(@Param('id', ParseIntPipe) id: number): Record<string, unknown> {
    return userOf(id);
  }
}

@Module({ controllers: [ProbeController] })
class ProbeModule {}

async function listen(stack: Stack, port: number): Promise<void> {
  if (stack === 'node:http') {
    const server = createServer((request, response) => {
      const id = Number((request.url ?? '').split('/')[3]);
      const body = JSON.stringify(userOf(id));
      response.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
      response.end(body);
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    return;
  }
  const app =
    stack === 'nest-fastify'
      ? await NestFactory.create(ProbeModule, new FastifyAdapter(), { logger: false })
      : await NestFactory.create(ProbeModule, { logger: false });
  await app.listen(port, '127.0.0.1');
}

const [stack, port] = process.argv.slice(2);
if (!(STACKS as readonly string[]).includes(stack)) throw new Error(`stack must be one of ${STACKS.join(', ')}`);
process.once('SIGTERM', () => process.exit(0));
void listen(stack as Stack, Number(port));
