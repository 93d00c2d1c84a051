/**
 * One application host for the multi-host test, run inside its own network
 * namespace. argv: the redis:// URL (an address in the Redis namespace),
 * storeTimeout in ms. Prints `ready` once its store is ready, then reads one
 * JSON array of tokens per line, claims them all at once and prints one JSON
 * line: `{ codes: string[], ms: number[] }` (code per token, 'passed' for a
 * win; the time each claim took).
 */
import { createInterface } from 'node:readline';
import { closeStores, createClaimer, JwtOnceError, openStore } from '../../../src/index.js';

const [url, timeoutArg] = process.argv.slice(2);
const SECRET = 'netns-test-secret-that-is-long-enough-for-hs256';

async function main(): Promise<void> {
  await openStore(url!).ready!();
  const claim = createClaimer({ secret: SECRET, algorithms: ['HS256'], store: url!, storeTimeout: Number(timeoutArg) });
  process.stdout.write('ready\n');
  for await (const line of createInterface({ input: process.stdin })) {
    if (line === 'exit') break;
    const tokens = JSON.parse(line) as string[];
    const results = await Promise.all(
      tokens.map(async (token) => {
        const started = Date.now();
        try {
          await claim(token);
          return { code: 'passed', ms: Date.now() - started };
        } catch (err) {
          return { code: err instanceof JwtOnceError ? err.code : 'crash', ms: Date.now() - started };
        }
      }),
    );
    process.stdout.write(`${JSON.stringify({ codes: results.map((r) => r.code), ms: results.map((r) => r.ms) })}\n`);
  }
  await closeStores();
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`netns host failed: ${String(err)}\n`);
    process.exit(1);
  },
);
