/**
 * `resolvconf: {pod: ns/name}` → `expect: {nameservers?, searches?, options?}` (at least one): the pod's
 * resolv.conf as kubelet writes it. Nameservers and searches compare in order (order is behaviour);
 * options compare order-insensitively (kubelet builds them from a Go map).
 */
import type { ClusterView } from '../../cluster/view.ts';
import { podResolvConf } from '../dns/index.ts';
import { CheckArgumentError, parseNamespacedName, sameMultiset, type CheckKind, type CheckOutcome } from './check.ts';

const KEYS = ['nameservers', 'searches', 'options'] as const;

export const resolvconfCheck: CheckKind = {
  evaluate(view: ClusterView, args: unknown, expect: unknown): CheckOutcome {
    if (args === null || typeof args !== 'object' || Array.isArray(args)) throw new CheckArgumentError('resolvconf', 'must be a mapping with "pod"');
    const { pod, ...rest } = args as Record<string, unknown>;
    for (const k of Object.keys(rest)) throw new CheckArgumentError(`resolvconf.${k}`, 'unknown field (allowed: pod)');
    const ref = parseNamespacedName(pod, 'resolvconf.pod');
    if (expect === null || typeof expect !== 'object' || Array.isArray(expect)) throw new CheckArgumentError('expect', 'must be a mapping: {nameservers, searches, options}');
    const e = expect as Record<string, unknown>;
    for (const k of Object.keys(e)) if (!(KEYS as readonly string[]).includes(k)) throw new CheckArgumentError(`expect.${k}`, `unknown field (allowed: ${KEYS.join(', ')})`);
    const given = KEYS.filter((k) => e[k] !== undefined);
    if (!given.length) throw new CheckArgumentError('expect', `Required value: at least one of ${KEYS.join(', ')}`);
    for (const k of given) {
      if (!Array.isArray(e[k]) || !(e[k] as unknown[]).every((v) => typeof v === 'string')) throw new CheckArgumentError(`expect.${k}`, 'must be a list of strings');
    }
    const expected = Object.fromEntries(given.map((k) => [k, e[k] as string[]]));
    const p = view.pod(ref.namespace, ref.name);
    if (!p) return { passed: false, expected, actual: null, message: `pod ${ref.namespace}/${ref.name} not found` };
    const conf = podResolvConf(p, view).conf;
    const actual = Object.fromEntries(given.map((k) => [k, conf[k]]));
    const failures = given.filter((k) => {
      const want = expected[k];
      const got = conf[k];
      return k === 'options' ? !sameMultiset(want, got) : want.length !== got.length || want.some((v, i) => v !== got[i]);
    });
    return {
      passed: failures.length === 0,
      expected,
      actual,
      message: failures.length ? failures.map((k) => `${k}: expected [${expected[k].join(' ')}], got [${conf[k].join(' ')}]`).join('; ') : 'resolv.conf as expected',
    };
  },
};
