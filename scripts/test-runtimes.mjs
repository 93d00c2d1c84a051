// Runs the runtime smoke (test/runtimes/smoke.ts) against the built package
// under Node (a baseline, through tsx), Bun and Deno: `npm run test:runtimes`
// (which builds first). Bun and Deno are not devDependencies (~200 MB); this
// looks for them, in order, in
//   1. $JWT_ONCE_RUNTIMES_DIR/node_modules/.bin  (what .ci/run installs),
//   2. $HOME/.cache/jwt-once-ci/runtimes/node_modules/.bin  (.ci/run's default),
//   3. the PATH,
// and says which binary ran. A missing runtime is skipped with a message,
// unless CI=true, where it fails. Exits 1 when any smoke fails.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

const SMOKE = 'test/runtimes/smoke.ts';
const REQUIRED = process.env.CI === 'true';
const dirs = [
  process.env.JWT_ONCE_RUNTIMES_DIR && join(process.env.JWT_ONCE_RUNTIMES_DIR, 'node_modules/.bin'),
  join(homedir(), '.cache/jwt-once-ci/runtimes/node_modules/.bin'),
  ...(process.env.PATH ?? '').split(delimiter),
].filter(Boolean);

/** The first `name` binary that answers `--version`, with its version line. */
function find(name) {
  for (const dir of dirs) {
    const bin = join(dir, name);
    if (!existsSync(bin)) continue;
    const probe = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 30_000 });
    // `bun --version` prints 1.4.5; `deno --version` prints "deno 2.9.6 (stable, ...)".
    if (probe.status === 0)
      return {
        bin,
        version: probe.stdout
          .split('\n')[0]
          .replace(`${name} `, '')
          .replace(/ \(.*$/, '')
          .trim(),
      };
    console.warn(`test:runtimes: ${bin} does not run (${(probe.stderr || String(probe.error)).split('\n')[0]}); looking further`);
  }
  return undefined;
}

const runtimes = [
  { name: 'node', found: { bin: process.execPath, version: process.versions.node }, args: ['--import', 'tsx', SMOKE] },
  { name: 'bun', found: find('bun'), args: [SMOKE] },
  {
    name: 'deno',
    found: find('deno'),
    // Reads node_modules through package.json (no --node-modules-dir needed); FFI and sys for the sqlite3 addon.
    args: ['run', '--allow-net=127.0.0.1', '--allow-read', `--allow-write=${tmpdir()}`, '--allow-env', '--allow-ffi', '--allow-sys', SMOKE],
  },
];

const results = [];
for (const { name, found, args } of runtimes) {
  if (found === undefined) {
    const why =
      `${name} not found in ${dirs.slice(0, 2).join(' or ')} or on the PATH ` +
      '(install: npm install --prefix <dir> bun deno, then JWT_ONCE_RUNTIMES_DIR=<dir>)';
    console.log(`\n=== ${name}: ${REQUIRED ? 'MISSING' : 'skipped'}: ${why}`);
    results.push(`${name}: ${REQUIRED ? 'MISSING (CI=true requires it)' : 'skipped, not installed'}`);
    continue;
  }
  console.log(`\n=== ${name} ${found.version} (${found.bin})`);
  const run = spawnSync(found.bin, args, { stdio: 'inherit', timeout: 300_000, env: { ...process.env, NO_COLOR: '1' } });
  const ok = run.status === 0;
  results.push(`${name} ${found.version}: ${ok ? 'passed' : `FAILED (${run.error ?? `exit ${run.status ?? run.signal}`})`}`);
}

console.log(`\ntest:runtimes: ${results.join('; ')}`);
const bad = results.some((r) => r.includes('FAILED') || r.includes('MISSING'));
process.exit(bad ? 1 : 0);
