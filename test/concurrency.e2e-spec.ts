import request from 'supertest';
import { createTestDatabase, startTestApp, TEST_DB, TestApp, TestDatabase } from './helpers/app';
import { createUser, getUser } from './helpers/factories';
import { fence, RecordingClient } from './helpers/socket-client';

/**
 * Field-level writes under load, on a SQLite file in WAL mode (the demo's
 * setup) or on PostgreSQL: no SQLITE_BUSY, no lost update, one distinct
 * version per write.
 */
describe(`concurrent writes (${TEST_DB})`, () => {
  let database: TestDatabase;
  let t: TestApp;

  beforeAll(async () => {
    database = await createTestDatabase();
    t = await startTestApp({ env: database.env });
  });
  afterAll(async () => {
    await t?.close();
    await database?.dispose();
  });

  it('200 concurrent PATCHes all succeed with 200 distinct versions and 200 matching events', async () => {
    const user = await createUser(t.url);
    const client = await RecordingClient.connect(t.url, { user_id: String(user.id) });
    try {
      const responses = await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          request(t.url)
            .patch(`/api/users/${user.id}`)
            .send(i % 2 ? { first_name: `f${i}` } : { last_name: `l${i}` }),
        ),
      );
      expect(responses.map((response) => response.status)).toEqual(Array(200).fill(200));
      const versions = responses.map((response) => response.body.version as number);
      expect(new Set(versions).size).toBe(200);
      expect([...versions].sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i + 2));
      // Each response's ETag is its own version.
      for (const response of responses) expect(response.headers.etag).toBe(`"${response.body.version}"`);

      // Exactly 200: a duplicate would arrive before the fence.
      const [events] = await fence(t.url, [client], 10_000);
      expect(events).toHaveLength(200);
      expect(new Set(events.map((event) => event.user.version)).size).toBe(200);
      // The event of each write carries exactly the row its response carried.
      const byVersion = new Map(responses.map((response) => [response.body.version as number, response.body]));
      for (const event of events) expect(event.user).toEqual(byVersion.get(event.user.version));
      expect((await getUser(t.url, user.id)).version).toBe(201);
      // Writes come back out of order (node-sqlite3's thread pool, PostgreSQL's several connections), but one
      // process publishes a user's events in version order.
      expect(events.map((event) => event.user.version)).toEqual(Array.from({ length: 200 }, (_, i) => i + 2));
    } finally {
      client.close();
    }
  });

  it('50 rounds of two concurrent PATCHes on different fields lose nothing', async () => {
    const user = await createUser(t.url);
    let lost = 0;
    for (let round = 0; round < 50; round += 1) {
      const [first, last] = await Promise.all([
        request(t.url)
          .patch(`/api/users/${user.id}`)
          .send({ first_name: `first-${round}` }),
        request(t.url)
          .patch(`/api/users/${user.id}`)
          .send({ last_name: `last-${round}` }),
      ]);
      expect([first.status, last.status]).toEqual([200, 200]);
      const stored = await getUser(t.url, user.id);
      if (stored.first_name !== `first-${round}` || stored.last_name !== `last-${round}`) lost += 1;
      expect(stored.version).toBe(1 + 2 * (round + 1));
    }
    expect(lost).toBe(0);
  });

  it('concurrent creates and deletes each get their own row and event', async () => {
    const client = await RecordingClient.connect(t.url);
    try {
      const created = await Promise.all(Array.from({ length: 50 }, () => createUser(t.url)));
      expect(new Set(created.map((user) => user.id)).size).toBe(50);
      await Promise.all(created.map((user) => request(t.url).delete(`/api/users/${user.id}`).expect(204)));
      const events = await client.waitForUpdates(100, 10_000);
      expect(events.filter((event) => event.action === 'create')).toHaveLength(50);
      expect(new Set(events.filter((event) => event.action === 'delete').map((event) => event.user.id)).size).toBe(50);
    } finally {
      client.close();
    }
  });
});
