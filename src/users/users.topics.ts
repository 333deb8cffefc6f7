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
