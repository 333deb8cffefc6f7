import type { EnvironmentVariables } from '../../config';

/** The authentication settings in the form the verifier uses them. */
export interface AuthSettings {
  /** AUTH_JWT_SECRET or AUTH_JWKS_URL is set. */
  enabled: boolean;
  protectReads: boolean;
  /** The HS256 key: the secret's UTF-8 bytes, as most libraries that sign with a string secret use it. */
  secret?: Uint8Array;
  jwksUrl?: URL;
  jwksCooldownMs: number;
  issuer?: string;
  audience?: string;
}

export type AuthEnvironment = Pick<
  EnvironmentVariables,
  'AUTH_JWT_SECRET' | 'AUTH_JWKS_URL' | 'AUTH_JWKS_COOLDOWN_MS' | 'AUTH_ISSUER' | 'AUTH_AUDIENCE' | 'AUTH_PROTECT_READS'
>;

export function authSettingsOf(env: AuthEnvironment): AuthSettings {
  const secret = env.AUTH_JWT_SECRET ? new TextEncoder().encode(env.AUTH_JWT_SECRET) : undefined;
  const jwksUrl = env.AUTH_JWKS_URL ? new URL(env.AUTH_JWKS_URL) : undefined;
  return {
    enabled: secret !== undefined || jwksUrl !== undefined,
    protectReads: env.AUTH_PROTECT_READS,
    secret,
    jwksUrl,
    jwksCooldownMs: env.AUTH_JWKS_COOLDOWN_MS,
    issuer: env.AUTH_ISSUER,
    audience: env.AUTH_AUDIENCE,
  };
}
