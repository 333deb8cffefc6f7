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
  // Trusting no proxy, proxy-addr would still parse X-Forwarded-For on every request only to ignore it.
  if (trust === TRUST_NONE) return (request) => request.socket.remoteAddress ?? '';
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

const TRUST_NONE = (): boolean => false;

function compileTrust(trustProxy: string): (address: string, hop: number) => boolean {
  const setting = trustProxySetting(trustProxy);
  if (setting === false) return TRUST_NONE;
  if (typeof setting === 'number') return (_address, hop) => hop < setting;
  return proxyAddr.compile(setting);
}
