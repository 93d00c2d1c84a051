/** Store classes jwt-once ships, by class name, and the kind events and metrics report for them. */
const KINDS: Record<string, string> = {
  MemoryStore: 'memory',
  KeyvMapStore: 'memory',
  RedisClaimStore: 'redis',
  SqliteClaimStore: 'sqlite',
  PostgresClaimStore: 'postgresql',
  KeyvLockedStore: 'keyv',
};

/**
 * The kind of a store, as events and metrics report it (`db.system.name` in
 * OpenTelemetry terms): `memory`, `redis`, `sqlite`, `postgresql`, `keyv`,
 * or `custom` for any other {@link ClaimStore} (and for a bundle that renamed
 * the classes).
 *
 * @example
 * storeKind(new MemoryStore()); // 'memory'
 */
export function storeKind(store: object): string {
  const name = (store as { constructor?: { name?: unknown } }).constructor?.name;
  return (typeof name === 'string' && KINDS[name]) || 'custom';
}
