// @ts-check
/* Finding the page's elements, typed; a missing one is a broken page, said at once. */

/**
 * The element with this id, which must be a `type` (HTMLInputElement, ...).
 * @template {HTMLElement} T
 * @param {string} id
 * @param {{ new (): T, name: string }} type
 * @returns {T}
 */
export function byId(id, type) {
  const found = document.getElementById(id);
  if (!(found instanceof type)) throw new Error(`#${id} is missing or is not a ${type.name}`);
  return found;
}
