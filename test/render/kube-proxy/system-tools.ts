/**
 * Checking rendered rule sets with the real tools, without touching the host: `nft -c -f` only
 * parses and validates against the kernel; `iptables-restore --test` runs inside a throwaway
 * network namespace that is always deleted. When a tool (or root) is missing, `skipReason` says so.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function which(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).status === 0;
}

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

export const nftSkipReason: string | false = !which('nft') ? 'nft not installed (apt-get install nftables)' : !isRoot ? 'nft -c needs root (CAP_NET_ADMIN) to validate against the kernel' : false;
export const iptablesSkipReason: string | false = !which('iptables-restore') ? 'iptables-restore not installed (apt-get install iptables)'
  : !which('ip') ? 'ip (iproute2) not installed: needed for a throwaway network namespace'
    : !isRoot ? 'iptables-restore --test in a network namespace needs root' : false;

export interface ToolResult {
  ok: boolean;
  output: string;
}

/** `nft -c -f <text>`: check only, nothing is committed. */
export function nftCheck(text: string): ToolResult {
  const dir = mkdtempSync(join(tmpdir(), 'podnet-nft-'));
  try {
    const file = join(dir, 'rules.nft');
    writeFileSync(file, text);
    const r = spawnSync('nft', ['-c', '-f', file], { encoding: 'utf8' });
    return { ok: r.status === 0, output: `${r.stdout ?? ''}${r.stderr ?? ''}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `iptables-restore --test` (nothing committed) inside a fresh netns, deleted afterwards. */
export function iptablesRestoreTest(text: string): ToolResult {
  const ns = `podnet-ipt-${process.pid}-${Math.floor(Math.random() * 1e9)}`;
  const add = spawnSync('ip', ['netns', 'add', ns], { encoding: 'utf8' });
  if (add.status !== 0) return { ok: false, output: `ip netns add failed: ${add.stderr}` };
  try {
    const r = spawnSync('ip', ['netns', 'exec', ns, 'iptables-restore', '--test'], { input: text, encoding: 'utf8' });
    return { ok: r.status === 0, output: `${r.stdout ?? ''}${r.stderr ?? ''}` };
  } finally {
    spawnSync('ip', ['netns', 'delete', ns]);
  }
}
