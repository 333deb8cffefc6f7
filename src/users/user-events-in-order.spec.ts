import { UserEventsInOrder } from './user-events-in-order';

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
});
