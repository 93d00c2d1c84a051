import { ConfigError } from './errors.js';

/** What a numeric option must be. */
interface NumberRule {
  /** Smallest accepted value. */
  min: number;
  /** Whole numbers only. @default false */
  integer?: boolean;
  /** Unit named in the error message, e.g. 'ms' or 'seconds'. */
  unit?: string;
}

/** How a wrong value is named in a message: its type first, so `'30'` reads "a string". */
function described(value: unknown): string {
  if (typeof value === 'string') {
    const shown = value.length > 20 ? `${value.slice(0, 20)}...` : value;
    return `a string (${JSON.stringify(shown)}); convert it with Number() and check the result`;
  }
  if (typeof value === 'number') return String(value);
  return value === null ? 'null' : `a ${typeof value}`;
}

/**
 * Checks one numeric option at creation: `fallback` when it is absent, the
 * value when it is a finite number meeting `rule`, otherwise a
 * {@link ConfigError} naming the option, the rule and what was given
 * (`NaN`, `Infinity`, or "a string" for `'30'`).
 *
 * @example
 * const timeout = checkNumber('RedisClaimStore commandTimeout', options.commandTimeout, 1000, { min: 1, unit: 'ms' });
 */
export function checkNumber<F extends number | undefined>(name: string, value: unknown, fallback: F, rule: NumberRule): number | F {
  if (value === undefined) return fallback;
  const { min, integer = false, unit } = rule;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
    const kind = integer ? 'an integer' : 'a finite number';
    throw new ConfigError(`${name} must be ${kind} >= ${min}${unit === undefined ? '' : ` (${unit})`}, got ${described(value)}`);
  }
  return value;
}

/** Edit distance (insertions, deletions, substitutions, adjacent swaps), case-insensitive. */
function distance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  const d: number[][] = Array.from({ length: s.length + 1 }, (_, i) =>
    Array.from({ length: t.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= s.length; i++) {
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[s.length]![t.length]!;
}

/**
 * The known name closest to `name` by edit distance (case-insensitive,
 * adjacent swaps count once), when it is close enough to be a typo: at most
 * 2 edits, or a third of the name's length.
 *
 * @example
 * closestName('audiance', ['audience', 'issuer']); // 'audience'
 */
export function closestName(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const d = distance(name, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

/**
 * Refuses option names that are not in `known`: a mistyped `audiance` would
 * otherwise be ignored silently and the audience never checked. Throws a
 * {@link ConfigError} naming every unknown option and, for each, the closest
 * known name.
 *
 * @example
 * checkOptionNames('jwtOnce', options, ['secret', 'algorithms', 'audience']);
 * // ConfigError: jwt-once: unknown jwtOnce option `audiance` (did you mean `audience`?)
 */
export function checkOptionNames(owner: string, options: object, known: readonly string[]): void {
  const unknown = Object.keys(options).filter((name) => !known.includes(name));
  if (unknown.length === 0) return;
  const parts = unknown.map((name) => {
    const near = closestName(name, known);
    return `\`${name}\`${near === undefined ? '' : ` (did you mean \`${near}\`?)`}`;
  });
  throw new ConfigError(`unknown ${owner} option${unknown.length > 1 ? 's' : ''} ${parts.join(', ')}; known: ${known.join(', ')}`);
}
