/** The L7 data plane: the Node reverse proxy executing the model's route table, and the nginx mode. */
export { L7Proxy, splitEndpoint, type L7ProxyOptions, type ListenSpec, type TLSMaterial } from './proxy.ts';
export { NginxProxy, type NginxProxyOptions, type NginxBound } from './nginx-proxy.ts';
