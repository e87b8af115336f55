/**
 * `routeStatus: {route: ns/name, parent: ns/gateway, sectionName?}` → expect `{Accepted: "True" |
 * "False:Reason", ResolvedRefs: …}`: the HTTPRoute status this cluster's Gateway controller computes
 * for that parentRef (upstream condition types and reasons).
 */
import type { ClusterView } from '../../cluster/view.ts';
import { CheckArgumentError, parseNamespacedName, type CheckKind, type CheckOutcome } from './check.ts';
import { routeTableOf } from './http-check.ts';

const FIELDS = ['route', 'parent', 'sectionName'];

export const routeStatusCheck: CheckKind = {
  evaluate(view: ClusterView, args: unknown, expect: unknown): CheckOutcome {
    if (args === null || typeof args !== 'object' || Array.isArray(args)) throw new CheckArgumentError('routeStatus', 'must be a mapping with route and parent');
    const a = args as Record<string, unknown>;
    for (const k of Object.keys(a)) if (!FIELDS.includes(k)) throw new CheckArgumentError(`routeStatus.${k}`, `unknown field (allowed: ${FIELDS.join(', ')})`);
    const route = parseNamespacedName(a.route, 'routeStatus.route');
    const parent = parseNamespacedName(a.parent, 'routeStatus.parent');
    if (a.sectionName !== undefined && typeof a.sectionName !== 'string') throw new CheckArgumentError('routeStatus.sectionName', 'must be a listener name');
    if (expect === null || typeof expect !== 'object' || Array.isArray(expect) || !Object.keys(expect).length) {
      throw new CheckArgumentError('expect', 'must map condition types (Accepted, ResolvedRefs, …) to "True" or "False:Reason"');
    }
    const expected = expect as Record<string, unknown>;
    for (const [k, v] of Object.entries(expected)) {
      if (typeof v !== 'string' || !/^(True|False|Unknown)(:[A-Za-z]+)?$/.test(v)) throw new CheckArgumentError(`expect.${k}`, 'must be "True", "False:Reason" or "Unknown"');
    }
    const key = `${route.namespace}/${route.name}`;
    const st = routeTableOf(view).status.httpRoutes.find((r) => r.route === key);
    const p = st?.parents.find((x) => x.parentRef.namespace === parent.namespace && x.parentRef.name === parent.name && (a.sectionName === undefined || x.parentRef.sectionName === a.sectionName));
    if (!p) {
      const why = !view.get('HTTPRoute', route.namespace, route.name) ? `HTTPRoute ${key} not found`
        : `HTTPRoute ${key} has no status for parent ${parent.namespace}/${parent.name}: not a parentRef, or not a Gateway of ${view.config.gatewayController}`;
      return { passed: false, expected, actual: null, message: why };
    }
    const actual: Record<string, string> = {};
    const problems: string[] = [];
    for (const [type, want] of Object.entries(expected) as [string, string][]) {
      const c = p.conditions.find((x) => x.type === type);
      const got = !c ? 'absent' : c.status === 'True' ? 'True' : `${c.status}:${c.reason}`;
      actual[type] = got;
      // "False" alone accepts any reason.
      const ok = want.includes(':') || want === 'True' ? got === want : got.split(':')[0] === want;
      if (!ok) problems.push(`${type} is ${got}${c && c.status !== 'True' ? ` (${c.message})` : ''}, expected ${want}`);
    }
    return { passed: problems.length === 0, expected, actual, message: problems.length ? problems.join('; ') : `HTTPRoute ${key} on ${parent.namespace}/${parent.name}: ${Object.entries(actual).map(([k, v]) => `${k}=${v}`).join(', ')}` };
  },
};
