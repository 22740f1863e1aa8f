package EdaWs;

# What the eda_subscribe tests share: CloudEvents records written with
# kcat, the WebSocket and SSE clients of t/lib (ws_client.py,
# sse_client.py) run as children and read with deadlines, and raw
# sockets for handshakes by hand and frames a library would not send (an
# RFC 6455 framer of its own, independent of the module's codec).
#
# ws_server($nginx) names the server every helper talks to; paths are
# relative to it.

use strict;
use warnings;

use Cwd ();
use Digest::SHA ();
use Exporter 'import';
use File::Basename ();
use IO::Select ();
use IO::Socket::INET ();
use JSON::PP ();
use MIME::Base64 ();
use Time::HiRes qw(time);
use EdaTest qw(kafka_produce kafka_brokers);

our @EXPORT_OK = qw(ws_server ws_base ws_python ws_require
                    kafka_produce_ce kafka_produce_structured
                    ws_open sse_open client_lines pump_until
                    wait_connected ws_finish ws_run sse_finish
                    ws_events ws_ids ws_bad_lines ws_close_line
                    read_bytes raw_request ws_key ws_accept_of
                    upgrade_headers ws_frame parse_frame next_frame
                    close_of raw_ws server_hangs_up);

our %EXPORT_TAGS = (all => \@EXPORT_OK);

my $LIB = File::Basename::dirname(Cwd::abs_path(__FILE__));
my $GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
my $json = JSON::PP->new;

my $base;
my @children;

END {
    for my $c (@children) {
        kill 'TERM', $c->{pid} if $c->{pid} && !$c->{done};
    }
}

sub ws_server {
    my ($n) = @_;
    $base = "127.0.0.1:$n->{port}";
}

# "127.0.0.1:PORT" of the server
sub ws_base {
    die "EdaWs: ws_server() names no server yet\n" unless defined $base;
    return $base;
}

sub ws_python {
    return $ENV{TEST_PYTHON}
           || (-x '/usr/bin/python3' ? '/usr/bin/python3' : 'python3');
}

# dies with what to install when the clients cannot run
sub ws_require {
    my $py = ws_python();
    system($py, '-c', 'import websockets') == 0
        or die "$py cannot import websockets: install python3-websockets "
               . "(./build.sh deps)\n";
}

# --------------------------------------------------------------------------
# Kafka records, written with kcat

# a record in CloudEvents binary mode, attributes in ce_* headers:
# kafka_produce_ce(TOPIC, id, type, source, data, subject, time, ext =>
# { name => value }, ct (content-type, none when undef), key)
sub kafka_produce_ce {
    my ($topic, %e) = @_;

    my %h = (ce_specversion => '1.0', ce_id => $e{id},
             ce_type => $e{type}, ce_source => $e{source} // '/test');
    $h{'content-type'} = $e{ct} if defined $e{ct};
    $h{ce_subject} = $e{subject} if defined $e{subject};
    $h{ce_time} = $e{time} if defined $e{time};
    $h{"ce_$_"} = $e{ext}{$_} for keys %{ $e{ext} || {} };

    kafka_produce($topic, $e{data}, key => $e{key}, headers => \%h);
}

# records in CloudEvents structured mode (hashes), under one KEY, in one
# kcat run
sub kafka_produce_structured {
    my ($topic, $key, @events) = @_;

    my $enc = JSON::PP->new->canonical;
    open my $fh, '|-', 'kcat', '-P', '-b', kafka_brokers(), '-t', $topic,
         '-q', '-k', $key, '-H', 'content-type=application/cloudevents+json'
        or die "kcat: $!\n";
    print $fh join "\n", map { $enc->encode($_) } @events;
    close $fh or die "kcat -P failed for $topic\n";
}

# --------------------------------------------------------------------------
# Library clients as children: ws_client.py prints a line per frame,
# sse_client.py a JSON object per line (see their headers).

sub client_cmd {
    my ($tool, $url, %o) = @_;

    my @cmd = (ws_python(), "$LIB/$tool", $url,
               '--count', $o{count} // 100000,
               '--timeout', $o{timeout} // 45);
    push @cmd, '--slow', $o{slow} if $o{slow};
    push @cmd, '--resume' if $o{resume};
    push @cmd, '--also', $_ for @{ $o{also} || [] };
    push @cmd, '--send', $o{send} if defined $o{send};
    push @cmd, '--header', $_ for @{ $o{headers} || [] };
    return @cmd;
}

sub spawn {
    my ($name, @cmd) = @_;

    my $pid = open my $fh, '-|', @cmd or die "$cmd[1]: $!\n";
    my $c = { name => $name, pid => $pid, fh => $fh, buf => '',
              lines => [], eof => 0, done => 0 };
    push @children, $c;
    return $c;
}

# ws_open(PATH, count, timeout, slow, send, headers => [...], name)
sub ws_open {
    my ($path, %o) = @_;

    return spawn($o{name} || $path,
                 client_cmd('ws_client.py', 'ws://' . ws_base() . $path, %o));
}

# sse_open(PATH, count, timeout, headers => [...], name)
sub sse_open {
    my ($path, %o) = @_;

    my $c = spawn($o{name} || $path,
                  client_cmd('sse_client.py', 'http://' . ws_base() . $path,
                             %o));
    $c->{sse} = 1;
    return $c;
}

sub read_some {
    my ($c) = @_;

    my $n = sysread $c->{fh}, $c->{buf}, 1 << 20, length $c->{buf};
    if (!$n) {
        $c->{eof} = 1;
        return;
    }
    push @{ $c->{lines} }, $1 while $c->{buf} =~ s/^([^\n]*)\n//;
}

# reads the clients' output until COND is true (returns 1), the deadline
# passes or every client has exited (returns COND then)
sub pump_until {
    my ($cond, $timeout, @cs) = @_;

    my $deadline = time + $timeout;
    while (1) {
        return 1 if $cond->();
        my @live = grep { !$_->{eof} } @cs;
        my $left = $deadline - time;
        return $cond->() ? 1 : 0 if !@live || $left <= 0;

        my %by = map { fileno($_->{fh}) => $_ } @live;
        my $sel = IO::Select->new(map { $_->{fh} } @live);
        read_some($by{ fileno $_ })
            for $sel->can_read($left < 0.2 ? $left : 0.2);
    }
}

# a client's first line says it is connected: CONNECTED from a WebSocket
# client, a 200 head from an SSE client (the server registers a client
# before it answers, so records written from now on reach it)
sub connected {
    my ($c) = @_;

    my $first = $c->{lines}[0] // '';
    return $first eq 'CONNECTED' unless $c->{sse};
    my $head = eval { $json->decode($first) };
    return ref $head eq 'HASH' && ($head->{status} // 0) == 200;
}

# waits until every client printed its first line, returning as soon as
# they all did (the bound is for a loaded machine starting a dozen
# Pythons): true if every one is connected
sub wait_connected {
    my (@cs) = @_;

    pump_until(sub { !grep { !@{ $_->{lines} } } @cs }, 30, @cs);
    return !grep { !connected($_) } @cs;
}

# stops the clients, keeping what they printed so far
sub ws_finish {
    my (@cs) = @_;

    for my $c (grep { !$_->{done} } @cs) {
        pump_until(sub { 0 }, 0, $c);
        kill 'TERM', $c->{pid};
        close $c->{fh};
        $c->{done} = 1;
    }
}

# reads a client to its own end: its lines
sub client_lines {
    my ($c) = @_;

    pump_until(sub { 0 }, 1e9, $c) unless $c->{done};
    close $c->{fh} unless $c->{done};
    $c->{done} = 1;
    return @{ $c->{lines} };
}

# runs ws_client.py to its end (ws_open's options): its lines
sub ws_run {
    my ($path, %o) = @_;

    return client_lines(ws_open($path, %o));
}

# an SSE client read to its end: (head, [events], end or error)
sub sse_finish {
    my ($c) = @_;

    my @objs = map { $json->decode($_) } client_lines($c);
    my $head = shift @objs;
    my ($end) = grep { exists $_->{end} || exists $_->{error} } @objs;
    return ($head, [grep { exists $_->{data} } @objs], $end);
}

sub is_frame_line {
    my ($l) = @_;
    return $l !~ /^(?:CONNECTED|CLOSE |CLIENT-CLOSE |TIMEOUT|HTTP |ERROR )/;
}

# the frames a WebSocket client received, decoded; lines that are not
# JSON objects come back as { _bad => LINE }
sub ws_events {
    my ($c) = @_;

    return map {
        my $l = $_;
        my $e = eval { $json->decode($l) };
        ref $e eq 'HASH' ? $e : { _bad => $l };
    } grep { is_frame_line($_) } @{ $c->{lines} };
}

sub ws_ids { map { $_->{id} // '(no id)' } @_ }

sub ws_bad_lines {
    my ($c) = @_;
    return [ map { $_->{_bad} } grep { exists $_->{_bad} } ws_events($c) ];
}

sub ws_close_line {
    my ($c) = @_;
    my ($l) = grep { /^(?:CLOSE|CLIENT-CLOSE) / } @{ $c->{lines} };
    return $l;
}

# --------------------------------------------------------------------------
# Raw sockets

# reads from S into $$BUF until WANT is true: 'ok', 'timeout' or 'eof'
sub read_bytes {
    my ($s, $buf, $timeout, $want) = @_;

    my $deadline = time + $timeout;
    my $sel = IO::Select->new($s);
    until ($want->()) {
        my $left = $deadline - time;
        return 'timeout' if $left <= 0;
        next unless $sel->can_read($left);
        my $n = sysread $s, $$buf, 65536, length $$buf;
        return 'eof' unless $n;
    }
    return 'ok';
}

# one request on a fresh connection, HEADERS as name => value pairs
# (a name may come twice): { status, headers (lower-case names, repeated
# ones joined by ", "), head (as received), body, raw (head and body),
# sock, in (the bytes after a 101 response) }
sub raw_request {
    my ($method, $path, @headers) = @_;

    my $addr = ws_base();
    my $s = IO::Socket::INET->new(PeerAddr => $addr, Timeout => 5)
        or die "connect $addr: $!\n";
    my $req = "$method $path HTTP/1.1\r\nHost: $addr\r\n";
    while (my ($k, $v) = splice @headers, 0, 2) {
        $req .= "$k: $v\r\n";
    }
    syswrite $s, "$req\r\n";

    my $buf = '';
    read_bytes($s, \$buf, 5, sub { $buf =~ /\r\n\r\n/ });
    my ($head, $rest) = split /\r\n\r\n/, $buf, 2;
    $head //= '';
    $rest //= '';
    my ($status) = $head =~ m{^HTTP/1\.[01] (\d{3})};
    my %h;
    for (split /\r\n/, $head) {
        next unless /^([^:\s]+):\s*(.*?)\s*$/;
        my $k = lc $1;
        $h{$k} = defined $h{$k} ? "$h{$k}, $2" : $2;
    }

    my $res = { status => $status // 0, headers => \%h, head => $head,
                sock => $s };
    if (($status // 0) == 101) {
        $res->{in} = $rest;
        $res->{raw} = "$head\r\n\r\n";
        return $res;
    }

    my $cl = $h{'content-length'};
    read_bytes($s, \$rest, 3,
               sub { defined $cl && length $rest >= $cl });
    $res->{body} = $rest;
    $res->{raw} = "$head\r\n\r\n$rest";
    close $s;
    return $res;
}

sub ws_key {
    return MIME::Base64::encode_base64(
        join('', map { chr int rand 256 } 1 .. 16), '');
}

sub ws_accept_of { Digest::SHA::sha1_base64($_[0] . $GUID) . '=' }

sub upgrade_headers {
    my ($key) = @_;
    return (Upgrade => 'websocket', Connection => 'Upgrade',
            'Sec-WebSocket-Version' => 13,
            'Sec-WebSocket-Key' => $key // ws_key());
}

# a client frame: ws_frame(OPCODE, PAYLOAD, fin => 0|1 (1),
# unmasked => 1 (masked by default))
sub ws_frame {
    my ($op, $payload, %o) = @_;

    my $len = length $payload;
    my $m = $o{unmasked} ? 0 : 0x80;
    my $f = chr(($o{fin} // 1 ? 0x80 : 0) | $op);
    $f .= $len < 126   ? chr($m | $len)
        : $len < 65536 ? chr($m | 126) . pack('n', $len)
        :                chr($m | 127) . pack('Q>', $len);
    return $f . $payload if $o{unmasked};

    my $key = pack 'N', int rand 2**32;
    return $f . $key
           . ($payload ^ substr($key x (int($len / 4) + 1), 0, $len));
}

# takes one whole frame off the front of $$BUF: { op, fin, masked,
# payload }, or undef while it is incomplete
sub parse_frame {
    my ($buf) = @_;

    return undef if length $$buf < 2;
    my ($b0, $b1) = unpack 'CC', $$buf;
    my ($len, $off) = ($b1 & 0x7f, 2);
    if ($len == 126) {
        return undef if length $$buf < 4;
        ($len, $off) = (unpack('n', substr $$buf, 2, 2), 4);
    } elsif ($len == 127) {
        return undef if length $$buf < 10;
        ($len, $off) = (unpack('Q>', substr $$buf, 2, 8), 10);
    }
    my $mask;
    if ($b1 & 0x80) {
        return undef if length $$buf < $off + 4;
        $mask = substr $$buf, $off, 4;
        $off += 4;
    }
    return undef if length $$buf < $off + $len;

    my $payload = substr $$buf, $off, $len;
    $payload ^= substr($mask x (int($len / 4) + 1), 0, $len) if $mask;
    substr($$buf, 0, $off + $len) = '';
    return { op => $b0 & 0x0f, fin => $b0 >> 7, masked => $mask ? 1 : 0,
             payload => $payload };
}

# the next server frame whose opcode is in OPS; the frames skipped on the
# way are kept in $ws->{skipped}
sub next_frame {
    my ($ws, $timeout, @ops) = @_;

    my $f;
    read_bytes($ws->{sock}, \$ws->{in}, $timeout, sub {
        while (my $g = parse_frame(\$ws->{in})) {
            if (grep { $_ == $g->{op} } @ops) {
                $f = $g;
                return 1;
            }
            push @{ $ws->{skipped} }, $g;
        }
        return 0;
    });
    return $f;
}

# the server's close frame: (code, reason, frame), code 0 for none
sub close_of {
    my ($ws, $timeout) = @_;

    my $f = next_frame($ws, $timeout // 5, 0x8) or return (undef, undef);
    return (0, '', $f) if length $f->{payload} < 2;
    return (unpack('n', $f->{payload}), substr($f->{payload}, 2), $f);
}

# an open WebSocket on PATH (raw_request's answer), or die
sub raw_ws {
    my ($path) = @_;

    my $res = raw_request('GET', $path, upgrade_headers());
    die "handshake on $path: $res->{status}\n" unless $res->{status} == 101;
    return $res;
}

# after the closing handshake, the server ends the TCP connection
sub server_hangs_up {
    my ($ws) = @_;

    syswrite $ws->{sock}, ws_frame(0x8, pack('n', 1000));
    my $junk = '';
    return read_bytes($ws->{sock}, \$junk, 3, sub { 0 }) eq 'eof';
}

1;
