/**
 * The wire format both servers must speak (README "API and events"), checked
 * on every event the generator receives: a server that sent the wrong shape
 * would otherwise look fast.
 */
export interface WireUser {
  id: number;
  first_name: string;
  last_name: string;
  created_at: string;
  updated_at: string;
  version: number;
}

export interface UserUpdateMessage {
  action: 'create' | 'update' | 'delete';
  user: WireUser;
}

/** What the project adds to each user_update (issue 9): the change's sequence number and who made it. */
export interface ChangeFields {
  seq: number;
  by: string | null;
}

/** Ends a replay asked for with a position (handshake `version`): how many user_update events it sent. */
export interface RecoveryMessage {
  user_id: number | null;
  recovered: boolean;
  replayed: number;
}

export interface PresenceMessage {
  user_id: number;
  count: number;
}

const ACTIONS = new Set(['create', 'update', 'delete']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0;
}

export function isWireUser(value: unknown): value is WireUser {
  return (
    isRecord(value) &&
    isPositiveInteger(value.id) &&
    typeof value.first_name === 'string' &&
    typeof value.last_name === 'string' &&
    typeof value.created_at === 'string' &&
    typeof value.updated_at === 'string' &&
    isPositiveInteger(value.version)
  );
}

export function isUserUpdate(value: unknown): value is UserUpdateMessage {
  return isRecord(value) && typeof value.action === 'string' && ACTIONS.has(value.action) && isWireUser(value.user);
}

export function hasChangeFields(value: UserUpdateMessage): value is UserUpdateMessage & ChangeFields {
  const fields = value as unknown as Record<string, unknown>;
  return isPositiveInteger(fields.seq) && (fields.by === null || typeof fields.by === 'string');
}

export function isRecovery(value: unknown): value is RecoveryMessage {
  return (
    isRecord(value) &&
    (value.user_id === null || isPositiveInteger(value.user_id)) &&
    typeof value.recovered === 'boolean' &&
    typeof value.replayed === 'number' &&
    Number.isInteger(value.replayed) &&
    value.replayed >= 0
  );
}

export function isPresence(value: unknown): value is PresenceMessage {
  return (
    isRecord(value) &&
    isPositiveInteger(value.user_id) &&
    typeof value.count === 'number' &&
    Number.isInteger(value.count) &&
    value.count >= 0
  );
}

/**
 * socket.io over a bare WebSocket: engine.io v4, no polling first. With a
 * version, the handshake names the version the client shows, and the server
 * first replays what it missed since (docs/realtime.md, after a reconnect).
 */
export function socketUrl(baseUrl: string, userId: number | null, version?: number): string {
  const ws = baseUrl.replace(/^http/, 'ws');
  const query = userId === null ? '' : `&user_id=${userId}`;
  const position = userId !== null && version !== undefined ? `&version=${version}` : '';
  return `${ws}/socket.io/?EIO=4&transport=websocket${query}${position}`;
}
