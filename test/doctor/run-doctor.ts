// Runs `jwt-once doctor` as a user would: a child process (the CLI entry, run
// from its TypeScript source through tsx), with its exit status and output.
import { execFile } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'src', 'doctor', 'cli.ts');

/** What a run of the CLI left. */
export interface DoctorRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** One finding of the `--json` report. */
export interface JsonFinding {
  check: string;
  server?: string;
  status: 'pass' | 'warn' | 'fail' | 'unknown' | 'skip';
  found: string;
  fix?: string;
}

/** The `--json` report. */
export interface JsonReport {
  store: string;
  kind: string;
  verdict: 'safe' | 'unsafe' | 'unreachable';
  exitCode: number;
  findings: JsonFinding[];
}

/** Runs `jwt-once <args>` (e.g. `['doctor', url, '--json']`), `JWT_ONCE_STORE` unset unless given. */
export function runDoctor(args: string[], env: Record<string, string> = {}): Promise<DoctorRun> {
  const { JWT_ONCE_STORE: _unset, ...inherited } = process.env;
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', CLI, ...args],
      { cwd: ROOT, env: { ...inherited, ...env }, timeout: 90_000, encoding: 'utf8' },
      (err, stdout, stderr) => {
        const status = err === null ? 0 : typeof err.code === 'number' ? err.code : null;
        if (status === null) reject(new Error(`jwt-once ${args.join(' ')} did not exit by itself: ${String(err)}\n${stdout}\n${stderr}`));
        else resolve({ status, stdout, stderr });
      },
    );
  });
}

/** Runs `jwt-once doctor <url> --json [...more]`; returns the exit status and the parsed report. */
export async function doctorJson(url: string, ...more: string[]): Promise<{ status: number | null; report: JsonReport; stderr: string }> {
  const run = await runDoctor(['doctor', url, '--json', ...more]);
  let report: JsonReport;
  try {
    report = JSON.parse(run.stdout) as JsonReport;
  } catch {
    throw new Error(`jwt-once doctor ${url} --json printed no JSON (exit ${run.status}):\n${run.stdout}\n${run.stderr}`);
  }
  return { status: run.status, report, stderr: run.stderr };
}

/** The finding of `check` (on `server`, when given); fails the test when there is none. */
export function finding(report: JsonReport, check: string, server?: string): JsonFinding {
  const found = report.findings.find((f) => f.check === check && (server === undefined || f.server === server));
  if (found === undefined) throw new Error(`no "${check}" finding in ${JSON.stringify(report, null, 2)}`);
  return found;
}

const STATUSES = new Set(['pass', 'warn', 'fail', 'unknown', 'skip']);

/** Checks the documented `--json` shape: top-level keys, and each finding's keys and types. */
export function expectReportShape(report: JsonReport): void {
  expect(Object.keys(report).sort()).toEqual(['exitCode', 'findings', 'kind', 'store', 'verdict']);
  expect(['safe', 'unsafe', 'unreachable']).toContain(report.verdict);
  expect(report.exitCode).toBe({ safe: 0, unsafe: 1, unreachable: 2 }[report.verdict]);
  expect(report.findings.length).toBeGreaterThan(0);
  for (const f of report.findings) {
    for (const key of Object.keys(f)) expect(['check', 'server', 'status', 'found', 'fix']).toContain(key);
    expect(typeof f.check).toBe('string');
    expect(typeof f.found).toBe('string');
    expect(STATUSES.has(f.status)).toBe(true);
    if (f.status === 'fail' || f.status === 'warn') expect([f.check, typeof f.fix]).toEqual([f.check, 'string']); // each finding says the fix
  }
}
