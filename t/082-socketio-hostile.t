# eda_socketio against clients that break the protocol, written by hand
# on a raw WebSocket (t/lib/EdaWs.pm frames it, not the module's codec):
# a packet the server cannot read closes the socket with 1002, one
# larger than eda_ws_max_message with 1009, a ninth CONNECT with 1008;
# what the protocol lets a server ignore is ignored.  Then a real
# socket.io-client that emits 200 events without waiting: every one is
# answered (acked with where Kafka put it, or a 503 past 64 waiting), none
# is lost, and the worker goes on serving.

use strict;
use warnings;

use File::Temp ();
use JSON::PP ();
use Test::More;
use EdaTest qw(unique_topic nginx_start nginx_stop kafka_produce_lines
               kafka_consume repo_root);
use EdaWs qw(ws_server raw_ws raw_request upgrade_headers ws_frame
             next_frame close_of);
use EdaSio qw(sio_open sio_require sio_pump);

sio_require();

my $topic = unique_topic('sio-hostile');
my $pre = unique_topic('sio-hostile-pre');
my $flood = unique_topic('sio-hostile-flood');
my $n;

# the topic exists before nginx starts, as in production: a new worker's
# fan-out soon knows where it stands in it, and handshakes are answered
# at once (for a topic that does not exist yet they wait 3 s)
kafka_produce_lines($topic, [['created', 'created']]);

END { nginx_stop($n) if $n }

# a secret for the location that wants a token (no token is ever made)
my $key = File::Temp->new(DIR => repo_root() . '/.eda');
print $key unpack('H*', join '', map { chr int rand 256 } 1 .. 32);
close $key;

$n = nginx_start(
    name => 'siohostile',
    http_config => "    eda_kafka_brokers \$TEST_NGINX_KAFKA_BROKERS;\n",
    config => <<"_EOC_",
        location /socket.io/ {
            eda_socketio;
            eda_subscribe $topic;
            eda_ws_publish $flood;
        }
        location /pre/ {
            eda_socketio;
            eda_subscribe $topic;
            eda_ws_publish $pre;
        }
        location /small/ {
            eda_socketio;
            eda_subscribe $topic;
            eda_ws_max_message 1k;
        }
        location /auth/ {
            eda_socketio;
            eda_jwt on;
            eda_jwt_key_file ${\ $key->filename };
            eda_jwt_algorithms HS256;
            eda_subscribe $topic;
        }
_EOC_
);
ws_server($n);

my $url = "http://127.0.0.1:$n->{port}";
my $Q = '?EIO=4&transport=websocket';

# --------------------------------------------------------------------------
# a raw Engine.IO session: the WebSocket, its open packet read

sub raw_sio {
    my ($path) = @_;

    my $ws = raw_ws(($path // '/socket.io/') . $Q);
    my $f = next_frame($ws, 5, 0x1);
    $ws->{open} = $f ? $f->{payload} : '';
    return $ws;
}

sub put {
    my ($ws, @msgs) = @_;

    syswrite $ws->{sock}, join '', map { ws_frame(0x1, $_) } @msgs;
}

# the next text message, undef when a close or nothing came
sub text {
    my ($ws, $timeout) = @_;

    my $f = next_frame($ws, $timeout // 5, 0x1, 0x8) or return undef;
    if ($f->{op} == 0x8) {
        $ws->{closed} = $f;
        return undef;
    }
    return $f->{payload};
}

# CONNECT to "/", its answer
sub connect_ns {
    my ($ws) = @_;

    put($ws, '40');
    return text($ws);
}

# the code of the server's close frame (one read before counts)
sub closed_with {
    my ($ws, $timeout) = @_;

    my $f = $ws->{closed};
    return unpack('n', $f->{payload}) if $f && length $f->{payload} >= 2;
    my ($code, $reason) = close_of($ws, $timeout // 5);
    note("close $code $reason") if defined $code;
    return $code;
}

# the engine still answers: a probe ping ("2probe") gets "3probe"
sub alive {
    my ($ws) = @_;

    put($ws, '2probe');
    for (1 .. 5) {
        my $t = text($ws) // return 0;
        return 1 if $t eq '3probe';
    }
    return 0;
}

my $ws = raw_sio();
like($ws->{open}, qr/^0\{"sid":"[A-Za-z0-9_-]{22}",.*"maxPayload":65536/,
     'a raw client gets the open packet');
my ($sid) = $ws->{open} =~ /"sid":"([^"]+)"/;

like(connect_ns($ws) // '', qr/^40\{"sid":"[A-Za-z0-9_-]+","pid":"/,
     'and its CONNECT is answered');
ok(alive($ws), 'the engine answers a probe');

# --------------------------------------------------------------------------
# packets the server cannot read: 1002

my @bad = (
    [before => '4x', 'a Socket.IO packet type that is none'],
    [after => '42not json', 'an EVENT whose payload is not JSON'],
    [after => '4{', 'a packet that starts with its payload'],
    [after => '4599-["up",{"_placeholder":true,"num":0}]',
     '99 attachments (more than 8)'],
    [after => '42["x",' . ('[' x 40) . (']' x 40) . ']',
     'a payload nested 40 deep'],
    [after => '431', 'an ACK without its arguments'],
    [before => '9', 'an Engine.IO packet type that is none'],
    [before => '', 'an empty message'],
);

for my $b (@bad) {
    my ($when, $msg, $what) = @$b;

    my $w = raw_sio();
    connect_ns($w) if $when eq 'after';
    put($w, $msg);
    is(closed_with($w), 1002, "$what ($msg): closed with 1002");
}

# a binary packet whose attachment does not come first

my $w = raw_sio();
connect_ns($w);
put($w, '451-["up",{"_placeholder":true,"num":0}]', '42["x",1]');
is(closed_with($w), 1002, 'a packet before the attachment announced: 1002');

$w = raw_sio();
connect_ns($w);
syswrite $w->{sock}, ws_frame(0x2, "\x01\x02");
is(closed_with($w), 1002, 'an attachment nobody announced: 1002');

# --------------------------------------------------------------------------
# what is ignored

# an EVENT before CONNECT is nobody's: not published, not answered
$w = raw_sio('/pre/');
put($w, '421["t.pre",{"n":1}]');
like(connect_ns($w) // '', qr/^40\{"sid"/,
     'an EVENT before CONNECT does not stop the CONNECT, answered first');
put($w, '422["t.post",{"n":2}]');
like(text($w, 20) // '',
     qr/^432\[\{"id":"[0-9a-f-]{36}","topic":"\Q$pre\E"/,
     'the next message is the ack of the EVENT after it: the one before '
     . 'was not acked');
my @got = @{ kafka_consume($pre, count => 1, timeout => 10) };
is_deeply([map { $_->{headers}{ce_type} } @got], ['t.post'],
          'nor published');

# an engine that never sent CONNECT gets no events: when a connected one
# of the same worker has an event, the other's next message is the answer
# to its probe
my $idle = raw_sio();
my $got_one;
for my $i (1 .. 40) {
    kafka_produce_lines($topic, [['k', JSON::PP::encode_json({
        specversion => '1.0', id => "idle-$i", source => '/test',
        type => 't.idle' })]],
        headers => { 'content-type' => 'application/cloudevents+json' });
    my $t = text($ws, 1) // '';
    $got_one = $t =~ /^42\["t\.idle",\{.*"id":"idle-$i"/;
    last if $got_one;
}
ok($got_one, 'a connected engine gets an event');
put($idle, '2probe');
is(text($idle) // '', '3probe', 'one without CONNECT got none');

# a recovery that is none (an offset that is no cursor): a new session
$w = raw_sio();
my $fake = 'A' x 22;
put($w, qq(40{"pid":"$fake","offset":"eda1.not-a-cursor"}));
my $answer = text($w) // '';
like($answer, qr/^40\{"sid":"[A-Za-z0-9_-]+","pid":"(?!$fake)/,
     'a CONNECT with an offset that is no cursor: a new pid, not recovered');
ok(alive($w), 'and the engine goes on');

# Engine.IO noop, pong, upgrade and an ACK of nothing asked: ignored
$w = raw_sio();
connect_ns($w);
put($w, '6', '3', '5', '431[1]', '41/nope,');
ok(alive($w), 'noop, pong, upgrade, an unasked ACK, a DISCONNECT of '
              . 'another namespace: ignored');

# a CONNECT to another namespace: refused, the socket stays
put($w, '40/nope,');
is(text($w) // '', '44/nope,{"message":"Invalid namespace"}',
   'a CONNECT to another namespace: CONNECT_ERROR');
ok(alive($w), 'and the engine goes on');

# --------------------------------------------------------------------------
# limits

$w = raw_sio('/small/');
like($w->{open}, qr/"maxPayload":1024\b/,
     'the open packet says eda_ws_max_message');
connect_ns($w);
put($w, '42["t.big","' . ('x' x 2000) . '"]');
is(closed_with($w), 1009, 'a larger message: 1009');

# CONNECT refused 8 times (no token), the ninth ends the socket
$w = raw_sio('/auth/');
my @refused = map { put($w, '40'); text($w) // '' } 1 .. 8;
is(scalar(grep { /^44\{"message":"unauthorized","data":\{"status":401,/ }
          @refused), 8, 'eight CONNECTs without a token: eight refusals');
put($w, '40');
is(closed_with($w), 1008, 'the ninth: closed with 1008');

# the same to another namespace: each is refused as well, but
# ngx_http_eda_sio_dispatch() answers those before
# ngx_http_eda_sio_connect() counts, so a client may try without end
TODO: {
    local $TODO = 'CONNECTs to another namespace are not counted';

    $w = raw_sio();
    put($w, '40/nope,') for 1 .. 8;
    my $eight = grep { defined } map { text($w, 2) } 1 .. 8;
    put($w, '40/nope,');
    is(closed_with($w, 2), 1008,
       "a ninth CONNECT to another namespace ($eight refused): 1008");
}

# --------------------------------------------------------------------------
# sids are per connection

my $w2 = raw_sio();
my ($sid2) = $w2->{open} =~ /"sid":"([^"]+)"/;
ok($sid2 && $sid2 ne $sid, 'a second connection has a sid of its own');

my $res = raw_request('GET', "/socket.io/$Q&sid=$sid", upgrade_headers());
is($res->{status}, 400, 'a handshake naming the first one\'s sid: 400');
like($res->{body} // '', qr/"code":1\b/, 'Session ID unknown');
ok(alive($ws), 'the first connection is not disturbed');
ok(alive($w2), 'nor the second');

# --------------------------------------------------------------------------
# a flood: 200 emits without waiting, each asking for an ack

my $ws_opt = { transports => ['websocket'], reconnection => JSON::PP::false };
my $c = sio_open($url, $ws_opt, name => 'flood');
ok($c->wait_ev('connect', 20), 'socket.io-client connected');

my $N = 200;
$c->send({ cmd => 'emit', name => 't.flood', args => [{ n => $_ }],
           ack => JSON::PP::true, seq => $_ }) for 1 .. $N;

my %ack;
sio_pump([$c], sub {
    $ack{$_->{seq}} //= $_->{args}[0] for $c->seen('ack');
    return keys %ack == $N;
}, 60);
is(scalar keys %ack, $N, "every one of the $N events answered");

my @ok = grep { defined $ack{$_}{offset} } 1 .. $N;
my @busy = grep { ($ack{$_}{error}{status} // 0) == 503 } 1 .. $N;
is(@ok + @busy, $N, 'each acked with where it is, or with a 503')
    or diag(JSON::PP::encode_json([grep { !defined $_->{offset}
                                          && !$_->{error} } values %ack]));
note(scalar(@busy) . ' of them refused: too many waiting for Kafka');
ok(@ok >= 64, 'at least 64 published (' . scalar(@ok) . ')');

my @recs = @{ kafka_consume($flood, count => scalar @ok, timeout => 20) };
my %rec = map { (eval { JSON::PP::decode_json($_->{payload}) } || {})->{n}
                    => $_ } @recs;
is(scalar @recs, scalar @ok, 'as many records as acks with an offset');
is(scalar(grep { my $r = $rec{$_};
                 $r && $r->{headers}{ce_id} eq $ack{$_}{id}
                 && $r->{partition} == $ack{$_}{partition}
                 && $r->{offset} == $ack{$_}{offset} } @ok), scalar @ok,
   'each one acked is on Kafka, with the id, partition and offset acked');
is(scalar(grep { $rec{$_} } @busy), 0, 'none refused was published');

my $more = $c->emit_ack('t.flood', [{ n => 0 }], wait => 20);
ok($more && defined $more->{args}[0]{offset},
   'the flooding client is still served');

# the worker goes on serving: a new client gets an event

my $late = sio_open($url, $ws_opt, name => 'late');
ok($late->wait_ev('connect', 20), 'a new client connects');
my $live;
for my $i (1 .. 40) {
    kafka_produce_lines($topic, [['k', JSON::PP::encode_json({
        specversion => '1.0', id => "after-$i", source => '/test',
        type => 't.after' })]],
        headers => { 'content-type' => 'application/cloudevents+json' });
    $live = $late->wait(sub { $_->{ev} eq 'event'
                              && $_->{args}[0]{id} eq "after-$i" }, 1);
    last if $live;
}
ok($live, 'and gets an event');

$c->finish(5);
$late->finish(5);

open my $fh, '<', $n->{log} or die "$n->{log}: $!\n";
my @worse = grep { /\[(?:alert|crit|emerg)\]|signal 11|core dumped/ } <$fh>;
close $fh;
is(scalar @worse, 0, 'no alert, crit or crash in the error log')
    or diag(join '', @worse[0 .. ($#worse < 4 ? $#worse : 4)]);

done_testing();
