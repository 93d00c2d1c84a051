import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeStores } from '../../src/index.js';
import { waitUntil } from '../helpers/wait.js';

/** Redis tests must run in CI; elsewhere they may skip with a message. */
export const REQUIRE_REDIS = process.env.CI === 'true';
export const SHARED_REDIS_URL = 'redis://127.0.0.1:6379';

const PING = `
const s = require('node:net').connect(+process.argv[1], '127.0.0.1');
s.setTimeout(1500, () => process.exit(1));
s.on('error', () => process.exit(1));
s.on('connect', () => s.write('PING\\r\\n'));
s.on('data', (d) => process.exit(String(d).startsWith('+PONG') ? 0 : 1));
`;

/** True when a Redis answers PING on 127.0.0.1:`port` (checked synchronously, so `describe` can branch on it). */
export function redisAnswers(port = 6379): boolean {
  return spawnSync(process.execPath, ['-e', PING, String(port)], { timeout: 3000 }).status === 0;
}

/** True when `redis-server` and `redis-cli` are on the PATH. */
export function hasRedisBinaries(): boolean {
  return ['redis-server', 'redis-cli'].every((bin) => spawnSync(bin, ['--version'], { timeout: 3000 }).status === 0);
}

/**
 * `describe` when the requirement holds; in CI a missing Redis fails the run,
 * elsewhere the suite is skipped with a clear message.
 */
export function describeWithRedis(name: string, available: boolean, why: string, body: () => void): void {
  if (available) {
    describe(name, body);
  } else if (REQUIRE_REDIS) {
    describe(name, () => {
      it('needs Redis (CI=true: Redis tests must run)', () => {
        throw new Error(`${why}; CI=true requires it`);
      });
    });
  } else {
    // eslint-disable-next-line no-console
    console.warn(`[jwt-once tests] skipping "${name}": ${why} (set CI=true to make this a failure)`);
    describe.skip(name, body);
  }
}

/** A free TCP port on loopback (and, for cluster nodes, port + 10000 too). */
export async function freePort(clusterBus = false): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    if (!clusterBus) return port;
    if (port + 10000 < 65536 && (await portFree(port + 10000))) return port;
  }
  throw new Error('no free port pair (port, port + 10000) in 100 attempts');
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

function waitFor(check: () => boolean, ms: number, what: string): Promise<void> {
  return waitUntil(check, { ms, every: 50, what });
}

/** A private redis-server on loopback, started and stopped by a test. */
export class PrivateRedis {
  private child: ChildProcess | undefined;
  readonly dir = mkdtempSync(join(tmpdir(), 'jwt-once-redis-'));

  constructor(
    readonly port: number,
    private readonly extra: string[] = [],
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.dir, ...this.extra],
      { stdio: 'ignore' },
    );
    this.child = child;
    let exited = false;
    child.once('exit', () => {
      exited = true;
    });
    await waitFor(() => exited || redisAnswers(this.port), 5000, `redis-server on port ${this.port}`);
    if (exited) throw new Error(`redis-server on port ${this.port} exited at start`);
  }

  /** SIGKILL: an outage, not a shutdown. */
  async kill(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child === undefined || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A 3-master Redis Cluster on loopback ports, started and stopped by a test. */
export class PrivateCluster {
  readonly nodes: PrivateRedis[] = [];

  async start(size = 3): Promise<void> {
    for (let i = 0; i < size; i++) {
      const port = await freePort(true);
      const node = new PrivateRedis(port, [
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        'nodes.conf',
        '--cluster-node-timeout',
        '2000',
      ]);
      this.nodes.push(node);
      await node.start();
    }
    const create = spawnSync(
      'redis-cli',
      ['--cluster', 'create', ...this.nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', '0', '--cluster-yes'],
      { timeout: 20_000, encoding: 'utf8' },
    );
    if (create.status !== 0) throw new Error(`redis-cli --cluster create failed: ${create.stderr || create.stdout}`);
    await waitFor(
      () =>
        this.nodes.every((n) => {
          const info = spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(n.port), 'cluster', 'info'], {
            encoding: 'utf8',
            timeout: 2000,
          });
          return info.stdout.includes('cluster_state:ok');
        }),
      15_000,
      'cluster_state:ok',
    );
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.stop()));
  }
}

/** Runs `redis-cli` against a loopback port and returns its output, trimmed; throws on a non-zero exit. */
export function redisCli(port: number, ...args: string[]): string {
  const run = spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { encoding: 'utf8', timeout: 5000 });
  if (run.status !== 0) throw new Error(`redis-cli ${args.join(' ')} failed: ${run.stderr || run.stdout}`);
  return run.stdout.trim();
}

/** Client connections to the server on `port`, not counting the `redis-cli` that asks. */
export function clientCount(port: number): number {
  return redisCli(port, 'CLIENT', 'LIST')
    .split('\n')
    .filter((line) => line.includes('id=') && !line.includes('cmd=client|list')).length;
}

/** Waits, polling every 50 ms and yielding to the event loop, until `check()` holds; at most `ms`. */
export async function eventually(check: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * A private redis-server on a free port for the enclosing `describe`: started
 * before its tests (handed to `started`), and after them the URL stores are
 * closed and the server stopped.
 */
export function usePrivateRedis(started: (server: PrivateRedis) => void): void {
  let server: PrivateRedis | undefined;
  beforeAll(async () => {
    server = new PrivateRedis(await freePort());
    await server.start();
    started(server);
  });
  afterAll(async () => {
    await closeStores();
    await server?.stop();
  });
}
