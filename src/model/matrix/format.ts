/**
 * Text forms of a matrix: the upstream e2e grid (`.` allowed, `X` blocked) per port, CSV, Markdown,
 * Graphviz dot, and the JSON shape {ports, pods, allowed: {src: {dst: {"80/TCP": bool}}}}.
 */
import { portKey, type Matrix } from './matrix.ts';

export interface MatrixJSON {
  ports: string[];
  pods: string[];
  enforced: boolean;
  classes: number;
  allowed: Record<string, Record<string, Record<string, boolean>>>;
  notes: string[];
}

export function matrixJSON(m: Matrix): MatrixJSON {
  const ports = m.ports.map(portKey);
  const allowed: MatrixJSON['allowed'] = {};
  m.pods.forEach((src, s) => {
    const row: Record<string, Record<string, boolean>> = (allowed[src] = {});
    m.pods.forEach((dst, d) => {
      const cell: Record<string, boolean> = (row[dst] = {});
      ports.forEach((k, p) => (cell[k] = m.allowed(s, d, p)));
    });
  });
  return { ports, pods: m.pods, enforced: m.enforced, classes: m.classes, allowed, notes: m.notes };
}

/** One grid per port: rows are sources, columns destinations. */
export function matrixTable(m: Matrix): string {
  const out: string[] = [];
  const width = Math.max(0, ...m.pods.map((p) => p.length));
  m.ports.forEach((port, p) => {
    out.push(`${portKey(port)} (rows: from, columns: to; . allowed, X blocked)`);
    out.push(`${''.padEnd(width)}  ${m.pods.map((d) => d.padEnd(Math.max(d.length, 1))).join(' ')}`.trimEnd());
    m.pods.forEach((src, s) => {
      const cells = m.pods.map((d, di) => (m.allowed(s, di, p) ? '.' : 'X').padEnd(d.length));
      out.push(`${src.padEnd(width)}  ${cells.join(' ')}`.trimEnd());
    });
    out.push('');
  });
  for (const n of m.notes) out.push(`note: ${n}`);
  return `${out.join('\n').trimEnd()}\n`;
}

const csvCell = (s: string): string => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/** One line per (from, to): `from,to,80/TCP,81/UDP` with true/false cells. */
export function matrixCSV(m: Matrix): string {
  const lines = [['from', 'to', ...m.ports.map(portKey)].map(csvCell).join(',')];
  m.pods.forEach((src, s) => m.pods.forEach((dst, d) => {
    lines.push([csvCell(src), csvCell(dst), ...m.ports.map((_, p) => String(m.allowed(s, d, p)))].join(','));
  }));
  return `${lines.join('\n')}\n`;
}

export function matrixMarkdown(m: Matrix): string {
  const out: string[] = [];
  const esc = (s: string): string => s.replace(/\|/g, '\\|');
  m.ports.forEach((port, p) => {
    out.push(`### ${portKey(port)}`, '', `| from \\ to | ${m.pods.map(esc).join(' | ')} |`, `|---|${m.pods.map(() => ':-:').join('|')}|`);
    m.pods.forEach((src, s) => out.push(`| ${esc(src)} | ${m.pods.map((_, d) => (m.allowed(s, d, p) ? '✓' : '✗')).join(' | ')} |`));
    out.push('');
  });
  for (const n of m.notes) out.push(`> ${n}`);
  return `${out.join('\n').trimEnd()}\n`;
}

/** Allowed flows as edges, labelled with the ports they are allowed on (loopback omitted). */
export function matrixDot(m: Matrix): string {
  const q = (s: string): string => JSON.stringify(s);
  const out = ['digraph reachability {', '  rankdir=LR;', '  node [shape=box];'];
  for (const p of m.pods) out.push(`  ${q(p)};`);
  m.pods.forEach((src, s) => m.pods.forEach((dst, d) => {
    if (s === d) return;
    const ports = m.ports.filter((_, p) => m.allowed(s, d, p)).map(portKey);
    if (ports.length) out.push(`  ${q(src)} -> ${q(dst)} [label=${q(ports.length === m.ports.length ? 'all' : ports.join(','))}];`);
  }));
  out.push('}');
  return `${out.join('\n')}\n`;
}
