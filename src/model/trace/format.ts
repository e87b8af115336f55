/**
 * A trace as text: one line per hop (number, mark, step, where: detail), the failing hop highlighted
 * with its reason and fix, then the verdict and notes. Colour is the caller's choice (a TTY without
 * NO_COLOR), so the function stays pure.
 */
import type { TraceResult } from './types.ts';

export interface TraceFormatOptions {
  colour?: boolean;
}

const SGR = { red: '\x1b[31m', boldRed: '\x1b[1;31m', green: '\x1b[32m', yellow: '\x1b[33m', dim: '\x1b[2m', bold: '\x1b[1m', reset: '\x1b[0m' };

export function formatTrace(r: TraceResult, options: TraceFormatOptions = {}): string {
  const c = (code: keyof typeof SGR, text: string): string => (options.colour ? `${SGR[code]}${text}${SGR.reset}` : text);
  const width = Math.max(...r.hops.map((h) => h.step.length));
  const digits = String(r.hops.length).length;
  const out = [`trace ${r.from} → ${r.to} ${r.port}/${r.protocol}`];
  r.hops.forEach((h, i) => {
    const n = String(i + 1).padStart(digits);
    const failing = i === r.failedHop;
    const mark = !h.ok ? '✗' : h.warning ? '!' : '✓';
    const line = `${n} ${mark} ${h.step.padEnd(width)}  ${h.where}: ${h.detail}`;
    out.push(failing ? c('boldRed', line) : h.warning ? c('yellow', line) : line.replace(`${mark} `, `${c('green', mark)} `));
    const pad = ' '.repeat(digits + 3);
    if (h.warning) out.push(`${pad}${c('yellow', `warning: ${h.warning}`)}`);
    if (failing && h.reason && h.reason !== h.detail) out.push(`${pad}${c('red', `reason: ${h.reason}`)}`);
    if (failing && h.fix) out.push(`${pad}${c('bold', `fix: ${h.fix}`)}`);
  });
  const verdict = r.verdict.toUpperCase();
  out.push(r.verdict === 'delivered' ? `verdict: ${c('green', verdict)}` : `verdict: ${c('boldRed', verdict)} at hop ${(r.failedHop ?? 0) + 1} (${r.hops[r.failedHop ?? 0]?.step})`);
  for (const n of r.notes) out.push(c('dim', `note: ${n}`));
  return `${out.join('\n')}\n`;
}
