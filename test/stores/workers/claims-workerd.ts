// Serves durable-object-worker.ts in workerd with the JwtOnceClaims class on
// local disk storage: claims outlive a restart of workerd on the same directory.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { bundleForWorkers, optionalPeers, startWorkerd } from '../../package/edge.js';
import { durableObjectConfig } from '../../package/workerd-config.js';

/** Bundles the claims Worker from the sources into `dir/worker.mjs`. */
export async function bundleClaimsWorker(dir: string): Promise<void> {
  await bundleForWorkers(join(__dirname, 'durable-object-worker.ts'), join(dir, 'worker.mjs'), optionalPeers(['hono']));
}

/**
 * Starts workerd on `dir` (worker.mjs bundled) with its Durable Object storage in `dir/claims`:
 * JWT_ONCE (JwtOnceClaims), BROKEN (an object that fails), SECRET, KV (a Workers KV binding, never read).
 */
export async function startClaimsWorker(bin: string, dir: string, secret: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const storage = join(dir, 'claims');
  mkdirSync(storage, { recursive: true });
  const config = durableObjectConfig(storage, { JWT_ONCE: 'JwtOnceClaims', BROKEN: 'Unavailable' }, [
    `(name = "SECRET", text = ${JSON.stringify(secret)})`,
    '(name = "KV", kvNamespace = "main")',
  ]);
  return startWorkerd(bin, dir, config);
}
