/**
 * The UI's JSON API: request and response shapes. The browser imports these as types only; every
 * answer is computed here by the models (the browser draws, it never decides).
 */
import type { InputError } from '../../api/errors.ts';
import type { LintReport, Severity } from '../../model/lint/index.ts';
import type { MatrixDiff } from '../../model/matrix/index.ts';
import type { PodExplanation, PolicyExplanation, ReachResult } from '../../model/policy/index.ts';

export interface ClusterSummary {
  revision: number;
  source: { kind: 'persisted' | 'memory'; description: string };
  cni: {
    cni: string;
    mode: string;
    underlayMTU: number;
    podMTU: number;
    crossNodeMTU: number;
    encapsulation: string | null;
    enforcesPolicy: boolean;
    kubeProxyReplacement: boolean;
  };
  podCIDR: string;
  serviceCIDR: string;
  proxyMode: string;
  clusterDomain: string;
}

export interface TopologyNode {
  name: string;
  internalIP: string | null;
  podCIDRs: string[];
  ready: boolean;
}

export interface TopologyPod {
  /** `ns/name` */
  ref: string;
  namespace: string;
  name: string;
  node: string | null;
  ips: string[];
  labels: Record<string, string>;
  ready: boolean;
  phase: string;
  hostNetwork: boolean;
  /** `80/TCP (http)` per declared containerPort. */
  ports: string[];
}

export interface TopologyService {
  ref: string;
  namespace: string;
  name: string;
  type: string;
  clusterIPs: string[];
  /** `80/TCP → http` */
  ports: string[];
  /** Pods behind it (from its EndpointSlices), `ns/name`, with readiness. */
  endpoints: { pod: string; ip: string; ready: boolean }[];
}

export interface TopologyRoute {
  /** `Ingress/ns/name` or `HTTPRoute/ns/name` */
  ref: string;
  kind: 'Ingress' | 'HTTPRoute';
  namespace: string;
  name: string;
  hosts: string[];
  /** Services it routes to, `ns/name`. */
  services: string[];
}

export interface TopologyPolicy {
  ref: string;
  namespace: string;
  name: string;
  policyTypes: string[];
  /** Pods its podSelector selects now. */
  selects: string[];
}

export interface Topology {
  summary: ClusterSummary;
  namespaces: { name: string; labels: Record<string, string> }[];
  nodes: TopologyNode[];
  pods: TopologyPod[];
  services: TopologyService[];
  routes: TopologyRoute[];
  policies: TopologyPolicy[];
  /** Problems that keep the policy model from answering (invalid stored policies). */
  problems: UIError[];
}

/** An input error as `podnet apply` prints it (`message`), with its parts for inline display. */
export interface UIError extends InputError {
  message: string;
}

export interface MatrixResponse {
  revision: number;
  pods: { ref: string; namespace: string; node: string | null; ip: string | null }[];
  ports: string[];
  enforced: boolean;
  classes: number;
  notes: string[];
  /** Consecutive pods of one namespace (pods are sorted by namespace). */
  groups: { namespace: string; start: number; count: number }[];
  /** Words per row of the bit matrices (⌈pods/32⌉). */
  words: number;
  /** Per port (same order as `ports`): row-major pods × pods bits, little-endian Uint32 words, base64. */
  bits: string[];
}

export interface FlowResponse {
  result: ReachResult;
  /** Explanations of every policy that isolates either end of a judged hop. */
  policies: Record<string, PolicyExplanation>;
}

export interface SelectResponse {
  selector: string;
  pods: string[];
}

export interface PodDetails {
  explanation: PodExplanation;
  services: string[];
}

export interface ApplyItem {
  kind: string;
  namespace?: string;
  name: string;
  action: string;
}

export interface WhatIfResponse {
  ok: boolean;
  errors: UIError[];
  warnings: string[];
  results: ApplyItem[];
  /** The matrix diff the change makes (null when the input is invalid). */
  diff: MatrixDiff | null;
}

export interface ApplyResponse {
  ok: boolean;
  errors: UIError[];
  warnings: string[];
  results: ApplyItem[];
  revision: number;
}

export interface ObjectResponse {
  yaml: string;
}

export interface LintResponse extends LintReport {
  /** Every rule the lint runs, for the legend. */
  rules: { id: string; severity: Severity; title: string }[];
}
