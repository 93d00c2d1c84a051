/** Keeping credentials out of what the doctor prints. */

const SECRET_PARAMS = /^(password|pass|pwd|sslpassword|sslkey|token|secret)$/i;

/**
 * The URL with its password (and any query parameter that carries a secret)
 * replaced by `***`; the user name, host, path and other parameters stay.
 * A URL that does not parse keeps only its scheme.
 *
 * @example
 * maskUrl('redis://app:s3cret@redis:6379/0'); // 'redis://app:***@redis:6379/0'
 * maskUrl('postgres://db/app?password=x&table=claims'); // 'postgres://db/app?password=***&table=claims'
 */
export function maskUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(url)?.[0];
    return scheme === undefined ? '(not a URL)' : `${scheme}//...`;
  }
  if (parsed.protocol === 'sqlite:') return url.replace(/\?.*$/, ''); // a path, no credentials
  if (parsed.password !== '') parsed.password = 'MASKED';
  for (const name of [...parsed.searchParams.keys()]) if (SECRET_PARAMS.test(name)) parsed.searchParams.set(name, 'MASKED');
  return parsed.href.replace(/MASKED/g, '***');
}

/**
 * The secrets a URL carries (its password, raw and decoded, and secret query
 * parameters), to scrub from messages a driver wrote.
 *
 * @example
 * secretsOf('redis://:p%40ss@redis:6379'); // ['p%40ss', 'p@ss']
 */
export function secretsOf(url: string): string[] {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return [];
  }
  const secrets = new Set<string>();
  const add = (value: string): void => {
    if (value === '') return;
    secrets.add(value);
    try {
      secrets.add(decodeURIComponent(value));
    } catch {
      // not percent-encoded
    }
  };
  add(parsed.password);
  for (const [name, value] of parsed.searchParams) if (SECRET_PARAMS.test(name)) add(value);
  return [...secrets].sort((a, b) => b.length - a.length);
}

/**
 * `text` with every occurrence of each secret replaced by `***`.
 *
 * @example
 * scrub('auth failed for s3cret', ['s3cret']); // 'auth failed for ***'
 */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join('***');
  return out;
}

/**
 * The message of an error (and of its causes), one line, for a finding.
 *
 * @example
 * describeError(new Error('connect ECONNREFUSED 127.0.0.1:6390')); // 'connect ECONNREFUSED 127.0.0.1:6390'
 */
export function describeError(err: unknown): string {
  const parts: string[] = [];
  let current: unknown = err;
  for (let depth = 0; depth < 4 && current !== undefined && current !== null; depth++) {
    const message = current instanceof Error ? current.message || (current as { code?: string }).code || current.name : String(current);
    if (message !== '' && !parts.includes(message)) parts.push(message);
    const aggregate = (current as { errors?: unknown[] }).errors;
    if (Array.isArray(aggregate) && aggregate.length > 0 && message === '') current = aggregate[0];
    else current = (current as { cause?: unknown }).cause;
  }
  return parts.join(': ').replace(/\s+/g, ' ').trim() || 'unknown error';
}
