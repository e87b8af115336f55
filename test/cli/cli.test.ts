import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import { Sandbox } from './helpers.ts';

const ns = (name: string) => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n`;
const cm = (name: string, namespace = 'default') => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\ndata:\n  k: v\n`;

describe('podnet CLI', () => {
  const box = new Sandbox();
  after(() => box.remove());

  test('apply prints kubectl-style results; a second apply is unchanged', () => {
    const f = box.file('a.yaml', `${ns('team-a')}---\n${cm('settings', 'team-a')}`);
    const first = box.run(['apply', '-f', f]);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stdout, 'namespace/team-a created\nconfigmap/settings created\n');
    const second = box.run(['apply', '-f', f]);
    assert.equal(second.stdout, 'namespace/team-a unchanged\nconfigmap/settings unchanged\n');
  });

  test('manifests from stdin (-f -) and kind: List', () => {
    const list = `apiVersion: v1\nkind: List\nitems:\n  - ${cm('from-list').trimEnd().split('\n').join('\n    ')}\n`;
    const r = box.run(['apply', '-f', '-'], list);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'configmap/from-list created\n');
  });

  test('a syntax error anywhere rejects the whole set with file:line and exit 2', () => {
    const good = box.file('good.yaml', cm('never-applied'));
    const bad = box.file('bad.yaml', `${cm('also-not')}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [unclosed\n`);
    const r = box.run(['apply', '-f', good, '-f', bad]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /bad\.yaml:\d+: invalid YAML/);
    assert.match(r.stderr, /nothing was applied/);
    const get = box.run(['get', 'configmaps', 'never-applied']);
    assert.equal(get.code, 1);
    assert.match(get.stderr, /configmaps "never-applied" not found/);
  });

  test('the same object twice in one apply is an error naming both places', () => {
    const f = box.file('dup.yaml', `${cm('twice')}---\n${cm('twice')}`);
    const r = box.run(['apply', '-f', f]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /dup\.yaml:9: ConfigMap default\/twice: Duplicate value: the same object is also defined at .*dup\.yaml:1/);
  });

  test('unknown kinds are skipped with a warning naming file and kind', () => {
    const f = box.file('crd.yaml', `apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n---\n${cm('beside-widget')}`);
    const r = box.run(['apply', '-f', f]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Warning: .*crd\.yaml:1: skipping example\.com\/v1 Widget/);
    assert.equal(r.stdout, 'configmap/beside-widget created\n');
  });

  test('get -o json of several objects is a v1 List; of one named object, the object', () => {
    const list = JSON.parse(box.run(['get', 'cm', '-n', 'team-a', '-o', 'json']).stdout);
    assert.equal(list.kind, 'List');
    assert.deepEqual(list.items.map((o: { metadata: { name: string } }) => o.metadata.name), ['settings']);
    const one = JSON.parse(box.run(['get', 'configmap', 'settings', '-n', 'team-a', '-o', 'json']).stdout);
    assert.equal(one.kind, 'ConfigMap');
    assert.match(one.metadata.resourceVersion, /^\d+$/);
  });

  test('get -o name and label selectors', () => {
    const f = box.file('labelled.yaml', `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: red\n  labels: {color: red}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: blue\n  labels: {color: blue}\n`);
    assert.equal(box.run(['apply', '-f', f]).code, 0);
    assert.equal(box.run(['get', 'cm', '-l', 'color in (red)', '-o', 'name']).stdout, 'configmap/red\n');
    assert.equal(box.run(['get', 'cm', '-l', 'color!=red,color', '-o', 'name']).stdout, 'configmap/blue\n');
    const bad = box.run(['get', 'cm', '-l', 'color in ()']);
    assert.equal(bad.code, 2);
  });

  // The fields the API server indexes (ToSelectableFields): for pods spec.nodeName and status.phase,
  // for services spec.type; any other field is refused with upstream's "field label not supported".
  test('get --field-selector selects by the indexed fields, like kubectl', () => {
    const f = box.file('placed.yaml', [1, 2].map((n) => `apiVersion: v1\nkind: Node\nmetadata: {name: n${n}}\nspec: {podCIDR: 10.244.${n + 100}.0/24}\n`).join('---\n') +
      ['a', 'b', 'c'].map((p, i) => `---\napiVersion: v1\nkind: Pod\nmetadata: {name: ${p}}\nspec:\n  nodeName: n${i === 2 ? 2 : 1}\n  containers: [{name: c, image: x}]\n`).join(''));
    const applied = box.run(['apply', '-f', f]);
    assert.equal(applied.code, 0, applied.stderr);
    assert.equal(box.run(['get', 'pods', '--field-selector', 'spec.nodeName=n1', '-o', 'name']).stdout, 'pod/a\npod/b\n');
    assert.equal(box.run(['get', 'pods', '--field-selector', 'spec.nodeName!=n1,metadata.name!=x', '-o', 'name']).stdout, 'pod/c\n');
    const bad = box.run(['get', 'pods', '--field-selector', 'spec.containers=x']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /field label not supported: spec\.containers/);
  });

  test('unknown resource types and output formats are usage errors', () => {
    assert.equal(box.run(['get', 'widgets']).code, 2);
    assert.match(box.run(['get', 'widgets']).stderr, /doesn't have a resource type "widgets"/);
    assert.equal(box.run(['get', 'pods', '-o', 'xml']).code, 2);
  });

  test('delete by type and name; deleting again is NotFound (exit 1)', () => {
    assert.equal(box.run(['delete', 'cm', 'red']).stdout, 'configmap "red" deleted\n');
    const again = box.run(['delete', 'cm', 'red']);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /NotFound/);
  });

  test('query commands with -f use an ephemeral cluster and leave the persisted one alone', () => {
    const f = box.file('eph.yaml', cm('ephemeral-only'));
    const r = box.run(['get', 'cm', 'ephemeral-only', '-f', f, '-o', 'name']);
    assert.equal(r.stdout, 'configmap/ephemeral-only\n');
    assert.equal(box.run(['get', 'cm', 'ephemeral-only']).code, 1);
  });
});

describe('podnet verify', () => {
  const box = new Sandbox();
  after(() => box.remove());
  const svc = `apiVersion: v1\nkind: Service\nmetadata:\n  name: ext\nspec:\n  clusterIP: 10.96.5.5\n  ports:\n    - port: 80\n---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: ext-1\n  labels:\n    kubernetes.io/service-name: ext\naddressType: IPv4\nports:\n  - port: 8080\n    protocol: TCP\n    name: ""\nendpoints:\n  - addresses: [192.0.2.10]\n    conditions: {ready: true}\n  - addresses: [192.0.2.11]\n    conditions: {ready: false}\n`;

  test('endpoints check: ready endpoints only, order-insensitive; exit 0 when all pass', () => {
    const m = box.file('svc.yaml', svc);
    const e = box.file('ok.yaml', 'apiVersion: podnet/v1alpha1\nkind: Expectations\nchecks:\n  - endpoints: {service: default/ext}\n    expect: ["192.0.2.10:8080"]\n');
    const r = box.run(['verify', '-f', m, '--expect', e]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(r.stdout, '1 passed, 0 failed\n');
  });

  test('a failing check and an unknown check kind: failed results, exit 1, JSON shape', () => {
    const m = box.file('svc.yaml', svc);
    const e = box.file('bad.yaml', 'apiVersion: podnet/v1alpha1\nkind: Expectations\nchecks:\n  - name: wrong\n    endpoints: {service: default/ext}\n    expect: ["192.0.2.11:8080"]\n  - teleport: {from: a}\n    expect: allow\n');
    const r = box.run(['verify', '-f', m, '--expect', e, '-o', 'json']);
    assert.equal(r.code, 1);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(out.summary, { passed: 0, failed: 2 });
    assert.deepEqual(out.results[0], { index: 0, name: 'wrong', kind: 'endpoints', passed: false, expected: ['192.0.2.11:8080'], actual: ['192.0.2.10:8080'], message: 'expected [192.0.2.11:8080], got [192.0.2.10:8080]' });
    assert.equal(out.results[1].kind, 'teleport');
    assert.match(out.results[1].message, /unsupported check kind "teleport"/);
    const human = box.run(['verify', '-f', m, '--expect', e]);
    assert.match(human.stdout, /FAIL checks\[0\] wrong \(endpoints\)/);
    assert.match(human.stdout, /0 passed, 2 failed\n$/);
  });

  test('malformed expectations are bad input (exit 2) with file:line', () => {
    const m = box.file('svc.yaml', svc);
    const e = box.file('broken.yaml', 'apiVersion: podnet/v1alpha1\nkind: Expectations\nchecks:\n  - endpoints: {service: a/b/c}\n    expect: []\n  - expect: []\n');
    const r = box.run(['verify', '-f', m, '--expect', e]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /broken\.yaml:6: checks\[1\]: no check kind/);
    const r2 = box.run(['verify', '-f', m, '--expect', box.file('b2.yaml', 'apiVersion: podnet/v1alpha1\nkind: Expectations\nchecks:\n  - endpoints: {service: a/b/c}\n    expect: []\n')]);
    assert.equal(r2.code, 2);
    assert.match(r2.stderr, /b2\.yaml:4: checks\[0\]\.endpoints\.service: must be "namespace\/name"/);
  });
});

describe('bad input never half-applies', () => {
  const box = new Sandbox();
  after(() => box.remove());
  const svc = (name: string, extra: string) => `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\nspec:\n  selector: {app: ${name}}\n  ports:\n    - port: 80\n${extra}`;

  test('every invalid field of every object is listed with file:line and field; the state is untouched', () => {
    assert.equal(box.run(['apply', '-f', box.file('base.yaml', svc('existing', '  clusterIP: 10.96.100.100\n'))]).code, 0);
    const before = box.run(['get', 'all', '-A', '-o', 'json']).stdout;
    const bad = box.file('bad.yaml', [
      svc('web', '  type: NodePort\n'),
      'apiVersion: v1\nkind: Service\nmetadata:\n  name: Bad_Name\nspec:\n  ports:\n    - port: 70000\n',
      svc('clash', '  clusterIP: 10.96.100.100\n'),
    ].join('---\n'));
    const r = box.run(['apply', '-f', bad]);
    assert.equal(r.code, 2, r.stdout);
    assert.match(r.stderr, /bad\.yaml:14: Service default\/Bad_Name: metadata\.name: Invalid value: "Bad_Name"/);
    assert.match(r.stderr, /bad\.yaml:17: Service default\/Bad_Name: spec\.ports\[0\]\.port: Invalid value: 70000: must be between 1 and 65535, inclusive/);
    assert.match(r.stderr, /nothing was applied/);
    assert.equal(box.run(['get', 'all', '-A', '-o', 'json']).stdout, before);
  });

  test('a ClusterIP already held by a stored Service rejects the apply', () => {
    const before = box.run(['get', 'svc', '-A', '-o', 'json']).stdout;
    const r = box.run(['apply', '-f', box.file('clash.yaml', svc('clash', '  clusterIP: 10.96.100.100\n'))]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /clash\.yaml:\d+: Service default\/clash: spec\.clusterIP: .*already allocated/);
    assert.equal(box.run(['get', 'svc', '-A', '-o', 'json']).stdout, before);
  });
});

describe('damaged state', () => {
  const box = new Sandbox();
  after(() => box.remove());

  test('a broken snapshot is reported plainly (exit 2), and reset recovers', () => {
    box.file('state/snapshot.json', '{not json');
    const r = box.run(['get', 'pods']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /snapshot\.json is not a valid podnet snapshot .*podnet reset/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    assert.equal(box.run(['reset']).code, 0);
    assert.equal(box.run(['get', 'ns', 'default', '-o', 'name']).code, 1, 'empty cluster after reset');
  });

  test('a port already in use is the system\'s one-line message, exit 1, no stack trace', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const r = box.run(['dns', 'serve', '--listen', `127.0.0.1:${(taken.address() as AddressInfo).port}`]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /^error: listen EADDRINUSE: address already in use 127\.0\.0\.1:\d+$/m);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    } finally {
      taken.close();
    }
  });

  test('input errors outside apply/delete do not claim "nothing was applied"', () => {
    const r = box.run(['get', 'pods', '--config', 'missing.yaml']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /cannot read cluster config/);
    assert.doesNotMatch(r.stderr, /nothing was applied/);
  });
});
