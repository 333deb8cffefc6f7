import type { MessageMappingProperties } from '@nestjs/websockets';
import { EventEmitter } from 'node:events';
import { from, isObservable, Observable, of } from 'rxjs';
import type { Socket } from 'socket.io';
import { GuardedIoAdapter } from './guarded-io.adapter';
import { socketLimits } from './socket-guards';

/** What Nest hands the adapter: a handler's result as an Observable. */
const transform = (value: unknown): Observable<unknown> =>
  isObservable(value) ? value : value instanceof Promise ? from(value) : of(value);

class FakeSocket extends EventEmitter {
  connected = true;
  readonly sent: unknown[][] = [];
  override emit(event: string | symbol, ...args: unknown[]): boolean {
    // Inbound messages arrive through EventEmitter's emit; outbound ones are recorded by send().
    return super.emit(event, ...args);
  }
  send(event: string, data: unknown): void {
    this.sent.push([event, data]);
  }
}

/** A gateway handler as tests write it: Nest's type wants an Observable or a Promise, a handler may return a plain value. */
interface Handler {
  message: string;
  callback: (data: never, ack: never) => unknown;
  isAckHandledManually?: boolean;
}

function bind(handlers: Handler[]): { socket: FakeSocket; adapter: GuardedIoAdapter } {
  const limits = socketLimits({
    SOCKET_MAX_PAYLOAD_BYTES: 16_384,
    SOCKET_EVENTS_PER_SECOND: 100,
    SOCKET_CONNECTIONS_PER_ADDRESS: 10,
    CORS_ORIGINS: '',
    TRUST_PROXY: '',
  });
  const adapter = new GuardedIoAdapter(undefined as never, limits);
  const socket = new FakeSocket();
  // The adapter answers `{ event, data }` replies through socket.emit: route them to send() once bound.
  adapter.bindMessageHandlers(socket as unknown as Socket, handlers as unknown as MessageMappingProperties[], transform);
  const inbound = socket.emit.bind(socket);
  socket.emit = (event: string, ...args: unknown[]) =>
    socket.listenerCount(event) > 0 ? inbound(event, ...args) : (socket.send(event, args[0]), true);
  return { socket, adapter };
}

const settled = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('GuardedIoAdapter.bindMessageHandlers', () => {
  it('holds one listener per handler on a socket, nothing else', () => {
    const { socket } = bind([
      { message: 'a', callback: () => undefined },
      { message: 'b', callback: () => undefined },
    ]);
    expect(socket.eventNames()).toEqual(['a', 'b']);
    expect(socket.listenerCount('a')).toBe(1);
  });

  it('answers the acknowledgement with what the handler returns, sync or async', async () => {
    const { socket } = bind([
      { message: 'sync', callback: (data: unknown) => ({ got: data }) },
      { message: 'async', callback: (data: unknown) => Promise.resolve({ later: data }) },
    ]);
    const acks: unknown[] = [];
    socket.emit('sync', { n: 1 }, (reply: unknown) => acks.push(reply));
    socket.emit('async', { n: 2 }, (reply: unknown) => acks.push(reply));
    await settled();
    expect(acks).toEqual([{ got: { n: 1 } }, { later: { n: 2 } }]);
  });

  it('emits an { event, data } reply, and leaves a manually handled ack alone', async () => {
    const { socket } = bind([
      { message: 'ping', callback: () => ({ event: 'pong', data: 7 }) },
      { message: 'manual', callback: () => 'ignored', isAckHandledManually: true },
    ]);
    const ack = jest.fn();
    socket.emit('ping', {});
    socket.emit('manual', {}, ack);
    await settled();
    expect(socket.sent).toEqual([['pong', 7]]);
    expect(ack).not.toHaveBeenCalled();
  });

  it('passes several arguments as one array, as Nest does', async () => {
    const seen: unknown[] = [];
    const { socket } = bind([{ message: 'many', callback: (data: unknown) => void seen.push(data) }]);
    socket.emit('many', 1, 2);
    await settled();
    expect(seen).toEqual([[1, 2]]);
  });

  it('logs a failing handler and keeps handling the next messages', async () => {
    let calls = 0;
    const { socket, adapter } = bind([
      {
        message: 'flaky',
        callback: () => {
          calls += 1;
          if (calls === 1) throw new Error('boom');
          return 'fine';
        },
      },
    ]);
    const logged = jest
      .spyOn((adapter as unknown as { logger: { error(e: unknown): void } }).logger, 'error')
      .mockImplementation();
    const acks: unknown[] = [];
    socket.emit('flaky', {}, (reply: unknown) => acks.push(reply));
    socket.emit('flaky', {}, (reply: unknown) => acks.push(reply));
    await settled();
    expect(logged).toHaveBeenCalledTimes(1);
    expect(acks).toEqual(['fine']);
  });

  it('sends nothing once the socket has disconnected', async () => {
    let finish: (value: string) => void = () => undefined;
    const { socket } = bind([{ message: 'slow', callback: () => new Promise<string>((resolve) => (finish = resolve)) }]);
    const ack = jest.fn();
    socket.emit('slow', {}, ack);
    socket.connected = false;
    finish('too late');
    await settled();
    expect(ack).not.toHaveBeenCalled();
  });
});
