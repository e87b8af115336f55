/** A bad UI API request (HTTP 400), or input the models refuse (HTTP 422 with every error listed). */
import type { UIError } from './api-types.ts';

export class RequestError extends Error {
  constructor(readonly status: number, message: string, readonly errors: UIError[] = []) {
    super(message);
    this.name = 'RequestError';
  }
}

export function parsePortText(text: string): { port: number; protocol: 'TCP' | 'UDP' | 'SCTP' } {
  const [p, proto = 'TCP', ...rest] = text.trim().split('/');
  const port = Number(p);
  if (rest.length || !/^\d+$/.test(p) || port < 1 || port > 65535) throw new RequestError(400, `${JSON.stringify(text)} is not PORT[/PROTOCOL] with a port in 1-65535`);
  return { port, protocol: parseProtocolText(proto) };
}

/** A protocol as the UI sends it (any case). */
export function parseProtocolText(text: string): 'TCP' | 'UDP' | 'SCTP' {
  const protocol = text.trim().toUpperCase();
  if (protocol !== 'TCP' && protocol !== 'UDP' && protocol !== 'SCTP') throw new RequestError(400, `${JSON.stringify(text)} is not one of TCP, UDP, SCTP`);
  return protocol;
}
