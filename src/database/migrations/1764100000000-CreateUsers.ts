import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The users table. One file serves both databases; only the timestamp type
 * differs (PostgreSQL keeps the zone, SQLite stores UTC text).
 */
export class CreateUsers1764100000000 implements MigrationInterface {
  name = 'CreateUsers1764100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type === 'postgres') {
      await queryRunner.query(`
        CREATE TABLE "users" (
          "id" SERIAL PRIMARY KEY,
          "first_name" varchar(150) NOT NULL DEFAULT '',
          "last_name" varchar(150) NOT NULL DEFAULT '',
          "created_at" timestamptz NOT NULL DEFAULT now(),
          "updated_at" timestamptz NOT NULL DEFAULT now(),
          "version" integer NOT NULL DEFAULT 1
        )`);
    } else {
      await queryRunner.query(`
        CREATE TABLE "users" (
          "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
          "first_name" varchar(150) NOT NULL DEFAULT (''),
          "last_name" varchar(150) NOT NULL DEFAULT (''),
          "created_at" datetime NOT NULL DEFAULT (datetime('now')),
          "updated_at" datetime NOT NULL DEFAULT (datetime('now')),
          "version" integer NOT NULL DEFAULT (1)
        )`);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "users"`);
  }
}
