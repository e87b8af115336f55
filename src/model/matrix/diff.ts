/**
 * What a change opens and closes: two matrices compared cell by cell over the pods and ports both
 * share (pods only on one side are listed, not diffed). The "what will this policy block?" answer.
 */
import type { Matrix, MatrixPort } from './matrix.ts';
import { portKey } from './matrix.ts';

export interface FlowChange {
  from: string;
  to: string;
  port: string;
}

export interface MatrixDiff {
  ports: string[];
  opened: FlowChange[];
  closed: FlowChange[];
  /** Pods present only after / only before the change. */
  addedPods: string[];
  removedPods: string[];
  /** Cells compared and cells allowed before/after, per port. */
  summary: { port: string; compared: number; allowedBefore: number; allowedAfter: number; opened: number; closed: number }[];
  notes: string[];
}

export function diffMatrices(before: Matrix, after: Matrix): MatrixDiff {
  const portsA = new Map(before.ports.map((p, i) => [portKey(p), i]));
  const portsB = new Map(after.ports.map((p, i) => [portKey(p), i]));
  const ports: MatrixPort[] = before.ports.filter((p) => portsB.has(portKey(p)));
  const idxA = new Map(before.pods.map((p, i) => [p, i]));
  const idxB = new Map(after.pods.map((p, i) => [p, i]));
  const common = before.pods.filter((p) => idxB.has(p));
  const opened: FlowChange[] = [];
  const closed: FlowChange[] = [];
  const summary: MatrixDiff['summary'] = [];
  for (const port of ports) {
    const key = portKey(port);
    const pa = portsA.get(key)!;
    const pb = portsB.get(key)!;
    let allowedBefore = 0;
    let allowedAfter = 0;
    let o = 0;
    let c = 0;
    for (const from of common) {
      const sa = idxA.get(from)!;
      const sb = idxB.get(from)!;
      for (const to of common) {
        const a = before.allowed(sa, idxA.get(to)!, pa);
        const b = after.allowed(sb, idxB.get(to)!, pb);
        if (a) allowedBefore++;
        if (b) allowedAfter++;
        if (a && !b) {
          closed.push({ from, to, port: key });
          c++;
        } else if (!a && b) {
          opened.push({ from, to, port: key });
          o++;
        }
      }
    }
    summary.push({ port: key, compared: common.length * common.length, allowedBefore, allowedAfter, opened: o, closed: c });
  }
  const notes = [...new Set([...before.notes, ...after.notes])];
  const onlyOne = [...before.ports, ...after.ports].map(portKey).filter((k) => !(portsA.has(k) && portsB.has(k)));
  if (onlyOne.length) notes.push(`ports declared on one side only are not compared: ${[...new Set(onlyOne)].join(', ')}`);
  return {
    ports: ports.map(portKey),
    opened,
    closed,
    addedPods: after.pods.filter((p) => !idxA.has(p)),
    removedPods: before.pods.filter((p) => !idxB.has(p)),
    summary,
    notes,
  };
}
