// @ts-check
/*
 * The user as the windows show it. Names are data: they only ever reach the
 * page through textContent, value or new Option(text), never through innerHTML.
 */

/** @typedef {import('./wire.js').UserResponse} UserResponse */
/** @typedef {import('./wire.js').NameField} NameField */

/** The two name fields with their labels, in the order the windows show them. @type {Readonly<Record<NameField, string>>} */
export const NAME_LABELS = Object.freeze({ first_name: 'First name', last_name: 'Last name' });

/**
 * Whether a value from the network is a user (the fields the windows read).
 * @param {unknown} value
 * @returns {value is UserResponse}
 */
export function isUser(value) {
  if (typeof value !== 'object' || value === null) return false;
  const user = /** @type {Record<string, unknown>} */ (value);
  return (
    Number.isSafeInteger(user.id) &&
    typeof user.first_name === 'string' &&
    typeof user.last_name === 'string' &&
    Number.isSafeInteger(user.version)
  );
}

/**
 * A positive integer id from text, or null.
 * @param {unknown} text
 * @returns {number | null}
 */
export function parseId(text) {
  if (typeof text !== 'string' || !/^[1-9]\d{0,15}$/.test(text)) return null;
  const id = Number(text);
  return Number.isSafeInteger(id) ? id : null;
}

/**
 * "Ann Smith", or a placeholder when both names are empty.
 * @param {Pick<UserResponse, NameField>} user
 */
export function fullName(user) {
  const name = `${user.first_name} ${user.last_name}`.trim();
  return name || '(no name)';
}

/**
 * Local time of an ISO timestamp: "10:32:05", with the date when it is not today.
 * @param {string} iso
 */
export function formatTime(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  const time = date.toLocaleTimeString([], { hour: 'numeric', minute: '2-digit', second: '2-digit' });
  if (date.toDateString() === new Date().toDateString()) return time;
  return `${date.toLocaleDateString([], { year: 'numeric', month: 'short', day: 'numeric' })} ${time}`;
}
