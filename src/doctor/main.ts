import { parseArgs, USAGE } from './args.js';
import { EXIT_SAFE, EXIT_UNREACHABLE, reportOf, UnreachableError, type DoctorReport, type Finding, type StoreKind } from './finding.js';
import { checkPostgres } from './postgres.js';
import { describeError, maskUrl, scrub, secretsOf } from './redact.js';
import { checkRedis } from './redis.js';
import { reportJson, reportTable } from './report.js';
import { checkSqlite } from './sqlite.js';

/**
 * Where the doctor writes, and the environment it reads `JWT_ONCE_STORE` from.
 * @example
 * const io: DoctorIo = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t), env: process.env };
 */
export interface DoctorIo {
  /** The report (or `--help`). */
  out(text: string): void;
  /** Usage errors. */
  err(text: string): void;
  readonly env: Readonly<Record<string, string | undefined>>;
}

const KINDS: Record<string, StoreKind> = {
  redis: 'redis',
  rediss: 'redis',
  postgres: 'postgres',
  postgresql: 'postgres',
  sqlite: 'sqlite',
  memory: 'memory',
};

/** The checks of one kind of store; throws {@link UnreachableError} when it cannot connect. */
async function findingsFor(kind: StoreKind, url: string, timeout: number): Promise<Finding[]> {
  switch (kind) {
    case 'redis':
      return checkRedis(url, timeout);
    case 'postgres':
      return checkPostgres(url, timeout);
    case 'sqlite':
      return checkSqlite(url, timeout);
    case 'memory':
      return [
        {
          check: 'scope',
          status: 'warn',
          found: 'a memory store: it protects one process, and forgets every claim when that process restarts',
          fix: 'for several processes or hosts, use sqlite:// (one machine), redis:// or postgres:// (a fleet)',
        },
      ];
  }
}

/**
 * Runs `jwt-once doctor` with `argv` (without `node` and the script): checks
 * the store, writes the report as a table (or JSON with `--json`) and
 * resolves the exit status: 0 safe, 1 a check failed (or warned, with
 * `--strict`), 2 cannot connect or bad arguments (the usage is printed).
 * Passwords in the URL never appear in the output.
 *
 * @example
 * const status = await runDoctor(['doctor', 'redis://127.0.0.1:6379', '--json'], {
 *   out: (t) => process.stdout.write(t),
 *   err: (t) => process.stderr.write(t),
 *   env: process.env,
 * });
 */
export async function runDoctor(argv: readonly string[], io: DoctorIo): Promise<number> {
  const parsed = parseArgs(argv, io.env);
  if (parsed.kind === 'help') {
    io.out(`${USAGE}\n`);
    return EXIT_SAFE;
  }
  if (parsed.kind === 'error') {
    io.err(`jwt-once: ${parsed.message}\n\n${USAGE}\n`);
    return EXIT_UNREACHABLE;
  }
  const { url, json, strict, timeout } = parsed.args;
  const masked = maskUrl(url);
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  const kind = scheme === undefined ? undefined : KINDS[scheme];
  if (kind === undefined || (kind !== 'sqlite' && kind !== 'memory' && !URL.canParse(url))) {
    io.err(
      `jwt-once: ${kind === undefined ? 'unknown store URL scheme' : 'malformed store URL'} ${masked}; ` +
        `use redis://, rediss://, postgres://, sqlite:// or memory://\n\n${USAGE}\n`,
    );
    return EXIT_UNREACHABLE;
  }
  const secrets = secretsOf(url);
  let report: DoctorReport;
  try {
    report = reportOf(masked, kind, await findingsFor(kind, url, timeout), strict);
  } catch (err) {
    const finding: Finding =
      err instanceof UnreachableError
        ? { check: 'connect', status: 'fail', found: err.message, fix: err.fix }
        : {
            check: 'connect',
            status: 'fail',
            found: `cannot check: ${describeError(err)}`,
            fix: 'fix what the message names, then run the doctor again',
          };
    report = { store: masked, kind, verdict: 'unreachable', exitCode: EXIT_UNREACHABLE, findings: [finding] };
  }
  const clean = (text: string): string => scrub(text, secrets);
  report = {
    ...report,
    // One key order for every finding: check, server, status, found, fix.
    findings: report.findings.map((f) => ({
      check: f.check,
      ...(f.server === undefined ? {} : { server: f.server }),
      status: f.status,
      found: clean(f.found),
      ...(f.fix === undefined ? {} : { fix: clean(f.fix) }),
    })),
  };
  io.out(json ? reportJson(report) : reportTable(report));
  return report.exitCode;
}
