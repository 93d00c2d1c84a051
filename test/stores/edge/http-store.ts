// A ClaimStore in Node that forwards every call over HTTP to a real store
// running in workerd or Deno (store-endpoint.ts there): the contract suite
// (test/stores/contract.ts) then tests the store where it runs.
import { StoreError } from '../../../src/errors.js';
import type { ClaimStore } from '../../../src/stores/claim-store.js';
import type { StoreCall } from './store-endpoint.js';

/** Posts one call to `url` (its `path`); the answers of its `n` copies, or a StoreError carrying the remote code. */
export async function callStore(url: string, call: StoreCall, path = '/store'): Promise<unknown[]> {
  const res = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(call) });
  const body = (await res.json()) as { results?: unknown[]; error?: string; cause?: string };
  if (res.status !== 200 || body.results === undefined) {
    throw new StoreError(`remote store failed (${res.status}): ${body.error} (${body.cause})`, { cause: body.error });
  }
  return body.results;
}

/** The store behind `url` as a ClaimStore (with isClaimed). */
export function httpStore(url: () => string): Required<Pick<ClaimStore, 'claim' | 'release' | 'isClaimed'>> {
  return {
    claim: async (...args) => (await callStore(url(), { op: 'claim', args }))[0] as boolean,
    release: async (...args) => void (await callStore(url(), { op: 'release', args })),
    isClaimed: async (...args) => (await callStore(url(), { op: 'isClaimed', args }))[0] as boolean,
  };
}
