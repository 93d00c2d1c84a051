import KeyvRedis, { createClient, createCluster } from '@keyv/redis';
import Keyv from 'keyv';
import { closeStores, createClaimer, openStore, RedisClaimStore, StoreError } from '../../src/index.js';
import { codeOf, failOnUnhandledRejections } from '../helpers/outcome.js';
import { HS_SECRET, hsToken, NOW } from '../helpers/tokens.js';
import { describeWithRedis, eventually, freePort, hasRedisBinaries, PrivateCluster, PrivateRedis, redisCli } from './redis-servers.js';

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

  it.each(['allkeys-lru', 'volatile-lru', 'volatile-ttl'])('refuses %s with maxmemory set: ready() rejects and claims get 503 naming the policy and the fix', async (policy) => {
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
      expect.objectContaining({ address: `127.0.0.1:${server.port}`, maxmemory: 64 * 1024 * 1024, maxmemoryPolicy: policy, refused: true }),
    ]);
  });

  it('accepts noeviction with maxmemory set, and an evicting policy without maxmemory (0)', async () => {
    for (const config of [['--maxmemory', '64mb', '--maxmemory-policy', 'noeviction'], ['--maxmemory', '0', '--maxmemory-policy', 'allkeys-lru']]) {
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
      const refusedFor = async (policy: RegExp): Promise<boolean> => store.ready().then(() => false, (err: Error) => policy.test(err.message));
      redisCli(server.port, 'CONFIG', 'SET', 'maxmemory-policy', 'volatile-lru');
      expect(await codeOf(claim(hsToken()))).toBe('passed'); // no check until the next (re)connect
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
      await eventually(async () => healthy.store.ready().then(() => false, (err: Error) => /volatile-ttl/.test(err.message)), 5000, 'the re-check');
    } finally {
      redisCli(last.port, 'CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
      await healthy.close();
    }
  });
});
