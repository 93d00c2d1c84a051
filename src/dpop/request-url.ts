import { DpopProofError } from '../errors.js';

/**
 * `host[:port]` as a Host header may carry it (RFC 9110 s7.2, RFC 3986
 * s3.2.2): a DNS name or IPv4 address (letters, digits, `-`, `.`, `_`), or an
 * IPv6 literal in brackets; then an optional decimal port. Nothing that could
 * end the authority of a URL (`/ ? # \ @`), no space, no percent-encoding.
 */
const HOST = /^(?:[A-Za-z0-9][A-Za-z0-9._-]*|\[[0-9A-Fa-f:.]+\])(?::([0-9]{1,5}))?$/;

/**
 * True when `host` is a plain `host[:port]` (port at most 65535), so that
 * `scheme://` + `host` + a path is a URL whose path is that path.
 *
 * @example
 * isHost('api.example.com:8443') // true
 * isHost('[::1]:3000') // true
 * isHost('127.0.0.1:3000/token?') // false: the rest would become the path
 */
function isHost(host: unknown): host is string {
  if (typeof host !== 'string') return false;
  const match = HOST.exec(host);
  return match !== null && (match[1] === undefined || Number(match[1]) <= 65535);
}

/**
 * The absolute URL of a request, made by an adapter without `origin` from
 * what the framework reports: its scheme, its `Host` (or `X-Forwarded-Host`
 * behind a trusted proxy) and the path the router routed (`req.originalUrl`,
 * `ctx.originalUrl`, `request.url`). The host and scheme come from the
 * client: a host that is not a plain `host[:port]` (e.g.
 * `127.0.0.1:3000/token?`, which would turn `POST /admin` into a URL whose
 * path is `/token`) or a scheme other than `http`/`https` is refused, and the
 * message never repeats it.
 *
 * @throws {DpopProofError} for a bad host or scheme, or a path that does not start with `/`.
 * @example
 * requestUrl(req.protocol, req.get('host'), req.originalUrl) // 'http://127.0.0.1:3000/token?x=1'
 */
export function requestUrl(protocol: unknown, host: unknown, path: string): string {
  if (!isHost(host)) throw new DpopProofError('The request Host header is not a valid host[:port]');
  if (protocol !== 'http' && protocol !== 'https') throw new DpopProofError('The request scheme is not http or https');
  // An absolute-form request target (`POST http://other/x HTTP/1.1`) or `*`: not the path the URL is made of.
  if (!path.startsWith('/')) throw new DpopProofError('The request target must be a path');
  return `${protocol}://${host}${path}`;
}
