# A client that connects while its worker is new (nginx just started, or
# reloaded), before the worker's fan-out consumer has its partitions: it
# is answered once the fan-out knows where it starts, so every record
# written after its handshake reaches it, as docs/websocket.md promises.
# A WebSocket client of this file's own (its handshake takes a
# millisecond, far less than a consumer's join) and an SSE client, each
# right after a start of nginx; a record is written the moment both are
# connected.  Then socket.io-client, over long-polling (Redis holds the
# session) and over WebSocket alone: loaded before nginx starts, it
# connects the moment nginx listens, and a record written once it says
# "connect" reaches it.

use strict;
use warnings;

use JSON::PP ();
use Test::More;
use Time::HiRes qw(time sleep);
use EdaTest qw(nginx_start nginx_stop unique_topic kafka_produce free_port
               kafka_brokers);
use EdaWs qw(ws_server sse_open wait_connected pump_until ws_finish raw_ws
             next_frame);
use EdaSio qw(sio_open sio_require);

my $n;

END { nginx_stop($n) if $n }

for my $round (1 .. 3) {
    my $topic = unique_topic("start$round");
    kafka_produce($topic, 'created');

    $n = nginx_start(name => 'substart', workers => 1,
                     http_config => "    eda_kafka_brokers "
                                    . "\$TEST_NGINX_KAFKA_BROKERS;\n",
                     config => <<"_EOC_");
        location = /ws {
            eda_subscribe $topic;
        }
_EOC_
    my $t0 = time;
    ws_server($n);
    my $ws = raw_ws('/ws');
    my $took = time - $t0;
    my $sse = sse_open('/ws', count => 1, timeout => 20, name => 'sse');
    ok(wait_connected($sse), "round $round: a WebSocket and an SSE client "
       . 'connected to a new worker');

    kafka_produce($topic, qq({"round":$round}),
                  headers => { 'content-type' => 'application/json' });

    my $f = next_frame($ws, 20, 0x1);
    like($f ? $f->{payload} : '', qr/"round":\s*$round\b/,
         '  the WebSocket client receives the record written right after '
         . sprintf('its handshake (answered %.2f s after the start)', $took));
    ok(pump_until(sub { grep { /round\\?":\s*$round\b/ } @{ $sse->{lines} } },
                  20, $sse),
       '  so does the SSE client');
    ws_finish($sse);
    close $ws->{sock};
    nginx_stop($n);
    $n = undef;
}

sio_require();

for my $transport (qw(polling websocket)) {
    my $topic = unique_topic("start-$transport");
    kafka_produce($topic, 'created');

    # a producer of its own, connected before: the record is in Kafka
    # milliseconds after the client says it is connected
    # (kcat -P would wait for the end of its input)
    open my $kp, '|-', $ENV{TEST_PYTHON} || '/usr/bin/python3', '-c',
        <<'_PY_', kafka_brokers(), $topic
import sys
from confluent_kafka import Producer
p = Producer({'bootstrap.servers': sys.argv[1]})
for line in sys.stdin:
    p.produce(sys.argv[2], line.rstrip('\n').encode())
    p.flush(10)
_PY_
        or die "python3: $!\n";
    $kp->autoflush(1);
    # a producer that died must fail the checks, not kill this file (and
    # leave its nginx behind)
    local $SIG{PIPE} = 'IGNORE';
    print {$kp} "warm\n";

    my $port = free_port();
    my $c = sio_open("http://127.0.0.1:$port",
                     { transports => [$transport], autoConnect => JSON::PP::false,
                       reconnection => JSON::PP::false },
                     name => "sio $transport");
    ok($c->wait_ev('ready', 20), "socket.io-client ($transport) loaded");

    $n = nginx_start(name => 'substart', workers => 1, port => $port,
                     http_config => "    eda_kafka_brokers "
                                    . "\$TEST_NGINX_KAFKA_BROKERS;\n"
                                    . "    eda_redis \$TEST_NGINX_REDIS_HOST:"
                                    . "\$TEST_NGINX_REDIS_PORT db=1;\n",
                     config => <<"_EOC_");
        location /socket.io/ {
            eda_socketio;
            eda_subscribe $topic;
        }
_EOC_
    my $t0 = time;
    $c->send({ cmd => 'connect' });
    my $e = $c->wait_ev('connect', 20);
    ok($e, "  $transport: connected to a new worker");
    my $took = time - $t0;

    print {$kp} "after-$transport\n";

    ok($c->wait(sub { $_->{ev} eq 'event'
                      && ($_->{args}[0]{data} // '') eq "after-$transport" },
                20),
       "  it receives the record written right after it connected "
       . sprintf('(connected %.2f s after the start)', $took));
    $c->send({ cmd => 'exit' });
    close $kp;
    nginx_stop($n);
    $n = undef;
}

done_testing();
