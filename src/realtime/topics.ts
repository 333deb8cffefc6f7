/**
 * Rooms. A client that follows a topic is in that topic's room; a client that
 * follows none is in the follow-all room. A message for a topic goes to both
 * rooms, a message without one to every client.
 */
export const FOLLOW_ALL_ROOM = 'all';

export const TOPIC_ROOM_PREFIX = 'topic:';

export function roomForTopic(topic: string): string {
  return `${TOPIC_ROOM_PREFIX}${topic}`;
}

export function topicOfRoom(room: string): string {
  return room.slice(TOPIC_ROOM_PREFIX.length);
}
