// jwt-once/fastify: the Fastify hooks and plugin.
export { jwtOnce, jwtOncePlugin, routeScope, type FastifyJwtOnceOptions, type JwtOnceHook, type JwtOnceRequest } from './jwt-once.js';
export { dpopOnce, type FastifyDpopOptions } from './dpop-once.js';
export { JwtOnceError } from '../../src/errors.js';
export type { Claim } from '../../src/options.js';
export type { GuardOptions } from '../../src/request-guard.js';
