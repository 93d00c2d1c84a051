// The DPoP middleware of each framework on a few routes, over real HTTP on
// 127.0.0.1, and a raw node:http client that sends the path and Host header
// exactly as given (no URL normalisation on the way).
import { createServer, request as httpRequest, type Server } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import Router from '@koa/router';
import Fastify from 'fastify';
import { Hono } from 'hono';
import Koa from 'koa';
import { createDpopChecker, errorResponse, JwtOnceError, type DpopGuardOptions } from '../../src/dpop/index.js';
import { dpopOnce as expressDpop } from '../../adapters/express/dpop-once.js';
import { dpopOnce as fastifyDpop } from '../../adapters/fastify/dpop-once.js';
import { dpopOnce as honoDpop, type DpopOnceVariables } from '../../adapters/hono/dpop-once.js';
import { dpopOnce as koaDpop, type DpopOnceState } from '../../adapters/koa/dpop-once.js';
import { EXPRESS_VERSIONS } from './express-versions.js';
import { listen } from './http.js';

/** Options of every `dpopOnce` here: a store and a clock are always given. */
export type DpopAppOptions = DpopGuardOptions<never> & { store: NonNullable<DpopGuardOptions<never>['store']>; now: () => number };

/** A route: the method and path the app registers, with `:name` parameters. */
export interface DpopRoute {
  method: 'get' | 'post';
  path: string;
}

/** A running app; every handler answers `{ route, params }` (the route pattern it was registered with). */
export interface DpopApp {
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * `trustProxy`: Express `trust proxy`, Koa `app.proxy`, Fastify `trustProxy`
 * (X-Forwarded-Host and -Proto are read); Hono and Web ignore it.
 */
export type StartDpopApp = (options: DpopAppOptions, routes: DpopRoute[], settings?: { trustProxy?: boolean }) => Promise<DpopApp>;

async function served(server: Server): Promise<DpopApp> {
  const running = await listen(server);
  return { ...running, port: Number(new URL(running.url).port) };
}

function expressApp(express: (typeof EXPRESS_VERSIONS)[number][1]): StartDpopApp {
  return (options, routes, settings) => {
    const app = express();
    if (settings?.trustProxy === true) app.set('trust proxy', true);
    for (const { method, path } of routes) {
      app[method](path, expressDpop(options as never), (req, res) => {
        res.json({ route: path, params: req.params });
      });
    }
    return served(createServer(app));
  };
}

const koaApp: StartDpopApp = (options, routes, settings) => {
  const app = new Koa<DpopOnceState>();
  app.silent = true;
  app.proxy = settings?.trustProxy === true;
  const router = new Router<DpopOnceState>();
  for (const { method, path } of routes) {
    router[method](path, koaDpop(options as never), (ctx) => {
      ctx.body = { route: path, params: ctx.params };
    });
  }
  app.use(router.routes());
  return served(createServer(app.callback()));
};

const honoApp: StartDpopApp = (options, routes) => {
  const app = new Hono<{ Variables: DpopOnceVariables }>();
  for (const { method, path } of routes) {
    app[method](path, honoDpop(options as never), (c) => c.json({ route: path, params: c.req.param() }));
  }
  return served(createAdaptorServer({ fetch: app.fetch }) as Server);
};

const fastifyApp: StartDpopApp = async (options, routes, settings) => {
  const app = Fastify({ trustProxy: settings?.trustProxy === true });
  app.decorateRequest('dpop', null);
  const onRequest = fastifyDpop(options as never);
  for (const { method, path } of routes) {
    app[method](path, { onRequest }, async (request) => ({ route: path, params: request.params }));
  }
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, port, close: () => app.close() };
};

/**
 * A Web-standard handler (`Request` to `Response`) with `createDpopChecker`
 * from `jwt-once/dpop` and `request.url`, the way Bun, Deno, Workers or
 * Next.js use it, served by @hono/node-server. It routes on
 * `new URL(request.url).pathname`, `:name` matching one segment; the checker
 * gets `request.url` (with `origin` set, only its path counts).
 */
const webApp: StartDpopApp = (options, routes) => {
  const check = createDpopChecker(options);
  const patterns = routes.map(({ method, path }) => ({
    method: method.toUpperCase(),
    path,
    regex: new RegExp(`^${path.replace(/:(\w+)/g, '(?<$1>[^/]+)')}$`),
  }));
  const fetch = async (request: Request): Promise<Response> => {
    const pathname = new URL(request.url).pathname;
    const route = patterns.find((p) => p.method === request.method && p.regex.test(pathname));
    if (route === undefined) return new Response('not found', { status: 404 });
    try {
      await check(request.headers.get('dpop'), { method: request.method, url: request.url });
    } catch (err) {
      if (!(err instanceof JwtOnceError)) throw err;
      const answer = errorResponse(err);
      return new Response(answer.body, { status: answer.status, headers: answer.headers });
    }
    const params = Object.fromEntries(Object.entries(route.regex.exec(pathname)!.groups ?? {}).map(([k, v]) => [k, decodeURIComponent(v)]));
    return Response.json({ route: route.path, params });
  };
  return served(createAdaptorServer({ fetch }) as Server);
};

/** Every DPoP middleware: Express 5 and 4, Koa (@koa/router), Fastify, Hono, and a Web handler. */
export const DPOP_APPS: Array<[name: string, start: StartDpopApp]> = [
  ...EXPRESS_VERSIONS.map(([name, express]): [string, StartDpopApp] => [name, expressApp(express)]),
  ['Koa', koaApp],
  ['Fastify', fastifyApp],
  ['Hono', honoApp],
  ['Web', webApp],
];

export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * A request with node:http to 127.0.0.1:`port`: `path` is sent as is (no
 * dot-segment removal, no backslash rewriting) and `headers` may forge `Host`
 * (an empty `host` is sent empty, not replaced by node:http).
 */
export function rawRequest(port: number, method: string, path: string, headers: Record<string, string>): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const options = { host: '127.0.0.1', port, method, path, headers, agent: false, setHost: headers.host === undefined };
    const req = httpRequest(options, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject).end();
  });
}
