// JwtOnceModule: forRoot / forRootAsync, shaped like @nestjs/throttler's module.
import { Global, Module, type DynamicModule, type Provider } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { ConfigError } from '../../src/errors.js';
import { createJwtOnceCore, type JwtOnceCore } from './core.js';
import { JwtOnceExceptionFilter } from './exception.js';
import { JwtOnceGuard } from './guard.js';
import type { JwtOnceAsyncOptions, JwtOnceModuleOptions } from './options.js';
import { JWT_ONCE_CORE, JWT_ONCE_OPTIONS } from './tokens.js';

/** What both forms provide, besides the core: the guard, the global filter, and what they export. */
function dynamicModule(providers: Provider[], imports: DynamicModule['imports'] = []): DynamicModule {
  return {
    module: JwtOnceModule,
    global: true,
    imports,
    providers: [...providers, JwtOnceGuard, { provide: APP_FILTER, useClass: JwtOnceExceptionFilter }],
    exports: [JWT_ONCE_CORE, JwtOnceGuard],
  };
}

/**
 * The Nest module of jwt-once: import it once (it is global), then guard
 * routes with {@link JwtOnceGuard}. It provides the guard, a global filter
 * that answers refusals as every jwt-once adapter does (status,
 * `WWW-Authenticate`, RFC 9457 problem body), and closes the store its
 * options name on application shutdown (`app.close()`, or a signal with
 * `app.enableShutdownHooks()`): a URL store through `closeStores()`, a store
 * object through its `close()`; the process-wide default memory store is
 * left open.
 *
 * @example
 * @Module({
 *   imports: [JwtOnceModule.forRoot({ secret: process.env.LINK_SECRET!, algorithms: ['HS256'], store: process.env.JWT_ONCE_STORE })],
 *   providers: [{ provide: APP_GUARD, useClass: JwtOnceGuard }],
 * })
 * export class AppModule {}
 */
@Global()
@Module({})
export class JwtOnceModule {
  /**
   * The module with options known now. They are checked here: wrong options
   * throw a `ConfigError` saying what to fix when `forRoot` is called (as the
   * application's module is declared), and again when the application is created.
   *
   * @param options the {@link JwtOnceModuleOptions}. @default {} (everything from the environment)
   * @example
   * JwtOnceModule.forRoot({ verifiedPayload: (req) => req.user }); // behind AuthGuard('jwt')
   */
  static forRoot(options: JwtOnceModuleOptions = {}): DynamicModule {
    createJwtOnceCore(options); // fail at declaration, not at the first request
    return dynamicModule([
      { provide: JWT_ONCE_OPTIONS, useValue: options },
      { provide: JWT_ONCE_CORE, useFactory: (): JwtOnceCore => createJwtOnceCore(options) },
    ]);
  }

  /**
   * The module with options from a factory (e.g. a `ConfigService`). Wrong
   * options throw a `ConfigError` while the application is created
   * (`NestFactory.create()` rejects with it under `abortOnError: false`;
   * by default Nest logs it and exits).
   *
   * @param options `{ useFactory, inject, imports }`
   * @example
   * JwtOnceModule.forRootAsync({
   *   inject: [ConfigService],
   *   useFactory: (config: ConfigService) => ({ secret: config.getOrThrow('LINK_SECRET'), algorithms: ['HS256'] }),
   * });
   */
  static forRootAsync(options: JwtOnceAsyncOptions): DynamicModule {
    if (options === null || typeof options !== 'object' || typeof options.useFactory !== 'function') {
      throw new ConfigError(
        'JwtOnceModule.forRootAsync() needs { useFactory } returning the options, ' +
          'e.g. { useFactory: () => ({ secret, algorithms: ["HS256"] }) }',
      );
    }
    return dynamicModule(
      [
        { provide: JWT_ONCE_OPTIONS, useFactory: options.useFactory, inject: options.inject ?? [] },
        {
          provide: JWT_ONCE_CORE,
          useFactory: (resolved: JwtOnceModuleOptions): JwtOnceCore => createJwtOnceCore(resolved),
          inject: [JWT_ONCE_OPTIONS],
        },
      ],
      options.imports,
    );
  }
}
