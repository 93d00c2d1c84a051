import { createServer } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import Fastify, { type FastifyInstance, type onRequestHookHandler } from 'fastify';
import { dpopOnce as fastifyDpop, jwtOnce as fastifyJwtOnce, jwtOncePlugin } from '../../adapters/fastify/index.js';
import { createWebGuard, withJwtOnce } from '../../adapters/web/index.js';
import { codeOf, FRAMEWORKS, statusOf, type AnyOptions, type Served } from './frameworks.js';
import { listen } from './http.js';

/** One POST route, guarded by a middleware made with `options`. */
export interface GuardedRoute {
  path: string;
  options: AnyOptions;
}

/**
 * One middleware an adapter exports, on a real HTTP server on 127.0.0.1:
 * `serve` mounts one POST route per entry, each behind its own instance, and
 * `reached` counts the requests that got to a route handler. Errors that reach
 * the framework's error handling are answered `{ code }` with their status (500).
 */
export interface Guarded {
  name: string;
  /** What it checks: a bearer JWT (`jwtOnce`, the Web guards) or a DPoP proof (`dpopOnce`). */
  kind: 'jwt' | 'dpop';
  serve(routes: GuardedRoute[]): Promise<Served>;
}

type FastifyMount = (app: FastifyInstance, route: GuardedRoute, handler: () => Promise<unknown>) => unknown;

async function fastifyServe(routes: GuardedRoute[], mount: FastifyMount): Promise<Served> {
  const reached = { count: 0 };
  // A request left unanswered (the bug these servers catch) must not hold up close().
  const app = Fastify({ forceCloseConnections: true });
  app.setErrorHandler((err, _request, reply) => reply.code(statusOf(err)).send({ code: codeOf(err) }));
  app.decorateRequest('dpop', null);
  const handler = async () => {
    reached.count++;
    return { ok: true };
  };
  try {
    for (const route of routes) await mount(app, route, handler);
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    return { url, reached, close: () => app.close() };
  } catch (err) {
    await app.close();
    throw err;
  }
}

type WebHandler = (request: Request) => Promise<Response>;

/** The Web handlers behind @hono/node-server; a rejected handler is answered like a runtime would (500, `{ code }`). */
type MakeWebHandler = (options: AnyOptions, ok: () => Response) => WebHandler;

async function webServe(routes: GuardedRoute[], make: MakeWebHandler): Promise<Served> {
  const reached = { count: 0 };
  const ok = () => {
    reached.count++;
    return Response.json({ ok: true });
  };
  const handlers = new Map(routes.map(({ path, options }) => [path, make(options, ok)]));
  const fetch = (request: Request) => handlers.get(new URL(request.url).pathname)?.(request) ?? new Response(null, { status: 404 });
  const errorHandler = (err: unknown) => Response.json({ code: codeOf(err) }, { status: statusOf(err) });
  return { ...(await listen(createServer(getRequestListener(fetch, { errorHandler })))), reached };
}

const asRoutes = (routes: GuardedRoute[]) => routes.map(({ path, options }) => ({ method: 'post' as const, path, options }));

/**
 * Every middleware the adapters export: jwtOnce on Express 5 and 4, Koa, Hono
 * and Fastify (as `onRequest`, as `preHandler`, and `app.jwtOnce` of
 * jwtOncePlugin), the Web adapter's withJwtOnce and createWebGuard, and each
 * adapter's dpopOnce.
 */
export const GUARDED: Guarded[] = [
  ...FRAMEWORKS.map((f): Guarded => ({
    name: `${f.name} jwtOnce`,
    kind: 'jwt',
    serve: (routes) => f.onRoutes({}, asRoutes(routes)),
  })),
  {
    name: 'Fastify jwtOnce (onRequest)',
    kind: 'jwt',
    serve: (routes) =>
      fastifyServe(routes, (app, { path, options }, handler) => app.post(path, { onRequest: fastifyJwtOnce(options) }, handler)),
  },
  {
    name: 'Fastify jwtOnce (preHandler)',
    kind: 'jwt',
    serve: (routes) =>
      fastifyServe(routes, (app, { path, options }, handler) => app.post(path, { preHandler: fastifyJwtOnce(options) }, handler)),
  },
  {
    name: 'Fastify jwtOncePlugin (app.jwtOnce)',
    kind: 'jwt',
    // One encapsulated context per route: the plugin decorates the instance it is registered in.
    serve: (routes) =>
      fastifyServe(routes, (app, { path, options }, handler) =>
        app.register(async (child) => {
          await child.register(jwtOncePlugin, options);
          child.post(path, { onRequest: child.jwtOnce }, handler);
        }),
      ),
  },
  {
    name: 'Web withJwtOnce',
    kind: 'jwt',
    serve: (routes) => webServe(routes, (options, ok) => withJwtOnce(ok, options)),
  },
  {
    name: 'Web createWebGuard',
    kind: 'jwt',
    serve: (routes) =>
      webServe(routes, (options, ok) => {
        const guard = createWebGuard(options);
        return async (request) => {
          const outcome = await guard(request);
          return outcome.ok ? ok() : outcome.response;
        };
      }),
  },
  ...FRAMEWORKS.map((f): Guarded => ({
    name: `${f.name} dpopOnce`,
    kind: 'dpop',
    serve: (routes) => f.dpopOnRoutes({}, asRoutes(routes)),
  })),
  {
    name: 'Fastify dpopOnce',
    kind: 'dpop',
    serve: (routes) =>
      fastifyServe(routes, (app, { path, options }, handler) =>
        app.post(path, { onRequest: fastifyDpop(options) as onRequestHookHandler }, handler),
      ),
  },
];
