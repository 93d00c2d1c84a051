/**
 * A separate process presenting the same DPoP proofs as its siblings, for the
 * multi-process DPoP test. argv: kind (sqlite|redis), target (file or URL),
 * namespace, proofs file (JSON array), now (epoch ms). Waits for a line on
 * stdin so every worker starts at once, then prints the indexes of the proofs
 * it won as JSON.
 */
import { readFileSync } from 'node:fs';
import KeyvRedis from '@keyv/redis';
import KeyvSqlite from '@keyv/sqlite';
import Keyv from 'keyv';
import { createClient } from 'redis';
import { createDpopChecker } from '../../../src/dpop/index.js';
import { JwtOnceError, RedisClaimStore, SqliteClaimStore, type ClaimStore } from '../../../src/index.js';

const [kind, target, namespace, proofsFile, nowArg] = process.argv.slice(2);
const proofs = JSON.parse(readFileSync(proofsFile!, 'utf8')) as string[];
const now = Number(nowArg);

async function open(): Promise<{ store: ClaimStore & { ready(): Promise<void> }; done(): Promise<void> }> {
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
  const { store, done } = await open();
  await store.ready();
  const check = createDpopChecker({ store, now: () => now, storeTimeout: 10_000 });
  process.stdout.write('ready\n');
  await new Promise((resolve) => process.stdin.once('data', resolve));
  const outcomes = await Promise.all(
    proofs.map((proof, i) =>
      check(proof, { method: 'POST', url: 'https://server.example.com/token' }).then(
        () => i,
        (err: unknown) => {
          if (err instanceof JwtOnceError && err.code === 'ERR_JWT_ONCE_DPOP_REUSED') return -1;
          throw err;
        },
      ),
    ),
  );
  process.stdout.write(`${JSON.stringify(outcomes.filter((i) => i >= 0))}\n`);
  await done();
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
