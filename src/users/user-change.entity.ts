import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { NAME_MAX_LENGTH } from './user.entity';

export const USER_CHANGE_ACTIONS = ['create', 'update', 'delete'] as const;
export type UserChangeAction = (typeof USER_CHANGE_ACTIONS)[number];

/** What one change did to one field. */
export interface FieldChange {
  from: string | null;
  to: string | null;
}

/** The changed fields of one change, by their wire names. */
export type FieldChanges = Partial<Record<'first_name' | 'last_name', FieldChange>>;

/**
 * One committed change of a user, written by the same statement as the change
 * (see the CreateUserChanges migration). `seq` orders every change of every
 * user, in commit order, without gaps. Each record also holds the user as the
 * change left it (for a delete: as it was), so history and replay need
 * nothing else.
 */
@Entity({ name: 'user_changes' })
@Index('IDX_user_changes_user_seq', ['userId', 'seq'])
@Index('IDX_user_changes_changed_at', ['changedAt'])
export class UserChange {
  @PrimaryColumn({ type: 'integer' })
  seq: number;

  @Column({ name: 'user_id', type: 'integer' })
  userId: number;

  /** The user's version after this change; for a delete, one past its last. */
  @Column({ type: 'integer' })
  version: number;

  @Column({ type: 'varchar', length: 6 })
  action: UserChangeAction;

  @Column({ name: 'first_name', type: 'varchar', length: NAME_MAX_LENGTH })
  firstName: string;

  @Column({ name: 'last_name', type: 'varchar', length: NAME_MAX_LENGTH })
  lastName: string;

  @Column({ name: 'user_created_at', type: Date })
  userCreatedAt: Date;

  @Column({ name: 'user_updated_at', type: Date })
  userUpdatedAt: Date;

  @Column({ name: 'changed_at', type: Date })
  changedAt: Date;

  @Column({ type: 'simple-json' })
  fields: FieldChanges;

  @Column({ name: 'changed_by', type: 'varchar', length: 100, nullable: true })
  changedBy: string | null;

  @Column({ name: 'request_id', type: 'varchar', length: 100, nullable: true })
  requestId: string | null;
}
