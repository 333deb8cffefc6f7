// @ts-check
/*
 * Window 1 and Window 2: what a window knows and how it reacts. Each edits one
 * field of a user (data-editable on <body>) and shows the other one
 * read-only, live. Drawing is window-view.js's; sending edits is the edit
 * queue's; this module holds the state and wires the events to them.
 *
 * Rules (see docs/windows.md):
 * - Typing goes through the edit queue: PATCH {<editable field>} after a short
 *   pause, one request at a time, in order, kept while offline.
 * - While the queue holds unconfirmed edits of the shown user, incoming values
 *   of the editable field are ignored: the person's typing is never replaced
 *   by an echo of an older value. The read-only field always follows.
 * - Every user carries a version: anything not newer than what is shown is
 *   dropped. A jump of more than one means an event was missed, and a `head`
 *   newer than what is shown says the same: the window asks the server to
 *   replay what it missed since the version it shows (from the change
 *   history), and fetches the user only when the history cannot tell
 *   (recovered: false). Every reconnect names that version in its handshake,
 *   so it resumes the same way.
 * - Each event says who made the change (`by`, from the X-Changed-By header
 *   this window sends as "Window 1"); the History panel lists the latest
 *   changes, kept live from the same events.
 */
import {
  createUser,
  deleteUser,
  getHistory,
  getUser,
  isNetworkFailure,
  isNotFound,
  listUsers,
  patchUser,
  setChangedBy,
} from './api.js';
import { Announcer } from './announcer.js';
import { onSignIn, signedInAs } from './auth.js';
import { CHANGED_BY_MAX_LENGTH, HISTORY_SHOWN, LIST_PAGE_SIZE } from './constants.js';
import { EditQueue } from './edit-queue.js';
import { oneAtATime } from './one-at-a-time.js';
import { connect, setReconnectQuery } from './socket.js';
import { systemTimers } from './timers.js';
import { fullName, isUser, parseId } from './user.js';
import { UserList } from './user-list.js';
import { WindowView } from './window-view.js';

/** @typedef {import('./wire.js').AppSocket} AppSocket */
/** @typedef {import('./wire.js').HeadMessage} HeadMessage */
/** @typedef {import('./wire.js').RecoveryMessage} RecoveryMessage */
/** @typedef {import('./window-view.js').HistoryEntry} HistoryEntry */
/** @typedef {import('./wire.js').NameField} NameField */
/** @typedef {import('./wire.js').PresenceMessage} PresenceMessage */
/** @typedef {import('./wire.js').UserResponse} UserResponse */
/** @typedef {import('./wire.js').UserUpdateMessage} UserUpdateMessage */
/** @typedef {import('./window-view.js').LastChange} LastChange */

/** Who this window's changes are made by (X-Changed-By): "Window 1". */
const WINDOW_NAME = (document.body.dataset.windowName ?? 'A window').slice(0, CHANGED_BY_MAX_LENGTH);
setChangedBy(WINDOW_NAME);
/** @type {NameField} */
const EDITABLE = document.body.dataset.editable === 'last_name' ? 'last_name' : 'first_name';
/** @type {NameField} */
const READONLY = EDITABLE === 'first_name' ? 'last_name' : 'first_name';

const view = new WindowView(WINDOW_NAME, EDITABLE);

const state = {
  /** @type {number | null} The user this window shows (null: none, e.g. a bad ?user=). */
  userId: null,
  /** @type {UserResponse | null} That user as last confirmed by the server: the shown version. */
  shown: null,
  /** @type {Map<number, string | null>} version -> who made it (the events' `by`), for the current user. */
  authors: new Map(),
  /** @type {HistoryEntry[]} The History panel, newest first. */
  history: [],
  /** @type {LastChange | null} */
  lastChange: null,
  /** @type {Set<number>} Users this window is deleting itself (so the delete event is not "someone else"). */
  deleting: new Set(),
  /** @type {number | null} The id currentUserGone() is handling, so the delete event and the DELETE response act once. */
  goneHandled: null,
};

const list = new UserList(renderPicker, () => listUsers(LIST_PAGE_SIZE));
const announcer = new Announcer(view.announcer, systemTimers, whoMade);
/** @type {EditQueue<UserResponse>} */
const edits = new EditQueue({
  send: (id, value) => patchUser(id, { [EDITABLE]: value }),
  classify: (error) => (isNetworkFailure(error) ? 'network' : isNotFound(error) ? 'not-found' : 'refused'),
  timers: systemTimers,
  onSaved: onOwnSave,
  onGone: (id) => {
    if (id === state.userId) void currentUserGone(null);
  },
  onChange: renderSaveState,
});
/** @type {AppSocket | null} */
let socket = null;
/** Whether the handshake of the connection being made named the version shown (then the server replays by itself). */
let handshakeNamedVersion = false;

/* ---------------------------------------------------------------- editing */

function onEditInput() {
  if (state.userId === null || !state.shown) return;
  edits.edit(state.userId, view.editInput.value);
}

/**
 * Our own PATCH went through: this version is ours; show it.
 * @param {UserResponse} user
 */
function onOwnSave(user) {
  // Signed in, the server records the token's subject as its author, not the window's name.
  if (user.id === state.userId) noteAuthor(user.version, signedInAs() ?? WINDOW_NAME);
  applyUser(user, 'patch');
}

/**
 * @param {number} version
 * @param {string | null} by
 */
function noteAuthor(version, by) {
  state.authors.set(version, by);
  if (state.authors.size > 100) state.authors.delete(/** @type {number} */ (state.authors.keys().next().value));
}

function renderSaveState() {
  const now = state.userId === null ? 'idle' : edits.saveState(state.userId, socket !== null && socket.connected);
  const before = view.showSaveState(now, describe(edits.failure));
  announcer.saveStateChanged(before, now);
}

/** @param {unknown} error */
function describe(error) {
  if (error === null || error === undefined) return '';
  return error instanceof Error ? error.message : String(error);
}

/* ------------------------------------------------------- showing the user */

/**
 * Shows a user the server sent (event, fetch or PATCH response) if it is
 * newer than what is shown.
 * @param {UserResponse} user
 * @param {'event' | 'fetch' | 'patch'} source
 */
function applyUser(user, source) {
  list.apply('update', user);
  if (user.id !== state.userId) return;
  const previous = state.shown;
  if (previous && user.version <= previous.version) return;
  state.shown = user;
  // A later reconnect resumes from here: the server replays what came after.
  if (socket) setReconnectQuery(socket, { user_id: String(user.id), version: String(user.version) });
  if (previous && user.version === previous.version + 1) addToHistory(previous, user);

  const { editInput, readInput } = view;
  if (!edits.hasUnconfirmed(user.id) && editInput.value !== user[EDITABLE]) {
    view.setValue(editInput, user[EDITABLE]);
    if (previous && source !== 'patch') announcer.remoteChange(EDITABLE, user[EDITABLE], user.version);
  }
  if (readInput.value !== user[READONLY] || !previous) {
    view.setValue(readInput, user[READONLY]);
    // Seen change live (not the first load): its author is known from its event.
    state.lastChange = { version: user.version, updatedAt: user.updated_at, known: previous !== null };
    if (previous) announcer.remoteChange(READONLY, user[READONLY], user.version);
  }
  view.showPerson(user, state.lastChange, whoMade);
}

/** @param {number} version */
function whoMade(version) {
  return state.authors.get(version) ?? 'someone else';
}

/* ---------------------------------------------------------------- history */

/**
 * One version after the other: what changed, from the two states.
 * @param {UserResponse} before
 * @param {UserResponse} after
 */
function addToHistory(before, after) {
  /** @type {HistoryEntry['fields']} */
  const fields = [];
  for (const field of /** @type {NameField[]} */ (['first_name', 'last_name'])) {
    if (before[field] !== after[field]) fields.push({ field, from: before[field], to: after[field] });
  }
  state.history.unshift({
    version: after.version,
    by: state.authors.get(after.version) ?? null,
    at: after.updated_at,
    action: 'update',
    fields,
  });
  state.history.length = Math.min(state.history.length, HISTORY_SHOWN);
  view.showHistory(state.history);
}

/** The History panel from the server's history of the shown user (on showing a user, and when replay could not tell). */
async function loadHistory() {
  const id = state.userId;
  if (id === null) return;
  try {
    const changes = await getHistory(id, HISTORY_SHOWN);
    if (id !== state.userId) return;
    for (const change of changes) noteAuthor(change.version, change.by);
    state.history = changes.map((change) => ({
      version: change.version,
      by: change.by,
      at: change.at,
      action: change.action,
      fields: Object.entries(change.changes).map(([field, value]) => ({
        field: /** @type {NameField} */ (field),
        from: value?.from ?? null,
        to: value?.to ?? null,
      })),
    }));
    view.showHistory(state.history);
    if (state.lastChange) view.showLastChange(state.lastChange, whoMade);
  } catch {
    // Offline: the reconnect loads it again.
  }
}

/* ----------------------------------------------------------------- replay */

/**
 * Asks the server for what happened to the shown user since the version
 * shown: the missed user_update events arrive, in order, before the
 * acknowledgement, then `recovery`; when the history cannot tell, onRecovery
 * fetches the user instead.
 */
const replayMissed = oneAtATime(async () => {
  const id = state.userId;
  const shown = state.shown;
  if (id === null || !shown || !socket?.connected) return;
  try {
    // Its `recovery` event says whether the history could tell (see onRecovery).
    await socket.timeout(5000).emitWithAck('subscribe', { user_id: id, version: shown.version });
  } catch {
    // No answer (connection lost): the reconnect resumes from the version shown.
  }
});

/** The history no longer reaches back to what is shown: fetch the user and its history afresh. */
async function resyncAll() {
  await resync();
  await loadHistory();
}

/* --------------------------------------------------------- fetching again */

/** Fetches the shown user again (when the history cannot tell what it missed); one request at a time. */
const resync = oneAtATime(async () => {
  const id = state.userId;
  if (id === null) return;
  try {
    const user = await getUser(id);
    if (id === state.userId) applyUser(user, 'fetch');
  } catch (error) {
    if (isNotFound(error) && id === state.userId) await currentUserGone(null);
    // Network failures: the reconnect will fetch again.
  }
});

async function refreshList() {
  try {
    await list.refresh();
  } catch {
    // Offline: the next connect refreshes.
  }
}

/* --------------------------------------------------------- picking a user */

/** @param {number} id */
async function switchUser(id) {
  edits.flush();
  view.hideDeleteConfirm();
  state.authors.clear();
  state.history = [];
  view.showHistory([]);
  edits.resetStatus();
  announcer.forget();
  showNoUser(id, 'Loading…');
  renderSaveState();
  if (socket) {
    // A later reconnect uses this query, so it comes back subscribed to the right user.
    setReconnectQuery(socket, { user_id: String(id) });
    if (socket.connected) {
      try {
        await socket.timeout(5000).emitWithAck('subscribe', { user_id: id });
      } catch {
        // No ack (connection lost): the reconnect subscribes through the query and fetches again.
      }
    }
  }
  if (state.userId === id) await Promise.all([resync(), loadHistory()]);
}

/**
 * Empties the card while another user (or none) takes its place.
 * @param {number | null} id
 * @param {string} heading
 */
function showNoUser(id, heading) {
  state.userId = id;
  state.shown = null;
  state.lastChange = null;
  view.clearPerson(heading);
  renderPicker();
  view.showUserInLinks(id);
}

function renderPicker() {
  const id = state.userId;
  const listed = id !== null && list.get(id) !== null;
  let placeholder = null;
  if (!listed) {
    if (!list.loaded) placeholder = 'Loading…';
    else if (id !== null && state.shown === null) placeholder = `User #${id} (not found)`;
    else placeholder = 'Choose a user';
  }
  view.showPicker(list.sorted(), listed ? id : null, placeholder);
}

function onPick() {
  const id = parseId(view.select.value);
  if (id === null || id === state.userId) return;
  view.showNotice('');
  void switchUser(id);
}

/**
 * The shown user no longer exists (deleted, or ?user= named nobody).
 * @param {UserResponse | null} deletedUser
 */
async function currentUserGone(deletedUser) {
  const id = state.userId;
  if (id === null || state.goneHandled === id) return;
  state.goneHandled = id;
  try {
    const byUs = state.deleting.has(id);
    const known = deletedUser ?? state.shown ?? list.get(id);
    const wasShown = state.shown !== null || deletedUser !== null;
    edits.discard(id);
    list.remove(id);
    if (!wasShown && !byUs) {
      // Nothing was ever shown: ?user= named a user that does not exist.
      view.showNotFound(id);
      renderPicker();
      return;
    }
    await refreshList();
    if (state.userId !== id) return;
    const name = known ? `${fullName(known)} (#${id})` : `User #${id}`;
    const next = list.first();
    const then = next ? `Now showing ${fullName(next)} (#${next.id}).` : 'No users are left; add one.';
    if (byUs) view.showNotice(`You deleted ${name}. ${then}`, 'info');
    else view.showNotice(`${name} was deleted by someone else. ${then}`, 'warning');
    if (next) await switchUser(next.id);
    else showNoUser(null, 'No user');
  } finally {
    if (state.goneHandled === id) state.goneHandled = null;
  }
}

/* ----------------------------------------------------- create and delete */

/** @param {SubmitEvent} event */
async function onCreate(event) {
  event.preventDefault();
  try {
    const user = await createUser(view.newUserNames());
    list.apply('create', user);
    view.closeCreateForm();
    view.showNotice(`Created ${fullName(user)} (#${user.id}).`);
    await switchUser(user.id);
  } catch (error) {
    view.showNotice(`Could not create the user: ${describe(error)}`, 'error');
  }
}

async function onDelete() {
  const id = state.userId;
  if (id === null) return;
  state.deleting.add(id);
  view.hideDeleteConfirm();
  try {
    await deleteUser(id);
    if (state.userId === id) await currentUserGone(state.shown);
  } catch (error) {
    if (isNotFound(error)) {
      if (state.userId === id) await currentUserGone(state.shown);
    } else {
      view.showNotice(`Could not delete the user: ${describe(error)}`, 'error');
    }
  } finally {
    state.deleting.delete(id);
  }
}

/* ---------------------------------------------------------------- socket */

/** @param {UserUpdateMessage} message */
function onUserUpdate(message) {
  if (!message || !isUser(message.user)) return;
  const { action, user } = message;
  if (action === 'create') {
    list.apply('create', user);
    if (state.userId === null && list.loaded) {
      view.showNotice(`${fullName(user)} (#${user.id}) was added. Showing it.`);
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
    if (shown !== null && user.version > shown.version + 1) {
      // Versions skipped: an event was missed (e.g. lost between instances). The replay brings it, and this one, in order.
      void replayMissed();
      return;
    }
    noteAuthor(user.version, message.by);
    applyUser(user, 'event');
  }
}

/** @param {RecoveryMessage} message */
function onRecovery(message) {
  if (message && message.user_id === state.userId && message.recovered === false) void resyncAll();
}

/** @param {HeadMessage} message */
function onHead(message) {
  const shown = state.shown;
  if (!message || !shown || message.user_id !== shown.id || typeof message.version !== 'number') return;
  // The server has a newer version than any event brought: one was lost on its way. Replay it.
  if (message.version > shown.version) void replayMissed();
}

/** @param {PresenceMessage} message */
function onPresence(message) {
  if (!message || message.user_id !== state.userId || !Number.isInteger(message.count)) return;
  view.showPresence(message.count);
}

function onConnect() {
  // Anything missed while away: the user (the server replays it when the
  // handshake named the version shown; otherwise the window asks), the list,
  // and the edits that waited.
  if (!state.shown) void resync();
  else if (!handshakeNamedVersion) void replayMissed();
  void refreshList();
  edits.retryNow();
  renderSaveState();
}

function onDisconnect() {
  view.showPresence(null);
  edits.disconnected();
}

/* ----------------------------------------------------------------- start */

async function defaultUserId() {
  const [first] = await listUsers(1);
  if (first) return first.id;
  const created = await createUser({ first_name: 'Ada', last_name: 'Lovelace' });
  return created.id;
}

async function showDefaultUser() {
  try {
    state.userId = await defaultUserId();
    view.showUserInLinks(state.userId);
    view.showNotice('');
  } catch (error) {
    view.showNotice(`Could not load the users: ${describe(error)}`, 'error');
  }
}

async function start() {
  view.editInput.addEventListener('input', onEditInput);
  view.editInput.addEventListener('blur', () => edits.flush());
  view.select.addEventListener('change', onPick);
  view.deleteButton.addEventListener('click', () => {
    if (state.shown) view.showDeleteConfirm(state.shown);
  });
  view.deleteNo.addEventListener('click', () => view.hideDeleteConfirm());
  view.deleteYes.addEventListener('click', () => void onDelete());
  view.createForm.addEventListener('submit', (event) => void onCreate(event));
  view.deleteConfirm.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') view.hideDeleteConfirm();
  });
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') void refreshList();
  });
  window.addEventListener('pagehide', () => edits.flush());

  const param = new URLSearchParams(window.location.search).get('user');
  if (param === null) {
    await showDefaultUser();
    // Reads may need a token too: then the first user is found once signed in.
    onSignIn(() => {
      if (state.userId === null) void showDefaultUser().then(() => Promise.all([resync(), loadHistory()]));
    });
  } else {
    state.userId = parseId(param);
    if (state.userId === null) {
      view.heading.textContent = 'No user';
      view.showNotice(`“${param}” is not a user id. Pick a user from the list.`, 'warning');
    }
  }
  renderPicker();
  renderSaveState();

  // Show the user without waiting for the socket; the connect handler fetches again.
  const loaded = Promise.all([refreshList(), resync(), loadHistory()]);
  socket = await connect(state.userId === null ? {} : { user_id: String(state.userId) }, view.connection, loaded);
  if (socket) {
    socket.on('connect', onConnect);
    socket.on('disconnect', onDisconnect);
    socket.on('user_update', onUserUpdate);
    socket.on('presence', onPresence);
    socket.on('recovery', onRecovery);
    // Each reconnect builds its handshake from the query as it stands right after this event.
    socket.io.on('reconnect_attempt', () => {
      handshakeNamedVersion = socket !== null && 'version' in (socket.io.opts.query ?? {});
    });
    socket.on('head', onHead);
  }
  await loaded;
}

void start();
