/**
 * The part of `Deno.Kv` the Deno KV store uses, declared structurally: a Deno
 * program passes `await Deno.openKv()` (or `openKv()` of the `@deno/kv` npm
 * package on Node), and no Deno types are needed to compile against jwt-once.
 */

/** A Deno KV key: its parts. */
export type DenoKvKey = readonly (string | number | bigint | boolean | Uint8Array)[];

/** What `kv.get()` answers: `versionstamp` is `null` when the key is absent. */
export interface DenoKvEntryLike {
  readonly value: unknown;
  readonly versionstamp: string | null;
}

/** `kv.atomic()`: checks and mutations committed together, or not at all. */
export interface DenoKvAtomicLike {
  check(...checks: { key: DenoKvKey; versionstamp: string | null }[]): DenoKvAtomicLike;
  set(key: DenoKvKey, value: unknown, options?: { expireIn?: number }): DenoKvAtomicLike;
  delete(key: DenoKvKey): DenoKvAtomicLike;
  commit(): Promise<{ ok: boolean }>;
}

/** A `Deno.Kv` database. */
export interface DenoKvLike {
  get(key: DenoKvKey, options?: { consistency?: 'strong' | 'eventual' }): Promise<DenoKvEntryLike>;
  atomic(): DenoKvAtomicLike;
}
