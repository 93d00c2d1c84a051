// Shared bench harness: interleaved rounds, medians, ratios, bars, and the
// rows BENCHMARKS.md is written from. Numbers on a shared machine are noisy:
// only medians of interleaved rounds and ratios measured in the same run count.
import type { KeyObject } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import jwt, { type Algorithm } from 'jsonwebtoken';

/** Command-line switches: `--quick` for a short run, `--only core,http` to pick scenarios. */
export interface BenchArgs {
  quick: boolean;
  only: string[] | undefined;
}

export function parseArgs(argv: readonly string[]): BenchArgs {
  const onlyArg = argv.find((a) => a.startsWith('--only='));
  return {
    quick: argv.includes('--quick'),
    only: onlyArg === undefined ? undefined : onlyArg.slice('--only='.length).split(',').filter(Boolean),
  };
}

export const args = parseArgs(process.argv.slice(2));

/** Pick the quick or the full value. */
export function pick<T>(quick: T, full: T): T {
  return args.quick ? quick : full;
}

/** One candidate of a scenario: each call runs one sample and returns its rate (ops/s). */
export interface Candidate {
  name: string;
  sample: () => Promise<number> | number;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Runs every candidate once per round, in an order rotated each round (so no
 * candidate always runs first, right after a GC or a warm-up), for `rounds`
 * rounds after `warmup` unrecorded rounds. Returns the median rate of each.
 */
export async function interleave(
  candidates: readonly Candidate[],
  rounds: number,
  warmup = 1,
): Promise<Map<string, { median: number; samples: number[] }>> {
  const samples = new Map<string, number[]>(candidates.map((c) => [c.name, []]));
  for (let round = -warmup; round < rounds; round++) {
    const offset = ((round % candidates.length) + candidates.length) % candidates.length;
    for (let i = 0; i < candidates.length; i++) {
      const candidate = candidates[(i + offset) % candidates.length]!;
      const rate = await candidate.sample();
      if (round >= 0) samples.get(candidate.name)!.push(rate);
    }
  }
  const out = new Map<string, { median: number; samples: number[] }>();
  for (const [name, values] of samples) out.set(name, { median: median(values), samples: values });
  return out;
}

/** Times `count` operations done by `run` and returns ops/s. */
export async function rate(count: number, run: () => Promise<void> | void): Promise<number> {
  const start = performance.now();
  await run();
  const ms = performance.now() - start;
  return (count * 1000) / ms;
}

/** One line of the results table. */
export interface Row {
  scenario: string;
  candidate: string;
  /** The measured median, formatted with its unit. */
  value: string;
  /** What the ratio is taken against, and its median. */
  baseline?: string;
  ratio?: number;
  /** The bar, e.g. '>= 0.8x' or '<= 200 B'. */
  bar?: string;
  pass?: boolean;
}

export const rows: Row[] = [];
export const skipped: { scenario: string; reason: string }[] = [];
/** Claims/s per store, for the chart. */
export const storeRates: { store: string; rate: number }[] = [];

export function fmtRate(opsPerSecond: number, unit = 'ops/s'): string {
  if (!Number.isFinite(opsPerSecond)) return 'n/a';
  const digits = opsPerSecond >= 100 ? 0 : 1;
  return `${opsPerSecond.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })} ${unit}`;
}

export function fmtRatio(ratio: number): string {
  return `${ratio.toFixed(2)}x`;
}

/** Records a candidate against a baseline and a minimum ratio (`minRatio` undefined: for information). */
export function compare(
  scenario: string,
  candidate: string,
  value: number,
  baselineName: string,
  baseline: number,
  minRatio: number | undefined,
  unit = 'ops/s',
): Row {
  const ratio = value / baseline;
  const row: Row = {
    scenario,
    candidate,
    value: fmtRate(value, unit),
    baseline: `${baselineName}: ${fmtRate(baseline, unit)}`,
    ratio,
    ...(minRatio !== undefined && { bar: `>= ${minRatio.toFixed(2)}x`, pass: ratio >= minRatio }),
  };
  rows.push(row);
  const verdict = row.pass === undefined ? '(info)' : row.pass ? 'PASS' : 'FAIL';
  log(`  ${candidate}: ${row.value} vs ${row.baseline} = ${fmtRatio(ratio)} ${row.bar ?? ''} ${verdict}`);
  return row;
}

/** Records a measured value with an optional bar of its own. */
export function record(scenario: string, candidate: string, value: string, bar?: string, pass?: boolean): Row {
  const row: Row = { scenario, candidate, value, ...(bar !== undefined && { bar }), ...(pass !== undefined && { pass }) };
  rows.push(row);
  const verdict = pass === undefined ? '' : pass ? 'PASS' : 'FAIL';
  log(`  ${candidate}: ${value} ${bar ?? ''} ${verdict}`);
  return row;
}

export function skip(scenario: string, reason: string): void {
  skipped.push({ scenario, reason });
  log(`  skipped: ${reason}`);
}

export function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** Prints every candidate's median (and the spread of its samples) of one scenario. */
export function printMedians(title: string, results: Map<string, { median: number; samples: number[] }>, unit = 'ops/s'): void {
  log(`  ${title} medians:`);
  for (const [name, { median: m, samples }] of results) {
    const lo = Math.min(...samples);
    const hi = Math.max(...samples);
    log(`    ${name.padEnd(34)} ${fmtRate(m, unit).padStart(16)}   (min ${fmtRate(lo, '')}, max ${fmtRate(hi, '')}, n=${samples.length})`);
  }
}

/** A unique prefix for shared resources (Redis keys, temp files) of this run. */
export const runId = `jwt-once-bench:${process.pid}:${Date.now().toString(36)}`;

let tokenCounter = 0;

/**
 * Signs `count` distinct tokens valid for an hour (no `jti`, so jwt-once keys
 * them by the SHA-256 of the signed part: its slower path). Every token is
 * new, so a claim never meets a replay.
 */
export function signTokens(count: number, key: KeyObject | string, algorithm: Algorithm, ttl = 3600): string[] {
  const iat = Math.floor(Date.now() / 1000);
  const options = { algorithm };
  const out = new Array<string>(count);
  for (let i = 0; i < count; i++) {
    out[i] = jwt.sign({ sub: `user-${i % 1000}`, iat, exp: iat + ttl, n: `${runId}:${++tokenCounter}` }, key, options);
  }
  return out;
}
