import KeyvRedis, { createClient, createCluster } from '@keyv/redis';
import Keyv from 'keyv';
import { closeStores, createClaimer, openStore, RedisClaimStore, StoreError } from '../../../src/index.js';
import { codeOf, failOnUnhandledRejections } from '../../helpers/outcome.js';
import { HS_SECRET, hsToken, NOW } from '../../helpers/tokens.js';
import { describeWithRedis, eventually, freePort, hasRedisBinaries, PrivateCluster, PrivateRedis, redisCli } from '../redis-servers.js';

// Issue 9, item 2: a Redis that may evict live claims is refused, on every (re)connect, on every master.
const binaries = hasRedisBinaries();
const options = { secret: HS_SECRET, algorithms: ['HS256'] as const, now: () => NOW + 1000 };

failOnUnhandledRejections();

describeWithRedis('Redis eviction: private servers with each maxmemory policy', binaries, 'redis-server is not installed', () => {
  const servers: PrivateRedis[] = [];
  async function serverWith(...config: string[]): Promise<PrivateRedis> {
    const server = new PrivateRedis(await freePort(), config);
    servers.push(server);
    await server.start();
    return server;
  }
  afterEach(async () => {
    await closeStores();
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
  });

  it.each(['allkeys-lru', 'volatile-lru', 'volatile-ttl'])(
    'refuses %s with maxmemory set: ready() rejects and claims get 503 naming the policy and the fix',
    async (policy) => {
      const server = await serverWith('--maxmemory', '64mb', '--maxmemory-policy', policy);
      const store = openStore(server.url);
      const refused = store.ready!();
      await expect(refused).rejects.toBeInstanceOf(StoreError);
      await expect(refused).rejects.toThrow(new RegExp(`maxmemory-policy ${policy}.*maxmemory-policy noeviction`));
      const claim = createClaimer({ ...options, store: server.url });
      const token = hsToken();
      await expect(claim(token)).rejects.toMatchObject({ status: 503, message: expect.stringContaining(policy) });
      expect(redisCli(server.port, 'DBSIZE')).toBe('0'); // nothing was written
      expect((store as RedisClaimStore).servers).toEqual([
        expect.objectContaining({
          address: `127.0.0.1:${server.port}`,
          maxmemory: 64 * 1024 * 1024,
          maxmemoryPolicy: policy,
          refused: true,
        }),
      ]);
    },
  );

  it('accepts noeviction with maxmemory set, and an evicting policy without maxmemory (0)', async () => {
    for (const config of [
      ['--maxmemory', '64mb', '--maxmemory-policy', 'noeviction'],
      ['--maxmemory', '0', '--maxmemory-policy', 'allkeys-lru'],
    ]) {
      const server = await serverWith(...config);
      await expect(openStore(server.url).ready!()).resolves.toBeUndefined();
      const claim = createClaimer({ ...options, store: server.url });
      const token = hsToken();
      await expect(claim(token)).resolves.toBeDefined();
      expect(await codeOf(claim(token))).toBe('ERR_JWT_ONCE_REUSED');
    }
  });

  it('allowEvictingRedis: true accepts an evicting Redis (unsafe, by choice), also as a URL parameter', async () => {
    const server = await serverWith('--maxmemory', '64mb', '--maxmemory-policy', 'allkeys-lru');
    await expect(openStore(`${server.url}?allowEvictingRedis=true`).ready!()).resolves.toBeUndefined();
    await expect(createClaimer({ ...options, store: `${server.url}?allowEvictingRedis=true` })(hsToken())).resolves.toBeDefined();
    expect(() => openStore(`${server.url}?allowEvictingRedis=yes`)).toThrow(/allowEvictingRedis/);
  });

  it('checks again on every reconnect: a policy changed while connected is refused after the reconnect, and accepted once fixed', async () => {
    const server = await serverWith('--maxmemory', '64mb', '--maxmemory-policy', 'noeviction');
    const client = createClient({ url: server.url, disableOfflineQueue: true, socket: { reconnectStrategy: () => 20 } });
    client.on('error', () => undefined);
    await client.connect();
    const store = new RedisClaimStore(new Keyv(new KeyvRedis(client), { namespace: 'reconnect' }));
    try {
      await store.ready();
      const claim = createClaimer({ ...options, store });
      await expect(claim(hsToken())).resolves.toBeDefined();
      const refusedFor = async (policy: RegExp): Promise<boolean> =>
        store.ready().then(
          () => false,
          (err: Error) => policy.test(err.message),
        );
      redisCli(server.port, 'CONFIG', 'SET', 'maxmemory-policy', 'volatile-lru');
      expect(await codeOf(claim(hsToken()))).toBe('passed'); // no check until the next (re)connect or periodic check
      redisCli(server.port, 'CLIENT', 'KILL', 'TYPE', 'normal');
      await eventually(async () => refusedFor(/maxmemory-policy volatile-lru/), 3000, 'the refusal after the reconnect');
      expect(await codeOf(claim(hsToken()))).toBe('ERR_JWT_ONCE_STORE');
      redisCli(server.port, 'CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
      redisCli(server.port, 'CLIENT', 'KILL', 'TYPE', 'normal');
      await eventually(async () => (await codeOf(claim(hsToken()))) === 'passed', 3000, 'the store to accept again');
    } finally {
      await client.close().catch(() => client.destroy());
    }
  });

  // Issue 16.11: checked again while connected, every safetyCheckInterval ms, not only on (re)connect.
  const secret = 'jwt-once-safety-check-test-secret-of-sixty-four-bytes-or-more!!!!';
  const safeOptions = { secret, algorithms: ['HS256'] as const, now: () => NOW + 1000 };

  it('allkeys-lru + maxmemory 4mb set at run time: 503 within an interval, no replay after 8 MB of keys; noeviction recovers', async () => {
    const server = await serverWith('--maxmemory', '0', '--maxmemory-policy', 'noeviction');
    const interval = 100;
    const url = `${server.url}?safetyCheckInterval=${interval}`;
    const store = openStore(url) as RedisClaimStore;
    await store.ready();
    const claim = createClaimer({ ...safeOptions, store: url });
    const refused = async (): Promise<boolean> => (await codeOf(claim(hsToken({}, 300, secret)))) === 'ERR_JWT_ONCE_STORE';
    const tokens = Array.from({ length: 1000 }, () => hsToken({}, 300, secret));
    for (const token of tokens) expect(await codeOf(claim(token))).toBe('passed');

    redisCli(server.port, 'CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru');
    redisCli(server.port, 'CONFIG', 'SET', 'maxmemory', '4mb');
    const switched = Date.now();
    // Claims go on until the next periodic check sees it; bounded well past one interval.
    await eventually(refused, 2000, 'the periodic check to refuse');
    const seenAfter = Date.now() - switched;
    expect(store.servers).toEqual([expect.objectContaining({ maxmemory: 4 * 1024 * 1024, maxmemoryPolicy: 'allkeys-lru', refused: true })]);
    await expect(claim(hsToken({}, 300, secret))).rejects.toMatchObject({ status: 503, message: expect.stringContaining('allkeys-lru') });

    // 8 MB of other keys: Redis evicts claims, and no token gets through meanwhile.
    const filler = createClient({ url: server.url });
    filler.on('error', () => undefined);
    await filler.connect();
    try {
      const value = 'x'.repeat(4096);
      for (let i = 0; i < 2048; i += 64) {
        await Promise.all(Array.from({ length: 64 }, (_, j) => filler.set(`filler:${i + j}`, value)));
      }
      const replays = await Promise.all(tokens.map((token) => codeOf(claim(token))));
      expect(replays.filter((code) => code === 'passed')).toHaveLength(0);
      expect(new Set(replays)).toEqual(new Set(['ERR_JWT_ONCE_STORE']));

      redisCli(server.port, 'CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
      await eventually(async () => (await codeOf(claim(hsToken({}, 300, secret)))) === 'passed', 2000, 'the store to accept again');
      expect(store.servers).toEqual([expect.objectContaining({ maxmemoryPolicy: 'noeviction', refused: false })]);
      // Memory is still full of other keys (a write past maxmemory is an OOM error: 503): lift the limit.
      redisCli(server.port, 'CONFIG', 'SET', 'maxmemory', '0');
      // What Redis evicted while it evicted is gone (SECURITY.md): those tokens pass once more, then never.
      const after = await Promise.all(tokens.map((token) => codeOf(claim(token))));
      const again = after.filter((code) => code === 'passed').length;
      expect(again).toBeGreaterThan(0); // Redis did evict claims: while it was refused none of those tokens passed
      expect(new Set(await Promise.all(tokens.map((token) => codeOf(claim(token)))))).toEqual(new Set(['ERR_JWT_ONCE_REUSED']));
      expect(store.safetyCheckInterval).toBe(interval); // from the URL
      // eslint-disable-next-line no-console
      console.log(
        `refused ${seenAfter} ms after the switch (interval ${interval} ms); ${again} of 1000 claims evicted, 0 replayed while refused`,
      );
    } finally {
      await filler.close().catch(() => filler.destroy());
    }
  });

  it('checkSafety() checks at a chosen time: 503 from the check that sees an evicting policy, until one finds it safe', async () => {
    const server = await serverWith('--maxmemory', '64mb', '--maxmemory-policy', 'noeviction');
    const client = createClient({ url: server.url, disableOfflineQueue: true });
    client.on('error', () => undefined);
    await client.connect();
    // An interval far longer than the test: only checkSafety() and the on-demand re-check run.
    const store = new RedisClaimStore(new Keyv(new KeyvRedis(client), { namespace: 'safety' }), { safetyCheckInterval: 3_600_000 });
    try {
      await store.checkSafety();
      const claim = createClaimer({ ...safeOptions, store });
      expect(await codeOf(claim(hsToken({}, 300, secret)))).toBe('passed');
      redisCli(server.port, 'CONFIG', 'SET', 'maxmemory-policy', 'volatile-ttl');
      expect(await codeOf(claim(hsToken({}, 300, secret)))).toBe('passed'); // not checked yet
      await expect(store.checkSafety()).rejects.toThrow(/maxmemory-policy volatile-ttl/);
      expect(await codeOf(claim(hsToken({}, 300, secret)))).toBe('ERR_JWT_ONCE_STORE');
      await expect(store.ready()).rejects.toBeInstanceOf(StoreError);
      redisCli(server.port, 'CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
      await expect(store.checkSafety()).resolves.toBeUndefined();
      expect(await codeOf(claim(hsToken({}, 300, secret)))).toBe('passed');
      await store.close();
      await expect(store.checkSafety()).rejects.toThrow(/closed/);
    } finally {
      await client.close().catch(() => client.destroy());
    }
  });

  it('the safety timer never keeps the process alive, skips while reconnecting (no unhandled rejection), stops on close', async () => {
    const server = await serverWith('--maxmemory', '0');
    const setSpy = jest.spyOn(globalThis, 'setInterval');
    const clearSpy = jest.spyOn(globalThis, 'clearInterval');
    const client = createClient({ url: server.url, disableOfflineQueue: true, socket: { reconnectStrategy: () => 20 } });
    client.on('error', () => undefined);
    try {
      const store = new RedisClaimStore(new Keyv(new KeyvRedis(client), { namespace: 'timer' }), { safetyCheckInterval: 37 });
      await store.ready();
      const call = setSpy.mock.calls.findIndex(([, ms]) => ms === 37);
      expect(call).toBeGreaterThanOrEqual(0);
      const timer = setSpy.mock.results[call]!.value as NodeJS.Timeout;
      expect(timer.hasRef()).toBe(false);
      // Connections dropped under the timer: its checks are skipped or fail closed, never unhandled.
      redisCli(server.port, 'CLIENT', 'KILL', 'TYPE', 'normal');
      const claim = createClaimer({ ...safeOptions, store });
      await eventually(async () => (await codeOf(claim(hsToken({}, 300, secret)))) === 'passed', 3000, 'the store after the reconnect');
      await store.close();
      expect(clearSpy).toHaveBeenCalledWith(timer);
    } finally {
      setSpy.mockRestore();
      clearSpy.mockRestore();
      await client.close().catch(() => client.destroy());
    }
  });

  it('fails closed when INFO cannot be read (an ACL user without +info); allowEvictingRedis: true accepts it', async () => {
    const server = await serverWith('--maxmemory', '0');
    redisCli(server.port, 'ACL', 'SETUSER', 'claims', 'on', '>claims-pass', '~*', '+@all', '-info');
    const url = `redis://claims:claims-pass@127.0.0.1:${server.port}`;
    await expect(openStore(url).ready!()).rejects.toThrow(/could not read INFO memory.*\+info.*allowEvictingRedis/);
    expect(await codeOf(createClaimer({ ...options, store: url })(hsToken()))).toBe('ERR_JWT_ONCE_STORE');
    await expect(openStore(`${url}?allowEvictingRedis=true`).ready!()).resolves.toBeUndefined();
    await expect(createClaimer({ ...options, store: `${url}?allowEvictingRedis=true` })(hsToken())).resolves.toBeDefined();
  });
});

describeWithRedis('Redis eviction: every master of a cluster is checked', binaries, 'redis-server is not installed', () => {
  const cluster = new PrivateCluster();
  beforeAll(async () => {
    await cluster.start();
  }, 60_000);
  afterAll(async () => {
    await cluster.stop();
  });

  it('one evicting master refuses the cluster store; all noeviction is accepted', async () => {
    const open = async (): Promise<{ store: RedisClaimStore; close(): Promise<void> }> => {
      const client = createCluster({ rootNodes: [{ url: cluster.nodes[0]!.url }], defaults: { disableOfflineQueue: true } });
      client.on('error', () => undefined);
      const store = new RedisClaimStore(new Keyv(new KeyvRedis(client), { namespace: 'cluster-eviction' }));
      return { store, close: async () => client.close().catch(() => client.destroy()) };
    };
    const last = cluster.nodes[2]!;
    redisCli(last.port, 'CONFIG', 'SET', 'maxmemory', '64mb');
    redisCli(last.port, 'CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lfu');
    const evicting = await open();
    try {
      await expect(evicting.store.ready()).rejects.toThrow(/allkeys-lfu/);
      expect(evicting.store.servers).toHaveLength(3);
      expect(evicting.store.servers.filter((s) => s.refused).map((s) => s.address)).toEqual([`127.0.0.1:${last.port}`]);
      expect(await codeOf(createClaimer({ ...options, store: evicting.store })(hsToken()))).toBe('ERR_JWT_ONCE_STORE');
    } finally {
      await evicting.close();
    }
    redisCli(last.port, 'CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
    const healthy = await open();
    try {
      await expect(healthy.store.ready()).resolves.toBeUndefined();
      await expect(createClaimer({ ...options, store: healthy.store })(hsToken())).resolves.toBeDefined();
      // A master that reconnects is checked again.
      redisCli(last.port, 'CONFIG', 'SET', 'maxmemory-policy', 'volatile-ttl');
      redisCli(last.port, 'CLIENT', 'KILL', 'TYPE', 'normal');
      await eventually(
        async () =>
          healthy.store.ready().then(
            () => false,
            (err: Error) => /volatile-ttl/.test(err.message),
          ),
        5000,
        'the re-check',
      );
    } finally {
      redisCli(last.port, 'CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
      await healthy.close();
    }
  });

  it('every master is checked again every safetyCheckInterval: a policy set at run time on one is refused, then recovers', async () => {
    const client = createCluster({ rootNodes: [{ url: cluster.nodes[0]!.url }], defaults: { disableOfflineQueue: true } });
    client.on('error', () => undefined);
    const store = new RedisClaimStore(new Keyv(new KeyvRedis(client), { namespace: 'cluster-periodic' }), { safetyCheckInterval: 100 });
    const middle = cluster.nodes[1]!;
    const secret = 'jwt-once-safety-check-test-secret-of-sixty-four-bytes-or-more!!!!';
    const claim = createClaimer({ secret, algorithms: ['HS256'], now: () => NOW + 1000, store });
    try {
      await store.ready();
      expect(await codeOf(claim(hsToken({}, 300, secret)))).toBe('passed');
      redisCli(middle.port, 'CONFIG', 'SET', 'maxmemory', '64mb');
      redisCli(middle.port, 'CONFIG', 'SET', 'maxmemory-policy', 'allkeys-random');
      // No reconnect: only the periodic check can see it.
      await eventually(async () => (await codeOf(claim(hsToken({}, 300, secret)))) === 'ERR_JWT_ONCE_STORE', 3000, 'the periodic refusal');
      expect(store.servers.filter((s) => s.refused).map((s) => s.address)).toEqual([`127.0.0.1:${middle.port}`]);
      redisCli(middle.port, 'CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
      await eventually(async () => (await codeOf(claim(hsToken({}, 300, secret)))) === 'passed', 3000, 'the store to accept again');
    } finally {
      redisCli(middle.port, 'CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
      redisCli(middle.port, 'CONFIG', 'SET', 'maxmemory', '0');
      await store.close();
      await client.close().catch(() => client.destroy());
    }
  });
});
