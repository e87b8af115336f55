/**
 * Running `ip` and link changes for the plugins, in the node's namespace or inside a container's,
 * without a Node.js spawn per call. A Node.js spawn forks the whole (large) daemon process on its
 * event loop thread (1–3 ms each, the daemon's bottleneck under concurrent ADDs), and entering a
 * container namespace took a second exec (nsenter). Instead a few long-lived perl helpers
 * (ns-helper.pl; perl-base is Essential in Debian) take requests over a pipe: setns(2) into the
 * container's namespace when asked, then either change a link over rtnetlink themselves
 * (configureLink: no process at all) or fork and exec a command there (execIn: a small process
 * forks cheaply), setns back, and return exit code, stdout and stderr. Each helper serves one
 * request at a time; callers queue for a free one. Without perl, on an architecture whose setns
 * number we do not know, or when a helper dies, calls fall back to `ip` / the command under
 * `nsenter --net=PATH`. A dying caller closes the helpers' stdin, which ends them.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run, type RunResult } from '../run.ts';

const PERL = '/usr/bin/perl';
/** setns(2) syscall numbers (asm/unistd.h). */
const SETNS: Partial<Record<string, number>> = { x64: 308, arm64: 268, riscv64: 268, ia32: 346, arm: 375 };
const CLONE_NEWNET = 0x40000000;
const MAX_HELPERS = 4;

/** The helper's code (protocol described there); a file, so perl -c and editors read it as perl. */
const HELPER = join(dirname(fileURLToPath(import.meta.url)), 'ns-helper.pl');

class Helper {
  private readonly child: ChildProcessWithoutNullStreams;
  private buffered: Buffer = Buffer.alloc(0);
  private pending: ((r: RunResult | undefined) => void) | undefined;
  private onReady: ((ok: boolean) => void) | undefined;
  dead = false;

  constructor(setns: number) {
    this.child = spawn(PERL, [HELPER, String(setns), String(CLONE_NEWNET)], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout.on('data', (d: Buffer) => {
      this.buffered = this.buffered.length ? Buffer.concat([this.buffered, d]) : d;
      this.parse();
    });
    this.child.stderr.on('data', () => undefined);
    this.child.on('close', () => this.die());
    this.child.on('error', () => this.die());
    this.child.stdin.on('error', () => undefined);
    this.child.unref();
    this.idle();
  }

  private die(): void {
    this.dead = true;
    this.onReady?.(false);
    this.onReady = undefined;
    const p = this.pending;
    this.pending = undefined;
    p?.(undefined);
  }

  private parse(): void {
    if (this.onReady) {
      const nl = this.buffered.indexOf(10);
      if (nl < 0) return;
      const ok = this.buffered.subarray(0, nl).toString() === 'ready';
      this.buffered = this.buffered.subarray(nl + 1);
      const r = this.onReady;
      this.onReady = undefined;
      this.idle();
      r(ok);
      return;
    }
    const nl = this.buffered.indexOf(10);
    if (nl < 0 || !this.pending) return;
    const [code, outLen, errLen] = this.buffered.subarray(0, nl).toString().split(' ').map(Number);
    const end = nl + 1 + outLen + errLen;
    if (this.buffered.length < end) return;
    const stdout = this.buffered.subarray(nl + 1, nl + 1 + outLen).toString();
    const stderr = this.buffered.subarray(nl + 1 + outLen, end).toString();
    this.buffered = this.buffered.subarray(end);
    const p = this.pending;
    this.pending = undefined;
    this.idle();
    p({ code, stdout, stderr });
  }

  /** Idle, a helper must not keep its process alive (a standalone plugin exits when done). */
  private idle(): void {
    if (this.pending || this.onReady) return;
    for (const s of [this.child, this.child.stdin, this.child.stdout, this.child.stderr] as unknown as { unref(): void }[]) s.unref();
  }

  private busy(): void {
    for (const s of [this.child, this.child.stdin, this.child.stdout, this.child.stderr] as unknown as { ref(): void }[]) s.ref();
  }

  ready(): Promise<boolean> {
    if (this.dead) return Promise.resolve(false);
    this.busy();
    return new Promise((resolve) => (this.onReady = resolve));
  }

  /** Undefined when the helper died before answering (the caller then spawns the command itself). */
  exec(netns: string | undefined, argv: readonly string[], input: string): Promise<RunResult | undefined> {
    if (this.dead) return Promise.resolve(undefined);
    const body = Buffer.from(input);
    const head = `${netns ?? '-'} ${argv.length} ${body.length}\n${argv.map((a) => `${a}\n`).join('')}`;
    this.busy();
    return new Promise((resolve) => {
      this.pending = resolve;
      this.child.stdin.write(Buffer.concat([Buffer.from(head), body]));
    });
  }
}

const usable = existsSync(PERL) && existsSync(HELPER) && SETNS[process.arch] !== undefined;
const free: Helper[] = [];
let started = 0;
const waiters: ((h: Helper | undefined) => void)[] = [];

async function acquire(): Promise<Helper | undefined> {
  for (let h = free.pop(); h; h = free.pop()) if (!h.dead) return h;
  if (started < MAX_HELPERS) {
    started++;
    const h = new Helper(SETNS[process.arch] as number);
    if (await h.ready()) return h;
    started--;
    return undefined;
  }
  return new Promise((resolve) => waiters.push(resolve));
}

function release(h: Helper): void {
  if (h.dead) {
    started--;
    waiters.shift()?.(undefined);
    return;
  }
  const w = waiters.shift();
  if (w) w(h);
  else free.push(h);
}

/** Argument strings travel one per line. */
const lineSafe = (argv: readonly string[]): boolean => argv.every((a) => !a.includes('\n'));
/** The namespace path is a word of the request's header line. */
const pathSafe = (netns: string | undefined): boolean => netns === undefined || (netns !== '' && !/\s/.test(netns));

/** One change to a link inside a container namespace (what the plugins' container side needs). */
export type LinkOp =
  | { op: 'up' | 'down' | 'show' }
  /** `ip addr add ADDRESS/PLEN [brd +] dev IF` */
  | { op: 'addr'; cidr: string; brd?: boolean }
  /** `ip route add DST [via GW] dev IF [scope link]` */
  | { op: 'route'; dst: string; gw?: string; scopeLink?: boolean }
  /** `ip neigh replace ADDRESS lladdr MAC dev IF nud permanent` */
  | { op: 'neigh'; address: string; lladdr: string }
  /** A gratuitous ARP for an IPv4 address of the link (helper only: ip cannot send one). */
  | { op: 'garp'; address: string };

const family = (ip: string): 4 | 6 => (ip.includes(':') ? 6 : 4);

function splitCIDR(cidr: string): [string, number] {
  const [ip, plen] = cidr.split('/');
  return [ip, plen === undefined ? (family(ip) === 4 ? 32 : 128) : Number(plen)];
}

/** The op as the helper's rtnetlink code takes it. */
function helperOp(o: LinkOp): string {
  switch (o.op) {
    case 'addr': {
      const [ip, plen] = splitCIDR(o.cidr);
      return `addr ${family(ip)} ${ip} ${plen} ${o.brd ? 1 : 0}`;
    }
    case 'route': {
      const [dst, plen] = splitCIDR(o.dst);
      // ip's default scope: link for an IPv4 route without a gateway, universe otherwise.
      const link = o.scopeLink || (!o.gw && family(dst) === 4);
      return `route ${family(dst)} ${dst} ${plen} ${o.gw ?? '-'} ${link ? 'link' : 'universe'}`;
    }
    case 'neigh':
      return `neigh ${family(o.address)} ${o.address} ${o.lladdr}`;
    case 'garp':
      return `garp ${o.address}`;
    default:
      return o.op;
  }
}

/** The same op as an `ip -batch` line (the fallback without a helper). */
export function ipLine(ifName: string, o: LinkOp): string {
  switch (o.op) {
    case 'up':
    case 'down':
      return `link set dev ${ifName} ${o.op}`;
    case 'show':
      return `addr show dev ${ifName}`;
    case 'addr':
      return `addr add ${o.cidr}${o.brd && family(o.cidr) === 4 ? ' brd +' : ''} dev ${ifName}`;
    case 'route':
      return `route add ${o.dst}${o.gw ? ` via ${o.gw}` : ''} dev ${ifName}${o.scopeLink ? ' scope link' : ''}`;
    case 'neigh':
      return `neigh replace ${o.address} lladdr ${o.lladdr} dev ${ifName} nud permanent`;
    case 'garp':
      return ''; // ip batch skips blank lines; without the helper no announcement is sent
  }
}

/**
 * Applies ops to one link inside the namespace at `netns`, in order, stopping at the first
 * failure, with rtnetlink from the helper itself (no process started), sending what ip(8) sends
 * for the same command. `show` prints the link as `ip -json addr show dev IF` does (the fields
 * ifindex, ifname, flags, mtu, address and addr_info with family, local, prefixlen). Errors:
 * "RTNETLINK answers: <strerror>", or ip's `Cannot find device "IF"`. Without a helper (or for
 * values the helper's word format cannot carry), `ip` runs the same ops as a batch.
 */
export async function configureLink(netns: string, ifName: string, ops: readonly LinkOp[]): Promise<RunResult> {
  const words = [ifName, ...ops.flatMap((o) => helperOp(o).split(' '))];
  if (usable && pathSafe(netns) && ifName.length < 16 && words.every((w) => /^[0-9a-zA-Z.:_-]+$/.test(w))) {
    const r = await viaHelper(netns, ['@cfg', ifName, ...ops.map(helperOp)], '');
    if (r) return r;
  }
  return run('nsenter', [`--net=${netns}`, '--', 'ip', '-json', '-batch', '-'], { input: `${ops.map((o) => ipLine(ifName, o)).join('\n')}\n` });
}

async function viaHelper(netns: string | undefined, argv: readonly string[], input: string): Promise<RunResult | undefined> {
  const h = await acquire();
  if (!h) return undefined;
  try {
    return await h.exec(netns, argv, input);
  } finally {
    release(h);
  }
}

/**
 * Runs argv (argv[0] looked up on PATH by exec) in the container namespace at `netns` (a path),
 * or in this process's namespace when it is undefined.
 */
export async function execIn(netns: string | undefined, argv: readonly string[], input = ''): Promise<RunResult> {
  if (usable && lineSafe(argv) && pathSafe(netns) && !argv[0]?.startsWith('@')) {
    const r = await viaHelper(netns, argv, input);
    if (r) return r;
  }
  const [cmd, ...args] = netns === undefined ? argv : ['nsenter', `--net=${netns}`, '--', ...argv];
  return run(cmd, args, { input });
}
