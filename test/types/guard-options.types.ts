// Type test, checked by `npm run typecheck` (tsc -p tsconfig.json --noEmit), never run:
// each `@ts-expect-error` line must be a type error, each other line must type-check.
// With a `secret` in code, `algorithms` is required; with no `secret` key the environment supplies both.
import type { Request } from 'express';
import { jwtOnce as expressJwtOnce } from '../../adapters/express/index.js';
import { jwtOnce as koaJwtOnce } from '../../adapters/koa/index.js';
import { jwtOnce as honoJwtOnce } from '../../adapters/hono/index.js';
import { jwtOnce as fastifyJwtOnce } from '../../adapters/fastify/index.js';
import { createWebGuard, withJwtOnce } from '../../adapters/web/index.js';
import { createRequestGuard, type GuardOptions } from '../../src/index.js';

declare const secret: string;
const ok = (): Response => new Response('ok');

export function typeChecks(): void {
  // @ts-expect-error -- a secret without algorithms
  expressJwtOnce({ secret });
  // @ts-expect-error -- a secret without algorithms
  koaJwtOnce({ secret, store: 'memory://' });
  // @ts-expect-error -- a secret without algorithms
  honoJwtOnce({ secret, audience: 'api' });
  // @ts-expect-error -- a secret without algorithms
  fastifyJwtOnce({ secret });
  // @ts-expect-error -- a secret without algorithms
  createWebGuard({ secret });
  // @ts-expect-error -- a secret without algorithms
  withJwtOnce(ok, { secret });
  // @ts-expect-error -- a secret without algorithms
  createRequestGuard<Request>({ secret });
  // @ts-expect-error -- a key lookup function without algorithms
  expressJwtOnce({ secret: () => secret });
  // @ts-expect-error -- algorithms is an array, not a string
  expressJwtOnce({ secret, algorithms: 'HS256' });
  // @ts-expect-error -- a GuardOptions value is checked the same way
  const noAlgorithms: GuardOptions<Request> = { secret };
  void noAlgorithms;

  // Accepted: a secret with algorithms; no secret at all (JWT_ONCE_SECRET, JWT_ONCE_ALGORITHMS);
  // algorithms alone (the secret from the environment); behind a verifier; the unsafe opt-out.
  expressJwtOnce({ secret, algorithms: ['HS256'] });
  expressJwtOnce({ secret: () => secret, algorithms: ['HS256'] });
  expressJwtOnce();
  expressJwtOnce({});
  expressJwtOnce({ store: 'memory://' });
  expressJwtOnce({ algorithms: ['HS512'] });
  expressJwtOnce({ verifiedPayload: (req) => (req as { auth?: unknown }).auth });
  koaJwtOnce({ secret, algorithms: ['HS256'], allowShortHmacSecret: true });
  honoJwtOnce({ secret, algorithms: ['HS256'], audience: 'api' });
  fastifyJwtOnce({ secret, algorithms: ['HS256'] });
  createWebGuard({ secret, algorithms: ['HS256'] });
  withJwtOnce(ok, { secret, algorithms: ['HS256'] });
  createRequestGuard<Request>({ secret, algorithms: ['HS256'] });
  const options: GuardOptions<Request> = { secret, algorithms: ['HS256'], audience: 'api' };
  void options;
}
