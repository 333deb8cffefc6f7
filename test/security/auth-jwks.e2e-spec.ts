import { exportJWK, generateKeyPair } from 'jose';
import type { CryptoKey, JWK } from 'jose';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { testAppSuite } from '../helpers/app';
import { bearer, signToken, TEST_AUDIENCE, TEST_ISSUER, TEST_SECRET } from '../helpers/auth';
import { freePort } from '../helpers/ports';

/*
 * RS256/ES256 tokens checked against an identity provider's key set
 * (AUTH_JWKS_URL), served here by a local HTTP server with keys made by jose:
 * fetched once and cached, fetched again when a token names a key id the
 * cache does not hold (the provider rotated its keys), and 503, not 401,
 * when the key set cannot be fetched.
 */

interface SigningKey {
  kid: string;
  alg: 'RS256' | 'ES256';
  privateKey: CryptoKey;
  jwk: JWK;
}

async function signingKey(kid: string, alg: SigningKey['alg']): Promise<SigningKey> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  return { kid, alg, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

/** The identity provider's JWKS endpoint: serves `published`, and counts the fetches. */
class KeySetServer {
  published: SigningKey[] = [];
  fetches = 0;
  private server?: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      this.fetches += 1;
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ keys: this.published.map((key) => key.jwk) }));
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/.well-known/jwks.json`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

function tokenOf(key: SigningKey, sub = 'alice'): Promise<string> {
  return signToken({ alg: key.alg, kid: key.kid, key: key.privateKey, sub });
}

const provider = new KeySetServer();
let first: SigningKey;
let elliptic: SigningKey;
let rotated: SigningKey;
let stranger: SigningKey;

beforeAll(async () => {
  [first, elliptic, rotated, stranger] = await Promise.all([
    signingKey('key-1', 'RS256'),
    signingKey('key-ec', 'ES256'),
    signingKey('key-2', 'RS256'),
    signingKey('key-unknown', 'RS256'),
  ]);
  provider.published = [first, elliptic];
  await provider.start();
});
afterAll(() => provider.close());

async function write(url: string, token: string): Promise<request.Response> {
  return request(url).post('/api/users').set(bearer(token)).send({ first_name: 'Key', last_name: 'Set' });
}

describe('AUTH_JWKS_URL', () => {
  const t = testAppSuite({
    env: {
      get AUTH_JWKS_URL() {
        return provider.url;
      },
      AUTH_ISSUER: TEST_ISSUER,
      AUTH_AUDIENCE: TEST_AUDIENCE,
      AUTH_JWKS_COOLDOWN_MS: '0',
    },
  });

  it('accepts RS256 and ES256 tokens signed by a published key, fetching the key set once', async () => {
    const before = provider.fetches;
    expect((await write(t.url, await tokenOf(first, 'rs-user'))).status).toBe(201);
    expect((await write(t.url, await tokenOf(elliptic, 'ec-user'))).status).toBe(201);
    expect((await write(t.url, await tokenOf(first))).status).toBe(201);
    expect(provider.fetches - before).toBeLessThanOrEqual(1);
    const changes = await request(t.url).get('/api/changes').expect(200);
    expect((changes.body as { by: string }[]).map((change) => change.by)).toEqual(expect.arrayContaining(['rs-user', 'ec-user']));
  });

  it('fetches the key set again for a key id it does not hold: a rotated key is accepted', async () => {
    expect((await write(t.url, await tokenOf(first))).status).toBe(201);
    const before = provider.fetches;
    provider.published = [rotated, elliptic];
    expect((await write(t.url, await tokenOf(rotated))).status).toBe(201);
    expect(provider.fetches).toBe(before + 1);
  });

  it('refuses a key the provider does not publish, after looking again', async () => {
    const before = provider.fetches;
    const response = await write(t.url, await tokenOf(stranger));
    expect(response.status).toBe(401);
    expect(response.headers['www-authenticate']).toMatch(/error="invalid_token", error_description="no key .*matches/);
    expect(provider.fetches).toBe(before + 1);
  });

  it('refuses HS256 when only a key set is configured (no secret to confuse with a public key)', async () => {
    const response = await write(t.url, await signToken({ key: new TextEncoder().encode(TEST_SECRET) }));
    expect(response.status).toBe(401);
    expect(response.headers['www-authenticate']).toMatch(/algorithm/);
  });
});

describe('AUTH_JWKS_URL that does not answer', () => {
  let deadUrl = '';
  beforeAll(async () => {
    deadUrl = `http://127.0.0.1:${await freePort()}/jwks.json`;
  });
  const t = testAppSuite({
    env: {
      get AUTH_JWKS_URL() {
        return deadUrl;
      },
    },
  });

  it('answers 503 (the client is not at fault), with the JSON error body', async () => {
    const response = await write(t.url, await tokenOf(first));
    expect(response.status).toBe(503);
    expect(response.body).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message: expect.stringContaining('cannot be checked'),
    });
  });
});
