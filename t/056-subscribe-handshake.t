# Handshake options of eda_subscribe: the Origin allow-list
# (eda_ws_origin), for WebSocket and event streams, and subprotocol
# negotiation (eda_ws_subprotocols).

use strict;
use warnings;

use Test::More;
use EdaTest qw(unique_topic kafka_produce nginx_start nginx_stop);
use EdaWs qw(ws_server ws_base raw_request upgrade_headers);

my $topic = unique_topic('ws-handshake');
my $nginx;

END { nginx_stop($nginx) if $nginx }

kafka_produce($topic, 'seed');

$nginx = nginx_start(
    name => 'wshandshake',
    http_config => <<"_EOC_",
    eda_kafka_brokers \$TEST_NGINX_KAFKA_BROKERS;
_EOC_
    config => <<"_EOC_",
        location = /ws {
            eda_subscribe $topic;
            eda_ws_origin https://app.example.com http://localhost:3000;
            eda_ws_subprotocols v1.events.example v2.events.example;
        }
        location = /open {
            eda_subscribe $topic;
        }
_EOC_
);
ws_server($nginx);

# the response to a GET as received (a refusal's body after the head),
# the connection then closed; HEADERS as name => value pairs
sub head {
    my ($path, @headers) = @_;

    my $r = raw_request('GET', $path, @headers);
    close $r->{sock};
    return $r->{raw};
}

my @ws = upgrade_headers('dGhlIHNhbXBsZSBub25jZQ==');

my $r = head('/ws', @ws, Origin => 'https://app.example.com');
like($r, qr{^HTTP/1\.1 101 }, 'an allowed Origin: 101');

$r = head('/ws', @ws, Origin => 'HTTPS://APP.EXAMPLE.COM');
like($r, qr{^HTTP/1\.1 101 }, 'origins compare without case');

$r = head('/ws', @ws, Origin => 'http://localhost:3000');
like($r, qr{^HTTP/1\.1 101 }, 'the second allowed Origin: 101');

$r = head('/ws', @ws, Origin => 'https://evil.example.net');
like($r, qr{^HTTP/1\.1 403 }, 'another Origin: 403');
like($r, qr{application/problem\+json}, 'as a problem document');
like($r, qr{Origin is not allowed \(eda_ws_origin\)}, 'saying why');

$r = head('/ws', @ws, Origin => 'https://app.example.com.evil.net');
like($r, qr{^HTTP/1\.1 403 }, 'an Origin that only starts alike: 403');

$r = head('/ws', @ws);
like($r, qr{^HTTP/1\.1 101 }, 'no Origin (not a browser): 101');

$r = head('/ws', Accept => 'text/event-stream',
          Origin => 'https://evil.example.net');
like($r, qr{^HTTP/1\.1 403 }, 'event stream from another Origin: 403');

$r = head('/open', @ws, Origin => 'https://anything.example');
like($r, qr{^HTTP/1\.1 403 }, 'no eda_ws_origin: another site is refused');

$r = head('/open', @ws, Origin => 'http://' . ws_base());
like($r, qr{^HTTP/1\.1 101 }, 'no eda_ws_origin: the same host');

# subprotocols: the client's first choice that the server speaks

$r = head('/ws', @ws, 'Sec-WebSocket-Protocol' => 'chat, v2.events.example');
like($r, qr{\r\nSec-WebSocket-Protocol: v2\.events\.example\r\n}i,
     'the offered protocol the server speaks is chosen');

$r = head('/ws', @ws,
          'Sec-WebSocket-Protocol' => 'v2.events.example, v1.events.example');
like($r, qr{\r\nSec-WebSocket-Protocol: v2\.events\.example\r\n}i,
     "in the client's order of preference");

$r = head('/ws', @ws, 'Sec-WebSocket-Protocol' => 'chat',
          'Sec-WebSocket-Protocol' => 'v1.events.example');
like($r, qr{\r\nSec-WebSocket-Protocol: v1\.events\.example\r\n}i,
     'offers over several header lines');

$r = head('/ws', @ws, 'Sec-WebSocket-Protocol' => 'chat, v3');
like($r, qr{^HTTP/1\.1 101 }, 'no protocol in common: 101');
unlike($r, qr{Sec-WebSocket-Protocol}i, 'naming none');

$r = head('/ws', @ws);
unlike($r, qr{Sec-WebSocket-Protocol}i, 'none offered: none named');

$r = head('/open', @ws, 'Sec-WebSocket-Protocol' => 'v1.events.example');
unlike($r, qr{Sec-WebSocket-Protocol}i,
       'no eda_ws_subprotocols: none named');

done_testing();
