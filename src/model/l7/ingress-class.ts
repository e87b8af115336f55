/**
 * Which IngressClass an Ingress belongs to, and whether this cluster's Ingress controller
 * (ClusterConfig.ingressController) routes it.
 *
 * - `spec.ingressClassName` names an IngressClass; its `spec.controller` must be ours.
 * - The legacy `kubernetes.io/ingress.class` annotation names the class the same way.
 * - Neither: the DefaultIngressClass admission plugin fills in the class marked
 *   `ingressclass.kubernetes.io/is-default-class: "true"` when the Ingress is created — only then,
 *   and it refuses class-less creation while two classes are default. The model replays that for
 *   Ingresses that never went through admission, honouring creation order when timestamps are known.
 * An Ingress of a foreign or missing class is not routed, and must not get our address in its status.
 */
import type { Ingress, IngressClass } from '../../api/types.ts';

export const LEGACY_CLASS_ANNOTATION = 'kubernetes.io/ingress.class';
export const DEFAULT_CLASS_ANNOTATION = 'ingressclass.kubernetes.io/is-default-class';

export interface IngressClassDecision {
  routed: boolean;
  ingressClass?: string;
  reason: 'Routed' | 'ForeignClass' | 'ClassNotFound' | 'NoClass' | 'MultipleDefaultClasses';
  message: string;
}

export function isDefaultClass(c: IngressClass): boolean {
  return c.metadata.annotations?.[DEFAULT_CLASS_ANNOTATION] === 'true';
}

/** What the DefaultIngressClass admission plugin would set at creation (undefined: nothing). */
export function admittedClassName(ing: Ingress, classes: readonly IngressClass[]): string | undefined | 'conflict' {
  if (ing.spec.ingressClassName || ing.metadata.annotations?.[LEGACY_CLASS_ANNOTATION] !== undefined) return ing.spec.ingressClassName;
  const created = ing.metadata.creationTimestamp ? Date.parse(ing.metadata.creationTimestamp) : undefined;
  const defaults = classes.filter((c) => {
    if (!isDefaultClass(c)) return false;
    const t = c.metadata.creationTimestamp ? Date.parse(c.metadata.creationTimestamp) : undefined;
    // A default class created after the Ingress was never seen by its admission.
    return created === undefined || t === undefined || t <= created;
  });
  if (defaults.length > 1) return 'conflict';
  return defaults[0]?.metadata.name;
}

export function classifyIngress(ing: Ingress, classes: readonly IngressClass[], controller: string): IngressClassDecision {
  const legacy = ing.metadata.annotations?.[LEGACY_CLASS_ANNOTATION];
  let name: string | undefined;
  let via: string;
  if (legacy !== undefined) {
    name = legacy;
    via = `annotation ${LEGACY_CLASS_ANNOTATION}`;
  } else if (ing.spec.ingressClassName) {
    name = ing.spec.ingressClassName;
    via = 'spec.ingressClassName';
  } else {
    const admitted = admittedClassName(ing, classes);
    if (admitted === 'conflict') {
      return { routed: false, reason: 'MultipleDefaultClasses', message: 'no class set and more than one IngressClass is marked default (admission refuses such an Ingress)' };
    }
    if (admitted === undefined) return { routed: false, reason: 'NoClass', message: 'no ingressClassName, no class annotation and no default IngressClass' };
    name = admitted;
    via = 'the default IngressClass';
  }
  const cls = classes.find((c) => c.metadata.name === name);
  if (!cls) return { routed: false, ingressClass: name, reason: 'ClassNotFound', message: `IngressClass ${JSON.stringify(name)} (from ${via}) does not exist` };
  if (cls.spec.controller !== controller) {
    return { routed: false, ingressClass: name, reason: 'ForeignClass', message: `IngressClass ${name} belongs to controller ${cls.spec.controller ?? '(none)'}, not ${controller}` };
  }
  return { routed: true, ingressClass: name, reason: 'Routed', message: `class ${name} (from ${via}) is handled by ${controller}` };
}
