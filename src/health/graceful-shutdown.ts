import { INestApplication, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Server } from 'node:http';
import net from 'node:net';
import { setImmediate as turnOver, setTimeout as sleep } from 'node:timers/promises';
import { EnvironmentVariables } from '../config';
import { RealtimeAdmission, RealtimeRedis } from '../realtime';
import { Drain } from './drain';

/** How long connections accepted just before the listener closed have to send their first request. */
const LATE_CONNECTION_GRACE_MS = 500;

/** The longest the shutdown waits for Redis to take the events still queued for other instances. */
const REDIS_FLUSH_MAX_MS = 5_000;
export const SHUTDOWN_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];

/**
 * On SIGTERM or SIGINT, takes the instance out of rotation and stops it
 * without losing a request or an event, each step logged once:
 *
 * 1. draining at once: /health/ready answers 503, new socket.io clients get a
 *    503, every response carries `Connection: close`; requests are still served;
 * 2. after SHUTDOWN_DELAY_MS (time for a load balancer to notice), the
 *    listener closes: no new connections (idle keep-alive ones close too);
 * 3. the requests in flight finish;
 * 4. events still queued for other instances are handed to Redis;
 * 5. socket.io clients are told to reconnect (elsewhere, behind a load balancer);
 * 6. Nest closes the app: socket.io, the database, Redis; the process exits 0.
 *
 * Past SHUTDOWN_TIMEOUT_MS from the signal it logs the step it was waiting
 * on and exits 1. A second signal skips what is left of the delay. For
 * main.ts only: tests that run the app in-process call app.close().
 */
export function installGracefulShutdown(
  app: INestApplication,
  exit: (code: number) => never = (code) => process.exit(code),
): void {
  const config = app.get<ConfigService<EnvironmentVariables, true>>(ConfigService);
  const shutdown = new GracefulShutdown(app, config.get('SHUTDOWN_DELAY_MS'), config.get('SHUTDOWN_TIMEOUT_MS'), exit);
  for (const signal of SHUTDOWN_SIGNALS) process.on(signal, (received: NodeJS.Signals) => shutdown.onSignal(received));
}

class GracefulShutdown {
  private readonly logger = new Logger('Shutdown');
  private started?: number;
  private step = 'draining';
  private readonly hurry = new AbortController();

  constructor(
    private readonly app: INestApplication,
    private readonly delayMs: number,
    private readonly timeoutMs: number,
    private readonly exit: (code: number) => never,
  ) {}

  onSignal(signal: NodeJS.Signals): void {
    if (this.started === undefined) {
      void this.run(signal);
    } else if (this.step === 'draining' && !this.hurry.signal.aborted) {
      this.logger.log(`${signal} again: skipping the rest of the ${this.delayMs} ms delay`);
      this.hurry.abort();
    }
  }

  private async run(signal: NodeJS.Signals): Promise<void> {
    this.started = Date.now();
    const deadline = setTimeout(() => this.forceExit(), this.timeoutMs);
    try {
      await this.drain(signal);
      await this.stopListening();
      await this.finishRequests();
      await this.flushEvents();
      this.moveClients();
      this.step = 'closing socket.io, the database and Redis';
      await this.app.close();
      this.logger.log(`closed socket.io, the database and Redis; exiting with status 0 after ${this.elapsed()} ms`);
    } catch (error) {
      this.logger.error(`shutdown failed while ${this.step}: ${(error as Error).message}; exiting with status 1`);
      this.exit(1);
    }
    clearTimeout(deadline);
    this.exit(0);
  }

  private async drain(signal: NodeJS.Signals): Promise<void> {
    this.app.get(Drain).begin();
    this.logger.log(
      `${signal}: draining: /health/ready answers 503, new socket.io clients are refused, responses close their connections; ` +
        `no new connections in ${this.delayMs} ms (SHUTDOWN_DELAY_MS), exit within ${this.timeoutMs} ms (SHUTDOWN_TIMEOUT_MS)`,
    );
    await sleep(this.delayMs, undefined, { signal: this.hurry.signal }).catch(() => undefined);
  }

  private async stopListening(): Promise<void> {
    this.step = 'closing the listener';
    const server = this.app.getHttpServer() as Server;
    // Stop accepting, but not http.Server.close(), which would also close every idle connection at once: a
    // connection a load balancer opened a moment ago looks idle until its first request is read, and closing
    // it resets that request (nginx does not retry a PATCH it has sent). Those get LATE_CONNECTION_GRACE_MS to
    // be read and answered (with Connection: close); then the idle ones close. The close callback would wait
    // for every connection, WebSockets included (those close at step 5): Nest's close() waits for that.
    net.Server.prototype.close.call(server, () => undefined);
    this.logger.log(`stopped accepting connections; requests in flight: ${this.app.get(Drain).requestsInFlight}`);
    await sleep(LATE_CONNECTION_GRACE_MS, undefined, { signal: this.hurry.signal }).catch(() => undefined);
    server.closeIdleConnections();
  }

  private async finishRequests(): Promise<void> {
    this.step = 'waiting for the requests in flight';
    await this.app.get(Drain).whenIdle();
    // The last requests' access lines are written once their turn is over (access-log.ts): they come first.
    await turnOver();
    this.logger.log('the requests in flight have finished');
  }

  private async flushEvents(): Promise<void> {
    const redis = this.app.get(RealtimeRedis);
    if (!redis.configured) return;
    this.step = 'handing the queued events to Redis';
    const bound = Math.max(0, Math.min(REDIS_FLUSH_MAX_MS, this.timeoutMs - this.elapsed() - 1_000));
    if (await redis.flush(bound)) this.logger.log('events for other instances handed to Redis');
    else
      this.logger.warn(
        `events for other instances still queued after ${bound} ms (Redis unavailable); their windows replay them from the history`,
      );
  }

  private moveClients(): void {
    this.step = 'moving the socket.io clients';
    const count = this.app.get(RealtimeAdmission).reconnectElsewhere();
    this.logger.log(`told ${count} socket.io clients to reconnect (to another instance behind a load balancer)`);
  }

  private forceExit(): void {
    this.logger.error(
      `shutdown did not finish within ${this.timeoutMs} ms (SHUTDOWN_TIMEOUT_MS) while ${this.step}; exiting with status 1`,
    );
    this.exit(1);
  }

  private elapsed(): number {
    return Date.now() - (this.started ?? Date.now());
  }
}
