// onRefuse and the diagnostics channels on every middleware, over real HTTP on
// 127.0.0.1: a claim, a replay, no credential, a bad one, a malformed header
// and a store failure each publish the documented message, the hooks get the
// same, and nothing carries the token or the secret.
import { randomUUID } from 'node:crypto';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { CHANNELS, JwtOnceError, MemoryStore, StoreError, type ClaimEvent, type ClaimStore, type RefuseEvent } from '../../src/index.js';
import { DPOP_APPS } from '../helpers/dpop-apps.js';
import { dpopKey, proofClaims, signProof } from '../helpers/dpop.js';
import type { AnyOptions, Served } from '../helpers/frameworks.js';
import { GUARDED, type Guarded, type GuardedRoute } from '../helpers/guarded-servers.js';
import { failOnUnhandledRejections } from '../helpers/outcome.js';
import { hsToken, NOW } from '../helpers/tokens.js';

failOnUnhandledRejections();

const SECRET = 'observability-hmac-secret-0123456789abcdefghijklmnopqrstuvwxyz-ABCDEF';
const SCOPE = 'obs-scope';
const now = () => NOW;

/** A store that answers asynchronously (so its time is measured), over a MemoryStore; `custom` in events. */
function asyncStore(memory: MemoryStore): ClaimStore {
  return {
    claim: async (key, expiresAt, at, id) => memory.claim(key, expiresAt, at, id),
    release: async (key, expiresAt, id) => memory.release(key, expiresAt, id),
  };
}

/** Everything published on the four channels, and everything the hooks received. */
class Seen {
  claim: unknown[] = [];
  refusal: unknown[] = [];
  replay: unknown[] = [];
  storeError: unknown[] = [];
  onClaim: ClaimEvent[] = [];
  onReplay: ClaimEvent[] = [];
  onStoreError: StoreError[] = [];
  onRefuse: RefuseEvent[] = [];
  reset(): void {
    for (const list of Object.values(this) as unknown[][]) list.length = 0;
  }
  hooks(): AnyOptions {
    return {
      onClaim: (e: ClaimEvent) => this.onClaim.push(e),
      onReplay: (e: ClaimEvent) => this.onReplay.push(e),
      onStoreError: (e: StoreError) => this.onStoreError.push(e),
      onRefuse: (e: RefuseEvent) => this.onRefuse.push(e),
    };
  }
}

const seen = new Seen();
const listeners = {
  [CHANNELS.claim]: (m: unknown) => seen.claim.push(m),
  [CHANNELS.refusal]: (m: unknown) => seen.refusal.push(m),
  [CHANNELS.replay]: (m: unknown) => seen.replay.push(m),
  [CHANNELS.storeError]: (m: unknown) => seen.storeError.push(m),
};
beforeAll(() => {
  for (const [name, listener] of Object.entries(listeners)) subscribe(name, listener);
});
afterAll(() => {
  for (const [name, listener] of Object.entries(listeners)) unsubscribe(name, listener);
});

/** A middleware under test: the GUARDED ones, and the Web DPoP handler (createDpopChecker), one app per route. */
interface Subject {
  name: string;
  kind: Guarded['kind'];
  /** Whether the events carry the framework request (a bare checker is given none). */
  request: 'framework' | 'none';
  serve(routes: GuardedRoute[]): Promise<{ urlOf(path: string): string; close(): Promise<void> }>;
}

const fromGuarded = (g: Guarded): Subject => ({
  name: g.name,
  kind: g.kind,
  request: 'framework',
  async serve(routes) {
    const served: Served = await g.serve(routes);
    return { urlOf: (path) => `${served.url}${path}`, close: () => served.close() };
  },
});

const webDpop: Subject = {
  name: 'Web createDpopChecker',
  kind: 'dpop',
  request: 'none',
  async serve(routes) {
    const start = DPOP_APPS.find(([name]) => name === 'Web')![1];
    const apps = await Promise.all(routes.map((r) => start(r.options as never, [{ method: 'post', path: r.path }])));
    return {
      urlOf: (path) => `${apps[routes.findIndex((r) => r.path === path)]!.url}${path}`,
      close: async () => void (await Promise.all(apps.map((a) => a.close()))),
    };
  },
};

const SUBJECTS: Subject[] = [...GUARDED.map(fromGuarded), webDpop];
const proofKey = dpopKey('ES256');

interface Sent {
  status: number;
  code: string | undefined;
}

async function send(url: string, headers: Record<string, string>): Promise<Sent> {
  const res = await fetch(url, { method: 'POST', headers });
  const text = await res.text();
  let code: string | undefined;
  try {
    code = (JSON.parse(text) as { code?: string }).code;
  } catch {
    code = undefined;
  }
  return { status: res.status, code };
}

/** The message without what may hold anything but text we wrote: the request object, and the error reduced to its texts. */
function printable(message: object): string {
  const { request: _request, error, ...rest } = message as { request?: unknown; error?: JwtOnceError & { detail?: string } };
  return JSON.stringify({ ...rest, error: error && { message: error.message, detail: error.detail } });
}

describe.each(SUBJECTS)('$name', ({ kind, serve, request }) => {
  const requestSeen = request === 'framework' ? expect.anything() : undefined;
  const live = new MemoryStore({ now });
  const dead = new MemoryStore({ now });
  dead.close();
  let server: Awaited<ReturnType<Subject['serve']>>;
  const base = (store: ClaimStore): AnyOptions =>
    kind === 'jwt' ? { secret: SECRET, algorithms: ['HS256'], now, store, scope: SCOPE, ...seen.hooks() } : { store, now, ...seen.hooks() };

  beforeAll(async () => {
    server = await serve([
      { path: '/live', options: base(asyncStore(live)) },
      { path: '/down', options: base(asyncStore(dead)) },
    ]);
  });
  afterAll(async () => {
    await server?.close();
    live.close();
  });
  beforeEach(() => seen.reset());

  /** A fresh valid credential for `path`, as headers, and the credential itself. */
  const credential = (path: string): { headers: Record<string, string>; secret: string } => {
    if (kind === 'jwt') {
      const token = hsToken({ sub: 'alice', iss: 'obs-test', jti: randomUUID() }, 300, SECRET);
      return { headers: { authorization: `Bearer ${token}` }, secret: token };
    }
    const proof = signProof(proofKey, proofClaims({ htu: server.urlOf(path) }));
    return { headers: { dpop: proof }, secret: proof };
  };
  /** The scope events carry: the configured one, or for DPoP the request URL. */
  const scopeOf = (path: string): string => (kind === 'jwt' ? SCOPE : server.urlOf(path));
  const guard = kind;

  function expectRefusal(code: string, status: number, path: string, extra: Partial<RefuseEvent> = {}): RefuseEvent {
    expect(seen.refusal).toHaveLength(1);
    expect(seen.onRefuse).toHaveLength(1);
    const event = seen.refusal[0] as RefuseEvent;
    expect(event).toEqual({
      code,
      status,
      guard,
      scope: scopeOf(path),
      key: undefined,
      durationMs: expect.any(Number),
      store: 'custom',
      storeMs: undefined,
      error: expect.any(JwtOnceError),
      request: requestSeen,
      ...extra,
    });
    expect(event.durationMs).toBeGreaterThanOrEqual(0);
    expect(event.error.code).toBe(code);
    // The hook gets the message the channel published.
    expect(seen.onRefuse[0]).toBe(event);
    return event;
  }

  it('a claim: jwt-once:claim and onClaim; a replay: jwt-once:replay, onReplay, then jwt-once:refusal and onRefuse', async () => {
    const { headers, secret } = credential('/live');
    expect(await send(server.urlOf('/live'), headers)).toEqual({ status: 200, code: undefined });
    expect(seen.claim).toEqual([
      {
        key: expect.any(String),
        iss: kind === 'jwt' ? 'obs-test' : undefined,
        sub: kind === 'jwt' ? 'alice' : undefined,
        jti: expect.any(String),
        scope: scopeOf('/live'),
        request: requestSeen,
        guard,
        store: 'custom',
        storeMs: expect.any(Number),
        durationMs: expect.any(Number),
      },
    ]);
    const claimed = seen.claim[0] as { key: string; storeMs: number; durationMs: number };
    expect(claimed.durationMs).toBeGreaterThanOrEqual(claimed.storeMs);
    expect(seen.onClaim).toHaveLength(1);
    expect(seen.onClaim[0]!.key).toBe(claimed.key);
    expect([seen.refusal, seen.onRefuse, seen.replay, seen.storeError]).toEqual([[], [], [], []]);

    seen.reset();
    const replayCode = kind === 'jwt' ? 'ERR_JWT_ONCE_REUSED' : 'ERR_JWT_ONCE_DPOP_REUSED';
    expect(await send(server.urlOf('/live'), headers)).toEqual({ status: 401, code: replayCode });
    expect(seen.replay).toEqual([
      {
        key: claimed.key,
        iss: kind === 'jwt' ? 'obs-test' : undefined,
        sub: kind === 'jwt' ? 'alice' : undefined,
        jti: expect.any(String),
        scope: scopeOf('/live'),
        request: requestSeen,
        guard,
        store: 'custom',
        storeMs: expect.any(Number),
      },
    ]);
    expect(seen.onReplay).toHaveLength(1);
    const refusal = expectRefusal(replayCode, 401, '/live', { key: claimed.key, storeMs: expect.any(Number) });
    expect(seen.claim).toEqual([]);
    for (const message of [...seen.replay, refusal]) {
      expect(printable(message as object)).not.toContain(secret);
      expect(printable(message as object)).not.toContain(SECRET);
    }
  });

  it('no credential: a refusal with its code, nothing else', async () => {
    const code = kind === 'jwt' ? 'ERR_JWT_ONCE_MISSING' : 'ERR_JWT_ONCE_DPOP';
    expect(await send(server.urlOf('/live'), {})).toEqual({ status: 401, code });
    expectRefusal(code, 401, '/live');
    expect([seen.claim, seen.replay, seen.storeError, seen.onClaim, seen.onReplay]).toEqual([[], [], [], [], []]);
  });

  it('a credential that does not verify: a refusal, never the credential', async () => {
    const bad: Record<string, string> =
      kind === 'jwt' ? { authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl' } : { dpop: 'not.a.proof' };
    const code = kind === 'jwt' ? 'ERR_JWT_ONCE_INVALID' : 'ERR_JWT_ONCE_DPOP';
    expect(await send(server.urlOf('/live'), bad)).toEqual({ status: 401, code });
    const event = expectRefusal(code, 401, '/live');
    expect(printable(event)).not.toContain(Object.values(bad)[0]!.replace(/^Bearer /, ''));
  });

  if (kind === 'jwt') {
    it('a malformed Authorization header (refused before any claimer runs): 400 and its refusal', async () => {
      expect(await send(server.urlOf('/live'), { authorization: 'Bearer two tokens' })).toEqual({
        status: 400,
        code: 'ERR_JWT_ONCE_MALFORMED',
      });
      expectRefusal('ERR_JWT_ONCE_MALFORMED', 400, '/live');
    });
  }

  it('a store failure: jwt-once:store-error and onStoreError (what failed), then the refusal (503)', async () => {
    const { headers } = credential('/down');
    expect(await send(server.urlOf('/down'), headers)).toEqual({ status: 503, code: 'ERR_JWT_ONCE_STORE' });
    expect(seen.storeError).toEqual([
      {
        guard,
        error: expect.any(StoreError),
        key: expect.any(String),
        scope: scopeOf('/down'),
        request: requestSeen,
        store: 'custom',
        storeMs: expect.any(Number),
      },
    ]);
    const failure = seen.storeError[0] as { error: StoreError; key: string };
    expect(seen.onStoreError).toEqual([failure.error]);
    expect(failure.error.detail).toMatch(/closed/);
    expectRefusal('ERR_JWT_ONCE_STORE', 503, '/down', { key: failure.key, storeMs: expect.any(Number) });
    expect(seen.claim).toEqual([]);
  });
});
