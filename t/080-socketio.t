# eda_socketio with the real socket.io-client (npm): Engine.IO 4 and
# Socket.IO 5 over WebSocket; events named by their CloudEvent type with
# the event and its cursor; namespaces; rooms; client events to Kafka
# acknowledged with where Kafka put them; connection state recovery.

use strict;
use warnings;

use JSON::PP ();
use Test::More;
use EdaTest qw(unique_topic nginx_start nginx_stop kafka_produce_lines
               kafka_record_at kafka_payload_at);
use EdaSio qw(sio_open sio_require);

sio_require();

my $topic = unique_topic('sio');
my $out = unique_topic('sio-out');
my $n;

# the topic exists before nginx starts, as in production: a new worker's
# fan-out soon knows where it stands in it, and handshakes are answered
# at once (for a topic that does not exist yet they wait 3 s)
kafka_produce_lines($topic, [['created', 'created']]);

END { nginx_stop($n) if $n }

$n = nginx_start(
    name => 'sio',
    http_config => "    eda_kafka_brokers \$TEST_NGINX_KAFKA_BROKERS;\n",
    config => <<"_EOC_",
        location /socket.io/ {
            eda_socketio;
            eda_subscribe $topic;
            eda_ws_publish $out;
            eda_ce_source /test/sio;
        }
        location /orders/ {
            eda_socketio;
            eda_socketio_namespace /orders;
            eda_subscribe $topic;
            eda_subscribe_filter subject prefix order-;
        }
_EOC_
);

my $url = "http://127.0.0.1:$n->{port}";
my $ws = { transports => ['websocket'] };
my $F = JSON::PP::false;

sub produce {
    my (@events) = @_;

    kafka_produce_lines($topic, [map {
        [$_->{key} // 'k', JSON::PP::encode_json({
            specversion => '1.0', source => '/test', %$_,
            data => $_->{data} // { n => 1 } })]
    } @events], headers => { 'content-type' =>
                             'application/cloudevents+json' });
}

# the worker's consumer reads the topic: a record written after the client
# connected arrives
my $c = sio_open($url, $ws, name => 'main');
my $e = $c->wait_ev('connect', 20);
ok($e, 'websocket only: connected');
is($e->{recovered}, $F, 'not recovered: a new session');

my $live;
for my $i (1 .. 40) {
    produce({ id => "warm-$i", type => 't.warm' });
    $live = $c->wait(sub { $_->{ev} eq 'event'
                           && $_->{args}[0]{id} eq "warm-$i" }, 1);
    last if $live;
}
ok($live, 'the subscription is live');

produce({ id => 'e1', type => 'com.example.order.created',
          subject => 'order-1', data => { total => 12 } });
$e = $c->wait(sub { $_->{ev} eq 'event' && $_->{args}[0]{id} eq 'e1' }, 10);
is($e->{name}, 'com.example.order.created', 'an event named by its type');
is_deeply($e->{args}[0]{data}, { total => 12 }, 'the CloudEvent its argument');
like($e->{args}[1] // '', qr/^eda1\.[A-Za-z0-9_-]+$/,
     'and the resume cursor its last argument');
my $after_e1 = $e->{args}[1];

# event names socket.io reserves are never emitted

produce({ id => 'r1', type => 'disconnect' }, { id => 'r2', type => 't.after' });
$e = $c->wait_ev('event', 10);
is($e->{args}[0]{id}, 'r2', 'a reserved type is not emitted');

# a client event: to Kafka, acked with where it is

my $ack = $c->emit_ack('com.example.cart.add', [{ sku => 'a-1', qty => 2 }],
                       wait => 20);
my $a = $ack->{args}[0] // {};
like($a->{id} // '', qr/^[0-9a-f-]{36}$/, 'acked with the event id');
is($a->{topic}, $out, 'the topic');
my $rec = kafka_record_at($out, $a->{partition}, $a->{offset});
is($rec->{headers}{ce_type}, 'com.example.cart.add',
   'read back at the acked partition and offset: the event name its type');
is($rec->{headers}{ce_id}, $a->{id}, 'its id');
is($rec->{headers}{ce_source}, '/test/sio', "the location's source");
is_deeply(eval { JSON::PP::decode_json($rec->{payload}) }, { sku => 'a-1', qty => 2 },
          'the argument its data');

$ack = $c->emit_ack('t.bin', [EdaSio::sio_bin("\x00\x01\xff")], wait => 20);
my ($bytes, $headers) = kafka_payload_at($out, $ack->{args}[0]{partition},
                                         $ack->{args}[0]{offset});
is($bytes, "\x00\x01\xff", 'a binary argument: its bytes');
like($headers // '', qr{content-type=application/octet-stream},
     'as application/octet-stream');

$ack = $c->emit_ack('t.two', [1, 2], wait => 20);
is($ack->{args}[0]{error}{status}, 400, 'two arguments: an error in the ack');

# rooms: narrower subscriptions, acknowledged

$ack = $c->emit_ack('eda.join', [{ room => 'o2', subject => 'order-2' }],
                    wait => 10);
is_deeply($ack->{args}[0], { room => 'o2', rooms => ['o2'] }, 'joined, acked');
produce({ id => 'j1', type => 't.o', subject => 'order-1' },
        { id => 'j2', type => 't.o', subject => 'order-2' });
$e = $c->wait_ev('event', 10);
is($e->{args}[0]{id}, 'j2', 'in a room: only what it lets through');
$ack = $c->emit_ack('eda.leave', ['o2'], wait => 10);
is_deeply($ack->{args}[0], { room => 'o2', rooms => [] }, 'left, acked');
$ack = $c->emit_ack('eda.leave', ['o2'], wait => 10);
is($ack->{args}[0]{error}{status}, 404, 'leaving it again: 404');
$ack = $c->emit_ack('eda.join', [{ room => 'x', colour => 'red' }], wait => 10);
is($ack->{args}[0]{error}{status}, 400, 'an unknown member: 400');

# namespaces

my $bad = sio_open("$url/nope", $ws, name => 'nope');
$e = $bad->wait_ev('connect_error', 20);
is($e->{message}, 'Invalid namespace', 'an unknown namespace: CONNECT_ERROR');
$bad->finish(5);

my $o = sio_open("$url/orders", { %$ws, path => '/orders/' }, name => 'orders');
ok($o->wait_ev('connect', 20), 'a namespace of its own location');
produce({ id => 'n1', type => 't.n', subject => 'other' },
        { id => 'n2', type => 't.n', subject => 'order-9' });
$e = $o->wait_ev('event', 10);
is($e->{args}[0]{id}, 'n2', 'its server filter holds');

# recovery: the transport cut, events meanwhile, then recovered

$c->send({ cmd => 'cut' });
ok($c->wait_ev('disconnect', 10), 'the transport is cut');
produce({ id => 'm1', type => 't.m' }, { id => 'm2', type => 't.m' });
$e = $c->wait_ev('connect', 30);
is($e->{recovered}, JSON::PP::true, 'reconnected: socket.recovered');
my @m = map { my $id = $_;
              $c->wait(sub { $_->{ev} eq 'event'
                             && $_->{args}[0]{id} eq $id }, 10) } qw(m1 m2);
is(scalar(grep { $_ } @m), 2, 'with what it missed');
my ($cut) = grep { $_->{ev} eq 'disconnect' } $c->seen;
my @after = grep { $_->{ev} eq 'event' && $_->{args}[0]{id} =~ /^m/ }
            $c->seen;
is(scalar @after, 2, 'each once');

# the Engine.IO handshake refusals

sub raw_get {
    my ($path) = @_;
    return EdaTest::http_get($n, $path);
}

my ($status, $body) = raw_get('/socket.io/?EIO=3&transport=websocket');
is($status, 400, 'EIO=3: 400');
like($body, qr/"code":5/, 'Unsupported protocol version');
($status, $body) = raw_get('/socket.io/?EIO=4&transport=flash');
like($body, qr/"code":0/, 'an unknown transport');

$c->finish(5);
$o->finish(5);

done_testing();
