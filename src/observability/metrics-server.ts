import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EnvironmentVariables } from '../config';
import { AppMetrics } from './metrics';

/**
 * With METRICS_PORT set, /metrics is served there, by a bare node:http
 * server of its own (on HOST), and nowhere else: the port can stay inside
 * the cluster network while the app's port faces the load balancer. Without
 * it, this does nothing and MetricsController serves /metrics on the app's port.
 */
@Injectable()
export class MetricsServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Metrics');
  private server?: Server;
  private readonly port: number | undefined;
  private readonly host: string;

  constructor(
    private readonly metrics: AppMetrics,
    config: ConfigService<EnvironmentVariables, true>,
  ) {
    this.port = config.get('METRICS_PORT', { infer: true });
    this.host = config.get('HOST', { infer: true });
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.port === undefined) return;
    const server = createServer((request, response) => void this.answer(request, response));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, this.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.logger.log(`metrics on http://${this.host}:${this.address()?.port}/metrics`);
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Where it listens, once it does (METRICS_PORT=0 picks a free port). */
  address(): AddressInfo | undefined {
    const address = this.server?.address();
    return typeof address === 'object' && address !== null ? address : undefined;
  }

  private async answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? '').split('?')[0];
    if ((request.method !== 'GET' && request.method !== 'HEAD') || (path !== '/metrics' && path !== '/metrics/')) {
      response
        .writeHead(404, { 'Content-Type': 'application/json' })
        .end('{"statusCode":404,"error":"Not Found","message":"only GET /metrics here"}');
      return;
    }
    try {
      const body = await this.metrics.render();
      response.writeHead(200, { 'Content-Type': this.metrics.contentType, 'Cache-Control': 'no-store' });
      response.end(request.method === 'HEAD' ? undefined : body);
    } catch (error) {
      this.logger.error(`metrics not rendered: ${(error as Error).message}`);
      response.writeHead(500).end();
    }
  }
}
