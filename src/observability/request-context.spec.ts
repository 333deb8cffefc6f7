import { requestIdFrom, requestIdOf, setRequestId } from './request-context';

describe('requestIdFrom', () => {
  it.each(['abc', 'a1b2-c3.d4:e5_f6', '0f7e8c2a-4db6-4c1e-baec-32819954b8ee', 'x'.repeat(100)])('keeps the sane %s', (id) => {
    expect(requestIdFrom(id)).toBe(id);
  });

  it.each(['', 'has space', 'x'.repeat(101), 'quote"', 'new\nline', 'ünï'])('replaces %j with a new UUID', (id) => {
    expect(requestIdFrom(id)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  it('makes one when there is none, and takes the first of repeated headers', () => {
    expect(requestIdFrom(undefined)).not.toBe(requestIdFrom(undefined));
    expect(requestIdFrom(['first', 'second'])).toBe('first');
  });
});

describe('the request id of a request', () => {
  it('is the one set on it, and none for another', () => {
    const request = {};
    setRequestId(request, 'r-1');
    expect(requestIdOf(request)).toBe('r-1');
    expect(requestIdOf({})).toBeUndefined();
  });
});
