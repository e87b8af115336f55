/**
 * The API server's PodRuntime on the running dataplane: a pod here is its network namespace and
 * its test server, so `exec` runs the command in that namespace (`ip netns exec`, no TTY), `logs`
 * reads the pod server's log file, and `portForward` connects to localhost:PORT inside the
 * namespace, as the kubelet's runtime does, through a small perl relay (perl-base is Essential in
 * Debian; the CNI helpers rely on it too) that copies between its stdin/stdout and the connection.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { open, stat } from 'node:fs/promises';
import type { Duplex } from 'node:stream';
import type { ExecIO, ExecRequest, LogRequest, PodRuntime, PortForwardRequest } from '../server/index.ts';
import { execTargetNetns } from './exec.ts';
import type { DataplaneNames } from './names.ts';
import type { DataplaneLayout } from './state.ts';

/**
 * Connects to 127.0.0.1:PORT, then [::1]:PORT (the kubelet's runtimes try both), and relays:
 * stdin → connection (stdin EOF half-closes it), connection → stdout until the pod's side closes.
 * A failed connect prints the reason on stderr and exits 1.
 */
const RELAY = `
use strict; use Socket qw(:all);
my $port = $ARGV[0]; my ($s, @errs);
for my $t ([AF_INET, '127.0.0.1', 'tcp4', '127.0.0.1'], [AF_INET6, '::1', 'tcp6', '[::1]']) {
  my ($fam, $ip, $net, $shown) = @$t; my $fh;
  if (!socket($fh, $fam, SOCK_STREAM, 0)) { push @errs, "dial $net $shown:$port: socket: " . lc("$!"); next; }
  my $addr = $fam == AF_INET ? pack_sockaddr_in($port, inet_pton($fam, $ip)) : pack_sockaddr_in6($port, inet_pton($fam, $ip));
  if (connect($fh, $addr)) { $s = $fh; last; }
  push @errs, "dial $net $shown:$port: connect: " . lc("$!");
}
if (!$s) { print STDERR "failed to connect to localhost:$port inside the pod's network namespace, IPv4: $errs[0] IPv6 $errs[1]"; exit 1; }
binmode STDIN; binmode STDOUT;
sub put { my ($fh, $buf) = @_; while (length $buf) { my $n = syswrite($fh, $buf); return 0 unless defined $n; substr($buf, 0, $n) = ''; } return 1; }
my $in = 1;
while (1) {
  my $r = ''; vec($r, fileno(STDIN), 1) = 1 if $in; vec($r, fileno($s), 1) = 1;
  next if select(my $ready = $r, undef, undef, undef) <= 0;
  if ($in && vec($ready, fileno(STDIN), 1)) {
    my $n = sysread(STDIN, my $buf, 65536);
    if (!$n) { $in = 0; shutdown($s, 1); } elsif (!put($s, $buf)) { $in = 0; }
  }
  if (vec($ready, fileno($s), 1)) {
    my $n = sysread($s, my $buf, 65536);
    last if !$n;
    last if !put(\\*STDOUT, $buf);
  }
}
exit 0;
`;

export class DataplanePodRuntime implements PodRuntime {
  constructor(
    private readonly names: DataplaneNames,
    private readonly layout: DataplaneLayout,
  ) {}

  /** The pod's namespace; throws ExecTargetError ("pod ns/name is not up …") when it has none. */
  private netnsOf(pod: { metadata: { namespace?: string; name: string } }): string {
    return execTargetNetns(`${pod.metadata.namespace ?? 'default'}/${pod.metadata.name}`, this.names, this.layout.read());
  }

  exec(req: ExecRequest, io: ExecIO): Promise<number> {
    const netns = this.netnsOf(req.pod);
    return new Promise((resolve, reject) => {
      const child = spawn('ip', ['netns', 'exec', netns, ...req.command], { stdio: ['pipe', 'pipe', 'pipe'] });
      child.on('error', reject);
      child.stdin.on('error', () => undefined);
      if (req.stdin) io.onStdin = (data) => (data === null ? child.stdin.end() : child.stdin.write(data));
      else child.stdin.end();
      child.stdout.on('data', (d: Buffer) => io.stdout(d));
      child.stderr.on('data', (d: Buffer) => io.stderr(d));
      child.on('close', (code, signal) => resolve(code ?? 128 + (signal ? constants.signals[signal] : 0)));
    });
  }

  async *logs(req: LogRequest, signal: AbortSignal): AsyncIterable<Buffer> {
    this.netnsOf(req.pod);
    const file = this.layout.logFile(req.pod.metadata.namespace ?? 'default', req.pod.metadata.name);
    const fh = await open(file, 'r').catch(() => undefined);
    if (!fh) return;
    try {
      let offset = 0;
      const all = await fh.readFile();
      offset = all.length;
      let text = all;
      if (req.tailLines !== undefined) {
        const lines = all.toString('utf8').split(/(?<=\n)/);
        text = Buffer.from(lines.slice(Math.max(0, lines.length - req.tailLines)).join(''));
      }
      if (req.limitBytes !== undefined) text = text.subarray(0, req.limitBytes);
      if (text.length) yield text;
      while (req.follow && !signal.aborted) {
        await new Promise((r) => setTimeout(r, 500));
        const size = (await stat(file).catch(() => undefined))?.size ?? offset;
        if (size <= offset) continue;
        const buf = Buffer.alloc(size - offset);
        await fh.read(buf, 0, buf.length, offset);
        offset = size;
        yield buf;
      }
    } finally {
      await fh.close();
    }
  }

  portForward(req: PortForwardRequest, stream: Duplex): Promise<void> {
    const netns = this.netnsOf(req.pod);
    return new Promise((resolve, reject) => {
      const child = spawn('ip', ['netns', 'exec', netns, 'perl', '-e', RELAY, String(req.port)], { stdio: ['pipe', 'pipe', 'pipe'] });
      let stderr = '';
      let sent = false;
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
      child.stdin.on('error', () => undefined);
      stream.on('data', (d: Buffer) => child.stdin.write(d));
      stream.on('end', () => child.stdin.end());
      // The client reset the stream or the session ended: the connection in the pod goes too.
      stream.on('close', () => child.exitCode === null && child.kill());
      child.stdout.on('data', (d: Buffer) => {
        sent = true;
        stream.write(d);
      });
      child.on('error', reject);
      child.on('close', (code) => {
        if (code === 0 || (sent && !stderr)) resolve();
        else reject(new Error(stderr.trim() || `port-forward relay exited with code ${code}`));
      });
    });
  }
}
