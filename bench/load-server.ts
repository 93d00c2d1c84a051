// The server child of the load scenario (bench/load.ts), forked by it: two
// Express apps on two loopback ports, the same but for the guard of
// GET /guarded: a bare `jsonwebtoken.verify` (KeyObject) in one, jwt-once on
// the store JWT_ONCE_LOAD_STORE (a store URL, or 'memory') with
// `storeTimeout` JWT_ONCE_LOAD_TIMEOUT ms in the other. Both also serve
// GET /open with no guard: the route a stalled store must not slow down, and
// GET /stats: the server's own timing of its 503s and its event-loop delay.
//
// Before it listens it claims a token through the store (up to 5 tries), so an unreachable
// store is reported ({ error }) instead of measured as a wall of 503s.
// Messages to the parent: { ports: { 'bare verify': n, 'jwt-once': n } } or { error }.
import { createSecretKey } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type jwt from 'jsonwebtoken';
import { signTokens } from './harness.js';
import { ALGORITHMS, bareVerify, SECRET } from './http-baselines.js';

/** GET /stats (then reset): 503s answered, the slowest in ms from arrival, the worst event-loop delay in ms. */
export interface LoadServerStats {
  refused: number;
  maxRefused: number;
  maxLoopDelay: number;
}

/** What the server child answers once it listens. */
export interface LoadServerReady {
  ports: Record<'bare verify' | 'jwt-once', number>;
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', 511, resolve));
  return (server.address() as AddressInfo).port;
}

async function main(): Promise<void> {
  const { default: express } = await import('express');
  const { jwtOnce } = await import('../adapters/express/index.js');
  const { createClaimer, closeStores } = await import('../src/index.js');
  const spec = process.env.JWT_ONCE_LOAD_STORE ?? 'memory';
  const storeTimeout = Number(process.env.JWT_ONCE_LOAD_TIMEOUT ?? '1000');
  const options = { secret: SECRET, algorithms: ALGORITHMS, storeTimeout, ...(spec !== 'memory' && { store: spec }) };
  try {
    // The first claim also loads the store's package and connects: on a loaded machine that can take
    // longer than storeTimeout, so it gets a few tries (each a fresh token) before the store counts as down.
    const claim = createClaimer(options);
    const probes = signTokens(5, createSecretKey(Buffer.from(SECRET, 'utf8')), 'HS256');
    for (let i = 0; ; i++) {
      try {
        await claim(probes[i]!);
        break;
      } catch (err) {
        if (i === probes.length - 1) throw err;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  } catch (err) {
    const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
    process.send!({ error: `${err instanceof Error ? err.message : String(err)}${cause}` });
    await closeStores();
    return;
  }
  type Req = Request & { auth?: jwt.JwtPayload };
  const reply = (req: Request, res: Response): void => {
    res.json({ sub: (req as Req).auth?.sub ?? null });
  };
  const guards: Record<keyof LoadServerReady['ports'], RequestHandler> = {
    'bare verify': (req: Request, res: Response, next: NextFunction) => {
      const payload = bareVerify(req.headers.authorization);
      if (payload === undefined) {
        res.status(401).end();
        return;
      }
      (req as Req).auth = payload;
      next();
    },
    'jwt-once': jwtOnce(options),
  };
  // The server's own view of the 503s (arrival to answer sent) and of its event loop's worst delay, for the stall runs.
  const stats: LoadServerStats = { refused: 0, maxRefused: 0, maxLoopDelay: 0 };
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const ports = {} as LoadServerReady['ports'];
  for (const [name, guard] of Object.entries(guards) as [keyof LoadServerReady['ports'], RequestHandler][]) {
    const app = express();
    app.set('etag', false);
    app.get('/stats', (_req, res) => {
      res.json({ ...stats, maxLoopDelay: loop.max / 1e6 } satisfies LoadServerStats);
      Object.assign(stats, { refused: 0, maxRefused: 0 });
      loop.reset();
    });
    app.use((_req, res, next) => {
      const start = performance.now();
      res.once('finish', () => {
        if (res.statusCode !== 503) return;
        stats.refused++;
        stats.maxRefused = Math.max(stats.maxRefused, performance.now() - start);
      });
      next();
    });
    app.get('/open', reply);
    app.get('/guarded', guard, reply);
    ports[name] = await listen(createServer(app));
  }
  process.send!({ ports } satisfies LoadServerReady);
  const quit = (): void => {
    closeStores().finally(() => process.exit(0));
  };
  process.on('disconnect', quit);
  process.on('SIGTERM', quit);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
