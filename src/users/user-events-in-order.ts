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
 *
 * What a write had seen when it started never decreases from one write to the
 * next, so the writes in flight, kept in the order they started, have the
 * smallest such figure first: an event of version v is free once that first
 * figure is v or more. Each write costs O(1), plus the sorted insertion of an
 * event that came back out of order, however many writes are in flight.
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
    if (made) {
      insertByVersion(queue.held, made);
      queue.seen = Math.max(queue.seen, made.version);
    }
    const oldestStart = queue.inFlight.values().next();
    // An event is held while a write in flight started before this process had seen its version.
    const freeUpTo = oldestStart.done ? Infinity : oldestStart.value;
    let free = 0;
    while (free < queue.held.length && queue.held[free].version <= freeUpTo) free += 1;
    for (const event of queue.held.splice(0, free)) event.publish();
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
}

interface UserQueue {
  /** Write id -> the highest version this process had seen of the user when the write started; in starting order. */
  inFlight: Map<number, number>;
  /** By version. */
  held: HeldEvent[];
  /** The highest version seen come back. */
  seen: number;
}

/** Writes mostly come back in order: the search starts from the end. */
function insertByVersion(held: HeldEvent[], event: HeldEvent): void {
  let at = held.length;
  while (at > 0 && held[at - 1].version > event.version) at -= 1;
  held.splice(at, 0, event);
}
