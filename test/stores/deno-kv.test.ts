// The Deno KV store (denoKvStore) under Deno, on a local KV file
// (Deno.openKv(path), --unstable-kv): the ClaimStore contract run against the
// store inside Deno (through an HTTP proxy store), 1,000 concurrent claims of
// one key split over two Deno processes on one KV file, the overwrite of an
// expired claim by injected time, and release by id.
// Without a deno binary it is skipped with a message; with JWT_ONCE_REQUIRE_DENO=1
// (set by .ci/run), or CI=true with JWT_ONCE_RUNTIMES_DIR set, it fails instead.
/* eslint-disable no-console -- the suite says why it is skipped */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { claimStoreContract } from './contract.js';
import { bundleKvServer, DENO_INSTALL, findDeno, startKvServer } from './edge/deno-runtime.js';
import { callStore, httpStore } from './edge/http-store.js';

const DENO = findDeno();
const REQUIRE_DENO = process.env.JWT_ONCE_REQUIRE_DENO === '1' || (process.env.CI === 'true' && !!process.env.JWT_ONCE_RUNTIMES_DIR);
const describeInDeno = DENO !== undefined || REQUIRE_DENO ? describe : describe.skip;
if (DENO === undefined && !REQUIRE_DENO) {
  console.warn(
    `[jwt-once tests] skipping the Deno KV store tests: no deno binary found; ${DENO_INSTALL} ` +
      '(JWT_ONCE_REQUIRE_DENO=1, set by .ci/run, makes this a failure)',
  );
}

const T = Date.UTC(2026, 0, 1);

describeInDeno('Deno KV store (denoKvStore) under Deno, one local KV file', () => {
  jest.setTimeout(120_000);
  let dir: string;
  const servers: { url: string; stop: () => Promise<void> }[] = [];
  const url = (i = 0): string => servers[i]!.url;

  beforeAll(async () => {
    if (DENO === undefined) throw new Error(`no deno binary found, and the environment requires one: ${DENO_INSTALL}`);
    dir = mkdtempSync(join(tmpdir(), 'jwt-once-deno-kv-'));
    const server = join(dir, 'server.mjs');
    await bundleKvServer(server);
    // Two processes on one KV file.
    for (let i = 0; i < 2; i++) servers.push(await startKvServer(DENO, server, join(dir, 'claims.sqlite')));
  });
  afterAll(async () => {
    await Promise.all(servers.map(async (s) => s.stop()));
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  describe('the ClaimStore contract, run against the store inside Deno', () => {
    claimStoreContract(() => ({ store: httpStore(url), injectedClock: true }));
  });

  it('two Deno processes on one KV file: of 1,000 concurrent claims of one key, exactly one wins', async () => {
    const key = `two:${randomUUID()}`;
    const results = (
      await Promise.all(
        Array.from({ length: 20 }, async (_, i) => callStore(url(i % 2), { op: 'claim', args: [key, T + 60_000, T, `id-${i}`], n: 50 })),
      )
    ).flat();
    expect(results.filter((won) => won === true)).toHaveLength(1);
    expect(results.filter((won) => won === false)).toHaveLength(999);
    // The other process sees the claim.
    expect(await callStore(url(1), { op: 'isClaimed', args: [key, T] })).toEqual([true]);
    expect(await callStore(url(0), { op: 'isClaimed', args: [key, T] })).toEqual([true]);
  });

  it('an expired claim (injected time) is overwritten once: of 1,000 concurrent claims over two processes, one wins', async () => {
    const key = `expired:${randomUUID()}`;
    expect(await callStore(url(0), { op: 'claim', args: [key, T + 1000, T, 'old'] })).toEqual([true]);
    expect(await callStore(url(1), { op: 'claim', args: [key, T + 9000, T + 999, 'early'] })).toEqual([false]);
    const results = (
      await Promise.all(
        Array.from({ length: 20 }, async (_, i) => callStore(url(i % 2), { op: 'claim', args: [key, T + 9000, T + 1000, 'new'], n: 50 })),
      )
    ).flat();
    expect(results.filter((won) => won === true)).toHaveLength(1);
    expect(await callStore(url(1), { op: 'claim', args: [key, T + 9000, T + 8999, 'later'] })).toEqual([false]);
  });

  it('release compares the per-claim id, across processes', async () => {
    const key = `release:${randomUUID()}`;
    const claim = (i: number, id: string) => callStore(url(i), { op: 'claim', args: [key, T + 60_000, T, id] });
    const release = (i: number, id: string) => callStore(url(i), { op: 'release', args: [key, T + 60_000, id] });
    expect(await claim(0, 'a')).toEqual([true]);
    await release(1, 'b');
    expect(await claim(1, 'c')).toEqual([false]);
    await release(1, 'a');
    expect(await claim(1, 'c')).toEqual([true]);
    await release(0, 'a'); // late: keeps c
    expect(await claim(0, 'd')).toEqual([false]);
  });
});
