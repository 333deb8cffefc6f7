// @ts-check
import { describe, expect, it } from '@jest/globals';
import { readChallenge, readSocketRefusal } from '../../static/auth.js';

describe('what the server asks of the windows', () => {
  it('reads a Bearer challenge: none, refused or expired', () => {
    expect(readChallenge(null)).toBeNull();
    expect(readChallenge('Basic realm="x"')).toBeNull();
    expect(readChallenge('Bearer realm="realtime-users"')).toEqual({ reason: 'required' });
    expect(
      readChallenge(
        'Bearer realm="realtime-users", error="invalid_token", error_description="the token\'s aud claim is not accepted"',
      ),
    ).toEqual({ reason: 'refused', detail: "the token's aud claim is not accepted" });
    expect(
      readChallenge(
        'Bearer realm="realtime-users", error="invalid_token", error_description="the token expired at 2026-11-26T10:00:00.000Z"',
      ),
    ).toEqual({ reason: 'expired', detail: 'the token expired at 2026-11-26T10:00:00.000Z' });
  });

  it("reads a refused handshake's data", () => {
    expect(readSocketRefusal(undefined)).toBeNull();
    expect(readSocketRefusal({ code: 'auth_unavailable' })).toBeNull();
    expect(readSocketRefusal({ code: 'auth_required' })).toEqual({ reason: 'required' });
    expect(readSocketRefusal({ code: 'invalid_token', description: 'the token expired at x' })).toEqual({
      reason: 'expired',
      detail: 'the token expired at x',
    });
  });
});
