// @ts-check
/*
 * The REST client: one JSON request at a time, with typed calls for the users
 * API. Every failure is one of two kinds: NetworkError (no answer: offline,
 * server down, timeout) or ApiError (the server answered with an error status).
 */
import { askForToken, authToken, readChallenge } from './auth.js';
import { isUser } from './user.js';

/** @typedef {import('./wire.js').UserResponse} UserResponse */
/** @typedef {import('./wire.js').UserNames} UserNames */
/** @typedef {import('./wire.js').UserChangeResponse} UserChangeResponse */

const USERS = '/api/users';
const TIMEOUT_MS = 8000;

/** @type {string | null} Who this page's writes are made by (X-Changed-By), e.g. "Window 1". */
let changedBy = null;

/**
 * Names this page in every write it makes, so the change history and the
 * other windows say who made each change.
 * @param {string | null} label
 */
export function setChangedBy(label) {
  changedBy = label;
}

/** The request never reached the server, or no answer came back (offline, server down). */
export class NetworkError extends Error {}

/** The server answered with an error status; `body` is its JSON error ({statusCode, error, message}) when there is one. */
export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {unknown} body
   */
  constructor(status, body) {
    super(describeApiError(status, body));
    this.status = status;
    this.body = body;
  }
}

/**
 * @param {number} status
 * @param {unknown} body
 */
function describeApiError(status, body) {
  const message = typeof body === 'object' && body !== null ? /** @type {{ message?: unknown }} */ (body).message : undefined;
  if (Array.isArray(message)) return message.join('; ');
  if (typeof message === 'string' && message) return message;
  return `the server answered ${status}`;
}

/**
 * One JSON request. Resolves with the parsed body (null for 204); rejects
 * with NetworkError or ApiError.
 * @param {string} method
 * @param {string} path
 * @param {unknown} [body]
 * @returns {Promise<unknown>}
 */
export async function request(method, path, body) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
  /** @type {Record<string, string>} */
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && changedBy !== null) headers['X-Changed-By'] = changedBy;
  const token = authToken();
  if (token !== null) headers.Authorization = `Bearer ${token}`;
  let response;
  let text;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
      signal: controller.signal,
    });
    text = await response.text();
  } catch (error) {
    throw new NetworkError(error instanceof Error ? error.message : String(error));
  } finally {
    clearTimeout(timer);
  }
  /** @type {unknown} */
  let data;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (response.status === 401) {
    const challenge = readChallenge(response.headers.get('WWW-Authenticate'));
    if (challenge) askForToken(challenge.reason, challenge.detail);
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

/**
 * No answer, or a server error: worth trying again later. So is a 401: the
 * window asks for a token meanwhile, and what waited is sent once signed in.
 * @param {unknown} error
 */
export function isNetworkFailure(error) {
  return error instanceof NetworkError || (error instanceof ApiError && (error.status >= 500 || error.status === 401));
}

/**
 * @param {unknown} error
 */
export function isNotFound(error) {
  return error instanceof ApiError && error.status === 404;
}

/**
 * A 2xx answer that should be a user.
 * @param {unknown} data
 * @returns {UserResponse}
 */
function expectUser(data) {
  if (!isUser(data)) throw new Error('the server did not answer with a user');
  return data;
}

/**
 * GET /api/users?limit=N: the first N users by id (malformed entries skipped).
 * @param {number} limit
 * @returns {Promise<UserResponse[]>}
 */
export async function listUsers(limit) {
  const data = await request('GET', `${USERS}?limit=${limit}`);
  return Array.isArray(data) ? data.filter(isUser) : [];
}

/**
 * @param {number} id
 * @returns {Promise<UserResponse>}
 */
export async function getUser(id) {
  return expectUser(await request('GET', `${USERS}/${id}`));
}

/**
 * @param {UserNames} names
 * @returns {Promise<UserResponse>}
 */
export async function createUser(names) {
  return expectUser(await request('POST', USERS, names));
}

/**
 * Changes only the names given.
 * @param {number} id
 * @param {Partial<UserNames>} names
 * @returns {Promise<UserResponse>}
 */
export async function patchUser(id, names) {
  return expectUser(await request('PATCH', `${USERS}/${id}`, names));
}

/**
 * GET /api/users/:id/history?limit=N: the user's newest changes first.
 * @param {number} id
 * @param {number} limit
 * @returns {Promise<UserChangeResponse[]>}
 */
export async function getHistory(id, limit) {
  const data = await request('GET', `${USERS}/${id}/history?limit=${limit}`);
  return Array.isArray(data) ? data.filter(isChange) : [];
}

/**
 * @param {unknown} value
 * @returns {value is UserChangeResponse}
 */
function isChange(value) {
  if (typeof value !== 'object' || value === null) return false;
  const change = /** @type {Partial<UserChangeResponse>} */ (value);
  return (
    Number.isSafeInteger(change.seq) &&
    Number.isSafeInteger(change.version) &&
    typeof change.changes === 'object' &&
    change.changes !== null
  );
}

/**
 * @param {number} id
 * @returns {Promise<void>}
 */
export async function deleteUser(id) {
  await request('DELETE', `${USERS}/${id}`);
}
