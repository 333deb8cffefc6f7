import type { IncomingMessage } from 'node:http';
import { clientAddressResolver } from './client-address';

function request(peer: string, forwardedFor?: string): IncomingMessage {
  return {
    socket: { remoteAddress: peer },
    connection: { remoteAddress: peer },
    headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor },
  } as unknown as IncomingMessage;
}

describe('clientAddressResolver', () => {
  it('believes no proxy by default: X-Forwarded-For from anyone is ignored', () => {
    expect(clientAddressResolver('')(request('10.0.0.5', '1.2.3.4'))).toBe('10.0.0.5');
  });

  it('reads X-Forwarded-For through a trusted proxy, up to the first untrusted address', () => {
    const addressOf = clientAddressResolver('loopback');
    expect(addressOf(request('127.0.0.1', '203.0.113.9'))).toBe('203.0.113.9');
    expect(addressOf(request('127.0.0.1', '198.51.100.1, 203.0.113.9'))).toBe('203.0.113.9');
    expect(addressOf(request('10.0.0.5', '203.0.113.9'))).toBe('10.0.0.5');
  });

  it('takes a hop count', () => {
    expect(clientAddressResolver('1')(request('10.0.0.5', '198.51.100.1, 203.0.113.9'))).toBe('203.0.113.9');
  });
});
