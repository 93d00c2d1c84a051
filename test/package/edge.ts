// Bundles a Workers entry with esbuild the way wrangler does with
// `nodejs_compat`, and runs it in workerd, for the packaging tests.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { build, type Plugin } from 'esbuild';
import { ROOT } from './packed.js';

/**
 * The optional peers the main entry must never pull into a bundle: every
 * optional peer dependency except the framework the entry uses.
 */
export function optionalPeers(except: string[]): string[] {
  const { peerDependenciesMeta = {} } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  };
  return Object.keys(peerDependenciesMeta).filter((name) => peerDependenciesMeta[name]!.optional === true && !except.includes(name));
}

const escape = (name: string): string => name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/**
 * Node built-ins stay imports (`node:crypto`, provided by `nodejs_compat`); a
 * `require('crypto')` inside a CommonJS dependency becomes an import of the
 * module's default export, as wrangler does. Resolving any of `forbidden` fails the build.
 */
function workersNodeCompat(forbidden: string[]): Plugin {
  const builtins = new RegExp(
    `^(node:)?(${builtinModules
      .filter((m) => !m.startsWith('_'))
      .map(escape)
      .join('|')})$`,
  );
  return {
    name: 'workers-node-compat',
    setup(b) {
      if (forbidden.length > 0) {
        b.onResolve({ filter: new RegExp(`^(${forbidden.map(escape).join('|')})(/|$)`) }, (args) => ({
          errors: [{ text: `${args.path} is an optional peer: a bundle of the main entry must not need it` }],
        }));
      }
      b.onResolve({ filter: builtins }, (args) => {
        const path = args.path.startsWith('node:') ? args.path : `node:${args.path}`;
        return args.kind === 'require-call' ? { path, namespace: 'node-require' } : { path, external: true };
      });
      b.onLoad({ filter: /.*/, namespace: 'node-require' }, (args) => ({
        contents: `import m from '${args.path}';\nmodule.exports = m;\n`,
        loader: 'js',
      }));
    },
  };
}

/** Bundles `entry` for workerd (ES module, browser/worker conditions); returns the bundled input paths. */
export async function bundleForWorkers(entry: string, outfile: string, forbidden: string[]): Promise<string[]> {
  const result = await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    mainFields: ['module', 'main'],
    conditions: ['workerd', 'worker', 'browser'],
    plugins: [workersNodeCompat(forbidden)],
    metafile: true,
    logLevel: 'silent',
  });
  return Object.keys(result.metafile.inputs);
}

/**
 * Where .ci/run installs workerd (`npm install --prefix <this> workerd`): the
 * `workerd` folder of $JWT_ONCE_CI_TOOLS, else of /var/cache/jwt-once-ci as
 * root, else of ~/.cache/jwt-once-ci.
 */
export function workerdToolsDir(): string {
  const tools =
    process.env.JWT_ONCE_CI_TOOLS || (process.getuid?.() === 0 ? '/var/cache/jwt-once-ci' : join(homedir(), '.cache/jwt-once-ci'));
  return join(tools, 'workerd');
}

/** The workerd binary: $WORKERD, else the one .ci/run installed into {@link workerdToolsDir}. */
export function findWorkerd(): string | undefined {
  const candidates = [process.env.WORKERD, join(workerdToolsDir(), 'node_modules/.bin/workerd')];
  return candidates.find(
    (bin) => bin !== undefined && bin !== '' && existsSync(bin) && spawnSync(bin, ['--version'], { timeout: 10_000 }).status === 0,
  );
}

/** Waits for `child` to exit: 5 s after the caller asked it to stop, then SIGKILL. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/** The compatibility flags the bundle needs: jsonwebtoken uses Node's crypto, buffer, stream and util. */
export const COMPATIBILITY = { date: '2025-09-01', flags: ['nodejs_compat'] };

/**
 * Serves `dir/worker.mjs` with workerd on a free loopback port; resolves with
 * its base URL and a stopper once it listens (bounded: 20 s). `config`
 * replaces the default config.capnp (one worker, socket `http` on port 0).
 */
export async function startWorkerd(bin: string, dir: string, config?: string): Promise<{ url: string; stop: () => Promise<void> }> {
  writeFileSync(
    join(dir, 'config.capnp'),
    config ??
      `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .worker) ],
  sockets = [ (name = "http", address = "127.0.0.1:0", http = (), service = "main") ],
);
const worker :Workerd.Worker = (
  modules = [ (name = "worker.mjs", esModule = embed "worker.mjs") ],
  compatibilityDate = "${COMPATIBILITY.date}",
  compatibilityFlags = [${COMPATIBILITY.flags.map((f) => `"${f}"`).join(', ')}],
);
`,
  );
  // workerd reports the port it bound on the control fd (3) as JSON lines.
  const child = spawn(bin, ['serve', join(dir, 'config.capnp'), '--control-fd=3'], { stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d));
  child.stderr!.on('data', (d: Buffer) => (output += d));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await stopChild(child);
  };
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`workerd did not listen within 20 s:\n${output}`)), 20_000);
      let control = '';
      (child.stdio[3] as NodeJS.ReadableStream).on('data', (d: Buffer) => {
        control += d;
        const listen = control
          .split('\n')
          .slice(0, -1)
          .map((line) => (line.startsWith('{') ? (JSON.parse(line) as { event?: string; port?: number }) : {}))
          .find((e) => e.event === 'listen');
        if (listen?.port !== undefined) {
          clearTimeout(timer);
          resolve(listen.port);
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`workerd exited (${code}):\n${output}`));
      });
    });
    return { url: `http://127.0.0.1:${port}`, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** How to get the workerd binary the package test runs the Workers bundle in (no path of any one machine). */
export const WORKERD_INSTALL =
  'install it outside the project with `npm install --prefix <dir> workerd` and set WORKERD=<dir>/node_modules/.bin/workerd, ' +
  'or install it where .ci/run does (`npm install --prefix $JWT_ONCE_CI_TOOLS/workerd workerd`)';
