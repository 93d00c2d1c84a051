// Stores that cannot keep the single-use promise are refused at creation with
// a ConfigError naming a Durable Object or Redis instead, allowNonAtomicStore
// included: a Workers KV namespace (the binding's shape), a Keyv adapter over
// Workers KV (as @keyv/cloudflare-kv would be: by dialect, by class name, or a
// KV namespace held on the adapter), and @keyv/dynamo (its dialect and class
// name). A real Workers KV binding is refused inside workerd in
// durable-objects.test.ts.
import Keyv from 'keyv';
import { ConfigError, createClaimer, KeyvLockedStore, MemoryStore, resolveStore } from '../../src/index.js';
import { jwtOnce } from '../../adapters/hono/index.js';
import { durableObjectStore } from '../../src/stores/cloudflare/index.js';

/** What a Workers KV binding offers (KVNamespace): get, getWithMetadata, put, list, delete; no compare-and-set. */
class KvNamespace {
  async get(): Promise<null> {
    return null;
  }
  async getWithMetadata(): Promise<{ value: null; metadata: null }> {
    return { value: null, metadata: null };
  }
  async put(): Promise<void> {}
  async list(): Promise<{ keys: []; list_complete: true }> {
    return { keys: [], list_complete: true };
  }
  async delete(): Promise<void> {}
}

/** A Keyv adapter (get/set/delete/clear), neutrally named: what it holds in `kv` or `opts` decides. */
class HoldingAdapter {
  opts: Record<string, unknown>;
  constructor(
    readonly kv: unknown,
    opts: Record<string, unknown> = {},
  ) {
    this.opts = opts;
  }
  async get(): Promise<undefined> {
    return undefined;
  }
  async set(): Promise<boolean> {
    return true;
  }
  async delete(): Promise<boolean> {
    return true;
  }
  async clear(): Promise<void> {}
  on(): this {
    return this;
  }
}

/** The fields of @keyv/dynamo's KeyvDynamo that identify it: the class name and `opts.dialect: 'dynamo'`. */
class KeyvDynamo extends HoldingAdapter {
  constructor() {
    super(undefined, { tableName: 'keyv', dialect: 'dynamo' });
  }
}

const KV_MESSAGE = /Workers KV.*eventually consistent.*Durable Object \(durableObjectStore\(env\.JWT_ONCE\).*Redis/;
const refusal = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
};

describe('eventually consistent stores are refused at creation', () => {
  it('a Workers KV namespace as the store: ConfigError naming a Durable Object or Redis', () => {
    const err = refusal(() => resolveStore(new KvNamespace() as never));
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(KV_MESSAGE);
  });

  it('also with allowNonAtomicStore: true, and when the middleware or claimer is made (not at the first request)', () => {
    const kv = new KvNamespace() as never;
    expect(refusal(() => resolveStore(kv, { allowNonAtomicStore: true }))).toBeInstanceOf(ConfigError);
    const options = { secret: 'a-secret-long-enough-for-hs256-0123456789', algorithms: ['HS256' as const], store: kv };
    expect(refusal(() => createClaimer(options))).toBeInstanceOf(ConfigError);
    expect(refusal(() => jwtOnce({ ...options, allowNonAtomicStore: true }))).toBeInstanceOf(ConfigError);
  });

  it.each([
    ['holding the namespace (this.kv)', () => new HoldingAdapter(new KvNamespace())],
    ['holding it in its options', () => new HoldingAdapter(undefined, { kvNamespace: new KvNamespace() })],
    ['with a Cloudflare KV dialect (as @keyv/cloudflare-kv would set)', () => new HoldingAdapter(undefined, { dialect: 'cloudflare-kv' })],
  ])('a Keyv over Workers KV, %s: refused, allowNonAtomicStore included', (_, adapter) => {
    const keyv = new Keyv(adapter() as never);
    for (const options of [{}, { allowNonAtomicStore: true }]) {
      const err = refusal(() => resolveStore(keyv, options));
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toMatch(/Workers KV.*eventually consistent.*Durable Object.*Redis/);
    }
  });

  it('a Keyv adapter class named after Cloudflare KV is refused', () => {
    class KeyvCloudflareKv extends HoldingAdapter {}
    expect(refusal(() => resolveStore(new Keyv(new KeyvCloudflareKv(undefined) as never), { allowNonAtomicStore: true }))).toBeInstanceOf(
      ConfigError,
    );
  });

  it('@keyv/dynamo (eventually consistent reads, unconditional writes): refused, allowNonAtomicStore included', () => {
    const err = refusal(() => resolveStore(new Keyv(new KeyvDynamo() as never), { allowNonAtomicStore: true }));
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/@keyv\/dynamo.*eventually consistent.*Durable Object.*Redis/);
  });

  it('durableObjectStore() given a KV namespace instead of the Durable Object binding: ConfigError', () => {
    expect(refusal(() => durableObjectStore(new KvNamespace() as never))).toBeInstanceOf(ConfigError);
  });

  it('keeps accepting what is consistent: a ClaimStore, new Keyv(), another adapter with allowNonAtomicStore', () => {
    const memory = new MemoryStore();
    expect(resolveStore(memory)).toBe(memory);
    // A ClaimStore that also has KV-like methods is a ClaimStore: its claim is atomic.
    const claimStore = Object.assign(new KvNamespace(), { claim: () => true, release: () => undefined });
    expect(resolveStore(claimStore as never)).toBe(claimStore);
    expect(resolveStore(new Keyv())).toBeDefined();
    expect(resolveStore(new Keyv(new HoldingAdapter(undefined) as never), { allowNonAtomicStore: true })).toBeInstanceOf(KeyvLockedStore);
  });
});
