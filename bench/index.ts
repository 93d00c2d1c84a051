// npm run bench [-- --quick] [-- --only=core,memory,redis,sqlite,postgres,http,dpop,jose]
// Runs every scenario, prints medians and ratios, and rewrites BENCHMARKS.md
// (from bench/BENCHMARKS.template.md) and bench/claims-per-store.svg.
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { runCore } from './core.js';
import { runDpop } from './dpop.js';
import { args, fmtRatio, log, rows, skipped, storeRates, type Row } from './harness.js';
import { runHttp } from './http.js';
import { runJose } from './jose.js';
import { runMemory } from './memory.js';
import { runPostgres } from './postgres.js';
import { runRedis } from './redis.js';
import { runSqlite } from './sqlite.js';

const scenarios: [string, () => Promise<void>][] = [
  ['core', runCore],
  ['redis', runRedis],
  ['sqlite', runSqlite],
  ['postgres', runPostgres],
  ['http', runHttp],
  ['memory', runMemory],
  ['dpop', runDpop],
  ['jose', runJose],
];

const ROOT = join(__dirname, '..');

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A horizontal bar chart of claims/s per store, hand-written SVG. */
export function chartSvg(data: readonly { store: string; rate: number }[]): string {
  const width = 720;
  const labelWidth = 220;
  const barHeight = 28;
  const gap = 12;
  const top = 48;
  const height = top + data.length * (barHeight + gap) + 24;
  const max = Math.max(1, ...data.map((d) => d.rate));
  const scale = (width - labelWidth - 120) / max;
  const bars = data
    .map((d, i) => {
      const y = top + i * (barHeight + gap);
      const w = Math.max(1, d.rate * scale);
      return [
        `  <text x="${labelWidth - 8}" y="${y + barHeight / 2 + 5}" text-anchor="end">${escapeXml(d.store)}</text>`,
        `  <rect x="${labelWidth}" y="${y}" width="${w.toFixed(1)}" height="${barHeight}" fill="#3b6ea5" rx="3"/>`,
        `  <text x="${(labelWidth + w + 6).toFixed(1)}" y="${y + barHeight / 2 + 5}">${Math.round(d.rate).toLocaleString('en-US')}/s</text>`,
      ].join('\n');
    })
    .join('\n');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="13">`,
    `  <rect width="100%" height="100%" fill="#ffffff"/>`,
    `  <text x="${width / 2}" y="24" text-anchor="middle" font-size="15" font-weight="bold">jwt-once claims/s per store (HS256, median, higher is better)</text>`,
    bars || `  <text x="${width / 2}" y="${top + 16}" text-anchor="middle">no store was measured</text>`,
    '</svg>',
    '',
  ].join('\n');
}

function cell(text: string | undefined): string {
  return (text ?? '').replace(/\|/g, '\\|');
}

function tableOf(all: readonly Row[]): string {
  const lines = ['| scenario | candidate | median | baseline (median) | ratio | bar | result |', '|---|---|---|---|---|---|---|'];
  for (const r of all) {
    const result = r.pass === undefined ? 'info' : r.pass ? 'pass' : '**FAIL**';
    lines.push(
      `| ${cell(r.scenario)} | ${cell(r.candidate)} | ${cell(r.value)} | ${cell(r.baseline)} | ${r.ratio === undefined ? '' : fmtRatio(r.ratio)} | ${cell(r.bar)} | ${result} |`,
    );
  }
  return lines.join('\n');
}

function machine(): string {
  const list = cpus();
  const model = list[0]?.model.trim() ?? 'unknown CPU';
  return `${list.length} x ${model}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version} (${process.platform}/${process.arch}), shared with other jobs while it ran`;
}

function writeReport(): void {
  const command = args.quick ? 'npm run bench -- --quick' : 'npm run bench';
  const failing = rows.filter((r) => r.pass === false);
  const template = readFileSync(join(__dirname, 'BENCHMARKS.template.md'), 'utf8');
  const text = template
    .replaceAll('{{command}}', command)
    .replace('{{date}}', new Date().toISOString().slice(0, 10))
    .replace('{{machine}}', machine())
    .replace('{{table}}', tableOf(rows))
    .replace('{{skipped}}', skipped.length === 0 ? 'None.' : skipped.map((s) => `- ${s.scenario}: skipped: ${s.reason}`).join('\n'))
    .replace(
      '{{failing}}',
      failing.length === 0
        ? 'Every bar was met in this run.'
        : failing
            .map(
              (r) =>
                `- ${r.scenario}: ${r.candidate}: ${r.value} vs ${r.baseline ?? ''} ${r.ratio === undefined ? '' : `= ${fmtRatio(r.ratio)}`}, bar ${r.bar ?? ''}`,
            )
            .join('\n'),
    );
  writeFileSync(join(ROOT, 'BENCHMARKS.md'), text);
  writeFileSync(join(__dirname, 'claims-per-store.svg'), chartSvg(storeRates));
  log(`\nwrote BENCHMARKS.md and bench/claims-per-store.svg (${rows.length} rows, ${failing.length} failing, ${skipped.length} skipped)`);
}

async function main(): Promise<void> {
  log(`jwt-once benchmarks (${args.quick ? 'quick' : 'full'}) on ${machine()}`);
  for (const [name, run] of scenarios) {
    if (args.only !== undefined && !args.only.includes(name)) continue;
    try {
      await run();
    } catch (err) {
      skipped.push({ scenario: name, reason: `crashed: ${err instanceof Error ? err.message : String(err)}` });
      log(`  ${name} crashed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    }
  }
  writeReport();
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
