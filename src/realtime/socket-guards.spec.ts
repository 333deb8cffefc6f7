import { originAllowed, socketLimits } from './socket-guards';

describe('originAllowed', () => {
  const none = new Set<string>();

  it('lets a page of the server itself in: the Origin names the Host the request was sent to', () => {
    expect(originAllowed('http://localhost:3000', 'localhost:3000', none)).toBe(true);
    expect(originAllowed('http://LOCALHOST:3000', 'localhost:3000', none)).toBe(true);
    expect(originAllowed('https://app.example', 'app.example:443', none)).toBe(true);
    expect(originAllowed('http://app.example', 'app.example', none)).toBe(true);
    expect(originAllowed('http://[::1]:3000', '[::1]:3000', none)).toBe(true);
    // TLS often ends at a proxy: the scheme the page used is not the one the server saw.
    expect(originAllowed('https://app.example', 'app.example', none)).toBe(true);
  });

  it('refuses any other origin, and origins that are not http(s)', () => {
    expect(originAllowed('http://localhost:3001', 'localhost:3000', none)).toBe(false);
    expect(originAllowed('http://localhost:3000.evil.example', 'localhost:3000', none)).toBe(false);
    expect(originAllowed('http://evil.example', 'localhost:3000', none)).toBe(false);
    expect(originAllowed('null', 'localhost:3000', none)).toBe(false);
    expect(originAllowed('file://', 'localhost:3000', none)).toBe(false);
    expect(originAllowed('', 'localhost:3000', none)).toBe(false);
    expect(originAllowed('http://localhost:3000', undefined, none)).toBe(false);
  });

  it('lets a request without Origin in: it is not from a browser page', () => {
    expect(originAllowed(undefined, 'localhost:3000', none)).toBe(true);
  });

  it('lets the CORS_ORIGINS in, compared as origins', () => {
    const { allowedOrigins } = socketLimits({
      SOCKET_MAX_PAYLOAD_BYTES: 16_384,
      SOCKET_EVENTS_PER_SECOND: 100,
      SOCKET_CONNECTIONS_PER_ADDRESS: 10,
      CORS_ORIGINS: 'https://App.Example:443, http://localhost:5173',
      TRUST_PROXY: '',
    });
    expect([...allowedOrigins]).toEqual(['https://app.example', 'http://localhost:5173']);
    expect(originAllowed('https://app.example', 'api.example', allowedOrigins)).toBe(true);
    expect(originAllowed('http://localhost:5173', 'localhost:3000', allowedOrigins)).toBe(true);
    expect(originAllowed('http://app.example', 'api.example', allowedOrigins)).toBe(false);
  });
});
