import request from 'supertest';
import { TEST_DB } from './helpers/app';
import { Cluster, startCluster } from './helpers/cluster';
import { eventually } from './helpers/eventually';
import { createUser, getUser, WireUser } from './helpers/factories';
import { FollowingClient } from './helpers/following-client';
import { ServerProcess } from './helpers/server-process';

const USERS = 5;
const WRITERS = 20;
const PATCHES_PER_WRITER = 50;
const VIEWERS_PER_USER = 4;

function log(line: string): void {
  process.stdout.write(`[nothing-missed] ${line}\n`);
}

interface Outcome {
  requestId: string;
  status: number;
}

/**
 * The proof: 1,000 concurrent PATCHes from 20 clients over two
 * instances, with one instance killed (-9) and Redis restarted during the run.
 * Afterwards every window's view equals the database, every PATCH that got a
 * 2xx has exactly one change record, and the change feed has no gap.
 */
describe(`nothing missed on ${TEST_DB}`, () => {
  let cluster: Cluster;
  let a: ServerProcess;
  let b: ServerProcess;
  const viewers: FollowingClient[] = [];

  beforeAll(async () => {
    cluster = await startCluster(2, { REALTIME_HEAD_INTERVAL_MS: '300', REDIS_PUBLISH_QUEUE_MS: '1000' });
    [a, b] = cluster.instances;
  });
  afterAll(async () => {
    viewers.forEach((viewer) => viewer.close());
    await cluster?.close();
  });

  it('keeps every window equal to the database through a kill -9 and a Redis restart', async () => {
    const users: WireUser[] = [];
    for (let i = 0; i < USERS; i += 1) users.push(await createUser(a.url, { first_name: `U${i}`, last_name: 'start' }));
    // Half the windows of each user on each instance.
    const byServer = new Map<FollowingClient, ServerProcess>();
    for (const user of users) {
      for (let i = 0; i < VIEWERS_PER_USER; i += 1) {
        const server = i % 2 === 0 ? a : b;
        const viewer = await FollowingClient.follow(server.url, user);
        viewers.push(viewer);
        byServer.set(viewer, server);
      }
    }

    let done = 0;
    const outcomes: Outcome[] = [];
    const faults = { killed: false, redisRestarted: !cluster.redis.restartable };
    const writer = async (w: number): Promise<void> => {
      for (let i = 0; i < PATCHES_PER_WRITER; i += 1) {
        const user = users[(w + i) % USERS];
        const server = (w + i) % 2 === 0 || faults.killed ? a : b;
        const requestId = `proof-${w}-${i}`;
        const field = i % 2 === 0 ? 'first_name' : 'last_name';
        const status = await request(server.url)
          .patch(`/api/users/${user.id}`)
          .set('X-Request-Id', requestId)
          .set('X-Changed-By', `writer ${w}`)
          .send({ [field]: `w${w}-${i}` })
          .then(
            (response) => response.status,
            () => 0,
          );
        outcomes.push({ requestId, status });
        done += 1;
        if (done === 300 && !faults.killed) {
          faults.killed = true;
          await b.kill();
          log(`instance B killed (-9) after ${done} PATCHes`);
        }
        if (done === 600 && !faults.redisRestarted) {
          faults.redisRestarted = true;
          await cluster.redis.stop();
          await cluster.redis.start();
          log(`Redis restarted after ${done} PATCHes`);
        }
      }
    };
    const started = Date.now();
    await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
    log(
      `${outcomes.length} PATCHes in ${Date.now() - started} ms: ${outcomes.filter((o) => o.status === 200).length} answered 200`,
    );

    // The windows of the killed instance reconnect to the other one (as behind a load balancer), from the version they show.
    for (const [index, viewer] of viewers.entries()) {
      if (byServer.get(viewer) !== b) continue;
      viewer.close();
      const resumed = await FollowingClient.follow(a.url, viewer.user, viewer.applied);
      viewers[index] = resumed;
    }

    const truth = new Map<number, WireUser>();
    for (const user of users) truth.set(user.id, await getUser(a.url, user.id));
    await eventually(() => {
      for (const viewer of viewers) expect(viewer.user).toEqual(truth.get(viewer.user.id));
    }, 10_000);
    // Each window applied every version once, in order, from where it started.
    for (const viewer of viewers) {
      expect(viewer.applied).toEqual(Array.from({ length: viewer.user.version - 1 }, (_, i) => i + 2));
    }

    // Every 2xx PATCH has exactly one change record; every record is of a request that was sent.
    const feed = await changeFeed(a.url);
    const recordsByRequest = new Map<string, number>();
    for (const change of feed)
      if (change.request_id) recordsByRequest.set(change.request_id, (recordsByRequest.get(change.request_id) ?? 0) + 1);
    for (const outcome of outcomes.filter((o) => o.status === 200))
      expect([outcome.requestId, recordsByRequest.get(outcome.requestId)]).toEqual([outcome.requestId, 1]);
    for (const [requestId, count] of recordsByRequest) {
      if (requestId.startsWith('proof-')) expect([requestId, count]).toEqual([requestId, 1]);
    }
    // No gap in the sequence among committed changes.
    expect(feed.map((change) => change.seq)).toEqual(Array.from({ length: feed.length }, (_, i) => i + 1));
    const versions = [...truth.values()].reduce((sum, user) => sum + user.version, 0);
    // One create and (version - 1) updates per user: as many records as versions.
    expect(feed).toHaveLength(versions);
    log(`views equal the database; ${feed.length} change records, seq 1..${feed.length} without a gap`);
  }, 120_000);
});

async function changeFeed(url: string): Promise<{ seq: number; request_id: string | null }[]> {
  const all: { seq: number; request_id: string | null }[] = [];
  for (;;) {
    const since = all.at(-1)?.seq ?? 0;
    const page = (await request(url).get(`/api/changes?since=${since}&limit=1000`).expect(200)).body as {
      seq: number;
      request_id: string | null;
    }[];
    if (page.length === 0) return all;
    all.push(...page);
  }
}
