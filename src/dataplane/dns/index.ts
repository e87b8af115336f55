/**
 * @module dataplane/dns — the cluster DNS as a real server: UDP and TCP, EDNS0, name compression,
 * truncation with TC, answers from model/dns for the live cluster, forwarding to a real upstream.
 */
export { DNSServer, type DNSServerOptions, type DNSServerRole, type Endpoint } from './server.ts';
export { StateWatcher } from './state-watch.ts';
export { CLASSIC_UDP_SIZE, encodeHeaderError, encodeResponse, parseQuery, parseQueryDecoded, SERVER_UDP_SIZE, udpLimit, type EDNS, type ParsedQuery, type QueryParse } from './wire.ts';
