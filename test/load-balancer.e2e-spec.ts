import { io, Socket } from 'socket.io-client';
import request from 'supertest';
import { Cluster, startCluster } from './helpers/cluster';
import { eventually } from './helpers/eventually';
import { createUser, getUser, WireUser } from './helpers/factories';
import { patchBurst } from './helpers/keep-alive-burst';
import { startNginx, TestNginx } from './helpers/nginx';
import { expectCaughtUp, RoamingFollower } from './helpers/roaming-follower';

/*
 * nginx (Debian's, run as a process of this test) with deploy/nginx.conf in
 * front of two instances sharing a database and Redis: clients that know
 * only nginx's address stay in sync whichever instance they reached, and an
 * instance drained behind it (SIGTERM) costs them nothing: no failed request,
 * and their sockets reconnect, through nginx, to the other instance and catch up.
 */

const SHUTDOWN_TIMEOUT_MS = 8_000;
/** Above deploy/nginx.conf's upstream keepalive_timeout (2 s), as README's "Production" asks. */
const NGINX_SAFE_DELAY_MS = '2500';

/** A plain socket.io client with its default reconnection, counting its connections. */
interface PlainClient {
  socket: Socket;
  connects: number;
  disconnects: string[];
}

function plainClient(url: string): Promise<PlainClient> {
  const socket = io(url, { transports: ['websocket'], forceNew: true, reconnectionDelay: 100, reconnectionDelayMax: 500 });
  const client: PlainClient = { socket, connects: 0, disconnects: [] };
  socket.on('connect', () => (client.connects += 1));
  socket.on('disconnect', (reason) => client.disconnects.push(reason));
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(client));
    socket.once('connect_error', reject);
  });
}

describe('two instances behind nginx (deploy/nginx.conf)', () => {
  let cluster: Cluster;
  let nginx: TestNginx;
  let users: WireUser[];
  let followers: RoamingFollower[];
  let plain: PlainClient[];

  beforeAll(async () => {
    cluster = await startCluster(2, {
      SHUTDOWN_DELAY_MS: NGINX_SAFE_DELAY_MS,
      SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
      TRUST_PROXY: 'loopback',
    });
    nginx = await startNginx([`127.0.0.1:${cluster.instances[0].port}`, `127.0.0.1:${cluster.instances[1].port}`]);
    users = [await createUser(nginx.url), await createUser(nginx.url)];
    // nginx takes turns: the sockets opened one after the other land on both instances.
    followers = [];
    for (let i = 0; i < 4; i += 1) for (const user of users) followers.push(await RoamingFollower.follow([nginx.url], 0, user));
    plain = [];
    for (let i = 0; i < 4; i += 1) plain.push(await plainClient(nginx.url));
  });
  afterAll(async () => {
    for (const follower of followers ?? []) follower.close();
    for (const client of plain ?? []) client.socket.close();
    await nginx?.close();
    await cluster?.close();
  });

  it('passes REST and WebSocket upgrades through, and clients on both instances stay in sync', async () => {
    const patched = (
      await request(nginx.url).patch(`/api/users/${users[0].id}/`).send({ first_name: 'Through nginx' }).expect(200)
    ).body as WireUser;
    await eventually(() => {
      for (const follower of followers.filter((f) => f.userId === users[0].id)) expect(follower.version).toBe(patched.version);
    });
    // The same user, read directly from each instance.
    for (const instance of cluster.instances) expect((await getUser(instance.url, users[0].id)).first_name).toBe('Through nginx');
  });

  it('drains one instance with no failed request; its sockets reconnect through nginx to the other and catch up', async () => {
    const [drained, survivor] = cluster.instances;
    let stopBurst: () => void = () => undefined;
    const burst = patchBurst({
      urls: [nginx.url],
      userIds: users.map((user) => user.id),
      workers: 8,
      until: new Promise<void>((resolve) => (stopBurst = resolve)),
    });
    const start = (await getUser(survivor.url, users[0].id)).version;
    await eventually(async () => expect((await getUser(survivor.url, users[0].id)).version).toBeGreaterThan(start + 20), 10_000);
    const sent = Date.now();
    const exit = await drained.stop('SIGTERM', SHUTDOWN_TIMEOUT_MS + 5_000);
    const exitMs = Date.now() - sent;
    const afterExit = (await getUser(survivor.url, users[0].id)).version;
    await eventually(async () => expect((await getUser(survivor.url, users[0].id)).version).toBeGreaterThan(afterExit + 10));
    stopBurst();
    const result = await burst;
    process.stdout.write(
      `[load-balancer] ${result.acknowledged.length} PATCHes through nginx, ${result.retried503} 503, ` +
        `${result.failures.length} failures; SIGTERM to exit ${exitMs} ms\n`,
    );

    if (result.failures.length > 0) process.stdout.write(`[load-balancer] nginx error log:\n${nginx.errorLog()}\n`);
    expect(result.failures).toEqual([]);
    expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 0, signal: null });
    expect(exitMs).toBeLessThan(SHUTDOWN_TIMEOUT_MS);

    // Every acknowledged version is in the database, and every follower ends on it having applied every version.
    const finals = new Map<number, number>();
    for (const user of users) finals.set(user.id, (await getUser(nginx.url, user.id)).version);
    for (const ack of result.acknowledged) expect(ack.version).toBeLessThanOrEqual(finals.get(ack.userId) as number);
    await expectCaughtUp(followers, finals);

    // Some sockets were on the drained instance (both sides were in use), lost their transport
    // (not a server-side disconnect) and reconnected through nginx, the plain socket.io clients by themselves.
    const moved = followers.filter((follower) => follower.disconnects.length > 0);
    expect(moved.length).toBeGreaterThan(0);
    expect(moved.length).toBeLessThan(followers.length);
    for (const follower of moved) expect(follower.disconnects).toEqual(['transport close']);
    await eventually(() => {
      for (const client of plain) {
        expect(client.socket.connected).toBe(true);
        expect(client.connects).toBe(client.disconnects.length + 1);
      }
    });
    expect(plain.some((client) => client.disconnects.length > 0)).toBe(true);
    expect(plain.flatMap((client) => client.disconnects).every((reason) => reason === 'transport close')).toBe(true);
  });
});
