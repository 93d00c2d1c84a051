// jwt-once/web: the guard for Web-standard Request/Response handlers (Workers, Deno, Bun, Next.js route handlers).
export { createWebGuard, withJwtOnce, type WebClaimOutcome, type WebJwtOnceOptions } from './jwt-once.js';
export { JwtOnceError } from '../../src/errors.js';
export type { Claim } from '../../src/options.js';
export type { GuardOptions } from '../../src/request-guard.js';
