// Finds the deno binary and runs the Deno KV server (deno/kv-server.ts),
// bundled from the sources by esbuild, on a local KV file.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { build } from 'esbuild';
import { stopChild } from '../../package/edge.js';

/**
 * Where deno is looked for, in order: $DENO; $JWT_ONCE_RUNTIMES_DIR/node_modules/.bin
 * (.ci/run); the `runtimes` folder of $JWT_ONCE_CI_TOOLS, else of /var/cache/jwt-once-ci
 * as root, else of ~/.cache/jwt-once-ci; the PATH.
 */
export function findDeno(): string | undefined {
  const tools =
    process.env.JWT_ONCE_CI_TOOLS || (process.getuid?.() === 0 ? '/var/cache/jwt-once-ci' : join(homedir(), '.cache/jwt-once-ci'));
  const candidates = [
    process.env.DENO,
    process.env.JWT_ONCE_RUNTIMES_DIR && join(process.env.JWT_ONCE_RUNTIMES_DIR, 'node_modules/.bin/deno'),
    join(tools, 'runtimes/node_modules/.bin/deno'),
    ...(process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, 'deno')),
  ];
  return candidates.find(
    (bin) => bin !== undefined && bin !== '' && existsSync(bin) && spawnSync(bin, ['--version'], { timeout: 30_000 }).status === 0,
  );
}

/** How to get deno for these tests. */
export const DENO_INSTALL =
  'install it outside the project with `npm install --prefix <dir> deno` and set JWT_ONCE_RUNTIMES_DIR=<dir> (or DENO=<path>), ' +
  'as .ci/run does into $JWT_ONCE_CI_TOOLS/runtimes';

/** Bundles the Deno KV server into `outfile` (ES module, Web APIs only). */
export async function bundleKvServer(outfile: string): Promise<void> {
  await build({
    entryPoints: [join(__dirname, '../deno/kv-server.ts')],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    logLevel: 'silent',
  });
}

/** Starts the bundled server on the KV file `kvPath`; resolves once it listens (bounded: 30 s). */
export async function startKvServer(deno: string, server: string, kvPath: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const dir = dirname(kvPath);
  const args = ['run', '--unstable-kv', '--allow-net=127.0.0.1', `--allow-read=${dir},${server}`, `--allow-write=${dir}`, server, kvPath];
  const child = spawn(deno, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  let output = '';
  child.stderr.on('data', (d: Buffer) => (output += d));
  const stop = async (): Promise<void> => {
    child.stdin.end();
    const timer = setTimeout(() => child.kill('SIGTERM'), 5000);
    await stopChild(child);
    clearTimeout(timer);
  };
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`deno did not listen within 30 s:\n${output}`)), 30_000);
      let lines = '';
      child.stdout.on('data', (d: Buffer) => {
        lines += d;
        const match = /\{"port":(\d+)\}/.exec(lines);
        if (match !== null) {
          clearTimeout(timer);
          resolve(Number(match[1]));
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`deno exited (${code}):\n${output}`));
      });
    });
    return { url: `http://127.0.0.1:${port}`, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
