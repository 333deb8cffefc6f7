import { MemoryWindowStorage } from './memory-window.storage';

describe('MemoryWindowStorage (fixed windows)', () => {
  let storage: MemoryWindowStorage;
  let now: number;

  beforeEach(() => {
    now = 1_000_000;
    jest.spyOn(Date, 'now').mockImplementation(() => now);
    storage = new MemoryWindowStorage();
  });
  afterEach(() => {
    storage.onApplicationShutdown();
    jest.restoreAllMocks();
  });

  it('counts hits in a window, blocks past the limit until the window ends, then starts over', async () => {
    expect(await storage.increment('a', 10_000, 2)).toEqual({
      totalHits: 1,
      timeToExpire: 10,
      isBlocked: false,
      timeToBlockExpire: 0,
    });
    expect((await storage.increment('a', 10_000, 2)).isBlocked).toBe(false);
    now += 2_500;
    expect(await storage.increment('a', 10_000, 2)).toEqual({
      totalHits: 3,
      timeToExpire: 8,
      isBlocked: true,
      timeToBlockExpire: 8,
    });
    now += 7_499;
    expect((await storage.increment('a', 10_000, 2)).timeToBlockExpire).toBe(1);
    now += 1;
    expect(await storage.increment('a', 10_000, 2)).toMatchObject({ totalHits: 1, isBlocked: false });
  });

  it('keeps one count per key', async () => {
    await storage.increment('a', 10_000, 1);
    await storage.increment('a', 10_000, 1);
    expect((await storage.increment('b', 10_000, 1)).isBlocked).toBe(false);
  });
});
