/** What one successful fetch of a key set gave. */
export interface FetchedDocument {
  /** The parsed JSON body. */
  document: unknown;
  /** `Cache-Control: max-age` in ms (`0` for `no-store` / `no-cache`), `undefined` when the response gives none. */
  maxAge: number | undefined;
}

/** A failure this module describes itself (as opposed to what `fetch` threw). */
class FetchProblem extends Error {}

/** Largest key set body read, in bytes: a JWKS is a few KiB. */
export const MAX_JWKS_BYTES = 1024 * 1024;

/**
 * The freshness a `Cache-Control` header gives, in ms: `max-age` (RFC 9111
 * s5.2.2.1), `0` for `no-store` or `no-cache`, `undefined` when it says neither.
 *
 * @example
 * maxAgeOf('public, max-age=300'); // 300_000
 */
export function maxAgeOf(cacheControl: string | null): number | undefined {
  if (cacheControl === null) return undefined;
  let maxAge: number | undefined;
  for (const directive of cacheControl.toLowerCase().split(',')) {
    const [name, value] = directive.trim().split('=', 2) as [string, string | undefined];
    if (name === 'no-store' || name === 'no-cache') return 0;
    if (name === 'max-age' && value !== undefined) {
      const seconds = Number(value.replace(/^"|"$/g, ''));
      if (Number.isInteger(seconds) && seconds >= 0) maxAge = seconds * 1000;
    }
  }
  return maxAge;
}

/**
 * Fetches a key set with the global `fetch`, bounded by `timeout` ms for the
 * whole exchange (connection, headers and body). Refuses anything but a 2xx
 * JSON body of at most {@link MAX_JWKS_BYTES}.
 *
 * @throws {Error} saying what failed (without the URL: the caller adds it).
 * @example
 * const { document, maxAge } = await fetchKeySet('https://idp.example/.well-known/jwks.json', 5000);
 */
export async function fetchKeySet(url: string, timeout: number): Promise<FetchedDocument> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeout);
  // Node: do not hold the process open for a fetch nobody waits on any more.
  (timer as { unref?: () => void }).unref?.();
  try {
    const response = await fetch(url, { signal: controller.signal, headers: { accept: 'application/jwk-set+json, application/json' } });
    if (!response.ok) {
      await response.body?.cancel().catch(() => undefined);
      throw new FetchProblem(`answered HTTP ${response.status}`);
    }
    const length = Number(response.headers.get('content-length') ?? 0);
    if (length > MAX_JWKS_BYTES) {
      await response.body?.cancel().catch(() => undefined);
      throw new FetchProblem(`answered a body of ${length} bytes, above ${MAX_JWKS_BYTES}`);
    }
    const text = await response.text();
    if (text.length > MAX_JWKS_BYTES) throw new FetchProblem(`answered a body above ${MAX_JWKS_BYTES} bytes`);
    let document: unknown;
    try {
      document = JSON.parse(text);
    } catch {
      throw new FetchProblem('answered a body that is not JSON');
    }
    return { document, maxAge: maxAgeOf(response.headers.get('cache-control')) };
  } catch (err) {
    if (timedOut) throw new Error(`did not answer within ${timeout} ms`, { cause: err });
    throw err instanceof FetchProblem ? err : new Error('could not be fetched', { cause: err });
  } finally {
    clearTimeout(timer);
  }
}
