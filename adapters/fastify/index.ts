// jwt-once/fastify: the Fastify hooks and plugin.
export {
  dpopOnce,
  jwtOnce,
  jwtOncePlugin,
  JwtOnceError,
  routeScope,
  type Claim,
  type FastifyDpopOptions,
  type FastifyJwtOnceOptions,
  type GuardOptions,
  type JwtOnceHook,
  type JwtOnceRequest,
} from './jwt-once.js';
