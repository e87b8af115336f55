/**
 * Errors from the API (the exact ones `podnet apply` prints) placed in the editor: a 1-based line
 * from the error, clamped to the document; errors without a line go on the first line.
 */
import type { UIError } from '../../../src/server/ui-api/api-types.ts';

export interface LineDiagnostic {
  /** 1-based line in the document. */
  line: number;
  severity: 'error' | 'warning';
  message: string;
}

export function lineDiagnostics(errors: readonly UIError[], warnings: readonly string[], lineCount: number): LineDiagnostic[] {
  const clamp = (n: number | undefined): number => Math.max(1, Math.min(lineCount, n ?? 1));
  const out: LineDiagnostic[] = errors.map((e) => ({ line: clamp(e.line), severity: 'error', message: e.message }));
  for (const w of warnings) {
    // Decoder warnings read `file:LINE: …`.
    const m = /^[^:\s]+:(\d+): /.exec(w);
    out.push({ line: clamp(m ? Number(m[1]) : 1), severity: 'warning', message: w });
  }
  return out;
}
