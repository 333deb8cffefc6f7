import { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { MessageMappingProperties } from '@nestjs/websockets';
import { catchError, defer, EMPTY, filter, Observable } from 'rxjs';
import type { Server, ServerOptions, Socket } from 'socket.io';
import { AddressCounts, guardedServerOptions, installSocketGuards, SocketLimits } from './socket-guards';

/**
 * socket.io with the abuse limits (src/realtime/socket-guards.ts): payload
 * size, origin and connections per address at the handshake, messages per
 * second per socket. The in-memory adapter as it is; RedisIoAdapter builds on
 * it, so both paths get the same limits.
 */
export class GuardedIoAdapter extends IoAdapter {
  private readonly counts: AddressCounts;

  constructor(
    app: INestApplicationContext,
    private readonly limits: SocketLimits,
  ) {
    super(app);
    this.counts = new AddressCounts(limits.addressOf);
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    const server = super.createIOServer(port, { ...options, ...guardedServerOptions(this.limits, this.counts) } as ServerOptions);
    installSocketGuards(server, this.limits, this.counts);
    return server;
  }

  /**
   * The gateway's message handlers on one socket, as Nest's IoAdapter binds
   * them but without its standing RxJS pipeline per socket and per handler
   * (fromEvent, mergeMap, takeUntil a shared disconnect stream). That pipeline
   * held about 8 KB for every idle socket, a third of what an idle socket
   * costs the server. Here a socket holds one listener per handler, and the
   * pipeline exists only while a message is being handled. What a handler
   * returns is treated as Nest does it: `{ event, data }` is emitted, anything
   * else not null answers the acknowledgement, unless the handler takes the
   * ack itself; a failure is logged and the socket keeps working. Nothing is
   * sent once the socket has disconnected.
   */
  override bindMessageHandlers(
    socket: Socket,
    handlers: MessageMappingProperties[],
    transform: (data: unknown) => Observable<unknown>,
  ): void {
    for (const { message, callback, isAckHandledManually } of handlers) {
      socket.on(String(message), (...args: unknown[]) => {
        // As RxJS's fromEvent hands them to Nest: one argument as it is, several as an array.
        const payload: { data: unknown; ack?: unknown } = this.mapPayload(args.length > 1 ? args : args[0]);
        const { data, ack } = payload;
        defer(() => transform(callback(data, ack)))
          .pipe(
            filter((response) => response !== null && response !== undefined),
            catchError((error: unknown) => {
              this.logger.error(error);
              return EMPTY;
            }),
          )
          .subscribe((response) => {
            if (!socket.connected) return;
            if (isEventReply(response)) socket.emit(response.event, response.data);
            else if (!isAckHandledManually && typeof ack === 'function') (ack as (reply: unknown) => void)(response);
          });
      });
    }
  }
}

function isEventReply(response: unknown): response is { event: string; data: unknown } {
  return typeof response === 'object' && response !== null && Boolean((response as { event?: unknown }).event);
}
