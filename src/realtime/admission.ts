import { Injectable } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RealtimeServer } from './index';

/** What a refused handshake says, in the API's error shape (common/ is not imported: realtime knows no HTTP plumbing). */
const REFUSAL_BODY = JSON.stringify({
  statusCode: 503,
  error: 'Service Unavailable',
  message: 'this instance is shutting down; connect again (a load balancer sends you to another instance)',
});

/**
 * Whether this instance takes new socket.io clients, and moving its clients
 * elsewhere, for a graceful shutdown. A refused handshake (polling request or
 * WebSocket upgrade) is a plain 503 with `Connection: close`, which a load
 * balancer retries on another instance (nginx: proxy_next_upstream http_503).
 */
@Injectable()
export class RealtimeAdmission {
  private server?: RealtimeServer;
  private refusing = false;

  attach(server: RealtimeServer): void {
    this.server = server;
    // engine.io runs these before a handshake and before a WebSocket upgrade alike.
    server.engine.use((req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => {
      if (!this.refusing) return next();
      refuse(req, res);
    });
  }

  /** From now on new clients get a 503; those connected stay until reconnectElsewhere(). */
  refuseNewClients(): void {
    this.refusing = true;
  }

  /**
   * Closes the connection of every client of this instance, after what was
   * already sent to it, and returns how many there were. Closing the
   * transport is what makes socket.io clients reconnect by themselves
   * ("transport close"); a server-side socket.disconnect() sends a disconnect
   * packet first, and a client told "io server disconnect" stays
   * disconnected. Behind a load balancer the reconnect lands on another
   * instance, and the client replays what it missed from its position.
   */
  reconnectElsewhere(): number {
    const sockets = [...(this.server?.of('/').sockets.values() ?? [])];
    for (const socket of sockets) socket.conn.close();
    return sockets.length;
  }
}

function refuse(req: IncomingMessage, res: ServerResponse): void {
  const headers = { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(REFUSAL_BODY), Connection: 'close' };
  if (req.headers.upgrade === undefined) {
    res.writeHead(503, headers).end(REFUSAL_BODY);
    return;
  }
  // An upgrade has no ServerResponse (engine.io passes a stand-in that can
  // only destroy the socket): the refusal is written on the socket itself.
  const head = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
  req.socket.end(`HTTP/1.1 503 Service Unavailable\r\n${head.join('')}\r\n${REFUSAL_BODY}`);
}
