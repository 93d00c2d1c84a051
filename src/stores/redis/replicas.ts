import { StoreError } from '../../errors.js';

/** `sendCommand` of a single client (`args`) and of a cluster client (`firstKey, isReadonly, args`). */
interface SendsCommands {
  sendCommand(...args: unknown[]): Promise<unknown>;
}

/**
 * `WAIT numreplicas timeout` after winning claims: a 2xx is answered only
 * once `replicas` replicas hold the claim, so a failover cannot lose it.
 *
 * - **Single client:** one connection; WAIT counts every write sent on it
 *   before the WAIT. Wins are batched: a win joins the next WAIT sent after
 *   its SET was answered (never one sent before), so many claims in flight
 *   share one WAIT rather than queueing one each behind the blocking command.
 * - **Cluster:** WAIT goes to the master that owns the key, one per win.
 * - Fewer acknowledgements than asked, or an error: a StoreError (503). The
 *   claim is kept (closed, never open): a retry of the token is a replay.
 *
 * @example
 * const replicas = new ReplicaWait(client, false, 1, 100);
 * if ((await client.set(key, value, { condition: 'NX' })) === 'OK') await replicas.confirm(key);
 */
export class ReplicaWait {
  private readonly args: string[];
  private inFlight: Promise<unknown> | undefined;
  private next: Promise<unknown> | undefined;

  constructor(
    private readonly client: SendsCommands,
    private readonly cluster: boolean,
    readonly replicas: number,
    readonly timeout: number,
  ) {
    this.args = ['WAIT', String(replicas), String(timeout)];
  }

  /** Resolves once `replicas` replicas acknowledged the claim written under `redisKey`. */
  async confirm(redisKey: string): Promise<void> {
    let acks: unknown;
    try {
      acks = await (this.cluster ? this.client.sendCommand(redisKey, false, this.args) : this.batched());
    } catch (cause) {
      throw new StoreError('Redis could not confirm the claim on its replicas; the claim is kept and the token refused', { cause });
    }
    if (typeof acks !== 'number' || acks < this.replicas) {
      throw new StoreError(
        `Redis confirmed the claim on ${String(acks)} of ${this.replicas} replicas within ${this.timeout} ms; ` +
          'the claim is kept and the token refused',
      );
    }
  }

  /** A WAIT sent now, or, while one is in flight, the next one, sent when it returns. */
  private batched(): Promise<unknown> {
    if (this.inFlight === undefined) {
      const sent = this.client.sendCommand(this.args);
      this.inFlight = sent;
      const clear = (): void => {
        if (this.inFlight === sent) this.inFlight = undefined;
      };
      sent.then(clear, clear);
      return sent;
    }
    this.next ??= this.inFlight.then(
      () => this.sendNext(),
      () => this.sendNext(),
    );
    return this.next;
  }

  private sendNext(): Promise<unknown> {
    this.next = undefined;
    return this.batched();
  }
}
