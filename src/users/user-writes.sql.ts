/*
 * The three writes of a user, each ONE statement that changes the row, takes
 * the next change sequence number and records the change in user_changes (see
 * the CreateUserChanges migration): there is no change without its record and
 * no record without its change, and the row it returns is exactly the row its
 * own statement produced.
 *
 * SQLite: the statement names the next number (and who, and which request) in
 * the row, and the migration's triggers write the record. PostgreSQL:
 * data-modifying CTEs. On PostgreSQL every write locks the user's row first and
 * the counter row second, always in that order, so writers queue rather than
 * deadlock, and numbers are handed out in commit order.
 *
 * Named parameters: :firstName, :lastName, :now, :by, :requestId, :id and
 * :...expectedVersions.
 */

export type Dialect = 'sqlite' | 'postgres';

/** Column of each editable field. */
export const COLUMN_OF = { firstName: 'first_name', lastName: 'last_name' } as const;
export type EditableField = keyof typeof COLUMN_OF;

const NEXT_SEQ_SQLITE = '(SELECT seq + 1 FROM change_counter WHERE id = 1)';

const RECORD_COLUMNS =
  'seq, user_id, version, action, first_name, last_name, user_created_at, user_updated_at, changed_at, fields, changed_by, request_id';

/** `first_name` and `last_name` going from `from` to `to`, as the JSON text user_changes.fields holds (PostgreSQL). */
function pgFields(from: (column: string) => string, to: (column: string) => string): string {
  const change = (column: string): string => `json_build_object('from', ${from(column)}, 'to', ${to(column)})`;
  return `json_build_object('first_name', ${change('first_name')}, 'last_name', ${change('last_name')})::text`;
}

export function insertUserSql(dialect: Dialect): string {
  if (dialect === 'sqlite') {
    return `INSERT INTO users (first_name, last_name, created_at, updated_at, version, change_seq, changed_by, request_id)
      VALUES (:firstName, :lastName, :now, :now, 1, ${NEXT_SEQ_SQLITE}, :by, :requestId) RETURNING *`;
  }
  return `WITH seq AS (UPDATE change_counter SET seq = seq + 1 WHERE id = 1 RETURNING seq),
    ins AS (
      INSERT INTO users (first_name, last_name, created_at, updated_at, version, change_seq, changed_by, request_id)
      VALUES (:firstName, :lastName, :now, :now, 1, (SELECT seq FROM seq), :by, :requestId) RETURNING *
    ),
    rec AS (
      INSERT INTO user_changes (${RECORD_COLUMNS})
      SELECT change_seq, id, version, 'create', first_name, last_name, created_at, updated_at, updated_at,
        ${pgFields(
          () => 'NULL',
          (column) => column,
        )}, changed_by, request_id
      FROM ins
    )
    SELECT * FROM ins`;
}

/**
 * Sets only the named fields, bumps the version and names the change. With
 * `checkVersion`, the row changes only while it is at one of :...expectedVersions.
 */
export function updateUserSql(dialect: Dialect, fields: readonly EditableField[], checkVersion: boolean): string {
  const assignments = fields.map((field) => `${COLUMN_OF[field]} = :${field}`);
  const condition = `id = :id${checkVersion ? ' AND version IN (:...expectedVersions)' : ''}`;
  if (dialect === 'sqlite') {
    const set = [...assignments, 'version = version + 1', 'updated_at = :now', `change_seq = ${NEXT_SEQ_SQLITE}`];
    return `UPDATE users SET ${[...set, 'changed_by = :by', 'request_id = :requestId'].join(', ')}
      WHERE ${condition} RETURNING *`;
  }
  const set = [...assignments, 'version = u.version + 1', 'updated_at = :now', 'change_seq = seq.seq'];
  const changed = (column: string): string =>
    `(${column === 'first_name' ? "'first_name'" : "'last_name'"}, CASE WHEN ${column} IS DISTINCT FROM old_${column}
      THEN json_build_object('from', old_${column}, 'to', ${column}) END)`;
  return `WITH old AS (SELECT id, first_name, last_name FROM users WHERE ${condition} FOR UPDATE),
    seq AS (UPDATE change_counter SET seq = seq + 1 WHERE id = 1 AND EXISTS (SELECT 1 FROM old) RETURNING seq),
    upd AS (
      UPDATE users u SET ${[...set, 'changed_by = :by', 'request_id = :requestId'].join(', ')}
      FROM old, seq WHERE u.id = old.id
      RETURNING u.*, old.first_name AS old_first_name, old.last_name AS old_last_name
    ),
    rec AS (
      INSERT INTO user_changes (${RECORD_COLUMNS})
      SELECT change_seq, id, version, 'update', first_name, last_name, created_at, updated_at, updated_at,
        (SELECT COALESCE(json_object_agg(field, change), '{}'::json)::text
         FROM (VALUES ${changed('first_name')}, ${changed('last_name')}) AS f(field, change) WHERE change IS NOT NULL),
        changed_by, request_id
      FROM upd
    )
    SELECT * FROM upd`;
}

/** Removes the row and returns it as it was (its change_seq: the delete's). */
export function deleteUserSql(dialect: Dialect): string {
  if (dialect === 'sqlite') {
    // The trigger on `deleted` records the delete and removes the row.
    return `UPDATE users SET deleted = 1, change_seq = ${NEXT_SEQ_SQLITE}, changed_by = :by, request_id = :requestId
      WHERE id = :id RETURNING *`;
  }
  return `WITH del AS (DELETE FROM users WHERE id = :id RETURNING *),
    seq AS (UPDATE change_counter SET seq = seq + 1 WHERE id = 1 AND EXISTS (SELECT 1 FROM del) RETURNING seq),
    rec AS (
      INSERT INTO user_changes (${RECORD_COLUMNS})
      SELECT seq.seq, del.id, del.version + 1, 'delete', del.first_name, del.last_name, del.created_at, del.updated_at,
        CAST(:now AS timestamptz), ${pgFields(
          (column) => `del.${column}`,
          () => 'NULL',
        )},
        CAST(:by AS varchar), CAST(:requestId AS varchar)
      FROM del, seq
    )
    SELECT del.id, del.first_name, del.last_name, del.created_at, del.updated_at, del.version, del.deleted,
      seq.seq AS change_seq, CAST(:by AS varchar) AS changed_by, CAST(:requestId AS varchar) AS request_id
    FROM del, seq`;
}
