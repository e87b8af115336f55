/**
 * A trace drawn on the topology: each hop's location (`pod ns/name …`, `node NAME …`, `Service ns/name`,
 * or an address such as `10.96.0.10 (cluster DNS)`) mapped to a graph element, consecutive repeats
 * collapsed, and the failing hop's place in that path.
 */
import type { TraceHop } from '../../../src/model/trace/index.ts';
import { elementsForWhere } from './topology-elements.ts';

export interface TracePath {
  /** Element ids in the order the flow visits them. */
  ids: string[];
  /** Index in `ids` of the element where the flow fails. */
  failAt?: number;
}

/** `byIP` names the element an address belongs to (pod IPs, Service ClusterIPs). */
export function tracePath(hops: readonly TraceHop[], byIP: ReadonlyMap<string, string>): TracePath {
  const ids: string[] = [];
  let failAt: number | undefined;
  for (const h of hops) {
    let found = elementsForWhere(h.where);
    if (!found.length) {
      const ip = /^(\d{1,3}(?:\.\d{1,3}){3}|[0-9a-f:]+:[0-9a-f:]*)\b/i.exec(h.where)?.[1];
      const el = ip ? byIP.get(ip) : undefined;
      if (el) found = [el];
    }
    for (const id of found) if (ids[ids.length - 1] !== id) ids.push(id);
    if (!h.ok && failAt === undefined && ids.length) failAt = ids.length - 1;
  }
  return failAt === undefined ? { ids } : { ids, failAt };
}
