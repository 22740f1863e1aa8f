# A client that connects while its worker is new (nginx just started, or
# reloaded), before the worker's fan-out consumer has its partitions: it
# is answered once the fan-out knows where it starts, so every record
# written after its handshake reaches it, as docs/websocket.md promises.
# A WebSocket client of this file's own (its handshake takes a
# millisecond, far less than a consumer's join) and an SSE client, each
# right after a start of nginx; a record is written the moment both are
# connected.

use strict;
use warnings;

use Test::More;
use Time::HiRes qw(time sleep);
use EdaTest qw(nginx_start nginx_stop unique_topic kafka_produce);
use EdaWs qw(ws_server sse_open wait_connected pump_until ws_finish raw_ws
             next_frame);

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

done_testing();
