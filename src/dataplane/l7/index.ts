/** The L7 data plane: the Node reverse proxy executing the model's route table, and the nginx mode. */
export { L7Proxy, splitEndpoint, splitRequestTarget, type L7ProxyOptions, type ListenSpec, type TLSMaterial } from './proxy.ts';
export { NginxProxy, type NginxProxyOptions, type NginxBound } from './nginx-proxy.ts';
export { L7ProxyWorkers, defaultWorkerCount, type L7ProxyWorkersOptions } from './proxy-workers.ts';
export type { BoundAddress, ClusterSnapshot } from './worker-protocol.ts';
