import { createServer, type Server } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import Router from '@koa/router';
import type { NextFunction, Request, Response as ExpressResponse } from 'express';
import { Hono } from 'hono';
import Koa from 'koa';
import * as expressAdapter from '../../adapters/express/index.js';
import * as honoAdapter from '../../adapters/hono/index.js';
import * as koaAdapter from '../../adapters/koa/index.js';
import { EXPRESS_VERSIONS } from './express-versions.js';
import { listen } from './http.js';

type HonoEnv = { Variables: honoAdapter.JwtOnceVariables };

export interface Route {
  method: 'get' | 'post';
  path: string;
  /** Options of this route's middleware, instead of the ones given for every route. */
  options?: AnyOptions;
}

/** One way a framework registers one handler (jwtOnce, then the handler) for several methods of one path. */
export interface MultiMethodForm {
  name: string;
  serve(options: AnyOptions, path: string, methods: readonly string[]): Promise<Served>;
}

/** One way a framework puts routes under a mount path (a parameter, `/:tenant`, in the tests). */
export interface MountForm {
  name: string;
  serve(options: AnyOptions, routes: Route[], mount: string): Promise<Served>;
}

/** A real HTTP server on loopback; `reached` counts the requests that got to a handler. */
export interface Served {
  url: string;
  reached: { count: number };
  close(): Promise<void>;
}

/** Options as each adapter takes them; functions of the request get that framework's request. */
export type AnyOptions = Record<string, unknown>;

/**
 * One framework behind one interface, so a behaviour is tested the same way on
 * Express 5, Express 4, Koa (with @koa/router) and Hono (Fastify and the Web
 * adapter: see guarded-servers.ts). Errors passed to the
 * framework's error handling are answered `{ code }` with their status (500).
 */
export interface Framework {
  name: string;
  /** The adapter's `routeScope`. */
  routeScope: unknown;
  /** A scope of raw request data (the path as sent): what routeScope replaces. */
  rawPathScope: unknown;
  /** jwtOnce on each route as a route handler, under the router mounted at `mount` when given. */
  onRoutes(options: AnyOptions, routes: Route[], mount?: string): Promise<Served>;
  /** jwtOnce in `app.use()` before the routes: no route is matched where it runs. */
  inUse(options: AnyOptions, routes: Route[]): Promise<Served>;
  /** The adapter's dpopOnce on each route as a route handler. */
  dpopOnRoutes(options: AnyOptions, routes: Route[]): Promise<Served>;
  /** Every way the framework has of one route for several (or all) methods. */
  multiMethod: MultiMethodForm[];
  /** Every way the framework has of mounting routes under a path. */
  mounts: MountForm[];
}

/** The `code` every test app answers an error passed to the framework's error handling with (`null` when none). */
export const codeOf = (err: unknown): unknown => (err as { code?: unknown } | null)?.code ?? null;
/** The status every test app answers such an error with: its numeric `status`, else 500. */
export const statusOf = (err: unknown): number => {
  const status = (err as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : 500;
};

function expressFramework(name: string, express: (typeof EXPRESS_VERSIONS)[number][1]): Framework {
  const start = async (
    build: (app: ReturnType<typeof express>, handler: (req: Request, res: ExpressResponse) => void) => void,
  ): Promise<Served> => {
    const reached = { count: 0 };
    const app = express();
    build(app, (_req, res) => {
      reached.count++;
      res.json({ ok: true });
    });
    app.use((err: unknown, _req: Request, res: ExpressResponse, _next: NextFunction) => {
      res.status(statusOf(err)).json({ code: codeOf(err) });
    });
    return { ...(await listen(createServer(app))), reached };
  };
  return {
    name,
    routeScope: expressAdapter.routeScope,
    rawPathScope: (req: Request) => req.path,
    onRoutes: (options, routes, mount) =>
      start((app, handler) => {
        const router = mount === undefined ? app : express.Router();
        for (const route of routes) router[route.method](route.path, expressAdapter.jwtOnce(route.options ?? options), handler);
        if (mount !== undefined) app.use(mount, router);
      }),
    inUse: (options, routes) =>
      start((app, handler) => {
        app.use(expressAdapter.jwtOnce(options));
        for (const { method, path } of routes) app[method](path, handler);
      }),
    dpopOnRoutes: (options, routes) =>
      start((app, handler) => {
        for (const route of routes) app[route.method](route.path, expressAdapter.dpopOnce(route.options ?? options), handler);
      }),
    multiMethod: [
      { name: 'app.all()', serve: (options, path) => start((app, handler) => app.all(path, expressAdapter.jwtOnce(options), handler)) },
      {
        name: 'router.all()',
        serve: (options, path) =>
          start((app, handler) => {
            const router = express.Router();
            router.all(path, expressAdapter.jwtOnce(options), handler);
            app.use(router);
          }),
      },
      {
        name: 'app.route() with one handler per method',
        serve: (options, path, methods) =>
          start((app, handler) => {
            const route = app.route(path) as unknown as Record<string, (...handlers: unknown[]) => unknown>;
            const once = expressAdapter.jwtOnce(options);
            for (const method of methods) route[method.toLowerCase()]!(once, handler);
          }),
      },
    ],
    mounts: [
      {
        name: 'app.use(mount, router)',
        serve: (options, routes, mount) =>
          start((app, handler) => {
            const router = express.Router();
            for (const { method, path } of routes) router[method](path, expressAdapter.jwtOnce(options), handler);
            app.use(mount, router);
          }),
      },
    ],
  };
}

function koaFramework(): Framework {
  const start = async (build: (app: Koa, handler: (ctx: Koa.Context) => void) => void): Promise<Served> => {
    const reached = { count: 0 };
    const app = new Koa();
    app.silent = true;
    app.use(async (ctx, next) => {
      try {
        await next();
      } catch (err) {
        ctx.status = statusOf(err);
        ctx.body = { code: codeOf(err) };
      }
    });
    build(app, (ctx) => {
      reached.count++;
      ctx.body = { ok: true };
    });
    return { ...(await listen(createServer(app.callback()))), reached };
  };
  return {
    name: 'Koa',
    routeScope: koaAdapter.routeScope,
    rawPathScope: (ctx: Koa.Context) => ctx.path,
    onRoutes: (options, routes, mount) =>
      start((app, handler) => {
        const router = new Router(mount === undefined ? {} : { prefix: mount });
        for (const route of routes) router[route.method](route.path, koaAdapter.jwtOnce(route.options ?? options), handler);
        app.use(router.routes());
      }),
    inUse: (options, routes) =>
      start((app, handler) => {
        const router = new Router();
        for (const { method, path } of routes) router[method](path, handler);
        app.use(koaAdapter.jwtOnce(options)).use(router.routes());
      }),
    dpopOnRoutes: (options, routes) =>
      start((app, handler) => {
        const router = new Router();
        for (const route of routes) router[route.method](route.path, koaAdapter.dpopOnce(route.options ?? options), handler);
        app.use(router.routes());
      }),
    multiMethod: [
      {
        name: 'router.all()',
        serve: (options, path) =>
          start((app, handler) => {
            const router = new Router();
            router.all(path, koaAdapter.jwtOnce(options), handler);
            app.use(router.routes());
          }),
      },
      {
        name: 'router.register(path, methods)',
        serve: (options, path, methods) =>
          start((app, handler) => {
            const router = new Router();
            router.register(path, [...methods], [koaAdapter.jwtOnce(options) as never, handler]);
            app.use(router.routes());
          }),
      },
    ],
    mounts: [
      {
        name: 'new Router({ prefix })',
        serve: (options, routes, mount) =>
          start((app, handler) => {
            const router = new Router({ prefix: mount });
            for (const { method, path } of routes) router[method](path, koaAdapter.jwtOnce(options), handler);
            app.use(router.routes());
          }),
      },
      {
        name: 'parent.use(mount, child.routes())',
        serve: (options, routes, mount) =>
          start((app, handler) => {
            const child = new Router();
            for (const { method, path } of routes) child[method](path, koaAdapter.jwtOnce(options), handler);
            const parent = new Router();
            parent.use(mount, child.routes());
            app.use(parent.routes());
          }),
      },
    ],
  };
}

function honoFramework(): Framework {
  const start = async (build: (app: Hono<HonoEnv>, handler: () => Response) => void): Promise<Served> => {
    const reached = { count: 0 };
    const app = new Hono<HonoEnv>().onError((err, c) => c.json({ code: codeOf(err) }, statusOf(err) as 500));
    build(app, () => {
      reached.count++;
      return Response.json({ ok: true });
    });
    return { ...(await listen(createAdaptorServer({ fetch: app.fetch }) as Server)), reached };
  };
  return {
    name: 'Hono',
    routeScope: honoAdapter.routeScope,
    rawPathScope: (c: { req: { url: string } }) => c.req.url,
    onRoutes: (options, routes, mount) =>
      start((app, handler) => {
        const router = mount === undefined ? app : new Hono<HonoEnv>();
        for (const route of routes) router[route.method](route.path, honoAdapter.jwtOnce(route.options ?? options), handler);
        if (mount !== undefined) app.route(mount, router);
      }),
    inUse: (options, routes) =>
      start((app, handler) => {
        app.use(honoAdapter.jwtOnce(options));
        for (const { method, path } of routes) app[method](path, handler);
      }),
    dpopOnRoutes: (options, routes) =>
      start((app, handler) => {
        for (const route of routes) app[route.method](route.path, honoAdapter.dpopOnce(route.options ?? options), handler);
      }),
    multiMethod: [
      { name: 'app.all()', serve: (options, path) => start((app, handler) => app.all(path, honoAdapter.jwtOnce(options), handler)) },
      {
        name: 'app.on(methods)',
        serve: (options, path, methods) => start((app, handler) => app.on([...methods], path, honoAdapter.jwtOnce(options), handler)),
      },
    ],
    mounts: [
      {
        name: 'app.route(mount, sub)',
        serve: (options, routes, mount) =>
          start((app, handler) => {
            const sub = new Hono<HonoEnv>();
            for (const { method, path } of routes) sub[method](path, honoAdapter.jwtOnce(options), handler);
            app.route(mount, sub);
          }),
      },
    ],
  };
}

/** Every framework the adapters support, Express in both majors. */
export const FRAMEWORKS: Framework[] = [
  ...EXPRESS_VERSIONS.map(([name, express]) => expressFramework(name, express)),
  koaFramework(),
  honoFramework(),
];
