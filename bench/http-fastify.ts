// The Fastify servers of the HTTP scenario (bench/http.ts): one app per
// candidate, each on its own port, every guard an `onRequest` route hook and
// `request.user` declared with `decorateRequest` in every app, so no
// candidate pays for a request shape change the others do not.
import type { AddressInfo } from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type jwt from 'jsonwebtoken';
import { ALGORITHMS, bareVerify, HAND_ROLLED, handRolledGuard, SECRET } from './http-baselines.js';

type Hook = (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void;
type UserRequest = FastifyRequest & { user?: jwt.JwtPayload | null };

/** A callback-style hook around one of the baseline checks. */
function baselineHook(check: (authorization: string | undefined) => jwt.JwtPayload | undefined): Hook {
  return function baseline(request, reply, done) {
    const payload = check(request.headers.authorization);
    if (payload === undefined) {
      reply.code(401).send();
      return;
    }
    (request as UserRequest).user = payload;
    done();
  };
}

/** Starts every Fastify candidate; returns candidate name -> port. */
export async function fastifyServers(): Promise<Record<string, number>> {
  const { default: Fastify } = await import('fastify');
  const { default: fastifyJwt } = await import('@fastify/jwt');
  const { jwtOncePlugin } = await import('../adapters/fastify/index.js');

  /** Each candidate: set up the app (plugins, decorations), return the route's onRequest hook. */
  const candidates: Record<string, (app: FastifyInstance) => Promise<Hook | undefined>> = {
    'no auth': async () => undefined,
    '@fastify/jwt': async (app) => {
      await app.register(fastifyJwt, { secret: SECRET });
      return function fastifyJwtVerify(request, reply, done) {
        request.jwtVerify().then(
          () => done(),
          () => reply.code(401).send(),
        );
      };
    },
    'bare verify': async (app) => {
      app.decorateRequest('user', null as never);
      return baselineHook(bareVerify);
    },
    [HAND_ROLLED]: async (app) => {
      app.decorateRequest('user', null as never);
      return baselineHook(handRolledGuard);
    },
    'jwt-once': async (app) => {
      await app.register(jwtOncePlugin, { secret: SECRET, algorithms: ALGORITHMS });
      return app.jwtOnce;
    },
  };

  const ports: Record<string, number> = {};
  for (const [name, setUp] of Object.entries(candidates)) {
    const app = Fastify();
    const hook = await setUp(app);
    const reply = async (request: FastifyRequest) => ({ sub: (request as UserRequest).user?.sub ?? null });
    if (hook === undefined) app.get('/', reply);
    else app.get('/', { onRequest: hook }, reply);
    await app.listen({ port: 0, host: '127.0.0.1' });
    ports[name] = (app.server.address() as AddressInfo).port;
  }
  return ports;
}
