/**
 * The few Cloudflare Workers types the Durable Object store uses, declared
 * structurally: a Workers project passes its own `DurableObjectNamespace` and
 * `DurableObjectState` (from `@cloudflare/workers-types` or `wrangler types`)
 * and neither that package nor `@types/node` is needed to compile against
 * `jwt-once/cloudflare`.
 */

/** What `stub.fetch()` answers: a Web `Response` (only what the store reads). */
export interface DurableObjectResponseLike {
  readonly status: number;
  json(): Promise<unknown>;
}

/** A Durable Object stub: `namespace.get(id)`. The store sends it one `POST` per claim. */
export interface DurableObjectStubLike {
  fetch(input: string, init: { method: string; headers: Record<string, string>; body: string }): Promise<DurableObjectResponseLike>;
}

/**
 * The binding of the `JwtOnceClaims` class in `wrangler.toml`
 * (`[[durable_objects.bindings]]`): `env.JWT_ONCE`.
 */
export interface DurableObjectNamespaceLike {
  idFromName(name: string): unknown;
  get(id: never): DurableObjectStubLike;
}

/** One step of `storage.transaction()`: reads and writes that commit together or not at all. */
export interface DurableObjectTransactionLike {
  get(key: string): Promise<unknown>;
  put(entries: Record<string, unknown>): Promise<void>;
  delete(keys: string[]): Promise<number>;
}

/** `state.storage` of a Durable Object (the key-value API; SQLite-backed objects have it too). */
export interface DurableObjectStorageLike {
  get(key: string): Promise<unknown>;
  get(keys: string[]): Promise<Map<string, unknown>>;
  delete(keys: string[]): Promise<number>;
  list(options: { prefix?: string; start?: string; end?: string; limit?: number }): Promise<Map<string, unknown>>;
  transaction<T>(body: (txn: DurableObjectTransactionLike) => Promise<T>): Promise<T>;
  getAlarm(): Promise<number | null>;
  setAlarm(scheduledTime: number): Promise<void>;
}

/** The `state` (`ctx`) a Durable Object class is constructed with. */
export interface DurableObjectStateLike {
  readonly storage: DurableObjectStorageLike;
}
