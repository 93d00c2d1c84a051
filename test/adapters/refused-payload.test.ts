// A refused request carries no payload (issue 22.3). With an `onError` that
// lets the request go on (the "optional auth" pattern: Express and Koa call
// `next()`), the handler of a replay must see no payload and no claim. Where
// `onError` has no way on (Hono returns the answer, Fastify's must send it),
// `onError` itself reports what the request holds. Every middleware, over real
// HTTP on 127.0.0.1.
import { createServer, type Server } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import Router from '@koa/router';
import type { Request as ExpressRequest } from 'express';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { Hono, type Context } from 'hono';
import Koa from 'koa';
import { dpopOnce as expressDpop, type DpopOnceRequest } from '../../adapters/express/dpop-once.js';
import { jwtOnce as expressJwtOnce, type JwtOnceRequest as ExpressJwtOnceRequest } from '../../adapters/express/index.js';
import { dpopOnce as fastifyDpop } from '../../adapters/fastify/dpop-once.js';
import { jwtOnce as fastifyJwtOnce, type JwtOnceRequest as FastifyJwtOnceRequest } from '../../adapters/fastify/index.js';
import { dpopOnce as honoDpop, type DpopOnceVariables } from '../../adapters/hono/dpop-once.js';
import { jwtOnce as honoJwtOnce, type JwtOnceVariables } from '../../adapters/hono/index.js';
import { dpopOnce as koaDpop } from '../../adapters/koa/dpop-once.js';
import { jwtOnce as koaJwtOnce } from '../../adapters/koa/index.js';
import type { DpopProof } from '../../src/dpop/options.js';
import { MemoryStore, type Claim } from '../../src/index.js';
import { dpopKey, HTU, proofClaims, signProof } from '../helpers/dpop.js';
import { EXPRESS_VERSIONS } from '../helpers/express-versions.js';
import { listen } from '../helpers/http.js';
import { failOnUnhandledRejections } from '../helpers/outcome.js';
import { hsToken, NOW } from '../helpers/tokens.js';

failOnUnhandledRejections();

const SECRET = 'jwt-once refused-payload tests: an HMAC secret of well over sixty-four bytes, never used elsewhere';
/** The public origin of the DPoP middlewares, so every proof's `htu` is {@link HTU} whatever the port. */
const ORIGIN = new URL(HTU).origin;
const PATH = new URL(HTU).pathname;

/** What a request showed: the refusal code `onError` saw (null when it passed), the payload and the claim's key on it. */
interface Report {
  refused: string | null;
  payload: unknown;
  claim: string | null;
}

/** Absent (`undefined`, or the `null` a decorator declares) reads as null. */
function report(refused: string | null, payload: unknown, claim: Claim | null | undefined): Report {
  return { refused, payload: payload ?? null, claim: claim?.key ?? null };
}

/** A DPoP middleware's payload is the proof: reported as its thumbprint, its claim as the claim. */
function proofReport(refused: string | null, proof: DpopProof | null | undefined): Report {
  return report(refused, proof?.thumbprint, proof?.claim);
}

interface Running {
  url: string;
  close: () => Promise<void>;
}

/** The refusal code `onError` saw, for the handler to report (no property is added to the request). */
const refusals = new WeakMap<object, string>();

const jwtOptions = (store: MemoryStore) => ({ secret: SECRET, algorithms: ['HS256' as const], store, now: () => NOW });
const dpopOptions = (store: MemoryStore) => ({ origin: ORIGIN, store, now: () => NOW });

type Start = (store: MemoryStore) => Promise<Running>;

const expressApps: Array<[string, Start]> = EXPRESS_VERSIONS.flatMap(([name, express]): Array<[string, Start]> => [
  [
    `${name} jwtOnce (req.auth, req.jwtOnce)`,
    (store) => {
      const app = express();
      const onError = (err: { code: string }, req: ExpressRequest, _res: unknown, next: () => void) => {
        refusals.set(req, err.code);
        next();
      };
      app.post(PATH, expressJwtOnce({ ...jwtOptions(store), onError }), (req, res) => {
        const { auth, jwtOnce } = req as ExpressJwtOnceRequest;
        res.json(report(refusals.get(req) ?? null, auth, jwtOnce));
      });
      return listen(createServer(app));
    },
  ],
  [
    `${name} dpopOnce (req.dpop)`,
    (store) => {
      const app = express();
      const onError = (err: { code: string }, req: ExpressRequest, _res: unknown, next: () => void) => {
        refusals.set(req, err.code);
        next();
      };
      app.post(PATH, expressDpop({ ...dpopOptions(store), onError }), (req, res) => {
        res.json(proofReport(refusals.get(req) ?? null, (req as DpopOnceRequest).dpop));
      });
      return listen(createServer(app));
    },
  ],
]);

const koaApps: Array<[string, Start]> = [
  [
    'Koa jwtOnce (ctx.state.user, ctx.state.jwtOnce)',
    (store) => {
      const app = new Koa();
      const router = new Router();
      const onError = (err: { code: string }, ctx: Koa.Context, next: Koa.Next) => {
        refusals.set(ctx, err.code);
        return next();
      };
      router.post(PATH, koaJwtOnce({ ...jwtOptions(store), onError }), (ctx) => {
        ctx.body = report(refusals.get(ctx) ?? null, ctx.state.user, ctx.state.jwtOnce);
      });
      app.use(router.routes());
      return listen(createServer(app.callback()));
    },
  ],
  [
    'Koa dpopOnce (ctx.state.dpop)',
    (store) => {
      const app = new Koa();
      const router = new Router();
      const onError = (err: { code: string }, ctx: Koa.Context, next: Koa.Next) => {
        refusals.set(ctx, err.code);
        return next();
      };
      router.post(PATH, koaDpop({ ...dpopOptions(store), onError }), (ctx) => {
        ctx.body = proofReport(refusals.get(ctx) ?? null, ctx.state.dpop);
      });
      app.use(router.routes());
      return listen(createServer(app.callback()));
    },
  ],
];

// Hono's onError returns the answer (it has no `next`): it reports what `c` holds at the refusal.
const honoApps: Array<[string, Start]> = [
  [
    "Hono jwtOnce (c.get('jwtPayload'), c.get('jwtOnce'))",
    (store) => {
      const app = new Hono<{ Variables: JwtOnceVariables }>();
      const onError = (err: { code: string }, c: Context) => c.json(report(err.code, c.get('jwtPayload'), c.get('jwtOnce')), 401);
      app.post(PATH, honoJwtOnce({ ...jwtOptions(store), onError }), (c) => c.json(report(null, c.get('jwtPayload'), c.get('jwtOnce'))));
      return listen(createAdaptorServer({ fetch: app.fetch }) as Server);
    },
  ],
  [
    "Hono dpopOnce (c.get('dpop'))",
    (store) => {
      const app = new Hono<{ Variables: DpopOnceVariables }>();
      const onError = (err: { code: string }, c: Context) => c.json(proofReport(err.code, c.get('dpop')), 401);
      app.post(PATH, honoDpop({ ...dpopOptions(store), onError }), (c) => c.json(proofReport(null, c.get('dpop'))));
      return listen(createAdaptorServer({ fetch: app.fetch }) as Server);
    },
  ],
];

async function fastifyApp(configure: (app: FastifyInstance) => void): Promise<Running> {
  const app = Fastify();
  configure(app);
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { url, close: () => app.close() };
}

const fastifyApps: Array<[string, Start]> = [
  // Fastify's onError must answer through `reply` (the request never goes on): it reports what the request holds.
  [
    'Fastify jwtOnce (request.user, request.jwtOnce)',
    (store) =>
      fastifyApp((app) => {
        const onError = (err: { code: string }, request: FastifyRequest, reply: { code(n: number): { send(v: unknown): unknown } }) =>
          reply.code(401).send(report(err.code, (request as FastifyJwtOnceRequest).user, request.jwtOnce));
        app.post(PATH, { onRequest: fastifyJwtOnce({ ...jwtOptions(store), onError }) }, async (request) =>
          report(null, (request as FastifyJwtOnceRequest).user, request.jwtOnce),
        );
      }),
  ],
  [
    'Fastify dpopOnce (request.dpop)',
    (store) =>
      fastifyApp((app) => {
        app.decorateRequest('dpop', null);
        const onError = (err: { code: string }, request: FastifyRequest, reply: { code(n: number): { send(v: unknown): unknown } }) =>
          reply.code(401).send(proofReport(err.code, request.dpop));
        app.post(PATH, { onRequest: fastifyDpop({ ...dpopOptions(store), onError }) }, async (request) => proofReport(null, request.dpop));
      }),
  ],
];

const key = dpopKey('ES256');

/** One credential, the same for both presentations: a bearer token, or a DPoP proof. */
function credential(name: string): Record<string, string> {
  if (name.includes('dpopOnce')) return { dpop: signProof(key, proofClaims()) };
  return { authorization: `Bearer ${hsToken({ sub: 'alice' }, 300, SECRET)}` };
}

describe.each([...expressApps, ...koaApps, ...honoApps, ...fastifyApps])('%s: a refused request carries no payload', (name, start) => {
  const store = new MemoryStore();
  let server: Running;
  beforeAll(async () => {
    server = await start(store);
  });
  afterAll(async () => {
    await server.close();
    store.close();
  });

  it('the first presentation has the payload and the claim; its replay has neither', async () => {
    const dpop = name.includes('dpopOnce');
    const headers = credential(name);
    const send = async (): Promise<Report> => (await fetch(`${server.url}${PATH}`, { method: 'POST', headers })).json() as Promise<Report>;

    const first = await send();
    expect(first.refused).toBeNull();
    expect(first.payload).toEqual(dpop ? expect.any(String) : expect.objectContaining({ sub: 'alice' }));
    expect(first.claim).toEqual(expect.stringMatching(dpop ? /^dpop:/ : /^sha256:/));

    const replay = await send();
    expect(replay).toEqual({ refused: dpop ? 'ERR_JWT_ONCE_DPOP_REUSED' : 'ERR_JWT_ONCE_REUSED', payload: null, claim: null });
  });
});
