/** The README's first command: `podnet demo` on the bundled example cluster runs cleanly end to end. */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { Sandbox } from '../cli/helpers.ts';

const box = new Sandbox();
after(() => box.remove());

test('podnet demo exits 0, shows the allocated cluster and passes its own expectations', () => {
  const r = box.run(['demo']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  // Node IPAM: three nodes with consecutive /24s of 10.244.0.0/16.
  assert.match(r.stdout, /node-3\s+Ready.*10\.244\.2\.0\/24/);
  // The well-known Service IPs: first and tenth of 10.96.0.0/12.
  assert.match(r.stdout, /kubernetes\s+ClusterIP\s+10\.96\.0\.1\s/);
  assert.match(r.stdout, /kube-dns\s+ClusterIP\s+10\.96\.0\.10\s/);
  assert.match(r.stdout, /\d+ passed, 0 failed/);
});
