// jwt-once/express: the Express middlewares.
export {
  dpopOnce,
  jwtOnce,
  JwtOnceError,
  routeScope,
  type Claim,
  type DpopOnceRequest,
  type ExpressDpopOptions,
  type ExpressJwtOnceOptions,
  type GuardOptions,
  type JwtOnceRequest,
} from './jwt-once.js';
