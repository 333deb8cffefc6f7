/*
 * Shared by index.js and window.js: the REST client, the socket.io
 * connection with its status indicator, and a live list of users.
 *
 * Names are data: they only ever reach the page through textContent, value
 * or new Option(text), never through innerHTML.
 *
 * A classic script (loaded with defer before the page script); it exposes
 * window.RealtimeCommon.
 */

(() => {
  'use strict';

  const USERS = '/api/users';
  const LIST_LIMIT = 500;

  /** The request never reached the server, or no answer came back (offline, server down). */
  class NetworkError extends Error {}

  /** The server answered with an error status; `body` is its JSON error ({statusCode, error, message}) when there is one. */
  class ApiError extends Error {
    constructor(status, body) {
      super(describeApiError(status, body));
      this.status = status;
      this.body = body;
    }
  }

  function describeApiError(status, body) {
    const message = body && body.message;
    if (Array.isArray(message)) return message.join('; ');
    if (typeof message === 'string' && message) return message;
    return `the server answered ${status}`;
  }

  /**
   * One JSON request to the API. Resolves with the parsed body (null for 204);
   * rejects with NetworkError or ApiError.
   */
  async function api(method, path, body, timeoutMs = 8000) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    const headers = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
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
      throw new NetworkError(String(error && error.message));
    } finally {
      clearTimeout(timer);
    }
    let data;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      data = null;
    }
    if (!response.ok) throw new ApiError(response.status, data);
    return data;
  }

  function isNetworkFailure(error) {
    return error instanceof NetworkError || (error instanceof ApiError && error.status >= 500);
  }

  /** A positive integer id from text, or null. */
  function parseId(text) {
    if (typeof text !== 'string' || !/^[1-9]\d{0,15}$/.test(text)) return null;
    const id = Number(text);
    return Number.isSafeInteger(id) ? id : null;
  }

  function isUser(value) {
    return (
      typeof value === 'object' &&
      value !== null &&
      Number.isSafeInteger(value.id) &&
      typeof value.first_name === 'string' &&
      typeof value.last_name === 'string' &&
      Number.isSafeInteger(value.version)
    );
  }

  /** "Ann Smith", or a placeholder when both names are empty. */
  function fullName(user) {
    const name = `${user.first_name} ${user.last_name}`.trim();
    return name || '(no name)';
  }

  /** Local time of an ISO timestamp: "10:32:05", with the date when it is not today. */
  function formatTime(iso) {
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) return '';
    const time = date.toLocaleTimeString([], { hour: 'numeric', minute: '2-digit', second: '2-digit' });
    if (date.toDateString() === new Date().toDateString()) return time;
    return `${date.toLocaleDateString([], { year: 'numeric', month: 'short', day: 'numeric' })} ${time}`;
  }

  /**
   * Opens the socket.io connection (websocket only, so no sticky sessions are
   * needed behind a load balancer) and keeps the indicator `statusEl` up to
   * date: "Connecting", "Connected", "Disconnected, reconnecting (attempt N)".
   * The first "Connected" waits for `loaded` (the page's first data), so a
   * person, or a test, who sees it can act on what is shown.
   */
  function connect(query, statusEl, loaded = Promise.resolve()) {
    if (typeof window.io !== 'function') {
      setConnectionStatus(statusEl, 'disconnected', 'Disconnected: the socket.io client did not load');
      return null;
    }
    const socket = window.io({
      transports: ['websocket'],
      query,
      reconnectionDelay: 500,
      reconnectionDelayMax: 2000,
    });
    let ready = false;
    const showConnected = () => {
      if (ready && socket.connected) setConnectionStatus(statusEl, 'connected', 'Connected');
    };
    loaded.then(
      () => ((ready = true), showConnected()),
      () => ((ready = true), showConnected()),
    );
    setConnectionStatus(statusEl, 'connecting', 'Connecting');
    socket.on('connect', showConnected);
    socket.on('disconnect', (reason) => {
      setConnectionStatus(statusEl, 'disconnected', 'Disconnected, reconnecting');
      // The server closed this socket on purpose; socket.io does not retry on its own then.
      if (reason === 'io server disconnect') socket.connect();
    });
    socket.on('connect_error', (error) => {
      if (socket.active) {
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
   * The indicator is a role="status" live region: screen readers hear
   * "Connected" / "Disconnected, reconnecting", but not every attempt count.
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

  /**
   * The users as this page knows them, kept live from user_update events.
   * A refresh (GET /api/users) merges with events that arrived while it was on
   * its way, so a create or delete is never lost to a slower, older listing.
   */
  class UserList {
    constructor(onChange) {
      this.users = new Map();
      this.onChange = onChange;
      this.epoch = 0;
      this.touched = new Map();
      /** Ids deleted while this page was open: a late update (e.g. a PATCH response) must not bring one back. */
      this.gone = new Set();
      this.loaded = false;
    }

    sorted() {
      return [...this.users.values()].sort((a, b) => a.id - b.id);
    }

    first() {
      return this.sorted()[0] ?? null;
    }

    get(id) {
      return this.users.get(id) ?? null;
    }

    /** Applies a user_update event (or a response the page got itself). */
    apply(action, user) {
      if (action === 'update' && this.gone.has(user.id)) return;
      if (action === 'create') this.gone.delete(user.id);
      this.epoch += 1;
      this.touched.set(user.id, { epoch: this.epoch, deleted: action === 'delete' });
      if (action === 'delete') {
        this.gone.add(user.id);
        if (!this.users.delete(user.id)) return;
      } else {
        const known = this.users.get(user.id);
        if (known && known.version >= user.version) return;
        this.users.set(user.id, user);
      }
      this.onChange();
    }

    async refresh() {
      const started = this.epoch;
      const fetched = await api('GET', `${USERS}?limit=${LIST_LIMIT}`);
      const next = new Map();
      for (const user of fetched) if (isUser(user)) next.set(user.id, user);
      for (const [id, touch] of this.touched) {
        if (touch.epoch <= started) continue;
        if (touch.deleted) next.delete(id);
        else {
          const mine = this.users.get(id);
          const theirs = next.get(id);
          if (mine && (!theirs || theirs.version < mine.version)) next.set(id, mine);
        }
      }
      for (const [id, user] of this.users) {
        const theirs = next.get(id);
        if (theirs && theirs.version < user.version) next.set(id, user);
      }
      this.users = next;
      for (const id of this.gone) if (next.has(id)) this.gone.delete(id);
      for (const [id, touch] of this.touched) if (touch.epoch <= started) this.touched.delete(id);
      this.loaded = true;
      this.onChange();
    }
  }

  window.RealtimeCommon = {
    USERS,
    LIST_LIMIT,
    NetworkError,
    ApiError,
    api,
    isNetworkFailure,
    parseId,
    isUser,
    fullName,
    formatTime,
    connect,
    UserList,
  };
})();
