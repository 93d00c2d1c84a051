// A Deno server over denoKvStore(await Deno.openKv(<path>)): answers the
// Node-side HTTP proxy store (edge/http-store.ts). Bundled by esbuild from the
// sources and run by test/stores/deno-kv.test.ts:
//   deno run --unstable-kv --allow-net=127.0.0.1 --allow-read=<dir> --allow-write=<dir> server.mjs <path>
// Prints {"port":N} once it listens; stops when its standard input closes.
/* eslint-disable no-console -- the port goes to the test on standard output */
import { denoKvStore, type DenoKvLike } from '../../../src/stores/deno-kv/index.js';
import { storeEndpoint } from '../edge/store-endpoint.js';

interface DenoApi {
  args: string[];
  openKv(path: string): Promise<DenoKvLike & { close(): void }>;
  serve(
    options: { hostname: string; port: number; onListen(addr: { port: number }): void },
    handler: (request: Request) => Promise<Response>,
  ): { shutdown(): Promise<void> };
  stdin: { readable: ReadableStream<Uint8Array> };
  exit(code: number): never;
}

const { Deno } = globalThis as unknown as { Deno: DenoApi };
const kv = await Deno.openKv(Deno.args[0]!);
const store = denoKvStore(kv);
const server = Deno.serve({ hostname: '127.0.0.1', port: 0, onListen: ({ port }) => console.log(JSON.stringify({ port })) }, (request) =>
  storeEndpoint(store, request),
);
for await (const _ of Deno.stdin.readable) {
  // wait for the test to close standard input
}
await server.shutdown();
kv.close();
Deno.exit(0);
