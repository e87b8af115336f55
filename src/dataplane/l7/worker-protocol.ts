/**
 * Messages between `L7ProxyWorkers` (the primary) and its worker processes (`proxy-worker.ts`), sent
 * over the cluster IPC channel with advanced serialization (Buffers and Maps pass as they are).
 * Workers get the cluster's objects, not a compiled table: the table holds class instances (path
 * tries) that do not survive serialization, and compiling is a pure function of the objects.
 */
import type { KObject } from '../../api/types.ts';
import type { ClusterConfig } from '../../cluster/index.ts';
import type { FrontendSelector } from '../../model/l7/index.ts';
import type { ListenSpec, TLSMaterial } from './proxy.ts';

/** What a route table is compiled from: the objects of a ClusterView and its config. */
export interface ClusterSnapshot {
  objects: KObject[];
  config: ClusterConfig;
}

export interface WorkerInit {
  cluster: ClusterSnapshot;
  listen: ListenSpec[];
  selector: FrontendSelector;
  certificates: Map<string, TLSMaterial>;
  defaultCertificate?: TLSMaterial;
  /** Endpoint `ip:port` → where to connect instead (`--endpoint`). */
  endpoints: Map<string, { host: string; port: number }>;
  /** Write access-log lines to stdout (the primary reads them from there). */
  accessLog: boolean;
  upstreamTimeoutMs?: number;
}

export type PrimaryMessage =
  | { type: 'init'; init: WorkerInit }
  | { type: 'cluster'; seq: number; cluster: ClusterSnapshot }
  | { type: 'close' };

export interface BoundAddress {
  host: string;
  port: number;
  tls: boolean;
}

export type WorkerMessage =
  /** The worker listens for messages (sent first: messages before that would be lost). */
  | { type: 'hello' }
  | { type: 'ready'; bound: BoundAddress[] }
  | { type: 'failed'; message: string }
  | { type: 'applied'; seq: number }
  | { type: 'rejected'; seq: number; message: string };
