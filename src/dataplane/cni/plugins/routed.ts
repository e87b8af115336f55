/**
 * `podnet-routed`: Calico-style routed veths (no bridge). The pod gets its address as a /32 and a
 * default route via the link-local 169.254.1.1, answered by a static neighbour entry for the host
 * veth's fixed MAC; the node routes the /32 to the host veth. Cross-node routes (BGP, VXLAN) then
 * only need the node's pod CIDR.
 */
import { execIPAM, type PluginArgs, type PluginHandlers } from '../skel.ts';
import { CNIError, CNIErrorCode, type CNIResult } from '../types.ts';
import { deleteSandboxLink, hostBatch, hostLink, sandboxConfigure, sandboxLink } from '../link.ts';
import { checkSandbox, dnsOf, ensureSandboxIfaceAbsent, hostVethFor, ipamAdd, ipamUndo, isIPv4, requirePrevResult, sysctl } from './common.ts';

/** Calico's choices: every host veth has this MAC, every pod's gateway is this address. */
export const ROUTED_HOST_MAC = 'ee:ee:ee:ee:ee:ee';
export const ROUTED_GATEWAY = '169.254.1.1';

function mtuOf(a: PluginArgs): string {
  const mtu = (a.conf as { mtu?: unknown }).mtu;
  return typeof mtu === 'number' && mtu > 0 ? ` mtu ${mtu}` : '';
}

async function add(a: PluginArgs): Promise<CNIResult> {
  ensureSandboxIfaceAbsent(await sandboxLink(a.netns, a.ifName), a.ifName);
  const hostVeth = hostVethFor(a, 'cali');
  const { result: ipam, ips } = await ipamAdd(a);
  const v4 = ips.filter((ip) => isIPv4(ip.address)).map((ip) => ip.address.split('/')[0]);
  if (!v4.length) {
    await ipamUndo(a);
    throw new CNIError(CNIErrorCode.internal, 'podnet-routed needs an IPv4 address from IPAM');
  }
  try {
    const mtu = mtuOf(a);
    const [[host]] = await hostBatch([
      `link add name ${hostVeth}${mtu} address ${ROUTED_HOST_MAC} type veth peer name ${a.ifName}${mtu} netns ${a.netns}`,
      `link set ${hostVeth} up`,
      ...v4.map((ip) => `route replace ${ip}/32 dev ${hostVeth} scope link`),
      `addr show dev ${hostVeth}`,
    ], 'failed to set up the host veth');
    sysctl('net.ipv4.ip_forward', '1');
    sysctl(`net.ipv4.conf.${hostVeth}.proxy_arp`, '1');
    const [sandbox] = await sandboxConfigure(a.netns, a.ifName, [
      { op: 'up' },
      ...v4.map((ip) => ({ op: 'addr' as const, cidr: `${ip}/32` })),
      { op: 'route', dst: ROUTED_GATEWAY, scopeLink: true },
      { op: 'route', dst: '0.0.0.0/0', gw: ROUTED_GATEWAY },
      { op: 'neigh', address: ROUTED_GATEWAY, lladdr: ROUTED_HOST_MAC },
      { op: 'show' },
    ]);
    return {
      cniVersion: '1.0.0',
      interfaces: [
        { name: hostVeth, mac: host.address },
        { name: a.ifName, mac: sandbox.address, sandbox: a.netns },
      ],
      ips: v4.map((ip) => ({ interface: 1, address: `${ip}/32` })),
      routes: [{ dst: '0.0.0.0/0', gw: ROUTED_GATEWAY }],
      dns: dnsOf(a, ipam),
    };
  } catch (e) {
    await ipamUndo(a);
    await deleteSandboxLink(a.netns, a.ifName).catch(() => undefined);
    throw e;
  }
}

async function del(a: PluginArgs): Promise<void> {
  if (a.conf.ipam) await execIPAM(a, 'DEL');
  await deleteSandboxLink(a.netns, a.ifName);
}

async function check(a: PluginArgs): Promise<void> {
  const prev = requirePrevResult(a);
  if (a.conf.ipam) await execIPAM(a, 'CHECK');
  const hostIface = (prev.interfaces ?? []).find((i) => !i.sandbox);
  if (hostIface && !(await hostLink(hostIface.name))) throw new CNIError(CNIErrorCode.internal, `Failed to find host interface ${hostIface.name}`);
  await checkSandbox(a, prev);
}

export const routed: PluginHandlers = { add, del, check };
