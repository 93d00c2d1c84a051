// Serves durable-object-worker.ts in workerd with the JwtOnceClaims class on
// local disk storage (`durableObjectStorage = (localDisk = ...)`): claims
// outlive a restart of workerd on the same directory.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { bundleForWorkers, COMPATIBILITY, optionalPeers, startWorkerd } from '../../package/edge.js';

/** The config.capnp of the claims Worker: JWT_ONCE (JwtOnceClaims), BROKEN (an object that fails), SECRET, KV (a Workers KV binding, never read). */
export function claimsWorkerConfig(storage: string, secret: string): string {
  return `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .worker), (name = "claims-disk", disk = (path = ${JSON.stringify(storage)}, writable = true)) ],
  sockets = [ (name = "http", address = "127.0.0.1:0", http = (), service = "main") ],
);
const worker :Workerd.Worker = (
  modules = [ (name = "worker.mjs", esModule = embed "worker.mjs") ],
  compatibilityDate = "${COMPATIBILITY.date}",
  compatibilityFlags = [${COMPATIBILITY.flags.map((f) => `"${f}"`).join(', ')}],
  durableObjectNamespaces = [
    (className = "JwtOnceClaims", uniqueKey = "jwt-once-test-claims"),
    (className = "Unavailable", uniqueKey = "jwt-once-test-unavailable"),
  ],
  durableObjectStorage = (localDisk = "claims-disk"),
  bindings = [
    (name = "JWT_ONCE", durableObjectNamespace = "JwtOnceClaims"),
    (name = "BROKEN", durableObjectNamespace = "Unavailable"),
    (name = "SECRET", text = ${JSON.stringify(secret)}),
    (name = "KV", kvNamespace = "main"),
  ],
);
`;
}

/** Bundles the claims Worker from the sources into `dir/worker.mjs`. */
export async function bundleClaimsWorker(dir: string): Promise<void> {
  await bundleForWorkers(join(__dirname, 'durable-object-worker.ts'), join(dir, 'worker.mjs'), optionalPeers(['hono']));
}

/** Starts workerd on `dir` (worker.mjs bundled) with its Durable Object storage in `dir/claims`. */
export async function startClaimsWorker(bin: string, dir: string, secret: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const storage = join(dir, 'claims');
  mkdirSync(storage, { recursive: true });
  return startWorkerd(bin, dir, claimsWorkerConfig(storage, secret));
}
