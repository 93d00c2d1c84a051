// @Once() and @SkipOnce(): route and controller metadata JwtOnceGuard reads.
import { SetMetadata, type CustomDecorator } from '@nestjs/common';
import { ConfigError } from '../../src/errors.js';
import type { OnceOptions } from './options.js';
import { ONCE_METADATA, SKIP_ONCE_METADATA } from './tokens.js';

/**
 * Sets the replay scope of a route or of every route of a controller (the
 * route's wins): a token passes once per scope. Checked when the class is
 * declared: a `scope` that is neither a string nor a function throws a
 * `ConfigError`. It does not guard by itself: the route needs
 * `JwtOnceGuard` (global through `APP_GUARD`, or `@UseGuards(JwtOnceGuard)`).
 *
 * @param options `{ scope }`. @default {} (the module's scope)
 * @example
 * @Post('magic-login')
 * @Once({ scope: 'magic-login' })
 * login(@Req() req: JwtOnceRequest) { return { user: req.jwtOnce.payload.sub }; }
 */
export function Once(options: OnceOptions = {}): CustomDecorator<string> {
  if (options === null || typeof options !== 'object') throw new ConfigError('@Once() takes an object, e.g. @Once({ scope: "pay" })');
  const { scope, ...unknown } = options;
  const extra = Object.keys(unknown);
  if (extra.length > 0) throw new ConfigError(`@Once() takes only \`scope\`, got \`${extra[0]}\``);
  if (scope !== undefined && typeof scope !== 'string' && typeof scope !== 'function') {
    throw new ConfigError('`scope` of @Once() must be a string or a function of the request');
  }
  return SetMetadata(ONCE_METADATA, { scope });
}

/**
 * Lets a route (or every route of a controller) through `JwtOnceGuard`
 * without a token: no claim is made. For health checks and public routes
 * under a global guard.
 *
 * @example
 * @Get('health')
 * @SkipOnce()
 * health() { return 'ok'; }
 */
export function SkipOnce(): CustomDecorator<string> {
  return SetMetadata(SKIP_ONCE_METADATA, true);
}
