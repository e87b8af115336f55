/**
 * The `proxyPath` check kind of `podnet verify` (src/model/verify/proxy-path-check.ts) over the
 * kitchen-sink cluster: expectations as a user writes them, pass and fail, and bad input.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidInputError } from '../../../src/api/errors.ts';
import { parseExpectations, runChecks } from '../../../src/model/verify/index.ts';
import { kitchenSinkObjects } from './cluster-fixture.ts';
import { clusterView, pod } from './fixtures.ts';

const view = clusterView([...kitchenSinkObjects(), pod('ns1', 'client', 'node-a', '10.244.1.5'), pod('ns1', 'web-a', 'node-a', '10.244.1.11')], { proxyMode: 'nftables' });

function run(checks: string) {
  return runChecks(view, parseExpectations(`apiVersion: podnet/v1alpha1\nkind: Expectations\nchecks:\n${checks}`, 'x.yaml'), 'x.yaml');
}

describe('verify proxyPath', () => {
  it('pod to ClusterIP: backends, not masqueraded', () => {
    const r = run(`- proxyPath: {from: ns1/client, toIP: 10.96.0.41, port: 80}\n  expect: {backends: ["10.244.2.11:8080", "10.244.1.11:8080"], masquerade: false}\n`);
    assert.equal(r.summary.failed, 0, r.results[0].message);
  });

  it('expecting only some of the possible backends fails and shows them all', () => {
    const r = run(`- proxyPath: {from: ns1/client, toIP: 10.96.0.41, port: 80}\n  expect: {backends: ["10.244.1.11:8080"]}\n`);
    assert.equal(r.summary.failed, 1);
    assert.match(r.results[0].message, /DNAT to \[10\.244\.1\.11:8080, 10\.244\.2\.11:8080\]/);
  });

  it('hairpin: masquerade is true only if every possible backend is the client itself', () => {
    const r = run(`- proxyPath: {from: ns1/web-a, toIP: 10.96.0.41, port: 80}\n  expect: {backends: ["10.244.1.11:8080", "10.244.2.11:8080"], masquerade: false}\n`);
    assert.equal(r.summary.failed, 0, r.results[0].message);
  });

  it('external client to an eTP Local LB IP on a node without local endpoints: drop', () => {
    const r = run(`- proxyPath: {fromIP: 203.0.113.7, node: node-a, toIP: 192.0.2.42, port: 80}\n  expect: {verdict: drop}\n- proxyPath: {fromIP: 203.0.113.7, node: node-b, toIP: 192.0.2.42, port: 80}\n  expect: {backends: ["10.244.2.21:8080"], masquerade: false}\n`);
    assert.equal(r.summary.failed, 0, JSON.stringify(r.results));
  });

  it('mode matters: an undefined ClusterIP port is rejected by nftables, passed by iptables', () => {
    const r = run(`- proxyPath: {from: ns1/client, toIP: 10.96.0.41, port: 443, mode: nftables}\n  expect: {verdict: reject}\n- proxyPath: {from: ns1/client, toIP: 10.96.0.41, port: 443, mode: iptables}\n  expect: {verdict: pass}\n`);
    assert.equal(r.summary.failed, 0, JSON.stringify(r.results));
  });

  it('a wrong expectation fails with what happened instead', () => {
    const r = run(`- proxyPath: {from: ns1/client, toIP: 10.96.0.45, port: 80}\n  expect: {backends: ["10.244.1.45:80"]}\n`);
    assert.equal(r.summary.failed, 1);
    assert.deepEqual(r.results[0].actual, { verdict: 'reject' });
  });

  it('an unknown pod is a failed check, not a crash', () => {
    const r = run(`- proxyPath: {from: ns1/nope, toIP: 10.96.0.41, port: 80}\n  expect: {verdict: dnat}\n`);
    assert.equal(r.summary.failed, 1);
    assert.match(r.results[0].message, /not found/);
  });

  it('malformed arguments are bad input with the field path', () => {
    assert.throws(() => run(`- proxyPath: {from: ns1/client, fromIP: 10.0.0.1, toIP: 10.96.0.41, port: 80}\n  expect: {verdict: drop}\n`), (e: unknown) => e instanceof InvalidInputError && /checks\[0\]\.proxyPath\.from/.test(e.message));
    assert.throws(() => run(`- proxyPath: {from: ns1/client, toIP: 10.96.0.41, port: 80}\n  expect: {verdict: maybe}\n`), (e: unknown) => e instanceof InvalidInputError && /checks\[0\]\.expect\.verdict/.test(e.message));
    assert.throws(() => run(`- proxyPath: {from: ns1/client, toIP: web, port: 80}\n  expect: {verdict: drop}\n`), (e: unknown) => e instanceof InvalidInputError && /proxyPath\.toIP/.test(e.message));
  });
});
