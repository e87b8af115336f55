/** The node CNI daemon's wire format: what a shim forwards is what the plugin would have seen. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { handleRequest, parseRequest } from '../../src/dataplane/cni/daemon.ts';

test('request: CNI environment lines, an empty line, then stdin verbatim', () => {
  const stdin = '{"cniVersion":"1.0.0",\n"name":"x=y"}';
  const r = parseRequest(`CNI_COMMAND=ADD\nCNI_ARGS=IgnoreUnknown=1;K8S_POD_NAME=a\nPODNET_PLUGIN=bridge\n\n${stdin}`);
  assert.deepEqual(r.env, { CNI_COMMAND: 'ADD', CNI_ARGS: 'IgnoreUnknown=1;K8S_POD_NAME=a', PODNET_PLUGIN: 'bridge' });
  assert.equal(r.stdin, stdin);
});

test('empty variables are absent for the plugin: a missing CNI_NETNS is the spec\'s code 4', async () => {
  const r = await handleRequest('CNI_COMMAND=ADD\nCNI_CONTAINERID=c1\nCNI_NETNS=\nCNI_IFNAME=eth0\nCNI_ARGS=\nCNI_PATH=/x\nPODNET_PLUGIN=loopback\n\n{"cniVersion":"1.0.0","name":"n","type":"loopback"}');
  assert.equal(r.code, 1);
  assert.deepEqual(JSON.parse(r.stdout), { code: 4, msg: 'required env variables [CNI_NETNS] missing' });
});

test('VERSION through the daemon; unknown plugin names are a configuration error', async () => {
  const v = await handleRequest('CNI_COMMAND=VERSION\nPODNET_PLUGIN=bridge\n\n{"cniVersion":"1.0.0"}');
  assert.equal(v.code, 0);
  assert.equal(JSON.parse(v.stdout).cniVersion, '1.0.0');
  const u = await handleRequest('CNI_COMMAND=VERSION\nPODNET_PLUGIN=macvlan\n\n{}');
  assert.equal(u.code, 1);
  assert.equal(JSON.parse(u.stdout).code, 7);
});
