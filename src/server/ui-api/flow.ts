/**
 * "Why is this cell allowed or denied?": the policy model's verdict on one flow (reach, which judges
 * a Service per backend) and the explanation of every policy isolating either end.
 */
import { EndpointRefError, explainPod, explainPolicy, reach, type PolicyExplanation } from '../../model/policy/index.ts';
import type { FlowResponse, PodDetails, SelectResponse } from './api-types.ts';
import { parseSelector, SelectorSyntaxError } from '../../api/selector.ts';
import { parsePortText, RequestError } from './request-error.ts';
import type { Snapshot } from './snapshot.ts';

function required(params: URLSearchParams, key: string): string {
  const v = params.get(key)?.trim();
  if (!v) throw new RequestError(400, `missing parameter ${JSON.stringify(key)}`);
  return v;
}

function checkPolicies(s: Snapshot): void {
  if (s.problems.length) throw new RequestError(422, 'the cluster has invalid NetworkPolicies; fix them first', s.problems);
}

export function flowResponse(s: Snapshot, params: URLSearchParams): FlowResponse {
  checkPolicies(s);
  const { port, protocol } = parsePortText(`${required(params, 'port')}/${params.get('protocol') || 'TCP'}`);
  let result;
  try {
    result = reach(s.view, { from: required(params, 'from'), to: required(params, 'to'), port, protocol }, s.index);
  } catch (err) {
    if (err instanceof EndpointRefError) throw new RequestError(400, err.message);
    throw err;
  }
  const policies: Record<string, PolicyExplanation> = {};
  for (const h of result.hops) {
    for (const ref of [...h.decision.egress.policies, ...h.decision.ingress.policies]) {
      if (policies[ref]) continue;
      const [ns, name] = ref.split('/');
      const p = s.index.policy(ns, name);
      if (p) policies[ref] = explainPolicy(s.index, p);
    }
  }
  return { result, policies };
}

export function podDetails(s: Snapshot, params: URLSearchParams): PodDetails {
  checkPolicies(s);
  const ref = required(params, 'ref');
  const [ns, name, ...rest] = ref.split('/');
  const pod = rest.length ? undefined : s.view.pod(ns, name ?? '');
  if (!pod) throw new RequestError(404, `pod ${ref} not found`);
  const services: string[] = [];
  for (const svc of s.view.services) {
    const sns = svc.metadata.namespace ?? 'default';
    const backs = s.view.slicesForService(sns, svc.metadata.name).some((sl) =>
      (sl.endpoints ?? []).some((e) => e.targetRef?.kind === 'Pod' && e.targetRef.name === name && (e.targetRef.namespace ?? sns) === ns));
    if (backs) services.push(`${sns}/${svc.metadata.name}`);
  }
  return { explanation: explainPod(s.index, pod), services };
}

export function policyDetails(s: Snapshot, params: URLSearchParams): PolicyExplanation {
  checkPolicies(s);
  const ref = required(params, 'ref');
  const [ns, name] = ref.split('/');
  const p = s.index.policy(ns, name ?? '');
  if (!p) throw new RequestError(404, `NetworkPolicy ${ref} not found`);
  return explainPolicy(s.index, p);
}

/** Pods a label selector (kubectl's `-l` syntax) matches, optionally within one namespace. */
export function selectPods(s: Snapshot, params: URLSearchParams): SelectResponse {
  const text = params.get('selector') ?? '';
  let sel;
  try {
    sel = parseSelector(text);
  } catch (err) {
    if (err instanceof SelectorSyntaxError) throw new RequestError(400, err.message);
    throw err;
  }
  const ns = params.get('ns');
  const pods = s.view.pods
    .filter((p) => (!ns || p.metadata.namespace === ns) && sel.matches(p.metadata.labels))
    .map((p) => `${p.metadata.namespace ?? 'default'}/${p.metadata.name}`);
  return { selector: text, pods };
}
