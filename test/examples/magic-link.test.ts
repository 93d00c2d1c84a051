// examples/magic-link.ts as a user runs it (its own process, a free port),
// over real HTTP: GETs never spend the link, the first POST does.
import { spawn } from 'node:child_process';
import { freePort } from '../helpers/http.js';
import { join, resolve } from 'node:path';
import jwt from 'jsonwebtoken';

const ROOT = resolve(__dirname, '../..');
const TSX = join(ROOT, 'node_modules/.bin/tsx');
const SECRET = 'magic-link-example-test-secret-0123456789';

describe('examples/magic-link.ts', () => {
  let port: number;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    port = await freePort();
    const child = spawn(TSX, ['examples/magic-link.ts'], {
      cwd: ROOT,
      env: { ...process.env, PORT: String(port), JWT_ONCE_SECRET: SECRET },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const exited = new Promise<void>((ok) => child.once('exit', () => ok()));
    stop = async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const signal = (name: NodeJS.Signals) => {
        try {
          process.kill(-child.pid!, name);
        } catch {
          // already gone
        }
      };
      signal('SIGTERM');
      const timer = setTimeout(() => signal('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    };
    await new Promise<void>((ok, fail) => {
      const timer = setTimeout(() => fail(new Error(`did not start within 30 s:\n${output}`)), 30_000);
      const onData = (chunk: Buffer) => {
        output += chunk;
        if (output.includes('curl -i')) {
          clearTimeout(timer);
          ok();
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', (code) => {
        clearTimeout(timer);
        fail(new Error(`exited (${code}) before listening:\n${output}`));
      });
    });
  }, 40_000);

  afterAll(async () => {
    await stop();
  });

  const link = (token: string) => fetch(`http://127.0.0.1:${port}/login?token=${encodeURIComponent(token)}`);
  const submit = (token: string) =>
    fetch(`http://127.0.0.1:${port}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token }).toString(),
    });

  it('GET twice shows the form, POST signs in once, POST again is 401, GET after says already used', async () => {
    const token = jwt.sign({ sub: 'alice@example.com', n: Math.random() }, SECRET, { algorithm: 'HS256', expiresIn: 600 });
    for (let i = 0; i < 2; i++) {
      const get = await link(token); // a mail scanner, then the person
      expect(get.status).toBe(200);
      expect(get.headers.get('cache-control')).toBe('no-store');
      const html = await get.text();
      expect(html).toContain('<form method="post" action="/login">');
      expect(html).toContain('Sign in as alice@example.com');
    }
    const post = await submit(token);
    expect(post.status).toBe(200);
    expect(await post.text()).toContain('Welcome, alice@example.com.');
    const replay = await submit(token);
    expect(replay.status).toBe(401);
    expect(await replay.text()).toContain('already used');
    const after = await link(token);
    expect(after.status).toBe(410);
    expect(await after.text()).toContain('already used');
  });

  it('an invalid or expired link is refused on GET and on POST', async () => {
    const expired = jwt.sign({ sub: 'bob@example.com', exp: Math.floor(Date.now() / 1000) - 10 }, SECRET, { algorithm: 'HS256' });
    expect((await link(expired)).status).toBe(401);
    expect((await link('not-a-token')).status).toBe(401);
    const forged = jwt.sign({ sub: 'bob@example.com' }, 'another-secret-another-secret-1234', { algorithm: 'HS256', expiresIn: 60 });
    expect(await (await submit(forged)).text()).toContain('invalid or has expired');
  });
});
