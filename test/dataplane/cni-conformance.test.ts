/**
 * Conformance: podnet's CNI plugins against Debian's reference plugins (containernetworking-plugins,
 * /usr/lib/cni) on the same inputs in twin namespaces. Results must agree except for MAC addresses
 * and generated veth names; so must errors (code and message), CHECK, DEL idempotence, the kernel
 * state left in the container and the host-local store.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PODNET_CNI_BIN, REFERENCE_CNI_BIN, startCNIDaemon } from '../../src/dataplane/index.ts';
import { addNetns, deleteNetns, netnsPath } from '../../src/dataplane/netns.ts';
import { run } from '../../src/dataplane/run.ts';
import { skipReason, uniquePrefix } from './helpers.ts';

const skip = skipReason ?? (existsSync(join(REFERENCE_CNI_BIN, 'bridge')) ? false : 'Debian containernetworking-plugins not installed (/usr/lib/cni)');

interface Twin {
  name: 'podnet' | 'reference';
  bin: string;
  node: string;
  pods: string[];
  dataDir: string;
}

interface Outcome {
  code: number;
  out: Record<string, unknown>;
}

async function invoke(t: Twin, command: string, conf: Record<string, unknown>, env: Record<string, string>): Promise<Outcome> {
  const r = await run('nsenter', [`--net=${netnsPath(t.node)}`, '--', join(t.bin, String(conf.type))], {
    input: JSON.stringify(conf),
    env: { PATH: process.env.PATH, CNI_COMMAND: command, CNI_PATH: t.bin, CNI_IFNAME: 'eth0', ...env },
  });
  return { code: r.code, out: r.stdout.trim() ? (JSON.parse(r.stdout) as Record<string, unknown>) : {} };
}

function bridgeConf(t: Twin, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    cniVersion: '1.0.0', name: 'podnet', type: 'bridge', bridge: 'cni0', isGateway: true, hairpinMode: true, ipMasq: false, mtu: 1450,
    ipam: { type: 'host-local', ranges: [[{ subnet: '10.244.1.0/24', gateway: '10.244.1.1' }]], routes: [{ dst: '0.0.0.0/0' }], dataDir: t.dataDir },
    ...extra,
  };
}

/** Results without what is random by design (MACs, generated host veth names) or differs between twins (namespace paths). */
function normalize(result: Record<string, unknown>, t: Twin): unknown {
  let text = JSON.stringify(result);
  t.pods.forEach((ns, i) => (text = text.replaceAll(netnsPath(ns), `<pod${i}>`)));
  text = text
    .replace(/"mac":"[0-9a-f:]{17}"/g, '"mac":"<mac>"')
    .replace(/"name":"veth[0-9a-f]{8}"/g, '"name":"<veth>"');
  return JSON.parse(text);
}

/** What the container sees: addresses, routes, MTU (not MACs). */
async function sandboxView(netns: string): Promise<unknown> {
  const addr = JSON.parse((await run('ip', ['-n', netns, '-json', 'addr', 'show', 'dev', 'eth0'])).stdout) as { mtu: number; operstate: string; addr_info: { family: string; local: string; prefixlen: number; broadcast?: string; scope: string }[] }[];
  const routes = JSON.parse((await run('ip', ['-n', netns, '-json', 'route', 'show'])).stdout) as unknown[];
  return {
    mtu: addr[0].mtu,
    state: addr[0].operstate,
    addrs: addr[0].addr_info.filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen} brd ${a.broadcast ?? '-'} ${a.scope}`),
    routes,
  };
}

async function hairpinPorts(netns: string): Promise<boolean[]> {
  const links = JSON.parse((await run('bridge', ['-n', netns, '-json', '-d', 'link', 'show'])).stdout) as { hairpin?: boolean }[];
  return links.map((l) => l.hairpin === true);
}

async function withTwins(fn: (twins: Twin[]) => Promise<void>): Promise<void> {
  const prefix = uniquePrefix('cni');
  const dir = mkdtempSync(join(tmpdir(), 'podnet-cni-'));
  const twins: Twin[] = (['podnet', 'reference'] as const).map((name) => ({
    name,
    bin: name === 'podnet' ? PODNET_CNI_BIN : REFERENCE_CNI_BIN,
    node: `${prefix}-${name}-node`,
    pods: [`${prefix}-${name}-p1`, `${prefix}-${name}-p2`],
    dataDir: join(dir, name),
  }));
  try {
    for (const t of twins) for (const ns of [t.node, ...t.pods]) await addNetns(ns);
    await fn(twins);
  } finally {
    for (const t of twins) for (const ns of [t.node, ...t.pods]) await deleteNetns(ns).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

const podEnv = (t: Twin, i: number, id = `c${i}`): Record<string, string> => ({ CNI_CONTAINERID: id, CNI_NETNS: netnsPath(t.pods[i]), CNI_ARGS: 'IgnoreUnknown=1;K8S_POD_NAMESPACE=shop;K8S_POD_NAME=web' });

test('bridge + host-local: ADD results, second ADD, CHECK, DEL agree with the reference plugins', { skip }, async () => {
  await withTwins(async (twins) => {
    const outcomes = new Map<string, Outcome[]>();
    const record = (step: string, o: Outcome): void => void outcomes.set(step, [...(outcomes.get(step) ?? []), o]);
    for (const t of twins) {
      // The model's IP, requested through the ips capability as the runtime does.
      const add1 = await invoke(t, 'ADD', bridgeConf(t, { runtimeConfig: { ips: ['10.244.1.7'] } }), podEnv(t, 0));
      record('add requested', add1);
      record('add again', await invoke(t, 'ADD', bridgeConf(t, { runtimeConfig: { ips: ['10.244.1.7'] } }), podEnv(t, 0)));
      record('add next free', await invoke(t, 'ADD', bridgeConf(t), podEnv(t, 1)));
      record('check', await invoke(t, 'CHECK', bridgeConf(t, { prevResult: add1.out }), podEnv(t, 0)));
      await run('ip', ['-n', t.pods[0], 'addr', 'flush', 'dev', 'eth0']);
      record('check after address removal', await invoke(t, 'CHECK', bridgeConf(t, { prevResult: add1.out }), podEnv(t, 0)));
    }
    const [ours, ref] = [(s: string) => outcomes.get(s)?.[0] as Outcome, (s: string) => outcomes.get(s)?.[1] as Outcome];
    assert.equal(ref('add requested').code, 0, JSON.stringify(ref('add requested').out));
    assert.deepEqual(normalize(ours('add requested').out, twins[0]), normalize(ref('add requested').out, twins[1]));
    assert.equal((ours('add requested').out.ips as { address: string }[])[0].address, '10.244.1.7/24');
    const errorOf = (o: Outcome): unknown[] => [o.code, o.out.code, o.out.msg];
    // SPEC 1.0 error objects may carry cniVersion (ours does, the reference 1.1.1 does not): compare the rest.
    assert.deepEqual(errorOf(ours('add again')), errorOf(ref('add again')), 'second ADD: same error code and message');
    assert.deepEqual(normalize(ours('add next free').out, twins[0]), normalize(ref('add next free').out, twins[1]));
    assert.equal((ref('add next free').out.ips as { address: string }[])[0].address, '10.244.1.8/24', 'round robin after the last reserved address');
    assert.equal(ours('check').code, 0, JSON.stringify(ours('check').out));
    assert.equal(ref('check').code, 0);
    assert.equal(ours('check after address removal').code, 1);
    assert.equal(ref('check after address removal').code, 1);
    assert.match(String(ours('check after address removal').out.msg), /^Failed to match addr 10\.244\.1\.7\/24/);
    assert.match(String(ref('check after address removal').out.msg), /^Failed to match addr/);

    // Kernel state in the second pod and on the bridge.
    const [a, b] = twins;
    assert.deepEqual(await sandboxView(a.pods[1]), await sandboxView(b.pods[1]));
    assert.deepEqual(await hairpinPorts(a.node), await hairpinPorts(b.node));
    assert.ok((await hairpinPorts(a.node)).every((h) => h), 'hairpin on every pod port');

    // The host-local stores hold the same files with the same contents.
    const store = (t: Twin): Record<string, string> => Object.fromEntries(readdirSync(join(t.dataDir, 'podnet')).filter((f) => f !== 'lock').map((f) => [f, readFileSync(join(t.dataDir, 'podnet', f), 'utf8')]));
    assert.deepEqual(store(a), store(b));

    // DEL, DEL again, DEL with the namespace gone: all succeed, addresses released.
    for (const t of twins) {
      assert.equal((await invoke(t, 'DEL', bridgeConf(t), podEnv(t, 0))).code, 0, t.name);
      assert.equal((await invoke(t, 'DEL', bridgeConf(t), podEnv(t, 0))).code, 0, `${t.name} second DEL`);
      await deleteNetns(t.pods[1]);
      const gone = await invoke(t, 'DEL', bridgeConf(t), podEnv(t, 1));
      assert.equal(gone.code, 0, `${t.name} DEL without netns: ${JSON.stringify(gone.out)}`);
    }
    assert.deepEqual(store(a), store(b));
    assert.deepEqual(Object.keys(store(a)), ['last_reserved_ip.0']);
  });
});

/** The first ARP packet the pod namespace sends (tcpdump on `any` sees interfaces created later). */
async function firstARP(pod: string, during: () => Promise<void>): Promise<string> {
  const child = spawn('ip', ['netns', 'exec', pod, 'timeout', '5', 'tcpdump', '-i', 'any', '-n', '-e', '-l', '-c', '1', 'arp'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  const done = new Promise<void>((resolve) => child.on('close', () => resolve()));
  await new Promise<void>((resolve) => {
    child.stderr.on('data', (b: Buffer) => /listening on/.test(b.toString()) && resolve());
    void done.then(() => resolve());
  });
  await during();
  await done;
  return out.trim();
}

test('ADD announces the pod address with a gratuitous ARP, as the reference does', { skip }, async () => {
  await withTwins(async (twins) => {
    const seen: string[] = [];
    for (const t of twins) {
      let mac = '';
      const line = await firstARP(t.pods[0], async () => {
        const add = await invoke(t, 'ADD', bridgeConf(t, { runtimeConfig: { ips: ['10.244.1.9'] } }), podEnv(t, 0));
        assert.equal(add.code, 0, JSON.stringify(add.out));
        mac = (add.out.interfaces as { mac: string }[])[2].mac;
      });
      assert.ok(line.includes(mac), `${t.name}: sent from the pod's MAC ${mac}: ${line}`);
      seen.push(line.replace(/^\S+ /, '').replaceAll(mac, '<pod-mac>'));
    }
    // An ARP request whose sender and target are the pod IP (tcpdump omits a zero target MAC).
    assert.match(seen[1], /ethertype ARP \(0x0806\), length \d+: Request who-has 10\.244\.1\.9 tell 10\.244\.1\.9, length 28$/);
    assert.equal(seen[0], seen[1]);
  });
});

test('errors agree: missing CNI_NETNS (code 4), incompatible version (code 1), VERSION lists 1.0.0', { skip }, async () => {
  await withTwins(async (twins) => {
    const results = [];
    for (const t of twins) {
      const env = podEnv(t, 0);
      const noNetns = await invoke(t, 'ADD', bridgeConf(t), { CNI_CONTAINERID: env.CNI_CONTAINERID });
      const badVersion = await invoke(t, 'ADD', bridgeConf(t, { cniVersion: '9.9.9' }), env);
      const version = await invoke(t, 'VERSION', { cniVersion: '1.0.0', type: 'bridge' }, {});
      results.push({ noNetns, badVersion, version });
    }
    const [ours, ref] = results;
    assert.deepEqual([ours.noNetns.code, ours.noNetns.out.code, ours.noNetns.out.msg], [ref.noNetns.code, ref.noNetns.out.code, ref.noNetns.out.msg]);
    assert.equal(ref.noNetns.out.msg, 'required env variables [CNI_NETNS] missing');
    assert.deepEqual([ours.badVersion.code, ours.badVersion.out.code, ours.badVersion.out.msg], [ref.badVersion.code, ref.badVersion.out.code, ref.badVersion.out.msg]);
    assert.equal(ours.version.out.cniVersion, '1.0.0');
    const refVersions = ref.version.out.supportedVersions as string[];
    for (const v of ours.version.out.supportedVersions as string[]) assert.ok(refVersions.includes(v), v);
  });
});

test('loopback: same result, lo up', { skip }, async () => {
  await withTwins(async (twins) => {
    const res = [];
    for (const t of twins) {
      const conf = { cniVersion: '1.0.0', name: 'cni-loopback', type: 'loopback' };
      const r = await invoke(t, 'ADD', conf, { ...podEnv(t, 0), CNI_IFNAME: 'lo' });
      assert.equal(r.code, 0, JSON.stringify(r.out));
      const lo = JSON.parse((await run('ip', ['-n', t.pods[0], '-json', 'link', 'show', 'lo'])).stdout) as { flags: string[] }[];
      assert.ok(lo[0].flags.includes('UP'), t.name);
      res.push(r.out);
    }
    assert.deepEqual(normalize(res[0], twins[0]), normalize(res[1], twins[1]));
  });
});

test('interop: the reference host-local sees addresses our host-local reserved in a shared data dir', { skip }, async () => {
  await withTwins(async ([ours, ref]) => {
    const shared = ours.dataDir;
    const conf = { cniVersion: '1.0.0', name: 'podnet', type: 'host-local', ranges: [[{ subnet: '10.244.9.0/24' }]], dataDir: shared };
    const ipamConf = (_t: Twin): Record<string, unknown> => ({ cniVersion: '1.0.0', name: 'podnet', type: 'host-local', ipam: conf });
    const a = await invoke(ours, 'ADD', { ...ipamConf(ours), type: 'host-local' }, podEnv(ours, 0, 'x1'));
    const b = await invoke(ref, 'ADD', { ...ipamConf(ref), type: 'host-local' }, podEnv(ref, 0, 'x2'));
    const c = await invoke(ours, 'ADD', { ...ipamConf(ours), type: 'host-local' }, podEnv(ours, 1, 'x3'));
    const ips = [a, b, c].map((o) => (o.out.ips as { address: string }[])[0].address);
    assert.deepEqual(ips, ['10.244.9.2/24', '10.244.9.3/24', '10.244.9.4/24']);
  });
});

test('forwarded to the node CNI daemon, podnet\'s executables still agree with the reference', { skip }, async () => {
  await withTwins(async (twins) => {
    const [ours, ref] = twins;
    const socket = join(ours.dataDir, 'cni.sock');
    mkdirSync(ours.dataDir, { recursive: true });
    await startCNIDaemon({ name: 'conformance', netns: ours.node } as Parameters<typeof startCNIDaemon>[0], socket, join(ours.dataDir, 'daemon.log'));
    const viaDaemon = await invoke(ours, 'ADD', bridgeConf(ours, { runtimeConfig: { ips: ['10.244.1.9'] } }), { ...podEnv(ours, 0), PODNET_CNI_SOCKET: socket });
    const direct = await invoke(ref, 'ADD', bridgeConf(ref, { runtimeConfig: { ips: ['10.244.1.9'] } }), podEnv(ref, 0));
    assert.equal(viaDaemon.code, 0, JSON.stringify(viaDaemon.out));
    assert.deepEqual(normalize(viaDaemon.out, ours), normalize(direct.out, ref));
    const again = await invoke(ours, 'ADD', bridgeConf(ours, { runtimeConfig: { ips: ['10.244.1.9'] } }), { ...podEnv(ours, 0), PODNET_CNI_SOCKET: socket });
    assert.deepEqual([again.code, again.out.code, again.out.msg], [1, 999, 'container veth name provided (eth0) already exists']);
    const del = await invoke(ours, 'DEL', bridgeConf(ours), { ...podEnv(ours, 0), PODNET_CNI_SOCKET: socket });
    assert.deepEqual([del.code, del.out], [0, {}], 'DEL prints nothing and exits 0');
    // The daemon lives in the node namespace: withTwins' cleanup kills it with the namespace.
  });
});
