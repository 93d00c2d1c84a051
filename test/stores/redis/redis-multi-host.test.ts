import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import jwt from 'jsonwebtoken';
import { hasRedisBinaries, describeWithRedis } from '../redis-servers.js';
import { canCreateNamespaces, NetnsLab } from '../netns.js';

// Issue 9, item 8: two application hosts and one Redis host, each in its own
// network namespace; the same token sent to both wins once, a host cut off
// from Redis answers 503 within storeTimeout while the other serves, and it
// recovers by itself once its link is back.
const HOST = resolve('test/stores/workers/netns-host.ts');
const SECRET = 'netns-test-secret-that-is-long-enough-for-hs256';
const STORE_TIMEOUT = 500;
const available = hasRedisBinaries() && canCreateNamespaces();

interface Answers {
  codes: string[];
  ms: number[];
}

/** One application host: a process in its namespace, fed tokens on stdin. */
class AppHost {
  private readonly lines: AsyncIterator<string>;
  constructor(readonly child: ChildProcess) {
    this.lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  }

  async next(): Promise<string> {
    const line = await this.lines.next();
    if (line.done === true) throw new Error('an application host exited');
    return line.value;
  }

  async claim(tokens: string[]): Promise<Answers> {
    this.child.stdin!.write(`${JSON.stringify(tokens)}\n`);
    return JSON.parse(await this.next()) as Answers;
  }
}

const token = (): string => {
  const s = Math.floor(Date.now() / 1000);
  return jwt.sign({ iat: s, exp: s + 600, jti: randomUUID() }, SECRET, { algorithm: 'HS256' });
};

describeWithRedis(
  'Multi-host: two application hosts and one Redis host in network namespaces',
  available,
  'network namespaces cannot be created here (needs root and iproute2) or redis-server is missing',
  () => {
    const lab = new NetnsLab();
    const dir = mkdtempSync(join(tmpdir(), 'jwt-once-netns-'));
    const children: ChildProcess[] = [];
    const hosts: AppHost[] = [];
    const accepted = new Map<string, number>();
    const seen = new Set<string>();

    function record(tokens: string[], answers: Answers): void {
      tokens.forEach((t, i) => {
        seen.add(t);
        if (answers.codes[i] === 'passed') accepted.set(t, (accepted.get(t) ?? 0) + 1);
      });
    }

    beforeAll(async () => {
      lab.create(2);
      const redis = spawn(
        'ip',
        [
          'netns',
          'exec',
          lab.redisNs,
          'redis-server',
          '--port',
          '6379',
          '--bind',
          lab.redisAddress(1),
          lab.redisAddress(2),
          '--save',
          '',
          '--appendonly',
          'no',
          '--dir',
          dir,
          '--protected-mode',
          'no',
        ],
        { stdio: 'ignore' },
      );
      children.push(redis);
      const until = Date.now() + 5000;
      const answers = (): boolean =>
        spawnSync('ip', ['netns', 'exec', lab.hostNs(1), 'redis-cli', '-h', lab.redisAddress(1), 'PING'], {
          encoding: 'utf8',
          timeout: 2000,
        }).stdout?.includes('PONG') ?? false;
      while (!answers()) {
        if (Date.now() > until || redis.exitCode !== null) throw new Error('redis-server did not start in its namespace');
        await new Promise((r) => setTimeout(r, 50));
      }
      for (const n of [1, 2]) {
        const child = spawn(
          'ip',
          [
            'netns',
            'exec',
            lab.hostNs(n),
            process.execPath,
            '--import',
            'tsx',
            HOST,
            `redis://${lab.redisAddress(n)}:6379`,
            String(STORE_TIMEOUT),
          ],
          { stdio: ['pipe', 'pipe', 'inherit'] },
        );
        children.push(child);
        const host = new AppHost(child);
        hosts.push(host);
        expect(await host.next()).toBe('ready');
      }
    }, 60_000);

    afterAll(async () => {
      for (const child of children) {
        if (child.exitCode === null && child.signalCode === null) {
          const exited = new Promise((r) => child.once('exit', r));
          child.kill('SIGKILL');
          await exited;
        }
      }
      lab.remove();
      rmSync(dir, { recursive: true, force: true });
    });

    it('the same tokens sent to both hosts at once each win exactly once', async () => {
      const tokens = Array.from({ length: 300 }, token);
      const [a, b] = await Promise.all([hosts[0]!.claim(tokens), hosts[1]!.claim(tokens)]);
      record(tokens, a);
      record(tokens, b);
      tokens.forEach((_, i) => {
        expect([a.codes[i], b.codes[i]].sort()).toEqual(['ERR_JWT_ONCE_REUSED', 'passed']);
      });
    });

    it('a host cut off from Redis answers 503 within storeTimeout while the other serves; back without a restart once linked again', async () => {
      lab.setLink(1, false);
      try {
        const cut = Array.from({ length: 20 }, token);
        const served = Array.from({ length: 20 }, token);
        const [a, b] = await Promise.all([hosts[0]!.claim(cut), hosts[1]!.claim(served)]);
        record(cut, a);
        record(served, b);
        expect(new Set(a.codes)).toEqual(new Set(['ERR_JWT_ONCE_STORE']));
        expect(Math.max(...a.ms)).toBeLessThan(STORE_TIMEOUT + 400);
        expect(new Set(b.codes)).toEqual(new Set(['passed']));
        // The cut host's tokens are refused on the other host only if their claims reached Redis: never accepted twice.
        const elsewhere = await hosts[1]!.claim(cut);
        record(cut, elsewhere);
      } finally {
        lab.setLink(1, true);
      }
      const until = Date.now() + 30_000;
      let back = false;
      while (!back) {
        if (Date.now() > until) throw new Error('the host did not recover within 30 s of its link coming back');
        const probe = [token()];
        const answer = await hosts[0]!.claim(probe);
        record(probe, answer);
        back = answer.codes[0] === 'passed';
        if (!back) await new Promise((r) => setTimeout(r, 200));
      }
      const again = Array.from({ length: 100 }, token);
      const [a, b] = await Promise.all([hosts[0]!.claim(again), hosts[1]!.claim(again)]);
      record(again, a);
      record(again, b);
      again.forEach((_, i) => expect([a.codes[i], b.codes[i]].sort()).toEqual(['ERR_JWT_ONCE_REUSED', 'passed']));
    }, 60_000);

    it('across the whole run, every token seen was accepted at most once, even when sent again to both hosts', async () => {
      const all = [...seen];
      expect(all.length).toBeGreaterThan(400);
      const [a, b] = await Promise.all([hosts[0]!.claim(all), hosts[1]!.claim(all)]);
      record(all, a);
      record(all, b);
      expect([...accepted.values()].filter((count) => count > 1)).toEqual([]);
    });
  },
);
