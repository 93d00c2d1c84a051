// jwt-once/hono: the Hono middlewares.
export {
  dpopOnce,
  jwtOnce,
  JwtOnceError,
  routeScope,
  type Claim,
  type DpopOnceVariables,
  type GuardOptions,
  type HonoDpopOptions,
  type HonoJwtOnceOptions,
  type JwtOnceVariables,
} from './jwt-once.js';
