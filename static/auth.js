// @ts-check
/*
 * Signing in, for a server that requires a bearer token (AUTH_JWT_SECRET or
 * AUTH_JWKS_URL is set). Nothing here runs until the server asks: a 401 whose
 * WWW-Authenticate names Bearer, a socket refused at the handshake
 * (connect_error data.code auth_required / invalid_token), or `auth_expired`.
 * Then a small sign-in box asks for a token, which is kept in sessionStorage
 * (this tab, until it closes), sent as `Authorization: Bearer` on API calls
 * and as `auth.token` on the socket. A refused or expired token is forgotten
 * and the box says why. With authentication off the server never asks, and
 * the page is as it was.
 */

/** @typedef {'required' | 'refused' | 'expired'} SignInReason */

const STORAGE_KEY = 'realtime-users.token';

const REASON_TEXT = {
  required: 'This server needs an access token to show and save changes live.',
  refused: 'The server refused that token',
  expired: 'Your token expired. Paste a new one to go on.',
};

/** @type {Set<() => void>} */
const signInListeners = new Set();

/** @type {{ section: HTMLElement, reason: HTMLElement, input: HTMLInputElement } | null} */
let box = null;

/** The token this tab signed in with, or null. */
export function authToken() {
  try {
    return sessionStorage.getItem(STORAGE_KEY);
  } catch {
    // Storage refused (a privacy mode): the person signs in again after a reload.
    return memoryToken;
  }
}

/** @type {string | null} */
let memoryToken = null;

/** @param {string | null} token */
function storeToken(token) {
  memoryToken = token;
  try {
    if (token === null) sessionStorage.removeItem(STORAGE_KEY);
    else sessionStorage.setItem(STORAGE_KEY, token);
  } catch {
    // Kept in memory only.
  }
}

/**
 * Who the stored token names (its `sub`), for display only: the server
 * checks the token, the page just reads it.
 * @returns {string | null}
 */
export function signedInAs() {
  const token = authToken();
  const payload = token?.split('.')[1];
  if (!payload) return null;
  try {
    const json = atob(
      payload
        .replace(/-/g, '+')
        .replace(/_/g, '/')
        .padEnd(Math.ceil(payload.length / 4) * 4, '='),
    );
    const sub = /** @type {{ sub?: unknown }} */ (JSON.parse(json)).sub;
    return typeof sub === 'string' ? sub : null;
  } catch {
    return null;
  }
}

/**
 * Runs after the person signs in: reconnect, send what waited.
 * @param {() => void} listener
 */
export function onSignIn(listener) {
  signInListeners.add(listener);
}

/**
 * The server wants a (new) token: forget a refused one and show the box.
 * @param {SignInReason} reason
 * @param {string} [detail] The server's description of what was wrong with the token.
 */
export function askForToken(reason, detail) {
  if (reason !== 'required') storeToken(null);
  const ui = box ?? (box = buildBox());
  const text = reason === 'refused' ? `${REASON_TEXT.refused}${detail ? `: ${detail}` : ''}.` : REASON_TEXT[reason];
  ui.section.dataset.reason = reason;
  ui.reason.textContent = text;
  const wasHidden = ui.section.hidden;
  ui.section.hidden = false;
  if (wasHidden || reason !== 'required') ui.input.focus();
}

/**
 * What a 401's WWW-Authenticate header asks for, or null when it is no Bearer challenge.
 * @param {string | null} header
 * @returns {{ reason: SignInReason, detail?: string } | null}
 */
export function readChallenge(header) {
  if (!header || !/^\s*Bearer\b/i.test(header)) return null;
  const error = /error="([^"]*)"/.exec(header)?.[1];
  const detail = /error_description="([^"]*)"/.exec(header)?.[1];
  if (error !== 'invalid_token') return { reason: 'required' };
  return { reason: detail && /expired/.test(detail) ? 'expired' : 'refused', detail };
}

/**
 * The reason a socket handshake was refused for, from connect_error's `data`; null: not about the token.
 * @param {unknown} data
 * @returns {{ reason: SignInReason, detail?: string } | null}
 */
export function readSocketRefusal(data) {
  if (typeof data !== 'object' || data === null) return null;
  const { code, description } = /** @type {{ code?: unknown, description?: unknown }} */ (data);
  const detail = typeof description === 'string' ? description : undefined;
  if (code === 'auth_required') return { reason: 'required' };
  if (code === 'invalid_token') return { reason: detail && /expired/.test(detail) ? 'expired' : 'refused', detail };
  return null;
}

/** The sign-in box, made once, placed after the top bar. */
function buildBox() {
  const section = document.createElement('section');
  section.className = 'card sign-in';
  section.id = 'sign-in';
  section.setAttribute('aria-labelledby', 'sign-in-heading');
  const heading = document.createElement('h2');
  heading.id = 'sign-in-heading';
  heading.textContent = 'Sign in';
  const reason = document.createElement('p');
  reason.id = 'sign-in-reason';
  reason.className = 'sign-in-reason';
  reason.setAttribute('role', 'alert');
  const form = document.createElement('form');
  form.className = 'sign-in-form';
  const label = document.createElement('label');
  label.htmlFor = 'sign-in-token';
  label.textContent = 'Access token';
  const input = document.createElement('input');
  input.id = 'sign-in-token';
  input.type = 'password';
  input.autocomplete = 'off';
  input.spellcheck = false;
  input.required = true;
  input.setAttribute('aria-describedby', 'sign-in-reason sign-in-hint');
  const hint = document.createElement('p');
  hint.id = 'sign-in-hint';
  hint.className = 'hint';
  hint.textContent =
    'Paste a bearer token from your identity provider (for the demo: npm run token -- --sub yourname). It is kept in this tab until you close it.';
  const submit = document.createElement('button');
  submit.type = 'submit';
  submit.className = 'button button-primary';
  submit.textContent = 'Sign in';
  form.append(label, input, hint, submit);
  section.append(heading, reason, form);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const token = input.value.trim().replace(/^Bearer\s+/i, '');
    if (!token) return;
    storeToken(token);
    input.value = '';
    section.hidden = true;
    for (const listener of signInListeners) listener();
  });
  const topbar = document.querySelector('.topbar');
  if (topbar) topbar.after(section);
  else document.body.prepend(section);
  return { section, reason, input };
}
