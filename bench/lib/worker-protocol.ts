/** Messages between the bench's main thread and its subscriber workers. */

export interface ConnectTarget {
  /** Index of the client across all workers. */
  index: number;
  url: string;
  /** The user the client follows (handshake user_id); null for "everything". */
  userId: number | null;
}

export type WorkerCommand =
  | { type: 'connect'; id: number; targets: ConnectTarget[]; concurrency: number; timeoutMs: number }
  /** Starts recording fan-out deliveries: value `${token}-${i}` in first_name is PATCH i. */
  | { type: 'arm'; id: number; token: string; capacity: number }
  | { type: 'status'; id: number; expectCount: number | null }
  | { type: 'collect'; id: number }
  | { type: 'phase'; id: number; name: string }
  | { type: 'close-all'; id: number; timeoutMs: number }
  | { type: 'reset'; id: number }
  /**
   * The reconnect scenario: every client shows `startVersion` and from now on
   * applies versions in order; live arrivals of `${token}-${i}` are recorded
   * as fan-out deliveries are (collect returns them).
   */
  | { type: 'follow-versions'; id: number; token: string; capacity: number; startVersion: number }
  | { type: 'churn'; id: number; settings: ChurnSettings }
  | { type: 'churn-stop'; id: number }
  /** With patchOfVersion (index: version, value: the PATCH index that made it), applied values are checked too. */
  | { type: 'resume-report'; id: number; finalVersion: number; patchOfVersion?: number[] };

/** Drops and reconnects during the reconnect scenario. */
export interface ChurnSettings {
  /** Share of each thread's clients dropped per round, in turn. */
  fraction: number;
  everyMs: number;
  /** A dropped client reconnects after a random delay in this range. */
  delayMinMs: number;
  delayMaxMs: number;
  connectTimeoutMs: number;
  /** A replay whose recovery has not come by then is counted and given up. */
  recoveryTimeoutMs: number;
}

/** The reconnect scenario's counts for one thread (or, from the pool, summed over threads). */
export interface ResumeReport {
  clients: number;
  /** Dropped and not yet connected again. */
  offline: number;
  /** Connected again, recovery not yet received. */
  replaying: number;
  /** Clients whose shown version is below the final one. */
  behind: number;
  /** Versions up to the final one that clients never applied, summed over clients. */
  missing: number;
  /** Applied versions whose first_name was another PATCH's than the PATCH answer of that version says. */
  wrongValue: number;
  drops: number;
  reconnects: number;
  reconnectFailures: number;
  unexpectedCloses: number;
  replayedEvents: number;
  recoveries: number;
  recoveredFalse: number;
  recoveryTimeouts: number;
  unexpectedRecoveries: number;
  replayCountMismatch: number;
  replayOutOfOrder: number;
  /** user_update of a version the client had applied already (or held): dropped, as clients do. */
  duplicatesDropped: number;
  /** Of those, live copies (after recovery) of a version the same connection's replay had carried. */
  duplicatesAfterReplay: number;
  /** Events that came ahead of a missing version and waited for it. */
  heldAhead: number;
  malformed: number;
  wrongUser: number;
  unmatched: number;
  seqNotGrowing: number;
  liveEvents: number;
  /** Per reconnect: from its socket.io connect to its recovery. */
  recoveryMs: number[];
  errors: string[];
}

export interface ConnectReply {
  opened: number;
  failed: number;
  errors: string[];
}

export interface WorkerStatus {
  clients: number;
  open: number;
  closed: number;
  userUpdates: number;
  /** Deliveries recorded since arm. */
  received: number;
  /** presence messages by phase name. */
  presence: Record<string, number>;
  /** Clients whose last presence message said expectCount. */
  presenceAtCount: number;
  /** When the last presence message arrived (shared time base), 0 if none. */
  lastPresenceAt: number;
  malformed: number;
  duplicates: number;
  unmatched: number;
  outOfOrder: number;
  wrongUser: number;
  errors: string[];
}

export interface CollectReply {
  /** Global client indices, in the column order of `times`. */
  clients: number[];
  /** times[patch * clients.length + column]: arrival time, NaN when it never arrived. */
  times: Float64Array;
}

export interface CloseReply {
  closed: number;
  /** Sockets still not closed at the deadline, then terminated. */
  forced: number;
}

export type WorkerReply =
  | { id: number; ok: true; value: ConnectReply | WorkerStatus | CollectReply | CloseReply | ResumeReport | null }
  | { id: number; ok: false; error: string };
