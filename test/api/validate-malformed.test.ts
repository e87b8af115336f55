// The malformed-input suite at the api level: each bad manifest yields the precise error the API
// server (or kubectl --validate=strict) gives, with the field path, the line of that field in the
// file, and the reason. Messages are upstream's (k8s.io/apimachinery/pkg/util/validation,
// pkg/apis/core/validation, pkg/apis/networking/validation, the allocators' range errors).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { formatInputError } from '../../src/api/errors.ts';
import { brief, validateText, yaml } from './validate-helpers.ts';

const svc = (...spec: string[]): string => yaml('apiVersion: v1', 'kind: Service', 'metadata:', '  name: web', 'spec:', ...spec);
const netpol = (...spec: string[]): string =>
  yaml('apiVersion: networking.k8s.io/v1', 'kind: NetworkPolicy', 'metadata:', '  name: np', 'spec:', '  podSelector: {}', ...spec);

describe('malformed input: each yields the precise error', () => {
  const cases: [string, string, string[]][] = [
    [
      'wrong type: string where an integer is expected',
      svc('  ports:', '  - port: "80"'),
      ['7: spec.ports[0].port: Invalid value: "80": expected integer, got string'],
    ],
    ['wrong type: list where a map is expected', svc('  selector:', '  - app', '  ports:', '  - port: 80'), ['6: spec.selector: Invalid value: "array": expected map, got list']],
    ['wrong type: YAML 1.1 boolean as a label value', yaml('apiVersion: v1', 'kind: Namespace', 'metadata:', '  name: shop', '  labels:', '    enabled: yes'), ['6: metadata.labels.enabled: Invalid value: true: expected string, got boolean']],
    [
      'YAML 1.1 (as kubectl parses it): an unquoted n is the boolean false',
      yaml('apiVersion: v1', 'kind: Namespace', 'metadata:', '  name: n'),
      ['4: metadata.name: Invalid value: false: expected string, got boolean'],
    ],
    ['unknown field (kubectl --validate=strict)', svc('  portz:', '  - port: 80', '  ports:', '  - port: 80'), ['6: spec.portz: unknown field "spec.portz"']],
    ['unknown field nested in a list', svc('  ports:', '  - port: 80', '    nodeport: 30080'), ['8: spec.ports[0].nodeport: unknown field "spec.ports[0].nodeport"']],
    [
      'invalid selector operator',
      netpol('  ingress:', '  - from:', '    - podSelector:', '        matchExpressions:', '        - {key: app, operator: Equals, values: [a]}'),
      ['11: spec.ingress[0].from[0].podSelector.matchExpressions[0].operator: Invalid value: "Equals": not a valid selector operator'],
    ],
    [
      'selector In without values',
      netpol('  ingress:', '  - from:', '    - podSelector:', '        matchExpressions:', '        - key: app', '          operator: In'),
      ["11: spec.ingress[0].from[0].podSelector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'"],
    ],
    [
      'bad name (DNS-1123 subdomain for a Pod)',
      yaml('apiVersion: v1', 'kind: Pod', 'metadata:', '  name: Web_1', 'spec:', '  containers:', '  - {name: c, image: nginx}'),
      [
        `4: metadata.name: Invalid value: "Web_1": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
      ],
    ],
    [
      'bad namespace name (DNS-1123 label)',
      yaml('apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: c', '  namespace: shop.prod'),
      ['5: metadata.namespace: Invalid value: "shop.prod": must not contain dots'],
    ],
    ['port out of range', svc('  ports:', '  - port: 70000'), ['7: spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive', '7: spec.ports[0].targetPort: Invalid value: 70000: must be between 1 and 65535, inclusive']],
    [
      'duplicate port names',
      svc('  ports:', '  - name: http', '    port: 80', '  - name: http', '    port: 81'),
      ['9: spec.ports[1].name: Duplicate value: "http"'],
    ],
    ['port names required when more than one port', svc('  ports:', '  - port: 80', '  - port: 81'), ['7: spec.ports[0].name: Required value', '8: spec.ports[1].name: Required value']],
    [
      'nodePort out of range',
      svc('  type: NodePort', '  ports:', '  - port: 80', '    nodePort: 8080'),
      ['9: spec.ports[0].nodePort: Invalid value: 8080: provided port is not in the valid range. The range of valid ports is 30000-32767'],
    ],
    [
      'clusterIP outside the service CIDR',
      svc('  clusterIP: 10.0.0.10', '  ports:', '  - port: 80'),
      ['6: spec.clusterIP: Invalid value: "10.0.0.10": failed to allocate IP 10.0.0.10: the provided IP (10.0.0.10) is not in the valid range. The range of valid IPs is 10.96.0.0/12'],
    ],
    [
      'ipBlock except not inside cidr',
      netpol('  egress:', '  - to:', '    - ipBlock:', '        cidr: 10.0.0.0/16', '        except:', '        - 10.1.0.0/24'),
      ['12: spec.egress[0].to[0].ipBlock.except[0]: Invalid value: "10.1.0.0/24": must be a strict subset of `cidr`'],
    ],
    [
      'ipBlock except equal to cidr is not a strict subset',
      netpol('  egress:', '  - to:', '    - ipBlock:', '        cidr: 10.0.0.0/16', '        except: [10.0.0.0/16]'),
      ['11: spec.egress[0].to[0].ipBlock.except[0]: Invalid value: "10.0.0.0/16": must be a strict subset of `cidr`'],
    ],
    ['endPort < port', netpol('  ingress:', '  - ports:', '    - port: 8080', '      endPort: 80'), ['10: spec.ingress[0].ports[0].endPort: Invalid value: 80: must be greater than or equal to `port`']],
    [
      'endPort with a named port',
      netpol('  ingress:', '  - ports:', '    - port: http', '      endPort: 9000'),
      ['10: spec.ingress[0].ports[0].endPort: Invalid value: 9000: may not be specified when `port` is non-numeric'],
    ],
    [
      'ipBlock together with a selector',
      netpol('  ingress:', '  - from:', '    - ipBlock: {cidr: 10.0.0.0/8}', '      namespaceSelector: {}'),
      ['9: spec.ingress[0].from[0]: Forbidden: may not specify both ipBlock and another peer'],
    ],
  ];

  for (const [name, text, expected] of cases) {
    it(name, () => assert.deepEqual(brief(validateText(text)), expected));
  }

  it('bad YAML: syntax error at the right line, with the file name', () => {
    const errors = validateText(yaml('apiVersion: v1', 'kind: Service', 'metadata:', '  name: web', 'spec:', '  ports:', '  - port: 80', '   name: http'));
    assert.equal(errors.length, 1);
    assert.equal(errors[0].file, 'm.yaml');
    assert.equal(errors[0].line, 8);
    assert.match(errors[0].reason, /^invalid YAML: /);
  });

  it('bad YAML: duplicate keys are an error (strict decoding)', () => {
    const errors = validateText(yaml('apiVersion: v1', 'kind: Namespace', 'metadata:', '  name: a', '  name: b'));
    assert.equal(errors.length, 1);
    assert.equal(errors[0].line, 5);
    assert.match(errors[0].reason, /^invalid YAML: .*unique/i);
  });
});

describe('one file with many bad objects yields all errors at once', () => {
  const text = yaml(
    'apiVersion: v1', // 1
    'kind: Service',
    'metadata:',
    '  name: a',
    'spec:', // 5
    '  ports:',
    '  - port: 0',
    '---',
    'apiVersion: v1',
    'kind: Pod', // 10
    'metadata:',
    '  name: p',
    'spec:',
    '  containers: []',
    '  dnsPolicy: Sometimes', // 15
    '---',
    'apiVersion: networking.k8s.io/v1',
    'kind: NetworkPolicy',
    'metadata:',
    '  name: np', // 20
    'spec:',
    '  podSelector: {}',
    '  policyTypes: [Ingress, Sideways]',
    '---',
    'apiVersion: apps/v1', // 25
    'kind: Deployment',
    'metadata:',
    '  name: d',
    'spec:',
    '  replicas: -1', // 30
    '  selector:',
    '    matchLabels: {app: d}',
    '  template:',
    '    metadata:',
    '      labels: {app: other}', // 35
    '    spec:',
    '      containers: [{name: c, image: nginx}]',
  );

  it('every object, every problem, in input order, each naming its object', () => {
    const errors = validateText(text);
    assert.deepEqual(errors.map(formatInputError), [
      'm.yaml:7: Service default/a: spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive',
      'm.yaml:7: Service default/a: spec.ports[0].targetPort: Invalid value: 0: must be between 1 and 65535, inclusive',
      'm.yaml:14: Pod default/p: spec.containers: Required value',
      'm.yaml:15: Pod default/p: spec.dnsPolicy: Unsupported value: "Sometimes": supported values: "ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"',
      'm.yaml:23: NetworkPolicy default/np: spec.policyTypes[1]: Unsupported value: "Sideways": supported values: "Ingress", "Egress"',
      'm.yaml:30: Deployment default/d: spec.replicas: Invalid value: -1: must be greater than or equal to 0',
      'm.yaml:35: Deployment default/d: spec.template.metadata.labels: Invalid value: {"app":"other"}: `selector` does not match template `labels`',
    ]);
  });
});

describe('a kubectl get -o yaml dump validates with zero errors', () => {
  it('kind: List with Deployment, ReplicaSet, Pod, Service, EndpointSlices, NetworkPolicy, Ingress incl. status and managedFields', () => {
    const text = readFileSync(new URL('./fixtures/kubectl-get-all.yaml', import.meta.url), 'utf8');
    assert.deepEqual(validateText(text).map(formatInputError), []);
  });

  it('the same dump with one typo is rejected at that field (the check is strict, not lenient)', () => {
    const text = readFileSync(new URL('./fixtures/kubectl-get-all.yaml', import.meta.url), 'utf8').replace('    sessionAffinity: None', '    sessionAfinity: None');
    const errors = validateText(text);
    assert.deepEqual(errors.map((e) => [e.object, e.field, e.reason]), [['Service shop/web', 'spec.sessionAfinity', 'unknown field "spec.sessionAfinity"']]);
  });
});
