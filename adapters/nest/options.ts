// The options of jwt-once/nest: the core's GuardOptions, for Nest's request (Express or Fastify).
import type { FactoryProvider, ModuleMetadata } from '@nestjs/common';
import type { JwtPayload } from '../../src/jwt-types.js';
import type { Claim } from '../../src/options.js';
import type { GuardOptions } from '../../src/request-guard.js';

/**
 * The request a Nest guard sees on either platform: Express's `Request` or
 * Fastify's `FastifyRequest`. Only `headers` is read by default; `user` is
 * where `@nestjs/passport` puts what its strategy validated.
 *
 * @example
 * JwtOnceModule.forRoot({ verifiedPayload: (req: NestRequest) => req.user });
 */
export interface NestRequest {
  /** Lower-case header names, as Node gives them. */
  headers: Record<string, string | string[] | undefined>;
  /** Set by `AuthGuard(...)` of `@nestjs/passport`; set by `JwtOnceGuard` to the verified payload when nothing else did. */
  user?: unknown;
  /** The claim `JwtOnceGuard` made for this request: replay key, expiry, `release()`. */
  jwtOnce?: Claim;
  [property: string]: unknown;
}

/**
 * A request `JwtOnceGuard` let through.
 *
 * @example
 * login(@Req() req: JwtOnceRequest) { return { user: req.jwtOnce.payload.sub }; }
 */
export type JwtOnceRequest = NestRequest & {
  /** The claim: `payload`, replay `key`, expiry, `release()`. */
  jwtOnce: Claim;
  /** The verified payload, unless a guard before it (passport) set `user` first. */
  user: JwtPayload | unknown;
};

/**
 * Options of {@link JwtOnceModule.forRoot}: the {@link GuardOptions} every
 * adapter takes, functions of the request receiving the Express or Fastify
 * request. With no `secret` key (and no `verifiedPayload`) they come from
 * `JWT_ONCE_SECRET`, `JWT_ONCE_ALGORITHMS`, `JWT_ONCE_ISSUER`,
 * `JWT_ONCE_AUDIENCE` and `JWT_ONCE_STORE`.
 *
 * Behind `AuthGuard('jwt')` of `@nestjs/passport`, give
 * `verifiedPayload: (req) => req.user` (passport-jwt's `validate` must return
 * the payload unchanged) and no `secret`: jwt-once then only claims.
 *
 * @default {} (everything from the environment)
 * @example
 * const options: JwtOnceModuleOptions = { secret: process.env.LINK_SECRET!, algorithms: ['HS256'], store: 'redis://127.0.0.1:6379' };
 */
export type JwtOnceModuleOptions = GuardOptions<NestRequest>;

/**
 * Options of {@link JwtOnceModule.forRootAsync}: a factory, the providers it
 * injects and the modules that export them (e.g. `ConfigModule`).
 *
 * @example
 * JwtOnceModule.forRootAsync({
 *   imports: [ConfigModule],
 *   inject: [ConfigService],
 *   useFactory: (config: ConfigService) => ({ secret: config.getOrThrow('LINK_SECRET'), algorithms: ['HS256'] }),
 * });
 */
export interface JwtOnceAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  /** Returns the {@link JwtOnceModuleOptions}, or a promise of them. */
  useFactory: (...args: never[]) => JwtOnceModuleOptions | Promise<JwtOnceModuleOptions>;
  /** What `useFactory` receives, in order. @default [] */
  inject?: FactoryProvider['inject'];
}

/**
 * What `@Once()` sets on a route or a controller: the replay scope there,
 * a fixed label or a function of the request, instead of the module's `scope`.
 *
 * @example
 * const options: OnceOptions = { scope: 'magic-login' };
 */
export interface OnceOptions {
  /**
   * The route's partition of the replay space (see `GuardOptions.scope`):
   * never raw request data such as the path.
   * @default the module's `scope`, else ''
   */
  scope?: string | ((request: NestRequest) => string);
}
