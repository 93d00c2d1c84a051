import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { Agent, createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { jwtOnce } from '../../adapters/express/index.js';
import { claimToken, closeStores, MemoryStore, openStore, SqliteClaimStore, StoreError } from '../../src/index.js';
import { HS_SECRET, hsToken, NOW } from '../helpers/tokens.js';

/** One keep-alive connection: every request after the first reuses the same socket. */
class KeepAliveClient {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 1 });
  reused = 0;
  sent = 0;

  constructor(private readonly port: number) {}

  post(path: string, token: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port: this.port, path, method: 'POST', agent: this.agent, headers: { authorization: `Bearer ${token}` } },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode!));
        },
      );
      this.sent++;
      req.on('socket', () => {
        if (req.reusedSocket) this.reused++;
      });
      req.on('error', reject);
      req.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/**
 * An Express app claiming on `store`, with a route that holds its request
 * until told: the way to keep a connection busy while `server.close()` runs
 * (Node closes idle keep-alive connections at once; busy ones drain, and go
 * on serving the requests that follow on them).
 */
async function serve(store: string): Promise<{ server: Server; port: number; holdNext(): { reached: Promise<void>; open(): void } }> {
  const app = express();
  const options = { secret: HS_SECRET, algorithms: ['HS256'] as const, store, now: () => NOW };
  app.post('/claim', jwtOnce({ ...options, algorithms: ['HS256'] }), (_req, res) => {
    res.json({ ok: true });
  });
  let arrived = (): void => undefined;
  let gate: Promise<void> = Promise.resolve();
  app.post('/hold', async (_req, res) => {
    arrived();
    await gate;
    res.json({ held: true });
  });
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const holdNext = (): { reached: Promise<void>; open(): void } => {
    let open!: () => void;
    gate = new Promise((resolve) => (open = resolve));
    const reached = new Promise<void>((resolve) => (arrived = resolve));
    return { reached, open };
  };
  return { server, port: (server.address() as AddressInfo).port, holdNext };
}

/** Runs `task` on each item, one after another. */
async function sequentially<T, R>(items: T[], task: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (const item of items) out.push(await task(item));
  return out;
}

describe('shutdown: closeStores() while keep-alive requests still drain', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'jwt-once-shutdown-'));
  });
  afterAll(async () => {
    await closeStores();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each([['memory://'], ['sqlite://']])(
    '%s: after server.close() and closeStores(), 0 of 100 replays pass on the same connection; every answer is 503',
    async (scheme) => {
      const url = scheme === 'memory://' ? 'memory://' : `sqlite://${join(dir, 'claims.db')}`;
      const { server, port, holdNext } = await serve(url);
      const client = new KeepAliveClient(port);
      let closed: Promise<void> | undefined;
      try {
        const tokens = Array.from({ length: 100 }, () => hsToken());
        for (const t of tokens) expect(await client.post('/claim', t)).toBe(200);
        expect(await client.post('/claim', tokens[0]!)).toBe(401); // a replay, while open

        // Shutdown with a request in flight: the connection stays, as keep-alive clients' do.
        const gate = holdNext();
        const holding = client.post('/hold', hsToken());
        await gate.reached;
        closed = new Promise<void>((resolve) => server.close(() => resolve()));
        await closeStores();
        gate.open();
        expect(await holding).toBe(200);

        const replays = await sequentially(tokens, (t) => client.post('/claim', t));
        const fresh = await sequentially(
          Array.from({ length: 20 }, () => hsToken()),
          (t) => client.post('/claim', t),
        );
        expect(replays.filter((status) => status === 200)).toHaveLength(0);
        expect(new Set(replays)).toEqual(new Set([503]));
        expect(new Set(fresh)).toEqual(new Set([503]));
        expect(client.reused).toBe(client.sent - 1); // every request on the one connection
      } finally {
        client.close();
        server.closeAllConnections();
        await (closed ?? new Promise<void>((resolve) => server.close(() => resolve())));
      }
    },
  );

  it('memory:// stays closed: a claimer made after closeStores() refuses too (opened again it would be empty)', async () => {
    const store = openStore('memory://');
    const token = hsToken();
    const options = () => ({ secret: HS_SECRET, algorithms: ['HS256'] as const, store: 'memory://', now: () => NOW });
    await closeStores();
    expect(openStore('memory://')).toBe(store);
    await expect(claimToken(token, options())).rejects.toMatchObject({ code: 'ERR_JWT_ONCE_STORE', status: 503 });
    await closeStores();
    await expect(claimToken(token, options())).rejects.toBeInstanceOf(StoreError);
  });
});

describe('closed stores', () => {
  it('a closed MemoryStore refuses, has no timer, and forgets nothing into "unused"', () => {
    jest.useFakeTimers({ now: NOW });
    try {
      const store = new MemoryStore();
      expect(store.claim('k', NOW + 60_000, NOW, 'a')).toBe(true);
      expect(jest.getTimerCount()).toBe(1);
      store.close();
      expect(jest.getTimerCount()).toBe(0);
      expect(() => store.claim('k', NOW + 60_000, NOW, 'b')).toThrow(StoreError);
      expect(() => store.claim('other', NOW + 60_000, NOW, 'c')).toThrow(StoreError);
      store.close(); // twice is fine
      expect(() => store.claim('k', NOW + 60_000, NOW)).toThrow(/closed/);
    } finally {
      jest.useRealTimers();
    }
  });

  it('closeStores() twice: the SQLite connection is closed, the closed store refuses for good, nothing is left open', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jwt-once-closed-'));
    const file = join(dir, 'claims.db');
    try {
      const url = `sqlite://${file}`;
      const store = openStore(url);
      expect(store).toBeInstanceOf(SqliteClaimStore);
      expect(await store.claim('k', NOW + 60_000, NOW, 'a')).toBe(true);
      expect(existsSync(`${file}-wal`)).toBe(true);
      expect((store as unknown as { timer: unknown }).timer).toBeDefined(); // the purge timer runs while open
      await closeStores();
      // SQLite removes the WAL when its last connection closes: the connection is gone.
      expect(existsSync(`${file}-wal`)).toBe(false);
      await closeStores();
      await expect(Promise.resolve(store.claim('k2', NOW + 60_000, NOW))).rejects.toThrow(/closed/);
      await expect((store as SqliteClaimStore).ready()).rejects.toBeInstanceOf(StoreError);
      expect(existsSync(`${file}-wal`)).toBe(false); // and it did not open the file again
      // Its purge timer is stopped (checked on the store itself: a count of the process's
      // timers also sees other suites' sockets and timers come and go, and was flaky).
      expect((store as unknown as { timer: unknown }).timer).toBeUndefined();

      // A new store on the same URL is a new one, and the claim is still in the file.
      const again = openStore(url);
      expect(again).not.toBe(store);
      expect(await again.claim('k', NOW + 60_000, NOW, 'b')).toBe(false);
      await closeStores();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
