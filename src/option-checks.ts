import { ConfigError } from './errors.js';

/** What a numeric option must be. */
export interface NumberRule {
  /** Smallest accepted value. */
  min: number;
  /** Whole numbers only. @default false */
  integer?: boolean;
  /** Unit named in the error message, e.g. 'ms' or 'seconds'. */
  unit?: string;
}

/**
 * Checks one numeric option at creation: `fallback` when it is absent, the
 * value when it is a finite number meeting `rule`, otherwise a
 * {@link ConfigError} naming the option, the rule and what was given.
 *
 * @example
 * const timeout = checkNumber('RedisClaimStore commandTimeout', options.commandTimeout, 1000, { min: 1, unit: 'ms' });
 */
export function checkNumber<F extends number | undefined>(name: string, value: unknown, fallback: F, rule: NumberRule): number | F {
  if (value === undefined) return fallback;
  const { min, integer = false, unit } = rule;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
    const kind = integer ? 'an integer' : 'a number';
    throw new ConfigError(`${name} must be ${kind} >= ${min}${unit === undefined ? '' : ` (${unit})`}, got ${String(value)}`);
  }
  return value;
}
