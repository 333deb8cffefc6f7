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
  | { type: 'reset'; id: number };

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
  | { id: number; ok: true; value: ConnectReply | WorkerStatus | CollectReply | CloseReply | null }
  | { id: number; ok: false; error: string };
