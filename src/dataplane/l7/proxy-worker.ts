/**
 * One worker process of `L7ProxyWorkers`: an `L7Proxy` listening on the primary's shared sockets
 * (node:cluster), compiling its route table from the cluster objects the primary sends, swapping it
 * when a new snapshot arrives. Access-log lines go to stdout in batches of whole lines (one write per
 * event-loop turn, not one per request); the primary reads them from its pipe. The worker stops when
 * the primary says so, on SIGTERM, or when the primary is gone (node:cluster exits a worker whose IPC
 * channel closes).
 */
import cluster from 'node:cluster';
import { ClusterView } from '../../cluster/index.ts';
import { compileRouteTable, type RouteTable } from '../../model/l7/index.ts';
import { L7Proxy, splitEndpoint } from './proxy.ts';
import type { ClusterSnapshot, PrimaryMessage, WorkerInit, WorkerMessage } from './worker-protocol.ts';

if (!cluster.isWorker) throw new Error('proxy-worker.ts runs only as a worker process of L7ProxyWorkers');

let proxy: L7Proxy | undefined;
let stopping = false;
let pending = '';
let flushScheduled = false;

function send(m: WorkerMessage): void {
  process.send?.(m);
}

function flush(): void {
  flushScheduled = false;
  if (!pending) return;
  const text = pending;
  pending = '';
  process.stdout.write(text);
}

function accessLog(line: string): void {
  pending += `${line}\n`;
  if (!flushScheduled) {
    flushScheduled = true;
    setImmediate(flush);
  }
}

function compile(snapshot: ClusterSnapshot): RouteTable {
  return compileRouteTable(new ClusterView(snapshot.objects, snapshot.config));
}

function asBuffers(m: { cert: string | Uint8Array; key: string | Uint8Array }): { cert: string | Buffer; key: string | Buffer } {
  const b = (x: string | Uint8Array): string | Buffer => (typeof x === 'string' ? x : Buffer.from(x));
  return { cert: b(m.cert), key: b(m.key) };
}

async function start(init: WorkerInit): Promise<void> {
  const endpoints = init.endpoints;
  const p = new L7Proxy({
    table: compile(init.cluster),
    listen: init.listen,
    selector: init.selector,
    certificates: new Map([...init.certificates].map(([k, v]) => [k, asBuffers(v)])),
    ...(init.defaultCertificate ? { defaultCertificate: asBuffers(init.defaultCertificate) } : {}),
    ...(init.accessLog ? { accessLog } : {}),
    resolveEndpoint: endpoints.size ? (ep) => endpoints.get(ep) ?? splitEndpoint(ep) : splitEndpoint,
    ...(init.upstreamTimeoutMs !== undefined ? { upstreamTimeoutMs: init.upstreamTimeoutMs } : {}),
  });
  proxy = p;
  send({ type: 'ready', bound: await p.start() });
}

async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  await proxy?.close();
  flush();
  process.exit(code);
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

process.on('message', (m: PrimaryMessage) => {
  switch (m.type) {
    case 'init':
      start(m.init).catch((err: unknown) => {
        send({ type: 'failed', message: message(err) });
        void stop(1);
      });
      break;
    case 'cluster':
      try {
        proxy?.setTable(compile(m.cluster));
        send({ type: 'applied', seq: m.seq });
      } catch (err) {
        // The previous table stays in service.
        send({ type: 'rejected', seq: m.seq, message: message(err) });
      }
      break;
    case 'close':
      void stop(0);
      break;
  }
});
// Ctrl-C reaches the whole process group: the primary decides when workers stop.
process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => void stop(0));
send({ type: 'hello' });
