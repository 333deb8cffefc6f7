import { definePresence, defineRelay } from '../realtime';
import { toUserResponse } from './user.response';
import { topicForUser, USER_TOPIC_PREFIX, userOfTopic } from './users.topics';

/**
 * How user domain events reach browsers, as `user_update`. Updates go to the
 * user's own followers (and to clients following everything); creates and
 * deletes go to every client, so every window's user list stays whole.
 */
export const usersRelays = [
  defineRelay('user.created', ({ user }) => ({
    event: 'user_update',
    data: { action: 'create', user: toUserResponse(user) },
  })),
  defineRelay('user.updated', ({ user }) => ({
    event: 'user_update',
    data: { action: 'update', user: toUserResponse(user) },
    topic: topicForUser(user.id),
  })),
  defineRelay('user.deleted', ({ user }) => ({
    event: 'user_update',
    data: { action: 'delete', user: toUserResponse(user) },
  })),
];

/** The windows on a user are told how many they are, as `presence`. */
export const usersPresence = [
  definePresence(USER_TOPIC_PREFIX, (topic, count) => {
    const userId = userOfTopic(topic);
    return userId === undefined ? undefined : { event: 'presence', data: { user_id: userId, count } };
  }),
];
