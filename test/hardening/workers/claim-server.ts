/**
 * An Express server claiming on a store URL, for the durability and
 * read-only tests. argv: store URL. Listens on a free loopback port and
 * prints it; `now` is the fixed test clock, so test tokens are valid.
 * With argv[3] === 'batch' it instead reads a JSON array of tokens on stdin,
 * claims them one by one and prints their outcomes as JSON.
 */
import { createServer } from 'node:http';
import express from 'express';
import { jwtOnce } from '../../../adapters/express/index.js';
import { closeStores, createClaimer, JwtOnceError } from '../../../src/index.js';
import { HS_SECRET, NOW } from '../../helpers/tokens.js';

const [store, mode] = process.argv.slice(2);
const options = { secret: HS_SECRET, algorithms: ['HS256'] as const, store: store!, now: () => NOW };

async function batch(): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const tokens = JSON.parse(Buffer.concat(chunks).toString('utf8')) as string[];
  const claim = createClaimer({ ...options, algorithms: ['HS256'] });
  const outcomes: string[] = [];
  for (const token of tokens) {
    outcomes.push(
      await claim(token).then(
        () => 'passed',
        (err: unknown) => (err instanceof JwtOnceError ? err.code : `crash: ${String(err)}`),
      ),
    );
  }
  process.stdout.write(`${JSON.stringify(outcomes)}\n`);
  await closeStores();
}

function serve(): void {
  const app = express();
  app.post('/claim', jwtOnce({ ...options, algorithms: ['HS256'] }), (_req, res) => {
    res.json({ ok: true });
  });
  const server = createServer(app);
  server.listen(0, '127.0.0.1', () => {
    const address = server.address() as { port: number };
    process.stdout.write(`${address.port}\n`);
  });
  process.on('SIGTERM', () => {
    server.close();
    void closeStores();
  });
}

if (mode === 'batch') void batch();
else serve();
