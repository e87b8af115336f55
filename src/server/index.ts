/**
 * @module server — a kubectl-compatible API server over podnet's Store: discovery, OpenAPI v3, Table
 * printing, CRUD with merge / strategic-merge / JSON patch and server-side apply, watch, events, and
 * exec/logs/port-forward (answered with a Status until the dataplane provides a PodRuntime).
 */
export { ApiServer, type ApiServerOptions } from './server.ts';
export { kubeconfigText, writeKubeconfig, CONTEXT_NAME, type KubeconfigInput } from './kubeconfig.ts';
export type { PodRuntime, ExecRequest, ExecIO, LogRequest, PortForwardRequest, TerminalSize } from './exec.ts';
export { KUBE_VERSION } from './discovery.ts';
