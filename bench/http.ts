// Scenario 4: HTTP. Each framework's servers run in a child process, the load
// generator (autocannon) in another child process: neither measures itself.
// Every request carries a fresh token from a pool signed before the run, so
// jwt-once always takes its claim path, never the replay path.
//
// This file is also the entry point of both child processes:
//   JWT_ONCE_BENCH_ROLE=server FRAMEWORK=express|koa|hono|fastify
//   JWT_ONCE_BENCH_ROLE=load
import { fork, type ChildProcess } from 'node:child_process';
import { createSecretKey } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import jwt from 'jsonwebtoken';
import { compare, interleave, log, pick, printMedians, signTokens, skip } from './harness.js';
import { ALGORITHMS, bareVerify, HAND_ROLLED, handRolledGuard, SECRET } from './http-baselines.js';
import { fastifyServers } from './http-fastify.js';

const SCENARIO = 'http';
const VS_FRAMEWORK_JWT = 1.0;
const VS_BARE_VERIFY = 0.85;

type Framework = 'express' | 'koa' | 'hono' | 'fastify';

interface Candidates {
  /** Candidate name -> port. */
  ports: Record<string, number>;
}

interface LoadRequest {
  url: string;
  seconds: number;
  connections: number;
  tokens: number;
  auth: boolean;
}

interface LoadResult {
  rate: number;
  non2xx: number;
  errors: number;
}

// ---------------------------------------------------------------- servers

function adapterPath(name: string): string {
  return join(__dirname, '..', 'adapters', `${name}.ts`);
}

async function importAdapter(name: string): Promise<{ jwtOnce: (options: object) => unknown }> {
  // A computed specifier: the Koa and Hono adapters may not exist yet, and this file must type-check without them.
  return (await import(pathToFileURL(adapterPath(name)).href)) as { jwtOnce: (options: object) => unknown };
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function expressServers(): Promise<Record<string, number>> {
  const { default: express } = await import('express');
  const { expressjwt } = await import('express-jwt');
  const { jwtOnce } = await import('../adapters/express/index.js');
  const { createServer } = await import('node:http');
  type Req = import('express').Request & { auth?: jwt.JwtPayload };
  const reply = (req: import('express').Request, res: import('express').Response): void => {
    res.json({ sub: (req as Req).auth?.sub ?? null });
  };
  const apps: Record<string, import('express').RequestHandler | undefined> = {
    'no auth': undefined,
    'express-jwt': expressjwt({ secret: SECRET, algorithms: ALGORITHMS }) as unknown as import('express').RequestHandler,
    'bare verify': (req, res, next) => {
      const payload = bareVerify(req.headers.authorization);
      if (payload === undefined) {
        res.status(401).end();
        return;
      }
      (req as Req).auth = payload;
      next();
    },
    [HAND_ROLLED]: (req, res, next) => {
      const payload = handRolledGuard(req.headers.authorization);
      if (payload === undefined) {
        res.status(401).end();
        return;
      }
      (req as Req).auth = payload;
      next();
    },
    'jwt-once': jwtOnce({ secret: SECRET, algorithms: ALGORITHMS }),
  };
  const ports: Record<string, number> = {};
  for (const [name, middleware] of Object.entries(apps)) {
    const app = express();
    app.set('etag', false);
    if (middleware === undefined) app.get('/', reply);
    else app.get('/', middleware, reply);
    // Errors from express-jwt: answer 401 without a stack trace in the log.
    app.use((_err: unknown, _req: import('express').Request, res: import('express').Response, _next: import('express').NextFunction) => {
      res.status(401).end();
    });
    ports[name] = await listen(createServer(app));
  }
  return ports;
}

async function koaServers(): Promise<Record<string, number>> {
  const { default: Koa } = await import('koa');
  const { default: koaJwt } = await import('koa-jwt');
  const { jwtOnce } = await importAdapter('koa');
  const { createServer } = await import('node:http');
  type Middleware = import('koa').Middleware;
  const apps: Record<string, Middleware | undefined> = {
    'no auth': undefined,
    'koa-jwt': koaJwt({ secret: SECRET, algorithms: ALGORITHMS }) as unknown as Middleware,
    'bare verify': async (ctx, next) => {
      const payload = bareVerify(ctx.get('authorization') || undefined);
      if (payload === undefined) {
        ctx.status = 401;
        return;
      }
      ctx.state.user = payload;
      await next();
    },
    [HAND_ROLLED]: async (ctx, next) => {
      const payload = handRolledGuard(ctx.get('authorization') || undefined);
      if (payload === undefined) {
        ctx.status = 401;
        return;
      }
      ctx.state.user = payload;
      await next();
    },
    'jwt-once': jwtOnce({ secret: SECRET, algorithms: ALGORITHMS }) as Middleware,
  };
  const ports: Record<string, number> = {};
  for (const [name, middleware] of Object.entries(apps)) {
    const app = new Koa();
    if (middleware !== undefined) app.use(middleware);
    app.use((ctx) => {
      ctx.body = { sub: (ctx.state.user as jwt.JwtPayload | undefined)?.sub ?? null };
    });
    ports[name] = await listen(createServer(app.callback()));
  }
  return ports;
}

async function honoServers(): Promise<Record<string, number>> {
  const { Hono } = await import('hono');
  const { jwt: honoJwt } = await import('hono/jwt');
  const { serve } = await import('@hono/node-server');
  const { jwtOnce } = await importAdapter('hono');
  type Middleware = import('hono').MiddlewareHandler;
  const apps: Record<string, Middleware | undefined> = {
    'no auth': undefined,
    'hono/jwt': honoJwt({ secret: SECRET, alg: 'HS256' }),
    'bare verify': async (c, next) => {
      const payload = bareVerify(c.req.header('authorization'));
      if (payload === undefined) return c.body(null, 401);
      c.set('jwtPayload' as never, payload as never);
      await next();
      return undefined;
    },
    [HAND_ROLLED]: async (c, next) => {
      const payload = handRolledGuard(c.req.header('authorization'));
      if (payload === undefined) return c.body(null, 401);
      c.set('jwtPayload' as never, payload as never);
      await next();
      return undefined;
    },
    'jwt-once': jwtOnce({ secret: SECRET, algorithms: ALGORITHMS }) as Middleware,
  };
  const ports: Record<string, number> = {};
  for (const [name, middleware] of Object.entries(apps)) {
    const app = new Hono();
    if (middleware !== undefined) app.use('/', middleware);
    app.get('/', (c) => c.json({ sub: (c.get('jwtPayload' as never) as jwt.JwtPayload | undefined)?.sub ?? null }));
    ports[name] = await new Promise<number>((resolve) => {
      serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => resolve(info.port));
    });
  }
  return ports;
}

async function serverMain(framework: Framework): Promise<void> {
  const make = { express: expressServers, koa: koaServers, hono: honoServers, fastify: fastifyServers }[framework];
  const ports = await make();
  process.send!({ ports } satisfies Candidates);
  process.on('disconnect', () => process.exit(0));
}

// ---------------------------------------------------------------- load generator

async function loadMain(): Promise<void> {
  const { default: autocannon } = await import('autocannon');
  const key = createSecretKey(Buffer.from(SECRET, 'utf8'));
  process.on('message', async (request: LoadRequest) => {
    const pool = request.auth ? signTokens(request.tokens, key, 'HS256') : [];
    let next = 0;
    let exhausted = 0;
    const result = await autocannon({
      url: request.url,
      connections: request.connections,
      duration: request.seconds,
      requests: [
        {
          method: 'GET',
          path: '/',
          setupRequest: (req) => {
            if (!request.auth) return req;
            if (next >= pool.length) exhausted++;
            const token = pool[next++ % pool.length]!;
            return { ...req, headers: { ...req.headers, authorization: `Bearer ${token}` } };
          },
        },
      ],
    });
    const ok = result['2xx'];
    process.send!({
      rate: ok / result.duration,
      non2xx: result.non2xx + exhausted,
      errors: result.errors + result.timeouts,
    } satisfies LoadResult);
  });
  process.on('disconnect', () => process.exit(0));
  process.send!({ ready: true });
}

// ---------------------------------------------------------------- orchestration

function child(env: Record<string, string>): ChildProcess {
  return fork(__filename, [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

function nextMessage<T>(proc: ChildProcess): Promise<T> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null): void => reject(new Error(`child exited with ${String(code)}`));
    proc.once('exit', onExit);
    proc.once('message', (message) => {
      proc.off('exit', onExit);
      resolve(message as T);
    });
  });
}

async function benchFramework(
  framework: Framework,
  jwtName: string,
  loader: ChildProcess,
  vsFrameworkJwt: number | undefined,
): Promise<void> {
  const server = child({ JWT_ONCE_BENCH_ROLE: 'server', FRAMEWORK: framework });
  try {
    const { ports } = await nextMessage<Candidates>(server);
    const seconds = pick(1, 4);
    const connections = 10;
    // Tokens per run: at least what the fastest run so far did, with room to spare.
    let fastest = 15_000;
    const problems = new Map<string, number>();
    const results = await interleave(
      Object.keys(ports).map((name) => ({
        name,
        sample: async () => {
          const auth = name !== 'no auth';
          loader.send({
            url: `http://127.0.0.1:${ports[name]!}/`,
            seconds,
            connections,
            tokens: Math.ceil(fastest * seconds * 1.5),
            auth,
          } satisfies LoadRequest);
          const result = await nextMessage<LoadResult>(loader);
          if (auth) fastest = Math.max(fastest, result.rate);
          if (result.non2xx + result.errors > 0) problems.set(name, (problems.get(name) ?? 0) + result.non2xx + result.errors);
          return result.rate;
        },
      })),
      pick(3, 5),
    );
    printMedians(framework, results, 'req/s');
    for (const [name, count] of problems) log(`  warning: ${framework} ${name}: ${count} non-2xx answers or errors`);
    const ours = results.get('jwt-once')!.median;
    compare(SCENARIO, `${framework} + jwt-once`, ours, `${framework} + ${jwtName}`, results.get(jwtName)!.median, vsFrameworkJwt, 'req/s');
    compare(
      SCENARIO,
      `${framework} + jwt-once`,
      ours,
      `${framework} + bare verify (KeyObject)`,
      results.get('bare verify')!.median,
      VS_BARE_VERIFY,
      'req/s',
    );
    compare(
      SCENARIO,
      `${framework} + jwt-once`,
      ours,
      `${framework} + ${HAND_ROLLED} (hand-rolled replay guard)`,
      results.get(HAND_ROLLED)!.median,
      undefined,
      'req/s',
    );
    compare(SCENARIO, `${framework} + jwt-once`, ours, `${framework}, no auth`, results.get('no auth')!.median, undefined, 'req/s');
  } finally {
    server.kill();
  }
}

export async function runHttp(): Promise<void> {
  log(
    `\n## 4. HTTP: autocannon in a child process, a fresh token per request (bars: >= ${VS_FRAMEWORK_JWT}x the framework's JWT middleware except @fastify/jwt, >= ${VS_BARE_VERIFY}x bare verify)`,
  );
  const loader = child({ JWT_ONCE_BENCH_ROLE: 'load' });
  try {
    await nextMessage(loader);
    // JWT_ONCE_BENCH_FRAMEWORKS=fastify,hono runs only those (default: all).
    const only = process.env.JWT_ONCE_BENCH_FRAMEWORKS?.split(',');
    if (only === undefined || only.includes('express')) await benchFramework('express', 'express-jwt', loader, VS_FRAMEWORK_JWT);
    for (const [framework, jwtName] of [
      ['koa', 'koa-jwt'],
      ['hono', 'hono/jwt'],
      ['fastify', '@fastify/jwt'],
    ] as const) {
      if (only !== undefined && !only.includes(framework)) continue;
      if (!existsSync(adapterPath(framework))) {
        skip(SCENARIO, `${framework}: adapters/${framework}.ts (jwt-once/${framework}) does not exist yet`);
        continue;
      }
      try {
        // @fastify/jwt verifies with fast-jwt (a faster HMAC path than jsonwebtoken's): its ratio is reported, not held to a bar.
        await benchFramework(framework, jwtName, loader, framework === 'fastify' ? undefined : VS_FRAMEWORK_JWT);
      } catch (err) {
        skip(SCENARIO, `${framework}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  } finally {
    loader.kill();
  }
}

const role = process.env.JWT_ONCE_BENCH_ROLE;
if (role === 'server') {
  serverMain(process.env.FRAMEWORK as Framework).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
} else if (role === 'load') {
  loadMain().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
