import { Callback, Redis, RedisOptions } from 'ioredis';

/*
 * What this file relies on in @socket.io/redis-streams-adapter, pinned at
 * exactly 0.3.1 in package.json (line numbers are of its published
 * dist/adapter.js and dist/util.js, built from lib/adapter.ts and lib/util.ts
 * of github.com/socketio/socket.io-redis-streams-adapter):
 *
 * - createAdapter() opens its extra connections with duplicate(), first the
 *   stream reader (adapter.js 10-13, createReadOnlyClients -> util.js 40-41,
 *   duplicateClient), then the PUB/SUB subscriber (adapter.js 95).
 * - It fires some commands without handling their failure: the PUBLISH of
 *   ephemeral messages such as fetchSockets() requests (adapter.js 154-160,
 *   doPublish -> util.js 178-179) and the SUBSCRIBE of its channels
 *   (adapter.js 142-143 -> util.js 192-197).
 * - Its stream reader loops on XREAD until every namespace adapter is closed
 *   (adapter.js 32-57, startPolling; the abort in 101-108); a failed XREAD is
 *   retried at once.
 */

/**
 * The client of every adapter connection, patched for the three points above.
 *
 * duplicate() comes back to RealtimeRedis, so the reader and the subscriber
 * are named, logged, reported and closed like the publisher.
 *
 * Commands the library fires and forgets fail when Redis stays away until
 * ioredis drops its queued commands, or when the client closes at shutdown,
 * and Node ends the process on an unhandled rejection: their promises count as
 * handled here; a caller that awaits one still gets the error.
 */
export class AdapterRedisClient extends Redis {
  private retired = false;

  constructor(
    url: string,
    options: RedisOptions,
    private readonly openDuplicate: () => Redis,
  ) {
    super(url, options);
  }

  override duplicate(): Redis {
    return this.openDuplicate();
  }

  override publish(channel: string | Buffer, message: string | Buffer): Promise<number> {
    return handled(super.publish(channel, message));
  }

  override subscribe(...args: SubscribeArgs): Promise<unknown> {
    // A trailing callback, if any, reaches ioredis unchanged; the cast only picks one overload.
    return handled(super.subscribe(...(args as (string | Buffer)[])));
  }

  /**
   * Closes the client for good. Should the app close before any namespace
   * opened, the stream reader's loop would spin on a closed client, each XREAD
   * failing at once; commands sent to a retired client are left unanswered
   * instead, which parks the loop.
   */
  retire(): void {
    this.retired = true;
    // On a client that already ended, disconnect() would arm a 2 s timer that never clears.
    if (this.status !== 'end') this.disconnect();
  }

  override sendCommand(...args: Parameters<Redis['sendCommand']>): unknown {
    if (this.retired) return args[0].promise;
    return super.sendCommand(...args);
  }
}

/** Both forms ioredis accepts: channels, optionally followed by a callback. */
type SubscribeArgs = [...channels: (string | Buffer)[], callback: Callback<unknown>] | (string | Buffer)[];

function handled<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}
