/**
 * Running `ip` for the plugins, in the node's namespace or inside a container's, without a Node.js
 * spawn per call. A Node.js spawn forks the whole (large) daemon process on its event loop thread
 * (1–3 ms each, the daemon's bottleneck under concurrent ADDs), and entering a container namespace
 * took a second exec (nsenter). Instead a few long-lived perl helpers (perl-base is Essential in
 * Debian) take requests over a pipe: setns(2) into the container's namespace when asked, fork and
 * exec the command there (a small process forks cheaply), setns back, and return exit code, stdout
 * and stderr. Each helper serves one request at a time; callers queue for a free one. Without perl,
 * on an architecture whose setns number we do not know, or when a helper dies, calls fall back to
 * spawning (`nsenter --net=PATH -- …` for a container). A dying caller closes the helpers' stdin,
 * which ends them.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { run, type RunResult } from '../run.ts';

const PERL = '/usr/bin/perl';
/** setns(2) syscall numbers (asm/unistd.h). */
const SETNS: Partial<Record<string, number>> = { x64: 308, arm64: 268, riscv64: 268, ia32: 346, arm: 375 };
const CLONE_NEWNET = 0x40000000;
const MAX_HELPERS = 4;

/*
 * Request: `<netns path or -> <argc> <stdin bytes>\n`, one line per argument, the stdin bytes.
 * Reply: `<exit code> <stdout bytes> <stderr bytes>\n`, stdout, stderr. Errors entering the
 * namespace read like nsenter's, so callers match one set of messages.
 */
const HELPER = `
use strict; use IO::Select; use Socket qw(inet_ntop inet_pton);
# Link configuration over rtnetlink, as ip(8) sends it: ops run in order, the first failure stops.
# Ops: up | down | addr FAM ADDR PLEN BRD(0/1) | route FAM DST DSTLEN GW|- link|universe |
# neigh FAM ADDR LLADDR | show (the link as ip -json addr show prints it).
sub nl_cfg {
  my ($name, @ops) = @_;
  my $nl;
  socket($nl, 16, 3, 0) or return (1, '', "socket: $!\\n");
  my $seq = 0;
  my $attr = sub { my ($t, $d) = @_; my $l = 4 + length($d); return pack('SS', $l, $t) . $d . ("\\0" x ((4 - $l % 4) % 4)); };
  my $talk = sub {
    my ($type, $flags, $body) = @_;
    $seq++;
    defined(send($nl, pack('LSSLL', 16 + length($body), $type, $flags, $seq, 0) . $body, 0)) or return ("send: $!");
    my @msgs;
    for (;;) {
      defined(recv($nl, my $buf, 65536, 0)) or return ("recv: $!");
      for (my $off = 0; $off + 16 <= length($buf);) {
        my ($len, $mtype) = unpack('LS', substr($buf, $off, 6));
        last if $len < 16;
        my $data = substr($buf, $off + 16, $len - 16);
        $off += ($len + 3) & ~3;
        if ($mtype == 2) { my $err = unpack('l', $data); return ($err ? do { local $! = -$err; "RTNETLINK answers: $!" } : undef, @msgs); }
        return (undef, @msgs) if $mtype == 3;
        push @msgs, [$mtype, $data];
        return (undef, @msgs) unless $flags & 0x300;
      }
    }
  };
  my $attrs = sub { my ($data, $off) = @_; my %a; while ($off + 4 <= length($data)) { my ($l, $t) = unpack('SS', substr($data, $off, 4)); last if $l < 4; $a{$t & 0x3fff} = substr($data, $off + 4, $l - 4); $off += ($l + 3) & ~3; } return \\%a; };
  my ($err, $link) = $talk->(18, 1, pack('CCSlLL', 0, 0, 0, 0, 0, 0) . $attr->(3, "$name\\0"));
  return (1, '', qq{Cannot find device "$name"\\n}) if defined $err;
  my $index = (unpack('CCSlL', $link->[1]))[3];
  my $fam = sub { return $_[0] == 6 ? 10 : 2; };
  my $out = '';
  for my $op (@ops) {
    my ($verb, @a) = split / /, $op;
    my ($e, @r);
    if ($verb eq 'up' || $verb eq 'down') {
      ($e) = $talk->(16, 5, pack('CCSlLL', 0, 0, 0, $index, $verb eq 'up' ? 1 : 0, 1));
    } elsif ($verb eq 'addr') {
      my ($f, $ip, $plen, $brd) = @a;
      my $raw = inet_pton($fam->($f), $ip);
      return (1, '', "Error: inet prefix is expected rather than \\"$ip\\".\\n") unless defined $raw;
      my $body = pack('CCCCL', $fam->($f), $plen, 0, ($f == 4 && $ip =~ /^127\\./) ? 254 : 0, $index) . $attr->(2, $raw) . $attr->(1, $raw);
      if ($brd && $f == 4 && $plen <= 30) {
        my $mask = $plen ? (0xffffffff << (32 - $plen)) & 0xffffffff : 0;
        $body .= $attr->(4, pack('N', unpack('N', $raw) | (~$mask & 0xffffffff)));
      }
      ($e) = $talk->(20, 0x605, $body);
    } elsif ($verb eq 'route') {
      my ($f, $dst, $dlen, $gw, $scope) = @a;
      my $d = inet_pton($fam->($f), $dst);
      my $g = $gw eq '-' ? '' : inet_pton($fam->($f), $gw);
      return (1, '', "Error: invalid route \\"$op\\".\\n") unless defined $d && defined $g;
      my $body = pack('CCCCCCCCL', $fam->($f), $dlen, 0, 0, 254, 3, $scope eq 'link' ? 253 : 0, 1, 0) . $attr->(1, $d) . ($g ne '' ? $attr->(5, $g) : '') . $attr->(4, pack('L', $index));
      ($e) = $talk->(24, 0x605, $body);
    } elsif ($verb eq 'neigh') {
      my ($f, $ip, $ll) = @a;
      my $raw = inet_pton($fam->($f), $ip);
      return (1, '', "Error: invalid neighbour \\"$op\\".\\n") unless defined $raw;
      my $body = pack('CCSlSCC', $fam->($f), 0, 0, $index, 0x80, 0, 0) . $attr->(1, $raw) . $attr->(2, pack('C*', map { hex } split /:/, $ll));
      ($e) = $talk->(28, 0x505, $body);
    } elsif ($verb eq 'show') {
      my ($e2, $l) = $talk->(18, 1, pack('CCSlLL', 0, 0, 0, $index, 0, 0));
      return (2, $out, "$e2\\n") if defined $e2;
      my $flags = (unpack('CCSlL', $l->[1]))[4];
      my $la = $attrs->($l->[1], 16);
      my @names = ([LOOPBACK => 0x8], [BROADCAST => 0x2], [POINTOPOINT => 0x10], [MULTICAST => 0x1000], [NOARP => 0x80], [ALLMULTI => 0x200], [PROMISC => 0x100], [NOTRAILERS => 0x20], [MASTER => 0x400], [SLAVE => 0x800], [DEBUG => 0x4], [DYNAMIC => 0x8000], [AUTOMEDIA => 0x4000], [PORTSEL => 0x2000], [UP => 0x1], [LOWER_UP => 0x10000], [DORMANT => 0x20000], [ECHO => 0x40000]);
      my @fl = (($flags & 0x1) && !($flags & 0x40)) ? ('NO-CARRIER') : ();
      push @fl, map { $_->[0] } grep { $flags & $_->[1] } @names;
      # ip prints M-DOWN when the link's IFLA_LINK index, looked up in this namespace, is not up.
      my $iflink = defined $la->{5} ? unpack('L', $la->{5}) : 0;
      if ($iflink) {
        my ($e4, $peer) = $talk->(18, 1, pack('CCSlLL', 0, 0, 0, $iflink, 0, 0));
        my $pflags = (!defined $e4 && $peer) ? (unpack('CCSlL', $peer->[1]))[4] : 0;
        push @fl, 'M-DOWN' unless $pflags & 0x1;
      }
      my $mac = join(':', map { sprintf('%02x', $_) } unpack('C*', $la->{1} // ''));
      my ($e3, @addrs) = $talk->(22, 0x301, pack('CCCCL', 0, 0, 0, 0, 0));
      return (2, $out, "$e3\\n") if defined $e3;
      my @ai;
      for my $m (@addrs) {
        next unless $m->[0] == 20;
        my ($af, $plen, undef, undef, $idx) = unpack('CCCCL', $m->[1]);
        next unless $idx == $index;
        my $aa = $attrs->($m->[1], 8);
        my $raw = $aa->{2} // $aa->{1};
        next unless defined $raw;
        push @ai, sprintf('{"family":"%s","local":"%s","prefixlen":%d}', $af == 2 ? 'inet' : 'inet6', inet_ntop($af, $raw), $plen);
      }
      my $mtu = defined $la->{4} ? unpack('L', $la->{4}) : 0;
      $out .= sprintf('[{"ifindex":%d,"ifname":"%s","flags":[%s],"mtu":%d,"address":"%s","addr_info":[%s]}]', $index, $name, join(',', map { "\\"$_\\"" } @fl), $mtu, $mac, join(',', @ai)) . "\\n";
    } else {
      return (1, $out, "unknown op \\"$op\\"\\n");
    }
    return (2, $out, "$e\\n") if defined $e;
  }
  return (0, $out, '');
}
my ($setns, $newnet) = map { $_ + 0 } @ARGV;
binmode STDIN; binmode STDOUT; $| = 1;
open(my $home, '<', '/proc/self/ns/net') or die "$!\\n";
sub reply { my ($c, $o, $e) = @_; print STDOUT "$c " . length($o) . ' ' . length($e) . "\\n" . $o . $e; }
print "ready\\n";
while (defined(my $hdr = <STDIN>)) {
  chomp $hdr; my ($ns, $argc, $len) = split / /, $hdr;
  my @argv; for (1 .. $argc) { my $a = <STDIN>; chomp $a; push @argv, $a; }
  my $in = ''; while (length($in) < $len) { read(STDIN, $in, $len - length($in), length($in)) or exit 0; }
  if ($ns ne '-') {
    my $fh;
    if (!open($fh, '<', $ns)) { reply(1, '', "nsenter: cannot open $ns: $!\\n"); next; }
    if (syscall($setns, fileno($fh), $newnet) != 0) { my $e = "$!"; close $fh; reply(1, '', "nsenter: reassociate to namespace 'ns/net' failed: $e\\n"); next; }
    close $fh;
  }
  if ($argv[0] eq '@cfg') {
    my @r = nl_cfg(@argv[1 .. $#argv]);
    if ($ns ne '-') { syscall($setns, fileno($home), $newnet) == 0 or die "setns back: $!\\n"; }
    reply(@r); next;
  }
  pipe(my $ir, my $iw) or die; pipe(my $or, my $ow) or die; pipe(my $er, my $ew) or die;
  my $pid = fork();
  if (defined $pid && $pid == 0) {
    close $iw; close $or; close $er;
    open(STDIN, '<&', $ir); open(STDOUT, '>&', $ow); open(STDERR, '>&', $ew);
    exec { $argv[0] } @argv;
    print STDERR "exec $argv[0]: $!\\n"; exit 127;
  }
  if ($ns ne '-') { syscall($setns, fileno($home), $newnet) == 0 or die "setns back: $!\\n"; }
  close $ir; close $ow; close $ew;
  if (!defined $pid) { close $iw; close $or; close $er; reply(1, '', "fork: $!\\n"); next; }
  local $SIG{PIPE} = 'IGNORE';
  syswrite($iw, $in) if length $in; close $iw;
  my ($out, $err) = ('', '');
  my $sel = IO::Select->new($or, $er);
  while ($sel->count) {
    for my $h ($sel->can_read) {
      my $n = sysread($h, my $buf, 65536);
      if (!$n) { $sel->remove($h); next; }
      if ($h == $or) { $out .= $buf } else { $err .= $buf }
    }
  }
  close $or; close $er;
  waitpid($pid, 0);
  reply(($? & 127) ? 128 + ($? & 127) : $? >> 8, $out, $err);
}
`;

class Helper {
  private readonly child: ChildProcessWithoutNullStreams;
  private buffered: Buffer = Buffer.alloc(0);
  private pending: ((r: RunResult | undefined) => void) | undefined;
  private onReady: ((ok: boolean) => void) | undefined;
  dead = false;

  constructor(setns: number) {
    this.child = spawn(PERL, ['-e', HELPER, String(setns), String(CLONE_NEWNET)], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout.on('data', (d: Buffer) => {
      this.buffered = this.buffered.length ? Buffer.concat([this.buffered, d]) : d;
      this.parse();
    });
    this.child.stderr.on('data', () => undefined);
    this.child.on('close', () => this.die());
    this.child.on('error', () => this.die());
    this.child.stdin.on('error', () => undefined);
    this.child.unref();
    this.idle();
  }

  private die(): void {
    this.dead = true;
    this.onReady?.(false);
    this.onReady = undefined;
    const p = this.pending;
    this.pending = undefined;
    p?.(undefined);
  }

  private parse(): void {
    if (this.onReady) {
      const nl = this.buffered.indexOf(10);
      if (nl < 0) return;
      const ok = this.buffered.subarray(0, nl).toString() === 'ready';
      this.buffered = this.buffered.subarray(nl + 1);
      const r = this.onReady;
      this.onReady = undefined;
      this.idle();
      r(ok);
      return;
    }
    const nl = this.buffered.indexOf(10);
    if (nl < 0 || !this.pending) return;
    const [code, outLen, errLen] = this.buffered.subarray(0, nl).toString().split(' ').map(Number);
    const end = nl + 1 + outLen + errLen;
    if (this.buffered.length < end) return;
    const stdout = this.buffered.subarray(nl + 1, nl + 1 + outLen).toString();
    const stderr = this.buffered.subarray(nl + 1 + outLen, end).toString();
    this.buffered = this.buffered.subarray(end);
    const p = this.pending;
    this.pending = undefined;
    this.idle();
    p({ code, stdout, stderr });
  }

  /** Idle, a helper must not keep its process alive (a standalone plugin exits when done). */
  private idle(): void {
    if (this.pending || this.onReady) return;
    for (const s of [this.child, this.child.stdin, this.child.stdout, this.child.stderr] as unknown as { unref(): void }[]) s.unref();
  }

  private busy(): void {
    for (const s of [this.child, this.child.stdin, this.child.stdout, this.child.stderr] as unknown as { ref(): void }[]) s.ref();
  }

  ready(): Promise<boolean> {
    if (this.dead) return Promise.resolve(false);
    this.busy();
    return new Promise((resolve) => (this.onReady = resolve));
  }

  /** Undefined when the helper died before answering (the caller then spawns the command itself). */
  exec(netns: string | undefined, argv: readonly string[], input: string): Promise<RunResult | undefined> {
    if (this.dead) return Promise.resolve(undefined);
    const body = Buffer.from(input);
    const head = `${netns ?? '-'} ${argv.length} ${body.length}\n${argv.map((a) => `${a}\n`).join('')}`;
    this.busy();
    return new Promise((resolve) => {
      this.pending = resolve;
      this.child.stdin.write(Buffer.concat([Buffer.from(head), body]));
    });
  }
}

const usable = existsSync(PERL) && SETNS[process.arch] !== undefined;
const free: Helper[] = [];
let started = 0;
const waiters: ((h: Helper | undefined) => void)[] = [];

async function acquire(): Promise<Helper | undefined> {
  for (let h = free.pop(); h; h = free.pop()) if (!h.dead) return h;
  if (started < MAX_HELPERS) {
    started++;
    const h = new Helper(SETNS[process.arch] as number);
    if (await h.ready()) return h;
    started--;
    return undefined;
  }
  return new Promise((resolve) => waiters.push(resolve));
}

function release(h: Helper): void {
  if (h.dead) {
    started--;
    waiters.shift()?.(undefined);
    return;
  }
  const w = waiters.shift();
  if (w) w(h);
  else free.push(h);
}

/** Argument strings travel one per line. */
const lineSafe = (argv: readonly string[]): boolean => argv.every((a) => !a.includes('\n'));
/** The namespace path is a word of the request's header line. */
const pathSafe = (netns: string | undefined): boolean => netns === undefined || (netns !== '' && !/\s/.test(netns));

/** One change to a link inside a container namespace (what the plugins' container side needs). */
export type LinkOp =
  | { op: 'up' | 'down' | 'show' }
  /** `ip addr add ADDRESS/PLEN [brd +] dev IF` */
  | { op: 'addr'; cidr: string; brd?: boolean }
  /** `ip route add DST [via GW] dev IF [scope link]` */
  | { op: 'route'; dst: string; gw?: string; scopeLink?: boolean }
  /** `ip neigh replace ADDRESS lladdr MAC dev IF nud permanent` */
  | { op: 'neigh'; address: string; lladdr: string };

const family = (ip: string): 4 | 6 => (ip.includes(':') ? 6 : 4);

function splitCIDR(cidr: string): [string, number] {
  const [ip, plen] = cidr.split('/');
  return [ip, plen === undefined ? (family(ip) === 4 ? 32 : 128) : Number(plen)];
}

/** The op as the helper's rtnetlink code takes it. */
function helperOp(o: LinkOp): string {
  switch (o.op) {
    case 'addr': {
      const [ip, plen] = splitCIDR(o.cidr);
      return `addr ${family(ip)} ${ip} ${plen} ${o.brd ? 1 : 0}`;
    }
    case 'route': {
      const [dst, plen] = splitCIDR(o.dst);
      // ip's default scope: link for an IPv4 route without a gateway, universe otherwise.
      const link = o.scopeLink || (!o.gw && family(dst) === 4);
      return `route ${family(dst)} ${dst} ${plen} ${o.gw ?? '-'} ${link ? 'link' : 'universe'}`;
    }
    case 'neigh':
      return `neigh ${family(o.address)} ${o.address} ${o.lladdr}`;
    default:
      return o.op;
  }
}

/** The same op as an `ip -batch` line (the fallback without a helper). */
export function ipLine(ifName: string, o: LinkOp): string {
  switch (o.op) {
    case 'up':
    case 'down':
      return `link set dev ${ifName} ${o.op}`;
    case 'show':
      return `addr show dev ${ifName}`;
    case 'addr':
      return `addr add ${o.cidr}${o.brd && family(o.cidr) === 4 ? ' brd +' : ''} dev ${ifName}`;
    case 'route':
      return `route add ${o.dst}${o.gw ? ` via ${o.gw}` : ''} dev ${ifName}${o.scopeLink ? ' scope link' : ''}`;
    case 'neigh':
      return `neigh replace ${o.address} lladdr ${o.lladdr} dev ${ifName} nud permanent`;
  }
}

/**
 * Applies ops to one link inside the namespace at `netns`, in order, stopping at the first
 * failure, with rtnetlink from the helper itself (no process started), sending what ip(8) sends
 * for the same command. `show` prints the link as `ip -json addr show dev IF` does (the fields
 * ifindex, ifname, flags, mtu, address and addr_info with family, local, prefixlen). Errors:
 * "RTNETLINK answers: <strerror>", or ip's `Cannot find device "IF"`. Without a helper (or for
 * values the helper's word format cannot carry), `ip` runs the same ops as a batch.
 */
export async function configureLink(netns: string, ifName: string, ops: readonly LinkOp[]): Promise<RunResult> {
  const words = [ifName, ...ops.flatMap((o) => helperOp(o).split(' '))];
  if (usable && pathSafe(netns) && ifName.length < 16 && words.every((w) => /^[0-9a-zA-Z.:_-]+$/.test(w))) {
    const r = await viaHelper(netns, ['@cfg', ifName, ...ops.map(helperOp)], '');
    if (r) return r;
  }
  return run('nsenter', [`--net=${netns}`, '--', 'ip', '-json', '-batch', '-'], { input: `${ops.map((o) => ipLine(ifName, o)).join('\n')}\n` });
}

async function viaHelper(netns: string | undefined, argv: readonly string[], input: string): Promise<RunResult | undefined> {
  const h = await acquire();
  if (!h) return undefined;
  try {
    return await h.exec(netns, argv, input);
  } finally {
    release(h);
  }
}

/**
 * Runs argv (argv[0] looked up on PATH by exec) in the container namespace at `netns` (a path),
 * or in this process's namespace when it is undefined.
 */
export async function execIn(netns: string | undefined, argv: readonly string[], input = ''): Promise<RunResult> {
  if (usable && lineSafe(argv) && pathSafe(netns) && !argv[0]?.startsWith('@')) {
    const r = await viaHelper(netns, argv, input);
    if (r) return r;
  }
  const [cmd, ...args] = netns === undefined ? argv : ['nsenter', `--net=${netns}`, '--', ...argv];
  return run(cmd, args, { input });
}
