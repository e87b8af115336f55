/**
 * core/v1 Events for what the simulated control plane did, as the real controllers report it: the
 * scheduler's `Scheduled`, the ReplicaSet/StatefulSet/DaemonSet controllers' `SuccessfulCreate` /
 * `SuccessfulDelete`, the Deployment controller's `ScalingReplicaSet`. Derived from store changes,
 * kept in memory (bounded, like the API server's event TTL), listed and watched like any resource;
 * `kubectl describe` shows them. Nothing here pretends a kubelet ran: no Pulled/Started events.
 */
import { randomBytes } from 'node:crypto';
import type { KObject, OwnerReference } from '../api/types.ts';
import { keyOf } from '../cluster/object-set.ts';
import type { Store, WatchEvent } from '../cluster/store.ts';

export interface CoreEvent extends KObject {
  involvedObject: { kind: string; namespace?: string; name: string; uid?: string; apiVersion: string; resourceVersion?: string };
  reason: string;
  message: string;
  source: { component: string };
  firstTimestamp: string;
  lastTimestamp: string;
  count: number;
  type: 'Normal' | 'Warning';
  reportingComponent: string;
  reportingInstance: string;
}

const MAX_EVENTS = 2000;

type Listener = (event: WatchEvent, revision: number) => void;

export class EventRecorder {
  private readonly events: CoreEvent[] = [];
  private readonly listeners = new Set<Listener>();
  private readonly podNodes = new Map<string, string | undefined>();
  private readonly replicas = new Map<string, number>();
  private readonly stop: () => void;

  constructor(private readonly store: Store, private readonly now: () => Date = () => new Date()) {
    for (const o of store.list()) this.remember(o);
    this.stop = store.watch(store.revision, (e, rev) => this.observe(e, rev));
  }

  close(): void {
    this.stop();
  }

  list(): CoreEvent[] {
    return [...this.events];
  }

  /** Streams events recorded from now on. */
  watch(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private remember(o: KObject): void {
    if (o.kind === 'Pod') this.podNodes.set(keyOf(o), (o.spec as { nodeName?: string } | undefined)?.nodeName);
    if (o.kind === 'ReplicaSet') this.replicas.set(keyOf(o), replicasOf(o));
  }

  private observe(e: WatchEvent, revision: number): void {
    const o = e.object;
    const key = keyOf(o);
    if (o.kind === 'Pod') {
      const node = (o.spec as { nodeName?: string } | undefined)?.nodeName;
      const owner = controllerOf(o);
      if (e.type === 'DELETED') {
        this.podNodes.delete(key);
        if (owner) this.record(revision, owner, o, 'SuccessfulDelete', `Deleted pod: ${o.metadata.name}`, controllerComponent(owner.kind));
        return;
      }
      if (e.type === 'ADDED' && owner) this.record(revision, owner, o, 'SuccessfulCreate', createdMessage(owner, o), controllerComponent(owner.kind));
      if (node && this.podNodes.get(key) !== node) {
        this.record(revision, undefined, o, 'Scheduled', `Successfully assigned ${o.metadata.namespace}/${o.metadata.name} to ${node}`, 'default-scheduler');
      }
      this.podNodes.set(key, node);
      return;
    }
    if (o.kind === 'ReplicaSet') {
      const owner = controllerOf(o);
      const before = e.type === 'ADDED' ? 0 : (this.replicas.get(key) ?? 0);
      const after = e.type === 'DELETED' ? 0 : replicasOf(o);
      if (e.type === 'DELETED') this.replicas.delete(key);
      else this.replicas.set(key, after);
      if (owner?.kind === 'Deployment' && before !== after) {
        const dir = after > before ? 'up' : 'down';
        this.record(revision, owner, o, 'ScalingReplicaSet', `Scaled ${dir} replica set ${o.metadata.name} from ${before} to ${after}`, 'deployment-controller');
      }
    }
  }

  /** Records an event about `owner` (when given) or about `subject` itself. */
  private record(revision: number, owner: OwnerReference | undefined, subject: KObject, reason: string, message: string, component: string): void {
    const ts = this.now().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const involved = owner
      ? { kind: owner.kind, namespace: subject.metadata.namespace, name: owner.name, uid: owner.uid, apiVersion: owner.apiVersion }
      : { kind: subject.kind, namespace: subject.metadata.namespace, name: subject.metadata.name, uid: subject.metadata.uid, apiVersion: subject.apiVersion, resourceVersion: subject.metadata.resourceVersion };
    const ns = subject.metadata.namespace ?? 'default';
    const event: CoreEvent = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: {
        name: `${involved.name}.${randomBytes(8).toString('hex')}`,
        namespace: ns,
        uid: randomUUID(),
        resourceVersion: String(revision),
        creationTimestamp: ts,
      },
      involvedObject: involved,
      reason,
      message,
      source: { component },
      firstTimestamp: ts,
      lastTimestamp: ts,
      count: 1,
      type: 'Normal',
      reportingComponent: component,
      reportingInstance: '',
    };
    this.events.push(event);
    if (this.events.length > MAX_EVENTS) this.events.splice(0, this.events.length - MAX_EVENTS);
    for (const l of this.listeners) l({ type: 'ADDED', object: event }, revision);
  }
}

function randomUUID(): string {
  const h = randomBytes(16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function controllerOf(o: KObject): OwnerReference | undefined {
  return o.metadata.ownerReferences?.find((r) => r.controller) ?? o.metadata.ownerReferences?.[0];
}

function replicasOf(o: KObject): number {
  return Number((o.spec as { replicas?: number } | undefined)?.replicas ?? 1);
}

function controllerComponent(kind: string): string {
  switch (kind) {
    case 'ReplicaSet':
      return 'replicaset-controller';
    case 'StatefulSet':
      return 'statefulset-controller';
    case 'DaemonSet':
      return 'daemonset-controller';
    default:
      return `${kind.toLowerCase()}-controller`;
  }
}

function createdMessage(owner: OwnerReference, pod: KObject): string {
  if (owner.kind === 'StatefulSet') return `create Pod ${pod.metadata.name} in StatefulSet ${owner.name} successful`;
  return `Created pod: ${pod.metadata.name}`;
}
