/**
 * Names of everything the dataplane creates. Every network namespace carries the run prefix
 * (`pn` by default, `PODNET_PREFIX` to override) followed by a dash, so `podnet down` finds what an
 * `up` made — even one that crashed before it wrote its state — by listing namespaces, and two runs
 * (two tests) with different prefixes never touch each other's namespaces. Links and processes live
 * inside those namespaces, so deleting the namespaces (after killing their processes) removes all.
 */
import { createHash } from 'node:crypto';

export const DEFAULT_PREFIX = 'pn';
/** Letters and digits only: a dash inside a prefix would make `pn-x-…` look like a `pn` namespace. */
const PREFIX_RE = /^[a-z][a-z0-9]{0,15}$/;
/** Namespace names are file names under /var/run/netns; keep well below NAME_MAX. */
const MAX_NETNS = 200;

export class PrefixError extends Error {}

export function dataplanePrefix(env: NodeJS.ProcessEnv = process.env): string {
  const p = env.PODNET_PREFIX ?? DEFAULT_PREFIX;
  if (!PREFIX_RE.test(p)) {
    throw new PrefixError(`PODNET_PREFIX ${JSON.stringify(p)} is invalid: must be 1-16 lower-case letters or digits, starting with a letter`);
  }
  return p;
}

export class DataplaneNames {
  constructor(readonly prefix: string) {
    if (!PREFIX_RE.test(prefix)) throw new PrefixError(`invalid dataplane prefix ${JSON.stringify(prefix)}`);
  }

  /** The underlay: one bridge joining every node's eth0. */
  get underlay(): string {
    return `${this.prefix}-ul`;
  }

  node(name: string): string {
    return this.bounded(`${this.prefix}-node-${name}`);
  }

  /** Namespace names are DNS labels (no dots), so `ns.name` is unambiguous. */
  pod(namespace: string, name: string): string {
    return this.bounded(`${this.prefix}-pod-${namespace}.${name}`);
  }

  /** True for every namespace a run with this prefix may have made. */
  owns(netns: string): boolean {
    return netns.startsWith(`${this.prefix}-`);
  }

  private bounded(name: string): string {
    if (name.length <= MAX_NETNS) return name;
    const hash = createHash('sha256').update(name).digest('hex').slice(0, 16);
    return `${name.slice(0, MAX_NETNS - 17)}-${hash}`;
  }
}
