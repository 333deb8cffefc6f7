import request from 'supertest';
import { TEST_DB } from './helpers/app';
import { Cluster, startCluster } from './helpers/cluster';
import { eventually } from './helpers/eventually';
import { createUser, getUser } from './helpers/factories';
import { FollowingClient } from './helpers/following-client';
import { ServerProcess, startServerProcess } from './helpers/server-process';

function log(line: string): void {
  process.stdout.write(`[lost-publishes] ${line}\n`);
}

/** Short enough for a test; the defaults are 2 s and 60 s. */
const SETTINGS = { REALTIME_HEAD_INTERVAL_MS: '300', REDIS_PUBLISH_QUEUE_MS: '1000' };
/** The promise: every window converges within this of service returning. */
const CONVERGED_WITHIN_MS = 5_000;

/**
 * An event can be lost after its change committed: the process dies before
 * publishing it, or Redis stays away longer than the publisher keeps events
 * for it. Windows on other instances heal from the change history (each
 * instance tells its clients the latest change every
 * REALTIME_HEAD_INTERVAL_MS; a client behind it replays), with no reload.
 */
describe(`lost publishes on ${TEST_DB}`, () => {
  let cluster: Cluster;
  let a: ServerProcess;
  let b: ServerProcess;
  const followers: FollowingClient[] = [];

  beforeAll(async () => {
    cluster = await startCluster(2, SETTINGS);
    [a, b] = cluster.instances;
  });
  afterEach(() => followers.splice(0).forEach((follower) => follower.close()));
  afterAll(() => cluster?.close());

  async function follow(server: ServerProcess, userId: number): Promise<FollowingClient> {
    const follower = await FollowingClient.follow(server.url, await getUser(server.url, userId));
    followers.push(follower);
    return follower;
  }

  it('heals a change whose process was killed between its commit and its publish', async () => {
    const user = await createUser(a.url);
    const [onA, onB] = [await follow(a, user.id), await follow(b, user.id)];
    const doomed = await startServerProcess({ ...cluster.env, FAULT_INJECTION: 'exit-after-commit' });
    try {
      const answered = await request(doomed.url)
        .patch(`/api/users/${user.id}`)
        .send({ first_name: 'committed, never published' })
        .then(
          () => true,
          () => false,
        );
      expect(answered).toBe(false);
      await doomed.exited;
      const killedAt = Date.now();
      expect(await getUser(a.url, user.id)).toMatchObject({ first_name: 'committed, never published', version: 2 });

      await eventually(() => {
        expect(onA.user).toMatchObject({ first_name: 'committed, never published', version: 2 });
        expect(onB.user).toMatchObject({ first_name: 'committed, never published', version: 2 });
      }, CONVERGED_WITHIN_MS);
      log(`killed between commit and publish -> both windows show it ${Date.now() - killedAt} ms later`);
      expect(onB.applied).toEqual([2]);
    } finally {
      await doomed.stop();
    }
  });

  it('heals the changes of a Redis outage longer than the publisher keeps them, each once and in order', async () => {
    if (!cluster.redis.restartable) {
      log('skipped: REDIS_URL names a Redis these tests must not stop');
      return;
    }
    const user = await createUser(a.url);
    const onB = await follow(b, user.id);
    await cluster.redis.stop();
    // Longer than REDIS_PUBLISH_QUEUE_MS: A's publisher drops what it queued for B.
    for (let i = 1; i <= 6; i += 1) {
      await request(a.url)
        .patch(`/api/users/${user.id}`)
        .send({ first_name: `outage ${i}` })
        .expect(200);
      await new Promise((resolve) => setTimeout(resolve, 400));
    }
    await cluster.redis.start();
    const backAt = Date.now();
    await eventually(() => expect(onB.user).toMatchObject({ first_name: 'outage 6', version: 7 }), CONVERGED_WITHIN_MS);
    log(`Redis back after ${6 * 400} ms down -> the window on B shows all 6 changes ${Date.now() - backAt} ms later`);
    expect(onB.applied).toEqual([2, 3, 4, 5, 6, 7]);
  });
});
