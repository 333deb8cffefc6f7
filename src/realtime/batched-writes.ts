import type { Socket as TcpSocket } from 'node:net';
import type { RealtimeSocket } from './index';

/**
 * The TCP connection under a socket's WebSocket, when the socket.io connection
 * began as a WebSocket (its handshake request is the upgrade, whose socket ws
 * took over). One that began as long-polling and was upgraded has its
 * WebSocket on another request's connection: undefined, and no batching.
 */
function tcpUnder(socket: RealtimeSocket): TcpSocket | undefined {
  const { transport, request } = socket.conn;
  if (transport.name !== 'websocket' || request.headers.upgrade?.toLowerCase() !== 'websocket') return undefined;
  return request.socket;
}

/**
 * Runs `send`, which sends one socket many messages at once (a replay of what
 * it missed), so that they leave in two or three system calls instead of one
 * each. engine.io hands ws one frame, queues the others until that one is
 * written, then hands them all over; ws writes each frame on its own. Corking
 * the TCP connection for the rest of the turn at each of those hand-overs
 * (engine.io's public `flush` event) makes each hand-over one write. Without
 * it, a thousand clients reconnecting a second were mostly `writev` calls.
 *
 * Batching stops at the first hand-over after `send` returned, which carries
 * everything `send` queued, or when the connection closes.
 */
export function sendBatched(socket: RealtimeSocket, send: () => void): void {
  const tcp = tcpUnder(socket);
  if (!tcp) {
    send();
    return;
  }
  const conn = socket.conn;
  let sending = true;
  const uncork = (): void => void tcp.uncork();
  const onFlush = (): void => {
    tcp.cork();
    process.nextTick(uncork);
    if (!sending) stop();
  };
  const stop = (): void => {
    conn.off('flush', onFlush);
    conn.off('close', stop);
  };
  conn.on('flush', onFlush);
  conn.once('close', stop);
  try {
    send();
  } finally {
    sending = false;
  }
}
