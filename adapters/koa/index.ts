// jwt-once/koa: the Koa middlewares (Koa 2 and 3).
export { jwtOnce, routeScope, type JwtOnceState, type KoaJwtOnceOptions } from './jwt-once.js';
export { dpopOnce, type DpopOnceState, type KoaDpopOptions } from './dpop-once.js';
export { JwtOnceError } from '../../src/errors.js';
export type { Claim } from '../../src/options.js';
export type { GuardOptions } from '../../src/request-guard.js';
