import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { createRemoteJWKSet, errors, jwtVerify } from 'jose';
import type { CryptoKey, JWSHeaderParameters, JWTPayload, FlattenedJWSInput, KeyObject } from 'jose';
import type { EnvironmentVariables } from '../../config';
import type { Principal } from '../principal';
import { AuthSettings, authSettingsOf } from './auth.settings';
import { TokenCheckUnavailable, TokenRejected } from './token-errors';

/** The change record's `changed_by` column holds 100 characters. */
export const SUBJECT_MAX_LENGTH = 100;
// eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

const HMAC_ALGORITHMS = ['HS256'];
const KEY_SET_ALGORITHMS = ['RS256', 'ES256'];

type Key = CryptoKey | KeyObject | Uint8Array;
type KeyResolver = (header: JWSHeaderParameters, token: FlattenedJWSInput) => Promise<Key>;

/**
 * Checks bearer JWTs with jose: HS256 against AUTH_JWT_SECRET, RS256/ES256
 * against the key set at AUTH_JWKS_URL (cached by jose, fetched again when a
 * token names a key id it does not hold, at most once per
 * AUTH_JWKS_COOLDOWN_MS), with AUTH_ISSUER and AUTH_AUDIENCE when set. The
 * algorithms are pinned per key kind, so `alg: none` and an RS256 public key
 * passed off as an HS256 secret are both refused.
 */
@Injectable()
export class TokenVerifier {
  readonly settings: AuthSettings;
  private readonly algorithms: string[];
  private readonly keyFor: KeyResolver;
  private readonly logger = new Logger('Auth');
  private keySetFailing = false;

  constructor(config: ConfigService<EnvironmentVariables, true>) {
    this.settings = authSettingsOf({
      AUTH_JWT_SECRET: config.get('AUTH_JWT_SECRET', { infer: true }),
      AUTH_JWKS_URL: config.get('AUTH_JWKS_URL', { infer: true }),
      AUTH_JWKS_COOLDOWN_MS: config.get('AUTH_JWKS_COOLDOWN_MS', { infer: true }),
      AUTH_ISSUER: config.get('AUTH_ISSUER', { infer: true }),
      AUTH_AUDIENCE: config.get('AUTH_AUDIENCE', { infer: true }),
      AUTH_PROTECT_READS: config.get('AUTH_PROTECT_READS', { infer: true }),
    });
    const { secret, jwksUrl } = this.settings;
    this.algorithms = [...(secret ? HMAC_ALGORITHMS : []), ...(jwksUrl ? KEY_SET_ALGORITHMS : [])];
    const keySet = jwksUrl ? createRemoteJWKSet(jwksUrl, { cooldownDuration: this.settings.jwksCooldownMs }) : undefined;
    this.keyFor = async (header, token) => {
      if (header.alg === 'HS256' && secret) return secret;
      if (!keySet) throw new TokenRejected('the token is not signed with an accepted algorithm');
      return this.fromKeySet(() => keySet(header, token));
    };
    if (this.settings.enabled) {
      const keys = [
        secret ? 'HS256 with AUTH_JWT_SECRET' : '',
        jwksUrl ? `RS256/ES256 with the key set at ${jwksUrl.origin}` : '',
      ];
      const reads = this.settings.protectReads ? 'reads need one too' : 'reads are open';
      this.logger.log(`bearer tokens required for writes and sockets (${keys.filter(Boolean).join(', ')}); ${reads}`);
    }
    if (jwksUrl && !this.settings.audience) {
      this.logger.warn(
        'AUTH_JWKS_URL is set without AUTH_AUDIENCE: tokens the identity provider issued for any application are accepted',
      );
    }
  }

  get enabled(): boolean {
    return this.settings.enabled;
  }

  /** The principal of a valid token; throws TokenRejected (a bad token) or TokenCheckUnavailable. */
  async verify(token: string): Promise<Principal> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.keyFor, {
        algorithms: this.algorithms,
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        requiredClaims: ['sub', 'exp'],
      }));
    } catch (error) {
      throw describeFailure(error);
    }
    const subject = payload.sub ?? '';
    if (subject.length === 0 || subject.length > SUBJECT_MAX_LENGTH || CONTROL.test(subject)) {
      throw new TokenRejected(
        `the token's sub claim must be 1 to ${SUBJECT_MAX_LENGTH} characters, none of them a control character`,
      );
    }
    return { subject, expiresAt: (payload.exp as number) * 1000 };
  }

  private async fromKeySet(fetchKey: () => Promise<Key>): Promise<Key> {
    try {
      const key = await fetchKey();
      if (this.keySetFailing) this.logger.log('the key set at AUTH_JWKS_URL answers again');
      this.keySetFailing = false;
      return key;
    } catch (error) {
      if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) throw error;
      // Said once per outage: every request while it lasts fails the same way.
      if (!this.keySetFailing) this.logger.warn(`cannot fetch the key set at AUTH_JWKS_URL: ${(error as Error).message}`);
      this.keySetFailing = true;
      throw new TokenCheckUnavailable("tokens cannot be checked right now: the identity provider's keys could not be fetched");
    }
  }
}

/** What the client is told about a token jose refused (never jose's own wording, which may change). */
function describeFailure(error: unknown): Error {
  if (error instanceof TokenRejected || error instanceof TokenCheckUnavailable) return error;
  if (error instanceof errors.JWTExpired) {
    const exp = error.payload.exp;
    return new TokenRejected(
      typeof exp === 'number' ? `the token expired at ${new Date(exp * 1000).toISOString()}` : 'the token expired',
    );
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    return new TokenRejected(
      error.reason === 'missing' ? `the token has no ${error.claim} claim` : `the token's ${error.claim} claim is not accepted`,
    );
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return new TokenRejected('the token is not signed with an accepted algorithm');
  if (error instanceof errors.JWSSignatureVerificationFailed) return new TokenRejected("the token's signature does not verify");
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
    return new TokenRejected("no key of the identity provider matches the token's key id");
  }
  return new TokenRejected('the token is malformed');
}
