# Resume: each worker keeps the last eda_ws_history events of a topic; a
# client that comes back with ?since=ID or Last-Event-ID gets what it
# missed, through its filters, or a message saying the history no longer
# reaches back that far.

use strict;
use warnings;

use JSON::PP ();
use Test::More;
use EdaTest qw(unique_topic kafka_produce nginx_start nginx_stop);
use EdaWs qw(ws_server ws_open ws_run client_lines kafka_produce_ce
             wait_connected);

my $topic = unique_topic('ws-resume');
my $nginx;

END { nginx_stop($nginx) if $nginx }

kafka_produce($topic, 'seed', key => 'k');

$nginx = nginx_start(
    name => 'wsresume',
    http_config => <<"_EOC_",
    eda_kafka_brokers \$TEST_NGINX_KAFKA_BROKERS;
_EOC_
    config => <<"_EOC_",
        location = /ws {
            eda_subscribe $topic;
            eda_ws_history 5;
        }
        location = /alice {
            eda_subscribe $topic;
            eda_ws_history 5;
            eda_subscribe_filter subject eq alice;
        }
_EOC_
);
ws_server($nginx);

sub produce {
    my ($id, $subject) = @_;

    kafka_produce_ce($topic, id => $id, type => 't.resume', key => 'k',
                     subject => $subject, ct => 'application/json',
                     data => qq({"n":"$id"}));
}

# runs a client to its end: (ids of the events, other lines)
sub client {
    my ($path, $count, $timeout, @headers) = @_;

    my (@ids, @other);
    for my $line (ws_run($path, count => $count, timeout => $timeout,
                         headers => \@headers))
    {
        my $ev = eval { JSON::PP::decode_json($line) };
        if ($ev) {
            push @ids, $ev->{id};
            push @other, $ev if $ev->{type} ne 't.resume';
        }
    }
    return (\@ids, \@other);
}

# the worker's consumer must have joined before the real events: warm up
# with a live client until one event reaches it
my $ready = 0;
for my $i (1 .. 40) {
    my $c = ws_open('/ws', count => 1, timeout => 2);
    wait_connected($c);
    produce("warm-$i", 'nobody');
    if (grep { /"id":"warm-$i"/ } client_lines($c)) { $ready = 1; last }
}
ok($ready, 'the subscription is live');

# the worker keeps what it fans out: once a live client has e1 .. e8,
# so does the history
my $live = ws_open('/ws', count => 8, timeout => 30);
ok(wait_connected($live), 'a live client connected');
my @subjects = qw(alice bob alice bob alice bob alice bob);
produce("e$_", $subjects[$_ - 1]) for 1 .. 8;
is_deeply([map { (eval { JSON::PP::decode_json($_) } || {})->{id} // () }
           client_lines($live)],
          [map { "e$_" } 1 .. 8], 'the worker consumed e1 .. e8');

my ($ids) = client('/ws?since=e5', 3, 4);
is_deeply($ids, [qw(e6 e7 e8)], '?since=e5 replays e6 e7 e8, in order');

($ids) = client('/ws', 2, 4, 'Last-Event-ID: e6');
is_deeply($ids, [qw(e7 e8)], 'Last-Event-ID: e6 replays e7 e8');

($ids) = client('/ws?since=e8', 1, 2);
is_deeply($ids, [], 'nothing missed: nothing replayed');

my $other;
($ids, $other) = client('/ws?since=e1', 1, 3);
is(scalar @$other, 1, 'e1 left the 5-event history: one message says so');
is($other->[0]{type} // '', 'eda.ws.resume.unavailable', 'its type');
is($other->[0]{data}{since} // '', 'e1', 'naming the id asked for');

($ids) = client('/alice?since=e4', 3, 3);
is_deeply($ids, [qw(e5 e7)], 'the server filter holds for replays too');

done_testing();
