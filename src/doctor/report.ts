import type { DoctorReport, FindingStatus } from './finding.js';

const LABELS: Record<FindingStatus, string> = { pass: 'ok', warn: 'WARN', fail: 'FAIL', unknown: '??', skip: 'skip' };

/**
 * The report as JSON (`--json`): `{ store, kind, verdict, exitCode, findings: [{ check, server?, status, found, fix? }] }`.
 *
 * @example
 * JSON.parse(reportJson(report)).verdict; // 'safe'
 */
export function reportJson(report: DoctorReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

/**
 * The report as a table for a terminal: one row per finding (status, check,
 * server, what was found), its fix on the line below, and the verdict.
 *
 * @example
 * process.stdout.write(reportTable(report));
 */
export function reportTable(report: DoctorReport): string {
  const rows = report.findings.map((f) => [LABELS[f.status], f.check, f.server ?? '', f.found]);
  const header = ['STATUS', 'CHECK', 'SERVER', 'FOUND'];
  const showServer = rows.some((r) => r[2] !== '');
  const columns = showServer ? [0, 1, 2, 3] : [0, 1, 3];
  const widths = columns.map((c) => Math.max(header[c]!.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]): string =>
    columns
      .map((c, i) => (i === columns.length - 1 ? cells[c]! : cells[c]!.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const indent = ' '.repeat(widths[0]! + 2);
  const lines = [`jwt-once doctor: ${report.store} (${report.kind})`, '', line(header)];
  report.findings.forEach((finding, i) => {
    lines.push(line(rows[i]!));
    if (finding.fix !== undefined && finding.status !== 'pass') lines.push(`${indent}fix: ${finding.fix}`);
  });
  const count = (status: FindingStatus): number => report.findings.filter((f) => f.status === status).length;
  const warnings = count('warn');
  const tally = [`${count('fail')} failed`, `${warnings} warning${warnings === 1 ? '' : 's'}`, `${count('unknown')} not checked`].join(
    ', ',
  );
  const verdict =
    report.verdict === 'unreachable'
      ? 'UNREACHABLE: nothing could be checked'
      : report.verdict === 'unsafe'
        ? `UNSAFE (${tally})`
        : `SAFE (${tally})`;
  lines.push('', `${verdict}; exit status ${report.exitCode}`, '');
  return lines.join('\n');
}
