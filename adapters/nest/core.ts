// What the module holds per application: the core request guard, built from the options, and the store to close.
import { optionsFromEnv } from '../../src/env-options.js';
import { ConfigError } from '../../src/errors.js';
import { createRequestGuard, type GuardOptions, type RequestGuard } from '../../src/request-guard.js';
import type { ClaimStore } from '../../src/stores/claim-store.js';
import { closeStores, getDefaultStore, resolveStore } from '../../src/stores/resolve-store.js';
import type { JwtOnceModuleOptions, NestRequest, OnceOptions } from './options.js';

/**
 * One guarded request: the Nest request and the scope `@Once()` set on its route, if any.
 *
 * @example
 * const call: NestCall = { request, scope: 'magic-login' };
 */
export interface NestCall {
  request: NestRequest;
  scope: OnceOptions['scope'] | undefined;
}

/**
 * The module's state for one application.
 *
 * @example
 * constructor(@Inject(JWT_ONCE_CORE) private readonly core: JwtOnceCore) {}
 */
export interface JwtOnceCore {
  /** The core guard every adapter uses; its option functions receive the Nest request. */
  readonly guard: RequestGuard<NestCall>;
  /** Closes the store the options named (a URL: `closeStores()`; an object: its `close()`), never the default memory store. */
  onApplicationShutdown(): Promise<void>;
}

const hasOwn = (value: object, key: string): boolean => Object.prototype.hasOwnProperty.call(value, key);

/** The module's `scope` and a route's `@Once({ scope })`, as one function of the call (a wrong type is passed on, for its ConfigError). */
function scopeOption(scope: unknown): unknown {
  if (scope !== undefined && typeof scope !== 'string' && typeof scope !== 'function') return scope;
  const moduleScope = scope as OnceOptions['scope'];
  return (call: NestCall): string => {
    const chosen = call.scope ?? moduleScope;
    return typeof chosen === 'function' ? chosen(call.request) : (chosen ?? '');
  };
}

/** A function of the Nest request, as a function of the call; anything else as it is (the core checks it). */
function ofRequest(value: unknown): unknown {
  return typeof value === 'function' ? (call: NestCall) => (value as (request: NestRequest) => unknown)(call.request) : value;
}

/**
 * Checks the options and builds the module's core: a {@link ConfigError}
 * saying what to fix when they are wrong. The store is resolved here, once,
 * so the module knows what to close at shutdown.
 *
 * @param options the module's options. @default {} (everything from the environment)
 * @param env where `JWT_ONCE_*` are read when the options have no `secret` key. @default process.env
 * @example
 * const core = createJwtOnceCore({ secret, algorithms: ['HS256'] });
 * await core.guard.claim({ request, scope: undefined }, (name) => header(request, name));
 */
export function createJwtOnceCore(
  options: JwtOnceModuleOptions = {},
  env: Record<string, string | undefined> = globalThis.process?.env ?? {},
): JwtOnceCore {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new ConfigError('JwtOnceModule options must be an object, e.g. JwtOnceModule.forRoot({ secret, algorithms: ["HS256"] })');
  }
  const source = options as Record<string, unknown>;
  const fromEnv = !hasOwn(source, 'secret') && source.verifiedPayload === undefined;
  const storeOption = source.store ?? (fromEnv ? optionsFromEnv(env).store : undefined);
  const store: ClaimStore | undefined =
    storeOption === undefined
      ? undefined
      : resolveStore(storeOption as never, { allowNonAtomicStore: source.allowNonAtomicStore === true });

  const translated: Record<string, unknown> = { ...source, scope: scopeOption(source.scope) };
  if (hasOwn(source, 'getToken')) translated.getToken = ofRequest(source.getToken);
  if (hasOwn(source, 'verifiedPayload')) translated.verifiedPayload = ofRequest(source.verifiedPayload);
  if (store !== undefined) translated.store = store;
  const guard = createRequestGuard<NestCall>(translated as GuardOptions<NestCall>, env);

  let closed: Promise<void> | undefined;
  return {
    guard,
    onApplicationShutdown() {
      closed ??= (async () => {
        if (store === undefined || store === getDefaultStore()) return;
        // A URL store is jwt-once's own (shared per URL): closeStores() closes it and forgets it, so a later app opens it again.
        if (typeof storeOption === 'string') await closeStores();
        else await store.close?.();
      })();
      return closed;
    },
  };
}
