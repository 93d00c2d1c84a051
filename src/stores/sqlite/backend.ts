import { resolve as resolvePath } from 'node:path';
import type Keyv from 'keyv';
import { ConfigError } from '../../errors.js';
import { loadKeyv } from '../keyv-binding.js';
import { loadPeer, namedExport } from '../optional-peer.js';
import type { StoreBackend } from '../store-backend.js';
import { handleOpenFailure, isKeyvSqliteAdapter, type KeyvSqliteAdapter } from './connection.js';
import { ensureDirectoryOf } from './file.js';
import { SqliteClaimStore } from './sqlite-store.js';

/** Opens a Keyv on `@keyv/sqlite` for a `sqlite://` URL store, namespace `jwt-once`. */
async function openSqlite(url: string, path: string): Promise<Keyv> {
  const module = await loadPeer('@keyv/sqlite', url);
  const KeyvSqlite = namedExport<new (options: object) => KeyvSqliteAdapter>(module, 'KeyvSqlite');
  const Keyv = await loadKeyv();
  const file = path === ':memory:' ? path : resolvePath(path);
  // A missing directory is made (0700); one that cannot be is reported by the claim, which tries again.
  if (file !== ':memory:') {
    try {
      ensureDirectoryOf(file);
    } catch {
      // the open below fails and says so; the store opens the file again on the next claim
    }
  }
  const adapter = new KeyvSqlite({ uri: `sqlite://${file}`, busyTimeout: 5000 });
  adapter.on?.('error', () => undefined); // failures surface as rejected claims
  handleOpenFailure(adapter); // never an unhandled rejection, even for a moment
  const keyv = new Keyv(adapter, { namespace: 'jwt-once' });
  keyv.on('error', () => undefined);
  return keyv;
}

/**
 * `sqlite://relative/path.db`, `sqlite:///absolute/path.db`: a {@link SqliteClaimStore}
 * (every process on the machine), Keyv namespace `jwt-once`, missing directories
 * created (mode 0700); and a Keyv on `@keyv/sqlite`.
 *
 * @example
 * sqliteBackend.open!('sqlite://var/jwt-once.db', 'sqlite'); // a SqliteClaimStore; @keyv/sqlite loads on the first claim
 */
export const sqliteBackend: StoreBackend = {
  schemes: ['sqlite'],
  open(url) {
    const path = url.slice('sqlite://'.length).split('?')[0]!;
    if (path === '') throw new ConfigError('a sqlite:// store URL needs a file path, e.g. sqlite://var/jwt-once.db');
    return new SqliteClaimStore(openSqlite(url, decodeURIComponent(path)), { createDirectory: true }, true);
  },
  fromKeyv: (keyv) => (isKeyvSqliteAdapter(keyv.store) ? new SqliteClaimStore(keyv) : undefined),
};
