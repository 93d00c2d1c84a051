/**
 * A separate process claiming the same keys as its siblings, for the
 * multi-process tests. argv: kind (sqlite|redis|postgres), target (file or
 * URL), namespace, key count. `postgres` presents real tokens (the same ones
 * in every process: HS256 signing is deterministic) to claimToken on the URL
 * store. Waits for a line on stdin so every worker starts at once, then
 * prints { won: number[], errors: number } as JSON.
 */
import KeyvRedis from '@keyv/redis';
import KeyvSqlite from '@keyv/sqlite';
import Keyv from 'keyv';
import { createClient } from 'redis';
import jwt from 'jsonwebtoken';
import {
  claimToken,
  closeStores,
  openStore,
  RedisClaimStore,
  ReusedTokenError,
  SqliteClaimStore,
  type ClaimStore,
} from '../../../src/index.js';
import { HS_SECRET, NOW, NOW_S } from '../../helpers/tokens.js';

const [kind, target, namespace, countArg] = process.argv.slice(2);
const count = Number(countArg);

type Opened = { store: ClaimStore & { ready(): Promise<void> }; done(): Promise<void>; claim?(i: number): Promise<boolean> };

async function open(): Promise<Opened> {
  if (kind === 'postgres') {
    const store = openStore(target!) as ClaimStore & { ready(): Promise<void> };
    const options = { secret: HS_SECRET, algorithms: ['HS256'] as const, store: target!, now: () => NOW, storeTimeout: 10_000 };
    const claim = (i: number): Promise<boolean> =>
      claimToken(jwt.sign({ iat: NOW_S, exp: NOW_S + 600, jti: `${namespace}-${i}` }, HS_SECRET, { algorithm: 'HS256' }), options).then(
        () => true,
        (err: unknown) => {
          if (err instanceof ReusedTokenError) return false;
          throw err;
        },
      );
    return { store, claim, done: () => closeStores() };
  }
  if (kind === 'sqlite') {
    const keyv = new Keyv(new KeyvSqlite({ uri: `sqlite://${target}`, busyTimeout: 10_000 }), { namespace });
    const store = new SqliteClaimStore(keyv, { busyTimeout: 10_000 });
    return {
      store,
      done: async () => {
        await store.close();
        await keyv.disconnect();
      },
    };
  }
  const client = createClient({ url: target, disableOfflineQueue: true });
  client.on('error', () => undefined);
  await client.connect();
  const store = new RedisClaimStore(new Keyv(new KeyvRedis(client), { namespace }), { commandTimeout: 5000 });
  return {
    store,
    done: async () => {
      await client.close();
    },
  };
}

async function main(): Promise<void> {
  const { store, done, claim } = await open();
  await store.ready();
  process.stdout.write('ready\n');
  await new Promise((resolve) => process.stdin.once('data', resolve));
  const order = Array.from({ length: count }, (_, i) => i).sort(() => Math.random() - 0.5);
  const expiresAt = Date.now() + 10 * 60_000;
  const won: number[] = [];
  let errors = 0;
  const inFlight = 64;
  let next = 0;
  async function lane(): Promise<void> {
    while (next < order.length) {
      const i = order[next++]!;
      for (let attempt = 0; ; attempt++) {
        try {
          if (await (claim !== undefined ? claim(i) : store.claim(`key-${i}`, expiresAt, Date.now()))) won.push(i);
          break;
        } catch (err) {
          errors++;
          if (attempt >= 5) throw err;
        }
      }
    }
  }
  await Promise.all(Array.from({ length: inFlight }, lane));
  await done();
  process.stdout.write(`${JSON.stringify({ won, errors })}\n`, () => process.exit(0));
}

main().catch((err: unknown) => {
  process.stderr.write(`worker failed: ${String(err)}\n`);
  process.exit(1);
});
