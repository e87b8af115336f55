/** Lint findings as text: one block per finding (severity, rule id, objects, message, fix), then totals. */
import type { LintReport } from './lint.ts';

export function formatLint(report: LintReport, options: { colour?: boolean } = {}): string {
  const paint = (code: string, text: string): string => (options.colour ? `\x1b[${code}m${text}\x1b[0m` : text);
  const sev = { error: (t: string) => paint('1;31', t), warning: (t: string) => paint('33', t), info: (t: string) => paint('36', t) };
  const out: string[] = [];
  for (const f of report.findings) {
    out.push(`${sev[f.severity](f.severity.toUpperCase().padEnd(7))} ${f.rule}  ${f.objects.join(', ')}`);
    out.push(`        ${f.message}`);
    out.push(`        fix: ${f.fix}`);
  }
  const { error, warning, info } = report.counts;
  out.push(report.findings.length ? `${error} error(s), ${warning} warning(s), ${info} info` : 'no findings');
  return `${out.join('\n')}\n`;
}
