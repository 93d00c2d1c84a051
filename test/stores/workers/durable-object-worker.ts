// The Worker of the Durable Object tests (test/stores/durable-objects.test.ts),
// bundled from the sources by esbuild and served by workerd with the
// JwtOnceClaims class on local disk storage.
//   POST /store    a store call (store-endpoint.ts) on env.JWT_ONCE (4 shards)
//   POST /present?n=N  the bearer token presented N times at once to claimToken: { passed, codes }
//   POST /fill?object=&n=&expiresAt=  n claims in one object of its own; /fill?object=&n=&count: how many are still stored
//   POST /guarded[?broken=1]  withJwtOnce (jwt-once/web) on env.JWT_ONCE, or on env.BROKEN (an object that fails)
//   GET  /kv-refused  what resolveStore, withJwtOnce and durableObjectStore say to a real Workers KV binding (env.KV)
import { withJwtOnce } from '../../../adapters/web/index.js';
import { claimToken, resolveStore } from '../../../src/index.js';
import {
  durableObjectStore,
  JwtOnceClaims,
  type DurableObjectClaimStore,
  type DurableObjectNamespaceLike,
} from '../../../src/stores/cloudflare/index.js';
import { storeEndpoint } from '../edge/store-endpoint.js';

export { JwtOnceClaims };

/** A Durable Object that is there but cannot answer (what an overloaded or reset object gives the stub). */
export class Unavailable {
  fetch(): Promise<Response> {
    return Promise.reject(new Error('Durable Object is overloaded. Requests queued for too long.'));
  }
}

interface Env {
  JWT_ONCE: DurableObjectNamespaceLike;
  BROKEN: DurableObjectNamespaceLike;
  SECRET: string;
  KV: object;
}

/** The code and message of what `make` throws, or 'accepted'. */
function refusalOf(make: () => unknown): { code?: string; message: string } | 'accepted' {
  try {
    make();
    return 'accepted';
  } catch (err) {
    return { code: (err as { code?: string }).code, message: String((err as Error).message) };
  }
}

let claims: DurableObjectClaimStore | undefined;
let broken: DurableObjectClaimStore | undefined;

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === '/kv-refused') {
      const kv = env.KV as never;
      return Response.json({
        resolveStore: refusalOf(() => resolveStore(kv, { allowNonAtomicStore: true })),
        withJwtOnce: refusalOf(() => withJwtOnce(() => new Response(), { secret: env.SECRET, algorithms: ['HS256'], store: kv })),
        durableObjectStore: refusalOf(() => durableObjectStore(kv)),
      });
    }
    // One store per binding for the life of the isolate, as an app keeps it: used by many requests.
    const store = url.searchParams.has('broken')
      ? (broken ??= durableObjectStore(env.BROKEN))
      : (claims ??= durableObjectStore(env.JWT_ONCE, { shards: 4 }));
    if (url.pathname === '/store') return storeEndpoint(store, request);
    if (url.pathname === '/fill') {
      // n distinct keys into one object (its own name, one shard), expiring at `expiresAt`: more than one alarm's work.
      const one = durableObjectStore(env.JWT_ONCE, { shards: 1, name: `fill-${url.searchParams.get('object')}-` });
      const n = Number(url.searchParams.get('n'));
      const expiresAt = Number(url.searchParams.get('expiresAt'));
      if (url.searchParams.has('count')) {
        const stored = await Promise.all(Array.from({ length: n }, async (_, i) => one.isClaimed(`fill:${i}`, 0)));
        return Response.json({ stored: stored.filter(Boolean).length });
      }
      const won = await Promise.all(Array.from({ length: n }, async (_, i) => one.claim(`fill:${i}`, expiresAt, Date.now(), `id-${i}`)));
      return Response.json({ won: won.filter(Boolean).length });
    }
    const token = (request.headers.get('authorization') ?? '').replace(/^Bearer /, '');
    const options = { secret: env.SECRET, algorithms: ['HS256' as const], store, storeTimeout: 10_000 };
    if (url.pathname === '/present') {
      const outcomes = await Promise.all(
        Array.from({ length: Number(url.searchParams.get('n') ?? 1) }, async () =>
          claimToken(token, options).then(
            () => 'passed',
            (err: { code?: string }) => String(err.code),
          ),
        ),
      );
      return Response.json({ passed: outcomes.filter((o) => o === 'passed').length, codes: [...new Set(outcomes)].sort() });
    }
    if (url.pathname === '/guarded') return withJwtOnce((_req, claim) => Response.json({ sub: claim.payload.sub }), options)(request);
    return new Response('not found', { status: 404 });
  },
};
