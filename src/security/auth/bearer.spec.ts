import { bearerChallenge, bearerTokenOf } from './bearer';

describe('bearerTokenOf', () => {
  it('reads the token of a Bearer header, whatever the case of the scheme', () => {
    expect(bearerTokenOf({ authorization: 'Bearer abc.def.ghi' })).toBe('abc.def.ghi');
    expect(bearerTokenOf({ authorization: 'bearer   abc.def.ghi ' })).toBe('abc.def.ghi');
  });

  it('tells no credentials (no header, another scheme) from a Bearer header without a token', () => {
    expect(bearerTokenOf({})).toBeUndefined();
    expect(bearerTokenOf({ authorization: 'Basic YTpi' })).toBeUndefined();
    expect(bearerTokenOf({ authorization: 'Bearerx abc' })).toBeUndefined();
    expect(bearerTokenOf({ authorization: 'Bearer' })).toBe('');
    expect(bearerTokenOf({ authorization: 'Bearer   ' })).toBe('');
  });
});

describe('bearerChallenge', () => {
  it('names no error without a token (RFC 6750 3.1)', () => {
    expect(bearerChallenge()).toBe('Bearer realm="realtime-users"');
  });

  it('names invalid_token and a description that stays a valid quoted string', () => {
    expect(bearerChallenge('the "token" \\ expired\r\nSet-Cookie: x')).toBe(
      `Bearer realm="realtime-users", error="invalid_token", error_description="the 'token' ' expired''Set-Cookie: x"`,
    );
  });
});
