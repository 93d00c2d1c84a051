import { StoreError } from '../errors.js';

/**
 * Loads an optional peer dependency by name. The specifier is a variable, so a
 * bundler (esbuild, wrangler) does not try to resolve it: an edge bundle of the
 * main entry builds without `@keyv/*`, `pg` or `redis` installed, and only the
 * store URL that needs the package fails (503) when it is absent.
 *
 * @param name the package to load.
 * @param forUrl the store URL it is for, redacted (no password, no query).
 * @param install what to install when it is missing. @default `name`
 * @throws {StoreError} naming the package to install (the detail stays on the error, never in a response body).
 * @example
 * const module = await loadPeer('@keyv/sqlite', 'sqlite://var/claims.db');
 * const KeyvSqlite = namedExport(module, 'KeyvSqlite');
 */
export async function loadPeer(name: string, forUrl: string, install: string = name): Promise<{ default?: unknown }> {
  try {
    return (await import(name)) as { default?: unknown };
  } catch (cause) {
    const missing = (cause as { code?: unknown } | null)?.code;
    if (missing === 'ERR_MODULE_NOT_FOUND' || missing === 'MODULE_NOT_FOUND') {
      throw new StoreError(`jwt-once: the store ${forUrl} needs the optional package ${install}: npm install ${install}`, { cause });
    }
    throw new StoreError(`jwt-once: ${name} could not be loaded for the store ${forUrl}`, { cause });
  }
}

/**
 * An export of a loaded module, whether it came through ESM (`named` or
 * `default.named`) or CommonJS interop (`default`).
 *
 * @example
 * const Keyv = namedExport<KeyvConstructor>(await import('keyv'), 'Keyv');
 */
export function namedExport<T>(module: { default?: unknown }, named: string): T {
  const m = module as Record<string, unknown>;
  return (m[named] ?? (m.default as Record<string, unknown> | undefined)?.[named] ?? m.default) as T;
}
