/**
 * The kubeconfig `podnet serve` writes: one cluster, user and context named `podnet`, the bearer
 * token, and either the CA of a TLS server or `insecure-skip-tls-verify` for plain HTTP
 * (@kubernetes/client-node refuses an `http://` server without it; kubectl accepts both).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { stringify } from 'yaml';

export interface KubeconfigInput {
  server: string;
  token?: string;
  /** PEM of the CA that signed the server certificate. */
  caPEM?: string;
  namespace?: string;
}

export const CONTEXT_NAME = 'podnet';

export function kubeconfigText(input: KubeconfigInput): string {
  const cluster: Record<string, unknown> = { server: input.server };
  if (input.caPEM) cluster['certificate-authority-data'] = Buffer.from(input.caPEM).toString('base64');
  else cluster['insecure-skip-tls-verify'] = true;
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: CONTEXT_NAME, cluster }],
    users: [{ name: CONTEXT_NAME, user: input.token ? { token: input.token } : {} }],
    contexts: [{ name: CONTEXT_NAME, context: { cluster: CONTEXT_NAME, user: CONTEXT_NAME, namespace: input.namespace ?? 'default' } }],
    'current-context': CONTEXT_NAME,
    preferences: {},
  };
  return stringify(config, { lineWidth: 0 });
}

/** Writes the kubeconfig readable by the owner only (it holds the token). */
export function writeKubeconfig(file: string, input: KubeconfigInput): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, kubeconfigText(input), { mode: 0o600 });
}
