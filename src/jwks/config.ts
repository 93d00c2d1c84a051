import { ConfigError, type JwksUnavailableError } from '../errors.js';
import { checkNumber, checkOptionNames } from '../option-checks.js';
import type { JwksOptions } from './options.js';

/** Every name {@link JwksOptions} accepts; anything else is a ConfigError naming the closest one. */
const JWKS_OPTION_NAMES = [
  'uri',
  'issuers',
  'ttl',
  'cooldown',
  'maxStale',
  'timeout',
  'allowHttp',
  'onError',
  'now',
] as const satisfies ReadonlyArray<keyof JwksOptions>;

/** The checked, defaulted settings every key set cache of one `jwks()` shares. */
export interface JwksConfig {
  ttl: number;
  cooldown: number;
  maxStale: number;
  timeout: number;
  onError: ((error: JwksUnavailableError) => void) | undefined;
  now: () => number;
}

/** The checked options: the settings, and the URL of each key set (one entry, keyed `undefined`, for `uri`). */
export interface CheckedJwksOptions {
  config: JwksConfig;
  /** `undefined` with `uri`: any issuer; otherwise issuer -> key set URL. */
  issuers: Map<string, string> | undefined;
  uri: string | undefined;
}

/** `127.0.0.0/8`, `localhost` and `[::1]`: where plain `http:` reaches no network. */
function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

/** Checks one key set URL: absolute, `https:` (or `http:` on loopback or with `allowHttp`), no credentials. */
function checkUrl(name: string, value: unknown, allowHttp: boolean): string {
  if (typeof value !== 'string' || value === '') {
    throw new ConfigError(`jwks ${name} must be the URL of a key set, e.g. 'https://idp.example/.well-known/jwks.json'`);
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`jwks ${name} is not an absolute URL: ${JSON.stringify(value.slice(0, 200))}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError(`jwks ${name} must be an https: URL, got ${url.protocol}`);
  }
  if (url.protocol === 'http:' && !allowHttp && !isLoopback(url.hostname)) {
    throw new ConfigError(
      `jwks ${name} must be an https: URL (plain http: lets anyone on the path hand out signing keys); ` +
        'set allowHttp: true only for a trusted network',
    );
  }
  if (url.username !== '' || url.password !== '') {
    throw new ConfigError(`jwks ${name} must not carry credentials (user:password@)`);
  }
  return url.href;
}

/**
 * Checks {@link JwksOptions} once, when `jwks()` is called, and fills in the
 * defaults. Anything wrong is a {@link ConfigError} saying what to fix.
 *
 * @example
 * const { config, issuers, uri } = checkJwksOptions({ uri: 'https://idp.example/.well-known/jwks.json' });
 */
export function checkJwksOptions(options: JwksOptions): CheckedJwksOptions {
  if (options === null || typeof options !== 'object') {
    throw new ConfigError("jwks options are required: { uri: 'https://idp.example/.well-known/jwks.json' } or { issuers: { [iss]: url } }");
  }
  checkOptionNames('jwks', options, JWKS_OPTION_NAMES);
  const { allowHttp = false } = options;
  if (typeof allowHttp !== 'boolean') throw new ConfigError('jwks `allowHttp` must be a boolean');
  const cooldown = checkNumber('jwks `cooldown`', options.cooldown, 30_000, { min: 0, unit: 'ms' });
  const config: JwksConfig = {
    ttl: checkNumber('jwks `ttl`', options.ttl, 600_000, { min: 1, unit: 'ms' }),
    cooldown,
    maxStale: checkNumber('jwks `maxStale`', options.maxStale, 3_600_000, { min: 0, unit: 'ms' }),
    timeout: checkNumber('jwks `timeout`', options.timeout, 5_000, { min: 1, unit: 'ms' }),
    onError: checkFunction('onError', options.onError),
    now: checkFunction('now', options.now) ?? Date.now,
  };
  const { uri, issuers } = options;
  if (uri !== undefined && issuers !== undefined) {
    throw new ConfigError('jwks takes `uri` (one key set) or `issuers` (a key set per issuer), not both');
  }
  if (uri !== undefined) return { config, issuers: undefined, uri: checkUrl('`uri`', uri, allowHttp) };
  if (issuers === undefined || issuers === null) {
    throw new ConfigError(
      "jwks needs `uri` or `issuers`, e.g. { issuers: { 'https://idp.example': 'https://idp.example/.well-known/jwks.json' } }",
    );
  }
  if (typeof issuers !== 'object' || Array.isArray(issuers)) {
    throw new ConfigError('jwks `issuers` must be an object mapping each accepted `iss` to the URL of its key set');
  }
  const entries = Object.entries(issuers);
  if (entries.length === 0) throw new ConfigError('jwks `issuers` is empty: list at least one issuer and its key set URL');
  const byIssuer = new Map<string, string>();
  for (const [iss, url] of entries) {
    if (iss === '') throw new ConfigError('jwks `issuers` has an empty issuer name');
    byIssuer.set(iss, checkUrl(`issuers[${JSON.stringify(iss)}]`, url, allowHttp));
  }
  return { config, issuers: byIssuer, uri: undefined };
}

function checkFunction<F>(name: string, value: F | undefined): F | undefined {
  if (value !== undefined && typeof value !== 'function') throw new ConfigError(`jwks \`${name}\` must be a function`);
  return value;
}
