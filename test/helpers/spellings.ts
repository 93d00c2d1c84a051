/**
 * Other spellings of `path` a client can send: upper case in the first six
 * letters (64 variants), each with and without a trailing slash, every
 * character percent-encoded once (upper and lower hex), doubled and dot
 * segments, a query string. Which of them reach the route is the router's
 * business; a scope must not tell them apart.
 */
export function spellings(path: string): string[] {
  const out = new Set<string>();
  const letters = [...path].flatMap((c, i) => (/[a-z]/.test(c) ? [i] : [])).slice(0, 6);
  for (let mask = 0; mask < 1 << letters.length; mask++) {
    const chars = [...path];
    letters.forEach((at, bit) => {
      if (mask & (1 << bit)) chars[at] = chars[at]!.toUpperCase();
    });
    const spelled = chars.join('');
    out.add(spelled);
    out.add(`${spelled}/`);
  }
  for (let i = 1; i < path.length; i++) {
    if (path[i] === '/') continue;
    const hex = path.charCodeAt(i).toString(16).padStart(2, '0');
    out.add(`${path.slice(0, i)}%${hex.toUpperCase()}${path.slice(i + 1)}`);
    out.add(`${path.slice(0, i)}%${hex}${path.slice(i + 1)}`);
  }
  for (const extra of [
    `/${path}`,
    `${path}//`,
    path.replace(/\//g, '//'),
    `${path}?a=1`,
    `${path}/?a=1`,
    `${path};x`,
    path.replace('/', '/./'),
  ]) {
    out.add(extra);
  }
  return [...out];
}

/**
 * `value` with every subset of its first four characters percent-encoded
 * (16 spellings of one value: `acme`, `%61cme`, ... `%61%63%6d%65`; hex in
 * lower case, as a client may send it). A router decodes each to the same
 * parameter value; a scope must give them one label.
 */
export function percentEncodings(value: string): string[] {
  const chars = [...value];
  const out: string[] = [];
  for (let mask = 0; mask < 16; mask++) {
    out.push(chars.map((c, i) => (i < 4 && mask & (1 << i) ? `%${c.charCodeAt(0).toString(16).padStart(2, '0')}` : c)).join(''));
  }
  return out;
}

/**
 * Sixteen methods Node's HTTP parser and `fetch` both carry (no CONNECT or
 * TRACE, which `fetch` refuses): the RFC 9110 ones, PATCH and WebDAV's.
 */
export const SIXTEEN_METHODS = [
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'PATCH',
  'OPTIONS',
  'PROPFIND',
  'PROPPATCH',
  'MKCOL',
  'COPY',
  'MOVE',
  'LOCK',
  'UNLOCK',
  'SEARCH',
  'PURGE',
] as const;
