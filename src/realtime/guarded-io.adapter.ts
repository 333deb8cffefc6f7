import { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { Server, ServerOptions } from 'socket.io';
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
}
