import { Injectable } from '@nestjs/common';
import { principalOf, setPrincipal, TokenCheckUnavailable, TokenRejected, TokenVerifier } from '../security';
import type { AuthRefusal, RealtimeSocket } from './index';

/** setTimeout's longest delay; a later expiry is waited for in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The socket.io side of authentication: with it on, the handshake must carry
 * a valid token as `auth.token` (refused at connect otherwise, with a reason
 * in connect_error's message and `data`), and a socket is told
 * `auth_expired` and closed when its token expires.
 */
@Injectable()
export class SocketAuthentication {
  private readonly expiryTimers = new WeakMap<RealtimeSocket, NodeJS.Timeout>();

  constructor(private readonly tokens: TokenVerifier) {}

  /** A socket.io middleware: runs once per connection, before the socket joins anything. */
  readonly admit = (socket: RealtimeSocket, next: (error?: Error) => void): void => {
    if (!this.tokens.enabled) return next();
    this.check(socket).then(() => next(), next);
  };

  /** Once connected: close the socket when its token expires. */
  watchExpiry(socket: RealtimeSocket): void {
    const expiresAt = principalOf(socket)?.expiresAt;
    if (expiresAt === undefined) return;
    const arm = (): void => {
      const left = expiresAt - Date.now();
      if (left > 0) {
        this.expiryTimers.set(socket, setTimeout(left > MAX_TIMER_MS ? arm : expire, Math.min(left, MAX_TIMER_MS)));
        return;
      }
      expire();
    };
    const expire = (): void => {
      if (!socket.connected) return;
      socket.emit('auth_expired', {
        message: 'your token expired: connect again with a new one as auth.token',
        expired_at: new Date(expiresAt).toISOString(),
      });
      socket.disconnect(true);
    };
    socket.once('disconnect', () => clearTimeout(this.expiryTimers.get(socket)));
    arm();
  }

  private async check(socket: RealtimeSocket): Promise<void> {
    const token: unknown = (socket.handshake.auth as Record<string, unknown> | undefined)?.token;
    if (typeof token !== 'string' || token === '') {
      throw refusal('authentication required: connect with a bearer token as auth.token', { code: 'auth_required' });
    }
    try {
      setPrincipal(socket, await this.tokens.verify(token));
    } catch (error) {
      if (error instanceof TokenRejected) {
        throw refusal(`invalid token: ${error.description}`, { code: 'invalid_token', description: error.description });
      }
      if (error instanceof TokenCheckUnavailable) throw refusal(error.message, { code: 'auth_unavailable' });
      throw error;
    }
  }
}

/** socket.io sends an error's message and `data` to the client, as its connect_error. */
function refusal(message: string, data: AuthRefusal): Error {
  return Object.assign(new Error(message), { data });
}
