/**
 * Who a request or a socket acts for, once its bearer token has been verified.
 * Authentication attaches it before any guard runs, so rate limiting, change
 * records and events can all read the same subject without knowing how the
 * token was checked.
 */
export interface Principal {
  /** The token's `sub`: "who made it" in change records and events. */
  subject: string;
  /** When the token stops being valid (epoch milliseconds), when it says so. */
  expiresAt?: number;
}

// Keyed by the request or socket object itself, so nothing leaks onto the wire or outlives it.
const principals = new WeakMap<object, Principal>();

export function setPrincipal(carrier: object, principal: Principal): void {
  principals.set(carrier, principal);
}

/** The verified principal of a request or socket; undefined when it sent no (valid) token. */
export function principalOf(carrier: object): Principal | undefined {
  return principals.get(carrier);
}
