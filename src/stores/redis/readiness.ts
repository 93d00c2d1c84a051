import { StoreError } from '../../errors.js';
import { checkServer, type InfoClient, type RedisServerReport } from './checks.js';
import { everyInterval } from '../safety-timer.js';
import { isCluster, type ClusterClient, type Listener, type RedisCommandClient } from './client.js';

/** How long a claim may wait for a connection the store is still making, and how INFO is bounded. */
export interface RedisReadinessOptions {
  /** Most ms to wait for the connection and its checks. */
  connectTimeout: number;
  /** Skip refusing an evicting Redis (still reported). */
  allowEvicting: boolean;
  /** Ms between two checks of every server while connected (0: only on (re)connect). */
  safetyCheckInterval: number;
}

/** A check of one server in flight; claims wait for a foreground one, never for a background one. */
interface RunningCheck {
  promise: Promise<void>;
  background: boolean;
}

interface Waiter {
  promise: Promise<void>;
  resolve(): void;
  reject(err: StoreError): void;
  timer: ReturnType<typeof setTimeout>;
}

const RECHECK_MS = 1000;

/**
 * Readiness of one Redis client or cluster for the claim store:
 *
 * - **Usable** when the client is ready (a cluster: open with its slots known)
 *   and every server (each master of a cluster) passed the eviction check
 *   since it last (re)connected, and passed the last periodic check.
 * - **Checks again** every `safetyCheckInterval` ms while connected, in the
 *   background (claims go on meanwhile): a server switched to an evicting
 *   policy at run time (`CONFIG SET`) is refused from the check that sees it,
 *   until a check finds it safe again. The timer never keeps the process alive.
 * - **Waits** while the first connection, a connection the store started, or
 *   a check is in flight: bounded by `connectTimeout`.
 * - **Fails fast** when a client that was ready is reconnecting, when a
 *   server failed its check (re-checked at most once a second on demand, and
 *   on every reconnect), and once closed: it never reconnects after that.
 *
 * @example
 * const readiness = new RedisReadiness(client, { connectTimeout: 1000, allowEvicting: false, safetyCheckInterval: 10_000 });
 * const send = readiness.usable ? readiness.raw : (await readiness.whenUsable(), readiness.raw);
 */
export class RedisReadiness {
  private readonly cluster: boolean;
  private everReady = false;
  private checkedOnce = false;
  private pending = 0;
  private closed = false;
  private connecting: Promise<void> | undefined;
  private waiter: Waiter | undefined;
  private refusedAt = 0;
  private readonly refusals = new Map<string, StoreError>();
  private readonly reports = new Map<string, RedisServerReport>();
  private readonly inFlight = new Map<object, RunningCheck>();
  /** The last check started per server address: only its result is applied. */
  private readonly generations = new Map<string, number>();
  private readonly stopTimer: (() => void) | undefined;
  private readonly watched = new WeakSet<object>();
  private readonly listeners: Array<[RedisCommandClient, string, Listener]> = [];

  constructor(
    readonly raw: RedisCommandClient,
    private readonly options: RedisReadinessOptions,
  ) {
    this.cluster = isCluster(raw);
    if (this.cluster) {
      this.listen(raw, 'connect', () => this.checkMasters());
      this.listen(raw, 'node-ready', () => this.checkMasters());
      if (raw.isOpen && (raw as ClusterClient).masters.length > 0) this.checkMasters();
    } else {
      this.listen(raw, 'ready', () => this.checkSingle());
      if (raw.isReady === true) this.checkSingle();
    }
    if (options.safetyCheckInterval > 0) this.stopTimer = everyInterval(options.safetyCheckInterval, () => this.checkNow());
  }

  /**
   * Checks every server now, in the background, when connected (a
   * connection being made is checked once it is ready anyway). Never
   * rejects: what it finds is applied (a refusal, or the end of one).
   */
  checkNow(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.cluster) {
      const cluster = this.raw as ClusterClient;
      return cluster.isOpen && cluster.masters.length > 0 ? this.checkMasters(true) : Promise.resolve();
    }
    if (this.raw.isReady !== true) return Promise.resolve();
    return this.track(this.raw, this.singleAddress(), this.raw as unknown as InfoClient, true);
  }

  /** What the last checks found, one entry per server. */
  get servers(): RedisServerReport[] {
    return [...this.reports.values()];
  }

  /** True when a command may be sent now, with no await. */
  get usable(): boolean {
    if (this.closed || this.pending > 0 || this.refusals.size > 0 || !this.checkedOnce) return false;
    return this.cluster ? this.raw.isOpen && (this.raw as ClusterClient).masters.length > 0 : this.raw.isReady === true;
  }

  /** Resolves when usable; rejects (a StoreError) at once when it must fail fast, or after `connectTimeout`. */
  whenUsable(): Promise<void> {
    if (this.usable) return Promise.resolve();
    const refusal = this.refusal();
    if (refusal !== undefined) return Promise.reject(refusal);
    if (!this.raw.isOpen && this.connecting === undefined) this.connect();
    this.waiter ??= this.newWaiter();
    return this.waiter.promise;
  }

  /** Waits, at most `ms`, for a connection this readiness started to be made or fail. */
  connected(ms: number): Promise<void> {
    const connecting = this.connecting;
    if (connecting === undefined) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      void connecting.then(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Closes for good: later calls fail fast, nothing reconnects, listeners are removed. */
  close(): void {
    this.closed = true;
    this.stopTimer?.();
    for (const [emitter, event, listener] of this.listeners) emitter.off(event, listener);
    this.listeners.length = 0;
    this.notify();
  }

  /** The error to fail fast with, or `undefined` when waiting makes sense. */
  private refusal(): StoreError | undefined {
    if (this.closed) return new StoreError('The Redis claim store is closed');
    const refused = this.refusals.values().next();
    if (!refused.done) {
      if (Date.now() - this.refusedAt >= RECHECK_MS) this.recheck();
      return refused.value;
    }
    const reconnecting = !this.cluster && this.everReady && this.raw.isOpen && this.raw.isReady !== true;
    if (reconnecting && this.connecting === undefined) return new StoreError('Redis is reconnecting');
    return undefined;
  }

  private recheck(): void {
    this.refusedAt = Date.now();
    if (this.cluster) this.checkMasters();
    else if (this.raw.isReady === true) this.checkSingle();
  }

  private connect(): void {
    this.connecting = this.raw.connect().then(
      () => {
        this.connecting = undefined;
        this.notify();
      },
      (cause: unknown) => {
        this.connecting = undefined;
        this.fail(new StoreError('Redis could not connect', { cause }));
      },
    );
  }

  private listen(emitter: RedisCommandClient, event: string, listener: Listener): void {
    emitter.on(event, listener);
    this.listeners.push([emitter, event, listener]);
  }

  private checkSingle(): void {
    this.everReady = true;
    void this.track(this.raw, this.singleAddress(), this.raw as unknown as InfoClient);
  }

  private singleAddress(): string {
    const socket = (this.raw as { options?: { socket?: { host?: string; port?: number; path?: string } } }).options?.socket;
    return socket?.path ?? `${socket?.host ?? 'localhost'}:${socket?.port ?? 6379}`;
  }

  /**
   * Checks every master a cluster lists now; a master that reconnects later is
   * checked again. Claims wait for it, unless `background` (the periodic check).
   */
  private checkMasters(background = false): Promise<void> {
    if (this.closed) return Promise.resolve();
    const cluster = this.raw as ClusterClient;
    if (!background) this.pending++;
    const masters = [...cluster.masters];
    const current = new Set(masters.map((m) => m.address));
    for (const address of [...this.reports.keys()]) {
      if (!current.has(address)) {
        this.reports.delete(address);
        this.refusals.delete(address);
      }
    }
    return Promise.all(
      masters.map(async (master) => {
        const node = await cluster.nodeClient(master);
        if (!this.watched.has(node)) {
          this.watched.add(node);
          this.listen(node, 'ready', () => void this.track(node, master.address, node));
        }
        await this.track(node, master.address, node, background);
      }),
    )
      .catch((cause: unknown) => {
        this.refusals.set('cluster', new StoreError('Redis Cluster could not reach a master to check it', { cause }));
        this.refusedAt = Date.now();
      })
      .then(() => {
        if (this.refusals.has('cluster') && masters.length > 0 && [...current].every((a) => this.reports.has(a))) {
          this.refusals.delete('cluster');
        }
        if (!background) this.everReady = true;
        this.settle(background);
      });
  }

  /**
   * One check per server at a time; the store waits while a foreground one
   * runs. A foreground check asked for while a background one runs starts
   * anew (the server may have reconnected since); the result of the check
   * started last is the one kept.
   */
  private track(key: object, address: string, client: InfoClient, background = false): Promise<void> {
    const running = this.inFlight.get(key);
    if (running !== undefined && (background || !running.background)) return running.promise;
    const generation = (this.generations.get(address) ?? 0) + 1;
    this.generations.set(address, generation);
    if (!background) this.pending++;
    const check: Promise<void> = Promise.resolve()
      .then(() => checkServer(client, address, this.options.allowEvicting, this.options.connectTimeout))
      .catch((cause: unknown) => ({
        report: { address, maxmemory: undefined, maxmemoryPolicy: undefined, aofEnabled: undefined, refused: !this.options.allowEvicting },
        refusal: this.options.allowEvicting ? undefined : new StoreError('jwt-once could not check Redis for eviction', { cause }),
      }))
      .then(({ report, refusal }) => {
        if (this.inFlight.get(key)?.promise === check) this.inFlight.delete(key);
        if (this.generations.get(address) === generation) {
          this.reports.set(address, report);
          if (refusal === undefined) this.refusals.delete(address);
          else {
            this.refusals.set(address, refusal);
            this.refusedAt = Date.now();
          }
        }
        this.settle(background);
      });
    this.inFlight.set(key, { promise: check, background });
    return check;
  }

  /** A check ended: claims waiting go on, or fail fast, by what it found. A background check was not counted. */
  private settle(background = false): void {
    if (!background) this.pending--;
    if (this.pending === 0 && this.refusals.size === 0) this.checkedOnce = true;
    this.notify();
  }

  private newWaiter(): Waiter {
    let resolve!: () => void;
    let reject!: (err: StoreError) => void;
    const promise = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    promise.catch(() => undefined); // every caller handles it; none may surface as unhandled
    const ms = this.options.connectTimeout;
    const timer = setTimeout(() => this.fail(new StoreError(`Redis was not ready within ${ms} ms`)), ms);
    timer.unref?.();
    return { promise, resolve, reject, timer };
  }

  /** Wakes the waiting claims when usable, or fails them when they must fail fast. */
  private notify(): void {
    const waiter = this.waiter;
    if (waiter === undefined) return;
    if (this.usable) {
      this.waiter = undefined;
      clearTimeout(waiter.timer);
      waiter.resolve();
      return;
    }
    if (this.closed || (this.pending === 0 && this.refusals.size > 0)) {
      this.fail(this.refusal() ?? new StoreError('The Redis claim store is closed'));
    }
  }

  private fail(err: StoreError): void {
    const waiter = this.waiter;
    if (waiter === undefined) return;
    this.waiter = undefined;
    clearTimeout(waiter.timer);
    waiter.reject(err);
  }
}
