import { INestApplicationContext, Logger } from '@nestjs/common';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import type { Namespace, Server, ServerOptions } from 'socket.io';
import { Adapter, BroadcastOptions, ClusterAdapter, ClusterMessage, MessageType } from 'socket.io-adapter';
import { GuardedIoAdapter } from '../guarded-io.adapter';
import type { SocketLimits } from '../socket-guards';
import { RealtimeRedis } from './redis-connections';

type NamespaceAdapterFactory = (nsp: Namespace) => Adapter;
type BroadcastMessage = Omit<Extract<ClusterMessage, { type: MessageType.BROADCAST }>, 'uid' | 'nsp'>;

/** ClusterAdapter's documented hook for subclasses; protected in its typings. */
interface ClusterPublisher {
  publishAndReturnOffset(message: BroadcastMessage): Promise<string>;
}

const logger = new Logger('RedisIoAdapter');

/**
 * socket.io through Redis, so an event emitted on one instance reaches the
 * clients of every instance. Uses the Redis Streams adapter: each instance
 * reads the stream from the last entry it saw, so a lost connection resumes
 * where it stopped instead of dropping what was sent meanwhile (the PUB/SUB
 * adapter drops it), with the same abuse limits as one instance. Await connect() before installing it with
 * app.useWebSocketAdapter() (see configureApp): an adapter installed after
 * init() is ignored.
 */
export class RedisIoAdapter extends GuardedIoAdapter {
  private streams?: ReturnType<typeof createAdapter>;
  private factory?: NamespaceAdapterFactory;
  private readonly open = new Set<Adapter>();

  constructor(
    app: INestApplicationContext,
    private readonly redis: RealtimeRedis,
    limits: SocketLimits,
  ) {
    super(app, limits);
  }

  /**
   * Connects to Redis and creates the streams adapter, which opens its stream
   * reader and subscriber at once; resolves when all three connections are
   * up, so an instance listens only once it can fan out. Rejects with
   * RedisUnreachableError when Redis cannot be reached.
   */
  async connect(): Promise<void> {
    this.streams = createAdapter(await this.redis.connect());
    await this.redis.ready();
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    const server = super.createIOServer(port, options);
    // Connection state recovery needs the stream offset on every packet,
    // which only the library's own broadcast adds.
    server.adapter(this.namespaceAdapters(!options?.connectionStateRecovery));
    return server;
  }

  /**
   * Nest calls this after closing the socket.io server, before the shutdown
   * hooks in which RealtimeRedis disconnects. The library's stream reader
   * stops only once every namespace adapter is closed: socket.io closed them
   * already, and this covers any it did not.
   */
  override async dispose(): Promise<void> {
    for (const adapter of [...this.open]) await adapter.close();
    await super.dispose();
  }

  /** One streams adapter (one reader, one subscriber) for every namespace of this server. */
  private namespaceAdapters(localFirst: boolean): NamespaceAdapterFactory {
    if (this.factory) return this.factory;
    const streams = this.streams;
    if (!streams) throw new Error('RedisIoAdapter.connect() must complete before the app is initialised');
    const redis = this.redis;
    const publishFailures = new PublishFailureLog(() => redis.publishFailed());
    const open = this.open;
    // socket.io calls the factory with `new`, so it must be a function, not an
    // arrow; returning an object from it makes that object the instance.
    this.factory = function namespaceAdapter(nsp: Namespace): Adapter {
      const adapter = streams(nsp);
      if (localFirst) deliverLocallyFirst(adapter, publishFailures);
      open.add(adapter);
      const close = adapter.close.bind(adapter);
      adapter.close = (): Promise<void> | void => {
        open.delete(adapter);
        return close();
      };
      return adapter;
    };
    return this.factory;
  }
}

/**
 * ClusterAdapter.broadcast() delivers to this instance's own clients only
 * after Redis has taken the packet (socket.io-adapter 2.5.8,
 * dist/cluster-adapter.js 242-261: it awaits publishAndReturnOffset() before
 * super.broadcast()), so while Redis is away even the windows on the instance
 * that made the change would wait. Here they get it at once, and
 * the copy for the other instances goes out beside it (ioredis queues it while
 * Redis is away). The stream hands this instance its own packets back marked
 * with its uid, and ClusterAdapter ignores those (cluster-adapter.js 74-76), so each client still gets
 * each event once.
 */
function deliverLocallyFirst(adapter: ClusterAdapter, failures: PublishFailureLog): void {
  const cluster = adapter as unknown as ClusterPublisher;
  adapter.broadcast = (packet: unknown, opts: BroadcastOptions): Promise<void> => {
    if (!opts.flags?.local) {
      try {
        // Serialised synchronously, before the local delivery below touches the packet.
        cluster
          .publishAndReturnOffset({
            type: MessageType.BROADCAST,
            data: { packet, opts: { rooms: [...opts.rooms], except: [...(opts.except ?? [])], flags: opts.flags ?? {} } },
          })
          .then(
            () => failures.succeeded(),
            (error: Error) => failures.failed(error),
          );
      } catch (error) {
        failures.failed(error as Error);
      }
    }
    // The in-memory adapter's broadcast: this instance's own clients.
    Adapter.prototype.broadcast.call(adapter, packet, opts);
    return Promise.resolve();
  };
}

/** A Redis outage fails every publish: say so once, and once more when publishing works again. */
class PublishFailureLog {
  private failing = 0;

  constructor(private readonly count: () => void) {}

  failed(error: Error): void {
    this.count();
    if (this.failing++ === 0) {
      logger.warn(`events not sent to other instances while Redis is unavailable: ${error.message}`);
    }
  }

  succeeded(): void {
    if (this.failing === 0) return;
    logger.log(`sending events to other instances again (${this.failing} were not sent)`);
    this.failing = 0;
  }
}
