import { nowMs } from './clock';
import type { LeanSocket } from './lean-socket';
import { hasChangeFields, isRecovery, isUserUpdate, socketUrl } from './wire';
import type { ChurnSettings, ConnectTarget, ResumeReport } from './worker-protocol';

/**
 * The reconnect scenario's side of one subscriber thread: each client keeps
 * the version of the user it shows and applies versions strictly in order, as
 * docs/realtime.md's "what a client does" says; during the run a rotating
 * share of the clients drop their WebSocket abruptly and reconnect with
 * `user_id` and `version` (the last version applied), and the server must
 * replay what they missed, in order, then say `recovery`.
 */

export interface ResumeClient {
  target: ConnectTarget;
  /** The client's column in the thread's arrival-time matrix. */
  column: number;
  socket: LeanSocket;
}

/**
 * live: connected, applying what comes; offline: dropped, waiting to
 * reconnect; connecting: reconnect sent, no `40` yet; replaying: connected
 * with a version, every user_update until `recovery` is the replay.
 */
type Phase = 'live' | 'offline' | 'connecting' | 'replaying';

interface Held {
  patch: number;
  seq: number;
  arrivedAt: number;
  live: boolean;
}

interface ClientState {
  client: ResumeClient;
  phase: Phase;
  /** The version the client shows: every version up to it was applied, in order, once. */
  applied: number;
  lastSeq: number;
  /** PATCH index (from first_name) applied at version startVersion + 1 + i; -1 not applied, -2 not a PATCH of this run. */
  patchAt: Int32Array;
  /** Events ahead of a gap, by version, until the gap fills. */
  held: Map<number, Held>;
  /** The version the current replay started from, and how many user_update it has brought. */
  replayFrom: number;
  replayCount: number;
  connectedAt: number;
  attempts: number;
  timer?: NodeJS.Timeout;
}

const MAX_ERRORS = 5;
/** A reconnect that fails is tried again after another delay, this many times in all. */
const MAX_ATTEMPTS = 5;

export interface SessionOptions {
  token: string;
  /** PATCHes of the run: the arrival-time matrix has one row per PATCH. */
  capacity: number;
  /** The user's version before the first PATCH: every client shows it. */
  startVersion: number;
}

export class ResumeSession {
  /** times[patch * clients + column]: when a live event of PATCH `patch` reached the client; NaN otherwise. */
  readonly times: Float64Array;
  private readonly states: ClientState[];
  private readonly prefix: string;
  private readonly counters = {
    drops: 0,
    reconnects: 0,
    reconnectFailures: 0,
    unexpectedCloses: 0,
    replayedEvents: 0,
    recoveries: 0,
    recoveredFalse: 0,
    recoveryTimeouts: 0,
    unexpectedRecoveries: 0,
    replayCountMismatch: 0,
    replayOutOfOrder: 0,
    duplicatesDropped: 0,
    duplicatesAfterReplay: 0,
    heldAhead: 0,
    malformed: 0,
    wrongUser: 0,
    unmatched: 0,
    seqNotGrowing: 0,
    liveEvents: 0,
  };
  private readonly recoveryMs: number[] = [];
  private readonly errors: string[] = [];
  private settings: ChurnSettings = {
    fraction: 0.1,
    everyMs: 1_000,
    delayMinMs: 100,
    delayMaxMs: 1_000,
    connectTimeoutMs: 10_000,
    recoveryTimeoutMs: 15_000,
  };
  private churnTimer?: NodeJS.Timeout;
  private churnCursor = 0;
  private disposed = false;

  constructor(
    clients: readonly ResumeClient[],
    private readonly options: SessionOptions,
  ) {
    this.prefix = `${options.token}-`;
    this.times = new Float64Array(options.capacity * clients.length).fill(Number.NaN);
    this.states = clients.map((client) => ({
      client,
      phase: 'live',
      applied: options.startVersion,
      lastSeq: 0,
      patchAt: new Int32Array(options.capacity).fill(-1),
      held: new Map(),
      replayFrom: 0,
      replayCount: 0,
      connectedAt: 0,
      attempts: 0,
    }));
    // A client whose first connect failed (counted by the scenario) tries again, as a dropped one does.
    for (const state of this.states) if (!state.client.socket.isOpen) this.goOffline(state);
  }

  private note(message: string): void {
    if (this.errors.length < MAX_ERRORS) this.errors.push(message);
  }

  onEvent(column: number, name: string, payload: unknown): boolean {
    const state = this.states[column];
    if (!state) return false;
    if (name === 'user_update') this.onUserUpdate(state, payload);
    else if (name === 'recovery') this.onRecovery(state, payload);
    else return false;
    return true;
  }

  /** The `40` of a reconnect: from here until `recovery`, user_update events are the replay. */
  onConnect(column: number): void {
    const state = this.states[column];
    if (!state || state.phase !== 'connecting') return;
    state.phase = 'replaying';
    state.connectedAt = nowMs();
  }

  /** The server closed a connection the bench did not drop: reconnect, as socket.io's client would. */
  onClose(column: number): void {
    const state = this.states[column];
    // A reconnect in progress reports its own failure; a dropped one was meant.
    if (this.disposed || !state || state.phase === 'offline' || state.phase === 'connecting') return;
    this.counters.unexpectedCloses += 1;
    this.note(`connection closed by the server while ${state.phase} at version ${state.applied}`);
    this.goOffline(state);
  }

  private onUserUpdate(state: ClientState, payload: unknown): void {
    if (!isUserUpdate(payload) || !hasChangeFields(payload)) {
      this.counters.malformed += 1;
      this.note(`malformed user_update: ${JSON.stringify(payload)?.slice(0, 200)}`);
      return;
    }
    const { user, seq } = payload;
    // Creates and deletes of other users reach every client (for lists): not this client's business.
    if (user.id !== state.client.target.userId && payload.action !== 'update') return;
    if (payload.action !== 'update' || user.id !== state.client.target.userId) {
      this.counters.wrongUser += 1;
      this.note(`client following ${state.client.target.userId} got ${payload.action} of user ${user.id}`);
      return;
    }
    const arrivedAt = nowMs();
    const live = state.phase === 'live';
    if (state.phase === 'replaying') {
      // A replay is the missed versions, oldest first, with no gap: exactly replayFrom + 1, + 2, …
      state.replayCount += 1;
      this.counters.replayedEvents += 1;
      const expected = state.replayFrom + state.replayCount;
      if (user.version !== expected) {
        this.counters.replayOutOfOrder += 1;
        this.note(`replay from version ${state.replayFrom} sent version ${user.version} where ${expected} was due`);
      }
    } else if (live) {
      this.counters.liveEvents += 1;
    }
    const patch = this.patchOf(user.first_name);
    const version = user.version;
    if (version <= state.applied || state.held.has(version)) {
      this.counters.duplicatesDropped += 1;
      // A live copy of a version this connection's replay carried: the server's hold let it through.
      if (live && version > state.replayFrom && version <= state.replayFrom + state.replayCount)
        this.counters.duplicatesAfterReplay += 1;
      return;
    }
    if (version > state.applied + 1) {
      // A gap: held until the missing version comes (a later replay may bring it); never filled, it is missing.
      this.counters.heldAhead += 1;
      state.held.set(version, { patch, seq, arrivedAt, live });
      return;
    }
    this.apply(state, version, { patch, seq, arrivedAt, live });
    for (let next = state.held.get(state.applied + 1); next; next = state.held.get(state.applied + 1)) {
      state.held.delete(state.applied + 1);
      this.apply(state, state.applied + 1, next);
    }
  }

  private apply(state: ClientState, version: number, event: Held): void {
    if (event.seq <= state.lastSeq) {
      this.counters.seqNotGrowing += 1;
      this.note(`version ${version} carried seq ${event.seq}, not above ${state.lastSeq}`);
    }
    state.lastSeq = Math.max(state.lastSeq, event.seq);
    state.applied = version;
    const slot = version - this.options.startVersion - 1;
    if (slot < state.patchAt.length) state.patchAt[slot] = event.patch;
    if (event.live && event.patch >= 0) this.times[event.patch * this.states.length + state.client.column] = event.arrivedAt;
  }

  /** PATCH i of this run set first_name to `${token}-${i}`; -2 for anything else. */
  private patchOf(value: string): number {
    if (!value.startsWith(this.prefix)) {
      this.counters.unmatched += 1;
      this.note(`first_name ${value.slice(0, 60)} is no PATCH of this run`);
      return -2;
    }
    const patch = Number(value.slice(this.prefix.length));
    if (!Number.isInteger(patch) || patch < 0 || patch >= this.options.capacity) {
      this.counters.unmatched += 1;
      return -2;
    }
    return patch;
  }

  private onRecovery(state: ClientState, payload: unknown): void {
    if (!isRecovery(payload) || payload.user_id !== state.client.target.userId) {
      this.counters.malformed += 1;
      this.note(`malformed recovery: ${JSON.stringify(payload)?.slice(0, 200)}`);
      return;
    }
    if (state.phase !== 'replaying') {
      this.counters.unexpectedRecoveries += 1;
      this.note(`recovery while ${state.phase}: ${JSON.stringify(payload)}`);
      return;
    }
    this.counters.recoveries += 1;
    this.recoveryMs.push(nowMs() - state.connectedAt);
    if (!payload.recovered) {
      this.counters.recoveredFalse += 1;
      this.note(`recovered: false after a reconnect from version ${state.replayFrom}`);
    }
    if (payload.replayed !== state.replayCount) {
      this.counters.replayCountMismatch += 1;
      this.note(`recovery says replayed ${payload.replayed}, ${state.replayCount} user_update came before it`);
    }
    clearTimeout(state.timer);
    state.timer = undefined;
    state.phase = 'live';
  }

  /**
   * Every `everyMs` (from half of it), the next `fraction` of this thread's clients (in turn,
   * skipping those not live) drop their WebSocket and reconnect after a
   * random delay in [delayMinMs, delayMaxMs].
   */
  startChurn(settings: ChurnSettings): void {
    this.stopChurn();
    this.settings = settings;
    const perTick = Math.max(1, Math.round(settings.fraction * this.states.length));
    const round = (): void => {
      let dropped = 0;
      for (let looked = 0; looked < this.states.length && dropped < perTick; looked += 1) {
        const state = this.states[this.churnCursor];
        this.churnCursor = (this.churnCursor + 1) % this.states.length;
        if (state.phase !== 'live') continue;
        state.client.socket.drop();
        this.counters.drops += 1;
        dropped += 1;
        this.goOffline(state);
      }
    };
    // Rounds at 0.5, 1.5, 2.5 … periods: a run of N periods has N rounds, none racing its end.
    this.churnTimer = setTimeout(() => {
      round();
      this.churnTimer = setInterval(round, settings.everyMs);
    }, settings.everyMs / 2);
  }

  stopChurn(): void {
    clearTimeout(this.churnTimer);
    clearInterval(this.churnTimer);
    this.churnTimer = undefined;
  }

  private goOffline(state: ClientState): void {
    clearTimeout(state.timer);
    state.phase = 'offline';
    state.attempts = 0;
    this.scheduleReconnect(state);
  }

  private scheduleReconnect(state: ClientState): void {
    const { delayMinMs, delayMaxMs } = this.settings;
    state.timer = setTimeout(() => this.reconnect(state), delayMinMs + Math.random() * (delayMaxMs - delayMinMs));
  }

  private reconnect(state: ClientState): void {
    if (this.disposed) return;
    state.attempts += 1;
    state.phase = 'connecting';
    state.replayFrom = state.applied;
    state.replayCount = 0;
    const { target } = state.client;
    // The base URL is the first connect's; only the version in the query changes.
    const base = target.url.slice(0, target.url.indexOf('/socket.io/')).replace(/^ws/, 'http');
    const url = socketUrl(base, target.userId, state.applied);
    const { connectTimeoutMs, recoveryTimeoutMs } = this.settings;
    state.client.socket.reconnect(url, connectTimeoutMs).then(
      () => {
        if (this.disposed) return;
        this.counters.reconnects += 1;
        // A replay that never ends would hold the client's live events for good.
        state.timer = setTimeout(() => {
          if (state.phase !== 'replaying') return;
          this.counters.recoveryTimeouts += 1;
          this.note(`no recovery within ${recoveryTimeoutMs} ms of a reconnect from version ${state.replayFrom}`);
          state.phase = 'live';
        }, recoveryTimeoutMs);
      },
      (error: Error) => {
        if (this.disposed) return;
        this.counters.reconnectFailures += 1;
        this.note(`reconnect from version ${state.replayFrom}: ${error.message}`);
        state.phase = 'offline';
        if (state.attempts < MAX_ATTEMPTS) this.scheduleReconnect(state);
      },
    );
  }

  /**
   * Where the clients stand against the user's final version, and (with the
   * PATCH index each version was made by, from the PATCH answers) whether
   * each applied version carried its own PATCH's value.
   */
  report(finalVersion: number, patchOfVersion?: readonly number[]): ResumeReport {
    let offline = 0;
    let replaying = 0;
    let behind = 0;
    let missing = 0;
    let wrongValue = 0;
    for (const state of this.states) {
      if (state.phase === 'offline' || state.phase === 'connecting') offline += 1;
      if (state.phase === 'replaying') replaying += 1;
      if (state.applied < finalVersion) behind += 1;
      missing += Math.max(0, finalVersion - state.applied);
      if (!patchOfVersion) continue;
      for (let version = this.options.startVersion + 1; version <= state.applied; version += 1) {
        const expected = patchOfVersion[version];
        const got = state.patchAt[version - this.options.startVersion - 1];
        if (expected !== undefined && expected >= 0 && got !== expected) {
          wrongValue += 1;
          this.note(`version ${version} carried PATCH ${got}, its PATCH answer says ${expected}`);
        }
      }
    }
    return {
      clients: this.states.length,
      offline,
      replaying,
      behind,
      missing,
      wrongValue,
      ...this.counters,
      recoveryMs: [...this.recoveryMs],
      errors: [...this.errors],
    };
  }

  dispose(): void {
    this.disposed = true;
    this.stopChurn();
    for (const state of this.states) clearTimeout(state.timer);
  }
}
