import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { utcIsoString } from '../common';
import { NAME_MAX_LENGTH, type User } from './user.entity';
import {
  USER_CHANGE_ACTIONS,
  type FieldChange,
  type FieldChanges,
  type UserChange,
  type UserChangeAction,
} from './user-change.entity';

/*
 * The wire formats, as classes so that their OpenAPI schemas sit beside them;
 * the API builds plain objects of these shapes (toUserResponse and the like).
 */

const NAME = { type: 'string', maxLength: NAME_MAX_LENGTH } as const;
const INSTANT = { type: 'string', format: 'date-time', example: '2026-01-13T10:05:00.000Z' } as const;

/** The wire format of a user: the Django proof of concept's snake_case fields. */
@ApiSchema({ name: 'User' })
export class UserResponse {
  @ApiProperty({ type: 'integer', minimum: 1, example: 1 })
  id: number;

  @ApiProperty({ ...NAME, description: 'Kept as typed; may be empty', example: 'John' })
  first_name: string;

  @ApiProperty({ ...NAME, description: 'Kept as typed; may be empty', example: 'Doe' })
  last_name: string;

  @ApiProperty({ ...INSTANT, description: 'Set on creation' })
  created_at: string;

  @ApiProperty({ ...INSTANT, description: 'Set by every change' })
  updated_at: string;

  @ApiProperty({ type: 'integer', minimum: 1, description: '1 on creation, one more with every change; the ETag', example: 3 })
  version: number;
}

export function toUserResponse(user: Readonly<User>): UserResponse {
  return {
    id: user.id,
    first_name: user.firstName,
    last_name: user.lastName,
    created_at: utcIsoString(user.createdAt),
    updated_at: utcIsoString(user.updatedAt),
    version: user.version,
  };
}

/** What one change did to one name: null for none (a create's `from`, a delete's `to`). */
@ApiSchema({ name: 'FieldChange' })
export class FieldChangeResponse implements FieldChange {
  @ApiProperty({ ...NAME, nullable: true })
  from: string | null;

  @ApiProperty({ ...NAME, nullable: true })
  to: string | null;
}

/** The names whose value a change changed; an update that sent the same values has none. */
@ApiSchema({ name: 'FieldChanges' })
export class FieldChangesResponse implements FieldChanges {
  @ApiPropertyOptional({ type: FieldChangeResponse })
  first_name?: FieldChange;

  @ApiPropertyOptional({ type: FieldChangeResponse })
  last_name?: FieldChange;
}

/** One change of a user on the wire: GET /api/users/:id/history and GET /api/changes. */
@ApiSchema({ name: 'UserChange' })
export class UserChangeResponse {
  @ApiProperty({ type: 'integer', minimum: 1, description: 'Orders every change of every user, in commit order, without gaps' })
  seq: number;

  @ApiProperty({ type: 'integer', minimum: 1 })
  user_id: number;

  @ApiProperty({
    type: 'integer',
    minimum: 1,
    description: "The user's version after the change; for a delete, one past its last",
  })
  version: number;

  @ApiProperty({ enum: USER_CHANGE_ACTIONS })
  action: UserChangeAction;

  @ApiProperty({ type: FieldChangesResponse, description: 'Each name whose value changed, from its old value to its new one' })
  changes: FieldChanges;

  @ApiProperty({ type: 'string', nullable: true, description: 'Who made the change: its X-Changed-By label' })
  by: string | null;

  @ApiProperty({ type: 'string', nullable: true, description: 'Its X-Request-Id, or the UUID the server made for it' })
  request_id: string | null;

  @ApiProperty({ ...INSTANT, description: 'When the change was made' })
  at: string;

  @ApiProperty({ type: UserResponse, description: 'The user as the change left it; for a delete, as it was' })
  user: UserResponse;
}

/** The user a change record holds: as the change left it, or as it was before a delete. */
export function userOfChange(change: Readonly<UserChange>): UserResponse {
  return {
    id: change.userId,
    first_name: change.firstName,
    last_name: change.lastName,
    created_at: utcIsoString(change.userCreatedAt),
    updated_at: utcIsoString(change.userUpdatedAt),
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
    at: utcIsoString(change.changedAt),
    user: userOfChange(change),
  };
}
