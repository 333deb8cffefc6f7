import { defineRelay, topicForUser } from '../realtime';
import { toUserResponse, UserResponse } from './user.response';

/** The `user_update` event of the wire format. */
export interface UserUpdateMessage {
  action: 'create' | 'update' | 'delete';
  user: UserResponse;
}

export const USER_UPDATE = 'user_update';

/**
 * How user domain events reach browsers. Updates go to the user's own
 * subscribers (and to clients following everything); creates and deletes go
 * to every client, so every window's user list stays whole.
 */
export const usersRelays = [
  defineRelay('user.created', ({ user }) => ({
    event: USER_UPDATE,
    data: { action: 'create', user: toUserResponse(user) } satisfies UserUpdateMessage,
  })),
  defineRelay('user.updated', ({ user }) => ({
    event: USER_UPDATE,
    data: { action: 'update', user: toUserResponse(user) } satisfies UserUpdateMessage,
    topic: topicForUser(user.id),
  })),
  defineRelay('user.deleted', ({ user }) => ({
    event: USER_UPDATE,
    data: { action: 'delete', user: toUserResponse(user) } satisfies UserUpdateMessage,
  })),
];
