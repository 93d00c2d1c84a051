// The Durable Object store (jwt-once/cloudflare) in workerd, with the
// JwtOnceClaims class on local disk storage: the ClaimStore contract run
// against the store inside workerd (through an HTTP proxy store), 1,000
// concurrent presentations of one token across 40 Worker requests, a replay
// after workerd restarts on the same storage, release by id, expiry by the
// object's alarm, and an object that cannot answer (503).
// Without a workerd binary it is skipped with a message; with
// JWT_ONCE_REQUIRE_WORKERD=1 (set by .ci/run) it fails instead.
/* eslint-disable no-console -- the suite says why it is skipped */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jwt from 'jsonwebtoken';
import { findWorkerd, WORKERD_INSTALL } from '../package/edge.js';
import { claimStoreContract } from './contract.js';
import { callStore, httpStore } from './edge/http-store.js';
import { bundleClaimsWorker, startClaimsWorker } from './workers/claims-workerd.js';

const WORKERD = findWorkerd();
const REQUIRE_WORKERD = process.env.JWT_ONCE_REQUIRE_WORKERD === '1';
const SECRET = `do-test-secret-${randomUUID()}`;
const describeInWorkerd = WORKERD !== undefined || REQUIRE_WORKERD ? describe : describe.skip;
if (WORKERD === undefined && !REQUIRE_WORKERD) {
  console.warn(
    `[jwt-once tests] skipping the Durable Object store tests: no workerd binary found; ${WORKERD_INSTALL} ` +
      '(JWT_ONCE_REQUIRE_WORKERD=1, set by .ci/run, makes this a failure)',
  );
}

const token = (expiresIn = 300): string => jwt.sign({ sub: 'edge', jti: randomUUID() }, SECRET, { algorithm: 'HS256', expiresIn });

describeInWorkerd('Durable Object store (jwt-once/cloudflare) in workerd, local disk storage', () => {
  jest.setTimeout(120_000);
  let dir: string;
  let server: { url: string; stop: () => Promise<void> } | undefined;
  const url = (): string => server!.url;

  beforeAll(async () => {
    if (WORKERD === undefined) throw new Error(`no workerd binary found, and JWT_ONCE_REQUIRE_WORKERD=1 requires one: ${WORKERD_INSTALL}`);
    dir = mkdtempSync(join(tmpdir(), 'jwt-once-do-'));
    await bundleClaimsWorker(dir);
    server = await startClaimsWorker(WORKERD, dir, SECRET);
  });
  afterAll(async () => {
    await server?.stop();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  describe('the ClaimStore contract, run against the store inside workerd', () => {
    // injectedClock false: a claim is judged live by the caller's `now`, but removed by the object's alarm on its own clock (like Redis's TTL).
    claimStoreContract(() => ({ store: httpStore(url), injectedClock: false }));
  });

  it('1,000 concurrent presentations of one token across 40 Worker requests: exactly one passes', async () => {
    const t = token();
    const answers = await Promise.all(
      Array.from({ length: 40 }, async () => {
        const res = await fetch(`${url()}/present?n=25`, { method: 'POST', headers: { authorization: `Bearer ${t}` } });
        expect(res.status).toBe(200);
        return (await res.json()) as { passed: number; codes: string[] };
      }),
    );
    expect(answers.reduce((sum, a) => sum + a.passed, 0)).toBe(1);
    expect([...new Set(answers.flatMap((a) => a.codes))].sort()).toEqual(['ERR_JWT_ONCE_REUSED', 'passed']);
  });

  it('of 1,000 concurrent claims of an expired claim (one atomic overwrite), exactly one wins', async () => {
    const key = `expired:${randomUUID()}`;
    const t = Date.now();
    expect(await callStore(url(), { op: 'claim', args: [key, t + 1000, t, 'old'] })).toEqual([true]);
    const results = (
      await Promise.all(
        Array.from({ length: 10 }, async () => callStore(url(), { op: 'claim', args: [key, t + 9000, t + 1000, 'new'], n: 100 })),
      )
    ).flat();
    expect(results.filter((won) => won === true)).toHaveLength(1);
    expect(results.filter((won) => won === false)).toHaveLength(999);
  });

  it('release compares the per-claim id: a late release of an earlier claim keeps the newer one', async () => {
    const key = `release:${randomUUID()}`;
    const n = Date.now();
    const claim = (id: string) => callStore(url(), { op: 'claim', args: [key, n + 60_000, n, id] });
    const release = (id: string) => callStore(url(), { op: 'release', args: [key, n + 60_000, id] });
    expect(await claim('a')).toEqual([true]);
    await release('b');
    expect(await claim('c')).toEqual([false]);
    await release('a');
    expect(await claim('c')).toEqual([true]);
    await release('a');
    expect(await claim('d')).toEqual([false]);
  });

  it('the alarm removes an expired claim (bounded polling of the alarm, no sleeping on a TTL)', async () => {
    const key = `alarm:${randomUUID()}`;
    const expiresAt = Date.now() + 300;
    const before = expiresAt - 60_000; // a "now" before the expiry: a claim still there answers true
    const live = `live:${randomUUID()}`;
    expect(await callStore(url(), { op: 'claim', args: [key, expiresAt, Date.now(), 'x'] })).toEqual([true]);
    expect(await callStore(url(), { op: 'claim', args: [live, Date.now() + 3_600_000, Date.now(), 'y'] })).toEqual([true]);
    expect(await callStore(url(), { op: 'isClaimed', args: [key, before] })).toEqual([true]);
    const deadline = Date.now() + 15_000;
    let present = true;
    while (present && Date.now() < deadline) {
      present = (await callStore(url(), { op: 'isClaimed', args: [key, before] }))[0] === true;
      if (present) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(present).toBe(false); // deleted by the alarm, not judged expired (the "now" asked is before its expiry)
    expect(await callStore(url(), { op: 'isClaimed', args: [live, Date.now()] })).toEqual([true]);
  });

  it('the alarm removes at most 512 claims per run and runs again until every expired claim is gone (600 claims in one object)', async () => {
    const object = randomUUID();
    const fill = async (query: string) =>
      (await (await fetch(`${url()}/fill?object=${object}&n=600&${query}`, { method: 'POST' })).json()) as {
        won?: number;
        stored?: number;
      };
    expect(await fill(`expiresAt=${Date.now() + 300}`)).toEqual({ won: 600 });
    const deadline = Date.now() + 30_000;
    let live = 600;
    while (live > 0 && Date.now() < deadline) {
      live = (await fill('count')).stored!; // isClaimed at time 0: true while the claim is stored at all
      if (live > 0) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(live).toBe(0);
  });

  it('a replay after workerd restarts on the same storage directory is refused', async () => {
    const t = token();
    const present = async () =>
      fetch(`${url()}/guarded`, { method: 'POST', headers: { authorization: `Bearer ${t}` } }).then(async (r) => [
        r.status,
        await r.json(),
      ]);
    expect(await present()).toEqual([200, { sub: 'edge' }]);
    await server!.stop();
    server = await startClaimsWorker(WORKERD!, dir, SECRET);
    const [status, body] = await present();
    expect([status, (body as { code?: string }).code]).toEqual([401, 'ERR_JWT_ONCE_REUSED']);
  });

  it('an object that cannot answer: 503 ERR_JWT_ONCE_STORE, with nothing of the failure in the answer', async () => {
    const t = token();
    const res = await fetch(`${url()}/guarded?broken=1`, { method: 'POST', headers: { authorization: `Bearer ${t}` } });
    const text = await res.text();
    expect(res.status).toBe(503);
    expect(JSON.parse(text)).toMatchObject({ code: 'ERR_JWT_ONCE_STORE' });
    expect(text).not.toMatch(/overloaded|Durable|invalid|\.js/i);
    expect(text).not.toContain(t);
    // The store call itself rejects with a StoreError (never answers true).
    const call = { op: 'claim' as const, args: [`broken:${randomUUID()}`, Date.now() + 60_000, Date.now(), 'i'] };
    await expect(callStore(url(), call, '/store?broken=1')).rejects.toMatchObject({ cause: 'ERR_JWT_ONCE_STORE' });
  });

  it('a real Workers KV binding is refused at creation: ConfigError naming a Durable Object or Redis', async () => {
    const res = await fetch(`${url()}/kv-refused`);
    const answers = (await res.json()) as Record<string, { code?: string; message: string } | 'accepted'>;
    for (const [name, answer] of Object.entries(answers)) {
      expect([name, answer === 'accepted' ? answer : answer.code]).toEqual([name, 'ERR_JWT_ONCE_CONFIG']);
    }
    expect(answers.resolveStore).toMatchObject({
      message: expect.stringMatching(/Workers KV.*eventually consistent.*Durable Object.*Redis/),
    });
    expect(answers.durableObjectStore).toMatchObject({ message: expect.stringMatching(/Workers KV namespace/) });
  });
});
