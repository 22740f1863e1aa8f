# Server-Sent Events and eda_ws_format data: the same eda_subscribe
# location answers "Accept: text/event-stream" with an event stream whose
# ids let a browser resume; "eda_ws_format data" sends the event's data
# alone, over WebSocket and SSE.  Events are written by kcat.

use strict;
use warnings;

use IO::Socket::INET;
use JSON::PP ();
use Test::More;
use Time::HiRes qw(sleep);
use EdaTest qw(unique_topic kafka_produce nginx_start nginx_stop
               nginx_reload nginx_workers http_get);
use EdaWs qw(ws_server ws_base ws_open sse_open sse_finish client_lines
             kafka_produce_ce read_bytes wait_connected);

my $topic = unique_topic('sse');
my $nginx;

END { nginx_stop($nginx) if $nginx }

kafka_produce($topic, 'seed', key => 'k');

$nginx = nginx_start(
    name => 'sse',
    http_config => <<"_EOC_",
    eda_kafka_brokers \$TEST_NGINX_KAFKA_BROKERS;
    eda_ws_history 10;
_EOC_
    config => <<"_EOC_",
        location = /events {
            eda_subscribe $topic;
            eda_ws_ping 1s;
        }
        location = /data {
            eda_subscribe $topic;
            eda_ws_format data;
        }
        location = /alice {
            eda_subscribe $topic;
            eda_subscribe_filter subject eq alice;
        }
        location = /nochunk {
            eda_subscribe $topic;
            chunked_transfer_encoding off;
        }
_EOC_
);

ws_server($nginx);
my $base = ws_base();

# an SSE client, its output read later with sse_finish()
sub sse {
    my ($path, $count, $timeout, @headers) = @_;

    return sse_open($path, count => $count, timeout => $timeout,
                    headers => \@headers);
}

sub ws {
    my ($path, $count, $timeout) = @_;

    return ws_open($path, count => $count, timeout => $timeout);
}

sub ce_id {
    my ($e) = @_;

    return eval { JSON::PP::decode_json($e->{data})->{id} } // '';
}

sub produce {
    my ($id, $subject, $type, $data) = @_;

    kafka_produce_ce($topic, id => $id, type => 't.sse', key => 'k',
                     subject => $subject, ct => $type, data => $data);
}

# the worker's consumer must be live before the real events
my $ready = 0;
for my $i (1 .. 40) {
    my $c = sse('/events', 1, 2);
    wait_connected($c);
    produce("warm-$i", 'nobody', 'text/plain', 'warm');
    my ($head, $events) = sse_finish($c);
    if (@$events && ce_id($events->[0]) eq "warm-$i") { $ready = 1; last }
}
ok($ready, 'the subscription is live');

my %c = (
    events => sse('/events', 3, 6),
    data   => sse('/data', 3, 6),
    wsdata => ws('/data', 3, 6),
    alice  => sse('/alice', 2, 6),
);
ok(wait_connected(values %c), 'three SSE clients and one WebSocket connected');

produce('e1', 'alice', 'application/json', '{"n":1}');
produce('e2', 'bob', 'text/plain', "line1\nline2\r\nline3");
produce('e3', 'alice', 'application/octet-stream', "\x00\xff\x01");

my ($head, $events, $end) = sse_finish($c{events});
is($head->{status}, 200, 'SSE: 200');
is($head->{headers}{'content-type'}, 'text/event-stream', 'content type');
is($head->{headers}{'cache-control'}, 'no-cache', 'not cached');
is($head->{headers}{'x-accel-buffering'}, 'no', 'not buffered by a proxy');
is($head->{headers}{'transfer-encoding'}, 'chunked', 'chunked');
is_deeply([map { ce_id($_) } @$events], [qw(e1 e2 e3)],
          'SSE: every event, in order');
is(scalar(grep { $_->{id} =~ /^eda1\.[A-Za-z0-9_-]+$/ } @$events), 3,
   'SSE: each event\'s id is its resume cursor');
my @cursors = map { $_->{id} } @$events;
is_deeply([map { $_->{event} } @$events], [qw(message message message)],
          'no event name: onmessage gets them');
my @ce = map { JSON::PP::decode_json($_->{data}) } @$events;
is($ce[0]{id}, 'e1', 'the data is the structured CloudEvent');
is_deeply($ce[0]{data}, { n => 1 }, 'JSON data embedded as JSON');
is($ce[1]{data}, "line1\nline2\r\nline3", 'text data kept whole');
is($ce[2]{data_base64}, 'AP8B', 'binary data as data_base64');
is($ce[2]{subject}, 'alice', 'attributes carried');

($head, $events) = sse_finish($c{data});
is_deeply([map { $_->{id} } @$events], \@cursors,
          'SSE data: the same cursors as ids');
is_deeply([map { $_->{event} } @$events], [qw(t.sse t.sse t.sse)],
          'SSE data: the event name is the type');
is($events->[0]{data}, '{"n":1}', 'SSE data: the JSON data itself');
is($events->[1]{data}, "line1\nline2\nline3",
   'SSE data: text over several lines (line ends as LF)');
is($events->[2]{data}, 'AP8B', 'SSE data: binary data in base64');

my @lines = client_lines($c{wsdata});
is_deeply(\@lines, ['CONNECTED', '{"n":1}', 'line1 line2  line3',
                    'BINARY 00ff01'],
          'WebSocket data: JSON and text in text frames, binary in binary');

($head, $events) = sse_finish($c{alice});
is_deeply([map { ce_id($_) } @$events], [qw(e1 e3)],
          'SSE: the server filter holds');
is_deeply([map { $_->{id} } @$events], [@cursors[0, 2]],
          'SSE: a filtered stream has the same cursors');

# durable resume: the cursor of e1, read back from Kafka by any worker

($head, $events) = sse_finish(sse('/events', 2, 6, "Last-Event-ID: $cursors[0]"));
is_deeply([map { ce_id($_) } @$events], [qw(e2 e3)],
          'SSE: Last-Event-ID with e1\'s cursor replays e2 e3 from Kafka');
is_deeply([map { $_->{id} } @$events], [@cursors[1, 2]],
          'SSE: ... with their cursors');

# resume: a browser reconnects with Last-Event-ID

($head, $events) = sse_finish(sse('/events', 2, 3, 'Last-Event-ID: e1'));
is_deeply([map { $_->{id} } @$events], [qw(e2 e3)],
          'SSE: Last-Event-ID e1 replays e2 e3');

($head, $events) = sse_finish(sse('/data?since=e2', 1, 3));
is_deeply([map { [$_->{id}, $_->{data}] } @$events], [['e3', 'AP8B']],
          'SSE data: ?since=e2 replays e3 in the data format');

($head, $events) = sse_finish(sse('/events?since=gone', 1, 3));
is(JSON::PP::decode_json($events->[0]{data} // '{}')->{type} // '',
   'eda.ws.resume.unavailable', 'SSE: an unknown id is said to be so');

# keepalive comments

my $s = IO::Socket::INET->new(PeerAddr => $base) or die;
print $s "GET /events HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n";
my $got = '';
read_bytes($s, \$got, 3, sub { $got =~ /\r\n:\n\r\n/ });
like($got, qr/\r\n2\r\n:\n\r\n/, 'eda_ws_ping sends a comment chunk');
close $s;

# refusals, as problem documents

my ($status, $body) = http_get($nginx, "/events");
is($status, 400, 'neither WebSocket nor event stream: 400');
like($body, qr{Accept: text/event-stream}, 'saying what was expected');

($status, $body) = http_get($nginx, "/nochunk",
                            Accept => "text/event-stream");
is($status, 500, 'chunked_transfer_encoding off: 500');
like($body, qr/chunked_transfer_encoding on/, 'naming the directive');

$s = IO::Socket::INET->new(PeerAddr => $base) or die;
print $s "GET /events HTTP/1.0\r\nAccept: text/event-stream\r\n\r\n";
$got = join '', <$s>;
like($got, qr{^HTTP/1\.1 400 .*need HTTP/1\.1}s, 'HTTP/1.0: 400');

# reload: the stream ends with an event saying why

my $c = sse('/events', 5, 10);
ok(wait_connected($c), 'reload: an SSE client connected');
my @before = nginx_workers($nginx);
nginx_reload($nginx);
($head, $events, $end) = sse_finish($c);
is($events->[-1]{event} // '', 'eda.close', 'reload: a last eda.close event');
is_deeply(JSON::PP::decode_json($events->[-1]{data} // '{}'),
          { code => 1001, reason => 'server shutting down' },
          'with the WebSocket close code and reason');
is($end->{end} // '', 'eof', 'then the stream ends');

my $gone = 0;
for (1 .. 100) {
    my %now = map { $_ => 1 } nginx_workers($nginx);
    if (!grep { $now{$_} } @before) { $gone = 1; last }
    sleep 0.1;
}
ok($gone, 'the old worker exits');

done_testing();
