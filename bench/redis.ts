// Scenario 2: Redis. claimToken on Redis with many claims in flight vs the
// work nobody can avoid, done by hand on the same node-redis client in the
// same run: jsonwebtoken.verify (KeyObject) + one raw SET NX PXAT per token.
// Keys live under a namespace unique to this run and are deleted afterwards.
import { createSecretKey } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import jwt from 'jsonwebtoken';
import { compare, interleave, log, pick, printMedians, rate, runId, signTokens, skip, storeRates } from './harness.js';

const SCENARIO = 'redis';
const BAR = 0.75;
const URL = process.env.JWT_ONCE_BENCH_REDIS ?? 'redis://127.0.0.1:6379';
const SECRET = 'a-string-secret-a-user-would-paste-in-here-32+chars';

interface NodeRedis {
  set(key: string, value: string, options: object): Promise<unknown>;
  scanIterator(options: { MATCH: string; COUNT: number }): AsyncIterable<string[] | string>;
  del(keys: string[]): Promise<unknown>;
}

/** Runs `work` over every item with `concurrency` calls in flight. */
export async function inFlight<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

export async function runRedis(): Promise<void> {
  log(`\n## 2. Redis: claimToken vs verify + raw SET NX PXAT, same client (bar >= ${BAR}x with many in flight)`);
  if (!existsSync(join(__dirname, '../src/stores/redis/redis-store.ts'))) {
    skip(SCENARIO, 'src/stores/redis/redis-store.ts does not exist yet');
    return;
  }
  const { default: Keyv } = await import('keyv');
  const { default: KeyvRedis } = await import('@keyv/redis');
  const { createClaimer } = await import('../src/index.js');
  const namespace = `${runId}:redis`;
  const adapter = new KeyvRedis(URL);
  const keyv = new Keyv({ store: adapter, namespace });
  const client = adapter.client as unknown as NodeRedis;
  try {
    await keyv.get('warm-up'); // connects
  } catch (err) {
    skip(SCENARIO, `Redis at ${URL} is unreachable: ${err instanceof Error ? err.message : String(err)}`);
    return;
  }
  try {
    const key = createSecretKey(Buffer.from(SECRET, 'utf8'));
    const claim = createClaimer({ secret: SECRET, algorithms: ['HS256'], store: keyv });
    const verifyOptions = { algorithms: ['HS256'] as jwt.Algorithm[] };
    const batch = pick(4_000, 10_000);
    const concurrency = 64;
    let rawCount = 0;
    const raw = async (token: string): Promise<void> => {
      const payload = jwt.verify(token, key, verifyOptions) as jwt.JwtPayload;
      const reply = await client.set(`${namespace}:raw:${++rawCount}`, '1', {
        condition: 'NX',
        expiration: { type: 'PXAT', value: payload.exp! * 1000 + 1000 },
      });
      if (reply !== 'OK') throw new Error('raw SET NX refused a fresh key');
    };
    const ours = async (token: string): Promise<void> => {
      await claim(token);
    };

    const results = await interleave(
      [
        {
          name: 'verify + SET NX PXAT',
          sample: () => {
            const t = signTokens(batch, key, 'HS256');
            return rate(batch, () => inFlight(t, concurrency, raw));
          },
        },
        {
          name: 'claimToken (Redis)',
          sample: () => {
            const t = signTokens(batch, key, 'HS256');
            return rate(batch, () => inFlight(t, concurrency, ours));
          },
        },
      ],
      pick(3, 7),
    );
    printMedians(`${concurrency} in flight`, results, 'claims/s');
    const mine = results.get('claimToken (Redis)')!.median;
    compare(
      SCENARIO,
      `claimToken on Redis, ${concurrency} in flight`,
      mine,
      'verify + raw SET NX PXAT',
      results.get('verify + SET NX PXAT')!.median,
      BAR,
      'claims/s',
    );
    storeRates.push({ store: `Redis (${concurrency} in flight)`, rate: mine });

    const serialBatch = pick(1_000, 3_000);
    const serial = await interleave(
      [
        {
          name: 'verify + SET NX PXAT',
          sample: () => {
            const t = signTokens(serialBatch, key, 'HS256');
            return rate(serialBatch, () => inFlight(t, 1, raw));
          },
        },
        {
          name: 'claimToken (Redis)',
          sample: () => {
            const t = signTokens(serialBatch, key, 'HS256');
            return rate(serialBatch, () => inFlight(t, 1, ours));
          },
        },
      ],
      pick(3, 5),
    );
    printMedians('one at a time', serial, 'claims/s');
    const oneAtATime = serial.get('claimToken (Redis)')!.median;
    compare(
      SCENARIO,
      'claimToken on Redis, one at a time',
      oneAtATime,
      'verify + raw SET NX PXAT',
      serial.get('verify + SET NX PXAT')!.median,
      undefined,
      'claims/s',
    );
    storeRates.push({ store: 'Redis (one at a time)', rate: oneAtATime });
  } finally {
    let deleted = 0;
    for await (const found of client.scanIterator({ MATCH: `${namespace}*`, COUNT: 1000 })) {
      const keys = Array.isArray(found) ? found : [found];
      if (keys.length > 0) {
        await client.del(keys);
        deleted += keys.length;
      }
    }
    log(`  cleaned up ${deleted.toLocaleString('en-US')} keys under ${namespace}`);
    await keyv.disconnect();
  }
  await runWaitForReplicas();
}

/**
 * The cost of `waitForReplicas=1`: claimToken on a private master with one
 * replica (both on loopback, started here), with and without WAIT, side by side.
 */
async function runWaitForReplicas(): Promise<void> {
  log('\n## 2b. Redis: claimToken with waitForReplicas=1 vs without, on a private master + replica');
  const { hasRedisBinaries, freePort, PrivateRedis, redisCli, eventually } = await import('../test/stores/redis-servers.js');
  if (!hasRedisBinaries()) {
    skip(`${SCENARIO} waitForReplicas`, 'redis-server is not installed');
    return;
  }
  const { createClaimer, closeStores } = await import('../src/index.js');
  const master = new PrivateRedis(await freePort());
  const replica = new PrivateRedis(await freePort(), ['--replicaof', '127.0.0.1', String(master.port)]);
  try {
    await master.start();
    await replica.start();
    await eventually(() => redisCli(replica.port, 'INFO', 'replication').includes('master_link_status:up'), 10_000, 'the replica link');
    const key = createSecretKey(Buffer.from(SECRET, 'utf8'));
    const plain = createClaimer({ secret: SECRET, algorithms: ['HS256'], store: master.url });
    const waiting = createClaimer({ secret: SECRET, algorithms: ['HS256'], store: `${master.url}?waitForReplicas=1&replicaTimeout=100` });
    const batch = pick(4_000, 10_000);
    const concurrency = 64;
    const results = await interleave(
      [
        {
          name: 'claimToken (Redis, no WAIT)',
          sample: () => {
            const t = signTokens(batch, key, 'HS256');
            return rate(batch, () =>
              inFlight(t, concurrency, async (x) => {
                await plain(x);
              }),
            );
          },
        },
        {
          name: 'claimToken (Redis, waitForReplicas=1)',
          sample: () => {
            const t = signTokens(batch, key, 'HS256');
            return rate(batch, () =>
              inFlight(t, concurrency, async (x) => {
                await waiting(x);
              }),
            );
          },
        },
      ],
      pick(3, 5),
    );
    printMedians(`${concurrency} in flight, master + 1 replica on loopback`, results, 'claims/s');
    const mine = results.get('claimToken (Redis, waitForReplicas=1)')!.median;
    compare(
      SCENARIO,
      `claimToken on Redis, waitForReplicas=1, ${concurrency} in flight`,
      mine,
      'the same without WAIT',
      results.get('claimToken (Redis, no WAIT)')!.median,
      undefined,
      'claims/s',
    );
    storeRates.push({ store: `Redis + WAIT 1 (${concurrency} in flight)`, rate: mine });
  } finally {
    await closeStores();
    await Promise.all([replica.stop(), master.stop()]);
  }
}
