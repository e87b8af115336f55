// Pod (ValidatePodSpec and friends), apps/v1 workloads (pkg/apis/apps/validation) and Node rules.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateText } from './validate-helpers.ts';

const errs = (text: string): string[] => validateText(text).map((e) => `${e.field ?? ''}: ${e.reason}`);
const pod = (spec: string, status = ''): string[] => errs(`apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: ${spec}\n${status ? `status: ${status}\n` : ''}`);
const c = (extra = ''): string => `{name: c, image: nginx${extra}}`;

describe('ValidatePodSpec (networking-relevant rules)', () => {
  const cases: [string, string, string[]][] = [
    ['a valid Pod', `{containers: [${c(', ports: [{name: http, containerPort: 80}]')}]}`, []],
    ['containers required', '{containers: []}', ['spec.containers: Required value']],
    ['container names unique across init and app containers', `{initContainers: [${c()}], containers: [${c()}]}`, ['spec.containers[0].name: Duplicate value: "c"']],
    ['container name is a DNS label', '{containers: [{name: My_C, image: nginx}]}', [
      "spec.containers[0].name: Invalid value: \"My_C\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
    ]],
    ['containerPort required', `{containers: [${c(', ports: [{name: http}]')}]}`, ['spec.containers[0].ports[0].containerPort: Required value']],
    ['containerPort 1..65535', `{containers: [${c(', ports: [{containerPort: 65536}]')}]}`, ['spec.containers[0].ports[0].containerPort: Invalid value: 65536: must be between 1 and 65535, inclusive']],
    ['port names are IANA_SVC_NAMEs', `{containers: [${c(', ports: [{name: HTTP, containerPort: 80}]')}]}`, [
      'spec.containers[0].ports[0].name: Invalid value: "HTTP": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
      'spec.containers[0].ports[0].name: Invalid value: "HTTP": must contain at least one letter (a-z)',
    ]],
    ['port names unique within a container', `{containers: [${c(', ports: [{name: http, containerPort: 80}, {name: http, containerPort: 81}]')}]}`, ['spec.containers[0].ports[1].name: Duplicate value: "http"']],
    ['hostPort in range', `{containers: [${c(', ports: [{containerPort: 80, hostPort: 70000}]')}]}`, ['spec.containers[0].ports[0].hostPort: Invalid value: 70000: must be between 1 and 65535, inclusive']],
    ['hostPort unique per (protocol, hostIP, port) in the pod', `{containers: [${c(', ports: [{containerPort: 80, hostPort: 8080}]')}, {name: d, image: nginx, ports: [{containerPort: 81, hostPort: 8080}]}]}`, ['spec.containers[1].ports[0].hostPort: Duplicate value: "TCP//8080"']],
    ['hostNetwork: hostPort must equal containerPort', `{hostNetwork: true, containers: [${c(', ports: [{containerPort: 80, hostPort: 8080}]')}]}`, ['spec.containers[0].ports[0].hostPort: Invalid value: 8080: must match `containerPort` when `hostNetwork` is true']],
    ['dnsPolicy None requires dnsConfig', `{dnsPolicy: None, containers: [${c()}]}`, ['spec.dnsConfig: Required value: must provide `dnsConfig` when `dnsPolicy` is None']],
    ['dnsPolicy None requires a nameserver', `{dnsPolicy: None, dnsConfig: {searches: [a.local]}, containers: [${c()}]}`, ['spec.dnsConfig.nameservers: Required value: must provide at least one DNS nameserver when `dnsPolicy` is None']],
    ['at most 3 nameservers', `{dnsConfig: {nameservers: [1.1.1.1, 8.8.8.8, 9.9.9.9, 1.0.0.1]}, containers: [${c()}]}`, ['spec.dnsConfig.nameservers: Invalid value: ["1.1.1.1","8.8.8.8","9.9.9.9","1.0.0.1"]: must not have more than 3 nameservers']],
    ['nameservers are IPs', `{dnsConfig: {nameservers: [dns.local]}, containers: [${c()}]}`, ['spec.dnsConfig.nameservers[0]: Invalid value: "dns.local": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)']],
    ['hostname is a DNS label', `{hostname: web.1, containers: [${c()}]}`, ['spec.hostname: Invalid value: "web.1": must not contain dots']],
    ['restartPolicy enum', `{restartPolicy: Sometimes, containers: [${c()}]}`, ['spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"']],
  ];
  for (const [name, spec, expected] of cases) it(name, () => assert.deepEqual(pod(spec), expected));

  it('at most 32 search paths', () => {
    const searches = Array.from({ length: 33 }, (_, i) => `s${i}.local`);
    assert.deepEqual(pod(`{dnsConfig: {searches: [${searches.join(', ')}]}, containers: [${c()}]}`), [`spec.dnsConfig.searches: Invalid value: ${JSON.stringify(searches)}: must not have more than 32 search paths`]);
  });

  it('status.podIP must be an IP (imports keep it)', () => {
    assert.deepEqual(pod(`{containers: [${c()}]}`, '{podIP: 10.244.1.300, podIPs: [{ip: 10.244.1.7}]}'), ['status.podIP: Invalid value: "10.244.1.300": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)']);
  });
});

describe('apps/v1 workloads', () => {
  const workload = (kind: string, spec: string): string[] => errs(`apiVersion: apps/v1\nkind: ${kind}\nmetadata: {name: w}\nspec: ${spec}\n`);
  const tmpl = (labels: string, extra = ''): string => `template: {metadata: {labels: ${labels}}, spec: {containers: [${c()}]${extra}}}`;
  for (const kind of ['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet']) {
    it(`${kind}: selector must match the template labels`, () =>
      assert.deepEqual(workload(kind, `{selector: {matchLabels: {app: a}}, ${tmpl('{app: b}')}}`), ['spec.template.metadata.labels: Invalid value: {"app":"b"}: `selector` does not match template `labels`']));
    it(`${kind}: selector required`, () => assert.deepEqual(workload(kind, `{${tmpl('{app: b}')}}`), ['spec.selector: Required value']));
    it(`${kind}: empty selector is invalid`, () =>
      assert.deepEqual(workload(kind, `{selector: {}, ${tmpl('{app: b}')}}`), [`spec.selector: Invalid value: {}: empty selector is invalid for ${kind.toLowerCase()}`]));
    it(`${kind}: template restartPolicy must be Always`, () =>
      assert.deepEqual(workload(kind, `{selector: {matchLabels: {app: a}}, ${tmpl('{app: a}', ', restartPolicy: Never')}}`), ['spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"']));
  }
  it('replicas must be >= 0', () =>
    assert.deepEqual(workload('Deployment', `{replicas: -2, selector: {matchLabels: {app: a}}, ${tmpl('{app: a}')}}`), ['spec.replicas: Invalid value: -2: must be greater than or equal to 0']));
  it('matchExpressions selectors are honoured when matching the template', () =>
    assert.deepEqual(workload('Deployment', `{selector: {matchExpressions: [{key: app, operator: In, values: [a, b]}]}, ${tmpl('{app: b}')}}`), []));
  // DeploymentStrategy / StatefulSetUpdateStrategy / DaemonSetUpdateStrategy are structs: the API
  // server's decoder refuses a bare string or a mistyped knob.
  it('update strategies are objects with typed knobs', () => {
    const sel = `selector: {matchLabels: {app: a}}, ${tmpl('{app: a}')}`;
    assert.deepEqual(workload('Deployment', `{strategy: Recreate, ${sel}}`), ['spec.strategy: Invalid value: "Recreate": expected map, got string']);
    assert.deepEqual(workload('Deployment', `{strategy: {rollingUpdate: {maxSurge: [1]}}, ${sel}}`), ['spec.strategy.rollingUpdate.maxSurge: Invalid value: "array": expected integer or string, got list']);
    assert.deepEqual(workload('StatefulSet', `{updateStrategy: {type: RollingUpdate, rollingUpdate: {partition: "2"}}, ${sel}}`), ['spec.updateStrategy.rollingUpdate.partition: Invalid value: "2": expected integer, got string']);
    assert.deepEqual(workload('DaemonSet', `{updateStrategy: OnDelete, ${sel}}`), ['spec.updateStrategy: Invalid value: "OnDelete": expected map, got string']);
    assert.deepEqual(workload('Deployment', `{strategy: {type: Recreate}, paused: true, ${sel}}`), []);
  });
  it('StatefulSet names are DNS labels (ValidateStatefulSetName)', () =>
    assert.deepEqual(errs('apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: db.v1}\nspec: {selector: {matchLabels: {app: a}}, template: {metadata: {labels: {app: a}}, spec: {containers: [{name: c, image: i}]}}}\n'), [
      'metadata.name: Invalid value: "db.v1": must not contain dots',
    ]));
});

describe('ValidateNode', () => {
  const node = (body: string): string[] => errs(`apiVersion: v1\nkind: Node\nmetadata: {name: n1}\n${body}\n`);
  it('podCIDR is a CIDR', () => assert.deepEqual(node('spec: {podCIDR: 10.244.1.0}'), ['spec.podCIDR: Invalid value: "10.244.1.0": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)']));
  it('podCIDRs: one per family', () => assert.deepEqual(node('spec: {podCIDRs: [10.244.1.0/24, 10.244.2.0/24]}'), ['spec.podCIDRs: Invalid value: ["10.244.1.0/24","10.244.2.0/24"]: may specify no more than one CIDR for each IP family']));
  it('InternalIP addresses are IPs', () => assert.deepEqual(node('status: {addresses: [{type: InternalIP, address: node-1}, {type: Hostname, address: node-1}]}'), ['status.addresses[0].address: Invalid value: "node-1": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)']));
  it('taint effect enum', () => assert.deepEqual(node('spec: {taints: [{key: dedicated, effect: Never}]}'), ['spec.taints[0].effect: Unsupported value: "Never": supported values: "NoExecute", "NoSchedule", "PreferNoSchedule"']));
  it('a namespace on a cluster-scoped object is ignored', () => assert.deepEqual(errs('apiVersion: v1\nkind: Node\nmetadata: {name: n1, namespace: default}\n'), []));
});
