/**
 * Port matching. A named port is resolved on the destination pod (ingress: the selected pod; egress:
 * the peer) by containerPort name AND protocol, so one name may mean different numbers on different
 * pods, and a destination that is not a pod never matches a named port.
 */
import type { Pod, Protocol } from '../../api/types.ts';
import type { CompiledPort } from './compiled.ts';

/** containerPorts of a pod with this name and protocol (normally one). */
export function namedPortNumbers(pod: Pod, name: string, protocol: Protocol): number[] {
  const out: number[] = [];
  for (const c of pod.spec.containers ?? []) {
    for (const p of c.ports ?? []) if (p.name === name && (p.protocol ?? 'TCP') === protocol) out.push(p.containerPort);
  }
  return out;
}

/** Does a rule's ports entry admit `port`/`protocol` towards `dstPod` (undefined: not a pod)? */
export function portMatches(entry: CompiledPort, port: number, protocol: Protocol, dstPod: Pod | undefined): boolean {
  if (entry.protocol !== protocol) return false;
  if (entry.name !== undefined) return dstPod !== undefined && namedPortNumbers(dstPod, entry.name, protocol).includes(port);
  if (entry.port === undefined) return true;
  return port >= entry.port && port <= (entry.endPort ?? entry.port);
}
