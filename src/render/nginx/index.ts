/** nginx mode of the L7 data plane: the compiled route table rendered as nginx.conf (+ njs). */
export { renderNginx, DEFAULT_NJS_MODULE, type NginxRenderOptions, type NginxListen, type NginxCertificateFiles, type RenderedNginx } from './conf.ts';
export { planServers, programFor, type ServerPlan, type Step } from './servers.ts';
export { regionsFor, type Region } from './locations.ts';
