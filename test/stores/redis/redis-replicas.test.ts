import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { closeStores, createClaimer, openStore, RedisClaimStore } from '../../../src/index.js';
import { codeOf, failOnUnhandledRejections } from '../../helpers/outcome.js';
import { HS_SECRET, hsToken, NOW } from '../../helpers/tokens.js';
import { describeWithRedis, eventually, freePort, hasRedisBinaries, PrivateRedis, redisCli } from '../redis-servers.js';

// Issue 9, item 3: waitForReplicas makes a win wait for the replica; too few acks refuse the token and keep the claim.
const binaries = hasRedisBinaries();
const options = { secret: HS_SECRET, algorithms: ['HS256'] as const, now: () => NOW + 1000 };

failOnUnhandledRejections();

describeWithRedis('Redis replicas: waitForReplicas on a private master and replica', binaries, 'redis-server is not installed', () => {
  let master: PrivateRedis;
  let replica: PrivateRedis;
  let url: string;
  beforeAll(async () => {
    master = new PrivateRedis(await freePort());
    await master.start();
    replica = new PrivateRedis(await freePort(), ['--replicaof', '127.0.0.1', String(master.port), '--enable-debug-command', 'yes']);
    await replica.start();
    await eventually(() => redisCli(replica.port, 'INFO', 'replication').includes('master_link_status:up'), 10_000, 'the replica link');
    url = `${master.url}?waitForReplicas=1&replicaTimeout=100`;
  });
  afterAll(async () => {
    await closeStores();
    await Promise.all([replica?.stop(), master?.stop()]);
  });

  it('with the replica healthy, claims pass after WAIT and replays are refused', async () => {
    const store = openStore(url) as RedisClaimStore;
    expect(store.waitForReplicas).toBe(1);
    expect(store.replicaTimeout).toBe(100);
    const claim = createClaimer({ ...options, store: url });
    const tokens = Array.from({ length: 200 }, () => hsToken());
    expect(new Set(await Promise.all(tokens.map(async (t) => codeOf(claim(t)))))).toEqual(new Set(['passed']));
    expect(await codeOf(claim(tokens[0]!))).toBe('ERR_JWT_ONCE_REUSED');
    expect(redisCli(replica.port, 'DBSIZE')).toBe('200'); // every win reached the replica before it was answered
  });

  it('with the replica blocked (DEBUG SLEEP), a claim is refused with 503, the claim is kept, and a retry is refused', async () => {
    const claim = createClaimer({ ...options, store: url });
    const token = hsToken();
    const sleeper = spawn('redis-cli', ['-h', '127.0.0.1', '-p', String(replica.port), 'DEBUG', 'SLEEP', '1.5'], { stdio: 'ignore' });
    const slept = once(sleeper, 'exit');
    try {
      // The replica is asleep once it stops answering PING.
      await eventually(
        () => spawnSync('redis-cli', ['-p', String(replica.port), 'PING'], { timeout: 50 }).status === null,
        1000,
        'DEBUG SLEEP',
      );
      const started = Date.now();
      const refused = claim(token);
      await expect(refused).rejects.toMatchObject({ status: 503, message: expect.stringMatching(/0 of 1 replicas within 100 ms.*kept/) });
      expect(Date.now() - started).toBeLessThan(1000);
      expect(redisCli(master.port, 'DBSIZE')).toBe('201'); // the claim stays on the master
      expect(await codeOf(claim(token))).toBe('ERR_JWT_ONCE_REUSED');
    } finally {
      await slept;
    }
    await eventually(async () => (await codeOf(claim(hsToken()))) === 'passed', 5000, 'the replica to catch up');
  });

  it('refuses a bad waitForReplicas or replicaTimeout at creation', () => {
    expect(() => openStore(`${master.url}?waitForReplicas=-1`)).toThrow(/waitForReplicas must be an integer >= 0/);
    expect(() => openStore(`${master.url}?waitForReplicas=1&replicaTimeout=0`)).toThrow(/replicaTimeout must be an integer >= 1/);
    expect(() => openStore(`${master.url}?replicaTimeout=`)).toThrow(/replicaTimeout/);
  });
});
