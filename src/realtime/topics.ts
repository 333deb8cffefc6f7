/**
 * Rooms. A client that follows a topic is in that topic's room; a client that
 * follows none is in the follow-all room. A message for a topic goes to both
 * rooms, a message without one to every client.
 */
export const FOLLOW_ALL_ROOM = 'all';

export function roomForTopic(topic: string): string {
  return `topic:${topic}`;
}
