/**
 * Which nodes a pod may run on by its nodeSelector and required node affinity
 * (k8s.io/component-helpers/scheduling/corev1/nodeaffinity): nodeSelector pairs must all match the
 * node's labels, and at least one nodeSelectorTerm must match (a term ANDs its requirements; an empty
 * term matches nothing; matchFields knows only metadata.name).
 */
import type { Node, PodSpec } from '../api/types.ts';

export interface NodeSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';
  values?: string[];
}

export interface NodeSelectorTerm {
  matchExpressions?: NodeSelectorRequirement[];
  matchFields?: NodeSelectorRequirement[];
}

export interface NodeAffinity {
  requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: NodeSelectorTerm[] };
  [extra: string]: unknown;
}

export interface Affinity {
  nodeAffinity?: NodeAffinity;
  [extra: string]: unknown;
}

function requirementMatches(req: NodeSelectorRequirement, value: string | undefined): boolean {
  const values = req.values ?? [];
  switch (req.operator) {
    case 'In':
      return value !== undefined && values.includes(value);
    case 'NotIn':
      return value === undefined || !values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
    case 'Lt': {
      // Both sides must parse as integers; otherwise the requirement does not match.
      if (value === undefined || values.length !== 1 || !/^-?\d+$/.test(value) || !/^-?\d+$/.test(values[0])) return false;
      const have = BigInt(value);
      const want = BigInt(values[0]);
      return req.operator === 'Gt' ? have > want : have < want;
    }
    default:
      return false;
  }
}

function termMatches(term: NodeSelectorTerm, node: Node): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  const labels = node.metadata.labels ?? {};
  for (const e of exprs) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    if (!requirementMatches(e, has ? labels[e.key] : undefined)) return false;
  }
  for (const f of fields) {
    if (!requirementMatches(f, f.key === 'metadata.name' ? node.metadata.name : undefined)) return false;
  }
  return true;
}

export function matchesNodeSelector(spec: PodSpec, node: Node): boolean {
  const labels = node.metadata.labels ?? {};
  for (const [k, v] of Object.entries(spec.nodeSelector ?? {})) {
    if (labels[k] !== v) return false;
  }
  return true;
}

export function matchesRequiredNodeAffinity(spec: PodSpec, node: Node): boolean {
  const required = (spec.affinity as Affinity | undefined)?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (!required) return true;
  return (required.nodeSelectorTerms ?? []).some((t) => termMatches(t, node));
}

/** The NodeAffinity filter: nodeSelector and required node affinity both hold. */
export function podMatchesNode(spec: PodSpec, node: Node): boolean {
  return matchesNodeSelector(spec, node) && matchesRequiredNodeAffinity(spec, node);
}
