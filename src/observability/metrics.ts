import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/*
 * Few buckets on purpose: every histogram is observed on the hot path (each
 * request, query or event), and each bucket is one more series per label set
 * to store and to sum. They bracket what matters here: a request or query in
 * milliseconds, an event out within a few milliseconds of its commit.
 */
const REQUEST_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const QUERY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5];
const COMMIT_TO_EMIT_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5];

/**
 * Node's and the process's own metrics (CPU, memory, heap, event-loop lag,
 * GC, handles), collected once per process: their collectors watch the
 * process, not one app, and an e2e run starts many apps in one process.
 */
let processRegistry: Registry | undefined;

function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

const QUERY_KINDS = new Set(['select', 'insert', 'update', 'delete']);
const MAX_REMEMBERED_KINDS = 256;
const kinds = new Map<string, string>();

/**
 * The kind of a statement, so the label stays one of five values: its first
 * word, or for a WITH … (a CTE) the first write it makes, else select;
 * anything else (PRAGMA, BEGIN) is `other`. Remembered per statement text:
 * the app runs a few texts over and over.
 */
export function queryKind(sql: string): string {
  let kind = kinds.get(sql);
  if (kind === undefined) {
    kind = kindOf(sql);
    if (kinds.size < MAX_REMEMBERED_KINDS) kinds.set(sql, kind);
  }
  return kind;
}

function kindOf(sql: string): string {
  const word = /^\s*(\w+)/.exec(sql)?.[1]?.toLowerCase() ?? '';
  if (word === 'with') return /\b(insert|update|delete)\b/i.exec(sql)?.[1]?.toLowerCase() ?? 'select';
  return QUERY_KINDS.has(word) ? word : 'other';
}

/**
 * Every metric the app exposes on /metrics (docs/metrics.md lists them), in
 * a registry of this app's own. Defined here, in one shared place, and
 * updated by the code that sees each thing happen: the request middleware,
 * the SQL runner, the event bus, the socket.io layer and its Redis
 * connections.
 */
@Injectable()
export class AppMetrics {
  readonly registry = new Registry();

  readonly httpRequestDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP requests by method, route pattern (unmatched: answered before routing, such as a 404) and status, and how long each took',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: REQUEST_BUCKETS,
    registers: [this.registry],
  });

  readonly dbQueryDuration = new Histogram({
    name: 'db_query_duration_seconds',
    help: 'SQL statements the API runs, by kind (select, insert, update, delete, other), and how long each took',
    labelNames: ['kind'] as const,
    buckets: QUERY_BUCKETS,
    registers: [this.registry],
  });

  readonly commitToEmit = new Histogram({
    name: 'realtime_commit_to_emit_seconds',
    help: 'From a committed write to its socket.io event handed to this instance’s clients and to the adapter, by domain event (user.updated is a PATCH)',
    labelNames: ['event'] as const,
    buckets: COMMIT_TO_EMIT_BUCKETS,
    registers: [this.registry],
  });

  readonly connectedSockets = new Gauge({
    name: 'realtime_connected_sockets',
    help: 'socket.io clients connected to this instance',
    registers: [this.registry],
  });

  readonly subscriptions = new Gauge({
    name: 'realtime_subscriptions',
    help: 'Connected clients by what they follow: one topic of a kind (user: one user) or everything',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  readonly eventsRelayed = new Counter({
    name: 'realtime_events_relayed_total',
    help: 'socket.io events this instance made from its own committed changes and sent (to its clients and, with Redis, to the other instances)',
    labelNames: ['event'] as const,
    registers: [this.registry],
  });

  readonly eventsDelivered = new Counter({
    name: 'realtime_events_delivered_total',
    help: 'socket.io events written to this instance’s clients, one per client (live events of any instance, replays, heads, presence)',
    labelNames: ['event'] as const,
    registers: [this.registry],
  });

  readonly redisConnectionUp = new Gauge({
    name: 'realtime_redis_connection_up',
    help: 'Each Redis connection of the socket.io adapter: 1 while ready, 0 while lost (absent without REDIS_URL)',
    labelNames: ['connection'] as const,
    registers: [this.registry],
  });

  readonly redisPublishFailures = new Counter({
    name: 'realtime_redis_publish_failures_total',
    help: 'Events this instance could not hand to Redis for the other instances (their windows catch up from the change history)',
    registers: [this.registry],
  });

  /** The Prometheus text of this app's metrics and of the process's. */
  async render(): Promise<string> {
    return `${await this.registry.metrics()}\n${await processMetrics().metrics()}`;
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
