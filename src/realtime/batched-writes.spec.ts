import { createServer, Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Socket as TcpSocket } from 'node:net';
import { Server } from 'socket.io';
import { io as connect, Socket as ClientSocket } from 'socket.io-client';
import { sendBatched } from './batched-writes';

const MESSAGES = 200;

/** The system-call-level writes of each TCP socket: calls to the stream's _write and _writev. */
function countWrites(): { of(socket: TcpSocket): number; restore(): void } {
  const counts = new Map<TcpSocket, number>();
  const count = function (this: TcpSocket): void {
    counts.set(this, (counts.get(this) ?? 0) + 1);
  };
  const proto = TcpSocket.prototype as unknown as Record<'_write' | '_writev', (...args: unknown[]) => unknown>;
  const originals = { _write: proto._write, _writev: proto._writev };
  for (const name of ['_write', '_writev'] as const) {
    proto[name] = function (this: TcpSocket, ...args: unknown[]): unknown {
      count.call(this);
      return originals[name].apply(this, args);
    };
  }
  return {
    of: (socket) => counts.get(socket) ?? 0,
    restore: () => Object.assign(proto, originals),
  };
}

describe('sendBatched', () => {
  let http: HttpServer;
  let server: Server;
  let client: ClientSocket | undefined;
  let writes: ReturnType<typeof countWrites>;

  beforeEach(async () => {
    http = createServer();
    server = new Server(http);
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    writes = countWrites();
  });

  afterEach(async () => {
    writes.restore();
    const engine = client?.io.engine;
    // Long-polling sends its close packet in a request of its own: let it finish before the server goes.
    if (engine) await new Promise<void>((resolve) => (engine.once('close', () => resolve()), client?.disconnect()));
    await server.close();
  });

  /** Connects over `transports`; on connection the server sends MESSAGES messages through `send`; resolves with the writes they took. */
  async function writesFor(transports: ('websocket' | 'polling')[], batched: boolean): Promise<number> {
    const sent = new Promise<{ tcp: TcpSocket; before: number }>((resolve) => {
      server.on('connection', (socket) => {
        const tcp = socket.conn.request.socket;
        // Counted from here: the handshake's own writes are not the replay's.
        setTimeout(() => {
          const before = writes.of(tcp);
          const emitAll = (): void => {
            for (let i = 0; i < MESSAGES; i += 1) socket.emit('m', i);
          };
          if (batched) sendBatched(socket, emitAll);
          else emitAll();
          resolve({ tcp, before });
        }, 50);
      });
    });
    const { port } = http.address() as AddressInfo;
    const received: number[] = [];
    const all = new Promise<void>((resolve) => {
      client = connect(`http://127.0.0.1:${port}`, { transports, forceNew: true });
      client.on('m', (i: number) => {
        received.push(i);
        if (received.length === MESSAGES) resolve();
      });
    });
    const { tcp, before } = await sent;
    await all;
    expect(received).toEqual(Array.from({ length: MESSAGES }, (_, i) => i));
    return writes.of(tcp) - before;
  }

  it('sends a burst of messages over a WebSocket in a few writes, in order', async () => {
    expect(await writesFor(['websocket'], true)).toBeLessThanOrEqual(3);
  });

  it('is what makes the difference: without it, each message is a write of its own', async () => {
    expect(await writesFor(['websocket'], false)).toBeGreaterThanOrEqual(MESSAGES / 2);
  });

  it('leaves a connection that began as long-polling as it is, and loses nothing', async () => {
    await writesFor(['polling'], true);
  });
});
