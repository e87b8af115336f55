/**
 * Pod IPAM with host-local semantics (containernetworking/plugins plugins/ipam/host-local), one range
 * per node: the node's podCIDR, gateway .1, pods from .2, lowest free address first, never the network
 * or broadcast address. A pod that carries status.podIP keeps it (imports from real clusters); two
 * running pods claiming one IP is an error. hostNetwork pods share their node's InternalIP. A pod whose
 * node range is exhausted stays ContainerCreating (Pending, no IP), as when the CNI ADD fails, and is
 * retried on the next reconcile.
 *
 * Pod status, as the kubelet would report it once the sandbox is up: a pod without a status becomes
 * Running and Ready (conditions PodReadyToStartContainers, Initialized, Ready, ContainersReady,
 * PodScheduled all True, hostIP(s), podIP(s), running container statuses). A given status keeps its
 * phase and conditions (a pod written as Ready False stays not ready); only absent fields are filled.
 */
import { parseCIDR } from '../api/cidr.ts';
import { reasons, type InputError } from '../api/errors.ts';
import { compareObjects, type ObjectIndex } from '../cluster/object-set.ts';
import type { Container, Node, Pod, PodCondition, PodStatus } from '../api/types.ts';
import type { ReconcileContext } from './context.ts';
import { blame, conflictError } from './conflicts.ts';
import { RangeAllocator } from './ip-allocator.ts';
import { sameContent } from './object-changes.ts';
import { isCompleteStatus, isContainerCreating, PODS_BY_IP, PODS_WANTING_IPAM } from './pod-indexes.ts';

interface NodeRange {
  node: Node;
  internalIP?: string;
  allocator?: RangeAllocator;
}

const condition = (type: string, ok: boolean, extra: Record<string, string> = {}): PodCondition => ({ type, status: ok ? 'True' : 'False', ...extra });

/** Container states: `ready` (running, probes pass), `running` (started, not ready), `creating` (no sandbox yet). */
function containerStatuses(pod: Pod, mode: 'ready' | 'running' | 'creating'): Record<string, unknown>[] {
  return pod.spec.containers.map((c: Container) => ({
    name: c.name,
    image: c.image ?? '',
    imageID: '',
    ready: mode === 'ready',
    restartCount: 0,
    started: mode !== 'creating',
    state: mode === 'creating' ? { waiting: { reason: 'ContainerCreating' } } : { running: {} },
  }));
}

function initContainerStatuses(pod: Pod): Record<string, unknown>[] | undefined {
  const init = pod.spec.initContainers;
  if (!init?.length) return undefined;
  return init.map((c) => {
    // Sidecars (restartPolicy Always) keep running; ordinary init containers have completed.
    const sidecar = c.restartPolicy === 'Always';
    return {
      name: c.name,
      image: c.image ?? '',
      imageID: '',
      ready: true,
      restartCount: 0,
      ...(sidecar ? { started: true, state: { running: {} } } : { started: false, state: { terminated: { exitCode: 0, reason: 'Completed' } } }),
    };
  });
}

function ipList(ip: string | undefined): { ip: string }[] | undefined {
  return ip === undefined ? undefined : [{ ip }];
}

/** The status of a pod whose sandbox is up: Running, Ready, with its IPs. */
export function runningStatus(pod: Pod, podIP: string, hostIP: string | undefined): PodStatus {
  const init = initContainerStatuses(pod);
  return {
    phase: 'Running',
    conditions: [
      condition('PodReadyToStartContainers', true),
      condition('Initialized', true),
      condition('Ready', true),
      condition('ContainersReady', true),
      condition('PodScheduled', true),
    ],
    ...(hostIP !== undefined ? { hostIP, hostIPs: ipList(hostIP) } : {}),
    podIP,
    podIPs: [{ ip: podIP }],
    ...(init ? { initContainerStatuses: init } : {}),
    containerStatuses: containerStatuses(pod, 'ready'),
  };
}

/** The status of a pod whose sandbox could not get an IP: Pending, containers ContainerCreating. */
export function containerCreatingStatus(pod: Pod, hostIP: string | undefined): PodStatus {
  const names = pod.spec.containers.map((c) => c.name).join(' ');
  const notReady = { reason: 'ContainersNotReady', message: `containers with unready status: [${names}]` };
  return {
    phase: 'Pending',
    conditions: [
      condition('PodReadyToStartContainers', false),
      condition('Initialized', true),
      condition('Ready', false, notReady),
      condition('ContainersReady', false, notReady),
      condition('PodScheduled', true),
    ],
    ...(hostIP !== undefined ? { hostIP, hostIPs: ipList(hostIP) } : {}),
    containerStatuses: containerStatuses(pod, 'creating'),
  };
}

/** A given status with the absent fields filled in; phase and conditions the user wrote are kept. */
function filledStatus(pod: Pod, given: PodStatus, podIP: string, hostIP: string | undefined): PodStatus {
  const fresh = runningStatus(pod, podIP, hostIP);
  const conditions = given.conditions ?? fresh.conditions;
  const ready = conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
  const out: PodStatus = { ...given };
  out.phase ??= 'Running';
  out.conditions = conditions;
  if (hostIP !== undefined) {
    out.hostIP ??= hostIP;
    out.hostIPs ??= ipList(out.hostIP);
  }
  out.podIP ??= podIP;
  out.podIPs ??= ipList(out.podIP);
  out.containerStatuses ??= containerStatuses(pod, ready ? 'ready' : 'running');
  return out;
}

/**
 * Per working set's pod-IP index, per range: an offset below which every address was taken when
 * that index had seen `removals` removals. While no pod has left the index since, nothing below it
 * came free, so allocation starts there instead of stepping over hundreds of taken addresses.
 */
const lowWater = new WeakMap<ObjectIndex<Pod>, Map<string, { removals: number; offset: bigint }>>();

export function reconcilePodIPAM(ctx: ReconcileContext): void {
  const { objects } = ctx;
  const held = objects.index(PODS_BY_IP);
  let marks = lowWater.get(held);
  if (!marks) lowWater.set(held, (marks = new Map()));
  const removals = held.removals;
  const ranges = new Map<string, NodeRange>();
  for (const node of objects.list<Node>('Node')) {
    const cidr = node.spec?.podCIDR ? parseCIDR(node.spec.podCIDR) : undefined;
    const internalIP = node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
    // Every address a pod holds is taken (node podCIDRs never overlap: node IPAM rejects that).
    const allocator = cidr ? new RangeAllocator(cidr, (ip) => held.count(ip) > 0) : undefined;
    const mark = cidr && marks.get(cidr.toString());
    if (allocator && mark && mark.removals === removals) allocator.skipTo(mark.offset);
    ranges.set(node.metadata.name, { node, internalIP, allocator });
  }

  // Two pods claiming one IP: the later of them in namespace/name order is reported (or the one
  // being applied), as a walk over all pods in that order would.
  const clashes: { pod: Pod; error: InputError }[] = [];
  for (const ip of held.shared()) {
    const [prev, ...others] = held.sorted(ip);
    for (const pod of others) {
      const culprit = blame(ctx, prev, pod);
      const other = culprit === pod ? prev : pod;
      clashes.push({ pod, error: conflictError(ctx, culprit, ['status', 'podIP'], reasons.invalid(culprit.status?.podIP, `pod IP already used by pod ${other.metadata.namespace}/${other.metadata.name}`)) });
    }
  }
  clashes.sort((a, b) => compareObjects(a.pod, b.pod));
  for (const c of clashes) ctx.errors.push(c.error);

  const wanting = objects.index(PODS_WANTING_IPAM);
  const pods = [...wanting.buckets()].flatMap((node) => wanting.objects(node)).sort(compareObjects);
  for (const pod of pods) {
    const nodeName = pod.spec.nodeName!;
    const range = ranges.get(nodeName);
    if (!range) continue; // the nodes controller creates or prunes these
    const given = isContainerCreating(pod.status) ? undefined : pod.status;
    if (isCompleteStatus(given)) continue;
    const id = `${pod.metadata.namespace}/${pod.metadata.name}`;
    let podIP = given?.podIP;
    if (podIP === undefined && pod.spec.hostNetwork) podIP = range.internalIP;
    if (podIP === undefined && given?.phase === 'Pending') continue; // written as not started: keep it so
    if (podIP === undefined && !pod.spec.hostNetwork) {
      if (!range.allocator) {
        ctx.warnings.push(`Pod ${id} stays ContainerCreating: node ${nodeName} has no podCIDR to allocate from`);
      } else {
        podIP = range.allocator.allocate();
        if (podIP === undefined) {
          ctx.warnings.push(`Pod ${id} stays ContainerCreating: no IP addresses available in range set ${range.allocator.describe()} of node ${nodeName}`);
        }
      }
    } else if (podIP === undefined) {
      ctx.warnings.push(`Pod ${id} stays ContainerCreating: hostNetwork pod on node ${nodeName}, which has no InternalIP`);
    }
    const status = podIP === undefined
      ? containerCreatingStatus(pod, range.internalIP)
      : given ? filledStatus(pod, given, podIP, range.internalIP) : runningStatus(pod, podIP, range.internalIP);
    if (!sameContent(pod.status, status)) objects.put({ ...pod, status });
  }
  // Pod IPAM only adds addresses; should a pod have left the index meanwhile, no mark is kept.
  if (held.removals !== removals) marks.clear();
  else for (const { allocator } of ranges.values()) if (allocator) marks.set(allocator.cidr.toString(), { removals, offset: allocator.lowWater });
}
