// On Workers and in browsers `setInterval` returns a number, with no `unref`.
// The stores' own timers must run there: a claim that throws after it was
// written would spend the token and answer 503.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import KeyvSqlite from '@keyv/sqlite';
import Keyv from 'keyv';
import { MemoryStore, resolveStore, SqliteClaimStore } from '../../src/index.js';
import { NOW } from '../helpers/tokens.js';

/** Makes `setInterval` hand out numbers (as Workers do) over the timers in place; undone by the returned function. */
function numericIntervals(): { restore(): void; live(): number } {
  const realSet = globalThis.setInterval;
  const realClear = globalThis.clearInterval;
  const handles = new Map<number, ReturnType<typeof setInterval>>();
  let next = 1;
  globalThis.setInterval = ((fn: () => void, ms?: number) => {
    const id = next++;
    handles.set(id, realSet(fn, ms));
    return id;
  }) as unknown as typeof setInterval;
  globalThis.clearInterval = ((id: unknown) => {
    realClear(handles.get(id as number));
    handles.delete(id as number);
  }) as typeof clearInterval;
  return {
    live: () => handles.size,
    restore() {
      for (const handle of handles.values()) realClear(handle);
      globalThis.setInterval = realSet;
      globalThis.clearInterval = realClear;
    },
  };
}

afterEach(() => jest.useRealTimers());

it('MemoryStore claims, sweeps and stops where setInterval returns a number', () => {
  jest.useFakeTimers({ now: NOW });
  const timers = numericIntervals();
  try {
    const store = new MemoryStore({ sweepInterval: 1000 });
    expect(store.claim('a', NOW + 1500, NOW)).toBe(true);
    expect(timers.live()).toBe(1);
    store.claim('b', NOW + 60_000, NOW + 1600); // a later claim: sweeps go up to the latest claim's time
    jest.advanceTimersByTime(2000);
    expect(store.size).toBe(1); // the sweep ran on the numeric timer and dropped 'a'
    store.close();
    expect(timers.live()).toBe(0);
  } finally {
    timers.restore();
  }
});

it('SqliteClaimStore opens and purges where setInterval returns a number', async () => {
  const timers = numericIntervals();
  const dir = mkdtempSync(join(tmpdir(), 'jwt-once-edge-'));
  const keyv = new Keyv(new KeyvSqlite({ uri: `sqlite://${join(dir, 'claims.db')}`, busyTimeout: 5000 }));
  try {
    const store = resolveStore(keyv) as SqliteClaimStore;
    expect(store).toBeInstanceOf(SqliteClaimStore);
    await expect(store.claim('a', NOW + 60_000, NOW)).resolves.toBe(true);
    expect(timers.live()).toBe(1);
    await store.close();
    expect(timers.live()).toBe(0);
  } finally {
    timers.restore();
    await keyv.disconnect();
    rmSync(dir, { recursive: true, force: true });
  }
});
