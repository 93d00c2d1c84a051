// Processes of the load scenario (bench/load.ts): the server and load
// generator children (forked from their own entry files), a private
// redis-server the bench can stall, and the clean-up that stops them all, on
// success, on a thrown error and when the bench process exits early.
import { fork, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoadServerReady } from './load-server.js';

const live = new Set<ChildProcess>();
let exitHookSet = false;

/** SIGKILLs whatever is still running when the bench process exits (a crash, Ctrl-C). */
function track(child: ChildProcess): ChildProcess {
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (!exitHookSet) {
    exitHookSet = true;
    process.once('exit', () => {
      for (const proc of live) {
        proc.kill('SIGCONT');
        proc.kill('SIGKILL');
      }
    });
  }
  return child;
}

/** Forks `entry` (a .ts file of bench/) with tsx, an IPC channel and the given environment. */
export function forkChild(entry: string, env: Record<string, string> = {}): ChildProcess {
  return track(
    fork(join(__dirname, entry), [], {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, ...env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    }),
  );
}

/** The next IPC message of `proc`; rejects if it exits first or `ms` pass. */
export function nextMessage<T>(proc: ChildProcess, ms = 120_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null): void => {
      clearTimeout(timer);
      reject(new Error(`child exited with ${String(code)}`));
    };
    const onMessage = (message: unknown): void => {
      clearTimeout(timer);
      proc.off('exit', onExit);
      resolve(message as T);
    };
    const timer = setTimeout(() => {
      proc.off('exit', onExit);
      proc.off('message', onMessage);
      reject(new Error(`no answer from the child within ${ms} ms`));
    }, ms);
    proc.once('exit', onExit);
    proc.once('message', onMessage);
  });
}

/** Stops `proc` (SIGCONT first, in case it was stopped) and waits for it to exit, SIGKILL after 3 s. */
export async function stop(proc: ChildProcess | undefined): Promise<void> {
  if (proc === undefined || proc.exitCode !== null || proc.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => proc.kill('SIGKILL'), 3000);
    proc.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    proc.kill('SIGCONT');
    proc.kill('SIGTERM');
  });
}

/** A free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** True when `bin --version` runs. */
export function installed(bin: string): boolean {
  return spawnSync(bin, ['--version'], { timeout: 5000 }).status === 0;
}

/** Runs `redis-cli` against a loopback port; its trimmed output, or throws. */
export function redisCli(port: number, ...args: string[]): string {
  const run = spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { encoding: 'utf8', timeout: 5000 });
  if (run.status !== 0) throw new Error(`redis-cli ${args.join(' ')} failed: ${run.stderr || run.stdout}`);
  return run.stdout.trim();
}

/**
 * A private redis-server on a free loopback port, no persistence, `DEBUG`
 * allowed (so the bench can `DEBUG SLEEP` it), in a temp directory removed by
 * {@link PrivateRedis.stop}.
 */
export class PrivateRedis {
  private child: ChildProcess | undefined;
  private readonly dir = mkdtempSync(join(tmpdir(), 'jwt-once-load-redis-'));
  port = 0;

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get pid(): number {
    if (this.child?.pid === undefined) throw new Error('the private redis-server is not running');
    return this.child.pid;
  }

  async start(): Promise<void> {
    this.port = await freePort();
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
    const child = track(spawn('redis-server', [...args, '--enable-debug-command', 'yes', '--dir', this.dir], { stdio: 'ignore' }));
    this.child = child;
    const until = Date.now() + 10_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`redis-server on port ${this.port} exited at start`);
      try {
        if (redisCli(this.port, 'PING') === 'PONG') return;
      } catch {
        // not up yet
      }
      if (Date.now() > until) throw new Error(`redis-server on port ${this.port} did not answer PING within 10 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child !== undefined && child.exitCode === null && child.signalCode === null) {
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGCONT');
        child.kill('SIGKILL');
      });
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Drops a table of the bench's PostgreSQL with psql; a failure is returned, not thrown. */
export function dropPgTable(url: string, table: string): string | undefined {
  const run = spawnSync('psql', [url, '-v', 'ON_ERROR_STOP=1', '-qc', `DROP TABLE IF EXISTS ${table}`], {
    encoding: 'utf8',
    timeout: 15_000,
  });
  return run.status === 0 ? undefined : `could not drop ${table}: ${run.error?.message ?? run.stderr}`;
}

/** Starts a server child on `store`; its ports, or a reason to skip. */
export async function startServer(
  store: string,
  storeTimeout: number,
): Promise<{ server: ChildProcess; ports?: LoadServerReady['ports']; error?: string }> {
  const server = forkChild('load-server.ts', { JWT_ONCE_LOAD_STORE: store, JWT_ONCE_LOAD_TIMEOUT: String(storeTimeout) });
  const ready = await nextMessage<Partial<LoadServerReady> & { error?: string }>(server, 60_000);
  return { server, ...ready };
}
