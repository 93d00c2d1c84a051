/** The part of a `@keyv/postgres` 2 adapter the store uses: its query function (its pool) and options. */
export interface KeyvPostgresAdapter {
  query(sql: string, values?: unknown[]): Promise<Array<Record<string, unknown>>>;
  opts: { dialect?: string; table?: string; schema?: string; keySize?: number; useUnloggedTable?: boolean };
  disconnect?(): Promise<void>;
}

/**
 * True when `adapter` is a `@keyv/postgres` 2 adapter. Checked by shape: the package is not loaded.
 * @example
 * isKeyvPostgresAdapter(keyv.store) // true for new Keyv(new KeyvPostgres(uri))
 */
export function isKeyvPostgresAdapter(adapter: unknown): boolean {
  const a = adapter as Partial<KeyvPostgresAdapter> | null | undefined;
  return typeof a === 'object' && a !== null && typeof a.query === 'function' && a.opts?.dialect === 'postgres';
}
