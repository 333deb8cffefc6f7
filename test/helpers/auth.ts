import { SignJWT, UnsecuredJWT } from 'jose';
import type { CryptoKey, JWTPayload, KeyObject } from 'jose';

/** A secret long enough for AUTH_JWT_SECRET (32 bytes and more). */
export const TEST_SECRET = 'test-secret-of-the-auth-specs-0123456789';
export const TEST_ISSUER = 'https://id.test.example';
export const TEST_AUDIENCE = 'realtime-users-tests';

/** Authentication on with TEST_SECRET, issuer and audience checked. */
export const HS256_ENV: Record<string, string> = {
  AUTH_JWT_SECRET: TEST_SECRET,
  AUTH_ISSUER: TEST_ISSUER,
  AUTH_AUDIENCE: TEST_AUDIENCE,
};

export interface TokenOptions {
  sub?: string | null;
  /** Seconds from now until it expires (negative: already expired); null: no exp claim. */
  ttl?: number | null;
  iss?: string;
  aud?: string;
  alg?: string;
  kid?: string;
  key?: Uint8Array | CryptoKey | KeyObject;
}

/** A signed token as the tests' identity provider would issue it; every claim can be made wrong on purpose. */
export async function signToken(options: TokenOptions = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT(claims(options, now)).setProtectedHeader({
    alg: options.alg ?? 'HS256',
    typ: 'JWT',
    ...(options.kid ? { kid: options.kid } : {}),
  });
  return jwt.sign(options.key ?? new TextEncoder().encode(TEST_SECRET));
}

/** A token with `alg: none` and no signature, which must never be accepted. */
export function unsignedToken(options: TokenOptions = {}): string {
  return new UnsecuredJWT(claims(options, Math.floor(Date.now() / 1000))).encode();
}

function claims(options: TokenOptions, now: number): JWTPayload {
  const payload: JWTPayload = { iss: options.iss ?? TEST_ISSUER, aud: options.aud ?? TEST_AUDIENCE, iat: now };
  if (options.sub !== null) payload.sub = options.sub ?? 'alice';
  if (options.ttl !== null) payload.exp = now + (options.ttl ?? 3600);
  return payload;
}

/** The Authorization header of a token. */
export function bearer(token: string): { Authorization: string } {
  return { Authorization: `Bearer ${token}` };
}
