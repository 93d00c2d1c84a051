import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';

/** PostgreSQL tests must run in CI; elsewhere they may skip with a message. */
export const REQUIRE_POSTGRES = process.env.CI === 'true';
export const SHARED_PG_URL = process.env.JWT_ONCE_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';

const PROBE = `
const c = new (require('pg').Client)({ connectionString: process.argv[1], connectionTimeoutMillis: 2000 });
c.connect().then(() => c.query('SELECT 1')).then(() => process.exit(0), () => process.exit(1));
`;

/** True when a PostgreSQL answers at `url` (checked synchronously, so `describe` can branch on it). */
export function postgresAnswers(url = SHARED_PG_URL): boolean {
  return spawnSync(process.execPath, ['-e', PROBE, url], { timeout: 5000, cwd: join(__dirname, '..', '..') }).status === 0;
}

/**
 * `describe` when a PostgreSQL answers; in CI a missing server fails the run,
 * elsewhere the suite is skipped with a clear message.
 */
export function describeWithPostgres(
  name: string,
  body: () => void,
  available = postgresAnswers(),
  why = `no PostgreSQL answers on ${SHARED_PG_URL.replace(/\/\/[^@]*@/, '//')}`,
): void {
  if (available) {
    describe(name, body);
  } else if (REQUIRE_POSTGRES) {
    describe(name, () => {
      it('needs PostgreSQL (CI=true: PostgreSQL tests must run)', () => {
        throw new Error(`${why}; CI=true requires it (.ci/run starts it)`);
      });
    });
  } else {
    // eslint-disable-next-line no-console
    console.warn(`[jwt-once tests] skipping "${name}": ${why} (set CI=true to make this a failure)`);
    describe.skip(name, body);
  }
}

/** A table name of its own for one test: `jwt_once_t_<random>`. */
export function uniqueTable(): string {
  return `jwt_once_t_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
}

/** Runs one statement on `url` with a short-lived client (test setup and teardown). */
export async function sql(statement: string, values: unknown[] = [], url = SHARED_PG_URL): Promise<Array<Record<string, unknown>>> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    return (await client.query(statement, values)).rows as Array<Record<string, unknown>>;
  } finally {
    await client.end();
  }
}

async function waitFor(check: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** True when `initdb` and `postgres` are on the PATH. */
export function hasPostgresBinaries(): boolean {
  return ['initdb', 'postgres'].every((bin) => spawnSync(bin, ['--version'], { timeout: 5000 }).status === 0);
}

/** uid/gid of the `postgres` user when running as root (the server refuses to run as root). */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string): number => Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout.trim());
  return { uid: id('-u'), gid: id('-g') };
}

/**
 * A private PostgreSQL on a loopback port, its data in a temporary directory:
 * started, killed (-9) and started again by a test, to see an outage and a
 * recovery without touching the shared server.
 */
export class PrivatePostgres {
  private child: ChildProcess | undefined;
  readonly dir = mkdtempSync(join(tmpdir(), 'jwt-once-pg-'));
  private readonly user = serverUser();

  constructor(readonly port: number) {}

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  private as(): { uid?: number; gid?: number } {
    return this.user ?? {};
  }

  /** initdb (once), then the server; resolves when it answers. */
  async start(): Promise<void> {
    const data = join(this.dir, 'data');
    if (!existsSync(data)) {
      if (this.user !== undefined) chownSync(this.dir, this.user.uid, this.user.gid);
      const init = spawnSync('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8'], {
        ...this.as(),
        encoding: 'utf8',
        timeout: 60_000,
      });
      if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr}`);
    }
    const child = spawn(
      'postgres',
      [
        '-D',
        data,
        '-p',
        String(this.port),
        '-k',
        this.dir,
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        'fsync=off',
        '-c',
        'max_connections=40',
      ],
      { ...this.as(), stdio: 'ignore' },
    );
    this.child = child;
    let exited = false;
    child.once('exit', () => {
      exited = true;
    });
    await waitFor(
      async () =>
        exited ||
        (await sql('SELECT 1', [], this.url).then(
          () => true,
          () => false,
        )),
      20_000,
      `postgres on port ${this.port}`,
    );
    if (exited) throw new Error(`postgres on port ${this.port} exited at start`);
  }

  /**
   * An outage: SIGQUIT, PostgreSQL's immediate shutdown (every backend killed
   * at once, no checkpoint, crash recovery at the next start); SIGKILL if it
   * lingers past 5 s. Unlike a SIGKILL of the postmaster alone, it leaves no
   * orphaned backend holding the data directory, so the server can start again.
   */
  async kill(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => child.kill('SIGKILL'), 5000);
      child.once('exit', () => {
        clearTimeout(force);
        resolve();
      });
      child.kill('SIGQUIT');
    });
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
