// The config.capnp of a Worker with Durable Objects on local disk storage
// (`durableObjectStorage = (localDisk = ...)`): claims outlive a restart of
// workerd on the same directory.
import { COMPATIBILITY } from './edge.js';

/**
 * A config serving `worker.mjs` on 127.0.0.1, port 0 (socket `http`), with one
 * Durable Object namespace per entry of `objects` (binding name -> exported
 * class name), stored under `storage`, and the other `bindings` (capnp text,
 * e.g. `(name = "SECRET", text = "...")`).
 * @example
 * durableObjectConfig('/tmp/do', { JWT_ONCE: 'JwtOnceClaims' });
 */
export function durableObjectConfig(storage: string, objects: Record<string, string>, bindings: string[] = []): string {
  const entries = Object.entries(objects);
  return `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .worker), (name = "object-storage", disk = (path = ${JSON.stringify(storage)}, writable = true)) ],
  sockets = [ (name = "http", address = "127.0.0.1:0", http = (), service = "main") ],
);
const worker :Workerd.Worker = (
  modules = [ (name = "worker.mjs", esModule = embed "worker.mjs") ],
  compatibilityDate = "${COMPATIBILITY.date}",
  compatibilityFlags = [${COMPATIBILITY.flags.map((f) => `"${f}"`).join(', ')}],
  durableObjectNamespaces = [
${entries.map(([, className]) => `    (className = "${className}", uniqueKey = "jwt-once-test-${className}"),`).join('\n')}
  ],
  durableObjectStorage = (localDisk = "object-storage"),
  bindings = [
${[...entries.map(([binding, className]) => `(name = "${binding}", durableObjectNamespace = "${className}")`), ...bindings].map((b) => `    ${b},`).join('\n')}
  ],
);
`;
}
