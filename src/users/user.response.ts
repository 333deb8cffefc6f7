import type { User } from './user.entity';
import type { FieldChanges, UserChange, UserChangeAction } from './user-change.entity';

/** The wire format of a user: the Django proof of concept's snake_case fields. */
export interface UserResponse {
  id: number;
  first_name: string;
  last_name: string;
  created_at: string;
  updated_at: string;
  version: number;
}

export function toUserResponse(user: Readonly<User>): UserResponse {
  return {
    id: user.id,
    first_name: user.firstName,
    last_name: user.lastName,
    created_at: user.createdAt.toISOString(),
    updated_at: user.updatedAt.toISOString(),
    version: user.version,
  };
}

/** One change of a user on the wire: GET /api/users/:id/history and GET /api/changes. */
export interface UserChangeResponse {
  /** Orders every change of every user, in commit order, without gaps. */
  seq: number;
  user_id: number;
  /** The user's version after the change; for a delete, one past its last. */
  version: number;
  action: UserChangeAction;
  /** The fields that changed, each from its old value to its new one. */
  changes: FieldChanges;
  /** Who made the change (the X-Changed-By label), or null. */
  by: string | null;
  request_id: string | null;
  at: string;
  /** The user as the change left it; for a delete, as it was. */
  user: UserResponse;
}

/** The user a change record holds: as the change left it, or as it was before a delete. */
export function userOfChange(change: Readonly<UserChange>): UserResponse {
  return {
    id: change.userId,
    first_name: change.firstName,
    last_name: change.lastName,
    created_at: change.userCreatedAt.toISOString(),
    updated_at: change.userUpdatedAt.toISOString(),
    version: change.action === 'delete' ? change.version - 1 : change.version,
  };
}

export function toUserChangeResponse(change: Readonly<UserChange>): UserChangeResponse {
  return {
    seq: change.seq,
    user_id: change.userId,
    version: change.version,
    action: change.action,
    changes: change.fields,
    by: change.changedBy,
    request_id: change.requestId,
    at: change.changedAt.toISOString(),
    user: userOfChange(change),
  };
}
