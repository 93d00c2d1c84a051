// jwt-once/hono: the Hono middlewares.
export { jwtOnce, routeScope, type HonoJwtOnceOptions, type JwtOnceVariables } from './jwt-once.js';
export { dpopOnce, type DpopOnceVariables, type HonoDpopOptions } from './dpop-once.js';
export { JwtOnceError } from '../../src/errors.js';
export type { Claim } from '../../src/options.js';
export type { GuardOptions } from '../../src/request-guard.js';
