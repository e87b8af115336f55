/**
 * What nginx must do once a step (match entry, Ingress defaultBackend, 404) serves a request — the
 * model's evaluation (filters in order, weighted backends, invalid shares, redirects) reduced to what is
 * static per server block. Request-dependent parts stay symbolic: the Host, the raw path and query,
 * and header values derived from the client's.
 */
import type { BackendTarget, HeaderValue, MatchEntry } from '../../model/l7/index.ts';
import type { Step } from './servers.ts';

/** A header's value after the filters, for a client request that had it (`present`) or not (`absent`). */
export type HeaderBranch = { type: 'absent' } | { type: 'const'; value: string } | { type: 'orig'; suffix: string };
export interface HeaderEdit {
  name: string;
  present: HeaderBranch;
  absent: HeaderBranch;
}

export type PathPlan = { type: 'keep' } | { type: 'full'; value: string } | { type: 'prefix'; matched: string; value: string };

export interface Share {
  /** Set when the share is forwarded; otherwise it answers `status`. */
  backend?: BackendTarget;
  status: number;
  reason: string;
  share: number;
}

export interface Mirror {
  backend: BackendTarget;
  percent: number;
}

interface Common {
  /** For the access log: frontend and rule. */
  route: string;
  responseHeaders: HeaderEdit[];
}

export type Action =
  | (Common & { kind: 'status'; status: number; reason: string })
  | (Common & { kind: 'redirect'; status: number; scheme: string; hostname?: string; port?: number; path: PathPlan })
  | (Common & { kind: 'proxy'; shares: Share[]; requestHeaders: HeaderEdit[]; hostname?: string; path: PathPlan; mirrors: Mirror[] });

const WELL_KNOWN: Record<string, number> = { http: 80, https: 443 };

// The proxy itself owns these (Host from the request or URLRewrite, X-Forwarded-*, hop-by-hop), as
// the Node proxy does.
const PROXY_OWNED = new Set(['host', 'x-forwarded-for', 'x-forwarded-proto', 'connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

interface Ops {
  set: HeaderValue[];
  add: HeaderValue[];
  remove: string[];
}

function addTo(b: HeaderBranch, v: string): HeaderBranch {
  if (b.type === 'absent') return { type: 'const', value: v };
  if (b.type === 'const') return { type: 'const', value: `${b.value},${v}` };
  return { type: 'orig', suffix: `${b.suffix},${v}` };
}

/** Composes header operations (each: set, then add, then remove — as the model applies them). */
export function composeHeaderOps(ops: readonly Ops[], skip: ReadonlySet<string> = new Set()): HeaderEdit[] {
  const edits = new Map<string, HeaderEdit>();
  const edit = (name: string): HeaderEdit => {
    let e = edits.get(name);
    if (!e) edits.set(name, (e = { name, present: { type: 'orig', suffix: '' }, absent: { type: 'absent' } }));
    return e;
  };
  for (const o of ops) {
    for (const h of o.set) Object.assign(edit(h.name), { present: { type: 'const', value: h.value }, absent: { type: 'const', value: h.value } });
    for (const h of o.add) {
      const e = edit(h.name);
      e.present = addTo(e.present, h.value);
      e.absent = addTo(e.absent, h.value);
    }
    for (const n of o.remove) Object.assign(edit(n), { present: { type: 'absent' }, absent: { type: 'absent' } });
  }
  return [...edits.values()].filter((e) => !skip.has(e.name) && !(e.present.type === 'orig' && e.present.suffix === '' && e.absent.type === 'absent'));
}

function shares(targets: readonly BackendTarget[]): Share[] {
  const total = targets.reduce((s, t) => s + Math.max(0, t.weight), 0);
  return targets
    .filter((t) => total > 0 && t.weight > 0)
    .map((t) => ({
      ...(t.invalid || !t.endpoints.length ? {} : { backend: t }),
      status: t.invalid?.status ?? (t.endpoints.length ? 200 : 503),
      reason: t.invalid?.reason ?? (t.endpoints.length ? 'Forward' : 'NoReadyEndpoints'),
      share: t.weight / total,
    }));
}

function forward(route: string, live: Share[], rest: Omit<Extract<Action, { kind: 'proxy' }>, 'kind' | 'shares' | 'route'>): Action {
  if (!live.length) return { kind: 'status', status: 500, reason: 'NoBackends', route, responseHeaders: rest.responseHeaders };
  const statuses = new Set(live.map((s) => s.status));
  if (statuses.size === 1 && !statuses.has(200)) return { kind: 'status', status: live[0].status, reason: live[0].reason, route, responseHeaders: rest.responseHeaders };
  return { kind: 'proxy', shares: live, route, ...rest };
}

function entryAction(entry: MatchEntry, route: string, scheme: string, listenerPort: number): Action {
  if (entry.ruleError) return { kind: 'status', status: entry.ruleError.status, reason: entry.ruleError.reason, route, responseHeaders: [] };
  const request: Ops[] = [];
  const response: Ops = { set: [], add: [], remove: [] };
  let hostname: string | undefined;
  let path: PathPlan = { type: 'keep' };
  const mirrors: Mirror[] = [];
  const responseHeaders = (): HeaderEdit[] => composeHeaderOps([response]);
  for (const f of entry.filters) {
    switch (f.type) {
      case 'RequestHeaderModifier':
        request.push(f);
        break;
      case 'ResponseHeaderModifier':
        response.set.push(...f.set);
        response.add.push(...f.add);
        response.remove.push(...f.remove);
        break;
      case 'URLRewrite':
        if (f.hostname !== undefined) hostname = f.hostname;
        if (f.path) path = f.path.type === 'ReplaceFullPath' ? { type: 'full', value: f.path.value } : { type: 'prefix', matched: entry.path.value, value: f.path.value };
        break;
      case 'RequestMirror':
        if (!f.backend.invalid && f.backend.endpoints.length && f.percent > 0) mirrors.push({ backend: f.backend, percent: Math.min(100, f.percent) });
        break;
      case 'RequestRedirect': {
        const s = f.scheme ?? scheme;
        const port = f.port ?? (f.scheme ? WELL_KNOWN[f.scheme] ?? listenerPort : listenerPort);
        const redirectPath: PathPlan = !f.path ? { type: 'keep' } : f.path.type === 'ReplaceFullPath' ? { type: 'full', value: f.path.value } : { type: 'prefix', matched: entry.path.value, value: f.path.value };
        return {
          kind: 'redirect', status: f.statusCode, scheme: s, ...(f.hostname !== undefined ? { hostname: f.hostname } : {}),
          ...(WELL_KNOWN[s] !== port ? { port } : {}), path: redirectPath, route, responseHeaders: responseHeaders(),
        };
      }
      case 'Unsupported':
        return { kind: 'status', status: 500, reason: 'UnsupportedFilter', route, responseHeaders: responseHeaders() };
    }
  }
  if (!entry.backends.length) return { kind: 'status', status: 500, reason: 'NoBackends', route, responseHeaders: responseHeaders() };
  return forward(route, shares(entry.backends), {
    requestHeaders: composeHeaderOps(request, PROXY_OWNED),
    ...(hostname !== undefined ? { hostname } : {}),
    path, mirrors, responseHeaders: responseHeaders(),
  });
}

export function actionFor(step: Step, scheme: string): Action {
  switch (step.kind) {
    case 'notFound':
      return { kind: 'status', status: 404, reason: step.reason, route: '-', responseHeaders: [] };
    case 'default':
      return forward(`${step.frontend} defaultBackend ${step.def.ingress}`, shares([step.def.backend]), { requestHeaders: [], path: { type: 'keep' }, mirrors: [], responseHeaders: [] });
    case 'entry':
      return entryAction(step.entry, `${step.frontend} ${step.entry.id}`, scheme, step.listenerPort);
  }
}
