import type { OutboundMessage } from './client-relay';
import type { RealtimeServer } from './index';
import {
  definePresence,
  PRESENCE_MAX_INTERVAL_MS,
  PRESENCE_SETTLE_MS,
  PRESENCE_WINDOW_MS,
  PresenceCounter,
  presenceInterval,
} from './presence';
import { roomForTopic } from './topics';

/** Stands in for socket.io's server: a room holds `sizes[topic]` sockets; what is told is recorded. */
function fakeServer(sizes: Map<string, number>, told: { topic: string; count: number; at: number }[]): RealtimeServer {
  const topicOf = (room: string): string => [...sizes.keys()].find((topic) => roomForTopic(topic) === room) ?? room;
  return {
    in: (room: string) => ({ fetchSockets: () => Promise.resolve(new Array<unknown>(sizes.get(topicOf(room)) ?? 0)) }),
    to: (room: string) => ({
      emit: (_event: string, data: { message: string }) =>
        void told.push({ topic: topicOf(room), count: Number(data.message), at: Date.now() }),
    }),
  } as unknown as RealtimeServer;
}

function setup(sizes: Map<string, number>): { counter: PresenceCounter; told: { topic: string; count: number; at: number }[] } {
  const told: { topic: string; count: number; at: number }[] = [];
  const counter = new PresenceCounter();
  counter.register([
    // src/realtime knows no feature's events: the count rides in a message of its own.
    definePresence('spec:', (_topic, count): OutboundMessage => ({
      event: 'exception',
      data: { status: 'error', message: String(count) },
    })),
  ]);
  counter.attach(fakeServer(sizes, told));
  return { counter, told };
}

/** Advances fake time in small steps, letting each count's fetchSockets() promise settle. */
async function advance(ms: number, step = 5): Promise<void> {
  for (let passed = 0; passed < ms; passed += step) await jest.advanceTimersByTimeAsync(step);
}

describe('PresenceCounter', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());

  it('spaces counts by the window for small topics, by the topic size for large ones, capped', () => {
    expect(presenceInterval(1)).toBe(PRESENCE_WINDOW_MS);
    expect(presenceInterval(1_000)).toBe(250);
    expect(presenceInterval(1_000_000)).toBe(PRESENCE_MAX_INTERVAL_MS);
  });

  it('counts a burst of joins on a small topic once, at the end of the window, then once more when quiet', async () => {
    const sizes = new Map([['spec:1', 3]]);
    const { counter, told } = setup(sizes);
    for (let i = 0; i < 3; i += 1) counter.changed('spec:1');
    await advance(PRESENCE_WINDOW_MS + 5);
    expect(told.map(({ count }) => count)).toEqual([3]);
    await advance(PRESENCE_SETTLE_MS + 10);
    expect(told.map(({ count }) => count)).toEqual([3, 3]);
    counter.onModuleDestroy();
  });

  it('tells a large topic under steady churn no more often than its interval, and ends on the right count', async () => {
    const sizes = new Map([['spec:big', 1_000]]);
    const { counter, told } = setup(sizes);
    // A join or leave every 10 ms for 2 s: told every 50 ms, that would be 40 counts of 1,000 writes each.
    for (let i = 0; i < 200; i += 1) {
      sizes.set('spec:big', 1_000 + (i % 2));
      counter.changed('spec:big');
      await advance(10);
    }
    const during = told.length;
    expect(during).toBeGreaterThanOrEqual(6);
    expect(during).toBeLessThanOrEqual(9);
    for (let i = 1; i < told.length; i += 1) expect(told[i].at - told[i - 1].at).toBeGreaterThanOrEqual(presenceInterval(1_000));
    sizes.set('spec:big', 990);
    counter.changed('spec:big');
    await advance(PRESENCE_MAX_INTERVAL_MS + PRESENCE_SETTLE_MS + 100);
    expect(told.at(-1)?.count).toBe(990);
    counter.onModuleDestroy();
  });

  it('does not hold a small topic back behind a large one', async () => {
    const sizes = new Map([
      ['spec:big', 4_000],
      ['spec:small', 2],
    ]);
    const { counter, told } = setup(sizes);
    counter.changed('spec:big');
    await advance(PRESENCE_WINDOW_MS + 5);
    counter.changed('spec:big');
    counter.changed('spec:small');
    await advance(PRESENCE_WINDOW_MS + 5);
    expect(told.map(({ topic }) => topic)).toEqual(['spec:big', 'spec:small']);
    await advance(presenceInterval(4_000));
    const big = told.filter(({ topic }) => topic === 'spec:big');
    expect(big).toHaveLength(2);
    expect(big[1].at - big[0].at).toBeGreaterThanOrEqual(presenceInterval(4_000));
    counter.onModuleDestroy();
  });
});
