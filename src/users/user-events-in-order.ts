/**
 * Publishes each user's events in version order. Writes run side by side (on
 * SQLite, node-sqlite3's thread pool; on PostgreSQL, several connections), so
 * a write can come back after a later one on the same user, and its event
 * would go out after the newer one.
 *
 * A write that comes back with version v can only be preceded by writes on
 * the same user that are still in flight and started before this process had
 * seen a version of v or more (one started after that can only make a later
 * version). Its event waits for exactly those, and events go out in version
 * order as they are free. Writes started later never hold an event back, so a
 * steady stream of writes cannot starve one. Events of other processes are
 * not waited for.
 */
export class UserEventsInOrder {
  private readonly users = new Map<number, UserQueue>();
  private nextWrite = 0;

  /** A write on `userId` starts; settle the handle exactly once. */
  started(userId: number): WriteHandle {
    const queue = this.queue(userId);
    const handle: WriteHandle = { userId, id: (this.nextWrite += 1) };
    queue.inFlight.set(handle.id, queue.seen);
    return handle;
  }

  /**
   * The write ended: with the version it made (for a delete, one past the
   * user's last) and how to publish it, or with nothing when it changed nothing.
   */
  settled(handle: WriteHandle, made?: { version: number; publish: () => void }): void {
    const queue = this.queue(handle.userId);
    queue.inFlight.delete(handle.id);
    for (const event of queue.held) event.waitingFor.delete(handle.id);
    if (made) {
      const mayPrecede = [...queue.inFlight].filter(([, seenAtStart]) => seenAtStart < made.version).map(([id]) => id);
      queue.held.push({ ...made, waitingFor: new Set(mayPrecede) });
      queue.seen = Math.max(queue.seen, made.version);
    }
    queue.held.sort((a, b) => a.version - b.version);
    while (queue.held.length > 0 && queue.held[0].waitingFor.size === 0) queue.held.shift()?.publish();
    if (queue.inFlight.size === 0 && queue.held.length === 0) this.users.delete(handle.userId);
  }

  private queue(userId: number): UserQueue {
    let queue = this.users.get(userId);
    if (!queue) {
      queue = { inFlight: new Map(), held: [], seen: 0 };
      this.users.set(userId, queue);
    }
    return queue;
  }
}

export interface WriteHandle {
  readonly userId: number;
  readonly id: number;
}

interface HeldEvent {
  version: number;
  publish: () => void;
  /** The writes in flight when this one came back that may have made an earlier version. */
  waitingFor: Set<number>;
}

interface UserQueue {
  /** Write id -> the highest version this process had seen of the user when the write started. */
  inFlight: Map<number, number>;
  /** By version. */
  held: HeldEvent[];
  /** The highest version seen come back. */
  seen: number;
}
