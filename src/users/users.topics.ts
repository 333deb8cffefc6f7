/** The realtime topic of one user: its windows' room, and what its presence counts. */
export const USER_TOPIC_PREFIX = 'user:';

export function topicForUser(userId: number): string {
  return `${USER_TOPIC_PREFIX}${userId}`;
}

/** The user a topic names, or undefined for another kind of topic. */
export function userOfTopic(topic: string): number | undefined {
  if (!topic.startsWith(USER_TOPIC_PREFIX)) return undefined;
  const id = Number(topic.slice(USER_TOPIC_PREFIX.length));
  return Number.isSafeInteger(id) && id > 0 ? id : undefined;
}

/**
 * Reads the `user_id` a client names (handshake query or `subscribe`):
 * null when it names none, undefined when what it names is not a positive integer.
 */
export function parseUserId(value: unknown): number | null | undefined {
  if (value === undefined || value === null || value === '') return null;
  const text = typeof value === 'number' ? String(value) : value;
  if (typeof text !== 'string' || !/^[1-9]\d*$/.test(text)) return undefined;
  const id = Number(text);
  return Number.isSafeInteger(id) ? id : undefined;
}

/** Where a client stands: the user it follows (null: everything), and optionally how far it got. */
export interface ResumePosition {
  userId: number | null;
  /** The version of the user it shows (when following one user). */
  version?: number;
  /** The last seq it saw (when following everything). */
  since?: number;
}

/** Versions and sequence numbers are 32-bit integers in the database. */
const MAX_POSITION = 2_147_483_647;

/** A whole number from `min` up, written in plain digits (or a number); undefined when it is not one. */
function parseCount(value: unknown, min: number): number | undefined {
  const text = typeof value === 'number' ? String(value) : value;
  if (typeof text !== 'string' || !/^\d+$/.test(text)) return undefined;
  const count = Number(text);
  return count >= min && count <= MAX_POSITION ? count : undefined;
}

/**
 * Reads a position from the handshake query or a `subscribe` message; a
 * string says what is wrong with it. With requireUserId (a `subscribe`), the
 * message must say which user, or null for everything: an empty one is
 * refused rather than taken as "everything".
 */
export function parsePosition(
  raw: Record<string, unknown>,
  { requireUserId = false }: { requireUserId?: boolean } = {},
): ResumePosition | string {
  if (requireUserId && !('user_id' in raw)) return 'user_id is required: a positive integer, or null for every user';
  const userId = parseUserId(raw.user_id);
  if (userId === undefined) return 'user_id must be a positive integer or null';
  const position: ResumePosition = { userId };
  if (raw.version !== undefined && raw.version !== '') {
    const version = parseCount(raw.version, 1);
    if (userId === null || version === undefined) return 'version must be a positive integer, and goes with a user_id';
    position.version = version;
  }
  if (raw.since !== undefined && raw.since !== '') {
    const since = parseCount(raw.since, 0);
    if (userId !== null || since === undefined) return 'since must be an integer of 0 or more, and goes with no user_id';
    position.since = since;
  }
  return position;
}
