# Limits of eda_subscribe that hold against what clients and producers
# send: an event larger than eda_ws_send_buffer still reaches clients
# whose queue is empty (and closes none of them); the history keeps no
# more bytes than its budget (the oldest events leave it first); without
# eda_ws_origin only pages of the same host may subscribe; a server
# filter whose value is empty (a missing claim) lets nothing through; the
# id echoed by eda.ws.resume.unavailable is always valid UTF-8.

use strict;
use warnings;

use Test::More;
use Time::HiRes qw(time);
use EdaTest qw(unique_topic kafka_produce nginx_start nginx_stop);
use EdaWs qw(:all);

ws_require();

my $nginx;

END { nginx_stop($nginx) if $nginx }

my %T = map { $_ => unique_topic("ws-limits-$_") } qw(big hist replay);

kafka_produce($T{$_}, 'seed', key => 'k') for sort keys %T;

$nginx = nginx_start(
    name => 'wslimits',
    http_config => <<"_EOC_",
    eda_kafka_brokers \$TEST_NGINX_KAFKA_BROKERS;
_EOC_
    config => <<"_EOC_",
        location = /big {
            eda_subscribe $T{big};
            eda_ws_send_buffer 4k;
        }
        location = /user {
            eda_subscribe $T{big};
            eda_subscribe_filter subject prefix \$arg_user;
        }
        location = /hist {
            eda_subscribe $T{hist};
            eda_ws_send_buffer 4k;
            eda_ws_history 100;
        }
        location = /replay {
            eda_subscribe $T{replay};
            eda_ws_send_buffer 4k;
            eda_ws_history 100;
        }
        location = /replay-wide {
            eda_subscribe $T{replay};
            eda_ws_send_buffer 256k;
            eda_ws_history 100;
        }
_EOC_
);
ws_server($nginx);

my $n = 0;

sub produce {
    my ($topic, $id, %e) = @_;

    kafka_produce_ce($topic, id => $id, type => 't.limits', key => 'k',
                     ct => 'application/json', subject => 'alice',
                     data => '{"n":1}', %e);
}

# until every client got a warm-up event of TOPIC: the consumer of the
# worker has joined
sub warm_up {
    my ($topic, @cs) = @_;

    my $deadline = time + 40;
    while (time < $deadline) {
        my $id = 'warm-' . ++$n;
        produce($topic, $id);
        return 1 if pump_until(sub {
            !grep { my $c = $_; !grep { /"id":"\Q$id\E"/ } @{ $c->{lines} } }
                  @cs
        }, 1, @cs);
    }
    return 0;
}

sub has_id {
    my ($c, $id) = @_;
    return grep { ($_->{id} // '') eq $id } ws_events($c);
}

# --------------------------------------------------------------------------
# a. one event over eda_ws_send_buffer (4k): ~40 KB of JSON

{
    my @cs = map { ws_open('/big', name => "big$_", timeout => 60) } 1 .. 2;
    my $alice = ws_open('/user?user=ali', name => 'alice', timeout => 60);
    my $nobody = ws_open('/user', name => 'nobody', timeout => 60);
    ok(wait_connected(@cs, $alice, $nobody), 'the clients connect');
    ok(warm_up($T{big}, @cs, $alice), 'the subscription is live');

    my $big = '{"text":"' . ('\u00e9' x 6000) . '"}';
    produce($T{big}, 'large', data => $big);
    produce($T{big}, 'after');

    pump_until(sub { !grep { !has_id($_, 'after') } @cs }, 15, @cs);

    for my $c (@cs) {
        my ($ev) = grep { ($_->{id} // '') eq 'large' } ws_events($c);
        ok($ev, "$c->{name}: the large event arrives");
        # ws_events() decodes the UTF-8 bytes as they are: 2 per character
        is(length($ev->{data}{text} // ''), 12000, "$c->{name}: in full");
        ok(has_id($c, 'after'), "$c->{name}: and the next one too");
        is(ws_close_line($c), undef, "$c->{name}: not closed");
    }

    # b. a server filter whose value is empty lets nothing through

    pump_until(sub { has_id($alice, 'after') }, 10, $alice);
    ok(has_id($alice, 'after'), 'a filter with a value delivers');
    pump_until(sub { 0 }, 1, $nobody);
    is_deeply([ ws_ids(ws_events($nobody)) ], [],
              'an empty filter value (no ?user=) delivers nothing');

    ws_finish(@cs, $alice, $nobody);
}

# --------------------------------------------------------------------------
# c. the history's byte budget: eda_ws_history 100 events, but no more
# bytes than eda_ws_send_buffer (4k): of ten events of ~1 KB, the newest
# few remain

{
    my $live = ws_open('/hist', name => 'live', timeout => 60);
    ok(wait_connected($live), 'a live client on /hist');
    ok(warm_up($T{hist}, $live), 'the history is filled by the consumer');

    my $pad = 'x' x 800;
    produce($T{hist}, "h$_", data => qq({"pad":"$pad","n":$_})) for 1 .. 10;
    pump_until(sub { has_id($live, 'h10') }, 15, $live);
    ok(has_id($live, 'h10'), 'the ten events are in');
    ws_finish($live);

    my $c = ws_open('/hist?since=h8', count => 2, timeout => 5);
    client_lines($c);
    is_deeply([ ws_ids(ws_events($c)) ], [qw(h9 h10)],
              '?since=h8: h9 h10 are still in the history');

    $c = ws_open('/hist?since=h2', count => 2, timeout => 3);
    client_lines($c);
    my @ev = ws_events($c);
    is($ev[0]{type} // '', 'eda.ws.resume.unavailable',
       '?since=h2: h2 left the history by its bytes, not its count');
    is(scalar @ev, 1, 'and nothing is replayed');

    # d. the id echoed back is valid UTF-8, whatever was asked

    $c = ws_open('/hist?since=%FF', count => 1, timeout => 5);
    client_lines($c);
    @ev = ws_events($c);
    is($ev[0]{type} // '', 'eda.ws.resume.unavailable',
       '?since=%FF: a valid text frame');
    is($ev[0]{data}{since}, '', 'without the invalid byte');
    is(ws_close_line($c), undef, 'and the client did not fail it');

    $c = ws_open('/hist?since=' . ('a' x 255) . '%C3%A9', count => 1,
                 timeout => 5);
    client_lines($c);
    @ev = ws_events($c);
    is($ev[0]{type} // '', 'eda.ws.resume.unavailable',
       'an id cut at 256 bytes inside a character: a valid text frame');
    is($ev[0]{data}{since}, 'a' x 255, 'cut before the character');
}

# --------------------------------------------------------------------------
# e. a replay larger than the client's budget (the ring of the topic keeps
# 256k for /replay-wide) is paced by what the client reads: a client that
# does not read at first still gets it all, in order, and stays open

{
    my $live = ws_open('/replay', name => 'live', timeout => 60);
    ok(wait_connected($live), 'a live client on /replay');
    ok(warm_up($T{replay}, $live), 'the consumer of /replay is live');

    my $pad = 'y' x 2000;
    kafka_produce_structured($T{replay}, 'k', map { +{
        specversion => '1.0', id => "r$_", type => 't.limits',
        source => '/test', datacontenttype => 'application/json',
        data => { pad => $pad, n => $_ } } } 1 .. 60);
    pump_until(sub { has_id($live, 'r60') }, 15, $live);
    ok(has_id($live, 'r60'), 'the sixty events are in');
    ws_finish($live);

    my $c = ws_open('/replay?since=r1', name => 'slow', slow => 2,
                    count => 59, timeout => 30);
    client_lines($c);
    is_deeply([ ws_ids(ws_events($c)) ], [ map { "r$_" } 2 .. 60 ],
              'a replay of ~120 KB over a 4k budget: all of it, in order');
    is(ws_close_line($c), undef, 'and the client is not closed');
}

# --------------------------------------------------------------------------
# f. Origin without eda_ws_origin: the same host, or none

{
    my $host = ws_base();
    my @ws = upgrade_headers();

    my $r = raw_request('GET', '/big', @ws, Origin => 'https://evil.example');
    close $r->{sock};
    is($r->{status}, 403, 'a page of another site: 403');
    like($r->{body} // '', qr{Origin}, 'saying why');

    $r = raw_request('GET', '/big', @ws, Origin => "http://$host");
    close $r->{sock};
    is($r->{status}, 101, 'a page of the same host: 101');

    $r = raw_request('GET', '/big', @ws, Origin => "http://\U$host");
    close $r->{sock};
    is($r->{status}, 101, 'the host compares without case');

    my ($ip, $port) = split /:/, $host;
    $r = raw_request('GET', '/big', @ws, Origin => "http://$ip:1$port");
    close $r->{sock};
    is($r->{status}, 403, 'the same host on another port: 403');

    $r = raw_request('GET', '/big', @ws, Origin => "http://$host.evil");
    close $r->{sock};
    is($r->{status}, 403, 'a host that only starts alike: 403');

    $r = raw_request('GET', '/big', @ws, Origin => 'null');
    close $r->{sock};
    is($r->{status}, 403, 'an opaque origin ("null"): 403');

    $r = raw_request('GET', '/big', @ws);
    close $r->{sock};
    is($r->{status}, 101, 'no Origin (not a browser): 101');

    $r = raw_request('GET', '/big', Accept => 'text/event-stream',
                     Origin => 'https://evil.example');
    close $r->{sock};
    is($r->{status}, 403, 'an event stream from another site: 403');

    $r = raw_request('GET', '/big', Accept => 'text/event-stream',
                     Origin => "http://$host");
    close $r->{sock};
    is($r->{status}, 200, 'an event stream from the same host: 200');
}

done_testing();
