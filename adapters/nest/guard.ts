// JwtOnceGuard: translates a Nest execution context into the core guard's (request, header) and back.
import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ConfigError } from '../../src/errors.js';
import type { Claim } from '../../src/options.js';
import type { JwtOnceCore } from './core.js';
import { refusalException } from './exception.js';
import type { NestRequest, OnceOptions } from './options.js';
import { JWT_ONCE_CORE, ONCE_METADATA, SKIP_ONCE_METADATA } from './tokens.js';

/** Requests a JwtOnceGuard already let through: a guard both global and on the route claims once, not twice. */
const passed = new WeakSet<object>();

/** What Express's response and Fastify's reply (`raw`) share for `releaseOnError`. */
type RawResponse = { statusCode: number; once(event: 'finish', listener: () => void): unknown };

function header(request: NestRequest, name: string): string | undefined {
  const value = request.headers?.[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The Nest guard that lets each JWT through once. Global through
 * `{ provide: APP_GUARD, useClass: JwtOnceGuard }`, or per controller or route
 * with `@UseGuards(JwtOnceGuard)` (after `AuthGuard('jwt')` when passport
 * verifies: `@UseGuards(AuthGuard('jwt'), JwtOnceGuard)`). Needs
 * `JwtOnceModule.forRoot()` (or `forRootAsync()`) imported once.
 *
 * On success it resolves `true`, `request.jwtOnce` holds the claim and
 * `request.user` the verified payload unless a guard before it set `user`. A
 * missing, invalid, expired or reused token throws a `JwtOnceHttpException`
 * (401; 400 for a malformed request), a store failure one of 503: never
 * `false`, which Nest would answer 403. Anything else (a non-HTTP context, a
 * throwing `getToken`, `scope` or `verifiedPayload`) is thrown as it is (500).
 * `@SkipOnce()` lets a route through with no claim; `@Once({ scope })` sets its
 * scope.
 *
 * @example
 * @Module({
 *   imports: [JwtOnceModule.forRoot({ secret: process.env.LINK_SECRET!, algorithms: ['HS256'] })],
 *   providers: [{ provide: APP_GUARD, useClass: JwtOnceGuard }],
 * })
 * export class AppModule {}
 */
@Injectable()
export class JwtOnceGuard implements CanActivate {
  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(JWT_ONCE_CORE) private readonly core: JwtOnceCore,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean | undefined>(SKIP_ONCE_METADATA, targets) === true) return true;
    if (context.getType() !== 'http') {
      throw new ConfigError(`JwtOnceGuard guards HTTP routes, not "${context.getType()}" handlers: mark them @SkipOnce()`);
    }
    const http = context.switchToHttp();
    const request = http.getRequest<NestRequest>();
    if (passed.has(request)) return true;
    const once = this.reflector.getAllAndOverride<OnceOptions | undefined>(ONCE_METADATA, targets);
    let claim: Claim;
    try {
      claim = await this.core.guard.claim({ request, scope: once?.scope }, (name) => header(request, name));
    } catch (err) {
      throw refusalException(err);
    }
    passed.add(request);
    request.jwtOnce = claim;
    if (request.user === undefined) request.user = claim.payload;
    if (this.core.guard.releaseOnError) this.settleOnFinish(claim, http.getResponse<{ raw?: RawResponse } & Partial<RawResponse>>());
    return true;
  }

  /** `releaseOnError`: once the answer is written, a status of 500 or more (a thrown handler, through Nest's filter) releases the claim. */
  private settleOnFinish(claim: Claim, response: { raw?: RawResponse } & Partial<RawResponse>): void {
    const raw = (response.raw ?? response) as RawResponse;
    raw.once('finish', () => void this.core.guard.settle(claim, { threw: false, status: raw.statusCode }));
  }
}
