/**
 * Node IPAM, as kube-controller-manager's range allocator (pkg/controller/nodeipam/ipam) does it:
 * ClusterConfig.podCIDR is cut into /nodeCIDRMaskSize blocks and each node without spec.podCIDR gets
 * the first free block (nodes in name order); a given podCIDR is kept (outside the cluster CIDR it is
 * accepted with a warning, like a node whose CIDR the allocator cannot occupy); overlapping podCIDRs
 * are an error. spec.podCIDRs mirrors spec.podCIDR.
 *
 * Node addresses: a node without an InternalIP gets the next free address of ClusterConfig.nodeNetwork
 * from .2 (.1 being the underlay's gateway); given addresses are kept; a Hostname address names the node.
 *
 * Imports: a node without a podCIDR or InternalIP whose pods carry IPs (a `kubectl get -o yaml` dump
 * has pods but no nodes) takes the block holding its pods' IPs and its pods' status.hostIP, so the
 * reconstructed cluster routes those IPs where the real one did.
 */
import { parseCIDR, type CIDR } from '../api/cidr.ts';
import { reasons } from '../api/errors.ts';
import type { Node, NodeAddress, Pod } from '../api/types.ts';
import type { ReconcileContext } from './context.ts';
import { blame, conflictError } from './conflicts.ts';
import { canonicalIP, RangeAllocator } from './ip-allocator.ts';
import { putIfChanged } from './object-changes.ts';
import { PODS_BY_NODE } from './pod-indexes.ts';

/** A node's pods, in namespace/name order (asked only for nodes reconstructed from their pods). */
type PodsOfNode = (node: string) => Pod[];

/** A node node IPAM has nothing to add to: podCIDR(s), an InternalIP and a Hostname address. */
function complete(node: Node): boolean {
  const addresses = node.status?.addresses ?? [];
  return !!node.spec?.podCIDR && !!node.spec.podCIDRs?.length && addresses.some((a) => a.type === 'InternalIP') && addresses.some((a) => a.type === 'Hostname');
}

export function reconcileNodeIPAM(ctx: ReconcileContext): void {
  // Incremental pass: no node changed since the last run, which left every node complete (pods
  // only matter to a node without a podCIDR or InternalIP): nothing to do, nothing to report.
  if (ctx.changes && ![...ctx.changes.keys()].some((k) => k.startsWith('Node/')) && ctx.objects.list<Node>('Node').every(complete)) return;
  const byNode = ctx.objects.index(PODS_BY_NODE);
  const podsByNode: PodsOfNode = (node) => byNode.sorted(node);
  allocatePodCIDRs(ctx, podsByNode);
  allocateNodeAddresses(ctx, podsByNode);
}

/** The node's podCIDR as given: spec.podCIDR, else the first of spec.podCIDRs. */
function givenPodCIDR(node: Node): { text: string; field: (string | number)[] } | undefined {
  if (node.spec?.podCIDR) return { text: node.spec.podCIDR, field: ['spec', 'podCIDR'] };
  if (node.spec?.podCIDRs?.length) return { text: node.spec.podCIDRs[0], field: ['spec', 'podCIDRs', 0] };
  return undefined;
}

function mostCommon(values: readonly string[]): string | undefined {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best: string | undefined;
  let bestCount = 0;
  for (const [v, c] of [...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (c > bestCount) [best, bestCount] = [v, c];
  }
  return best;
}

class BlockSet {
  private readonly used = new Set<bigint>();
  private readonly shift: bigint;
  readonly count: bigint;
  private next = 0n;

  constructor(readonly cluster: CIDR, readonly maskSize: number) {
    const bits = cluster.family === 4 ? 32 : 128;
    this.shift = BigInt(bits - maskSize);
    this.count = maskSize >= cluster.prefix ? 1n << BigInt(maskSize - cluster.prefix) : 0n;
  }

  /** Indices of the blocks `cidr` overlaps (none when outside the cluster CIDR). */
  indices(cidr: CIDR): [bigint, bigint] | undefined {
    if (!this.cluster.overlaps(cidr)) return undefined;
    const start = cidr.network > this.cluster.network ? cidr.network : this.cluster.network;
    const end = cidr.last < this.cluster.last ? cidr.last : this.cluster.last;
    return [(start - this.cluster.network) >> this.shift, (end - this.cluster.network) >> this.shift];
  }

  indexOfIP(value: bigint): bigint {
    return (value - this.cluster.network) >> this.shift;
  }

  block(index: bigint): CIDR {
    return this.cluster.subnet(this.maskSize, Number(index));
  }

  isUsed(index: bigint): boolean {
    return this.used.has(index);
  }

  occupy(cidr: CIDR): void {
    const range = this.indices(cidr);
    if (!range) return;
    for (let i = range[0]; i <= range[1]; i++) this.used.add(i);
  }

  allocate(): CIDR | undefined {
    while (this.next < this.count && this.used.has(this.next)) this.next++;
    if (this.next >= this.count) return undefined;
    this.used.add(this.next);
    return this.block(this.next++);
  }
}

function allocatePodCIDRs(ctx: ReconcileContext, podsByNode: PodsOfNode): void {
  const { objects, config } = ctx;
  const cluster = parseCIDR(config.podCIDR);
  if (!cluster) return; // ClusterConfig parsing rejects an invalid podCIDR
  const blocks = new BlockSet(cluster, config.nodeCIDRMaskSize);
  const nodes = objects.list<Node>('Node');
  const claimed: { node: Node; cidr: CIDR }[] = [];
  const assigned = new Map<string, CIDR>();

  for (const node of nodes) {
    const given = givenPodCIDR(node);
    if (!given) continue;
    const cidr = parseCIDR(given.text);
    if (!cidr) {
      ctx.errors.push(conflictError(ctx, node, given.field, reasons.invalid(given.text, 'must be a valid CIDR')));
      continue;
    }
    const clash = claimed.find((c) => c.cidr.overlaps(cidr));
    if (clash) {
      const culprit = blame(ctx, clash.node, node);
      const other = culprit === node ? clash.node : node;
      const mine = givenPodCIDR(culprit)!;
      const theirs = (culprit === node ? clash.cidr : cidr).toString();
      const detail = mine.text === theirs || parseCIDR(mine.text)?.toString() === theirs
        ? `podCIDR already used by node ${other.metadata.name}`
        : `overlaps podCIDR ${theirs} of node ${other.metadata.name}`;
      ctx.errors.push(conflictError(ctx, culprit, mine.field, reasons.invalid(mine.text, detail)));
      continue;
    }
    if (!cluster.covers(cidr)) {
      ctx.warnings.push(`Node ${node.metadata.name}: podCIDR ${cidr.toString()} is not inside the cluster podCIDR ${config.podCIDR}; kept as given`);
    }
    claimed.push({ node, cidr });
    blocks.occupy(cidr);
    assigned.set(node.metadata.name, cidr);
  }

  // Nodes reconstructed from a dump: the block their pods' IPs live in, when free.
  for (const node of nodes) {
    if (givenPodCIDR(node)) continue;
    const indices: string[] = [];
    for (const pod of podsByNode(node.metadata.name)) {
      const ip = pod.status?.podIP;
      if (pod.spec.hostNetwork || !ip || !cluster.contains(ip)) continue;
      const value = cluster.offsetOf(ip);
      if (value !== undefined) indices.push(blocks.indexOfIP(cluster.network + value).toString());
    }
    const best = mostCommon(indices);
    if (best === undefined || blocks.isUsed(BigInt(best))) continue;
    const cidr = blocks.block(BigInt(best));
    blocks.occupy(cidr);
    assigned.set(node.metadata.name, cidr);
  }

  for (const node of nodes) {
    const given = givenPodCIDR(node);
    let cidr = assigned.get(node.metadata.name);
    if (!cidr && !given) {
      cidr = blocks.allocate();
      if (!cidr) {
        ctx.warnings.push(`Node ${node.metadata.name}: no /${config.nodeCIDRMaskSize} block left in podCIDR ${config.podCIDR}; the node gets no podCIDR and its pods no IPs`);
        continue;
      }
    }
    const text = given?.text ?? cidr!.toString();
    if (node.spec?.podCIDR === text && node.spec.podCIDRs?.length) continue;
    putIfChanged(objects, node, {
      ...node,
      spec: { ...(node.spec ?? {}), podCIDR: text, podCIDRs: node.spec?.podCIDRs?.length ? node.spec.podCIDRs : [text] },
    });
  }
}

function allocateNodeAddresses(ctx: ReconcileContext, podsByNode: PodsOfNode): void {
  const { objects, config } = ctx;
  const network = parseCIDR(config.nodeNetwork);
  const allocator = network ? new RangeAllocator(network) : undefined;
  const nodes = objects.list<Node>('Node');
  const owners = new Map<string, Node>();
  const internalIP = new Map<string, string>();

  for (const node of nodes) {
    (node.status?.addresses ?? []).forEach((a, i) => {
      if (a.type !== 'InternalIP') return;
      const ip = canonicalIP(a.address) ?? a.address;
      const prev = owners.get(ip);
      if (prev && prev !== node) {
        const culprit = blame(ctx, prev, node);
        const other = culprit === node ? prev : node;
        const index = culprit === node ? i : (culprit.status?.addresses ?? []).findIndex((x) => x.type === 'InternalIP' && (canonicalIP(x.address) ?? x.address) === ip);
        ctx.errors.push(conflictError(ctx, culprit, ['status', 'addresses', index, 'address'], reasons.invalid(a.address, `InternalIP already used by node ${other.metadata.name}`)));
        return;
      }
      owners.set(ip, node);
      allocator?.reserve(ip);
      if (!internalIP.has(node.metadata.name)) internalIP.set(node.metadata.name, a.address);
    });
  }

  // Reconstructed nodes take the host IP their pods report.
  for (const node of nodes) {
    if (internalIP.has(node.metadata.name)) continue;
    const seen: string[] = [];
    for (const pod of podsByNode(node.metadata.name)) {
      const hostIP = canonicalIP(pod.status?.hostIP) ?? (pod.spec.hostNetwork ? canonicalIP(pod.status?.podIP) : undefined);
      if (hostIP) seen.push(hostIP);
    }
    const best = mostCommon(seen);
    if (best === undefined || owners.has(best)) continue;
    owners.set(best, node);
    allocator?.reserve(best);
    internalIP.set(node.metadata.name, best);
  }

  for (const node of nodes) {
    const current = objects.get<Node>('Node', undefined, node.metadata.name) ?? node;
    const addresses: NodeAddress[] = [...(current.status?.addresses ?? [])];
    const hasInternal = addresses.some((a) => a.type === 'InternalIP');
    const hasHostname = addresses.some((a) => a.type === 'Hostname');
    if (hasInternal && hasHostname) continue;
    if (!hasInternal) {
      const ip = internalIP.get(node.metadata.name) ?? allocator?.allocate();
      if (ip === undefined) {
        ctx.warnings.push(`Node ${node.metadata.name}: no address left in nodeNetwork ${config.nodeNetwork}; the node gets no InternalIP`);
      } else {
        addresses.push({ type: 'InternalIP', address: ip });
      }
    }
    if (!hasHostname) addresses.push({ type: 'Hostname', address: node.metadata.name });
    putIfChanged(objects, current, { ...current, status: { ...(current.status ?? {}), addresses } });
  }
}
