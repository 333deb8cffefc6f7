import type { IncomingMessage } from 'node:http';
import proxyAddr from 'proxy-addr';

export type ClientAddressOf = (request: IncomingMessage) => string;

/**
 * How to tell the client's address from a request (HTTP or the socket.io
 * handshake alike), given the TRUST_PROXY setting: the TCP peer unless that
 * peer is a proxy we were told to believe, in which case X-Forwarded-For is
 * read back up to the first address we do not trust. proxy-addr is what
 * Express's `trust proxy` uses, so both agree on one request.
 */
export function clientAddressResolver(trustProxy: string): ClientAddressOf {
  const trust = compileTrust(trustProxy);
  return (request) => proxyAddr(request, trust);
}

/** The TRUST_PROXY setting in the form Express's `trust proxy` takes. */
export function trustProxySetting(trustProxy: string): number | string[] | false {
  const value = trustProxy.trim();
  if (value === '') return false;
  if (/^\d+$/.test(value)) return Number(value);
  return value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
}

function compileTrust(trustProxy: string): (address: string, hop: number) => boolean {
  const setting = trustProxySetting(trustProxy);
  if (setting === false) return () => false;
  if (typeof setting === 'number') return (_address, hop) => hop < setting;
  return proxyAddr.compile(setting);
}
