/**
 * Real connection attempts from inside a namespace: one prober process per source namespace
 * (prober.mjs, started with nsenter), bounded in flight and in time, results per target.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { netnsPath } from '../netns.ts';
import { run } from '../run.ts';

const PROBER = join(dirname(fileURLToPath(import.meta.url)), 'prober.mjs');

export type ProbeProtocol = 'TCP' | 'UDP';

export interface ProbeTarget {
  ip: string;
  port: number;
  protocol: ProbeProtocol;
}

/**
 * - `connected`: TCP handshake done or UDP answered (`reply`: the server's first line);
 * - `refused`: RST / ICMP port unreachable from the destination — it was reached, nothing listens;
 * - `unreachable`: ICMP unreachable or admin-prohibited (what a policy reject sends);
 * - `timeout`: nothing came back (dropped); `error`: anything else.
 */
export type ProbeResult = 'connected' | 'refused' | 'unreachable' | 'timeout' | 'error';

export interface ProbeOutcome {
  result: ProbeResult;
  reply?: string;
  error?: string;
  ms: number;
}

export interface ProbeOptions {
  /** Per attempt; default 1000 ms. */
  timeoutMs?: number;
  /** Attempts in flight per source; default 16. */
  concurrency?: number;
}

/** True when the packet got through to the destination host (what policy decides). */
export const reachedDestination = (o: ProbeOutcome): boolean => o.result === 'connected' || o.result === 'refused';

export class ProbeError extends Error {}

/** Probes every target from inside `netns`; outcomes in target order. */
export async function probeFrom(netns: string, targets: readonly ProbeTarget[], opts: ProbeOptions = {}): Promise<ProbeOutcome[]> {
  if (!targets.length) return [];
  const timeoutMs = opts.timeoutMs ?? 1000;
  const concurrency = opts.concurrency ?? 16;
  const job = { targets: targets.map((t, id) => ({ id, ...t })), timeoutMs, concurrency };
  // Bound the whole run: every wave of attempts takes at most the timeout, plus the process start.
  const waves = Math.ceil(targets.length / concurrency);
  const r = await run('nsenter', [`--net=${netnsPath(netns)}`, '--', process.execPath, PROBER], { input: JSON.stringify(job), timeoutMs: waves * (timeoutMs + 500) + 10000 });
  if (r.code !== 0) throw new ProbeError(`prober in ${netns} failed (exit ${r.code}): ${r.stderr.trim() || r.stdout.trim()}`);
  const out = JSON.parse(r.stdout) as ({ id: number } & ProbeOutcome)[];
  return out.map(({ id: _id, ...o }) => o);
}
