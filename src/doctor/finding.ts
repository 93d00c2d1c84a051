/**
 * What `jwt-once doctor` found: one {@link Finding} per check (per server
 * where a store has several), gathered in a {@link DoctorReport}.
 */

/**
 * The outcome of one check.
 *
 * - `pass`: the store keeps the promise on this point.
 * - `warn`: it works, with a risk the finding names (a failure with `--strict`).
 * - `fail`: tokens can be replayed, or every claim is refused (exit status 1).
 * - `unknown`: the check could not run (a command the user may not send); the finding says what to grant.
 * - `skip`: not applicable, or left out on purpose (said why).
 *
 * @example
 * const failed = findings.some((f) => f.status === 'fail');
 */
export type FindingStatus = 'pass' | 'warn' | 'fail' | 'unknown' | 'skip';

/**
 * One check's result. Never holds a password: URLs are masked before they get here.
 *
 * @example
 * const finding: Finding = {
 *   check: 'eviction',
 *   server: '127.0.0.1:6379',
 *   status: 'fail',
 *   found: 'maxmemory 64mb, allkeys-lru',
 *   fix: 'CONFIG SET maxmemory-policy noeviction',
 * };
 */
export interface Finding {
  /** A stable name: `eviction`, `persistence`, `replicas`, `commands`, `clock`, `round-trip`, `table`, ... */
  readonly check: string;
  /** `host:port` of the server checked, for stores with several (a cluster's masters). */
  readonly server?: string;
  readonly status: FindingStatus;
  /** What was found, in a few words. */
  readonly found: string;
  /** What to do about it; absent when there is nothing to do. */
  readonly fix?: string;
}

/**
 * The kinds of store the doctor checks, by URL scheme.
 * @example
 * const kind: StoreKind = 'redis'; // redis:// and rediss://
 */
export type StoreKind = 'redis' | 'postgres' | 'sqlite' | 'memory';

/**
 * The whole report: printed as a table, or as JSON with `--json`.
 *
 * @example
 * { store: 'redis://app:***@redis:6379/0', kind: 'redis', verdict: 'fail', exitCode: 1, findings: [...] }
 */
export interface DoctorReport {
  /** The store URL with its password masked (`***`). */
  readonly store: string;
  readonly kind: StoreKind;
  /** `safe` (exit 0), `unsafe` (exit 1) or `unreachable` (exit 2). */
  readonly verdict: 'safe' | 'unsafe' | 'unreachable';
  readonly exitCode: 0 | 1 | 2;
  readonly findings: readonly Finding[];
}

/**
 * Exit status when every check passed (warnings allowed unless `--strict`).
 * @example
 * if (report.exitCode === EXIT_SAFE) console.log('safe');
 */
export const EXIT_SAFE = 0;
/**
 * Exit status when a check failed.
 * @example
 * process.exitCode = failed ? EXIT_UNSAFE : EXIT_SAFE;
 */
export const EXIT_UNSAFE = 1;
/**
 * Exit status when the store cannot be reached, or the arguments are wrong.
 * @example
 * return EXIT_UNREACHABLE; // after printing the usage
 */
export const EXIT_UNREACHABLE = 2;

/**
 * Thrown by a store's checks when it cannot connect at all: the report then
 * says `unreachable` and the exit status is 2.
 *
 * @example
 * throw new UnreachableError('connect ECONNREFUSED 127.0.0.1:6390', 'start the server, or check host, port and credentials');
 */
export class UnreachableError extends Error {
  constructor(
    message: string,
    readonly fix: string,
  ) {
    super(message);
    this.name = 'UnreachableError';
  }
}

/**
 * The report for a list of findings: unsafe when one failed (or, with
 * `strict`, warned), safe otherwise.
 *
 * @example
 * reportOf('sqlite:///var/claims.db', 'sqlite', findings, false).exitCode; // 0 or 1
 */
export function reportOf(store: string, kind: StoreKind, findings: readonly Finding[], strict: boolean): DoctorReport {
  const failed = findings.some((f) => f.status === 'fail' || (strict && f.status === 'warn'));
  return { store, kind, verdict: failed ? 'unsafe' : 'safe', exitCode: failed ? EXIT_UNSAFE : EXIT_SAFE, findings };
}
