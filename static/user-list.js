// @ts-check
/*
 * The users as a page knows them, kept live from user_update events.
 */

/** @typedef {import('./wire.js').UserResponse} UserResponse */
/** @typedef {import('./wire.js').UserUpdateMessage['action']} UserAction */

/**
 * A refresh (GET /api/users) merges with events that arrived while it was on
 * its way, so a create or delete is never lost to a slower, older listing.
 */
export class UserList {
  /**
   * @param {() => void} onChange Called after every change of what the list holds.
   * @param {() => Promise<UserResponse[]>} fetchAll The listing (GET /api/users).
   */
  constructor(onChange, fetchAll) {
    /** @type {Map<number, UserResponse>} */
    this.users = new Map();
    this.onChange = onChange;
    this.fetchAll = fetchAll;
    this.epoch = 0;
    /** @type {Map<number, { epoch: number, deleted: boolean }>} */
    this.touched = new Map();
    /** Ids deleted while this page was open: a late update (e.g. a PATCH response) must not bring one back. @type {Set<number>} */
    this.gone = new Set();
    this.loaded = false;
  }

  sorted() {
    return [...this.users.values()].sort((a, b) => a.id - b.id);
  }

  first() {
    return this.sorted()[0] ?? null;
  }

  /** @param {number} id */
  get(id) {
    return this.users.get(id) ?? null;
  }

  /**
   * Applies a user_update event, or a response the page got itself.
   * @param {UserAction} action
   * @param {UserResponse} user
   */
  apply(action, user) {
    if (action === 'delete') {
      this.remove(user.id);
      return;
    }
    if (action === 'update' && this.gone.has(user.id)) return;
    if (action === 'create') this.gone.delete(user.id);
    this.touch(user.id, false);
    const known = this.users.get(user.id);
    if (known && known.version >= user.version) return;
    this.users.set(user.id, user);
    this.onChange();
  }

  /**
   * The user with this id no longer exists.
   * @param {number} id
   */
  remove(id) {
    this.touch(id, true);
    this.gone.add(id);
    if (this.users.delete(id)) this.onChange();
  }

  /**
   * @param {number} id
   * @param {boolean} deleted
   */
  touch(id, deleted) {
    this.epoch += 1;
    this.touched.set(id, { epoch: this.epoch, deleted });
  }

  async refresh() {
    const started = this.epoch;
    const fetched = await this.fetchAll();
    /** @type {Map<number, UserResponse>} */
    const next = new Map();
    for (const user of fetched) next.set(user.id, user);
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
