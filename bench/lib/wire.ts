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

export function isPresence(value: unknown): value is PresenceMessage {
  return isRecord(value) && isPositiveInteger(value.user_id) && typeof value.count === 'number' && Number.isInteger(value.count) && value.count >= 0;
}

/** socket.io over a bare WebSocket: engine.io v4, no polling first. */
export function socketUrl(baseUrl: string, userId: number | null): string {
  const ws = baseUrl.replace(/^http/, 'ws');
  const query = userId === null ? '' : `&user_id=${userId}`;
  return `${ws}/socket.io/?EIO=4&transport=websocket${query}`;
}
