import { UserEventsInOrder, WriteHandle } from './user-events-in-order';

describe('UserEventsInOrder', () => {
  let order: UserEventsInOrder;
  let published: string[];
  const made = (version: number, label = `v${version}`) => ({ version, publish: () => published.push(label) });

  beforeEach(() => {
    order = new UserEventsInOrder();
    published = [];
  });

  it('publishes at once when nothing else on the user is in flight', () => {
    order.settled(order.started(1), made(5));
    expect(published).toEqual(['v5']);
  });

  it('holds a write that came back first until the one in flight beside it is back, then publishes both in version order', () => {
    const a = order.started(1);
    const b = order.started(1);
    order.settled(b, made(6));
    expect(published).toEqual([]);
    order.settled(a, made(5));
    expect(published).toEqual(['v5', 'v6']);
  });

  it('publishes a held event when the write it waited for changed nothing', () => {
    const a = order.started(1);
    const b = order.started(1);
    order.settled(b, made(6));
    order.settled(a);
    expect(published).toEqual(['v6']);
  });

  it('never waits for writes that started after the event came back, so a stream of writes cannot starve it', () => {
    const a = order.started(1);
    const b = order.started(1);
    order.settled(b, made(2));
    // Started after v2 came back: it can only make a later version.
    const c = order.started(1);
    order.settled(a, made(1));
    expect(published).toEqual(['v1', 'v2']);
    order.settled(c, made(3));
    expect(published).toEqual(['v1', 'v2', 'v3']);
  });

  it('keeps users apart', () => {
    const a = order.started(1);
    order.settled(order.started(2), made(3, 'user 2 v3'));
    expect(published).toEqual(['user 2 v3']);
    order.settled(a, made(7, 'user 1 v7'));
    expect(published).toEqual(['user 2 v3', 'user 1 v7']);
  });

  it('publishes exactly what the definition says, in the same order, over random interleavings', () => {
    for (let seed = 1; seed <= 200; seed += 1) {
      const random = seeded(seed);
      const fast = new UserEventsInOrder();
      const reference = new ReferenceOrder();
      const fastOut: string[] = [];
      const referenceOut: string[] = [];
      // A write starts, commits (taking its user's next version, or changing nothing), then comes back: in any order across writes.
      const writes: { user: number; fast: WriteHandle; reference: number; committed?: number | 'nothing' }[] = [];
      const version = new Map<number, number>();
      const pick = <T>(list: T[]): T | undefined => list[Math.floor(random() * list.length)];
      for (let step = 0; step < 400; step += 1) {
        const roll = random();
        const uncommitted = writes.filter((write) => write.committed === undefined);
        const committed = writes.filter((write) => write.committed !== undefined);
        if (roll < 0.35 || writes.length === 0) {
          const user = 1 + Math.floor(random() * 3);
          writes.push({ user, fast: fast.started(user), reference: reference.started(user) });
        } else if (roll < 0.7 && uncommitted.length > 0) {
          const write = pick(uncommitted)!;
          if (random() < 0.15) write.committed = 'nothing';
          else {
            write.committed = (version.get(write.user) ?? 0) + 1;
            version.set(write.user, write.committed);
          }
        } else if (committed.length > 0) {
          const write = pick(committed)!;
          writes.splice(writes.indexOf(write), 1);
          if (write.committed === 'nothing') {
            fast.settled(write.fast);
            reference.settled(write.user, write.reference);
            continue;
          }
          const label = `u${write.user}v${write.committed}`;
          fast.settled(write.fast, { version: write.committed!, publish: () => fastOut.push(label) });
          reference.settled(write.user, write.reference, { version: write.committed!, publish: () => referenceOut.push(label) });
        }
      }
      expect(fastOut).toEqual(referenceOut);
      // The definition's point: each user's events in version order.
      for (const user of [1, 2, 3]) {
        const versions = fastOut.filter((label) => label.startsWith(`u${user}v`)).map((label) => Number(label.split('v')[1]));
        expect(versions).toEqual([...versions].sort((a, b) => a - b));
      }
    }
  });
});

/** The definition, written the obvious way: each event waits for the writes in flight when it came back that started before it was seen. */
class ReferenceOrder {
  private nextId = 0;
  private readonly seen = new Map<number, number>();
  private readonly inFlight = new Map<number, { user: number; seenAtStart: number }>();
  private readonly held: { user: number; version: number; publish: () => void; waitingFor: Set<number> }[] = [];

  started(user: number): number {
    this.nextId += 1;
    this.inFlight.set(this.nextId, { user, seenAtStart: this.seen.get(user) ?? 0 });
    return this.nextId;
  }

  settled(user: number, id: number, made?: { version: number; publish: () => void }): void {
    this.inFlight.delete(id);
    for (const event of this.held) event.waitingFor.delete(id);
    if (made) {
      const waitingFor = new Set(
        [...this.inFlight].filter(([, write]) => write.user === user && write.seenAtStart < made.version).map(([key]) => key),
      );
      this.held.push({ user, ...made, waitingFor });
      this.seen.set(user, Math.max(this.seen.get(user) ?? 0, made.version));
    }
    for (const userOfEvents of new Set(this.held.map((event) => event.user))) {
      const mine = this.held.filter((event) => event.user === userOfEvents).sort((a, b) => a.version - b.version);
      for (const event of mine) {
        if (event.waitingFor.size > 0) break;
        this.held.splice(this.held.indexOf(event), 1);
        event.publish();
      }
    }
  }
}

/** A small deterministic generator (mulberry32), so a failure names its seed. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
