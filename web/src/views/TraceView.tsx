/**
 * Trace: pick a source and a target (pod, Service DNS name, IP or URL); the trace model's hops are
 * listed (✓ passes, ! warning, ✗ fails, with the reason and the fix) and drawn on the topology.
 */
import { useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import type { Topology } from '../../../src/server/ui-api/api-types.ts';
import { api } from '../api.ts';
import type { GraphHandle } from '../graph/graph.ts';
import { useAsync } from '../hooks.ts';
import { elementsByIP, topologyElements } from '../lib/topology-elements.ts';
import { tracePath } from '../lib/trace-path.ts';
import type { UIState } from '../lib/url-state.ts';

interface Props {
  topology: Topology;
  state: UIState;
  update: (patch: Partial<UIState>, replace?: boolean) => void;
}

const VERDICT_TEXT: Record<string, string> = {
  delivered: '✓ delivered', denied: '✗ denied by NetworkPolicy', rejected: '✗ rejected', dropped: '✗ dropped', unreachable: '✗ unreachable',
  unresolved: '✗ name not resolved', 'not-routed': '✗ no route for the request', 'too-big': '✗ too big for the path MTU',
};

export default function TraceView({ topology: t, state, update }: Props) {
  const [form, setForm] = useState({ from: state.from, to: state.to, port: state.tport.split('/')[0], protocol: state.protocol || 'TCP' });
  useEffect(() => setForm({ from: state.from, to: state.to, port: state.tport.split('/')[0], protocol: state.protocol || 'TCP' }), [state.from, state.to, state.tport, state.protocol]);
  const run = !!(state.from && state.to);
  const result = useAsync(() => (run ? api.trace({ from: state.from, to: state.to, port: state.tport.split('/')[0], protocol: state.protocol || 'TCP' }) : undefined), [state.from, state.to, state.tport, state.protocol, t.summary.revision]);

  const container = useRef<HTMLDivElement>(null);
  const [graph, setGraph] = useState<GraphHandle>();
  useEffect(() => {
    let g: GraphHandle | undefined;
    let live = true;
    void import('../graph/graph.ts').then(async ({ createGraph }) => {
      if (!live || !container.current) return;
      g = await createGraph(container.current);
      setGraph(g);
    });
    return () => {
      live = false;
      g?.destroy();
    };
  }, []);
  const elements = useMemo(() => topologyElements(t, { namespaces: state.ns }), [t, state.ns]);
  const path = useMemo(() => (result.data ? tracePath(result.data.hops, elementsByIP(t)) : undefined), [result.data, t]);
  useEffect(() => graph?.setElements(elements), [graph, elements]);
  useEffect(() => {
    if (!graph) return;
    if (path) graph.path(path.ids, path.failAt);
    else graph.path([]);
  }, [graph, path, elements]);

  const submit = (e: FormEvent): void => {
    e.preventDefault();
    update({ from: form.from.trim(), to: form.to.trim(), tport: form.port.trim(), protocol: form.protocol });
  };
  const targets = useMemo(() => [
    ...t.pods.map((p) => p.ref),
    ...t.services.map((s) => `${s.name}.${s.namespace}`),
    ...t.routes.flatMap((r) => r.hosts.filter((h) => h !== '*').map((h) => `http://${h}/`)),
  ], [t]);
  const r = result.data;
  const failed = r?.failedHop;
  return (
    <div className="trace-view">
      <div className="trace-main">
        <form className="trace-form" onSubmit={submit} aria-label="Trace a flow">
          <label htmlFor="trace-from">From</label>
          <input id="trace-from" list="trace-sources" value={form.from} onChange={(e) => setForm({ ...form, from: e.target.value })} placeholder="ns/pod, ns/deployment/NAME, node/NAME or an IP" required />
          <label htmlFor="trace-to">To</label>
          <input id="trace-to" list="trace-targets" value={form.to} onChange={(e) => setForm({ ...form, to: e.target.value })} placeholder="ns/pod, Service name, IP or URL" required />
          <label htmlFor="trace-port">Port</label>
          <input id="trace-port" value={form.port} onChange={(e) => setForm({ ...form, port: e.target.value })} placeholder="default: the only port" inputMode="numeric" />
          <label htmlFor="trace-protocol">Protocol</label>
          <select id="trace-protocol" value={form.protocol} onChange={(e) => setForm({ ...form, protocol: e.target.value })}>
            <option>TCP</option><option>UDP</option><option>SCTP</option>
          </select>
          <span />
          <button type="submit">Trace</button>
          <datalist id="trace-sources">{t.pods.map((p) => <option key={p.ref} value={p.ref} />)}</datalist>
          <datalist id="trace-targets">{targets.map((x) => <option key={x} value={x} />)}</datalist>
        </form>
        {result.error && <p className="error" role="alert">{result.error.message}</p>}
        {r && (
          <section aria-label="Trace result" data-testid="trace-result">
            <p className="big">
              <span className={r.verdict === 'delivered' ? 'verdict allow' : 'verdict deny'} data-testid="trace-verdict">{VERDICT_TEXT[r.verdict] ?? r.verdict}</span>{' '}
              {r.from} → {r.to} {r.port}/{r.protocol}
            </p>
            <ol className="hops">
              {r.hops.map((h, i) => (
                <li key={i} className={i === failed ? 'fail' : h.warning ? 'warn' : ''} data-testid={i === failed ? 'failing-hop' : undefined} aria-label={`hop ${i + 1} ${h.step}: ${h.ok ? (h.warning ? 'passes with a warning' : 'passes') : 'fails'}`}>
                  <span className="hop-step">{i + 1} {h.ok ? (h.warning ? '!' : '✓') : '✗'} {h.step}</span>
                  <span className="muted">{h.where}</span>
                  <div>{h.detail}</div>
                  {h.warning && <div className="note">{h.warning}</div>}
                  {h.reason && <div><strong>why:</strong> {h.reason}</div>}
                  {h.fix && <div className="fix"><strong>fix:</strong> {h.fix}</div>}
                </li>
              ))}
            </ol>
            {r.notes.map((n, i) => <p key={i} className="note">note: {n}</p>)}
          </section>
        )}
      </div>
      <div className="graph-area">
        <div ref={container} className="graph" data-testid="trace-graph" role="img" aria-label={path ? `The traced path over ${path.ids.length} places${path.failAt !== undefined ? ', failing at the last marked one' : ''}` : 'Topology'} />
      </div>
    </div>
  );
}
