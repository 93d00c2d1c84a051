// jwt-once/koa: the Koa middlewares.
export {
  dpopOnce,
  jwtOnce,
  JwtOnceError,
  routeScope,
  type Claim,
  type DpopOnceState,
  type GuardOptions,
  type JwtOnceState,
  type KoaDpopOptions,
  type KoaJwtOnceOptions,
} from './jwt-once.js';
