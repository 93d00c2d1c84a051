import { ConfigError } from '../errors.js';

const PERCENT_ENCODED = /%([0-9A-Fa-f]{2})/g;
const UNRESERVED = /[A-Za-z0-9\-._~]/;

/** RFC 3986 s6.2.2.2: upper-case percent-encodings, and decode those of unreserved characters. */
function normalizePercentEncoding(path: string): string {
  return path.replace(PERCENT_ENCODED, (_, hex: string) => {
    const char = String.fromCharCode(parseInt(hex, 16));
    return UNRESERVED.test(char) ? char : `%${hex.toUpperCase()}`;
  });
}

/**
 * The form a DPoP `htu` and a request URL are compared in (RFC 9449 s4.3
 * check 9, RFC 3986 s6.2.2 and s6.2.3): `http` or `https` only; scheme and
 * host lower-cased; the default port dropped; dot segments removed; percent
 * encodings upper-cased and unreserved ones decoded; an empty path is `/`;
 * query, fragment and user info removed. `undefined` when it is not such a URL.
 *
 * @example
 * normalizeHtu('HTTPS://Server.Example.COM:443/a/../token?x=1#f') // 'https://server.example.com/token'
 */
export function normalizeHtu(url: unknown): string | undefined {
  if (typeof url !== 'string' || url.length === 0) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return undefined;
  if (parsed.host === '') return undefined;
  return `${parsed.protocol}//${parsed.host}${normalizePercentEncoding(parsed.pathname)}`;
}

/**
 * Checks the public origin option once, at creation: an absolute `http(s)`
 * URL with nothing after the host. Returns it without a trailing slash.
 *
 * @throws {ConfigError} otherwise.
 * @example
 * checkOrigin('https://API.example.com:443/') // 'https://api.example.com'
 */
export function checkOrigin(origin: unknown): string | undefined {
  if (origin === undefined) return undefined;
  let parsed: URL | undefined;
  try {
    parsed = typeof origin === 'string' ? new URL(origin) : undefined;
  } catch {
    parsed = undefined;
  }
  if (
    parsed === undefined ||
    (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') ||
    parsed.pathname !== '/' ||
    parsed.search !== '' ||
    parsed.hash !== '' ||
    parsed.username !== '' ||
    parsed.password !== ''
  ) {
    throw new ConfigError(
      "`origin` must be the public origin clients call, such as 'https://api.example.com' (scheme, host, optional port; no path)",
    );
  }
  return parsed.origin;
}

/**
 * A `.` or `..` path segment, plainly or percent-encoded in any case: the
 * WHATWG URL parser resolves `%2e%2e`, `.%2e` and `%2E.` like `..`.
 */
const DOT_SEGMENT = /(?:^|\/)(?:\.|%2e){1,2}(?:\/|$)/i;

/**
 * The path of a request URL as sent, without query and fragment, or
 * `undefined` when resolving it as a URL could name another resource than
 * the one the router routed: a dot segment (also percent-encoded) or a
 * backslash (read as `/` by URL parsers), or a tab or line break (which URL
 * parsers drop, joining what is around). Express, Koa and Fastify route the
 * path as sent, so `/files/%2e%2e/pay` runs `/files/:name/pay` with name
 * `..`, while `new URL()` makes it `/pay`. Such paths are refused, never resolved.
 */
function routedPath(path: string): string | undefined {
  const end = path.search(/[?#]/);
  const pathOnly = end === -1 ? path : path.slice(0, end);
  return /[\\\t\n\r]/.test(pathOnly) || DOT_SEGMENT.test(pathOnly) ? undefined : pathOnly;
}

/** `scheme://authority` at the start of an absolute URL; the authority ends at the first `/`, `?`, `#` or backslash. */
const SCHEME_AND_AUTHORITY = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#\\]*/;

/**
 * The URL a request was sent to, as the client saw it: `origin` (the public
 * origin behind a proxy) followed by the path of `url`, or `url` itself when
 * no origin is configured. `url` is an absolute URL or a path starting with
 * `/` (Express `originalUrl`, Koa `originalUrl`, Fastify `url`).
 * `undefined` when no absolute URL can be made, and when the path, as sent,
 * has a dot segment (`.`, `..`, `%2e%2e`, ...) or a backslash: the router
 * routed that path unresolved, so it is never compared in resolved form.
 *
 * @example
 * requestTarget('/token?x=1', 'https://api.example.com') // 'https://api.example.com/token'
 * requestTarget('http://10.0.0.5:3000/token', 'https://api.example.com') // 'https://api.example.com/token'
 * requestTarget('/files/%2e%2e/pay', 'https://api.example.com') // undefined
 */
export function requestTarget(url: string, origin: string | undefined): string | undefined {
  if (url.startsWith('/')) {
    // Concatenated, never resolved: a path such as '//evil.example/x' must stay a path.
    if (origin === undefined) return undefined;
    const path = routedPath(url);
    return path === undefined ? undefined : normalizeHtu(origin + path);
  }
  const authority = SCHEME_AND_AUTHORITY.exec(url);
  if (authority === null) return undefined;
  const path = routedPath(url.slice(authority[0].length));
  if (path === undefined) return undefined;
  return normalizeHtu(origin === undefined ? authority[0] + path : origin + (path === '' ? '/' : path));
}
