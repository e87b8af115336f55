/**
 * The `bridge` interface plugin (containernetworking/plugins plugins/main/bridge semantics): a veth
 * pair with the host end on a Linux bridge and the container end named CNI_IFNAME, addresses and
 * routes from delegated IPAM, the gateway address on the bridge (isGateway), hairpin on the port.
 * The host end takes the model's name when the runtime passes one (PODNET_HOST_VETH).
 */
import { execIPAM, type PluginArgs, type PluginHandlers } from '../skel.ts';
import { CNIError, CNIErrorCode, type CNIResult, type CNIRoute } from '../types.ts';
import { deleteSandboxLink, hostBatch, hostLink, sandboxConfigure, sandboxLink, type LinkInfo } from '../link.ts';
import { checkSandbox, dnsOf, ensureSandboxIfaceAbsent, hostVethFor, ipamAdd, ipamUndo, isIPv4, requirePrevResult, sysctl } from './common.ts';

interface BridgeConf {
  bridge: string;
  isGateway: boolean;
  isDefaultGateway: boolean;
  hairpinMode: boolean;
  ipMasq: boolean;
  mtu?: number;
}

function bridgeConf(a: PluginArgs): BridgeConf {
  const c = a.conf as Record<string, unknown>;
  const bool = (k: string): boolean => c[k] === true;
  const mtu = typeof c.mtu === 'number' && c.mtu > 0 ? c.mtu : undefined;
  const conf: BridgeConf = { bridge: typeof c.bridge === 'string' && c.bridge ? c.bridge : 'cni0', isGateway: bool('isGateway') || bool('isDefaultGateway'), isDefaultGateway: bool('isDefaultGateway'), hairpinMode: bool('hairpinMode'), ipMasq: bool('ipMasq'), ...(mtu ? { mtu } : {}) };
  if (conf.ipMasq) throw new CNIError(CNIErrorCode.unsupportedField, 'ipMasq is not supported by podnet\'s bridge plugin (masquerade is the node agent\'s nftables table)');
  return conf;
}

/**
 * The host side in one batch (as the reference plugin: veth first, IPAM after). It fails on its
 * first line, before creating anything, when the bridge is missing.
 */
function hostLines(a: PluginArgs, c: BridgeConf, hostVeth: string): string[] {
  const mtu = c.mtu ? ` mtu ${c.mtu}` : '';
  return [
    `link set ${c.bridge} up`,
    `link add name ${hostVeth}${mtu} master ${c.bridge} up type veth peer name ${a.ifName}${mtu} netns ${a.netns}`,
    ...(c.hairpinMode ? [`link set ${hostVeth} type bridge_slave hairpin on`] : []),
    `addr show dev ${hostVeth}`,
    `addr show dev ${c.bridge}`,
  ];
}

async function createVeth(a: PluginArgs, c: BridgeConf, hostVeth: string): Promise<LinkInfo[][]> {
  try {
    return await hostBatch(hostLines(a, c, hostVeth), 'failed to set up the host veth');
  } catch (e) {
    // The slow path tells apart what the batch cannot: an existing container interface, a
    // namespace that cannot be entered, a missing bridge (create it and retry).
    ensureSandboxIfaceAbsent(await sandboxLink(a.netns, a.ifName), a.ifName);
    if (await hostLink(c.bridge)) throw e;
    await hostBatch([`link add name ${c.bridge}${c.mtu ? ` mtu ${c.mtu}` : ''} type bridge`], `failed to create bridge ${c.bridge}`);
    return hostBatch(hostLines(a, c, hostVeth), 'failed to set up the host veth');
  }
}

async function add(a: PluginArgs): Promise<CNIResult> {
  const c = bridgeConf(a);
  const hostVeth = hostVethFor(a);
  const [[host], [br]] = await createVeth(a, c, hostVeth);
  let ipamDone = false;
  try {
    const { result: ipam, ips } = await ipamAdd(a);
    ipamDone = true;
    if (c.isGateway) {
      const have = new Set((br.addr_info ?? []).map((x) => `${x.local}/${x.prefixlen}`));
      const missing = ips.filter((ip) => ip.gateway && isIPv4(ip.address)).map((ip) => `${ip.gateway}/${ip.address.split('/')[1]}`).filter((g) => !have.has(g));
      await hostBatch(missing.map((g) => `addr replace ${g} dev ${c.bridge}`), `failed to set the gateway address on ${c.bridge}`);
      sysctl('net.ipv4.ip_forward', '1');
    }
    const routes: CNIRoute[] = [...(ipam.routes ?? [])];
    if (c.isDefaultGateway && !routes.some((r) => r.dst === '0.0.0.0/0')) routes.push({ dst: '0.0.0.0/0' });
    const gw4 = ips.find((ip) => isIPv4(ip.address))?.gateway;
    const gw6 = ips.find((ip) => !isIPv4(ip.address))?.gateway;
    const [sandbox] = await sandboxConfigure(a.netns, a.ifName, [
      { op: 'up' },
      ...ips.map((ip) => ({ op: 'addr' as const, cidr: ip.address, brd: true })),
      ...routes.map((r) => {
        const gw = r.gw ?? (isIPv4(r.dst) ? gw4 : gw6);
        return { op: 'route' as const, dst: r.dst, ...(gw ? { gw } : {}) };
      }),
      // The reference announces each IPv4 address (a reused pod IP may sit stale in neighbour caches).
      ...ips.filter((ip) => isIPv4(ip.address)).map((ip) => ({ op: 'garp' as const, address: ip.address.split('/')[0] })),
      { op: 'show' },
    ]);
    return {
      cniVersion: '1.0.0',
      interfaces: [
        { name: c.bridge, mac: br.address },
        { name: hostVeth, mac: host.address },
        { name: a.ifName, mac: sandbox.address, sandbox: a.netns },
      ],
      ips: ips.map((ip) => ({ interface: 2, ...ip })),
      ...(routes.length ? { routes } : {}),
      dns: dnsOf(a, ipam),
    };
  } catch (e) {
    // Undo only what this call made: its veth (and with it the container end) and its addresses.
    if (ipamDone) await ipamUndo(a);
    await hostBatch([`link del ${hostVeth}`]).catch(() => undefined);
    throw e;
  }
}

async function del(a: PluginArgs): Promise<void> {
  bridgeConf(a);
  if (a.conf.ipam) await execIPAM(a, 'DEL');
  await deleteSandboxLink(a.netns, a.ifName);
}

async function check(a: PluginArgs): Promise<void> {
  const c = bridgeConf(a);
  const prev = requirePrevResult(a);
  if (a.conf.ipam) await execIPAM(a, 'CHECK');
  const br = await hostLink(c.bridge);
  if (!br) throw new CNIError(CNIErrorCode.internal, `Failed to find bridge ${c.bridge}`);
  const hostIface = (prev.interfaces ?? []).find((i) => !i.sandbox && i.name !== c.bridge);
  if (hostIface) {
    const host = await hostLink(hostIface.name);
    if (!host) throw new CNIError(CNIErrorCode.internal, `Failed to find host interface ${hostIface.name}`);
    if (host.master !== c.bridge) throw new CNIError(CNIErrorCode.internal, `Interface ${hostIface.name} not attached to bridge ${c.bridge}`);
  }
  await checkSandbox(a, prev);
}

export const bridge: PluginHandlers = { add, del, check };
