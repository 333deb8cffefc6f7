/**
 * Rooms. A client that names a user follows that user's topic; a client that
 * names none follows everything. Broadcasts without a topic reach every client.
 */
export const FOLLOW_ALL_ROOM = 'all';

export function topicForUser(userId: number): string {
  return `user:${userId}`;
}

export function roomForTopic(topic: string): string {
  return `topic:${topic}`;
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
