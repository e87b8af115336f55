/**
 * host-local IPAM (containernetworking/plugins plugins/ipam/host-local), same configuration, same
 * on-disk store (one file per address holding `containerID\r\nifname`, `last_reserved_ip.<range>`,
 * flock on `lock`), same allocation order (round robin after the last reserved address, gateway
 * skipped), same errors — so it and the Go plugin are drop-in replacements for each other.
 * Requested addresses come from CNI_ARGS `IP=`, `args.cni.ips` or the `ips` capability.
 */
import { closeSync, existsSync, ftruncateSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { formatIP, parseCIDR, parseIP, type CIDR, type IPFamily } from '../../../api/cidr.ts';
import { CNIError, CNIErrorCode, type CNIDNS, type CNIIPConfig, type CNIResult, type CNIRoute, type NetConf } from '../types.ts';
import type { PluginArgs, PluginHandlers } from '../skel.ts';
import { withFileLock } from './file-lock.ts';

const DEFAULT_DATA_DIR = '/var/lib/cni/networks';
const LINE_BREAK = '\r\n';
const LAST_IP_PREFIX = 'last_reserved_ip.';

export interface IPRange {
  subnet: CIDR;
  subnetText: string;
  start: bigint;
  end: bigint;
  gateway?: bigint;
}

export interface HostLocalConf {
  name: string;
  dataDir: string;
  rangeSets: IPRange[][];
  routes: CNIRoute[];
  resolvConf?: string;
  requested: { family: IPFamily; value: bigint; text: string }[];
}

interface RawRange {
  subnet?: string;
  rangeStart?: string;
  rangeEnd?: string;
  gateway?: string;
}

const bad = (msg: string): CNIError => new CNIError(CNIErrorCode.invalidNetworkConfig, msg);

function ipValue(text: string | undefined, what: string): { family: IPFamily; value: bigint } | undefined {
  if (text === undefined) return undefined;
  const p = parseIP(text);
  if (!p) throw bad(`invalid ${what} ${JSON.stringify(text)}`);
  return p;
}

/** Range.Canonicalize: defaults and bounds. */
function canonicalRange(raw: RawRange): IPRange {
  if (!raw.subnet) throw bad('IPAM config missing \'subnet\'');
  const subnet = parseCIDR(raw.subnet);
  if (!subnet) throw bad(`invalid CIDR ${raw.subnet}`);
  const hostPart = raw.subnet.split('/')[0];
  if (parseIP(hostPart)?.value !== subnet.network) {
    throw bad(`Network has host bits set. For a subnet mask of length ${subnet.prefix} the network address is ${formatIP(subnet.family, subnet.network)}`);
  }
  if (subnet.family === 4 && subnet.prefix > 30) throw bad(`Network ${raw.subnet} too small to allocate from`);
  const v4 = subnet.family === 4;
  const inSubnet = (what: string, v: { family: IPFamily; value: bigint } | undefined): bigint | undefined => {
    if (!v) return undefined;
    if (v.family !== subnet.family || (v.value & subnet.mask) !== subnet.network) throw bad(`${what} ${formatIP(v.family, v.value)} not in network ${raw.subnet}`);
    return v.value;
  };
  const start = inSubnet('RangeStart', ipValue(raw.rangeStart, 'rangeStart')) ?? subnet.network + 1n;
  const end = inSubnet('RangeEnd', ipValue(raw.rangeEnd, 'rangeEnd')) ?? (v4 ? subnet.last - 1n : subnet.last);
  const gateway = inSubnet('gateway', ipValue(raw.gateway, 'gateway')) ?? subnet.network + 1n;
  if (start > end) throw bad(`RangeStart ${formatIP(subnet.family, start)} is after RangeEnd ${formatIP(subnet.family, end)}`);
  return { subnet, subnetText: raw.subnet, start, end, gateway };
}

const rangeSetText = (set: readonly IPRange[]): string =>
  set.map((r) => `${formatIP(r.subnet.family, r.start)}-${formatIP(r.subnet.family, r.end)}`).join(',');

const rangeContains = (r: IPRange, family: IPFamily, v: bigint): boolean => family === r.subnet.family && v >= r.start && v <= r.end;

function requestedFrom(values: unknown, where: string, out: HostLocalConf['requested']): void {
  if (values === undefined) return;
  if (!Array.isArray(values)) throw bad(`${where} must be a list of IP addresses`);
  for (const v of values) {
    if (typeof v !== 'string') throw bad(`${where}: ${JSON.stringify(v)} is not an IP address`);
    const text = v.split('/')[0];
    const p = parseIP(text);
    if (!p) throw bad(`${where}: invalid IP address ${JSON.stringify(v)}`);
    if (!out.some((o) => o.value === p.value && o.family === p.family)) out.push({ ...p, text });
  }
}

/** allocator.LoadIPAMConfig: the `ipam` section plus CNI_ARGS and runtime config. */
export function loadHostLocalConf(conf: NetConf, args: readonly [string, string][]): HostLocalConf {
  const ipam = conf.ipam as (Record<string, unknown> & RawRange & { ranges?: RawRange[][] }) | undefined;
  if (!ipam) throw bad('IPAM config missing \'ipam\' key');
  if (!conf.name) throw bad('IPAM config missing \'name\'');
  const rangeSets: IPRange[][] = [];
  if (ipam.subnet !== undefined) rangeSets.push([canonicalRange(ipam)]);
  for (const set of ipam.ranges ?? []) {
    if (!Array.isArray(set) || set.length === 0) throw bad('no IP ranges specified');
    const ranges = set.map((r) => canonicalRange(r));
    for (let i = 0; i < ranges.length; i++) {
      for (let j = i + 1; j < ranges.length; j++) {
        const [a, b] = [ranges[i], ranges[j]];
        if (a.subnet.family === b.subnet.family && a.start <= b.end && b.start <= a.end) throw bad(`range ${rangeSetText([a])} overlaps with range ${rangeSetText([b])}`);
      }
    }
    rangeSets.push(ranges);
  }
  if (!rangeSets.length) throw bad('no IP ranges specified');

  const requested: HostLocalConf['requested'] = [];
  const known = new Set(['IP', 'IgnoreUnknown']);
  const ignoreUnknown = args.some(([k, v]) => k === 'IgnoreUnknown' && (v === '1' || v.toLowerCase() === 'true'));
  const unknown = args.filter(([k]) => !known.has(k)).map(([k]) => k);
  if (unknown.length && !ignoreUnknown) throw new CNIError(CNIErrorCode.invalidEnv, `ARGS: unknown args ${JSON.stringify(unknown)}`);
  const ipArg = args.find(([k]) => k === 'IP')?.[1];
  if (ipArg) requestedFrom(ipArg.split(','), 'CNI_ARGS IP', requested);
  const cniArgs = (conf.args as { cni?: { ips?: unknown } } | undefined)?.cni;
  requestedFrom(cniArgs?.ips, 'args.cni.ips', requested);
  requestedFrom(conf.runtimeConfig?.ips, 'runtimeConfig.ips', requested);

  const routes = (ipam.routes as CNIRoute[] | undefined) ?? [];
  return {
    name: conf.name,
    dataDir: typeof ipam.dataDir === 'string' && ipam.dataDir ? ipam.dataDir : DEFAULT_DATA_DIR,
    rangeSets,
    routes,
    ...(typeof ipam.resolvConf === 'string' && ipam.resolvConf ? { resolvConf: ipam.resolvConf } : {}),
    requested,
  };
}

/** The disk store: one file per reserved address. */
export class DiskStore {
  readonly dir: string;

  constructor(network: string, dataDir: string) {
    this.dir = join(dataDir, network);
    mkdirSync(this.dir, { recursive: true, mode: 0o755 });
  }

  get lockPath(): string {
    return join(this.dir, 'lock');
  }

  reserve(id: string, ifName: string, ip: string, rangeID: number): boolean {
    let fd: number;
    try {
      fd = openSync(join(this.dir, ip), 'wx', 0o644);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw e;
    }
    try {
      writeSync(fd, `${id.trim()}${LINE_BREAK}${ifName}`);
    } finally {
      closeSync(fd);
    }
    this.writeLastReserved(rangeID, ip);
    return true;
  }

  /**
   * Rewrites `last_reserved_ip.<range>` in place: write at offset 0, then cut to length. Opening
   * with O_TRUNC (writeFileSync) makes ext4 flush the file on close (auto_da_alloc), ~1.2 ms that
   * would block every concurrent call in the node's CNI daemon; a shortening ftruncate does not.
   */
  private writeLastReserved(rangeID: number, ip: string): void {
    const file = join(this.dir, `${LAST_IP_PREFIX}${rangeID}`);
    let fd: number;
    try {
      fd = openSync(file, 'r+');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      writeFileSync(file, ip, { mode: 0o644 });
      return;
    }
    try {
      const bytes = Buffer.from(ip);
      writeSync(fd, bytes, 0, bytes.length, 0);
      ftruncateSync(fd, bytes.length);
    } finally {
      closeSync(fd);
    }
  }

  lastReserved(rangeID: number): string | undefined {
    try {
      return readFileSync(join(this.dir, `${LAST_IP_PREFIX}${rangeID}`), 'utf8').trim();
    } catch {
      return undefined;
    }
  }

  /** Addresses held by this container and interface (or, as old versions wrote, by the id alone). */
  private entries(): { file: string; owner: string }[] {
    const out: { file: string; owner: string }[] = [];
    for (const name of readdirSync(this.dir)) {
      const file = join(this.dir, name);
      try {
        if (!statSync(file).isFile()) continue;
        out.push({ file: name, owner: readFileSync(file, 'utf8').trim() });
      } catch {
        // vanished meanwhile
      }
    }
    return out;
  }

  private matches(owner: string, id: string, ifName: string): boolean {
    return owner === `${id.trim()}${LINE_BREAK}${ifName}` || owner === id.trim();
  }

  byID(id: string, ifName: string): string[] {
    return this.entries().filter((e) => parseIP(e.file) && this.matches(e.owner, id, ifName)).map((e) => e.file);
  }

  release(id: string, ifName: string): void {
    for (const e of this.entries()) if (this.matches(e.owner, id, ifName)) rmSync(join(this.dir, e.file), { force: true });
  }
}

/** IPAllocator.Get for one range set. */
function allocate(store: DiskStore, set: IPRange[], rangeID: number, id: string, ifName: string, requested: HostLocalConf['requested'][number] | undefined): CNIIPConfig {
  const setText = rangeSetText(set);
  if (requested) {
    const r = set.find((x) => rangeContains(x, requested.family, requested.value));
    if (!r) throw new Error(`${requested.text} not in range set ${setText}`);
    if (requested.value === r.gateway) throw new Error(`requested ip ${requested.text} is subnet's gateway`);
    const text = formatIP(requested.family, requested.value);
    if (!store.reserve(id, ifName, text, rangeID)) throw new Error(`requested IP address ${text} is not available in range set ${setText}`);
    return ipConfig(r, requested.value);
  }
  for (const held of store.byID(id, ifName)) {
    const p = parseIP(held);
    if (p && set.some((r) => rangeContains(r, p.family, p.value))) throw new Error(`${held} has been allocated to ${id}, duplicate allocation is not allowed`);
  }
  // Round robin: start after the last reserved address when it lies in this set.
  const last = parseIP(store.lastReserved(rangeID) ?? '');
  let idx = 0;
  let cur: bigint | undefined;
  if (last) {
    const i = set.findIndex((r) => rangeContains(r, last.family, last.value));
    if (i >= 0) [idx, cur] = [i, last.value];
  }
  let startAt: bigint | undefined;
  const next = (): { r: IPRange; v: bigint } | undefined => {
    for (;;) {
      let r = set[idx];
      if (cur === undefined) {
        cur = r.start;
        startAt = cur;
      } else {
        if (cur === r.end) {
          idx = (idx + 1) % set.length;
          r = set[idx];
          cur = r.start;
        } else cur += 1n;
        if (startAt === undefined) startAt = cur;
        else if (cur === startAt) return undefined;
      }
      if (cur !== r.gateway) return { r, v: cur };
    }
  };
  for (let n = next(); n; n = next()) {
    if (store.reserve(id, ifName, formatIP(n.r.subnet.family, n.v), rangeID)) return ipConfig(n.r, n.v);
  }
  throw new Error(`no IP addresses available in range set: ${setText}`);
}

function ipConfig(r: IPRange, v: bigint): CNIIPConfig {
  const fam = r.subnet.family;
  return { address: `${formatIP(fam, v)}/${r.subnet.prefix}`, ...(r.gateway !== undefined ? { gateway: formatIP(fam, r.gateway) } : {}) };
}

function parseResolvConf(file: string): CNIDNS {
  const dns: CNIDNS = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const [key, ...rest] = line.trim().split(/\s+/);
    if (key === 'nameserver' && rest[0]) (dns.nameservers ??= []).push(rest[0]);
    else if (key === 'domain' && rest[0]) dns.domain = rest[0];
    else if (key === 'search') (dns.search ??= []).push(...rest);
    else if (key === 'options') (dns.options ??= []).push(...rest);
  }
  return dns;
}

export async function hostLocalAdd(a: PluginArgs): Promise<CNIResult> {
  const c = loadHostLocalConf(a.conf, a.args);
  const dns = c.resolvConf ? parseResolvConf(c.resolvConf) : undefined;
  const store = new DiskStore(c.name, c.dataDir);
  return withFileLock(store.lockPath, async () => {
    const ips: CNIIPConfig[] = [];
    const pending = [...c.requested];
    const rollback = (): void => store.release(a.containerID, a.ifName);
    for (const [idx, set] of c.rangeSets.entries()) {
      const i = pending.findIndex((p) => set.some((r) => rangeContains(r, p.family, p.value)));
      const req = i >= 0 ? pending.splice(i, 1)[0] : undefined;
      try {
        ips.push(allocate(store, set, idx, a.containerID, a.ifName, req));
      } catch (e) {
        rollback();
        throw new CNIError(CNIErrorCode.internal, `failed to allocate for range ${idx}: ${(e as Error).message}`);
      }
    }
    if (pending.length) {
      rollback();
      throw new CNIError(CNIErrorCode.internal, `failed to allocate all requested IPs: ${pending.map((p) => formatIP(p.family, p.value)).join(' ')}`);
    }
    return { cniVersion: '1.0.0', ips, ...(c.routes.length ? { routes: c.routes } : {}), dns: dns ?? {} };
  });
}

export async function hostLocalDel(a: PluginArgs): Promise<void> {
  const c = loadHostLocalConf(a.conf, a.args);
  const store = new DiskStore(c.name, c.dataDir);
  await withFileLock(store.lockPath, async () => store.release(a.containerID, a.ifName));
}

export async function hostLocalCheck(a: PluginArgs): Promise<void> {
  const c = loadHostLocalConf(a.conf, a.args);
  const dir = join(c.dataDir, c.name);
  const found = existsSync(dir) && (await withFileLock(join(dir, 'lock'), async () => new DiskStore(c.name, c.dataDir).byID(a.containerID, a.ifName).length > 0));
  if (!found) throw new CNIError(CNIErrorCode.internal, `host-local: Failed to find address added by container ${a.containerID}`);
}

export const hostLocal: PluginHandlers = { add: hostLocalAdd, del: hostLocalDel, check: hostLocalCheck };
