/**
 * The `bridge` interface plugin (containernetworking/plugins plugins/main/bridge semantics): a veth
 * pair with the host end on a Linux bridge and the container end named CNI_IFNAME, addresses and
 * routes from delegated IPAM, the gateway address on the bridge (isGateway), hairpin on the port.
 * The host end takes the model's name when the runtime passes one (PODNET_HOST_VETH).
 */
import { execIPAM, type PluginArgs, type PluginHandlers } from '../skel.ts';
import { CNIError, CNIErrorCode, type CNIResult, type CNIRoute } from '../types.ts';
import { deleteSandboxLink, hostBatch, hostLink, sandboxBatch, sandboxLink } from '../link.ts';
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

async function add(a: PluginArgs): Promise<CNIResult> {
  const c = bridgeConf(a);
  ensureSandboxIfaceAbsent(await sandboxLink(a.netns, a.ifName), a.ifName);
  if (!(await hostLink(c.bridge))) {
    await hostBatch([`link add name ${c.bridge}${c.mtu ? ` mtu ${c.mtu}` : ''} type bridge`, `link set ${c.bridge} up`], `failed to create bridge ${c.bridge}`);
  }
  const hostVeth = hostVethFor(a);
  const { result: ipam, ips } = await ipamAdd(a);
  try {
    const mtu = c.mtu ? ` mtu ${c.mtu}` : '';
    const gatewayAddrs = c.isGateway
      ? ips.filter((ip) => ip.gateway && isIPv4(ip.address)).map((ip) => `addr replace ${ip.gateway}/${ip.address.split('/')[1]} dev ${c.bridge}`)
      : [];
    const [[host], [br]] = await hostBatch([
      `link add name ${hostVeth}${mtu} type veth peer name ${a.ifName}${mtu} netns ${a.netns}`,
      `link set ${hostVeth} master ${c.bridge} up`,
      ...(c.hairpinMode ? [`link set ${hostVeth} type bridge_slave hairpin on`] : []),
      ...gatewayAddrs,
      `link set ${c.bridge} up`,
      `link show dev ${hostVeth}`,
      `link show dev ${c.bridge}`,
    ], 'failed to set up the host veth');
    if (c.isGateway) sysctl('net.ipv4.ip_forward', '1');

    const routes: CNIRoute[] = [...(ipam.routes ?? [])];
    if (c.isDefaultGateway && !routes.some((r) => r.dst === '0.0.0.0/0')) routes.push({ dst: '0.0.0.0/0' });
    const gw4 = ips.find((ip) => isIPv4(ip.address))?.gateway;
    const gw6 = ips.find((ip) => !isIPv4(ip.address))?.gateway;
    const [[sandbox]] = await sandboxBatch(a.netns, [
      `link set ${a.ifName} up`,
      ...ips.map((ip) => `addr add ${ip.address}${isIPv4(ip.address) ? ' brd +' : ''} dev ${a.ifName}`),
      ...routes.map((r) => {
        const gw = r.gw ?? (isIPv4(r.dst) ? gw4 : gw6);
        return `route add ${r.dst}${gw ? ` via ${gw}` : ''} dev ${a.ifName}`;
      }),
      `link show dev ${a.ifName}`,
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
    await ipamUndo(a);
    await deleteSandboxLink(a.netns, a.ifName).catch(() => undefined);
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
