import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export const NAME_MAX_LENGTH = 150;

/**
 * A user row. Property names are TypeScript's; column names are the wire
 * format's snake_case. Writes never go through repository.save() (see
 * users.repository.ts): this class describes the table and carries rows.
 */
@Entity({ name: 'users' })
export class User {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ name: 'first_name', type: 'varchar', length: NAME_MAX_LENGTH, default: '' })
  firstName: string;

  @Column({ name: 'last_name', type: 'varchar', length: NAME_MAX_LENGTH, default: '' })
  lastName: string;

  @CreateDateColumn({ name: 'created_at' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at' })
  updatedAt: Date;

  /** Starts at 1 and grows by one with every change of the row, in the same UPDATE. */
  @Column({ type: 'integer', default: 1 })
  version: number;

  /*
   * The last change's bookkeeping, written by the same statement as the
   * change: its sequence number in user_changes, who made it and in which
   * request. On SQLite the change-history triggers read them from here (see
   * the CreateUserChanges migration).
   */
  @Column({ name: 'change_seq', type: 'integer', default: 0 })
  changeSeq: number;

  @Column({ name: 'changed_by', type: 'varchar', length: 100, nullable: true })
  changedBy: string | null;

  @Column({ name: 'request_id', type: 'varchar', length: 100, nullable: true })
  requestId: string | null;

  /** Only ever true for the instant of a delete on SQLite: its trigger records the delete and removes the row. */
  @Column({ type: 'boolean', default: false })
  deleted: boolean;
}
