// jwt-once/nest in real Nest applications, over HTTP on 127.0.0.1, on Nest's Express and Fastify platforms.
import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { JwtOnceModule } from '../../../adapters/nest/index.js';
import { getDefaultStore, MemoryStore } from '../../../src/index.js';
import { bodyOf, expectReusedAnswer, freePort, withBearer } from '../../helpers/http.js';
import { failOnUnhandledRejections } from '../../helpers/outcome.js';
import { HS_SECRET, hsToken, NOW } from '../../helpers/tokens.js';
import { PLATFORMS, startNest, type RunningApp } from './apps.js';

failOnUnhandledRejections();

const options = (extra: Record<string, unknown> = {}) => ({
  secret: HS_SECRET,
  algorithms: ['HS256' as const],
  store: new MemoryStore(),
  now: () => NOW,
  ...extra,
});

/** A token signed now (passport-jwt checks `exp` against the real clock). */
const liveToken = (sub = 'alice') => jwt.sign({ sub, jti: randomUUID() }, HS_SECRET, { algorithm: 'HS256', expiresIn: 60 });

const statusOf = async (pending: Promise<Response>): Promise<number> => {
  const res = await pending;
  await res.arrayBuffer();
  return res.status;
};

describe.each(PLATFORMS)('jwt-once/nest on Nest %s', (platform) => {
  let running: RunningApp | undefined;
  afterEach(async () => {
    await running?.close();
    running = undefined;
  });

  it('@UseGuards(JwtOnceGuard): the first use passes (200, request.jwtOnce and request.user), the replay gets 401 with the challenge and problem body', async () => {
    running = await startNest(platform, { jwtOnce: JwtOnceModule.forRoot(options()) });
    const token = hsToken({ sub: 'alice' });
    const first = await withBearer(`${running.url}/once`, token);
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ sub: 'alice', user: 'alice', key: expect.stringMatching(/^sha256:/) });
    await expectReusedAnswer(await withBearer(`${running.url}/once`, token));
  });

  it('answers no token with 401 and a bare Bearer challenge, a bad signature with 401 invalid_token: never 403', async () => {
    running = await startNest(platform, { jwtOnce: JwtOnceModule.forRoot(options()) });
    const missing = await withBearer(`${running.url}/once`, undefined);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer');
    expect(await bodyOf(missing)).toMatchObject({ status: 401, code: 'ERR_JWT_ONCE_MISSING' });
    const forged = await withBearer(`${running.url}/once`, hsToken({ sub: 'mallory' }, 300, `${HS_SECRET}-not-ours`));
    expect(forged.status).toBe(401);
    expect(forged.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
    expect(await bodyOf(forged)).toMatchObject({ code: 'ERR_JWT_ONCE_INVALID' });
    const open = await fetch(`${running.url}/open`);
    expect(open.status).toBe(200); // an unguarded route of the same app
  });

  it('@Once({ scope }): one token passes once per scope', async () => {
    running = await startNest(platform, { jwtOnce: JwtOnceModule.forRoot(options()) });
    const token = hsToken();
    expect(await statusOf(withBearer(`${running.url}/scope-a`, token))).toBe(200);
    expect(await statusOf(withBearer(`${running.url}/scope-b`, token))).toBe(200);
    await expectReusedAnswer(await withBearer(`${running.url}/scope-a`, token));
    await expectReusedAnswer(await withBearer(`${running.url}/scope-b`, token));
    expect(await statusOf(withBearer(`${running.url}/once`, token))).toBe(200); // the module's scope ('') is a third one
  });

  it('APP_GUARD: every route is guarded, @SkipOnce() routes pass without a token, and a route guarded twice claims once', async () => {
    running = await startNest(platform, { jwtOnce: JwtOnceModule.forRoot(options()), global: true });
    for (let i = 0; i < 3; i++) expect(await statusOf(withBearer(`${running.url}/global/health`, undefined))).toBe(200);
    const token = hsToken({ sub: 'bob' });
    expect(await statusOf(withBearer(`${running.url}/global/once`, token))).toBe(200);
    await expectReusedAnswer(await withBearer(`${running.url}/global/once`, token));
    const twice = hsToken({ sub: 'carol' });
    const first = await withBearer(`${running.url}/global/twice`, twice);
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ sub: 'carol' });
    await expectReusedAnswer(await withBearer(`${running.url}/global/twice`, twice));
    expect(await statusOf(withBearer(`${running.url}/global/once`, undefined))).toBe(401);
  });

  it("behind passport-jwt's AuthGuard('jwt') (verifiedPayload: req.user): passport verifies, jwt-once claims once", async () => {
    running = await startNest(platform, {
      jwtOnce: JwtOnceModule.forRoot({ verifiedPayload: (req) => req.user, store: new MemoryStore() }),
      passportSecret: HS_SECRET,
    });
    const token = liveToken('dave');
    const first = await withBearer(`${running.url}/passport/once`, token);
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ sub: 'dave', user: 'dave' });
    await expectReusedAnswer(await withBearer(`${running.url}/passport/once`, token));
    // A token passport refuses never reaches jwt-once: passport's 401.
    const forged = jwt.sign({ sub: 'mallory' }, `${HS_SECRET}-not-ours`, { algorithm: 'HS256', expiresIn: 60 });
    expect(await statusOf(withBearer(`${running.url}/passport/once`, forged))).toBe(401);
    // jwt-once without a verifier in front: no verified payload, 401, never a pass.
    expect(await statusOf(withBearer(`${running.url}/once`, liveToken()))).toBe(401);
  });

  it('lets exactly one of 500 simultaneous presentations of one token through', async () => {
    running = await startNest(platform, { jwtOnce: JwtOnceModule.forRoot(options()) });
    const token = hsToken();
    const url = `${running.url}/once`;
    const statuses = await Promise.all(Array.from({ length: 500 }, () => statusOf(withBearer(url, token))));
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 401)).toHaveLength(499);
  });

  it('answers 503 with Retry-After when the store is down (Redis on a closed port), naming no host or port', async () => {
    const port = await freePort();
    running = await startNest(platform, { jwtOnce: JwtOnceModule.forRoot(options({ store: `redis://127.0.0.1:${port}` })) });
    const res = await withBearer(`${running.url}/once`, hsToken());
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({
      type: 'about:blank',
      title: 'Service Unavailable',
      status: 503,
      detail: 'The claim store is unavailable; retry later',
      code: 'ERR_JWT_ONCE_STORE',
    });
    expect(text).not.toContain(String(port));
    expect(text).not.toContain('127.0.0.1');
  });

  it('closes the store it was given on app.close(): a later claim on it is refused, the default memory store stays open', async () => {
    const store = new MemoryStore();
    running = await startNest(platform, { jwtOnce: JwtOnceModule.forRoot(options({ store })) });
    expect(await statusOf(withBearer(`${running.url}/once`, hsToken()))).toBe(200);
    expect(await store.claim('before-close', NOW + 60_000, NOW)).toBe(true);
    await running.close();
    expect(() => store.claim('after-close', NOW + 60_000, NOW)).toThrow();

    // No store given: the process-wide default memory store, shared with the rest of the process, is left open.
    running = await startNest(platform, { jwtOnce: JwtOnceModule.forRoot(options({ store: undefined })) });
    expect(await statusOf(withBearer(`${running.url}/once`, hsToken()))).toBe(200);
    await running.close();
    expect(getDefaultStore().claim(`default-${platform}`, NOW + 60_000, NOW)).toBe(true);
  });

  it('releaseOnError: a handler that throws (500) gives the token back', async () => {
    running = await startNest(platform, { jwtOnce: JwtOnceModule.forRoot(options({ releaseOnError: true })) });
    const token = hsToken();
    expect(await statusOf(withBearer(`${running.url}/fails`, token))).toBe(500);
    // The release runs once the 500 is written: the same token passes on the next route.
    await new Promise((resolve) => setImmediate(resolve));
    expect(await statusOf(withBearer(`${running.url}/once`, token))).toBe(200);
    await expectReusedAnswer(await withBearer(`${running.url}/once`, token));
  });

  it('a throwing getToken is a 500 (Nest’s handler), never a pass', async () => {
    running = await startNest(platform, {
      jwtOnce: JwtOnceModule.forRoot(
        options({
          getToken: () => {
            throw new Error('bug in getToken');
          },
        }),
      ),
    });
    const res = await withBearer(`${running.url}/once`, hsToken());
    expect(res.status).toBe(500);
    expect(await res.text()).not.toContain('bug in getToken');
  });
});
