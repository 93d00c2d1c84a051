/**
 * Measures how many acknowledged claims a private Redis forgets on `kill -9`
 * under each persistence setting: claims N tokens, kills the server with
 * SIGKILL, restarts it on the same directory, and claims the same tokens
 * again: each one accepted again is a claim lost. Then a failover: a replica
 * whose link is cut (pointed at a dead port) is promoted after the master is
 * killed, with and without `waitForReplicas=1`. Prints Markdown tables.
 *
 *   npx tsx scripts/redis-persistence.ts [N]
 */
import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { closeStores, createClaimer } from '../src/index.js';
import { eventually, freePort, PrivateRedis, redisCli } from '../test/stores/redis-servers.js';

const N = Number(process.argv[2] ?? 1000);
const SECRET = 'persistence-measurement-secret-32+chars';

const CONFIGS: Array<{ name: string; args: string[] }> = [
  { name: 'default (RDB snapshots `save 3600 1 300 100 60 10000`, no AOF)', args: ['--save', '3600 1 300 100 60 10000'] },
  { name: '`appendonly yes`, `appendfsync everysec`', args: ['--appendonly', 'yes', '--appendfsync', 'everysec'] },
  { name: '`appendonly yes`, `appendfsync always`', args: ['--appendonly', 'yes', '--appendfsync', 'always'] },
];

async function measure(args: string[]): Promise<number> {
  const server = new PrivateRedis(await freePort(), args);
  await server.start();
  try {
    const s = Math.floor(Date.now() / 1000);
    const tokens = Array.from({ length: N }, () => jwt.sign({ iat: s, exp: s + 600, jti: randomUUID() }, SECRET, { algorithm: 'HS256' }));
    const claim = createClaimer({ secret: SECRET, algorithms: ['HS256'], store: server.url, storeTimeout: 5000 });
    const first = await Promise.allSettled(tokens.map(async (t) => claim(t)));
    if (first.some((r) => r.status === 'rejected')) throw new Error('a first claim failed');
    await closeStores();
    await server.kill(); // SIGKILL right after the last acknowledged claim
    await server.start();
    const again = createClaimer({ secret: SECRET, algorithms: ['HS256'], store: server.url, storeTimeout: 5000 });
    const second = await Promise.allSettled(tokens.map(async (t) => again(t)));
    await closeStores();
    return second.filter((r) => r.status === 'fulfilled').length;
  } finally {
    await server.stop();
  }
}

const sign = (): string => {
  const s = Math.floor(Date.now() / 1000);
  return jwt.sign({ iat: s, exp: s + 600, jti: randomUUID() }, SECRET, { algorithm: 'HS256' });
};

/** Tokens answered 2xx on the master, then accepted again on the promoted replica. */
async function failover(query: string): Promise<{ answered: number; replayed: number }> {
  const master = new PrivateRedis(await freePort());
  await master.start();
  const replica = new PrivateRedis(await freePort(), ['--replicaof', '127.0.0.1', String(master.port)]);
  await replica.start();
  try {
    await eventually(() => redisCli(replica.port, 'INFO', 'replication').includes('master_link_status:up'), 10_000, 'the replica link');
    redisCli(replica.port, 'REPLICAOF', '127.0.0.1', String(await freePort())); // the link stalls: nothing more reaches the replica
    const tokens = Array.from({ length: N }, sign);
    const claim = createClaimer({ secret: SECRET, algorithms: ['HS256'], store: `${master.url}${query}`, storeTimeout: 5000 });
    const first = await Promise.allSettled(tokens.map(async (t) => claim(t)));
    const answered = tokens.filter((_, i) => first[i]!.status === 'fulfilled');
    await closeStores();
    await master.kill();
    redisCli(replica.port, 'REPLICAOF', 'NO', 'ONE'); // promoted
    const again = createClaimer({ secret: SECRET, algorithms: ['HS256'], store: replica.url, storeTimeout: 5000 });
    const second = await Promise.allSettled(answered.map(async (t) => again(t)));
    await closeStores();
    return { answered: answered.length, replayed: second.filter((r) => r.status === 'fulfilled').length };
  } finally {
    await Promise.all([replica.stop(), master.stop()]);
  }
}

/** Tokens answered 2xx, then accepted again after filler data pushed an `allkeys-lru` Redis past `maxmemory`. */
async function eviction(): Promise<{ answered: number; replayed: number }> {
  const server = new PrivateRedis(await freePort(), ['--maxmemory', '4mb', '--maxmemory-policy', 'allkeys-lru']);
  await server.start();
  try {
    const url = `${server.url}?allowEvictingRedis=true`; // the unsafe opt-out, to show what it risks
    const tokens = Array.from({ length: N }, sign);
    const claim = createClaimer({ secret: SECRET, algorithms: ['HS256'], store: url, storeTimeout: 5000 });
    const first = await Promise.allSettled(tokens.map(async (t) => claim(t)));
    const answered = tokens.filter((_, i) => first[i]!.status === 'fulfilled');
    const filler = 'x'.repeat(1024);
    for (let i = 0; i < 40; i++)
      redisCli(server.port, 'EVAL', `for i=1,200 do redis.call('SET', 'filler:${i}:'..i, ARGV[1]) end`, '0', filler);
    const second = await Promise.allSettled(answered.map(async (t) => claim(t)));
    await closeStores();
    return { answered: answered.length, replayed: second.filter((r) => r.status === 'fulfilled').length };
  } finally {
    await server.stop();
  }
}

async function main(): Promise<void> {
  console.log(`| Redis persistence | claims lost of ${N.toLocaleString('en-US')} on kill -9 |`);
  console.log('|---|---|');
  for (const config of CONFIGS) console.log(`| ${config.name} | ${await measure(config.args)} |`);
  console.log(
    `\n| failover to a replica whose link stalled | answered 2xx of ${N.toLocaleString('en-US')} | accepted again after the failover |`,
  );
  console.log('|---|---|---|');
  for (const [name, query] of [
    ['no WAIT', ''],
    ['`waitForReplicas=1&replicaTimeout=100`', '?waitForReplicas=1&replicaTimeout=100'],
  ] as const) {
    const { answered, replayed } = await failover(query);
    console.log(`| ${name} | ${answered} | ${replayed} |`);
  }
  const evicted = await eviction();
  console.log(
    '\n| maxmemory 4mb, allkeys-lru, allowEvictingRedis=true, then 8 MB of other keys | ' +
      `answered 2xx of ${N.toLocaleString('en-US')} | accepted again |`,
  );
  console.log('|---|---|---|');
  console.log(`| eviction | ${evicted.answered} | ${evicted.replayed} |`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
