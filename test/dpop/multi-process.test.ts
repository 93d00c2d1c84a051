// Several processes sharing one store: each DPoP proof is accepted once in total.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { createClient } from 'redis';
import { dpopKey, proofClaims, signProof } from '../helpers/dpop.js';
import { NOW } from '../helpers/tokens.js';
import { describeWithRedis, redisAnswers, SHARED_REDIS_URL } from '../stores/redis-servers.js';

const WORKER = resolve('test/dpop/workers/dpop-worker.ts');
const WORKERS = 4;
const PROOFS = 300;

let dir: string;
let proofsFile: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'jwt-once-dpop-mp-'));
  proofsFile = join(dir, 'proofs.json');
  const keys = [dpopKey('ES256'), dpopKey('ES256')];
  writeFileSync(proofsFile, JSON.stringify(Array.from({ length: PROOFS }, (_, i) => signProof(keys[i % 2]!, proofClaims()))));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Starts the workers, releases them at once, and checks every proof was won by exactly one of them. */
const children: ChildProcess[] = [];
// Also after a timed-out test, whose finally never runs: no worker outlives its test.
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

async function expectEachProofOnce(kind: 'sqlite' | 'redis', target: string, namespace: string): Promise<void> {
  try {
    const lines = Array.from({ length: WORKERS }, () => {
      const child = spawn(process.execPath, ['--import', 'tsx', WORKER, kind, target, namespace, proofsFile, String(NOW)], {
        stdio: ['pipe', 'pipe', 'inherit'],
      });
      children.push(child);
      return createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
    });
    for (const line of lines) expect((await line.next()).value).toBe('ready');
    const exits = children.map((c) => once(c, 'exit'));
    for (const child of children) child.stdin!.end('go\n'); // closing stdin lets each worker exit when done
    const won = await Promise.all(lines.map(async (line) => JSON.parse(String((await line.next()).value)) as number[]));
    await Promise.all(exits);
    const wins = new Array<number>(PROOFS).fill(0);
    for (const list of won) for (const i of list) wins[i]!++;
    expect(wins.filter((w) => w !== 1)).toEqual([]);
  } finally {
    for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

describe('DPoP proofs across processes', () => {
  it(`${WORKERS} processes, one SQLite file: each of ${PROOFS} proofs is accepted once in total`, async () => {
    await expectEachProofOnce('sqlite', join(dir, 'claims.db'), 'dpop');
  }, 60_000);
});

describeWithRedis('DPoP proofs across processes on Redis', redisAnswers(), `no Redis answers on ${SHARED_REDIS_URL}`, () => {
  const namespace = `jwt-once-test-dpop-mp-${randomUUID()}`;
  afterAll(async () => {
    const client = createClient({ url: SHARED_REDIS_URL });
    await client.connect();
    for await (const keys of client.scanIterator({ MATCH: `${namespace}*`, COUNT: 1000 })) {
      if (keys.length > 0) await client.del(keys);
    }
    await client.close();
  });

  it(`${WORKERS} processes, one Redis: each of ${PROOFS} proofs is accepted once in total`, async () => {
    await expectEachProofOnce('redis', SHARED_REDIS_URL, namespace);
  }, 60_000);
});
