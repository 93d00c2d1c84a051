// jwt-once/express: the Express middlewares (Express 4 and 5).
export { jwtOnce, routeScope, type ExpressJwtOnceOptions, type JwtOnceRequest } from './jwt-once.js';
export { dpopOnce, type DpopOnceRequest, type ExpressDpopOptions } from './dpop-once.js';
export { JwtOnceError } from '../../src/errors.js';
export type { Claim } from '../../src/options.js';
export type { GuardOptions } from '../../src/request-guard.js';
