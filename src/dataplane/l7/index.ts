/** The L7 data plane: the Node reverse proxy executing the model's route table. */
export { L7Proxy, splitEndpoint, type L7ProxyOptions, type ListenSpec, type TLSMaterial } from './proxy.ts';
