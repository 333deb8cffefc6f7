import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The durable change history of users: one row in user_changes for every
 * committed create, update and delete, written by the same statement as the
 * change itself, so there is no change without its record and no record
 * without its change.
 *
 * Sequence numbers come from the one row of change_counter, bumped by that
 * same statement. Its row lock (PostgreSQL) or the database's write lock
 * (SQLite) orders writers, so numbers are handed out in commit order and a
 * rolled-back write takes its number back with it: among committed changes
 * the sequence has no gap, and a reader that saw N has seen everything before N.
 *
 * On SQLite the records are written by triggers (SQLite has no data-modifying
 * CTEs, and its RETURNING must stay one statement on its one connection); the
 * statement that changes a user names the sequence number, who made the change
 * and the request in the row itself (change_seq, changed_by, request_id), and a
 * delete is an UPDATE of `deleted` whose trigger records it and removes the
 * row. On PostgreSQL the repository writes both in one statement with CTEs.
 *
 * Each record also holds the user as the change left it (for a delete, as it
 * was), so the history replays without reading anything else. Users that exist
 * already get a `create` record of their current state.
 */
export class CreateUserChanges1764300000000 implements MigrationInterface {
  name = 'CreateUserChanges1764300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const postgres = queryRunner.connection.options.type === 'postgres';
    const time = postgres ? 'timestamptz' : 'datetime';
    await queryRunner.query(`ALTER TABLE "users" ADD "change_seq" integer NOT NULL DEFAULT (0)`);
    await queryRunner.query(`ALTER TABLE "users" ADD "changed_by" varchar(100)`);
    await queryRunner.query(`ALTER TABLE "users" ADD "request_id" varchar(100)`);
    await queryRunner.query(`ALTER TABLE "users" ADD "deleted" boolean NOT NULL DEFAULT (${postgres ? 'false' : '0'})`);
    await queryRunner.query(`
      CREATE TABLE "change_counter" (
        "id" integer PRIMARY KEY NOT NULL,
        "seq" integer NOT NULL,
        CONSTRAINT "CHK_change_counter_one_row" CHECK ("id" = 1)
      )`);
    await queryRunner.query(`
      CREATE TABLE "user_changes" (
        "seq" integer PRIMARY KEY NOT NULL,
        "user_id" integer NOT NULL,
        "version" integer NOT NULL,
        "action" varchar(6) NOT NULL,
        "first_name" varchar(150) NOT NULL,
        "last_name" varchar(150) NOT NULL,
        "user_created_at" ${time} NOT NULL,
        "user_updated_at" ${time} NOT NULL,
        "changed_at" ${time} NOT NULL,
        "fields" text NOT NULL,
        "changed_by" varchar(100),
        "request_id" varchar(100)
      )`);
    await queryRunner.query(`CREATE INDEX "IDX_user_changes_user_seq" ON "user_changes" ("user_id", "seq")`);
    await queryRunner.query(`CREATE INDEX "IDX_user_changes_changed_at" ON "user_changes" ("changed_at")`);
    await this.backfill(queryRunner, postgres);
    if (!postgres) await this.createSqliteTriggers(queryRunner);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type !== 'postgres') {
      for (const trigger of ['user_changes_on_insert', 'user_changes_on_update', 'user_changes_on_delete']) {
        await queryRunner.query(`DROP TRIGGER IF EXISTS "${trigger}"`);
      }
    }
    await queryRunner.query(`DROP TABLE "user_changes"`);
    await queryRunner.query(`DROP TABLE "change_counter"`);
    for (const column of ['deleted', 'request_id', 'changed_by', 'change_seq']) {
      await queryRunner.query(`ALTER TABLE "users" DROP COLUMN "${column}"`);
    }
  }

  /** One `create` record per existing user, numbered in id order. */
  private async backfill(queryRunner: QueryRunner, postgres: boolean): Promise<void> {
    const fields = postgres
      ? `json_build_object('first_name', json_build_object('from', NULL, 'to', first_name), 'last_name', json_build_object('from', NULL, 'to', last_name))::text`
      : `json_object('first_name', json_object('from', NULL, 'to', first_name), 'last_name', json_object('from', NULL, 'to', last_name))`;
    await queryRunner.query(`
      INSERT INTO "user_changes" ("seq", "user_id", "version", "action", "first_name", "last_name", "user_created_at", "user_updated_at", "changed_at", "fields")
      SELECT ROW_NUMBER() OVER (ORDER BY id), id, version, 'create', first_name, last_name, created_at, updated_at, updated_at, ${fields}
      FROM "users"`);
    await queryRunner.query(
      `UPDATE "users" SET "change_seq" = (SELECT "seq" FROM "user_changes" WHERE "user_changes"."user_id" = "users"."id")`,
    );
    await queryRunner.query(`INSERT INTO "change_counter" ("id", "seq") SELECT 1, COUNT(*) FROM "users"`);
  }

  private async createSqliteTriggers(queryRunner: QueryRunner): Promise<void> {
    const record = (
      action: string,
      version: string,
      row: 'NEW' | 'OLD',
      fields: string,
      changedAt = 'NEW."updated_at"',
    ): string => `
        UPDATE "change_counter" SET "seq" = NEW."change_seq" WHERE "id" = 1;
        INSERT INTO "user_changes" ("seq", "user_id", "version", "action", "first_name", "last_name", "user_created_at", "user_updated_at", "changed_at", "fields", "changed_by", "request_id")
        VALUES (NEW."change_seq", NEW."id", ${version}, '${action}', ${row}."first_name", ${row}."last_name", ${row}."created_at", ${row}."updated_at", ${changedAt}, ${fields}, NEW."changed_by", NEW."request_id");`;
    await queryRunner.query(`
      CREATE TRIGGER "user_changes_on_insert" AFTER INSERT ON "users"
      BEGIN ${record(
        'create',
        'NEW."version"',
        'NEW',
        `json_object('first_name', json_object('from', NULL, 'to', NEW."first_name"), 'last_name', json_object('from', NULL, 'to', NEW."last_name"))`,
      )}
      END`);
    // Only the fields whose value changed; a PATCH that repeats a value still makes a version (and a record).
    await queryRunner.query(`
      CREATE TRIGGER "user_changes_on_update" AFTER UPDATE ON "users" WHEN NEW."deleted" = 0
      BEGIN ${record(
        'update',
        'NEW."version"',
        'NEW',
        `(SELECT json_group_object("field", json("change")) FROM (
            SELECT 'first_name' AS "field", json_object('from', OLD."first_name", 'to', NEW."first_name") AS "change" WHERE OLD."first_name" IS NOT NEW."first_name"
            UNION ALL
            SELECT 'last_name', json_object('from', OLD."last_name", 'to', NEW."last_name") WHERE OLD."last_name" IS NOT NEW."last_name"))`,
      )}
      END`);
    // A delete's version is one past the user's last, so a user's versions stay contiguous through its delete.
    await queryRunner.query(`
      CREATE TRIGGER "user_changes_on_delete" AFTER UPDATE OF "deleted" ON "users" WHEN NEW."deleted" = 1
      BEGIN ${record(
        'delete',
        'OLD."version" + 1',
        'OLD',
        `json_object('first_name', json_object('from', OLD."first_name", 'to', NULL), 'last_name', json_object('from', OLD."last_name", 'to', NULL))`,
        // The delete leaves updated_at as it was (the event shows the user as it was): the time is now, in TypeORM's format.
        `strftime('%Y-%m-%d %H:%M:%f', 'now')`,
      )}
        DELETE FROM "users" WHERE "id" = NEW."id";
      END`);
  }
}
