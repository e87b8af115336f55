/**
 * The shell: cluster summary, view tabs, namespace filter; the selected view. All state that matters
 * for sharing (view, namespaces, selection, flow) lives in the URL hash.
 */
import { lazy, Suspense, useMemo } from 'react';
import { api } from './api.ts';
import { useAsync, useHashState, useRevision } from './hooks.ts';
import { VIEWS, type View } from './lib/url-state.ts';
import { MatrixView } from './views/MatrixView.tsx';
// The first view people see is in the entry chunk (its graph library still loads lazily).
import TopologyView from './views/TopologyView.tsx';

const EditorView = lazy(() => import('./views/EditorView.tsx'));
const TraceView = lazy(() => import('./views/TraceView.tsx'));
const LintView = lazy(() => import('./views/LintView.tsx'));

const TITLES: Record<View, string> = { topology: 'Topology', matrix: 'Policy matrix', trace: 'Trace', editor: 'What-if editor', lint: 'Lint' };

export function App() {
  const [state, update] = useHashState();
  const revision = useRevision();
  const topo = useAsync(() => api.topology(), [revision]);
  const t = topo.data;
  const namespaces = useMemo(() => t?.namespaces.map((n) => n.name) ?? [], [t]);

  const toggleNs = (ns: string): void => update({ ns: state.ns.includes(ns) ? state.ns.filter((x) => x !== ns) : [...state.ns, ns] });

  return (
    <div className="app">
      <header className="top">
        <h1>podnet</h1>
        {t && (
          <dl className="summary" aria-label="Cluster summary">
            <div><dt>CNI</dt><dd>{t.summary.cni.mode}</dd></div>
            <div><dt>MTU</dt><dd>pod {t.summary.cni.podMTU} / underlay {t.summary.cni.underlayMTU}</dd></div>
            <div><dt>pods</dt><dd>{t.summary.podCIDR}</dd></div>
            <div><dt>services</dt><dd>{t.summary.serviceCIDR}</dd></div>
            <div><dt>policy</dt><dd>{t.summary.cni.enforcesPolicy ? 'enforced' : 'not enforced'}</dd></div>
            <div><dt>revision</dt><dd data-testid="revision">{t.summary.revision}</dd></div>
          </dl>
        )}
        <span className="source" title={t?.summary.source.description}>{t?.summary.source.description}</span>
      </header>
      <nav className="tabs" role="tablist" aria-label="Views">
        {VIEWS.map((v) => (
          <a key={v} role="tab" aria-selected={state.view === v} className={state.view === v ? 'tab active' : 'tab'} href={`#/${v}`} onClick={(e) => { e.preventDefault(); update({ view: v }); }}>
            {TITLES[v]}
          </a>
        ))}
        <details className="nsfilter">
          <summary>Namespaces: <strong>{state.ns.length ? state.ns.join(', ') : 'all'}</strong></summary>
          <fieldset className="nsmenu">
            <legend className="sr-only">Show pods of these namespaces</legend>
            {namespaces.map((ns) => (
              <label key={ns}>
                <input type="checkbox" checked={state.ns.includes(ns)} onChange={() => toggleNs(ns)} /> {ns}
              </label>
            ))}
            {state.ns.length > 0 && <button type="button" className="link" onClick={() => update({ ns: [] })}>show all</button>}
          </fieldset>
        </details>
      </nav>
      {topo.error && <p className="error" role="alert">Cannot load the cluster: {topo.error.message}</p>}
      {t && t.problems.length > 0 && (
        <div className="error" role="alert">
          <strong>Invalid NetworkPolicies in the cluster — the policy model refuses to answer until they are fixed:</strong>
          <ul>{t.problems.map((p, i) => <li key={i}><code>{p.message}</code></li>)}</ul>
        </div>
      )}
      <main id="view" aria-label={TITLES[state.view]}>
        <Suspense fallback={<p className="muted">Loading…</p>}>
          {state.view === 'topology' && t && <TopologyView topology={t} state={state} update={update} />}
          {state.view === 'matrix' && <MatrixView state={state} update={update} revision={revision} />}
          {state.view === 'editor' && t && <EditorView topology={t} revision={revision} update={update} />}
          {state.view === 'trace' && t && <TraceView topology={t} state={state} update={update} />}
          {state.view === 'lint' && <LintView revision={revision} update={update} />}
        </Suspense>
      </main>
    </div>
  );
}
