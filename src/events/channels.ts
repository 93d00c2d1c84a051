// The `node:diagnostics_channel` channels jwt-once publishes on. Loaded with
// `process.getBuiltinModule` (Node >= 20.16, Bun, Deno, workerd with
// nodejs_compat): no import a bundler must resolve, and a runtime without the
// module gets in-process channels of the same shape instead, never a crash.

/**
 * The names of the channels jwt-once publishes on, one per event. Subscribe
 * with `diagnostics_channel.subscribe(name, listener)`; see
 * docs/reference/observability.md for each message's shape.
 *
 * @example
 * import { subscribe } from 'node:diagnostics_channel';
 * import { CHANNELS } from 'jwt-once';
 * subscribe(CHANNELS.refusal, (message) => log.info(message.code, message.scope));
 */
export const CHANNELS = {
  /** A token (or DPoP proof) was claimed: {@link ClaimMessage}. */
  claim: 'jwt-once:claim',
  /** A request was refused, whatever the cause: {@link RefuseEvent}. */
  refusal: 'jwt-once:refusal',
  /** A replay was refused: {@link ReplayMessage}. */
  replay: 'jwt-once:replay',
  /** The store failed (503): {@link StoreErrorMessage}. */
  storeError: 'jwt-once:store-error',
} as const;

/** One channel's name. */
export type ChannelName = (typeof CHANNELS)[keyof typeof CHANNELS];

/** A listener of a channel: the message and the channel's name. */
export type ChannelListener = (message: unknown, name: string | symbol) => void;

/** What jwt-once needs of a `node:diagnostics_channel` Channel. */
interface DiagnosticsChannel {
  /** A getter on Node, Bun and Deno; a method on workerd. */
  readonly hasSubscribers: boolean | (() => boolean);
  publish(message: unknown): void;
}

interface DiagnosticsModule {
  channel(name: string): DiagnosticsChannel;
  subscribe(name: string, listener: ChannelListener): void;
  unsubscribe(name: string, listener: ChannelListener): boolean;
}

/**
 * The runtime's `node:diagnostics_channel`, or `undefined` where there is none
 * (no `process`: workerd without nodejs_compat, a browser). Node before 20.16
 * has no `getBuiltinModule`: there the CommonJS build's own `require` loads it.
 */
function diagnosticsModule(): DiagnosticsModule | undefined {
  try {
    const load = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule;
    // A variable, so that a bundler leaves it alone: the edge takes the getBuiltinModule path.
    const id = 'node:diagnostics_channel';
    let module: unknown;
    if (typeof load === 'function') module = load(id);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    else if (typeof require === 'function') module = require(id);
    return typeof (module as Partial<DiagnosticsModule> | undefined)?.channel === 'function' ? (module as DiagnosticsModule) : undefined;
  } catch {
    return undefined;
  }
}

/** An in-process channel with the same surface, where the runtime has none. */
class LocalChannel implements DiagnosticsChannel {
  readonly listeners = new Set<ChannelListener>();
  constructor(readonly name: string) {}
  get hasSubscribers(): boolean {
    return this.listeners.size > 0;
  }
  publish(message: unknown): void {
    for (const listener of this.listeners) {
      try {
        listener(message, this.name);
      } catch {
        // diagnostics_channel reports a throwing listener on process.nextTick; here it is ignored
      }
    }
  }
}

const dc = diagnosticsModule();
const local = new Map<string, LocalChannel>();

function localChannel(name: string): LocalChannel {
  let made = local.get(name);
  if (made === undefined) {
    made = new LocalChannel(name);
    local.set(name, made);
  }
  return made;
}

/**
 * One channel jwt-once publishes on. `active()` is read before any message is
 * built: with no subscriber, publishing costs that one check.
 */
export class Topic {
  private readonly channel: DiagnosticsChannel;
  /** workerd's `hasSubscribers` is a method, Node's a getter: read once which. */
  private readonly isMethod: boolean;
  constructor(readonly name: ChannelName) {
    this.channel = dc === undefined ? localChannel(name) : dc.channel(name);
    this.isMethod = typeof this.channel.hasSubscribers === 'function';
  }
  /** True when someone subscribes to this channel now. */
  active(): boolean {
    return this.isMethod ? (this.channel.hasSubscribers as () => boolean)() : (this.channel.hasSubscribers as boolean);
  }
  /** Publishes `message`; a listener that throws never reaches the caller. */
  publish(message: unknown): void {
    try {
      this.channel.publish(message);
    } catch {
      // Observers observe: they never change the outcome.
    }
  }
}

/** The four topics, made once per process (the channels are process-wide by name anyway). */
export const TOPICS = {
  claim: new Topic(CHANNELS.claim),
  refusal: new Topic(CHANNELS.refusal),
  replay: new Topic(CHANNELS.replay),
  storeError: new Topic(CHANNELS.storeError),
};

/**
 * Subscribes `listener` to a jwt-once channel: through `node:diagnostics_channel`
 * where the runtime has it, else to jwt-once's in-process channel of that name.
 * Returns the function that unsubscribes it.
 *
 * @example
 * const stop = subscribeChannel(CHANNELS.claim, (message) => count++);
 * stop();
 */
export function subscribeChannel(name: ChannelName, listener: ChannelListener): () => void {
  if (dc === undefined) {
    const channel = localChannel(name);
    channel.listeners.add(listener);
    return () => void channel.listeners.delete(listener);
  }
  dc.subscribe(name, listener);
  return () => void dc.unsubscribe(name, listener);
}
