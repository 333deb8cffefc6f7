import { ConfigService } from '@nestjs/config';
import { SignJWT, UnsecuredJWT } from 'jose';
import { validateEnvironment } from '../../config';
import { mintToken } from './mint-token';
import { TokenRejected } from './token-errors';
import { TokenVerifier } from './token-verifier';

const SECRET = 'unit-spec-secret-0123456789abcdefghij';

function verifier(raw: Record<string, string> = {}): TokenVerifier {
  const env = validateEnvironment({ AUTH_JWT_SECRET: SECRET, AUTH_ISSUER: 'issuer', AUTH_AUDIENCE: 'audience', ...raw });
  return new TokenVerifier(new ConfigService({ ...env }));
}

function sign(claims: Record<string, unknown>, secret = SECRET): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(secret));
}

const later = (): number => Math.floor(Date.now() / 1000) + 60;

describe('TokenVerifier', () => {
  it('is off without a secret or a key set, on with either', () => {
    expect(new TokenVerifier(new ConfigService({ ...validateEnvironment({}) })).enabled).toBe(false);
    expect(verifier().enabled).toBe(true);
  });

  it('accepts a token minted with the settings, and yields its subject and expiry', async () => {
    const tokens = verifier();
    const token = await mintToken(tokens.settings, { subject: 'alice', ttl: 120 });
    const principal = await tokens.verify(token);
    expect(principal.subject).toBe('alice');
    expect(principal.expiresAt).toBeGreaterThan(Date.now() + 100_000);
  });

  it.each<[string, () => Promise<string> | string, RegExp]>([
    ['another secret', () => sign({ sub: 'a', exp: later(), iss: 'issuer', aud: 'audience' }, `${SECRET}!`), /signature/],
    ['alg none', () => new UnsecuredJWT({ sub: 'a', exp: later(), iss: 'issuer', aud: 'audience' }).encode(), /algorithm/],
    ['another issuer', () => sign({ sub: 'a', exp: later(), iss: 'other', aud: 'audience' }), /iss claim/],
    ['a control character in sub', () => sign({ sub: 'a\nb', exp: later(), iss: 'issuer', aud: 'audience' }), /sub claim/],
  ])('refuses %s with a description', async (_what, token, description) => {
    const rejection = verifier().verify(await token());
    await expect(rejection).rejects.toBeInstanceOf(TokenRejected);
    await expect(rejection).rejects.toThrow(description);
  });
});
