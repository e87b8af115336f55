/**
 * The Policy matrix view's data: the full pods × pods × ports matrix computed server-side by the
 * class-based model, shipped as one bit matrix per port (the browser only reads bits).
 */
import { computeMatrix, declaredPorts, matrixCSV, matrixPods, type Matrix, type MatrixPort } from '../../model/matrix/index.ts';
import type { MatrixResponse } from './api-types.ts';
import { parsePortText, RequestError } from './request-error.ts';
import type { Snapshot } from './snapshot.ts';

export interface MatrixQuery {
  namespaces: string[];
  /** Empty = every declared containerPort. */
  ports: string[];
}

export function matrixQuery(params: URLSearchParams): MatrixQuery {
  const list = (key: string): string[] => params.getAll(key).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  return { namespaces: list('ns'), ports: list('ports') };
}

export function buildMatrix(s: Snapshot, q: MatrixQuery): Matrix {
  if (s.problems.length) throw new RequestError(422, 'the cluster has invalid NetworkPolicies; fix them first', s.problems);
  const key = `matrix|${q.namespaces.join(',')}|${q.ports.join(',')}`;
  return s.cached(key, () => {
    const pods = matrixPods(s.index, q.namespaces);
    const ports: MatrixPort[] = q.ports.length ? q.ports.map(parsePortText) : declaredPorts(pods);
    return computeMatrix(s.index, pods, ports);
  });
}

export function matrixResponse(s: Snapshot, q: MatrixQuery): MatrixResponse {
  const m = buildMatrix(s, q);
  const pods = matrixPods(s.index, q.namespaces);
  const groups: MatrixResponse['groups'] = [];
  pods.forEach((p, i) => {
    const ns = p.metadata.namespace ?? 'default';
    const last = groups[groups.length - 1];
    if (last && last.namespace === ns) last.count++;
    else groups.push({ namespace: ns, start: i, count: 1 });
  });
  return {
    revision: s.revision,
    pods: pods.map((p, i) => ({ ref: m.pods[i], namespace: p.metadata.namespace ?? 'default', node: p.spec.nodeName ?? null, ip: p.status?.podIP ?? null })),
    ports: m.ports.map((p) => `${p.port}/${p.protocol}`),
    enforced: m.enforced,
    classes: m.classes,
    notes: m.notes,
    groups,
    words: Math.ceil(pods.length / 32),
    bits: m.ports.map((_, i) => {
      const words = m.expand(i);
      return Buffer.from(words.buffer, words.byteOffset, words.byteLength).toString('base64');
    }),
  };
}

export function matrixCSVText(s: Snapshot, q: MatrixQuery): string {
  return matrixCSV(buildMatrix(s, q));
}
