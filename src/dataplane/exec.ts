/** `podnet exec ns/pod -- CMD…` / `podnet exec node/NAME -- CMD…`: a host tool inside a namespace. */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import type { DataplaneNames } from './names.ts';
import { netnsExists } from './netns.ts';
import type { DataplaneState } from './state.ts';

export class ExecTargetError extends Error {}

/** What to do next for a node target: start the dataplane, or pick one of the nodes it runs. */
function notUpHint(state: DataplaneState | undefined): string {
  if (!state) return '; run podnet up';
  return `; the running dataplane has nodes ${state.topology.nodes.map((n) => n.name).join(', ') || '(none)'}`;
}

/** The namespace of `ns/pod`, `pod` (namespace default) or `node/NAME`. */
export function execTargetNetns(target: string, names: DataplaneNames, state: DataplaneState | undefined): string {
  const parts = target.split('/');
  if (parts.length > 2 || parts.some((p) => p === '')) throw new ExecTargetError(`${JSON.stringify(target)} is not ns/pod, pod or node/NAME`);
  let netns: string;
  if (parts[0] === 'node' && parts.length === 2) {
    const node = state?.topology.nodes.find((n) => n.name === parts[1]);
    netns = node?.netns ?? names.node(parts[1]);
    if (!netnsExists(netns)) throw new ExecTargetError(`node ${parts[1]} is not up (no network namespace ${netns})${notUpHint(state)}`);
    return netns;
  }
  const [namespace, name] = parts.length === 2 ? parts : ['default', parts[0]];
  const pod = state?.topology.pods.find((p) => p.namespace === namespace && p.name === name);
  netns = pod?.netns ?? names.pod(namespace, name);
  if (!netnsExists(netns)) throw new ExecTargetError(`pod ${namespace}/${name} is not up (no network namespace ${netns})${state ? '' : '; run podnet up'}`);
  return netns;
}

/**
 * Runs argv in the namespace with the terminal attached (`ip netns exec`, which also bind-mounts
 * /etc/netns/<ns>/ files such as resolv.conf). Resolves to the command's exit code; a signal death
 * is 128 + the signal number, as shells report it.
 */
export function execInNetns(netns: string, argv: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('ip', ['netns', 'exec', netns, ...argv], { stdio: 'inherit' });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve(code ?? 128 + (signal ? constants.signals[signal] : 0)));
  });
}
