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
 * stdin → connection (stdin EOF half-closes it), connection → stdout until the pod's side closes and
 * what it sent is out. A failed connect prints the reason on stderr and exits 1. Every descriptor is
 * non-blocking and each direction has its own buffer, written when select says it can be: a side
 * that does not read (a pod echoing while the client still sends, a slow client) never blocks the
 * other direction. A direction stops reading its source while its buffer holds RELAY_BUFFER bytes, so
 * the relay's memory is bounded and the pressure reaches the sender.
 */
/** Bytes the relay holds per direction before it stops reading that direction's source. */
const RELAY_BUFFER = 1024 * 1024;

const RELAY = `
use strict; use Socket qw(:all); use Fcntl;
$SIG{PIPE} = 'IGNORE';
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
for my $fh (\\*STDIN, \\*STDOUT, $s) { my $fl = fcntl($fh, F_GETFL, 0); fcntl($fh, F_SETFL, $fl | O_NONBLOCK); }
my $LIMIT = ${RELAY_BUFFER};
my ($up, $down) = ('', '');
my ($in, $pod, $shut) = (1, 1, 0);
my $again = sub { $!{EAGAIN} || $!{EWOULDBLOCK} || $!{EINTR} };
while ($pod || length $down) {
  my ($r, $w) = ('', '');
  vec($r, fileno(STDIN), 1) = 1 if $in && length($up) < $LIMIT;
  vec($r, fileno($s), 1) = 1 if $pod && length($down) < $LIMIT;
  vec($w, fileno($s), 1) = 1 if length $up;
  vec($w, fileno(STDOUT), 1) = 1 if length $down;
  my $n = select(my $rr = $r, my $ww = $w, undef, undef);
  if ($n < 0) { next if $!{EINTR}; last; }
  if (vec($rr, fileno(STDIN), 1)) {
    my $k = sysread(STDIN, $up, 65536, length $up);
    $in = 0 if defined $k ? $k == 0 : !$again->();
  }
  if (vec($rr, fileno($s), 1)) {
    my $k = sysread($s, $down, 65536, length $down);
    $pod = 0 if defined $k ? $k == 0 : !$again->();
  }
  if (vec($ww, fileno($s), 1)) {
    my $k = syswrite($s, $up);
    if (defined $k) { substr($up, 0, $k) = ''; } elsif (!$again->()) { $up = ''; $in = 0; }
  }
  if (vec($ww, fileno(STDOUT), 1)) {
    my $k = syswrite(STDOUT, $down);
    if (defined $k) { substr($down, 0, $k) = ''; } elsif (!$again->()) { last; }
  }
  if (!$in && !length $up && !$shut) { shutdown($s, 1); $shut = 1; }
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
    return relayPortForward(['ip', 'netns', 'exec', this.netnsOf(req.pod)], req.port, stream);
  }
}

/**
 * Runs the relay (prefixed by `wrapper`, e.g. `ip netns exec NS`) to `port` and copies between it
 * and `stream` with backpressure both ways: the stream is piped into the relay's stdin (paused while
 * the pipe is full), and the relay's stdout is paused while `stream.write()` asks to wait. The stream
 * itself is not ended: the caller ends it once the promise settles.
 */
export function relayPortForward(wrapper: readonly string[], port: number, stream: Duplex): Promise<void> {
  return new Promise((resolve, reject) => {
    const [cmd, ...args] = [...wrapper, 'perl', '-e', RELAY, String(port)];
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    let sent = false;
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.stdin.on('error', () => undefined);
    // stdin EOF when the client half-closes: the relay half-closes the pod connection.
    stream.pipe(child.stdin);
    // The client reset the stream or the session ended: the connection in the pod goes too, and
    // what the relay still prints is read (and dropped) so that it can exit.
    stream.on('close', () => {
      if (child.exitCode === null) child.kill();
      child.stdout.resume();
    });
    child.stdout.on('data', (d: Buffer) => {
      sent = true;
      if (stream.destroyed || stream.write(d)) return;
      child.stdout.pause();
      stream.once('drain', () => child.stdout.resume());
    });
    child.on('error', reject);
    child.on('close', (code) => {
      stream.unpipe(child.stdin);
      if (code === 0 || (sent && !stderr)) resolve();
      else reject(new Error(stderr.trim() || `port-forward relay exited with code ${code}`));
    });
  });
}
