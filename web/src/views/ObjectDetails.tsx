/** The focused object: a pod (what selects it, which Services it backs), a policy (what it selects and admits), a Service. */
import type { Topology } from '../../../src/server/ui-api/api-types.ts';
import { api } from '../api.ts';
import { useAsync } from '../hooks.ts';
import type { UIState } from '../lib/url-state.ts';

interface Props {
  focus: string;
  topology: Topology;
  update: (patch: Partial<UIState>, replace?: boolean) => void;
}

export function ObjectDetails({ focus, topology: t, update }: Props) {
  const i = focus.indexOf(':');
  const kind = focus.slice(0, i);
  const ref = focus.slice(i + 1);
  const pod = useAsync(() => (kind === 'pod' ? api.pod(ref) : undefined), [focus, t.summary.revision]);
  const policy = useAsync(() => (kind === 'policy' ? api.policy(ref) : undefined), [focus, t.summary.revision]);
  const link = (k: string, r: string) => <button type="button" className="link" onClick={() => update({ focus: `${k}:${r}` }, true)}>{r}</button>;
  const close = <button type="button" onClick={() => update({ focus: '' }, true)} aria-label="Close details">×</button>;

  if (kind === 'pod') {
    const p = t.pods.find((x) => x.ref === ref);
    const d = pod.data;
    return (
      <section className="details" aria-label={`Pod ${ref}`} data-testid="details">
        <header><h3>Pod {ref}</h3>{close}</header>
        {p && <p>{p.ips.join(', ') || 'no IP'} on {p.node ?? 'no node'} · {p.phase} · {p.ready ? '✓ ready' : '✗ not ready'}{p.hostNetwork ? ' · hostNetwork' : ''}</p>}
        {p && <p className="labels">{Object.entries(p.labels).map(([k, v]) => <code key={k}>{k}={v}</code>)}</p>}
        {p && p.ports.length > 0 && <p>ports: {p.ports.join(', ')}</p>}
        {pod.error && <p className="error">{pod.error.message}</p>}
        {d && (
          <>
            <p>Services: {d.services.length ? d.services.map((s) => <span key={s}>{link('service', s)} </span>) : 'none'}</p>
            {(['ingress', 'egress'] as const).map((dir) => (
              <div key={dir}>
                <h4>{dir}</h4>
                <p>{d.explanation[dir].summary}</p>
                <ul className="plain">{d.explanation[dir].policies.map((pol) => <li key={pol.policy}>{link('policy', pol.policy)} <span className="muted">{pol.summary}</span></li>)}</ul>
              </div>
            ))}
            {d.explanation.notes.map((n, k) => <p key={k} className="note">note: {n}</p>)}
          </>
        )}
      </section>
    );
  }
  if (kind === 'policy') {
    const d = policy.data;
    return (
      <section className="details" aria-label={`NetworkPolicy ${ref}`} data-testid="details">
        <header><h3>NetworkPolicy {ref}</h3>{close}</header>
        {policy.error && <p className="error">{policy.error.message}</p>}
        {d && (
          <>
            <p>policyTypes: {d.policyTypes.join(', ')} · selects {d.podSelector}</p>
            <p>pods selected now: {d.selects.length ? d.selects.map((s) => <span key={s}>{link('pod', s)} </span>) : 'none'}</p>
            {(['ingress', 'egress'] as const).map((dir) => {
              const side = d[dir];
              return (
                <div key={dir}>
                  <h4>{dir}</h4>
                  {!side ? <p className="muted">not restricted by this policy</p> : side.rules.length === 0 ? <p>{side.summary}</p> : (
                    <ul className="plain">
                      {side.rules.map((r) => (
                        <li key={r.index}><code>{r.field}</code>: {dir === 'ingress' ? 'from' : 'to'} {r.peers.join(' OR ')}; ports {r.ports.join(', ')}{r.matchesPods && <div className="muted">pods matched now: {r.matchesPods.join(', ') || 'none'}</div>}</li>
                      ))}
                    </ul>
                  )}
                </div>
              );
            })}
            {d.notes.map((n, k) => <p key={k} className="note">note: {n}</p>)}
            <button type="button" onClick={() => update({ view: 'editor', focus })}>Edit in the what-if editor</button>
          </>
        )}
      </section>
    );
  }
  if (kind === 'service') {
    const s = t.services.find((x) => x.ref === ref);
    return (
      <section className="details" aria-label={`Service ${ref}`} data-testid="details">
        <header><h3>Service {ref}</h3>{close}</header>
        {s ? (
          <>
            <p>{s.type} {s.clusterIPs.join(', ')} · ports {s.ports.join(', ') || 'none'}</p>
            <p>endpoints: {s.endpoints.length ? s.endpoints.map((e) => <span key={e.pod}>{link('pod', e.pod)} {e.ip}{e.ready ? '' : ' (not ready)'} </span>) : 'none'}</p>
            <p>routes: {t.routes.filter((r) => r.services.includes(ref)).map((r) => r.ref).join(', ') || 'none'}</p>
          </>
        ) : <p className="muted">not found</p>}
      </section>
    );
  }
  if (kind === 'node') {
    const n = t.nodes.find((x) => x.name === ref);
    const pods = t.pods.filter((p) => p.node === ref);
    return (
      <section className="details" aria-label={`Node ${ref}`} data-testid="details">
        <header><h3>Node {ref}</h3>{close}</header>
        {n ? <p>{n.internalIP ?? 'no InternalIP'} · podCIDR {n.podCIDRs.join(', ') || 'none'} · {n.ready ? '✓ Ready' : '✗ NotReady'}</p> : <p className="muted">not found</p>}
        <p>pods: {pods.length ? pods.map((p) => <span key={p.ref}>{link('pod', p.ref)} </span>) : 'none'}</p>
      </section>
    );
  }
  if (kind === 'ingress' || kind === 'httproute') {
    const r = t.routes.find((x) => x.kind.toLowerCase() === kind && `${x.namespace}/${x.name}` === ref);
    return (
      <section className="details" aria-label={`${kind} ${ref}`} data-testid="details">
        <header><h3>{r?.kind ?? kind} {ref}</h3>{close}</header>
        {r ? <p>hosts {r.hosts.join(', ') || 'none'} → Services {r.services.length ? r.services.map((s) => <span key={s}>{link('service', s)} </span>) : 'none (not admitted or no valid backend)'}</p> : <p className="muted">not found</p>}
      </section>
    );
  }
  return (
    <section className="details" data-testid="details">
      <header><h3>{focus}</h3>{close}</header>
    </section>
  );
}
