// jwt-once/nest: the NestJS module, guard, decorators and exception filter.
export { JwtOnceModule } from './module.js';
export { JwtOnceGuard } from './guard.js';
export { Once, SkipOnce } from './decorators.js';
export { JwtOnceExceptionFilter, JwtOnceHttpException, refusalException } from './exception.js';
export { createJwtOnceCore, type JwtOnceCore, type NestCall } from './core.js';
export type { JwtOnceAsyncOptions, JwtOnceModuleOptions, JwtOnceRequest, NestRequest, OnceOptions } from './options.js';
export { JWT_ONCE_CORE, JWT_ONCE_OPTIONS, ONCE_METADATA, SKIP_ONCE_METADATA } from './tokens.js';
export { JwtOnceError } from '../../src/errors.js';
export type { Claim } from '../../src/options.js';
export type { GuardOptions } from '../../src/request-guard.js';
