// @ts-check
/*
 * The start page: links to both windows and the list of users, kept live.
 * It connects without a user_id, so it receives every user_update.
 */
import { listUsers } from './api.js';
import { LIST_PAGE_SIZE } from './constants.js';
import { byId } from './dom.js';
import { connect } from './socket.js';
import { fullName, isUser } from './user.js';
import { UserList } from './user-list.js';

/** @typedef {import('./wire.js').UserResponse} UserResponse */
/** @typedef {import('./wire.js').UserUpdateMessage} UserUpdateMessage */
/** @typedef {import('./wire.js').HeadMessage} HeadMessage */

const ui = {
  connection: byId('connection', HTMLElement),
  body: byId('users-body', HTMLTableSectionElement),
  table: byId('users-table', HTMLTableElement),
  count: byId('users-count', HTMLElement),
  empty: byId('users-empty', HTMLElement),
};

/** @type {Map<number, HTMLTableRowElement>} */
const rows = new Map();
const list = new UserList(render, () => listUsers(LIST_PAGE_SIZE));

/**
 * @param {string} href
 * @param {string} title
 * @param {string} name
 */
function link(href, title, name) {
  const a = document.createElement('a');
  a.href = href;
  a.className = 'chip';
  const hidden = document.createElement('span');
  hidden.className = 'sr-only';
  hidden.textContent = ` for ${name}`;
  a.append(title, hidden);
  return a;
}

function buildRow() {
  const tr = document.createElement('tr');
  const id = document.createElement('td');
  id.className = 'num';
  const name = document.createElement('td');
  name.className = 'name';
  const version = document.createElement('td');
  version.className = 'num col-version';
  const open = document.createElement('td');
  open.className = 'open';
  tr.append(id, name, version, open);
  return tr;
}

/**
 * @param {HTMLTableRowElement} tr
 * @param {UserResponse} user
 */
function fillRow(tr, user) {
  const [id, name, version, open] = tr.cells;
  const label = fullName(user);
  tr.dataset.userId = String(user.id);
  id.textContent = String(user.id);
  name.textContent = label;
  version.textContent = String(user.version);
  open.replaceChildren(
    link(`window1.html?user=${user.id}`, 'Window 1', label),
    link(`window2.html?user=${user.id}`, 'Window 2', label),
  );
  tr.dataset.version = String(user.version);
  tr.dataset.name = label;
}

function render() {
  const users = list.sorted();
  const seen = new Set();
  /** @type {HTMLTableRowElement | null} */
  let previous = null;
  for (const user of users) {
    seen.add(user.id);
    let tr = rows.get(user.id);
    if (!tr) {
      tr = buildRow();
      rows.set(user.id, tr);
    }
    if (tr.dataset.version !== String(user.version) || tr.dataset.name !== fullName(user)) fillRow(tr, user);
    /** @type {ChildNode | null} */
    const expectedPosition = previous ? previous.nextSibling : ui.body.firstChild;
    if (expectedPosition !== tr) ui.body.insertBefore(tr, expectedPosition);
    previous = tr;
  }
  for (const [id, tr] of rows) {
    if (!seen.has(id)) {
      tr.remove();
      rows.delete(id);
    }
  }
  const loaded = list.loaded;
  ui.empty.hidden = !loaded || users.length > 0;
  ui.table.hidden = loaded && users.length === 0;
  ui.count.textContent = loaded ? (users.length === 1 ? '1 user' : `${users.length} users`) : 'Loading…';
}

async function refresh() {
  try {
    await list.refresh();
  } catch {
    // Offline: the next connect refreshes.
  }
}

/**
 * Which changes this page has: every change up to `upTo` (null until the
 * first head), and those after it that came early (events of concurrent
 * writes may arrive slightly out of order).
 * @type {{ upTo: number | null, early: Set<number> }}
 */
const seen = { upTo: null, early: new Set() };

/** @param {number} seq */
function sawChange(seq) {
  if (seen.upTo === null || seq <= seen.upTo) return;
  seen.early.add(seq);
  while (seen.early.delete(seen.upTo + 1)) seen.upTo += 1;
}

/** @param {UserUpdateMessage} message */
function onUserUpdate(message) {
  if (message && isUser(message.user) && ['create', 'update', 'delete'].includes(message.action)) {
    list.apply(message.action, message.user);
    if (typeof message.seq === 'number') sawChange(message.seq);
  }
}

/**
 * The server's newest change, every few seconds. Sequence numbers have no
 * gaps, so a change up to it that this page never got was lost on its way
 * (between instances): list again (which has it), and count from there.
 * @param {HeadMessage} message
 */
function onHead(message) {
  if (!message || typeof message.seq !== 'number' || message.user_id !== undefined) return;
  if (seen.upTo !== null && message.seq <= seen.upTo) return;
  // (The first head also lists again: a change lost between the page's first listing and now would go unnoticed.)
  seen.upTo = message.seq;
  seen.early = new Set([...seen.early].filter((seq) => seq > message.seq));
  void refresh();
}

render();
const socket = await connect({}, ui.connection, refresh());
if (socket) {
  socket.on('connect', () => void refresh());
  socket.on('user_update', onUserUpdate);
  socket.on('head', onHead);
}
