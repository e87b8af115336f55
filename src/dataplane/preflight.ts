/** What the dataplane needs from the machine, checked before anything is created. */
import { spawnSync } from 'node:child_process';

export function hasTool(tool: string): boolean {
  const r = spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
  return r.status === 0;
}

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** Problems that stop `podnet up`; empty when the machine can build the dataplane. */
export function preflightProblems(need: { bird: boolean }): string[] {
  const problems: string[] = [];
  if (!isRoot()) problems.push('podnet up needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN to create network namespaces)');
  for (const tool of ['ip', 'bridge', 'nsenter', 'sysctl', 'flock']) {
    if (!hasTool(tool)) problems.push(`${tool} not found in PATH (Debian: apt-get install iproute2 util-linux procps)`);
  }
  if (need.bird && !hasTool('bird')) problems.push('bird not found in PATH: calico BGP mode runs BIRD 2 per node (Debian: apt-get install bird2)');
  return problems;
}

/** Why dataplane tests cannot run here, or undefined. */
export function dataplaneSkipReason(): string | undefined {
  if (!isRoot()) return 'dataplane tests need root (network namespaces)';
  if (!hasTool('ip')) return 'dataplane tests need the ip tool (iproute2)';
  return undefined;
}
