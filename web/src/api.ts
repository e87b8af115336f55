/** Typed calls to the UI's JSON API (relative URLs: the UI works under any mount point). */
import type {
  ApplyResponse, FlowResponse, MatrixResponse, ObjectResponse, PodDetails, SelectResponse, Topology, UIError, WhatIfResponse,
} from '../../src/server/ui-api/api-types.ts';
import type { PolicyExplanation } from '../../src/model/policy/index.ts';
import type { TraceResult } from '../../src/model/trace/index.ts';
import type { LintResponse } from '../../src/server/ui-api/api-types.ts';

export class ApiError extends Error {
  constructor(readonly status: number, message: string, readonly errors: UIError[] = []) {
    super(message);
  }
}

async function get<T>(path: string, params: Record<string, string | string[] | undefined> = {}): Promise<T> {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === '') continue;
    if (Array.isArray(v)) {
      if (v.length) qs.set(k, v.join(','));
    } else qs.set(k, v);
  }
  const res = await fetch(`api/${path}${qs.size ? `?${qs}` : ''}`);
  return parse<T>(res);
}

async function post<T>(path: string, body: unknown): Promise<T> {
  const res = await fetch(`api/${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  return parse<T>(res);
}

async function parse<T>(res: Response): Promise<T> {
  const body = (await res.json()) as T & { error?: string; errors?: UIError[] };
  if (!res.ok) throw new ApiError(res.status, body.error ?? res.statusText, body.errors ?? []);
  return body;
}

export const api = {
  topology: () => get<Topology>('topology'),
  matrix: (ns: string[]) => get<MatrixResponse>('matrix', { ns }),
  flow: (from: string, to: string, port: string) => {
    const [p, protocol] = port.split('/');
    return get<FlowResponse>('flow', { from, to, port: p, protocol });
  },
  pod: (ref: string) => get<PodDetails>('pod', { ref }),
  policy: (ref: string) => get<PolicyExplanation>('policy', { ref }),
  select: (selector: string) => get<SelectResponse>('select', { selector }),
  object: (kind: string, namespace: string, name: string) => get<ObjectResponse>('object', { kind, namespace, name }),
  whatIf: (yaml: string) => post<WhatIfResponse>('whatif', { yaml }),
  apply: (yaml: string) => post<ApplyResponse>('apply', { yaml }),
  trace: (q: { from: string; to: string; port: string; protocol: string; size?: string }) => get<TraceResult>('trace', q),
  lint: () => get<LintResponse>('lint'),
  matrixCSVURL: (ns: string[]) => `api/matrix.csv${ns.length ? `?ns=${encodeURIComponent(ns.join(','))}` : ''}`,
};
