// A ConfigError raised while a request is checked is a fault of the server, not
// a refusal of the client: on every middleware every adapter exports (Express 5
// and 4, Koa, Hono, Fastify in each form, the Web guards, every dpopOnce) it
// reaches the framework's error handling, over real HTTP on 127.0.0.1. The test
// servers' error handlers answer `{ code }` as JSON; the middleware's own
// refusal answer would be an application/problem+json body.
import { MemoryStore } from '../../src/index.js';
import { dpopKey, proofClaims, signProof } from '../helpers/dpop.js';
import type { AnyOptions, Served } from '../helpers/frameworks.js';
import { GUARDED, type Guarded } from '../helpers/guarded-servers.js';
import { failOnUnhandledRejections } from '../helpers/outcome.js';
import { hsToken, NOW } from '../helpers/tokens.js';

failOnUnhandledRejections();

/** 64 bytes and more: short HMAC secrets are a ConfigError. */
const SECRET = 'request-time-config-error-hmac-secret-0123456789abcdefghijklmnopqrstuv';
const now = () => NOW;

interface Case {
  label: string;
  options(store: MemoryStore): AnyOptions;
}

const JWT_CASES: Case[] = [
  // request-guard: "`scope` must return a string synchronously" (what routeScope's misuse also is: a ConfigError per request).
  { label: '`scope` returning a number', options: (store) => ({ secret: SECRET, algorithms: ['HS256'], store, now, scope: () => 42 }) },
  { label: '`now` returning NaN', options: (store) => ({ secret: SECRET, algorithms: ['HS256'], store, now: () => Number.NaN }) },
];
const DPOP_CASES: Case[] = [
  // check-proof: "`nonce.issue` must return printable ASCII without `\"` or `\\`".
  { label: '`nonce.issue` returning a quote', options: (store) => ({ store, now, nonce: { check: () => false, issue: () => 'a"b' } }) },
  { label: '`now` returning NaN', options: (store) => ({ store, now: () => Number.NaN }) },
];

const proofKey = dpopKey('ES256');

describe.each(GUARDED)('$name: a request-time ConfigError', ({ kind, serve }: Guarded) => {
  const cases = (kind === 'jwt' ? JWT_CASES : DPOP_CASES).map((c, i) => ({ ...c, path: `/config/${i}`, store: new MemoryStore() }));
  let server: Served;

  beforeAll(async () => {
    server = await serve(cases.map(({ path, options, store }) => ({ path, options: options(store) })));
  });
  afterAll(async () => {
    await server?.close();
    for (const { store } of cases) store.close();
  });

  it.each(cases)("$label reaches the framework's error handler (5xx, its body), never a pass", async ({ path }) => {
    const url = `${server.url}${path}`;
    const headers: Record<string, string> =
      kind === 'jwt' ? { authorization: `Bearer ${hsToken({}, 300, SECRET)}` } : { dpop: signProof(proofKey, proofClaims({ htu: url })) };
    const before = server.reached.count;
    const res = await fetch(url, { method: 'POST', headers, signal: AbortSignal.timeout(3000) });
    const answer = { status: res.status, type: res.headers.get('content-type'), body: (await res.json()) as unknown };
    expect(answer).toEqual({ status: 500, type: expect.not.stringMatching(/problem\+json/), body: { code: 'ERR_JWT_ONCE_CONFIG' } });
    expect(server.reached.count - before).toBe(0);
  });
});
