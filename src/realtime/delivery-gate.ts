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

/** Held live messages for one socket; release() delivers them, in order. */
export interface DeliveryHold {
  /** Delivers what was held, skipping messages `isDuplicate` says the client already has. */
  release(isDuplicate?: (event: string, data: unknown) => boolean): void;
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
  private broadcasting?: BroadcastPacket;

  install(adapter: Adapter): void {
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
      if (packet === undefined || this.held.size === 0) return apply(options, callback);
      const [event, data] = packet.data ?? [];
      apply(options, (socket) => {
        const queue = this.held.get(socket.id);
        if (queue) queue.push({ event: String(event), data, deliver: () => callback(socket) });
        else callback(socket);
      });
    };
  }

  hold(socketId: string): DeliveryHold {
    const queue: HeldDelivery[] = [];
    this.held.set(socketId, queue);
    let released = false;
    return {
      release: (isDuplicate = () => false) => {
        if (released) return;
        released = true;
        if (this.held.get(socketId) === queue) this.held.delete(socketId);
        for (const delivery of queue) if (!isDuplicate(delivery.event, delivery.data)) delivery.deliver();
      },
    };
  }
}
