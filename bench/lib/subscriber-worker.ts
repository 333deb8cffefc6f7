import { parentPort } from 'node:worker_threads';
import { nowMs } from './clock';
import { LeanSocket } from './lean-socket';
import { ResumeSession } from './resume-session';
import { isPresence, isUserUpdate } from './wire';
import type {
  CloseReply,
  CollectReply,
  ConnectReply,
  ConnectTarget,
  ResumeReport,
  WorkerCommand,
  WorkerReply,
  WorkerStatus,
} from './worker-protocol';

/**
 * One subscriber thread: holds its share of the bench's sockets, parses and
 * checks every event they get, and records fan-out arrival times on the
 * shared clock. The main thread only sends commands and reads summaries.
 */

interface Client {
  target: ConnectTarget;
  column: number;
  socket: LeanSocket;
  lastPresence: number | null;
  lastVersion: number;
}

interface Recording {
  token: string;
  prefix: string;
  capacity: number;
  times: Float64Array;
}

const MAX_ERRORS = 5;

let clients: Client[] = [];
let recording: Recording | undefined;
/** The reconnect scenario, once armed with follow-versions: it takes the clients' user_update and recovery events. */
let session: ResumeSession | undefined;
let phase = 'setup';
let counters = freshCounters();

function freshCounters(): Omit<WorkerStatus, 'clients' | 'open' | 'closed' | 'presenceAtCount'> {
  return {
    userUpdates: 0,
    received: 0,
    presence: {},
    lastPresenceAt: 0,
    malformed: 0,
    duplicates: 0,
    unmatched: 0,
    outOfOrder: 0,
    wrongUser: 0,
    errors: [],
  };
}

function noteError(message: string): void {
  if (counters.errors.length < MAX_ERRORS) counters.errors.push(message);
}

function onEvent(client: Client, name: string, payload: unknown): void {
  if (session?.onEvent(client.column, name, payload)) return;
  if (name === 'user_update') return onUserUpdate(client, payload);
  if (name === 'presence') return onPresence(client, payload);
  // change_origin and any future event: not the bench's business, but still JSON already parsed.
}

function onUserUpdate(client: Client, payload: unknown): void {
  if (!isUserUpdate(payload)) {
    counters.malformed += 1;
    noteError(`malformed user_update: ${JSON.stringify(payload)?.slice(0, 200)}`);
    return;
  }
  counters.userUpdates += 1;
  const { user } = payload;
  if (payload.action === 'update' && client.target.userId !== null && user.id !== client.target.userId) {
    counters.wrongUser += 1;
    noteError(`client following ${client.target.userId} got user ${user.id}`);
  }
  if (payload.action === 'update') {
    if (user.version <= client.lastVersion) {
      counters.outOfOrder += 1;
      noteError(`out of order: version ${user.version} (${user.first_name}) after ${client.lastVersion}`);
    }
    client.lastVersion = user.version;
  }
  record(client, user.first_name);
}

function record(client: Client, value: string): void {
  const active = recording;
  if (!active || !value.startsWith(active.prefix)) {
    counters.unmatched += 1;
    return;
  }
  const patch = Number(value.slice(active.prefix.length));
  if (!Number.isInteger(patch) || patch < 0 || patch >= active.capacity) {
    counters.unmatched += 1;
    return;
  }
  const slot = patch * clients.length + client.column;
  if (!Number.isNaN(active.times[slot])) {
    counters.duplicates += 1;
    return;
  }
  active.times[slot] = nowMs();
  counters.received += 1;
}

function onPresence(client: Client, payload: unknown): void {
  if (!isPresence(payload) || (client.target.userId !== null && payload.user_id !== client.target.userId)) {
    counters.malformed += 1;
    noteError(`unexpected presence for client of ${client.target.userId}: ${JSON.stringify(payload)?.slice(0, 200)}`);
    return;
  }
  client.lastPresence = payload.count;
  counters.presence[phase] = (counters.presence[phase] ?? 0) + 1;
  counters.lastPresenceAt = nowMs();
}

function openClient(target: ConnectTarget, timeoutMs: number): Promise<void> {
  const client: Client = {
    target,
    column: clients.length,
    socket: undefined as unknown as LeanSocket,
    lastPresence: null,
    lastVersion: 0,
  };
  client.socket = new LeanSocket(target.url, {
    onEvent: (name, payload) => onEvent(client, name, payload),
    onMalformed: (frame) => {
      counters.malformed += 1;
      noteError(`malformed frame: ${frame}`);
    },
    onClose: () => session?.onClose(client.column),
    onConnect: () => session?.onConnect(client.column),
  });
  clients.push(client);
  return client.socket.ready(timeoutMs);
}

async function connect(targets: ConnectTarget[], concurrency: number, timeoutMs: number): Promise<ConnectReply> {
  const reply: ConnectReply = { opened: 0, failed: 0, errors: [] };
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < targets.length) {
      const target = targets[next];
      next += 1;
      try {
        await openClient(target, timeoutMs);
        reply.opened += 1;
      } catch (error) {
        reply.failed += 1;
        if (reply.errors.length < MAX_ERRORS) reply.errors.push((error as Error).message);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, lane));
  return reply;
}

function status(expectCount: number | null): WorkerStatus {
  let open = 0;
  let closed = 0;
  let atCount = 0;
  for (const client of clients) {
    if (client.socket.isOpen) open += 1;
    if (client.socket.isClosed) closed += 1;
    if (expectCount !== null && client.lastPresence === expectCount) atCount += 1;
  }
  return {
    ...counters,
    presence: { ...counters.presence },
    errors: [...counters.errors],
    clients: clients.length,
    open,
    closed,
    presenceAtCount: atCount,
  };
}

function arm(token: string, capacity: number): null {
  recording = { token, prefix: `${token}-`, capacity, times: new Float64Array(capacity * clients.length).fill(Number.NaN) };
  counters.received = 0;
  return null;
}

function collect(): CollectReply {
  const times = session?.times ?? recording?.times ?? new Float64Array(0);
  recording = undefined;
  return { clients: clients.map((client) => client.target.index), times };
}

/** Closes every socket in one go (a mass leave), then waits for each to finish closing. */
async function closeAll(timeoutMs: number): Promise<CloseReply> {
  const pending = clients.filter((client) => !client.socket.isClosed);
  for (const client of pending) client.socket.close();
  const deadline = nowMs() + timeoutMs;
  while (pending.some((client) => !client.socket.isClosed) && nowMs() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const stuck = pending.filter((client) => !client.socket.isClosed);
  for (const client of stuck) client.socket.terminate();
  return { closed: pending.length - stuck.length, forced: stuck.length };
}

async function reset(): Promise<null> {
  session?.dispose();
  session = undefined;
  await closeAll(5_000);
  clients = [];
  recording = undefined;
  phase = 'setup';
  counters = freshCounters();
  return null;
}

function followVersions(token: string, capacity: number, startVersion: number): null {
  session?.dispose();
  session = new ResumeSession(clients, { token, capacity, startVersion });
  return null;
}

function resumeReport(finalVersion: number, patchOfVersion?: number[]): ResumeReport {
  if (!session) throw new Error('resume-report before follow-versions');
  return session.report(finalVersion, patchOfVersion);
}

type ReplyValue = ConnectReply | WorkerStatus | CollectReply | CloseReply | ResumeReport | null;

function handle(command: WorkerCommand): Promise<ReplyValue> {
  switch (command.type) {
    case 'connect':
      return connect(command.targets, command.concurrency, command.timeoutMs);
    case 'arm':
      return Promise.resolve(arm(command.token, command.capacity));
    case 'status':
      return Promise.resolve(status(command.expectCount));
    case 'collect':
      return Promise.resolve(collect());
    case 'phase':
      phase = command.name;
      return Promise.resolve(null);
    case 'close-all':
      return closeAll(command.timeoutMs);
    case 'reset':
      return reset();
    case 'follow-versions':
      return Promise.resolve(followVersions(command.token, command.capacity, command.startVersion));
    case 'churn':
      session?.startChurn(command.settings);
      return Promise.resolve(null);
    case 'churn-stop':
      session?.stopChurn();
      return Promise.resolve(null);
    case 'resume-report':
      return Promise.resolve(resumeReport(command.finalVersion, command.patchOfVersion));
  }
}

const port = parentPort;
if (!port) throw new Error('subscriber-worker runs only as a worker thread');
port.on('message', (command: WorkerCommand) => {
  handle(command).then(
    (value) => {
      const reply: WorkerReply = { id: command.id, ok: true, value };
      // The arrival times can be megabytes: moved to the main thread, not copied.
      const transfer = command.type === 'collect' ? [(value as CollectReply).times.buffer as ArrayBuffer] : [];
      port.postMessage(reply, transfer);
    },
    (error: Error) => port.postMessage({ id: command.id, ok: false, error: error.message } satisfies WorkerReply),
  );
});
