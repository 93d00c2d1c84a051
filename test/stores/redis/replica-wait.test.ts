import { ReplicaWait } from '../../../src/stores/redis/replicas.js';
import { StoreError } from '../../../src/index.js';

// Issue 22.2: a win must not join a WAIT already in flight. WAIT counts the writes sent on the
// connection before it, so a WAIT sent before a win's SET was answered may not cover that SET.
// A unit test of ordering: the client is a fake whose replies the test resolves by hand.

interface Sent {
  args: unknown[];
  resolve(acks: unknown): void;
  reject(err: unknown): void;
}

function fakeClient(): { sent: Sent[]; sendCommand(...args: unknown[]): Promise<unknown> } {
  const sent: Sent[] = [];
  return {
    sent,
    sendCommand(...args: unknown[]): Promise<unknown> {
      return new Promise((resolve, reject) => sent.push({ args, resolve, reject }));
    },
  };
}

/** Lets every promise callback already due run (a few turns of the microtask queue and one macrotask). */
async function settle(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
}

function tracked(promise: Promise<void>): { done: boolean; failed: unknown } {
  const state: { done: boolean; failed: unknown } = { done: false, failed: undefined };
  promise.then(
    () => {
      state.done = true;
    },
    (err: unknown) => {
      state.failed = err;
    },
  );
  return state;
}

describe('ReplicaWait: a win waits for a WAIT sent after its SET was answered', () => {
  it('a confirm arriving while a WAIT is in flight gets the next WAIT, sent once the first returns', async () => {
    const client = fakeClient();
    const replicas = new ReplicaWait(client, false, 1, 100);
    const first = tracked(replicas.confirm('k1'));
    await settle();
    expect(client.sent).toHaveLength(1);
    expect(client.sent[0]!.args).toEqual([['WAIT', '1', '100']]);

    const second = tracked(replicas.confirm('k2')); // its SET was answered after the first WAIT was sent
    await settle();
    expect(client.sent).toHaveLength(1); // one WAIT at a time on the connection

    client.sent[0]!.resolve(1);
    await settle();
    expect(first.done).toBe(true);
    expect(client.sent).toHaveLength(2); // a WAIT of its own for k2...
    expect(second.done).toBe(false); // ...which k2 waits for, not the first one's answer

    client.sent[1]!.resolve(1);
    await settle();
    expect(second.done).toBe(true);
    expect(client.sent).toHaveLength(2);
  });

  it('wins arriving during one WAIT share the next one; a short count refuses only the wins it covers', async () => {
    const client = fakeClient();
    const replicas = new ReplicaWait(client, false, 1, 100);
    const first = tracked(replicas.confirm('k1'));
    await settle();
    const later = ['k2', 'k3', 'k4'].map((key) => tracked(replicas.confirm(key)));
    await settle();
    expect(client.sent).toHaveLength(1);

    client.sent[0]!.resolve(0); // the replica did not acknowledge k1 in time
    await settle();
    expect(first.failed).toBeInstanceOf(StoreError);
    expect(client.sent).toHaveLength(2); // one WAIT for the three later wins
    expect(later.every((s) => !s.done && s.failed === undefined)).toBe(true);

    client.sent[1]!.resolve(1);
    await settle();
    expect(later.every((s) => s.done)).toBe(true);
    expect(client.sent).toHaveLength(2);
  });

  it('after a failed WAIT the waiting wins still get a WAIT of their own', async () => {
    const client = fakeClient();
    const replicas = new ReplicaWait(client, false, 1, 100);
    const first = tracked(replicas.confirm('k1'));
    await settle();
    const second = tracked(replicas.confirm('k2'));
    await settle();
    client.sent[0]!.reject(new Error('connection lost'));
    await settle();
    expect(first.failed).toBeInstanceOf(StoreError);
    expect(second.failed).toBeUndefined();
    expect(client.sent).toHaveLength(2);
    client.sent[1]!.resolve(1);
    await settle();
    expect(second.done).toBe(true);
  });

  it('on a cluster each win sends its own WAIT to the master that owns its key', async () => {
    const client = fakeClient();
    const replicas = new ReplicaWait(client, true, 1, 100);
    const a = tracked(replicas.confirm('{a}k'));
    const b = tracked(replicas.confirm('{b}k'));
    await settle();
    expect(client.sent.map((s) => s.args)).toEqual([
      ['{a}k', false, ['WAIT', '1', '100']],
      ['{b}k', false, ['WAIT', '1', '100']],
    ]);
    client.sent[1]!.resolve(1);
    client.sent[0]!.resolve(1);
    await settle();
    expect(a.done && b.done).toBe(true);
  });
});
