// Starts each example as its own process on a free port, as a user would: from
// a scratch project outside the repository that installed the packed package
// and the packages the example's header says to install, so `jwt-once/...`
// resolves to the built package, not to the sources. Then checks over real
// HTTP that a token passes once and is refused on replay.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { freePort } from '../helpers/http.js';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import jwt from 'jsonwebtoken';
import { cleanTree, importedPackages, installTarball, linkFromRoot, pack } from '../package/packed.js';

const ROOT = resolve(__dirname, '../..');
const EXAMPLES = join(ROOT, 'examples');
const SECRET = 'examples-smoke-test-secret-0123456789abcdef-0123456789abcdef-0123';
const FILES = readdirSync(EXAMPLES)
  .filter((f) => f.endsWith('.ts'))
  .sort();
const source = (file: string): string => readFileSync(join(EXAMPLES, file), 'utf8');

/** The packages of the header's `//   npm install ...` line. */
function installLine(text: string): string[] | undefined {
  return /^\/\/\s+npm install ([^\n(]+)$/m.exec(text)?.[1]!.trim().split(/\s+/);
}

/** A project outside the repository: the packed jwt-once, what each example's header installs, tsx, and examples/. */
let project: string | undefined;
let scratch: string | undefined;
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'jwt-once-examples-'));
  const tree = join(scratch, 'clone');
  mkdirSync(tree);
  cleanTree(tree);
  const tarball = pack(tree, scratch);
  project = join(scratch, 'app');
  installTarball(project, tarball);
  const packages = FILES.flatMap((file) => installLine(source(file)) ?? []).filter((name) => name !== 'jwt-once');
  linkFromRoot(project, [...new Set(packages), 'tsx']);
  // Nest's decorators (examples/nest.ts) are TypeScript's legacy ones: what `nest new` puts in tsconfig.json, read by tsx.
  writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions: { experimentalDecorators: true } }));
  mkdirSync(join(project, 'examples'));
  for (const file of FILES) copyFileSync(join(EXAMPLES, file), join(project, 'examples', file));
}, 300_000);
afterAll(() => {
  if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
});

interface Running {
  port: number;
  output: () => string;
  stop: () => Promise<void>;
}

/** Spawns `node --import tsx examples/<file>` (what `npx tsx` runs) in the scratch project, in its own process group; resolves once it printed its curl hint. */
async function start(file: string, env: Record<string, string> = {}): Promise<Running> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', `examples/${file}`], {
    cwd: project!,
    env: { ...process.env, PORT: String(port), JWT_ONCE_SECRET: SECRET, ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<void>((ok) => child.once('exit', () => ok()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {
      return;
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }, 3000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await new Promise<void>((ok, fail) => {
      const timer = setTimeout(() => fail(new Error(`${file} did not start within 30 s:\n${output}`)), 30_000);
      child.stdout!.on('data', () => {
        if (output.includes('curl -i')) {
          clearTimeout(timer);
          ok();
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        fail(new Error(`${file} exited (${code}) before listening:\n${output}`));
      });
    });
  } catch (err) {
    await stop();
    throw err;
  }
  return { port, output: () => output, stop };
}

/** POST on a fresh connection (so a cluster spreads requests over its workers). */
function post(port: number, path: string, token: string): Promise<{ status: number; worker?: string; body: string }> {
  return new Promise((ok, fail) => {
    const req = request(
      { host: '127.0.0.1', port, path, method: 'POST', agent: false, headers: { authorization: `Bearer ${token}` } },
      (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (chunk) => (body += chunk));
        res.on('end', () => ok({ status: res.statusCode!, worker: res.headers['x-worker'] as string | undefined, body }));
      },
    );
    req.on('error', fail).end();
  });
}

const token = (sub: string) => jwt.sign({ sub, n: Math.random() }, SECRET, { algorithm: 'HS256', expiresIn: 60 });

async function expectOnce(port: number, path: string, replays = 1): Promise<Array<string | undefined>> {
  const t = token('smoke@example.com');
  const first = await post(port, path, t);
  expect(first).toMatchObject({ status: 200 });
  expect(first.body).toContain('"smoke@example.com"');
  const workers = [first.worker];
  for (let i = 0; i < replays; i++) {
    const replay = await post(port, path, t);
    expect(replay.status).toBe(401);
    expect(JSON.parse(replay.body)).toMatchObject({ code: 'ERR_JWT_ONCE_REUSED' });
    workers.push(replay.worker);
  }
  return workers;
}

const redisReachable =
  spawnSync(
    process.execPath,
    ['-e', "require('net').connect(6379,'127.0.0.1').on('connect',()=>process.exit(0)).on('error',()=>process.exit(1))"],
    {
      timeout: 3000,
    },
  ).status === 0;

describe('examples', () => {
  jest.setTimeout(60_000);
  let running: Running | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await running?.stop();
    running = undefined;
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('each example declares what it imports in its header install line, and has a default port of its own', () => {
    const ports = new Map<string, number>();
    for (const file of FILES) {
      const text = source(file);
      const install = installLine(text);
      expect([file, install]).toEqual([file, expect.arrayContaining(['jwt-once'])]);
      expect([file, importedPackages(text).filter((name) => !install!.includes(name))]).toEqual([file, []]);
      const port = /process\.env\.PORT \?\? (\d+)\)/.exec(text)?.[1];
      if (port !== undefined) ports.set(file, Number(port));
    }
    expect([...ports.keys()]).toEqual(FILES.filter((file) => file !== 'demo.ts')); // the demo listens on port 0
    expect(new Set(ports.values()).size).toBe(ports.size);
  });

  it('runs from the scratch project: jwt-once is the installed package, not the sources', () => {
    const resolved = spawnSync(process.execPath, ['-p', "require.resolve('jwt-once/express')"], { cwd: project!, encoding: 'utf8' });
    expect(resolved.stdout.trim()).toBe(join(project!, 'node_modules/jwt-once/dist/cjs/adapters/express/index.js'));
    expect(project!.startsWith(ROOT)).toBe(false);
  });

  it.each([
    ['express.ts', ['/magic-login']],
    ['koa.ts', ['/magic-login', '/reset-password']],
    ['hono.ts', ['/magic-login', '/transfer']],
    ['fastify.ts', ['/magic-login', '/transfer', '/pay']],
    ['web.ts', ['/magic-login', '/confirm']],
    ['nest.ts', ['/magic-login', '/pay']],
  ])('%s passes a token once and refuses its replay', async (file, paths) => {
    running = await start(file);
    expect(running.output()).toContain(`http://127.0.0.1:${running.port}/magic-login`);
    for (const path of paths) await expectOnce(running.port, path);
  });

  it('sqlite-cluster.ts: workers sharing one SQLite file refuse a replay on every worker', async () => {
    dir = mkdtempSync(join(tmpdir(), 'jwt-once-example-'));
    running = await start('sqlite-cluster.ts', { JWT_ONCE_STORE: `sqlite://${join(dir, 'claims.db')}`, WORKERS: '2' });
    const workers = await expectOnce(running.port, '/magic-login', 4);
    expect(new Set(workers).size).toBe(2);
  });

  (redisReachable ? it : it.skip)(
    'express-redis.ts: workers sharing Redis refuse a replay on every worker (needs Redis on 127.0.0.1:6379)',
    async () => {
      running = await start('express-redis.ts', { JWT_ONCE_STORE: 'redis://127.0.0.1:6379', WORKERS: '2' });
      const workers = await expectOnce(running.port, '/magic-login', 4);
      expect(new Set(workers).size).toBe(2);
    },
  );

  it('npm run demo covers the three frameworks and exits 0', () => {
    const demo = spawnSync(process.execPath, ['--import', 'tsx', 'examples/demo.ts'], { cwd: project!, encoding: 'utf8', timeout: 30_000 });
    expect(demo.status).toBe(0);
    for (const name of ['Express', 'Koa', 'Hono']) expect(demo.stdout).toContain(`${name} app on`);
    expect(demo.stdout.match(/first use -> 200/g)).toHaveLength(3);
    expect(demo.stdout.match(/replay {4}-> 401/g)).toHaveLength(3);
  });
});
