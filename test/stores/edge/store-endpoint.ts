// Runs inside workerd or Deno: answers the Node-side HTTP proxy store
// (http-store.ts) by calling the real store there, so the jest contract suite
// drives a store that runs in its own runtime. Web APIs only.
import type { ClaimStore } from '../../../src/stores/claim-store.js';

/** One call of the proxy: the store method, its arguments, and how many concurrent copies to run. */
export interface StoreCall {
  op: 'claim' | 'release' | 'isClaimed';
  args: unknown[];
  /** Run the call this many times at once in this request (a race inside one isolate). @default 1 */
  n?: number;
}

/** `{ results }` (one answer per copy), or 503 `{ error }` with the error's code when the store threw. */
export async function storeEndpoint(store: ClaimStore, request: Request): Promise<Response> {
  const { op, args, n = 1 } = (await request.json()) as StoreCall;
  const method = store[op] as ((...a: unknown[]) => unknown) | undefined;
  if (method === undefined) return Response.json({ error: `no ${op}` }, { status: 400 });
  try {
    const results = await Promise.all(Array.from({ length: n }, async () => method.apply(store, args)));
    return Response.json({ results: results.map((r) => r ?? null) });
  } catch (err) {
    // The test reads the code; the cause is there to diagnose a failure (a test endpoint, not an app's answer).
    const { code, cause } = err as { code?: string; cause?: unknown };
    return Response.json({ error: code ?? String(err), cause: String(cause) }, { status: 503 });
  }
}
