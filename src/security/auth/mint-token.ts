import { SignJWT } from 'jose';
import type { AuthSettings } from './auth.settings';

export interface MintOptions {
  subject: string;
  /** How long the token is valid: seconds, or a span such as "30m", "8h", "2 days". */
  ttl: string | number;
}

/** An HS256 token signed with AUTH_JWT_SECRET, naming AUTH_ISSUER and AUTH_AUDIENCE when they are set: for demos and tests. */
export async function mintToken(settings: AuthSettings, options: MintOptions): Promise<string> {
  if (!settings.secret) throw new Error('AUTH_JWT_SECRET is not set: there is no secret to sign a token with');
  const jwt = new SignJWT({})
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(options.subject)
    .setIssuedAt()
    .setExpirationTime(typeof options.ttl === 'number' ? Math.floor(Date.now() / 1000) + options.ttl : options.ttl);
  if (settings.issuer) jwt.setIssuer(settings.issuer);
  if (settings.audience) jwt.setAudience(settings.audience);
  return jwt.sign(settings.secret);
}
