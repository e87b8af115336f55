/**
 * The Trace and Lint views' data: the trace model's hop-by-hop path of one flow and the lint model's
 * findings, over the snapshot's shared policy index and route table.
 */
import { lint, RULES, type LintReport } from '../../model/lint/index.ts';
import { trace, TraceInputError, type TraceResult } from '../../model/trace/index.ts';
import type { LintResponse } from './api-types.ts';
import { parsePortText, parseProtocolText, RequestError } from './request-error.ts';
import type { Snapshot } from './snapshot.ts';

function checkPolicies(s: Snapshot): void {
  if (s.problems.length) throw new RequestError(422, 'the cluster has invalid NetworkPolicies; fix them first', s.problems);
}

export function traceResponse(s: Snapshot, params: URLSearchParams): TraceResult {
  checkPolicies(s);
  const from = params.get('from')?.trim();
  const to = params.get('to')?.trim();
  if (!from || !to) throw new RequestError(400, 'give a source (from) and a target (to)');
  // `port` is `N` or `N/PROTOCOL`; a missing port lets the trace pick the only one.
  const portText = params.get('port')?.trim();
  const protocolText = params.get('protocol') || 'TCP';
  let port: number | undefined;
  let protocol = parseProtocolText(protocolText);
  if (portText) ({ port, protocol } = parsePortText(portText.includes('/') ? portText : `${portText}/${protocolText}`));
  const sizeText = params.get('size')?.trim();
  const size = sizeText ? Number(sizeText) : undefined;
  if (size !== undefined && (!/^\d+$/.test(sizeText!) || size < 20 || size > 65535)) throw new RequestError(400, `size ${JSON.stringify(sizeText)} is not an IP packet size (20-65535 bytes)`);
  try {
    return trace(s.view, { from, to, protocol, ...(port !== undefined ? { port } : {}), ...(size !== undefined ? { size } : {}) }, { policy: s.index, routes: s.routeTable });
  } catch (err) {
    if (err instanceof TraceInputError) throw new RequestError(400, err.message);
    throw err;
  }
}

export function lintResponse(s: Snapshot): LintResponse {
  checkPolicies(s);
  const report: LintReport = s.cached('lint', () => lint(s.view, { policy: s.index, routes: s.routeTable }));
  return { ...report, rules: RULES.map((r) => ({ id: r.id, severity: r.severity, title: r.title })) };
}
