import type { IncomingHttpHeaders } from 'node:http';

/** The realm every challenge names. */
const REALM = 'realtime-users';

/**
 * The token of an `Authorization: Bearer <token>` header (RFC 6750 2.1);
 * undefined when the request carries no bearer credentials (no header, or
 * another scheme); '' when it says Bearer but gives no token.
 */
export function bearerTokenOf(headers: IncomingHttpHeaders): string | undefined {
  const header = headers.authorization;
  if (header === undefined) return undefined;
  const match = /^Bearer(?:\s+(.*))?$/i.exec(header.trim());
  return match ? (match[1] ?? '').trim() : undefined;
}

/**
 * The WWW-Authenticate challenge of a 401 (RFC 6750 3): no error code when no
 * token came, `invalid_token` with a description when a bad one did.
 */
export function bearerChallenge(invalidToken?: string): string {
  const parts = [`Bearer realm="${REALM}"`];
  if (invalidToken !== undefined) parts.push('error="invalid_token"', `error_description="${quotable(invalidToken)}"`);
  return parts.join(', ');
}

/** error_description allows printable ASCII but `"` and `\` (RFC 6750 3). */
function quotable(text: string): string {
  return text.replace(/[^\x20-\x21\x23-\x5b\x5d-\x7e]/g, "'");
}
