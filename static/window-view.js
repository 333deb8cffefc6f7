// @ts-check
/*
 * What a window shows: its elements and how each piece of state is drawn.
 * It decides nothing (window.js does); names reach the page only as text.
 */
import { byId } from './dom.js';
import { formatTime, fullName, NAME_LABELS } from './user.js';

/** @typedef {import('./wire.js').NameField} NameField */
/** @typedef {import('./wire.js').UserResponse} UserResponse */
/** @typedef {import('./edit-queue.js').SaveState} SaveState */
/** @typedef {{ version: number, updatedAt: string, known: boolean }} LastChange What the "last change" line describes; `known`: a change seen live, so its author may be known. */
/**
 * One line of the History panel.
 * @typedef {{ version: number, by: string | null, at: string, action: 'create' | 'update' | 'delete', fields: { field: NameField, from: string | null, to: string | null }[] }} HistoryEntry
 */

/** @type {Record<SaveState, string>} */
const SAVE_TEXT = {
  idle: '',
  saving: 'Saving…',
  saved: 'Saved',
  offline: 'Offline: your edit will be sent when the connection returns',
  error: 'Not saved',
};

export class WindowView {
  /**
   * @param {string} windowName "Window 1"
   * @param {NameField} editable The field this window edits; the other one is read-only.
   */
  constructor(windowName, editable) {
    this.windowName = windowName;
    this.connection = byId('connection', HTMLElement);
    this.presence = byId('presence', HTMLElement);
    this.notice = byId('notice', HTMLElement);
    this.heading = byId('person-heading', HTMLElement);
    this.meta = byId('person-meta', HTMLElement);
    const inputs = { first_name: byId('first-name', HTMLInputElement), last_name: byId('last-name', HTMLInputElement) };
    this.editInput = inputs[editable];
    this.readInput = inputs[editable === 'first_name' ? 'last_name' : 'first_name'];
    this.saveStatus = byId('save-status', HTMLElement);
    this.lastChange = byId('last-change', HTMLElement);
    this.select = byId('user-select', HTMLSelectElement);
    this.deleteButton = byId('delete-user', HTMLButtonElement);
    this.deleteConfirm = byId('delete-confirm', HTMLElement);
    this.deleteQuestion = byId('delete-question', HTMLElement);
    this.deleteYes = byId('delete-yes', HTMLButtonElement);
    this.deleteNo = byId('delete-no', HTMLButtonElement);
    this.create = byId('create', HTMLDetailsElement);
    this.createForm = byId('create-form', HTMLFormElement);
    this.newGiven = byId('new-given', HTMLInputElement);
    this.newFamily = byId('new-family', HTMLInputElement);
    this.otherWindow = byId('other-window', HTMLAnchorElement);
    this.announcer = byId('announcer', HTMLElement);
    this.historyList = byId('history-list', HTMLOListElement);
    this.historyEmpty = byId('history-empty', HTMLElement);
  }

  /**
   * The History panel: who changed which field, from what to what, when; newest first.
   * @param {readonly HistoryEntry[]} entries
   */
  showHistory(entries) {
    this.historyList.replaceChildren(...entries.map((entry) => historyItem(entry)));
    this.historyEmpty.hidden = entries.length > 0;
  }

  /**
   * Sets an input's value, keeping the caret where it was when the person is in that field.
   * @param {HTMLInputElement} input
   * @param {string} value
   */
  setValue(input, value) {
    if (document.activeElement === input && input.selectionStart !== null) {
      const { selectionStart, selectionEnd } = input;
      input.value = value;
      input.setSelectionRange(Math.min(selectionStart, value.length), Math.min(selectionEnd ?? selectionStart, value.length));
    } else {
      input.value = value;
    }
  }

  /**
   * The heading, the id/version line, the title and the "last change" line of the shown user.
   * @param {UserResponse} user
   * @param {LastChange | null} lastChange
   * @param {(version: number) => string} whoMade
   */
  showPerson(user, lastChange, whoMade) {
    this.editInput.disabled = false;
    this.heading.textContent = fullName(user);
    this.meta.textContent = `User #${user.id} · version ${user.version}`;
    document.title = `${this.windowName}: ${fullName(user)} · Realtime users`;
    this.deleteButton.disabled = false;
    this.showLastChange(lastChange, whoMade);
  }

  /**
   * @param {LastChange | null} change
   * @param {(version: number) => string} whoMade
   */
  showLastChange(change, whoMade) {
    if (!change) {
      this.lastChange.textContent = '';
      return;
    }
    const time = document.createElement('time');
    time.dateTime = change.updatedAt;
    time.textContent = formatTime(change.updatedAt);
    if (change.known) this.lastChange.replaceChildren(`Last change by ${whoMade(change.version)} at `, time);
    else this.lastChange.replaceChildren('Last updated at ', time);
  }

  /**
   * Empties the card while another user (or none) takes its place.
   * @param {string} heading
   */
  clearPerson(heading) {
    this.editInput.value = '';
    this.readInput.value = '';
    this.editInput.disabled = true;
    this.deleteButton.disabled = true;
    this.heading.textContent = heading;
    this.meta.textContent = '';
    this.presence.textContent = '';
    this.lastChange.textContent = '';
  }

  /**
   * `?user=` named nobody: nothing to edit or delete.
   * @param {number} id
   */
  showNotFound(id) {
    this.heading.textContent = 'User not found';
    this.meta.textContent = '';
    this.editInput.disabled = true;
    this.deleteButton.disabled = true;
    this.showNotice(`User #${id} does not exist (it may have been deleted). Pick another user from the list.`, 'warning');
  }

  /**
   * The line under the editable field. Returns the state it showed before.
   * @param {SaveState} state
   * @param {string} [reason] Why it was not saved (state 'error').
   * @returns {SaveState | ''}
   */
  showSaveState(state, reason) {
    const before = /** @type {SaveState | ''} */ (this.saveStatus.dataset.kind ?? '');
    const text = state === 'error' && reason ? `${SAVE_TEXT.error}: ${reason}` : SAVE_TEXT[state];
    if (this.saveStatus.textContent !== text) this.saveStatus.textContent = text;
    this.saveStatus.dataset.kind = state === 'idle' ? '' : state;
    return before;
  }

  /** @param {number | null} count Windows viewing this user; null: unknown. */
  showPresence(count) {
    if (count === null) this.presence.textContent = '';
    else this.presence.textContent = count === 1 ? '1 window open' : `${count} windows open`;
  }

  /**
   * @param {string} text
   * @param {'info' | 'warning' | 'error'} [kind]
   */
  showNotice(text, kind = 'info') {
    this.notice.textContent = text;
    this.notice.dataset.kind = kind;
  }

  /**
   * The "User" picker: every user, plus a first line when the shown user is not among them.
   * @param {readonly UserResponse[]} users
   * @param {number | null} selected The shown user's id, if it is in `users`.
   * @param {string | null} placeholder The first line ("Choose a user"), or null for none.
   */
  showPicker(users, selected, placeholder) {
    const wanted = placeholder === null ? [] : [{ value: '', text: placeholder }];
    for (const user of users) wanted.push({ value: String(user.id), text: `#${user.id} ${fullName(user)}` });
    const options = this.select.options;
    const same =
      options.length === wanted.length && wanted.every((w, i) => options[i].value === w.value && options[i].text === w.text);
    if (!same) this.select.replaceChildren(...wanted.map((w) => new Option(w.text, w.value)));
    this.select.value = selected === null ? '' : String(selected);
  }

  /**
   * The address bar and the link to the other window name the shown user.
   * @param {number | null} userId
   */
  showUserInLinks(userId) {
    const url = new URL(window.location.href);
    if (userId === null) url.searchParams.delete('user');
    else url.searchParams.set('user', String(userId));
    window.history.replaceState(null, '', url);
    const other = new URL(this.otherWindow.getAttribute('href') ?? '', window.location.href);
    if (userId === null) other.searchParams.delete('user');
    else other.searchParams.set('user', String(userId));
    this.otherWindow.href = other.pathname + other.search;
  }

  /** @param {UserResponse} user */
  showDeleteConfirm(user) {
    this.deleteQuestion.textContent = `Delete ${fullName(user)} (#${user.id})? This cannot be undone.`;
    this.deleteConfirm.hidden = false;
    this.deleteButton.hidden = true;
    this.deleteNo.focus();
  }

  /** Closes the confirmation, giving focus back to the delete button if the person was in it. */
  hideDeleteConfirm() {
    const hadFocus = this.deleteConfirm.contains(document.activeElement);
    this.deleteConfirm.hidden = true;
    this.deleteButton.hidden = false;
    if (hadFocus) this.deleteButton.focus();
  }

  /** The names typed in the "Add a user" form. */
  newUserNames() {
    return { first_name: this.newGiven.value, last_name: this.newFamily.value };
  }

  closeCreateForm() {
    this.createForm.reset();
    this.create.open = false;
  }
}

/**
 * "Window 2 changed Last name from “Doe” to “Smith” · 10:32:05" (as text: names never become HTML).
 * @param {HistoryEntry} entry
 */
function historyItem(entry) {
  const item = document.createElement('li');
  item.className = 'history-entry';
  item.dataset.version = String(entry.version);
  const who = document.createElement('strong');
  who.className = 'history-who';
  who.textContent = entry.by ?? 'Someone else';
  const time = document.createElement('time');
  time.dateTime = entry.at;
  time.textContent = formatTime(entry.at);
  item.append(who, ` ${describeChange(entry)} · `, time);
  return item;
}

/** @param {string | null} value */
function quoted(value) {
  return value === null || value === '' ? 'nothing' : `“${value}”`;
}

/** @param {HistoryEntry} entry */
function describeChange(entry) {
  if (entry.action === 'create') {
    return `created the user (${entry.fields.map(({ field, to }) => `${NAME_LABELS[field]} ${quoted(to)}`).join(', ')})`;
  }
  if (entry.action === 'delete') return 'deleted the user';
  if (entry.fields.length === 0) return 'saved without changing a name';
  return `changed ${entry.fields.map(({ field, from, to }) => `${NAME_LABELS[field]} from ${quoted(from)} to ${quoted(to)}`).join(' and ')}`;
}
