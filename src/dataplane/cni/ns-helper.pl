#!/usr/bin/perl
# podnet's namespace helper (ns-exec.ts starts it: perl ns-helper.pl SETNS_SYSCALL CLONE_NEWNET).
# Requests on stdin, one at a time:
#   `<netns path or -> <argc> <stdin bytes>\n`, one line per argument, then the stdin bytes.
# Reply on stdout: `<exit code> <stdout bytes> <stderr bytes>\n`, stdout, stderr.
# With a path it setns(2)s into that network namespace for the request and back afterwards. argv
# `@cfg IFNAME OP…` is answered here over rtnetlink (nl_cfg); anything else is forked and exec'd
# there. Errors entering the namespace read like nsenter's, so callers match one set of messages.
# Exits when stdin closes (its caller is gone).
use strict; use IO::Select; use Socket qw(inet_ntop inet_pton);
# Link configuration over rtnetlink, as ip(8) sends it: ops run in order, the first failure stops.
# Ops: up | down | addr FAM ADDR PLEN BRD(0/1) | route FAM DST DSTLEN GW|- link|universe |
# neigh FAM ADDR LLADDR | garp ADDR (gratuitous ARP) | show (the link as ip -json addr show prints it).
sub nl_cfg {
  my ($name, @ops) = @_;
  my $nl;
  socket($nl, 16, 3, 0) or return (1, '', "socket: $!\n");
  my $seq = 0;
  my $attr = sub { my ($t, $d) = @_; my $l = 4 + length($d); return pack('SS', $l, $t) . $d . ("\0" x ((4 - $l % 4) % 4)); };
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
  my $attrs = sub { my ($data, $off) = @_; my %a; while ($off + 4 <= length($data)) { my ($l, $t) = unpack('SS', substr($data, $off, 4)); last if $l < 4; $a{$t & 0x3fff} = substr($data, $off + 4, $l - 4); $off += ($l + 3) & ~3; } return \%a; };
  my ($err, $link) = $talk->(18, 1, pack('CCSlLL', 0, 0, 0, 0, 0, 0) . $attr->(3, "$name\0"));
  return (1, '', qq{Cannot find device "$name"\n}) if defined $err;
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
      return (1, '', "Error: inet prefix is expected rather than \"$ip\".\n") unless defined $raw;
      my $body = pack('CCCCL', $fam->($f), $plen, 0, ($f == 4 && $ip =~ /^127\./) ? 254 : 0, $index) . $attr->(2, $raw) . $attr->(1, $raw);
      if ($brd && $f == 4 && $plen <= 30) {
        my $mask = $plen ? (0xffffffff << (32 - $plen)) & 0xffffffff : 0;
        $body .= $attr->(4, pack('N', unpack('N', $raw) | (~$mask & 0xffffffff)));
      }
      ($e) = $talk->(20, 0x605, $body);
    } elsif ($verb eq 'route') {
      my ($f, $dst, $dlen, $gw, $scope) = @a;
      my $d = inet_pton($fam->($f), $dst);
      my $g = $gw eq '-' ? '' : inet_pton($fam->($f), $gw);
      return (1, '', "Error: invalid route \"$op\".\n") unless defined $d && defined $g;
      my $body = pack('CCCCCCCCL', $fam->($f), $dlen, 0, 0, 254, 3, $scope eq 'link' ? 253 : 0, 1, 0) . $attr->(1, $d) . ($g ne '' ? $attr->(5, $g) : '') . $attr->(4, pack('L', $index));
      ($e) = $talk->(24, 0x605, $body);
    } elsif ($verb eq 'neigh') {
      my ($f, $ip, $ll) = @a;
      my $raw = inet_pton($fam->($f), $ip);
      return (1, '', "Error: invalid neighbour \"$op\".\n") unless defined $raw;
      my $body = pack('CCSlSCC', $fam->($f), 0, 0, $index, 0x80, 0, 0) . $attr->(1, $raw) . $attr->(2, pack('C*', map { hex } split /:/, $ll));
      ($e) = $talk->(28, 0x505, $body);
    } elsif ($verb eq 'garp') {
      # A gratuitous ARP request for the address (sender = target = ADDR, target MAC zero, to
      # the Ethernet broadcast), as the reference bridge plugin sends after configuring the
      # container side. Best effort: like the reference, a failure to send is not an error.
      my $raw = inet_pton(2, $a[0]);
      return (1, '', "Error: invalid address \"$op\".\n") unless defined $raw;
      my $mac = $attrs->($link->[1], 16)->{1} // '';
      if (length($mac) == 6 && socket(my $ps, 17, 2, 0)) {
        my $bcast = "\xff" x 6;
        send($ps, pack('nnCCn', 1, 0x0800, 6, 4, 1) . $mac . $raw . ("\0" x 6) . $raw, 0, pack('SnlSCCa8', 17, 0x0806, $index, 0, 0, 6, $bcast));
        close $ps;
      }
    } elsif ($verb eq 'show') {
      my ($e2, $l) = $talk->(18, 1, pack('CCSlLL', 0, 0, 0, $index, 0, 0));
      return (2, $out, "$e2\n") if defined $e2;
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
      return (2, $out, "$e3\n") if defined $e3;
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
      $out .= sprintf('[{"ifindex":%d,"ifname":"%s","flags":[%s],"mtu":%d,"address":"%s","addr_info":[%s]}]', $index, $name, join(',', map { "\"$_\"" } @fl), $mtu, $mac, join(',', @ai)) . "\n";
    } else {
      return (1, $out, "unknown op \"$op\"\n");
    }
    return (2, $out, "$e\n") if defined $e;
  }
  return (0, $out, '');
}
my ($setns, $newnet) = map { $_ + 0 } @ARGV;
binmode STDIN; binmode STDOUT; $| = 1;
open(my $home, '<', '/proc/self/ns/net') or die "$!\n";
sub reply { my ($c, $o, $e) = @_; print STDOUT "$c " . length($o) . ' ' . length($e) . "\n" . $o . $e; }
print "ready\n";
while (defined(my $hdr = <STDIN>)) {
  chomp $hdr; my ($ns, $argc, $len) = split / /, $hdr;
  my @argv; for (1 .. $argc) { my $a = <STDIN>; chomp $a; push @argv, $a; }
  my $in = ''; while (length($in) < $len) { read(STDIN, $in, $len - length($in), length($in)) or exit 0; }
  if ($ns ne '-') {
    my $fh;
    if (!open($fh, '<', $ns)) { reply(1, '', "nsenter: cannot open $ns: $!\n"); next; }
    if (syscall($setns, fileno($fh), $newnet) != 0) { my $e = "$!"; close $fh; reply(1, '', "nsenter: reassociate to namespace 'ns/net' failed: $e\n"); next; }
    close $fh;
  }
  if ($argv[0] eq '@cfg') {
    my @r = nl_cfg(@argv[1 .. $#argv]);
    if ($ns ne '-') { syscall($setns, fileno($home), $newnet) == 0 or die "setns back: $!\n"; }
    reply(@r); next;
  }
  pipe(my $ir, my $iw) or die; pipe(my $or, my $ow) or die; pipe(my $er, my $ew) or die;
  my $pid = fork();
  if (defined $pid && $pid == 0) {
    close $iw; close $or; close $er;
    open(STDIN, '<&', $ir); open(STDOUT, '>&', $ow); open(STDERR, '>&', $ew);
    exec { $argv[0] } @argv;
    print STDERR "exec $argv[0]: $!\n"; exit 127;
  }
  if ($ns ne '-') { syscall($setns, fileno($home), $newnet) == 0 or die "setns back: $!\n"; }
  close $ir; close $ow; close $ew;
  if (!defined $pid) { close $iw; close $or; close $er; reply(1, '', "fork: $!\n"); next; }
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
