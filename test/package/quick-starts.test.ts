// Every quick start of README.md, as written, run the way the README says:
// saved as a file in a project that installed the packed package (plus the
// framework packages the quick start imports), started with PORT and
// JWT_SECRET set, then sent one token twice: 200, then 401 for the replay.
// Packs once; one scratch project serves all five quick starts.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { freePort } from '../helpers/http.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jwt from 'jsonwebtoken';
import { cleanTree, importedPackages, installTarball, linkFromRoot, pack, ROOT } from './packed.js';

/** HS256 needs at least 32 bytes; the quick starts read it from JWT_SECRET. */
const SECRET = 'quick-start-test-secret-0123456789abcdef-0123456789abcdef-0123456';
const LOOPBACK = join(__dirname, 'fixtures/loopback-listen.cjs');
const FRAMEWORKS = ['Express', 'Koa', 'Hono', 'Fastify', 'Web'];

/** The first TypeScript block under each `### Quick start: <name>` heading of README.md. */
function quickStarts(): Map<string, string> {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const found = new Map<string, string>();
  for (const m of readme.matchAll(/^#{2,3} Quick start: (\w+)[^\n]*\n[\s\S]*?```ts\n([\s\S]*?)```/gm)) found.set(m[1]!, m[2]!);
  return found;
}

/**
 * Starts `node --import tsx <file>` in `project` (what `npx tsx <file>` runs), in
 * its own process group, kept on loopback by the preloaded fixture; resolves
 * with the port it listened on and a stopper. Bounded: 30 s to listen.
 */
async function start(project: string, file: string, port: number): Promise<{ listened: number; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, ['--require', LOOPBACK, '--import', 'tsx', file], {
    cwd: project,
    env: { ...process.env, PORT: String(port), JWT_SECRET: SECRET, NODE_OPTIONS: '' },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<void>((ok) => child.once('exit', () => ok()));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const signal = (name: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, name);
      } catch {
        // already gone
      }
    };
    signal('SIGTERM');
    const timer = setTimeout(() => signal('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  try {
    const listened = await new Promise<number>((ok, fail) => {
      const timer = setTimeout(() => fail(new Error(`${file} did not listen within 30 s:\n${output}`)), 30_000);
      const onData = (chunk: Buffer) => {
        output += chunk;
        const m = /^listening (\d+)$/m.exec(output);
        if (m !== null) {
          clearTimeout(timer);
          ok(Number(m[1]));
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', (code) => {
        clearTimeout(timer);
        fail(new Error(`${file} exited (${code}) before listening:\n${output}`));
      });
    });
    return { listened, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

describe('README quick starts, run as written from the packed package', () => {
  jest.setTimeout(300_000);
  const sources = quickStarts();
  let dir: string;
  let project: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'jwt-once-quick-'));
    const tree = join(dir, 'clone');
    mkdirSync(tree);
    cleanTree(tree);
    const tarball = pack(tree, dir);
    project = join(dir, 'app');
    installTarball(project, tarball);
    // What each quick start imports besides jwt-once (express, koa, @koa/router, hono, ...), and tsx to run it.
    const imported = [...sources.values()].flatMap(importedPackages).filter((name) => name !== 'jwt-once');
    linkFromRoot(project, [...new Set(imported), 'tsx']);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the README has one quick start per framework, each starting its own server on PORT', () => {
    expect([...sources.keys()]).toEqual(FRAMEWORKS);
    for (const [name, source] of sources) {
      expect([name, source]).toEqual([name, expect.stringContaining('process.env.JWT_SECRET')]);
      expect([name, source]).toEqual([name, expect.stringMatching(/(listen|serve)\([^\n]*Number\(process\.env\.PORT \?\? 3000\)/)]);
    }
  });

  it.each(FRAMEWORKS)('%s: listens on PORT, answers 200 to a token, then 401 to the same token', async (name) => {
    const file = `${name.toLowerCase()}-server.ts`;
    writeFileSync(join(project, file), sources.get(name)!);
    const port = await freePort();
    const server = await start(project, file, port);
    try {
      expect(server.listened).toBe(port);
      const token = jwt.sign({ sub: 'alice' }, SECRET, { algorithm: 'HS256', expiresIn: 60 });
      const post = () => fetch(`http://127.0.0.1:${port}/magic-login`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
      const first = await post();
      expect([first.status, await first.json()]).toEqual([200, { user: 'alice' }]);
      const replay = await post();
      expect([replay.status, await replay.json()]).toEqual([401, expect.objectContaining({ code: 'ERR_JWT_ONCE_REUSED' })]);
    } finally {
      await server.stop();
    }
  });
});
