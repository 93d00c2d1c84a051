import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

/** Runs `ip ...` and throws with its stderr on failure. */
export function ip(...args: string[]): void {
  const run = spawnSync('ip', args, { encoding: 'utf8', timeout: 5000 });
  if (run.status !== 0) throw new Error(`ip ${args.join(' ')} failed: ${run.stderr || run.error?.message || run.status}`);
}

/** True when this process may create a network namespace (root, `ip` present): probed by creating and deleting one. */
export function canCreateNamespaces(): boolean {
  const probe = `jo-probe-${randomBytes(3).toString('hex')}`;
  if (spawnSync('ip', ['netns', 'add', probe], { timeout: 5000 }).status !== 0) return false;
  spawnSync('ip', ['netns', 'del', probe], { timeout: 5000 });
  return true;
}

/**
 * A Redis host and application hosts, each in a network namespace of its own,
 * each application host joined to the Redis host by a veth pair on a private
 * /24 that exists only inside those namespaces (10.213.<n>.0/24: Redis is
 * .1, the host .2). Nothing is added to the namespace the tests run in.
 */
export class NetnsLab {
  private readonly tag = randomBytes(3).toString('hex');
  readonly redisNs = `jo-${this.tag}-redis`;
  private readonly created: string[] = [];
  private readonly onExit = (): void => this.removeSync();

  /** Namespace of application host `n` (1-based). */
  hostNs(n: number): string {
    return `jo-${this.tag}-app${n}`;
  }

  /** The host-side interface of host `n`, for cutting its link. */
  hostIf(n: number): string {
    return `jo${this.tag}h${n}`;
  }

  /** Redis's address as host `n` reaches it. */
  redisAddress(n: number): string {
    return `10.213.${n}.1`;
  }

  create(hosts: number): void {
    process.once('exit', this.onExit); // even when a test fails hard
    this.add(this.redisNs);
    ip('-n', this.redisNs, 'link', 'set', 'lo', 'up');
    for (let n = 1; n <= hosts; n++) {
      const ns = this.hostNs(n);
      const redisSide = `jo${this.tag}r${n}`;
      this.add(ns);
      ip('-n', ns, 'link', 'set', 'lo', 'up');
      ip('link', 'add', this.hostIf(n), 'netns', ns, 'type', 'veth', 'peer', 'name', redisSide, 'netns', this.redisNs);
      ip('-n', this.redisNs, 'addr', 'add', `${this.redisAddress(n)}/24`, 'dev', redisSide);
      ip('-n', this.redisNs, 'link', 'set', redisSide, 'up');
      ip('-n', ns, 'addr', 'add', `10.213.${n}.2/24`, 'dev', this.hostIf(n));
      ip('-n', ns, 'link', 'set', this.hostIf(n), 'up');
    }
  }

  /** Takes host `n`'s only link down (`up` false) or brings it back. */
  setLink(n: number, up: boolean): void {
    ip('-n', this.hostNs(n), 'link', 'set', this.hostIf(n), up ? 'up' : 'down');
  }

  /** Deletes every namespace created (their veth pairs go with them). */
  remove(): void {
    this.removeSync();
    process.off('exit', this.onExit);
  }

  private add(ns: string): void {
    ip('netns', 'add', ns);
    this.created.push(ns);
  }

  private removeSync(): void {
    for (const ns of this.created.splice(0).reverse()) spawnSync('ip', ['netns', 'del', ns], { timeout: 5000 });
  }
}
