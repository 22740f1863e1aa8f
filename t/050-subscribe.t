# eda_subscribe: WebSocket fan-out of Kafka records.  The RFC 6455
# handshake and its refusals; records in both CloudEvents modes delivered
# to every client in order as structured JSON; server-enforced filters a
# client can narrow but never widen; a slow client cut off at its send
# buffer while the others keep receiving; protocol violations answered
# with their close codes; close 1001 on reload and on shutdown.
#
# Clients are the Python websockets library (t/lib/ws_client.py, one line
# per frame on its stdout) and raw sockets for what a library refuses to
# send, both driven through t/lib/EdaWs.pm.  Records are written with
# kcat, independently of the module.

use strict;
use warnings;

use JSON::PP ();
use Test::More;
use Time::HiRes qw(time sleep);
use EdaTest qw(unique_topic nginx_start nginx_stop nginx_reload
               nginx_workers nginx_pid process_alive);
use EdaWs qw(:all);

ws_require();

my $nginx;

END { nginx_stop($nginx) if $nginx }

# --------------------------------------------------------------------------
# Kafka records, written with kcat.  One key for everything of a case puts
# it in one partition, hence in one order.

my $KEY = "k-$$";
my $SOURCE = '/t/050-subscribe';

sub produce_binary {
    my ($topic, %e) = @_;

    kafka_produce_ce($topic, key => $KEY, source => $SOURCE,
                     ct => 'application/json', %e);
}

sub produce_structured {
    my ($topic, @events) = @_;

    kafka_produce_structured($topic, $KEY, @events);
}

sub is_warm { ($_[0]{type} // '') eq 't.warmup' }

sub real_ids {
    my ($c) = @_;
    return [ ws_ids(grep { !is_warm($_) } ws_events($c)) ];
}

# The consumer of a worker starts at the end of its partitions only once
# it has them, seconds after nginx started: until the SENTINELS (clients
# connected before) have seen a warm-up record of every TOPIC, records may
# be missed.  Warm-ups go to the partition of the case's records (same
# key), so they all come before those.
my $warm_n = 0;

sub warm_up {
    my ($topics, @sentinels) = @_;

    my $seen = sub {
        for my $c (@sentinels) {
            my @w = grep { is_warm($_) } ws_events($c);
            for my $t (@$topics) {
                return 0 unless grep { $_->{id} =~ /^warm-\Q$t\E-/ } @w;
            }
        }
        return 1;
    };

    my $deadline = time + 30;
    while (time < $deadline) {
        for my $t (@$topics) {
            produce_binary($t, id => "warm-$t-" . ++$warm_n,
                           type => 't.warmup', subject => 'warmup',
                           data => '{"warm":true}');
        }
        return 1 if pump_until($seen, 0.5, @sentinels);
    }
    return 0;
}

# --------------------------------------------------------------------------

my %T = map { $_ => unique_topic("ws-$_") } qw(a b c d e f);

# Topics exist before nginx starts, each with a record no client may ever
# see: the module consumes from the end.
for my $t (sort keys %T) {
    produce_binary($T{$t}, id => "seed-$t-$$", type => 't.seed',
                   subject => 'alice', data => '{"seed":true}');
}

$nginx = nginx_start(
    name => 'ws',
    http_config => <<"_EOC_",
    eda_kafka_brokers \$TEST_NGINX_KAFKA_BROKERS;
_EOC_
    config => <<"_EOC_",
        location = /a { eda_subscribe $T{a}; }
        location = /b { eda_subscribe $T{b}; }
        location = /multi { eda_subscribe $T{b} $T{a}; }

        location = /c/all { eda_subscribe $T{c}; }
        location = /c/user {
            eda_subscribe $T{c};
            eda_subscribe_filter subject eq \$arg_user;
        }
        location = /c/orders {
            eda_subscribe $T{c};
            eda_subscribe_filter type prefix com.example.order.;
        }
        location = /c/suffix {
            eda_subscribe $T{c};
            eda_subscribe_filter subject suffix ice;
        }
        location = /c/tenant {
            eda_subscribe $T{c};
            eda_subscribe_filter tenant eq acme;
        }
        location = /c/key {
            eda_subscribe $T{c};
            eda_subscribe_filter key eq vip-$$;
        }
        location = /c/two {
            eda_subscribe $T{c};
            eda_subscribe_filter type prefix com.example.order.;
            eda_subscribe_filter subject eq alice;
        }

        location = /d {
            eda_subscribe $T{d};
            eda_ws_send_buffer 64k;
        }

        location = /e { eda_subscribe $T{e}; }
        location = /e/small {
            eda_subscribe $T{e};
            eda_ws_max_message 1k;
        }
        location = /e/ping {
            eda_subscribe $T{e};
            eda_ws_ping 1s;
        }

        location = /f { eda_subscribe $T{f}; }
_EOC_
);
ws_server($nginx);

# --------------------------------------------------------------------------
# a. the handshake and its refusals

{
    my $key = ws_key();

    my $r = raw_request('POST', '/a', upgrade_headers($key),
                        'Content-Length' => 0);
    is($r->{status}, 405, 'POST: 405');
    is($r->{headers}{allow}, 'GET', 'Allow: GET');
    like($r->{headers}{'content-type'} // '', qr{^application/problem\+json},
         'as problem+json');

    $r = raw_request('GET', '/a', 'Sec-WebSocket-Version' => 13,
                     'Sec-WebSocket-Key' => $key);
    ok($r->{status} == 400 || $r->{status} == 426,
       "no Upgrade: 400 or 426 ($r->{status})");
    like($r->{headers}{'content-type'} // '', qr{^application/problem\+json},
         'as problem+json');

    $r = raw_request('GET', '/a', Upgrade => 'websocket',
                     Connection => 'Upgrade', 'Sec-WebSocket-Version' => 8,
                     'Sec-WebSocket-Key' => $key);
    is($r->{status}, 426, 'Sec-WebSocket-Version 8: 426');
    is($r->{headers}{'sec-websocket-version'}, '13',
       'naming the version the server speaks');

    for my $bad ('not a key!', 'AAAAAAAAAAAAAAAAAAAA', '') {
        $r = raw_request('GET', '/a', Upgrade => 'websocket',
                         Connection => 'Upgrade',
                         'Sec-WebSocket-Version' => 13,
                         ($bad ne '' ? ('Sec-WebSocket-Key' => $bad) : ()));
        my $what = $bad eq '' ? 'no key' : "key '$bad'";
        is($r->{status}, 400, "$what: 400");
        like($r->{headers}{'content-type'} // '',
             qr{^application/problem\+json}, "$what: as problem+json");
    }

    # the example of RFC 6455 section 1.3
    my $sample = 'dGhlIHNhbXBsZSBub25jZQ==';
    is(ws_accept_of($sample), 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=',
       'the test computes accept keys right');
    $r = raw_request('GET', '/a', upgrade_headers($sample));
    is($r->{status}, 101, 'a valid handshake: 101');
    is($r->{headers}{'sec-websocket-accept'}, 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=',
       'with the accept key of RFC 6455');
    like($r->{headers}{upgrade} // '', qr/^websocket$/i, 'Upgrade: websocket');
    like($r->{headers}{connection} // '', qr/\bupgrade\b/i,
         'Connection: Upgrade');
    close $r->{sock};

    # as Firefox sends it: a token list and other spellings, an extension
    # offer the server may ignore
    $key = ws_key();
    $r = raw_request('GET', '/a', Upgrade => 'WebSocket',
                     Connection => 'keep-alive, Upgrade',
                     'Sec-WebSocket-Version' => 13,
                     'Sec-WebSocket-Key' => $key,
                     'Sec-WebSocket-Extensions' => 'permessage-deflate',
                     Origin => 'http://' . ws_base());
    is($r->{status}, 101, 'Connection: keep-alive, Upgrade: 101');
    is($r->{headers}{'sec-websocket-accept'}, ws_accept_of($key),
       'with the accept key of this request');
    close $r->{sock};

    my $c = ws_open('/a', count => 1, timeout => 2);
    ok(wait_connected($c), 'the websockets library connects');
    # its 2 s without a frame end it
    pump_until(sub { $c->{eof} }, 10, $c);
    is($c->{lines}[-1], 'TIMEOUT', 'and receives nothing (no record yet)');
    ws_finish($c);
}

# --------------------------------------------------------------------------
# e. protocol violations and control frames (raw frames)

{
    my $ws = raw_ws('/e');
    syswrite $ws->{sock}, ws_frame(0x1, 'hi', unmasked => 1);
    my ($code, $reason, $f) = close_of($ws);
    is($code, 1002, 'unmasked client frame: close 1002');
    ok($f && !$f->{masked}, 'the server frame is not masked');
    ok(server_hangs_up($ws), 'then the server closes the connection');

    $ws = raw_ws('/e');
    syswrite $ws->{sock}, ws_frame(0x1, "\xC3\x28");
    ($code) = close_of($ws);
    is($code, 1007, 'invalid UTF-8 text: close 1007');

    $ws = raw_ws('/e');
    syswrite $ws->{sock}, ws_frame(0x1, 'hel', fin => 0)
                          . ws_frame(0x0, "\xC3");
    syswrite $ws->{sock}, ws_frame(0x0, "\x28");
    ($code) = close_of($ws);
    is($code, 1007, 'invalid UTF-8 across fragments: close 1007');

    $ws = raw_ws('/e');
    syswrite $ws->{sock}, ws_frame(0x1, 'hello');
    ($code) = close_of($ws);
    is($code, 1003, 'a text message with no publish configured: close 1003');

    $ws = raw_ws('/e');
    syswrite $ws->{sock}, ws_frame(0x2, "\x00\x01");
    ($code) = close_of($ws);
    is($code, 1003, 'a binary message: close 1003');

    $ws = raw_ws('/e/small');
    syswrite $ws->{sock}, ws_frame(0x1, 'x' x 2000);
    ($code) = close_of($ws);
    is($code, 1009, 'a message over eda_ws_max_message 1k: close 1009');

    $ws = raw_ws('/e/small');
    syswrite $ws->{sock}, ws_frame(0x1, 'x' x 1000);
    ($code) = close_of($ws);
    is($code, 1003, 'one under it is read whole (then 1003)');

    $ws = raw_ws('/e');
    syswrite $ws->{sock}, ws_frame(0x9, 'p-1');
    $f = next_frame($ws, 5, 0xA);
    is($f && $f->{payload}, 'p-1', 'ping: pong with the same payload');
    syswrite $ws->{sock}, ws_frame(0x8, pack('n', 1000) . 'bye');
    ($code, $reason) = close_of($ws);
    ok(defined $code && ($code == 1000 || $code == 0),
       'close 1000 from the client: the server answers close ('
       . ($code // 'none') . ')');
    my $junk = '';
    is(read_bytes($ws->{sock}, \$junk, 3, sub { 0 }), 'eof',
       'and ends the connection');

    $ws = raw_ws('/e/ping');
    my $t0 = time;
    $f = next_frame($ws, 4, 0x9);
    ok($f, sprintf 'eda_ws_ping 1s: the server pings (after %.1f s)',
                   time - $t0);
    is($f && $f->{masked}, 0, 'unmasked');
    close $ws->{sock};

    my $c = ws_open('/e', send => 'hello', timeout => 5);
    pump_until(sub { ws_close_line($c) }, 6, $c);
    like(ws_close_line($c) // 'none', qr/^CLOSE 1003 /,
         'the library sees close 1003 for its message');
    ws_finish($c);
}

# --------------------------------------------------------------------------
# b. delivery: binary and structured records, to every client, in order

{
    my @cs = (ws_open('/b', name => 'b1'), ws_open('/b', name => 'b2'));
    my $multi = ws_open('/multi');
    ok(wait_connected(@cs, $multi), 'delivery: clients connected');
    ok(warm_up([$T{b}], @cs) && warm_up([$T{b}, $T{a}], $multi),
       'the subscription is live');

    my (@want, %data);
    for my $i (1 .. 5) {
        my $id = "b-$$-$i";
        my $d = { n => $i, item => "book-$i", tags => ['x', $i],
                  nested => { ok => JSON::PP::true } };
        produce_binary($T{b}, id => $id, type => 'com.example.order.created',
                       subject => "order-$i",
                       time => "2024-05-0${i}T10:00:00Z",
                       data => JSON::PP->new->canonical->encode($d),
                       ($i == 3 ? (ext => { tenant => 'acme' }) : ()));
        push @want, $id;
        $data{$id} = $d;
    }
    produce_structured($T{b}, {
        specversion => '1.0', id => "b-$$-6",
        type => 'com.example.order.shipped', source => $SOURCE,
        subject => 'order-6', time => '2024-05-06T10:00:00Z',
        datacontenttype => 'application/json', region => 'eu',
        data => { n => 6, item => 'book-6' } });
    push @want, "b-$$-6";
    produce_binary($T{b}, id => "b-$$-7", type => 'com.example.note',
                   subject => 'order-7', ct => 'text/plain',
                   data => 'hello, world');
    push @want, "b-$$-7";
    produce_binary($T{b}, id => "b-$$-8", type => 'com.example.blob',
                   subject => 'order-8', ct => 'application/octet-stream',
                   data => "\x01\x02\xfe\xff");
    push @want, "b-$$-8";
    produce_binary($T{a}, id => "a-$$-1", type => 'com.example.other',
                   subject => 'other', data => '{"other":1}');

    pump_until(sub { !grep { @{ real_ids($_) } < 8 } @cs, $multi }, 15,
               @cs, $multi);
    pump_until(sub { @{ real_ids($multi) } >= 9 }, 15, $multi);
    # a quiet half second: anything that should not come would
    pump_until(sub { 0 }, 0.5, @cs);
    ws_finish(@cs, $multi);

    for my $c (@cs) {
        is_deeply(real_ids($c), \@want, "$c->{name}: all 8 records, in order");
        is_deeply(ws_bad_lines($c), [], "$c->{name}: every frame is a JSON object");
        is(ws_close_line($c), undef, "$c->{name}: not closed");
    }
    is_deeply([sort @{ real_ids($multi) }], [sort @want, "a-$$-1"],
              'two topics: the records of both');

    my %ev = map { $_->{id} => $_ } grep { !is_warm($_) } ws_events($cs[0]);
    for my $i (1 .. 5) {
        my $e = $ev{"b-$$-$i"} || {};
        is($e->{specversion}, '1.0', "binary $i: specversion");
        is($e->{type}, 'com.example.order.created', "binary $i: type");
        is($e->{source}, $SOURCE, "binary $i: source");
        is($e->{subject}, "order-$i", "binary $i: subject");
        is($e->{time}, "2024-05-0${i}T10:00:00Z", "binary $i: time");
        like($e->{datacontenttype} // '', qr{^application/json},
             "binary $i: datacontenttype");
        is_deeply($e->{data}, $data{"b-$$-$i"}, "binary $i: data as JSON");
    }
    is($ev{"b-$$-3"}{tenant}, 'acme', 'an extension header is an attribute');
    ok(!exists $ev{"b-$$-2"}{tenant}, 'only on its own record');

    my $s = $ev{"b-$$-6"} || {};
    is($s->{type}, 'com.example.order.shipped', 'structured: type');
    is($s->{subject}, 'order-6', 'structured: subject');
    is($s->{region}, 'eu', 'structured: its extension');
    is_deeply($s->{data}, { n => 6, item => 'book-6' },
              'structured: data as JSON');

    my $t = $ev{"b-$$-7"} || {};
    ok(defined $t->{data} && !ref $t->{data} && $t->{data} eq 'hello, world',
       'text/plain data: a JSON string');
    my $o = $ev{"b-$$-8"} || {};
    is($o->{data_base64}, 'AQL+/w==', 'binary data: data_base64');
    ok(!exists $o->{data}, 'and no data');

    ok(!grep({ ($_->{type} // '') eq 't.seed' } map { ws_events($_) } @cs),
       'the record written before nginx started is not delivered');
    is_deeply([map { JSON::PP->new->canonical->encode($_) }
                   grep { !is_warm($_) } ws_events($cs[1])],
              [map { JSON::PP->new->canonical->encode($_) }
                   grep { !is_warm($_) } ws_events($cs[0])],
              'both clients received the same events');
}

# --------------------------------------------------------------------------
# c. server-enforced filters, and clients narrowing them

{
    my %want = (
        '/c/user?user=alice'                      => [1, 3, 4, 7],
        '/c/user?user=bob'                        => [2, 5],
        '/c/orders'                               => [1, 2, 4, 6, 7],
        '/c/suffix'                               => [1, 3, 4, 7],
        '/c/tenant'                               => [4],
        '/c/key'                                  => [7],
        '/c/two'                                  => [1, 4, 7],
        '/c/all?type=com.example.order.created'   => [1, 2, 6, 7],
        '/c/all?subject_prefix=ali'               => [1, 3, 4, 6, 7],
        '/c/all?type_prefix=com.example.order.&subject=alice' => [1, 4, 7],
        '/c/user?user=alice&type=com.example.order.created'   => [1, 7],
        '/c/user?user=alice&subject=bob'          => [],
        '/c/orders?type_prefix=com.example.user.' => [],
    );

    my $all = ws_open('/c/all');
    my %c = map { $_ => ws_open($_) } sort keys %want;
    my $anon = ws_open('/c/user');
    ok(wait_connected($all, values %c), 'filters: clients connected');
    pump_until(sub { @{ $anon->{lines} } }, 10, $anon);
    ok(warm_up([$T{c}], $all), 'the subscription is live');

    my @ev = (
        [1, 'com.example.order.created', 'alice'],
        [2, 'com.example.order.created', 'bob'],
        [3, 'com.example.user.updated',  'alice'],
        [4, 'com.example.order.shipped', 'alice', { tenant => 'acme' }],
        [5, 'com.example.orderly.x',     'bob'],
        [6, 'com.example.order.created', 'alicia'],
        [7, 'com.example.order.created', 'alice', undef, "vip-$$"],
    );
    for my $e (@ev) {
        my ($n, $type, $subject, $ext, $key) = @$e;
        produce_binary($T{c}, id => "c-$$-$n", type => $type,
                       subject => $subject, data => qq({"n":$n}),
                       ($ext ? (ext => $ext) : ()),
                       ($key ? (key => $key) : ()));
    }

    pump_until(sub { @{ real_ids($all) } >= 7 }, 15, $all);
    pump_until(sub {
        !grep { ws_events($c{$_}) < @{ $want{$_} } } keys %want
    }, 15, values %c);
    # a quiet second: what a filter should have stopped would come
    pump_until(sub { 0 }, 1, values %c, $anon);
    ws_finish($all, values %c, $anon);

    # record numbers, sorted (record 7 has its own key, so partition);
    # anything else keeps its id and sorts last
    my $num = sub {
        [sort { ($a =~ /^\d+$/ ? $a : 1e9) <=> ($b =~ /^\d+$/ ? $b : 1e9)
                || $a cmp $b }
         map { /^c-$$-(\d+)$/ ? $1 : $_ } @_]
    };
    is_deeply($num->(@{ real_ids($all) }), [1 .. 7], '/c/all: every record');

    for my $path (sort keys %want) {
        # warm-ups included: no filter here lets them through
        is_deeply($num->(ws_ids(ws_events($c{$path}))), $want{$path},
                  "$path: records " . join(',', @{ $want{$path} }));
    }

    if (($anon->{lines}[0] // '') eq 'CONNECTED') {
        is_deeply([ws_ids(ws_events($anon))], [],
                  '/c/user without ?user: the empty filter matches nothing');
    } else {
        like($anon->{lines}[0] // 'nothing', qr/^HTTP 4\d\d$/,
             '/c/user without ?user: refused');
    }
}

# --------------------------------------------------------------------------
# d. a slow client is closed at its send buffer; the others keep receiving

{
    my $fast = ws_open('/d', name => 'fast');
    ok(wait_connected($fast), 'slow client: the fast one connected');
    ok(warm_up([$T{d}], $fast), 'the subscription is live');

    my $slow = ws_open('/d', name => 'slow', slow => 6, timeout => 25);
    ok(wait_connected($slow), 'the slow one connected');

    my $n = 48;
    my @want = map { "d-$$-$_" } 1 .. $n;
    my $t0 = time;
    produce_structured($T{d}, map { +{
        specversion => '1.0', id => "d-$$-$_", type => 'com.example.load',
        source => $SOURCE, subject => 'load',
        datacontenttype => 'application/json',
        data => { i => $_, pad => 'x' x 8192 } } } 1 .. $n);

    pump_until(sub { @{ real_ids($fast) } >= $n }, 20, $fast);
    my $took = time - $t0;
    is_deeply(real_ids($fast), \@want, "the fast client received all $n");
    ok($took < 5.5, sprintf 'while the slow one was not reading (%.1f s)',
                            $took);
    is(ws_close_line($fast), undef, 'the fast client stays open');

    pump_until(sub { ws_close_line($slow) }, 20, $slow);
    ws_finish($fast, $slow);

    like(ws_close_line($slow) // 'none', qr/^CLOSE 1008 .*buffer/i,
         'the slow client: close 1008, send buffer');
    my $got = real_ids($slow);
    ok(@$got < $n, 'after fewer records than were written (' . @$got . ')');
    is_deeply($got, [@want[0 .. $#$got]], 'those it got are whole, in order');
}

# --------------------------------------------------------------------------
# f. reload and shutdown: close 1001; the new workers deliver

{
    my $c = ws_open('/f', name => 'before reload');
    ok(wait_connected($c), 'reload: a client connected');
    my @old = nginx_workers($nginx);

    nginx_reload($nginx);
    pump_until(sub { ws_close_line($c) }, 10, $c);
    ws_finish($c);
    like(ws_close_line($c) // 'none', qr/^CLOSE 1001\b/,
         'SIGHUP: the open socket gets close 1001');

    my $deadline = time + 10;
    sleep 0.2 while time < $deadline && grep { process_alive($_) } @old;
    is(scalar(grep { process_alive($_) } @old), 0,
       'the old worker exited');

    my $after = ws_open('/f', name => 'after reload');
    ok(wait_connected($after), 'a client connects after the reload');
    my $i = 0;
    my $got = 0;
    $deadline = time + 25;
    while (!$got && time < $deadline) {
        produce_binary($T{f}, id => "f-$$-" . ++$i, type => 'com.example.f',
                       subject => 'f', data => '{"f":true}');
        $got = pump_until(sub { grep { /^f-$$-/ } @{ real_ids($after) } },
                          0.5, $after);
    }
    ok($got, "and receives records again ($i written)");
    ws_finish($after);

    my $last = ws_open('/f', name => 'at shutdown');
    ok(wait_connected($last), 'shutdown: a client connected');
    my $master = nginx_pid($nginx);
    nginx_stop($nginx);
    ok(!process_alive($master), 'nginx stopped (QUIT)');
    pump_until(sub { ws_close_line($last) }, 5, $last);
    ws_finish($last);
    like(ws_close_line($last) // 'none', qr/^CLOSE 1001\b/,
         'QUIT: the open socket gets close 1001');

    my $log = do { local (@ARGV, $/) = $nginx->{log}; <> };
    undef $nginx;
    unlike($log, qr/\[(?:alert|crit|emerg)\]/, 'no alert in the error log');
    unlike($log, qr/exited on signal/, 'no worker crashed');
}

done_testing();
