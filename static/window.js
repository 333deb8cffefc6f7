/*
 * Window 1 and Window 2. Each edits one field of a user (data-editable on
 * <body>) and shows the other one read-only, live.
 *
 * Rules (see docs/windows.md):
 * - Typing sends PATCH {<editable field>} after a short pause (and at least
 *   every MAX_WAIT_MS while typing goes on), one request at a time, in order.
 * - While this window has edits of its field that are not yet confirmed
 *   (pending timer, queued, in flight), incoming values of that field are
 *   ignored: the person's typing is never replaced by an echo of an older value.
 *   The read-only field always follows.
 * - Every user carries a version: anything not newer than what is shown is
 *   dropped; a jump of more than one means an event was missed, so the user is
 *   fetched again. So is it after every (re)connect.
 * - An edit that cannot be sent (offline, server down) stays queued and goes
 *   out when the connection returns.
 */
(() => {
  'use strict';

  const {
    api,
    ApiError,
    connect,
    formatTime,
    fullName,
    isNetworkFailure,
    isUser,
    parseId,
    UserList,
    USERS,
  } = window.RealtimeCommon;

  const DEBOUNCE_MS = 250;
  const MAX_WAIT_MS = 700;
  const ANNOUNCE_AFTER_MS = 400;
  const RETRY_MS = [1000, 2000, 3000, 5000];
  const FIELD_LABELS = { first_name: 'First name', last_name: 'Last name' };

  const body = document.body;
  const WINDOW_NAME = body.dataset.windowName;
  const EDITABLE = body.dataset.editable;
  const READONLY = EDITABLE === 'first_name' ? 'last_name' : 'first_name';

  const $ = (id) => document.getElementById(id);
  const ui = {
    connection: $('connection'),
    presence: $('presence'),
    notice: $('notice'),
    heading: $('person-heading'),
    meta: $('person-meta'),
    inputs: { first_name: $('first-name'), last_name: $('last-name') },
    saveStatus: $('save-status'),
    lastChange: $('last-change'),
    select: $('user-select'),
    deleteButton: $('delete-user'),
    deleteConfirm: $('delete-confirm'),
    deleteQuestion: $('delete-question'),
    deleteYes: $('delete-yes'),
    deleteNo: $('delete-no'),
    create: $('create'),
    createForm: $('create-form'),
    newGiven: $('new-given'),
    newFamily: $('new-family'),
    otherWindow: $('other-window'),
    announcer: $('announcer'),
  };
  const editInput = ui.inputs[EDITABLE];
  const readInput = ui.inputs[READONLY];

  const state = {
    /** The user this window shows (null: none, e.g. a bad ?user=). */
    userId: null,
    /** That user as last confirmed by the server: the shown version. */
    shown: null,
    /** version -> window label, from change_origin, for the current user. */
    origins: new Map(),
    /** What the "last change" line describes. */
    lastChange: null,
    /** Users this window is deleting itself (so the delete event is not "someone else"). */
    deleting: new Set(),
    /** The id currentUserGone() is handling, so the delete event and the DELETE response act once. */
    goneHandled: null,
  };

  const list = new UserList(renderPicker);
  let socket = null;

  /* ---------------------------------------------------------------- editing */

  /** Unsent values of the editable field, by user id, oldest first. */
  const outbox = new Map();
  let inFlight = null;
  let debounceTimer = null;
  let firstUnsentAt = 0;
  let offline = false;
  let retryTimer = null;
  let retryCount = 0;
  let saveError = '';
  let savedOnce = false;

  function hasLocalEdits() {
    return (
      debounceTimer !== null ||
      outbox.has(state.userId) ||
      (inFlight !== null && inFlight.userId === state.userId)
    );
  }

  function onEditInput() {
    if (state.userId === null || !state.shown) return;
    const now = Date.now();
    if (debounceTimer === null) firstUnsentAt = now;
    clearTimeout(debounceTimer);
    const wait = Math.max(0, Math.min(DEBOUNCE_MS, firstUnsentAt + MAX_WAIT_MS - now));
    debounceTimer = setTimeout(flushEdit, wait);
    saveError = '';
    renderSaveStatus();
  }

  /** Moves the typed value into the outbox now (after the pause, on blur, before switching user). */
  function flushEdit() {
    if (debounceTimer === null) return;
    clearTimeout(debounceTimer);
    debounceTimer = null;
    if (state.userId !== null) outbox.set(state.userId, editInput.value);
    void pump();
  }

  /** Sends queued edits one at a time, so they reach the server in the order typed. */
  async function pump() {
    if (inFlight || retryTimer !== null) return;
    const next = outbox.entries().next();
    if (next.done) {
      renderSaveStatus();
      return;
    }
    const [userId, value] = next.value;
    outbox.delete(userId);
    inFlight = { userId, value };
    renderSaveStatus();
    try {
      const user = await api('PATCH', `${USERS}/${userId}`, { [EDITABLE]: value });
      inFlight = null;
      offline = false;
      retryCount = 0;
      savedOnce = true;
      // Tell the other windows on this user that this version is ours.
      if (socket && isUser(user)) socket.emit('change_origin', { user_id: user.id, version: user.version, by: WINDOW_NAME });
      if (isUser(user)) applyUser(user, 'patch');
    } catch (error) {
      inFlight = null;
      if (isNetworkFailure(error)) {
        // Keep it (unless something newer was typed meanwhile) and try again later.
        if (!outbox.has(userId)) {
          const rest = [...outbox];
          outbox.clear();
          outbox.set(userId, value);
          for (const [id, v] of rest) outbox.set(id, v);
        }
        offline = true;
        scheduleRetry();
      } else if (error instanceof ApiError && error.status === 404) {
        outbox.delete(userId);
        if (userId === state.userId) void currentUserGone(null);
      } else {
        saveError = `Not saved: ${error.message}`;
      }
    }
    renderSaveStatus();
    if (!offline) void pump();
  }

  function scheduleRetry() {
    if (retryTimer !== null) return;
    const delay = RETRY_MS[Math.min(retryCount, RETRY_MS.length - 1)];
    retryCount += 1;
    retryTimer = setTimeout(() => {
      retryTimer = null;
      void pump();
    }, delay);
  }

  /** The connection is back: send what waited, now. */
  function retryNow() {
    clearTimeout(retryTimer);
    retryTimer = null;
    retryCount = 0;
    void pump();
  }

  function renderSaveStatus() {
    const before = ui.saveStatus.dataset.kind;
    let text = '';
    let kind = '';
    const pending = hasLocalEdits();
    const connected = socket !== null && socket.connected;
    if (pending && (offline || !connected)) {
      text = 'Offline: your edit will be sent when the connection returns';
      kind = 'offline';
    } else if (saveError) {
      text = saveError;
      kind = 'error';
    } else if (pending) {
      text = 'Saving…';
      kind = 'saving';
    } else if (savedOnce) {
      text = 'Saved';
      kind = 'saved';
    }
    if (ui.saveStatus.textContent !== text) ui.saveStatus.textContent = text;
    ui.saveStatus.dataset.kind = kind;
    // Screen readers hear the transitions that matter, in words of their own (the visible line stays the one source of that text).
    if (kind === 'offline' && before !== 'offline') say('No connection. Your change is kept and goes out when the connection is back.');
    if (kind === 'saved' && before === 'offline') say('Your change is saved now.');
    if (kind === 'error' && before !== 'error') say('Your change could not be saved; the reason is under the field.');
  }

  /* ------------------------------------------------------- showing the user */

  /**
   * Shows a user the server sent (event, fetch or PATCH response) if it is
   * newer than what is shown.
   */
  function applyUser(user, source) {
    list.apply('update', user);
    if (user.id !== state.userId) return;
    const previous = state.shown;
    if (previous && user.version <= previous.version) return;
    state.shown = user;

    if (!hasLocalEdits() && editInput.value !== user[EDITABLE]) {
      setValue(editInput, user[EDITABLE]);
      if (previous && source !== 'patch') noteRemoteChange(EDITABLE, user);
    }
    if (readInput.value !== user[READONLY] || !previous) {
      setValue(readInput, user[READONLY]);
      if (previous) {
        state.lastChange = { version: user.version, updatedAt: user.updated_at, known: true };
        noteRemoteChange(READONLY, user);
      } else {
        state.lastChange = { version: user.version, updatedAt: user.updated_at, known: false };
      }
    }
    editInput.disabled = false;
    renderPerson();
  }

  /** Sets an input's value, keeping the caret where it was when the person is in that field. */
  function setValue(input, value) {
    if (document.activeElement === input && input.selectionStart !== null) {
      const { selectionStart, selectionEnd } = input;
      input.value = value;
      input.setSelectionRange(Math.min(selectionStart, value.length), Math.min(selectionEnd, value.length));
    } else {
      input.value = value;
    }
  }

  function renderPerson() {
    const user = state.shown;
    if (!user) return;
    ui.heading.textContent = fullName(user);
    ui.meta.textContent = `User #${user.id} · version ${user.version}`;
    document.title = `${WINDOW_NAME}: ${fullName(user)} · Realtime users`;
    ui.deleteButton.disabled = false;
    renderLastChange();
  }

  function renderLastChange() {
    const change = state.lastChange;
    if (!change) {
      ui.lastChange.textContent = '';
      return;
    }
    const time = document.createElement('time');
    time.dateTime = change.updatedAt;
    time.textContent = formatTime(change.updatedAt);
    if (change.known) {
      ui.lastChange.replaceChildren(`Last change by ${whoMade(change.version)} at `, time);
    } else {
      ui.lastChange.replaceChildren('Last updated at ', time);
    }
  }

  function whoMade(version) {
    return state.origins.get(version) ?? 'someone else';
  }

  /* Announcements for screen readers, gathered so typing elsewhere is not read out letter by letter. */
  const unannounced = new Map();
  let announceTimer = null;

  function noteRemoteChange(field, user) {
    unannounced.set(field, { value: user[field], version: user.version });
    clearTimeout(announceTimer);
    announceTimer = setTimeout(announce, ANNOUNCE_AFTER_MS);
  }

  function announce() {
    announceTimer = null;
    const parts = [];
    for (const [field, change] of unannounced) {
      const value = change.value === '' ? 'nothing (cleared)' : change.value;
      parts.push(`${FIELD_LABELS[field]} changed to ${value} by ${whoMade(change.version)}`);
    }
    unannounced.clear();
    if (parts.length) say(`${parts.join('. ')}.`);
  }

  /** The one aria-live="polite" region. */
  function say(text) {
    ui.announcer.textContent = text;
  }

  function showNotice(text, kind = 'info') {
    ui.notice.textContent = text;
    ui.notice.dataset.kind = kind;
  }

  /* --------------------------------------------------------- fetching again */

  let resyncing = null;
  let resyncAgain = false;

  /** Fetches the shown user again (after a reconnect or a missed event); one request at a time. */
  function resync() {
    if (resyncing) {
      resyncAgain = true;
      return resyncing;
    }
    resyncing = (async () => {
      do {
        resyncAgain = false;
        const id = state.userId;
        if (id === null) return;
        try {
          const user = await api('GET', `${USERS}/${id}`);
          if (id === state.userId && isUser(user)) applyUser(user, 'fetch');
        } catch (error) {
          if (error instanceof ApiError && error.status === 404 && id === state.userId) await currentUserGone(null);
          // Network failures: the reconnect will fetch again.
        }
      } while (resyncAgain);
    })().finally(() => {
      resyncing = null;
    });
    return resyncing;
  }

  async function refreshList() {
    try {
      await list.refresh();
    } catch {
      // Offline: the next connect refreshes.
    }
  }

  /* --------------------------------------------------------- picking a user */

  async function switchUser(id) {
    flushEdit();
    hideDeleteConfirm();
    state.origins.clear();
    savedOnce = false;
    saveError = '';
    unannounced.clear();
    clearShownUser(id, 'Loading…');
    renderSaveStatus();
    if (socket) {
      // A later reconnect uses this query, so it comes back subscribed to the right user.
      socket.io.opts.query = { user_id: String(id) };
      if (socket.connected) {
        try {
          await socket.timeout(5000).emitWithAck('subscribe', { user_id: id });
        } catch {
          // No ack (connection lost): the reconnect subscribes through the query and fetches again.
        }
      }
    }
    if (state.userId === id) await resync();
  }

  function updateLocation() {
    const url = new URL(window.location.href);
    if (state.userId === null) url.searchParams.delete('user');
    else url.searchParams.set('user', String(state.userId));
    window.history.replaceState(null, '', url);
    const other = new URL(ui.otherWindow.getAttribute('href'), window.location.href);
    if (state.userId === null) other.searchParams.delete('user');
    else other.searchParams.set('user', String(state.userId));
    ui.otherWindow.href = other.pathname + other.search;
  }

  function renderPicker() {
    const select = ui.select;
    const users = list.sorted();
    const wanted = [];
    if (state.userId === null || !list.get(state.userId)) {
      let text = 'Choose a user';
      if (!list.loaded) text = 'Loading…';
      else if (state.userId !== null && state.shown === null) text = `User #${state.userId} (not found)`;
      wanted.push({ value: '', text });
    }
    for (const user of users) wanted.push({ value: String(user.id), text: `#${user.id} ${fullName(user)}` });

    const options = select.options;
    const same =
      options.length === wanted.length && wanted.every((w, i) => options[i].value === w.value && options[i].text === w.text);
    if (!same) {
      select.replaceChildren(...wanted.map((w) => new Option(w.text, w.value)));
    }
    select.value = state.userId !== null && list.get(state.userId) ? String(state.userId) : '';
  }

  function onPick() {
    const id = parseId(ui.select.value);
    if (id === null || id === state.userId) return;
    showNotice('');
    void switchUser(id);
  }

  /** The shown user no longer exists (deleted, or ?user= named nobody). */
  async function currentUserGone(deletedUser) {
    const id = state.userId;
    if (id === null || state.goneHandled === id) return;
    state.goneHandled = id;
    try {
      const byUs = state.deleting.has(id);
      const known = deletedUser ?? state.shown ?? list.get(id);
      const wasShown = state.shown !== null || deletedUser !== null;
      outbox.delete(id);
      clearTimeout(debounceTimer);
      debounceTimer = null;
      list.apply('delete', { id });
      if (!wasShown && !byUs) {
        // Nothing was ever shown: ?user= named a user that does not exist.
        ui.heading.textContent = 'User not found';
        ui.meta.textContent = '';
        editInput.disabled = true;
        ui.deleteButton.disabled = true;
        showNotice(`User #${id} does not exist (it may have been deleted). Pick another user from the list.`, 'warning');
        renderPicker();
        return;
      }
      await refreshList();
      if (state.userId !== id) return;
      const name = known ? `${fullName(known)} (#${id})` : `User #${id}`;
      const next = list.first();
      const then = next ? `Now showing ${fullName(next)} (#${next.id}).` : 'No users are left; add one.';
      showNotice(byUs ? `You deleted ${name}. ${then}` : `${name} was deleted by someone else. ${then}`, byUs ? 'info' : 'warning');
      if (next) await switchUser(next.id);
      else showNoUser();
    } finally {
      if (state.goneHandled === id) state.goneHandled = null;
    }
  }

  function showNoUser() {
    clearShownUser(null, 'No user');
  }

  /** Empties the card while another user (or none) takes its place. */
  function clearShownUser(id, heading) {
    state.userId = id;
    state.shown = null;
    state.lastChange = null;
    editInput.value = '';
    readInput.value = '';
    editInput.disabled = true;
    ui.deleteButton.disabled = true;
    ui.heading.textContent = heading;
    ui.meta.textContent = '';
    ui.presence.textContent = '';
    renderLastChange();
    renderPicker();
    updateLocation();
  }

  /* ----------------------------------------------------- create and delete */

  async function onCreate(event) {
    event.preventDefault();
    const input = { first_name: ui.newGiven.value, last_name: ui.newFamily.value };
    try {
      const user = await api('POST', USERS, input);
      list.apply('create', user);
      ui.createForm.reset();
      ui.create.open = false;
      showNotice(`Created ${fullName(user)} (#${user.id}).`);
      await switchUser(user.id);
    } catch (error) {
      showNotice(`Could not create the user: ${error.message}`, 'error');
    }
  }

  function showDeleteConfirm() {
    if (!state.shown) return;
    ui.deleteQuestion.textContent = `Delete ${fullName(state.shown)} (#${state.shown.id})? This cannot be undone.`;
    ui.deleteConfirm.hidden = false;
    ui.deleteButton.hidden = true;
    ui.deleteNo.focus();
  }

  function hideDeleteConfirm() {
    const hadFocus = ui.deleteConfirm.contains(document.activeElement);
    ui.deleteConfirm.hidden = true;
    ui.deleteButton.hidden = false;
    if (hadFocus) ui.deleteButton.focus();
  }

  async function onDelete() {
    const id = state.userId;
    if (id === null) return;
    state.deleting.add(id);
    hideDeleteConfirm();
    try {
      await api('DELETE', `${USERS}/${id}`);
      if (state.userId === id) await currentUserGone(state.shown);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        if (state.userId === id) await currentUserGone(state.shown);
      } else {
        showNotice(`Could not delete the user: ${error.message}`, 'error');
      }
    } finally {
      state.deleting.delete(id);
    }
  }

  /* ---------------------------------------------------------------- socket */

  function onUserUpdate(message) {
    if (!message || !isUser(message.user)) return;
    const { action, user } = message;
    if (action === 'create') {
      list.apply('create', user);
      if (state.userId === null && list.loaded) {
        showNotice(`${fullName(user)} (#${user.id}) was added. Showing it.`);
        void switchUser(user.id);
      }
    } else if (action === 'delete') {
      list.apply('delete', user);
      if (user.id === state.userId) void currentUserGone(user);
    } else if (action === 'update') {
      if (user.id !== state.userId) {
        list.apply('update', user);
        return;
      }
      const shown = state.shown;
      if (shown && user.version <= shown.version) return;
      const gap = shown !== null && user.version > shown.version + 1;
      applyUser(user, 'event');
      // Versions skipped: an event was missed (e.g. a broker outage between instances). Fetch the truth.
      if (gap) void resync();
    }
  }

  function onPresence(message) {
    if (!message || message.user_id !== state.userId || !Number.isInteger(message.count)) return;
    ui.presence.textContent = message.count === 1 ? '1 window open' : `${message.count} windows open`;
  }

  function onChangeOrigin(message) {
    if (!message || message.user_id !== state.userId || !Number.isInteger(message.version)) return;
    if (typeof message.by !== 'string') return;
    state.origins.set(message.version, message.by.slice(0, 40));
    if (state.origins.size > 100) state.origins.delete(state.origins.keys().next().value);
    if (state.lastChange && state.lastChange.known && state.lastChange.version === message.version) renderLastChange();
  }

  function onConnect() {
    offline = false;
    // Anything missed while away: the user, the list, and the edits that waited.
    void resync();
    void refreshList();
    retryNow();
    renderSaveStatus();
  }

  function onDisconnect() {
    ui.presence.textContent = '';
    if (hasLocalEdits()) offline = true;
    renderSaveStatus();
  }

  /* ----------------------------------------------------------------- start */

  async function defaultUserId() {
    const [first] = await api('GET', `${USERS}?limit=1`);
    if (first) return first.id;
    const created = await api('POST', USERS, { first_name: 'Ada', last_name: 'Lovelace' });
    return created.id;
  }

  async function start() {
    editInput.addEventListener('input', onEditInput);
    editInput.addEventListener('blur', flushEdit);
    ui.select.addEventListener('change', onPick);
    ui.deleteButton.addEventListener('click', showDeleteConfirm);
    ui.deleteNo.addEventListener('click', hideDeleteConfirm);
    ui.deleteYes.addEventListener('click', () => void onDelete());
    ui.createForm.addEventListener('submit', (event) => void onCreate(event));
    ui.deleteConfirm.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') hideDeleteConfirm();
    });
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') void refreshList();
    });
    window.addEventListener('pagehide', flushEdit);

    const param = new URLSearchParams(window.location.search).get('user');
    if (param === null) {
      try {
        state.userId = await defaultUserId();
        updateLocation();
      } catch (error) {
        showNotice(`Could not load the users: ${error.message}`, 'error');
      }
    } else {
      state.userId = parseId(param);
      if (state.userId === null) {
        ui.heading.textContent = 'No user';
        showNotice(`“${param}” is not a user id. Pick a user from the list.`, 'warning');
      }
    }
    renderPicker();
    renderSaveStatus();

    // Show the user without waiting for the socket; the connect handler fetches again.
    const loaded = Promise.all([refreshList(), resync()]);
    socket = connect(state.userId === null ? {} : { user_id: String(state.userId) }, ui.connection, loaded);
    if (socket) {
      socket.on('connect', onConnect);
      socket.on('disconnect', onDisconnect);
      socket.on('user_update', onUserUpdate);
      socket.on('presence', onPresence);
      socket.on('change_origin', onChangeOrigin);
    }
    await loaded;
  }

  void start();
})();
