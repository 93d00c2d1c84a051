// jwt-once/web: the guard for Web-standard Request/Response handlers (Workers, Deno, Bun, Next.js).
export {
  createWebGuard,
  withJwtOnce,
  JwtOnceError,
  type Claim,
  type GuardOptions,
  type WebClaimOutcome,
  type WebJwtOnceOptions,
} from './jwt-once.js';
