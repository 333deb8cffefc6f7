import type { Adapter } from 'socket.io-adapter';

/** A broadcast packet as socket.io-adapter hands it around: an EVENT packet's data is [event, payload]. */
interface BroadcastPacket {
  data?: unknown[];
}

/** The two steps of socket.io-adapter's broadcast() that this gate sits between. */
interface BroadcastSteps {
  _encode(packet: BroadcastPacket, options: unknown): unknown;
  apply(options: unknown, callback: (socket: GatedSocket) => void): void;
}

interface GatedSocket {
  id: string;
}

interface HeldDelivery {
  event: string;
  data: unknown;
  deliver(): void;
}

/** Told how many sockets a broadcast of `event` was written to (held ones when released). */
export type DeliveryObserver = (event: string, sockets: number) => void;

/** Says whether a live message carries what a replay already sent. */
export type DuplicateTest = (event: string, data: unknown) => boolean;

/** Held live messages for one socket; release() delivers them, in order. */
export interface DeliveryHold {
  /**
   * Delivers what was held, skipping messages `isDuplicate` says the client
   * already has, and keeps skipping such messages for DUPLICATE_WATCH_MS: a
   * replay can carry a change whose own event is published only later (its
   * write had not come back yet, or waits its turn in version order).
   */
  release(isDuplicate?: DuplicateTest): void;
}

/** How long after a replay live copies of what it carried are still dropped. */
export const DUPLICATE_WATCH_MS = 10_000;

interface Watch {
  isDuplicate: DuplicateTest;
  until: number;
}

/**
 * Holds the live broadcasts to one socket while it is being sent a replay, so
 * the replay reaches it first and whole, and the live messages after it
 * without duplicates. Works for every broadcast this instance delivers: its
 * own, and (with the Redis adapter) those of other instances.
 *
 * socket.io-adapter's broadcast() (2.5.8, dist/in-memory-adapter.js 112-127,
 * also reached by ClusterAdapter for packets from other instances,
 * cluster-adapter.js 110) encodes the packet once with this._encode() and
 * then calls this.apply() with a callback that writes it to each socket.
 * The gate wraps both on the namespace's adapter instance: _encode() notes the
 * packet being broadcast, apply() defers the write for held sockets. apply()
 * calls made for anything else (joins, fetchSockets) pass through untouched.
 * socket.io-adapter is pinned in package.json; test/replay.e2e-spec.ts fails
 * if an upgrade moves these steps.
 */
export class DeliveryGate {
  private readonly held = new Map<string, HeldDelivery[]>();
  private readonly watched = new Map<string, Watch>();
  private broadcasting?: BroadcastPacket;

  install(adapter: Adapter, observe: DeliveryObserver = () => undefined): void {
    const steps = adapter as unknown as BroadcastSteps;
    const encode = steps._encode.bind(adapter);
    const apply = steps.apply.bind(adapter);
    steps._encode = (packet, options) => {
      this.broadcasting = packet;
      return encode(packet, options);
    };
    steps.apply = (options, callback) => {
      const packet = this.broadcasting;
      this.broadcasting = undefined;
      if (packet === undefined) return apply(options, callback);
      const [name, data] = packet.data ?? [];
      const event = String(name);
      let delivered = 0;
      if (this.held.size === 0 && this.watched.size === 0) {
        apply(options, (socket) => {
          delivered += 1;
          callback(socket);
        });
      } else {
        apply(options, (socket) => {
          const queue = this.held.get(socket.id);
          const deliver = (): void => {
            callback(socket);
            observe(event, 1);
          };
          if (queue) queue.push({ event, data, deliver });
          else if (!this.isWatchedDuplicate(socket.id, event, data)) {
            delivered += 1;
            callback(socket);
          }
        });
      }
      if (delivered > 0) observe(event, delivered);
    };
  }

  /** The socket is gone: nothing to hold or watch for it. */
  forget(socketId: string): void {
    this.held.delete(socketId);
    this.watched.delete(socketId);
  }

  private isWatchedDuplicate(socketId: string, event: string, data: unknown): boolean {
    const watch = this.watched.get(socketId);
    if (!watch) return false;
    if (Date.now() > watch.until) {
      this.watched.delete(socketId);
      return false;
    }
    return watch.isDuplicate(event, data);
  }

  hold(socketId: string): DeliveryHold {
    const queue: HeldDelivery[] = [];
    this.held.set(socketId, queue);
    let released = false;
    return {
      release: (isDuplicate) => {
        if (released) return;
        released = true;
        if (this.held.get(socketId) === queue) this.held.delete(socketId);
        if (isDuplicate) this.watched.set(socketId, { isDuplicate, until: Date.now() + DUPLICATE_WATCH_MS });
        for (const delivery of queue) if (!isDuplicate?.(delivery.event, delivery.data)) delivery.deliver();
      },
    };
  }
}
