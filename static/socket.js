// @ts-check
/*
 * The socket.io connection and its indicator ("Connecting", "Connected",
 * "Disconnected, reconnecting (attempt N)").
 *
 * The client is the ES module build the socket.io server serves itself
 * (/socket.io/socket.io.esm.min.js, always the server's own version), loaded
 * with import() so that a page whose socket.io client cannot load still shows
 * its data over REST and says why it is not live.
 *
 * Each handshake carries the token the tab signed in with (auth.js) as
 * `auth.token`; a server that requires one refuses the handshake without it,
 * and the page asks for one, connecting once it has it.
 */
import { askForToken, authToken, onSignIn, readSocketRefusal } from './auth.js';

/** @typedef {import('./wire.js').AppSocket} AppSocket */
/** @typedef {typeof import('socket.io-client').io} SocketIoClient */
/** @typedef {'connecting' | 'connected' | 'disconnected'} ConnectionState */

const CLIENT_URL = '/socket.io/socket.io.esm.min.js';

/** @returns {Promise<SocketIoClient | null>} */
async function loadClient() {
  try {
    const module = /** @type {{ io?: SocketIoClient }} */ (await import(CLIENT_URL));
    return typeof module.io === 'function' ? module.io : null;
  } catch {
    return null;
  }
}

/**
 * Opens the connection (websocket only, so no sticky sessions are needed
 * behind a load balancer) and keeps the indicator `statusEl` up to date. The
 * first "Connected" waits for `loaded` (the page's first data), so a person,
 * or a test, who sees it can act on what is shown. Resolves with null when
 * the client could not load.
 * @param {Record<string, string>} query The handshake query, e.g. { user_id: '3' }.
 * @param {HTMLElement} statusEl
 * @param {Promise<unknown>} [loaded]
 * @returns {Promise<AppSocket | null>}
 */
export async function connect(query, statusEl, loaded = Promise.resolve()) {
  setConnectionStatus(statusEl, 'connecting', 'Connecting');
  const io = await loadClient();
  if (!io) {
    setConnectionStatus(statusEl, 'disconnected', 'Disconnected: the socket.io client did not load');
    return null;
  }
  /** @type {AppSocket} */
  const socket = io({
    transports: ['websocket'],
    query,
    // Read at every attempt, so a reconnect after signing in carries the new token.
    auth: (send) => send({ token: authToken() ?? '' }),
    reconnectionDelay: 500,
    reconnectionDelayMax: 2000,
  });
  let ready = false;
  const showConnected = () => {
    if (ready && socket.connected) setConnectionStatus(statusEl, 'connected', 'Connected');
  };
  const settle = () => {
    ready = true;
    showConnected();
  };
  loaded.then(settle, settle);
  /** The server closed the socket because its token expired: wait for a new one instead of retrying. */
  let expired = false;
  socket.on('connect', showConnected);
  socket.on('auth_expired', () => {
    expired = true;
    askForToken('expired');
  });
  socket.on('disconnect', (reason) => {
    if (expired) {
      setConnectionStatus(statusEl, 'disconnected', 'Disconnected: sign in again to reconnect');
      return;
    }
    setConnectionStatus(statusEl, 'disconnected', 'Disconnected, reconnecting');
    // The server closed this socket on purpose; socket.io does not retry on its own then.
    if (reason === 'io server disconnect') socket.connect();
  });
  onSignIn(() => {
    expired = false;
    if (!socket.connected) socket.connect();
  });
  socket.on('connect_error', (error) => {
    const refusal = readSocketRefusal(/** @type {Error & { data?: unknown }} */ (error).data);
    if (refusal) {
      // Refused for its token: retrying with the same one would not help.
      askForToken(refusal.reason, refusal.detail);
      setConnectionStatus(statusEl, 'disconnected', 'Disconnected: sign in to connect');
    } else if (socket.active) {
      if (statusEl.dataset.state !== 'disconnected') setConnectionStatus(statusEl, 'disconnected', 'Disconnected, reconnecting');
    } else {
      // Refused by the server (e.g. a bad handshake): retrying would not help.
      setConnectionStatus(statusEl, 'disconnected', `Disconnected: ${error.message}`);
    }
  });
  socket.io.on('reconnect_attempt', (attempt) =>
    setConnectionStatus(statusEl, 'disconnected', 'Disconnected, reconnecting', ` (attempt ${attempt})`),
  );
  return socket;
}

/**
 * The handshake query of later reconnects (the current connection is not affected).
 * @param {AppSocket} socket
 * @param {Record<string, string>} query
 */
export function setReconnectQuery(socket, query) {
  socket.io.opts.query = query;
}

/**
 * The indicator is a role="status" live region: screen readers hear
 * "Connected" / "Disconnected, reconnecting", but not every attempt count.
 * @param {HTMLElement} statusEl
 * @param {ConnectionState} state
 * @param {string} text
 * @param {string} [detail] Shown, but hidden from screen readers.
 */
function setConnectionStatus(statusEl, state, text, detail = '') {
  statusEl.dataset.state = state;
  if (!detail) {
    statusEl.textContent = text;
    return;
  }
  const quiet = document.createElement('span');
  quiet.setAttribute('aria-hidden', 'true');
  quiet.textContent = detail;
  statusEl.replaceChildren(text, quiet);
}
