/**
 * Why a request's token was not accepted, from the middleware that checked
 * it to the guard that answers: a bad token (401) or none could be checked (503).
 */
export type TokenFailure = { kind: 'rejected'; description: string } | { kind: 'unavailable'; message: string };

const failures = new WeakMap<object, TokenFailure>();

export function setTokenFailure(request: object, failure: TokenFailure): void {
  failures.set(request, failure);
}

export function tokenFailureOf(request: object): TokenFailure | undefined {
  return failures.get(request);
}
