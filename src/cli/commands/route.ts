/**
 * `podnet route --url URL [--method M] [--header 'K: V']… [--via ingress|gateway] [--gateway ns/name]`:
 * which Ingress path or HTTPRoute rule serves a request, why every other rule did not, and what the
 * backend receives. `podnet route --status` prints the status the controllers would write
 * (Ingress class decisions, Gateway/listener conditions, HTTPRoute Accepted/ResolvedRefs).
 */
import type { Command } from 'commander';
import { compileRouteTable, explainRequest, requestFromURL, RequestSyntaxError, type FrontendSelector, type RouteExplanation, type L7Status } from '../../model/l7/index.ts';
import { collect, formatTable, outputFormat, printJSON, UsageError } from '../output.ts';
import { loadCluster } from '../state.ts';

interface RouteOptions {
  url?: string;
  method: string;
  header: string[];
  via?: string;
  gateway?: string;
  status?: boolean;
  filename: string[];
  config?: string;
  output?: string;
}

export function frontendSelector(via: string | undefined, gateway: string | undefined): FrontendSelector {
  if (via !== undefined && via !== 'ingress' && via !== 'gateway') throw new UsageError(`--via must be "ingress" or "gateway", got ${JSON.stringify(via)}`);
  if (gateway !== undefined && !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(gateway)) throw new UsageError(`--gateway must be "namespace/name", got ${JSON.stringify(gateway)}`);
  if (gateway !== undefined && via === 'ingress') throw new UsageError('--gateway cannot be combined with --via ingress');
  return { ...(via ? { via } : {}), ...(gateway ? { gateway } : {}) } as FrontendSelector;
}

export function registerRoute(program: Command): void {
  program
    .command('route')
    .description('Explain which Ingress path or HTTPRoute rule serves an HTTP request, and why the others do not')
    .option('--url <url>', 'the request, e.g. http://foo.example.com/api?x=1 (the port selects Gateway listeners)')
    .option('-X, --method <method>', 'HTTP method', 'GET')
    .option('-H, --header <header>', 'request header "Name: value" (repeatable; Host overrides the URL host)', collect, [])
    .option('--via <frontend>', 'only the Ingress controller ("ingress") or only Gateways ("gateway")')
    .option('--gateway <ns/name>', 'only this Gateway')
    .option('--status', 'print the status of Ingresses, Gateways and HTTPRoutes as the controllers compute it')
    .option('-f, --filename <path>', 'work on an ephemeral cluster built from these manifests (repeatable)', collect, [])
    .option('--config <file>', 'ClusterConfig for the cluster')
    .option('-o, --output <format>', 'output format: json')
    .action((opts: RouteOptions) => {
      const format = outputFormat(opts.output, ['json', 'text'] as const, 'text');
      if (!opts.url && !opts.status) throw new UsageError('route needs --url URL (or --status)');
      const sel = frontendSelector(opts.via, opts.gateway);
      let request;
      if (opts.url) {
        try {
          request = requestFromURL(opts.url, opts.method, opts.header);
        } catch (err) {
          if (err instanceof RequestSyntaxError) throw new UsageError(err.message);
          throw err;
        }
      }
      const { view } = loadCluster({ file: opts.filename, config: opts.config });
      const table = compileRouteTable(view);
      if (opts.status) {
        if (format === 'json') printJSON(table.status);
        else process.stdout.write(formatStatus(table.status));
        return;
      }
      const explanation = explainRequest(table, request!, sel);
      if (format === 'json') printJSON(explanation);
      else process.stdout.write(formatExplanation(explanation));
    });
}

export function formatExplanation(x: RouteExplanation): string {
  const d = x.decision;
  const lines: string[] = [];
  const kv = (k: string, v: string): void => void lines.push(`${`${k}:`.padEnd(12)}${v}`);
  kv('Request', `${x.request.method} ${x.request.url}`);
  kv('Frontend', d.frontend ? `${d.frontend}${d.listener ? ` (listener ${d.listener})` : ''}` : '(none)');
  if (d.tls) {
    kv('TLS', d.tls.secret ? `certificate from Secret ${d.tls.secret}` : d.tls.rejected ? `${d.tls.rejected.reason}: ${d.tls.rejected.message}` : 'no tls entry for this host: default certificate');
  }
  kv('Host', `${d.host}${d.hostPattern ? ` → host rules ${d.hostPattern}` : ''}`);
  if (d.matched) kv('Matched', `${d.matched.id} (${d.matched.path})`);
  if (d.defaultBackend) kv('Default', `defaultBackend of Ingress ${d.defaultBackend}`);
  kv('Result', `${d.status} ${d.outcome} (${d.reason}): ${d.message}`);
  if (d.redirect) kv('Location', d.redirect.location);
  if (d.backends.length) {
    lines.push('Backends:');
    for (const b of d.backends) {
      lines.push(`  ${b.backend}  weight ${b.weight} (${(b.share * 100).toFixed(1)}%)  ${b.status === 200 ? `→ ${b.endpoints.join(', ')}` : `${b.status} ${b.reason}: ${b.message}`}`);
    }
  }
  for (const m of d.mirrors) lines.push(`Mirror:     ${m.backend} (${m.percent}%)${m.endpoints.length ? ` → ${m.endpoints.join(', ')}` : ''}`);
  if (d.upstream && d.outcome === 'forward') {
    kv('Upstream', `Host ${d.upstream.host}, path ${d.upstream.path}${d.upstream.query ? `?${d.upstream.query}` : ''}`);
  }
  if (x.candidates.length) {
    lines.push('', 'Rules considered:');
    lines.push(formatTable(['VERDICT', 'RULE', 'HOST', 'PATH', 'WHY'], x.candidates.map((c) => [c.verdict, c.id, c.hostPattern, c.path, c.reason])).trimEnd());
  }
  return `${lines.join('\n')}\n`;
}

export function formatStatus(s: L7Status): string {
  const out: string[] = [];
  if (s.ingresses.length) {
    out.push(formatTable(['INGRESS', 'CLASS', 'ROUTED', 'REASON'], s.ingresses.map((i) => [i.ingress, i.ingressClass ?? '<none>', String(i.routed), i.reason])));
  }
  if (s.gateways.length) {
    const rows = s.gateways.flatMap((g) => g.listeners.map((l) => [
      g.gateway, l.name, String(l.attachedRoutes),
      l.conditions.filter((c) => (c.type === 'Conflicted' ? c.status === 'True' : c.status !== 'True')).map((c) => `${c.type}=${c.status}:${c.reason}`).join(',') || 'Programmed',
    ]));
    out.push(formatTable(['GATEWAY', 'LISTENER', 'ATTACHED', 'CONDITIONS'], rows));
  }
  if (s.httpRoutes.length) {
    const rows = s.httpRoutes.flatMap((r) => r.parents.map((p) => {
      const c = (t: string): string => {
        const x = p.conditions.find((y) => y.type === t);
        return x ? (x.status === 'True' ? 'True' : `${x.status}:${x.reason}`) : '';
      };
      return [r.route, `${p.parentRef.namespace}/${p.parentRef.name}${p.parentRef.sectionName ? `/${p.parentRef.sectionName}` : ''}`, c('Accepted'), c('ResolvedRefs')];
    }));
    out.push(formatTable(['HTTPROUTE', 'PARENT', 'ACCEPTED', 'RESOLVEDREFS'], rows));
  }
  return out.length ? out.join('\n') : 'No Ingresses, Gateways or HTTPRoutes for this cluster\'s controllers.\n';
}
