/** Why a flow is allowed or denied: the model's verdict per direction, the deciding rules, the isolating policies. */
import type { DirectionVerdict, PolicyExplanation, RuleMatch } from '../../../src/model/policy/index.ts';
import { api } from '../api.ts';
import { useAsync } from '../hooks.ts';

const ruleRef = (dir: 'ingress' | 'egress', m: RuleMatch): string =>
  `${m.policy} spec.${dir}[${m.ruleIndex}] (${m.peerIndex === null ? 'any peer' : `${dir === 'ingress' ? 'from' : 'to'}[${m.peerIndex}]`}, ${m.portIndex === null ? 'any port' : `ports[${m.portIndex}] ${m.port}`})`;

function Verdict({ allowed }: { allowed: boolean }) {
  return <span className={allowed ? 'verdict allow' : 'verdict deny'}>{allowed ? '✓ allowed' : '✗ denied'}</span>;
}

function Direction({ dir, v, policies }: { dir: 'ingress' | 'egress'; v: DirectionVerdict; policies: Record<string, PolicyExplanation> }) {
  return (
    <section className="direction" aria-label={`${dir} verdict`}>
      <h4>{dir === 'ingress' ? 'Ingress' : 'Egress'} <Verdict allowed={v.allowed} /></h4>
      <p>{v.reason}</p>
      {v.allowedBy.length > 0 && (
        <ul className="rules">{v.allowedBy.map((m, i) => <li key={i}>allowed by <code>{ruleRef(dir, m)}</code></li>)}</ul>
      )}
      {v.policies.map((ref) => {
        const p = policies[ref];
        const side = p?.[dir];
        return (
          <details key={ref} className="policy" open={!v.allowed}>
            <summary>policy <strong data-testid="deciding-policy">{ref}</strong>{side ? `: ${side.summary}` : ''}</summary>
            {side && side.rules.length === 0 && <p>no {dir} rules: isolates the pod and admits nothing</p>}
            {side?.rules.map((r) => (
              <div key={r.index} className="rule">
                <code>{r.field}</code>: {dir === 'ingress' ? 'from' : 'to'} {r.peers.join(' OR ')}; ports {r.ports.join(', ')}
                {r.matchesPods && <div className="muted">pods matched now: {r.matchesPods.join(', ') || 'none'}</div>}
              </div>
            ))}
          </details>
        );
      })}
    </section>
  );
}

export function FlowPanel({ from, to, port, onTrace, onClose }: { from: string; to: string; port: string; onTrace?: () => void; onClose: () => void }) {
  const flow = useAsync(() => api.flow(from, to, port), [from, to, port]);
  const r = flow.data?.result;
  return (
    <aside className="panel" aria-label="Flow explanation" data-testid="flow-panel">
      <header>
        <h3>{from} → {to} <span className="muted">{port}</span></h3>
        <button type="button" onClick={onClose} aria-label="Close explanation">×</button>
      </header>
      {flow.error && <p className="error">{flow.error.message}</p>}
      {r && flow.data && (
        <>
          <p className="big"><Verdict allowed={r.allowed} /></p>
          {r.hops.map((h, i) => (
            <div key={i}>
              {r.to.kind === 'service' && <h4>backend {h.to.name} ({h.to.ip}:{h.port}) <Verdict allowed={h.decision.allowed} /></h4>}
              <Direction dir="egress" v={h.decision.egress} policies={flow.data!.policies} />
              <Direction dir="ingress" v={h.decision.ingress} policies={flow.data!.policies} />
            </div>
          ))}
          {r.notes.map((n, i) => <p key={i} className="note">note: {n}</p>)}
          {onTrace && <button type="button" onClick={onTrace}>Trace this flow →</button>}
        </>
      )}
    </aside>
  );
}
