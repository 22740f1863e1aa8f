# eda_socketio's HTTP long-polling transport, with the real socket.io-client
# and its default options (polling first, then the upgrade to WebSocket),
# with no sticky routing: sessions live in Redis, so any worker of any
# gateway serves any request of a session.  Tested through two workers,
# and through a round-robin proxy in front of two gateways.

use strict;
use warnings;

use JSON::PP ();
use Test::More;
use EdaTest qw(unique_topic nginx_start nginx_stop kafka_produce_lines
               kafka_record_at redis_cmd);
use EdaSio qw(sio_open sio_require);

sio_require();

my $topic = unique_topic('sio-poll');
my $out = unique_topic('sio-poll-out');
my (@gw, $lb);

# the topic exists before nginx starts, as in production: a new worker's
# fan-out soon knows where it stands in it, and handshakes are answered
# at once (for a topic that does not exist yet they wait 3 s)
kafka_produce_lines($topic, [['created', 'created']]);

END { nginx_stop($_) for grep { $_ } $lb, @gw }

my $http = <<'_EOC_';
    eda_kafka_brokers $TEST_NGINX_KAFKA_BROKERS;
    eda_redis $TEST_NGINX_REDIS_HOST:$TEST_NGINX_REDIS_PORT db=1;
_EOC_

my $config = <<"_EOC_";
        location /socket.io/ {
            eda_socketio;
            eda_subscribe $topic;
            eda_ws_publish $out;
            eda_ws_ping 5s;
        }
_EOC_

for my $name (qw(siopoll1 siopoll2)) {
    push @gw, nginx_start(name => $name, workers => 2, http_config => $http,
                          config => $config);
}

# a proxy that sends each request to the next gateway, WebSockets too
$lb = nginx_start(name => 'siopoll-lb', http_config => <<"_EOC_",
    upstream gateways {
        server 127.0.0.1:$gw[0]{port};
        server 127.0.0.1:$gw[1]{port};
    }
_EOC_
    config => <<'_EOC_');
        location / {
            proxy_pass http://gateways;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $http_connection;
            proxy_buffering off;
            proxy_read_timeout 60s;
        }
_EOC_

sub produce {
    my (@events) = @_;

    kafka_produce_lines($topic, [map {
        ['k', JSON::PP::encode_json({ specversion => '1.0', source => '/test',
                                      type => 't.poll', %$_ })]
    } @events], headers => { 'content-type' =>
                             'application/cloudevents+json' });
}

sub event_id {
    my ($c, $id, $timeout) = @_;

    return $c->wait(sub { $_->{ev} eq 'event'
                          && ($_->{args}[0]{id} // '') eq $id }, $timeout);
}

# the workers read the topic: polling-only clients of both gateways see a
# record written after they connected
my $url0 = "http://127.0.0.1:$gw[0]{port}";
my $url1 = "http://127.0.0.1:$gw[1]{port}";
my $po = { transports => ['polling'] };

my @warm = (sio_open($url0, $po, name => 'warm0'),
            sio_open($url1, $po, name => 'warm1'));
ok((!grep { !$_->wait_ev('connect', 20) } @warm),
   'polling only: both connected');
my $live;
for my $i (1 .. 40) {
    produce({ id => "warm-$i" });
    $live = !grep { !event_id($_, "warm-$i", 2) } @warm;
    last if $live;
}
ok($live, 'polling: events arrive');
$_->finish(5) for @warm;

# default options: polling, then the upgrade; events before and after

my $c = sio_open($url0, {}, name => 'default');
my $e = $c->wait_ev('open', 20);
is($e->{transport}, 'polling', 'default options: it starts with polling');
ok($c->wait_ev('connect', 20), 'connected');
$e = $c->wait_ev('upgrade', 20);
is($e->{transport}, 'websocket', 'and upgrades to WebSocket');
produce({ id => 'u1' });
ok(event_id($c, 'u1', 10), 'events over the upgraded socket');
my $ack = $c->emit_ack('t.up', [{ n => 1 }], wait => 20);
my $a = $ack->{args}[0] // {};
is(kafka_record_at($out, $a->{partition} // 0, $a->{offset} // 0)
       ->{headers}{ce_id}, $a->{id}, 'an emit acked and read back');
$c->finish(5);

# polling only through the round-robin proxy: every request of the session
# goes to the other gateway than the last

my $p = sio_open("http://127.0.0.1:$lb->{port}", $po, name => 'lb');
ok($p->wait_ev('connect', 20), 'through two gateways: connected');
produce({ id => 'p1' }, { id => 'p2' });
ok(event_id($p, 'p1', 10) && event_id($p, 'p2', 10),
   'events over polling, each poll on another gateway');
$ack = $p->emit_ack('t.lb', [{ n => 2 }], wait => 20);
$a = $ack->{args}[0] // {};
like($a->{id} // '', qr/^[0-9a-f-]{36}$/, 'an emit acked over polling');
is(kafka_record_at($out, $a->{partition} // 0, $a->{offset} // 0)
       ->{headers}{ce_id}, $a->{id}, 'read back where the ack says');
$ack = $p->emit_ack('eda.join', [{ room => 'r', subject => 'x' }], wait => 10);
is_deeply($ack->{args}[0], { room => 'r', rooms => ['r'] },
          'a room joined over polling');
produce({ id => 'q1', subject => 'y' }, { id => 'q2', subject => 'x' });
$e = $p->wait(sub { $_->{ev} eq 'event'
                    && ($_->{args}[0]{id} // '') =~ /^q/ }, 10);
is($e->{args}[0]{id}, 'q2', 'the room holds on the next polls, anywhere');

# the heartbeat over polling: the server pings, the session lives on

# a quiet period longer than the ping interval (5 s): the server's ping
# must keep the session, not a request of the test
$p->wait(sub { 0 }, 6);
produce({ id => 'h1', subject => 'x' });     # in its room
ok(event_id($p, 'h1', 15), 'still served after a ping')
    or diag(join "\n", map { JSON::PP::encode_json($_) } ($p->seen)[-8 .. -1]);
is(scalar(grep { $_->{ev} eq 'disconnect' } $p->seen), 0, 'never dropped');
$p->finish(5);

# the default client through the proxy: polling on one gateway, the
# upgrade on another

my $d = sio_open("http://127.0.0.1:$lb->{port}", {}, name => 'lb-default');
ok($d->wait_ev('connect', 20), 'default options through two gateways');
ok($d->wait_ev('upgrade', 20), 'upgraded across gateways');
produce({ id => 'd1' });
ok(event_id($d, 'd1', 10), 'and served');
$d->finish(5);

# refusals

my ($status, $body) = EdaTest::http_get($gw[0],
    '/socket.io/?EIO=4&transport=polling&sid=AAAAAAAAAAAAAAAAAAAAAA');
is($status, 400, 'an unknown sid: 400');
like($body, qr/"code":1/, 'Session ID unknown');

done_testing();
