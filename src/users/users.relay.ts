import { definePresence, defineRelay } from '../realtime';
import type { User } from './user.entity';
import type { UserChange } from './user-change.entity';
import { toUserResponse, userOfChange } from './user.response';
import { topicForUser, USER_TOPIC_PREFIX, userOfTopic } from './users.topics';
import type { UserUpdateMessage } from './users.wire';

function liveUpdate(action: UserUpdateMessage['action'], user: Readonly<User>): UserUpdateMessage {
  return { action, user: toUserResponse(user), seq: user.changeSeq, by: user.changedBy };
}

/** The event a client missed, rebuilt from the change history for a replay: the same message it would have had live. */
export function replayedUpdate(change: Readonly<UserChange>): UserUpdateMessage {
  return { action: change.action, user: userOfChange(change), seq: change.seq, by: change.changedBy };
}

/**
 * How user domain events reach browsers, as `user_update`. Updates go to the
 * user's own followers (and to clients following everything); creates and
 * deletes go to every client, so every window's user list stays whole.
 */
export const usersRelays = [
  defineRelay('user.created', ({ user }) => ({ event: 'user_update', data: liveUpdate('create', user) })),
  defineRelay('user.updated', ({ user }) => ({
    event: 'user_update',
    data: liveUpdate('update', user),
    topic: topicForUser(user.id),
  })),
  defineRelay('user.deleted', ({ user }) => ({ event: 'user_update', data: liveUpdate('delete', user) })),
];

/** The windows on a user are told how many they are, as `presence`. */
export const usersPresence = [
  definePresence(USER_TOPIC_PREFIX, (topic, count) => {
    const userId = userOfTopic(topic);
    return userId === undefined ? undefined : { event: 'presence', data: { user_id: userId, count } };
  }),
];
