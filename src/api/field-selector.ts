/**
 * Field selectors (`metadata.name=web,status.phase!=Running`): `=`, `==` and `!=` on the fields the
 * API server indexes per kind (pkg/registry/<kind>/strategy.go ToSelectableFields). Any other field
 * is refused with upstream's words, `field label not supported: …` (a 400 from the API server).
 */
import type { KObject } from './types.ts';

export class FieldSelectorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FieldSelectorError';
  }
}

export interface FieldRequirement {
  field: string;
  equals: boolean;
  value: string;
}

export interface FieldSelector {
  requirements: FieldRequirement[];
  matches(obj: KObject): boolean;
  /** The value required for `field` with `=`, if any (lets watches of one name stay cheap). */
  exact(field: string): string | undefined;
}

const COMMON = ['metadata.name', 'metadata.namespace'];

const SELECTABLE: Record<string, readonly string[]> = {
  Pod: ['spec.nodeName', 'spec.restartPolicy', 'spec.schedulerName', 'spec.serviceAccountName', 'spec.hostNetwork', 'status.phase', 'status.podIP', 'status.nominatedNodeName'],
  Event: [
    'involvedObject.kind', 'involvedObject.namespace', 'involvedObject.name', 'involvedObject.uid', 'involvedObject.apiVersion',
    'involvedObject.resourceVersion', 'involvedObject.fieldPath', 'reason', 'reportingComponent', 'source', 'type',
  ],
  Node: ['spec.unschedulable'],
  Namespace: ['status.phase'],
  Service: ['spec.clusterIP', 'spec.type'],
  ReplicaSet: ['status.replicas'],
  Secret: ['type'],
};

function fieldValue(obj: KObject, field: string): string {
  if (obj.kind === 'Event' && field === 'source') return String((obj as { source?: { component?: string } }).source?.component ?? '');
  let cur: unknown = obj;
  for (const seg of field.split('.')) {
    if (cur === null || typeof cur !== 'object') return '';
    cur = (cur as Record<string, unknown>)[seg];
  }
  if (cur === undefined || cur === null) return field === 'spec.hostNetwork' || field === 'spec.unschedulable' ? 'false' : '';
  return String(cur);
}

/** Parses a selector for `kind`; throws FieldSelectorError on bad syntax or an unsupported field. */
export function parseFieldSelector(text: string | null, kind: string): FieldSelector | undefined {
  if (!text) return undefined;
  const requirements: FieldRequirement[] = [];
  for (const term of text.split(',')) {
    if (!term) continue;
    const m = /^([^=!]+)(==|=|!=)(.*)$/.exec(term);
    if (!m) throw new FieldSelectorError(`invalid selector: '${text}'; can't understand '${term}'`);
    const field = m[1].trim();
    if (!COMMON.includes(field) && !(SELECTABLE[kind] ?? []).includes(field)) {
      throw new FieldSelectorError(`field label not supported: ${field}`);
    }
    requirements.push({ field, equals: m[2] !== '!=', value: m[3].trim() });
  }
  return {
    requirements,
    matches: (obj) => requirements.every((r) => (fieldValue(obj, r.field) === r.value) === r.equals),
    exact: (field) => requirements.find((r) => r.field === field && r.equals)?.value,
  };
}
