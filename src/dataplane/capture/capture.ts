/**
 * `podnet capture`: tcpdump inside a pod's or node's namespace, bounded by a packet count and a
 * time limit, printing tcpdump's decoded lines. With `underlay`, the capture runs on the node's
 * eth0 (for a pod: its node's), where cross-node pod traffic travels — VXLAN-encapsulated in the
 * overlay modes, so the filter selects the mode's UDP port and tcpdump decodes the inner packet
 * (`-T vxlan`); for a pod the inner IP header (UDP payload offset 8 VXLAN + 14 Ethernet) must carry
 * the pod's address. In routed modes the pod's packets cross eth0 as they are.
 */
import { spawn } from 'node:child_process';
import { crossNodeMethod } from '../plan.ts';
import type { DataplaneNames } from '../names.ts';
import { netnsPath } from '../netns.ts';
import { execTargetNetns } from '../exec.ts';
import type { DataplaneState } from '../state.ts';

export class CaptureError extends Error {}

export interface CaptureOptions {
  /** A pcap-filter expression (ANDed with what `underlay` selects). */
  filter?: string;
  /** Stop after this many packets. */
  count: number;
  /** Stop after this long even when fewer packets came. */
  timeoutMs: number;
  underlay?: boolean;
  /** Interface inside the namespace (default: eth0 in a pod, every interface on a node). */
  iface?: string;
}

export interface CapturePlan {
  target: string;
  netns: string;
  iface: string;
  /** The complete pcap filter handed to tcpdump ('' = everything). */
  filter: string;
  /** VXLAN UDP port decoded as VXLAN (underlay view of an overlay mode). */
  vxlanPort?: number;
  count: number;
  timeoutMs: number;
}

/** pcap-filter's byte access takes numbers: an IPv4 address as one 32-bit value. */
function ipv4Number(ip: string): number {
  return ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}

/** UDP payload offset of the inner IPv4 header in a VXLAN packet: UDP 8 + VXLAN 8 + Ethernet 14. */
const INNER_IP = 8 + 8 + 14;

export function planCapture(target: string, opts: CaptureOptions, names: DataplaneNames, state: DataplaneState | undefined): CapturePlan {
  if (!Number.isInteger(opts.count) || opts.count < 1) throw new CaptureError(`--count must be a positive integer, got ${opts.count}`);
  if (!Number.isFinite(opts.timeoutMs) || opts.timeoutMs <= 0) throw new CaptureError('--timeout must be a positive number of seconds');
  const netns = execTargetNetns(target, names, state);
  const isNode = target.startsWith('node/');
  const top = state?.topology;
  const [podNs, podName] = target.includes('/') ? target.split('/') : ['default', target];
  const pod = isNode ? undefined : top?.pods.find((p) => p.namespace === podNs && p.name === podName);
  const user = opts.filter?.trim() ? `(${opts.filter.trim()})` : '';
  const and = (...parts: string[]): string => parts.filter(Boolean).join(' and ');
  if (!opts.underlay) {
    const iface = opts.iface ?? (isNode || pod?.hostNetwork ? 'any' : 'eth0');
    return { target, netns, iface, filter: user, count: opts.count, timeoutMs: opts.timeoutMs };
  }
  if (!top) throw new CaptureError('--underlay needs the state of a running dataplane (podnet up)');
  const node = isNode ? top.nodes.find((n) => n.netns === netns) : top.nodes.find((n) => n.name === pod?.node);
  if (!node) throw new CaptureError(`${target}: no node found for the underlay view`);
  const vtep = crossNodeMethod(top.profile) === 'vxlan' ? node.vtep : undefined;
  let sel = '';
  if (vtep) {
    const port = `udp port ${vtep.port}`;
    if (pod && !pod.hostNetwork) {
      const n = ipv4Number(pod.ip);
      sel = `${port} and (udp[${INNER_IP + 12}:4] = ${n} or udp[${INNER_IP + 16}:4] = ${n})`;
    } else {
      sel = port;
    }
  } else if (pod) {
    sel = `host ${pod.ip}`;
  }
  return { target, netns: node.netns, iface: opts.iface ?? 'eth0', filter: and(sel ? `(${sel})` : '', user), ...(vtep ? { vxlanPort: vtep.port } : {}), count: opts.count, timeoutMs: opts.timeoutMs };
}

export function tcpdumpArgs(plan: CapturePlan): string[] {
  const args = ['-n', '-l', '-i', plan.iface, '-c', String(plan.count)];
  if (plan.vxlanPort !== undefined) args.push('-T', 'vxlan');
  if (plan.filter) args.push(plan.filter);
  return args;
}

const PACKET_START = /^\d{2}:\d{2}:\d{2}\.\d+ /;

export interface CaptureResult {
  /** tcpdump's decoded lines, one per packet. */
  packets: string[];
  /** `count` when --count packets came, `timeout` when the time limit ended it. */
  stoppedBy: 'count' | 'timeout';
}

export interface CaptureHooks {
  /** tcpdump is listening (its "listening on" line): traffic from now on is seen. */
  onReady?: () => void;
  /** Every line tcpdump prints (a VXLAN packet takes two: outer and inner). */
  onLine?: (line: string) => void;
}

/** Runs tcpdump in the plan's namespace until `count` packets or the time limit. */
export function runCapture(plan: CapturePlan, hooks: CaptureHooks = {}): Promise<CaptureResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('nsenter', [`--net=${netnsPath(plan.netns)}`, '--', 'tcpdump', ...tcpdumpArgs(plan)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const packets: string[] = [];
    let stoppedBy: CaptureResult['stoppedBy'] = 'count';
    let out = '';
    let err = '';
    let ready = false;
    // Bounded even when tcpdump never reports ready (bad interface: it exits at once anyway).
    const timer = setTimeout(() => {
      stoppedBy = 'timeout';
      child.kill('SIGINT');
      setTimeout(() => child.kill('SIGKILL'), 2000).unref();
    }, plan.timeoutMs);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
      let nl: number;
      while ((nl = out.indexOf('\n')) >= 0) {
        const line = out.slice(0, nl);
        out = out.slice(nl + 1);
        if (!line) continue;
        hooks.onLine?.(line);
        // A packet starts with its timestamp; other lines (the inner packet of VXLAN, -v details) continue it.
        if (!PACKET_START.test(line) && packets.length) packets[packets.length - 1] += `\n${line}`;
        else packets.push(line);
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      err += chunk;
      if (!ready && /listening on /.test(err)) {
        ready = true;
        hooks.onReady?.();
      }
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (out.trim()) packets.push(out.trim());
      if (!ready && code !== 0 && stoppedBy !== 'timeout') {
        reject(new CaptureError(`tcpdump in ${plan.netns} on ${plan.iface}: ${err.trim().split('\n').pop() ?? `exit ${code ?? signal}`}`));
        return;
      }
      resolve({ packets, stoppedBy });
    });
  });
}
