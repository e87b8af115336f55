/**
 * Content negotiation as kubectl drives it: the Accept header names JSON variants by parameters
 * (`application/json;as=Table;v=v1;g=meta.k8s.io`, `…;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList`)
 * and lists fallbacks in order of preference. Protobuf and CBOR are never served: JSON is always
 * a listed fallback, and a client that accepts nothing else gets 406.
 */
import { StatusError } from './status.ts';

export interface MediaRange {
  type: string;
  params: Record<string, string>;
}

export function parseAccept(header: string | undefined): MediaRange[] {
  if (!header) return [{ type: '*/*', params: {} }];
  return header
    .split(',')
    .map((part) => {
      const [type, ...rest] = part.split(';').map((s) => s.trim());
      const params: Record<string, string> = {};
      for (const p of rest) {
        const eq = p.indexOf('=');
        if (eq > 0) params[p.slice(0, eq).trim().toLowerCase()] = p.slice(eq + 1).trim().replace(/^"|"$/g, '');
      }
      return { type: type.toLowerCase(), params };
    })
    .filter((m) => m.type !== '');
}

const isJSONish = (m: MediaRange): boolean => m.type === 'application/json' || m.type === '*/*' || m.type === 'application/*';

/** The JSON variant the client prefers among the ones offered; `undefined` when none is acceptable. */
export type Representation =
  | { as: 'object'; yaml: boolean }
  | { as: 'Table'; version: 'v1' | 'v1beta1' }
  | { as: 'APIGroupDiscoveryList'; version: 'v2' | 'v2beta1' };

export interface NegotiateOptions {
  table?: boolean;
  discovery?: boolean;
}

/**
 * Picks the first acceptable representation in the client's order. A Table or discovery request
 * for something that has no such form falls through to the plain object, as the API server does.
 */
export function negotiate(accept: string | undefined, opts: NegotiateOptions = {}): Representation {
  for (const m of parseAccept(accept)) {
    const as = m.params.as;
    if (as === 'Table' && m.params.g === 'meta.k8s.io' && m.type === 'application/json') {
      if (opts.table && (m.params.v === 'v1' || m.params.v === 'v1beta1')) return { as: 'Table', version: m.params.v };
      continue;
    }
    if (as === 'APIGroupDiscoveryList' && m.params.g === 'apidiscovery.k8s.io' && m.type === 'application/json') {
      if (opts.discovery && (m.params.v === 'v2' || m.params.v === 'v2beta1')) return { as: 'APIGroupDiscoveryList', version: m.params.v };
      continue;
    }
    if (as !== undefined) continue; // PartialObjectMetadata and other conversions are not served
    if (isJSONish(m)) return { as: 'object', yaml: false };
    if (m.type === 'application/yaml') return { as: 'object', yaml: true };
  }
  throw new StatusError(406, 'NotAcceptable', `only the following media types are accepted: application/json, application/yaml, application/json;as=Table;v=v1;g=meta.k8s.io`);
}

/** The media type of a request body, without parameters. */
export function contentTypeOf(header: string | undefined): string {
  return (header ?? '').split(';')[0].trim().toLowerCase();
}
