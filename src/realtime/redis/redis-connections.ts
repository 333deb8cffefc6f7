import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationShutdown, Optional } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Redis, RedisOptions } from 'ioredis';
import { EnvironmentVariables } from '../../config';
import { AppMetrics } from '../../observability';
import { AdapterRedisClient } from './adapter-redis-client';

/** Every connection this app opens to Redis carries a name with this prefix (see CLIENT LIST). */
export const REDIS_CONNECTION_PREFIX = 'realtime-';
const PUBLISHER_NAME = `${REDIS_CONNECTION_PREFIX}adapter`;
/**
 * The adapter duplicates the publisher twice, in this order: the client that
 * reads the stream (blocking XREAD), then the PUB/SUB subscriber (see
 * adapter-redis-client.ts for the lines). The scale tests check the mapping
 * against CLIENT LIST, so a library upgrade that changes it is noticed.
 */
const DUPLICATE_NAMES = [`${REDIS_CONNECTION_PREFIX}stream-reader`, `${REDIS_CONNECTION_PREFIX}subscriber`];

/** A start against an unreachable Redis fails within this, not after minutes of retries. */
const CONNECT_TIMEOUT_MS = 3_000;
/** Once running, reconnect attempts back off to one a second, so events flow again at most ~1 s after Redis is back. */
const MAX_RECONNECT_DELAY_MS = 1_000;
/** The delay before reconnect attempt `attempt` (1, 2, …): a quick first retry, then one a second. */
function reconnectDelay(attempt: number): number {
  return Math.min(attempt * 100, MAX_RECONNECT_DELAY_MS);
}

/**
 * Commands issued while Redis is away wait in the publisher's offline queue and
 * are sent when it is back, so cross-instance events of a short outage still
 * arrive. ioredis fails the queued commands after a number of reconnect
 * attempts, which bounds the memory they take: the attempts that fit in
 * REDIS_PUBLISH_QUEUE_MS. Events dropped then are healed by the change
 * history (clients replay what they missed).
 */
export function queuedAttemptsWithin(ms: number): number {
  let attempts = 0;
  for (let waited = 0; waited < ms; attempts += 1) waited += reconnectDelay(attempts + 1);
  return Math.max(1, attempts);
}
const QUIT_TIMEOUT_MS = 1_000;
/**
 * How long a disconnected socket may take to close before it is destroyed.
 * ioredis arms this timer on every disconnect() (2 s by default), and the
 * adapter's stream reader calls disconnect() once more after ours: short, so
 * an app closed in-process (tests) leaves no timer behind for long.
 */
const DISCONNECT_TIMEOUT_MS = 200;

export class RedisUnreachableError extends Error {
  constructor(url: string, cause: string) {
    super(`Redis unreachable at ${redactUrl(url)} (REDIS_URL): ${cause}`);
    this.name = 'RedisUnreachableError';
  }
}

export type RedisConnectionStatus = Redis['status'];

interface ConnectionState {
  /** Whether this client has ever been ready; before that, a failure is final. */
  everReady: boolean;
  lostAt?: number;
  lastError?: string;
}

/**
 * The Redis connections behind the socket.io adapter: opens them (failing the
 * start when Redis cannot be reached), keeps them reconnecting while the app
 * runs, reports on them for /health, and closes every one on shutdown. Idle
 * unless REDIS_URL is set.
 */
@Injectable()
export class RealtimeRedis implements BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger(RealtimeRedis.name);
  private readonly url: string | undefined;
  private readonly clients = new Map<AdapterRedisClient, string>();
  private publisher?: Promise<AdapterRedisClient>;
  private closing = false;
  private duplicates = 0;

  private readonly publisherQueuedAttempts: number;

  constructor(
    config: ConfigService<EnvironmentVariables, true>,
    @Optional() private readonly metrics?: AppMetrics,
  ) {
    this.url = config.get('REDIS_URL', { infer: true });
    this.publisherQueuedAttempts = queuedAttemptsWithin(config.get('REDIS_PUBLISH_QUEUE_MS', { infer: true }));
  }

  get configured(): boolean {
    return this.url !== undefined;
  }

  /**
   * The connected client the adapter publishes through. The first call
   * connects it and rejects with RedisUnreachableError if that first
   * connection fails; later losses are retried for as long as the app runs.
   */
  connect(): Promise<Redis> {
    const url = this.url;
    if (url === undefined) return Promise.reject(new Error('REDIS_URL is not set'));
    this.publisher ??= this.openPublisher(url);
    return this.publisher;
  }

  /**
   * Resolves once every connection opened so far is ready (the adapter opens
   * its reader and subscriber as soon as it is created); rejects with
   * RedisUnreachableError when one is not within the connect timeout.
   */
  async ready(): Promise<void> {
    const url = this.url;
    if (url === undefined) throw new Error('REDIS_URL is not set');
    const pending = [...this.clients].filter(([client]) => client.status !== 'ready');
    await Promise.all(
      pending.map(
        ([client, name]) =>
          new Promise<void>((resolve, reject) => {
            const onReady = (): void => {
              clearTimeout(timer);
              resolve();
            };
            const timer = setTimeout(() => {
              client.off('ready', onReady);
              reject(new RedisUnreachableError(url, `${name} not connected within ${CONNECT_TIMEOUT_MS} ms`));
            }, CONNECT_TIMEOUT_MS);
            client.once('ready', onReady);
          }),
      ),
    );
  }

  /** Name and state of every open connection, as /health reports them. */
  statuses(): Record<string, RedisConnectionStatus> {
    return Object.fromEntries([...this.clients].map(([client, name]) => [name, client.status]));
  }

  /**
   * Resolves when every connection is up and Redis answers PING; throws
   * naming the first connection that is not. The caller bounds the wait.
   */
  async ping(): Promise<void> {
    if (!this.publisher) throw new Error('not connected');
    for (const [client, name] of this.clients) {
      if (client.status !== 'ready') throw new Error(`${name} is ${client.status}`);
    }
    await (await this.publisher).ping();
  }

  /**
   * Waits until Redis has taken every command the publisher issued so far,
   * that is the events still queued for other instances: Redis answers a
   * PING only after what was sent before it. Resolves false when that did
   * not happen within `ms` (Redis away), true at once without REDIS_URL.
   */
  async flush(ms: number): Promise<boolean> {
    const publisher = await this.publisher?.catch(() => undefined);
    if (!publisher) return true;
    let flushed = false;
    await settleWithin(
      publisher.ping().then(() => (flushed = true)),
      ms,
    );
    return flushed;
  }

  /** An event the adapter could not hand to Redis for the other instances. */
  publishFailed(): void {
    this.metrics?.redisPublishFailures.inc();
  }

  /** From here on, a closed connection is the shutdown (the adapter drops its subscriber itself), not an outage. */
  beforeApplicationShutdown(): void {
    this.closing = true;
  }

  /**
   * Runs after the socket.io server has closed (Nest closes it in dispose(),
   * between the two shutdown hooks), so nothing publishes any more.
   */
  async onApplicationShutdown(): Promise<void> {
    this.closing = true;
    const publisher = await this.publisher?.catch(() => undefined);
    await Promise.all(
      [...this.clients.keys()].map(async (client) => {
        // The publisher may still hold XADDs for other instances: let QUIT
        // flush them. The readers have nothing to flush, and the stream
        // reader's blocking XREAD would hold QUIT back for seconds.
        if (client === publisher) await settleWithin(client.quit(), QUIT_TIMEOUT_MS);
        client.retire();
      }),
    );
    this.clients.clear();
  }

  private openPublisher(url: string): Promise<AdapterRedisClient> {
    const state: ConnectionState = { everReady: false };
    const options = { ...this.options(PUBLISHER_NAME, state), maxRetriesPerRequest: this.publisherQueuedAttempts };
    const client = new AdapterRedisClient(url, options, () => this.openDuplicate(url));
    this.track(client, PUBLISHER_NAME, state);
    return new Promise<AdapterRedisClient>((resolve, reject) => {
      const onReady = (): void => {
        client.off('end', onEnd);
        resolve(client);
      };
      const onEnd = (): void => {
        client.off('ready', onReady);
        this.clients.delete(client);
        reject(new RedisUnreachableError(url, state.lastError ?? 'connection closed'));
      };
      client.once('ready', onReady);
      client.once('end', onEnd);
    });
  }

  /**
   * The adapter's extra connections. They retry from the start: they are
   * opened only once the publisher is up, and the adapter has no way to be
   * told that one of them failed for good.
   */
  private openDuplicate(url: string): AdapterRedisClient {
    const name = DUPLICATE_NAMES[this.duplicates] ?? `${PUBLISHER_NAME}-${this.duplicates + 1}`;
    this.duplicates += 1;
    const state: ConnectionState = { everReady: true };
    const client = new AdapterRedisClient(url, this.options(name, state), () => this.openDuplicate(url));
    this.track(client, name, state);
    return client;
  }

  private options(name: string, state: ConnectionState): RedisOptions {
    return {
      connectionName: name,
      connectTimeout: CONNECT_TIMEOUT_MS,
      disconnectTimeout: DISCONNECT_TIMEOUT_MS,
      // null ends the client: only before its first connection, so a start
      // against a wrong REDIS_URL fails instead of retrying forever.
      retryStrategy: (attempt: number): number | null => (state.everReady ? reconnectDelay(attempt) : null),
    };
  }

  /** One warning when a connection is lost and one line when it is back, not one per failed attempt. */
  private track(client: AdapterRedisClient, name: string, state: ConnectionState): void {
    this.clients.set(client, name);
    const up = this.metrics?.redisConnectionUp.labels({ connection: name });
    up?.set(0);
    // Without an 'error' listener, ioredis prints every failed attempt; an
    // EventEmitter 'error' with no listener at all would crash the process.
    client.on('error', (error: Error) => {
      state.lastError = error.message;
    });
    client.on('close', () => {
      up?.set(0);
      if (!state.everReady || this.closing || state.lostAt !== undefined) return;
      state.lostAt = Date.now();
      this.logger.warn(`${name}: connection to Redis lost; reconnecting`);
    });
    client.on('ready', () => {
      up?.set(1);
      if (state.lostAt !== undefined) {
        this.logger.log(`${name}: reconnected to Redis after ${Date.now() - state.lostAt} ms`);
      }
      state.everReady = true;
      state.lostAt = undefined;
    });
  }
}

async function settleWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  await Promise.race([promise.catch(() => undefined), deadline]);
  clearTimeout(timer);
}

/** Settings may carry a password: never echo it. */
function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return 'the configured URL';
  }
}
