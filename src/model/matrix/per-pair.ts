/**
 * The straightforward evaluator: decide() for every (src, dst, port). Slow (pods² × rules) but
 * obviously right; the benchmark measures the class-based matrix against it and tests cross-check.
 */
import type { Pod } from '../../api/types.ts';
import { decide, notEnforcedNote, podEndpoint, type PolicyIndex } from '../policy/index.ts';
import { expandByCells, type Matrix, type MatrixPort } from './matrix.ts';

export function perPairMatrix(index: PolicyIndex, pods: readonly Pod[], ports: readonly MatrixPort[]): Matrix {
  const endpoints = pods.map((p) => podEndpoint(index.view, p));
  const cells = ports.map((port) => {
    const out = new Uint8Array(pods.length * pods.length);
    for (let s = 0; s < pods.length; s++) for (let d = 0; d < pods.length; d++) {
      out[s * pods.length + d] = decide(index, { src: endpoints[s], dst: endpoints[d], port: port.port, protocol: port.protocol }).allowed ? 1 : 0;
    }
    return out;
  });
  const m: Matrix = {
    pods: pods.map((p) => `${p.metadata.namespace ?? 'default'}/${p.metadata.name}`),
    ports: [...ports],
    enforced: index.capability.enforces,
    classes: 0,
    allowed: (s, d, port) => cells[port][s * pods.length + d] === 1,
    expand: (port) => expandByCells(m, port),
    notes: index.capability.enforces ? [] : [notEnforcedNote(index.capability.cni)],
  };
  return m;
}
