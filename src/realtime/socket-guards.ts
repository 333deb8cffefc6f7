import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Server, ServerOptions, Socket } from 'socket.io';
import { parseOrigins } from '../common';
import type { EnvironmentVariables } from '../config';
import { clientAddressResolver, ClientAddressOf } from '../security';

/** What one client may do with socket.io: the settings SOCKET_*, CORS_ORIGINS and TRUST_PROXY, read once. */
export interface SocketLimits {
  /** The largest message a client may send, in bytes (engine.io's maxHttpBufferSize). */
  maxPayloadBytes: number;
  /** Messages one socket may send in a second; more disconnect it. */
  eventsPerSecond: number;
  /** Connections open at once from one client address, on this instance. */
  connectionsPerAddress: number;
  /** Origins whose pages may connect from elsewhere, normalised (`https://app.example.com`). */
  allowedOrigins: ReadonlySet<string>;
  addressOf: ClientAddressOf;
}

export type SocketLimitSettings = Pick<
  EnvironmentVariables,
  'SOCKET_MAX_PAYLOAD_BYTES' | 'SOCKET_EVENTS_PER_SECOND' | 'SOCKET_CONNECTIONS_PER_ADDRESS' | 'CORS_ORIGINS' | 'TRUST_PROXY'
>;

export const SOCKET_LIMIT_SETTINGS = [
  'SOCKET_MAX_PAYLOAD_BYTES',
  'SOCKET_EVENTS_PER_SECOND',
  'SOCKET_CONNECTIONS_PER_ADDRESS',
  'CORS_ORIGINS',
  'TRUST_PROXY',
] as const satisfies readonly (keyof SocketLimitSettings)[];

export function socketLimits(env: SocketLimitSettings): SocketLimits {
  return {
    maxPayloadBytes: env.SOCKET_MAX_PAYLOAD_BYTES,
    eventsPerSecond: env.SOCKET_EVENTS_PER_SECOND,
    connectionsPerAddress: env.SOCKET_CONNECTIONS_PER_ADDRESS,
    // Read as the HTTP side reads it, so the API and the WebSocket admit the same pages.
    allowedOrigins: parseOrigins(env.CORS_ORIGINS),
    addressOf: clientAddressResolver(env.TRUST_PROXY),
  };
}

export const ORIGIN_REFUSED = "this page's origin may not connect: only the server's own origin and those in CORS_ORIGINS may";

export function tooManyConnections(limit: number): string {
  return `too many connections from this address: at most ${limit} at once (SOCKET_CONNECTIONS_PER_ADDRESS)`;
}

export function tooManyMessages(limit: number): string {
  return `more than ${limit} messages in one second (SOCKET_EVENTS_PER_SECOND): disconnected`;
}

/**
 * The server options the limits set: the payload cap, the handshake checks,
 * and CORS headers on long-polling for the allowed origins (same-origin
 * pages need none).
 */
export function guardedServerOptions(limits: SocketLimits, counts: AddressCounts): Partial<ServerOptions> {
  return {
    maxHttpBufferSize: limits.maxPayloadBytes,
    allowRequest: (request, callback) => {
      const refusal = handshakeRefusal(request, limits, counts);
      callback(refusal ?? null, refusal === undefined);
    },
    ...(limits.allowedOrigins.size > 0 && {
      cors: {
        origin: (origin: string | undefined, callback: (error: Error | null, allow?: boolean) => void) =>
          callback(null, origin !== undefined && limits.allowedOrigins.has(origin)),
      },
    }),
  };
}

/**
 * Checked once per connection, at engine.io's handshake, before any session
 * exists: a refused client costs one HTTP answer (403 with a JSON body
 * `{code, message}` for long-polling, 400 for a WebSocket upgrade).
 */
function handshakeRefusal(request: IncomingMessage, limits: SocketLimits, counts: AddressCounts): string | undefined {
  if (!originAllowed(request.headers.origin, request.headers.host, limits.allowedOrigins)) return ORIGIN_REFUSED;
  if (counts.of(counts.addressOf(request)) >= limits.connectionsPerAddress) {
    return tooManyConnections(limits.connectionsPerAddress);
  }
  return undefined;
}

/**
 * A browser always says which page opens a WebSocket (WebSockets have no
 * CORS), so `Origin` is what keeps a page on another site from reading every
 * update. A request without one is not from a browser page: a script can
 * send any header it likes, so refusing it would protect nothing.
 */
export function originAllowed(origin: string | undefined, host: string | undefined, allowed: ReadonlySet<string>): boolean {
  if (origin === undefined) return true;
  const page = parseOrigin(origin);
  if (page === undefined) return false;
  if (allowed.has(page.origin)) return true;
  // Same origin: the page was served by this very host and port.
  return host !== undefined && parseOrigin(`${page.protocol}//${host}`)?.host === page.host;
}

function parseOrigin(text: string): URL | undefined {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
  } catch {
    return undefined;
  }
}

/** Open engine.io connections per client address, counted from connect to close. */
export class AddressCounts {
  private readonly open = new Map<string, number>();
  private readonly addresses = new WeakMap<IncomingMessage, string>();

  constructor(private readonly resolve: ClientAddressOf) {}

  /** The client address of a request, worked out once per request. */
  addressOf(request: IncomingMessage): string {
    let address = this.addresses.get(request);
    if (address === undefined) {
      address = this.resolve(request);
      this.addresses.set(request, address);
    }
    return address;
  }

  of(address: string): number {
    return this.open.get(address) ?? 0;
  }

  /** Counts a connection until it closes. */
  track(request: IncomingMessage, closed: (listener: () => void) => void): void {
    const address = this.addressOf(request);
    this.open.set(address, this.of(address) + 1);
    closed(() => {
      const left = this.of(address) - 1;
      if (left > 0) this.open.set(address, left);
      else this.open.delete(address);
    });
  }
}

/** The engine.io connection of a socket.io server, as much of it as the guards use. */
interface EngineConnection {
  request: IncomingMessage;
  once(event: 'close', listener: () => void): void;
}

/**
 * What the options cannot do: count connections per address, cap each
 * socket's messages per second, answer unknown events, and mark every HTTP
 * answer under the socket.io path `nosniff` (engine.io answers those before
 * Express, so the app's own headers never reach them).
 */
export function installSocketGuards(server: Server, limits: SocketLimits, counts: AddressCounts): void {
  server.engine.on('connection', (connection: EngineConnection) => {
    counts.track(connection.request, (listener) => connection.once('close', listener));
  });
  server.on('connection', (socket: Socket) => guardMessages(socket, limits.eventsPerSecond));
  const path = server.path();
  server.httpServer?.prependListener('request', (request: IncomingMessage, response: ServerResponse) => {
    if (request.url?.startsWith(path)) response.setHeader('X-Content-Type-Options', 'nosniff');
  });
}

/**
 * Runs for every message a client sends, before any handler: a fixed
 * one-second window per socket (one clock read and a counter), then whether
 * a handler takes the event. Nothing is logged: a flood must not flood the
 * log, the client is told instead.
 */
function guardMessages(socket: Socket, perSecond: number): void {
  let windowStart = 0;
  let count = 0;
  socket.use((packet, next) => {
    const now = Date.now();
    if (now - windowStart >= 1_000) {
      windowStart = now;
      count = 0;
    }
    count += 1;
    if (count > perSecond) {
      // Once: what arrives after the disconnect in the same batch is dropped quietly.
      if (count === perSecond + 1) {
        socket.emit('exception', { status: 'error', message: tooManyMessages(perSecond) });
        socket.disconnect(true);
      }
      return;
    }
    const [event] = packet;
    if (handles(socket, event)) return next();
    refuseUnknown(socket, packet);
  });
}

/**
 * Whether a handler takes the event. `error` is the socket's own event for
 * server-side errors (socket.io's parser lets a client send it): a client's
 * `error` must never reach those listeners.
 */
function handles(socket: Socket, event: unknown): boolean {
  return typeof event === 'string' && event !== 'error' && socket.listenerCount(event) > 0;
}

const SHOWN_NAME_LENGTH = 40;

/** An event no handler takes: answered, so a client waiting on an acknowledgement is not left hanging. */
function refuseUnknown(socket: Socket, packet: unknown[]): void {
  const name = String(packet[0]).slice(0, SHOWN_NAME_LENGTH);
  const message = `unknown event "${name}"`;
  socket.emit('exception', { status: 'error', message });
  const ack = packet.at(-1);
  if (typeof ack === 'function') (ack as (reply: { error: string }) => void)({ error: message });
}
