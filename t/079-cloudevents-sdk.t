# The documented CloudEvents contract, checked with a client that is not
# the module's: the CloudEvents SDK for JavaScript (npm "cloudevents").
# Events made by the SDK and sent with its HTTP binding, binary and
# structured, are accepted; what lands in Kafka, in binary and in
# structured mode, and what a plain POST becomes, is read back with kcat
# and must be a valid CloudEvent to the SDK's Kafka binding, with the
# attributes docs/publishing.md promises.  A WebSocket subscriber's
# events are valid CloudEvents to the SDK too.

use strict;
use warnings;

use JSON::PP ();
use Test::More;
use EdaTest qw(unique_topic nginx_start nginx_stop kafka_record_at
               http_post repo_root kafka_produce);
use EdaWs qw(ws_server raw_ws next_frame);
use EdaSio qw(sio_node sio_require);

sio_require();

my $json = JSON::PP->new->canonical;
my $sdk = repo_root() . '/t/lib/ce_sdk.js';
my $topic = unique_topic('ce-sdk');
my $structured = unique_topic('ce-sdk-structured');
my $n;

END { nginx_stop($n) if $n }

# the topic exists first: the subscriber is answered at once
kafka_produce($topic, 'created');

$n = nginx_start(
    name => 'cesdk',
    http_config => "    eda_kafka_brokers \$TEST_NGINX_KAFKA_BROKERS;\n",
    config => <<"_EOC_",
        location = /events {
            eda_publish $topic;
            eda_ce_source /shop;
        }
        location = /events-structured {
            eda_publish $structured;
            eda_ce_source /shop;
            eda_ce_mode structured;
        }
        location = /plain {
            eda_publish $topic;
            eda_ce_source /shop;
            eda_ce_type com.example.plain;
        }
        location = /ws {
            eda_subscribe $topic;
        }
_EOC_
);

my $url = "http://127.0.0.1:$n->{port}";
ws_server($n);
my $ws = raw_ws('/ws');

# the SDK's event sent with its HTTP binding: the SDK's answer line
sub sdk_post {
    my ($path, $mode, $spec) = @_;

    open my $fh, '-|', sio_node(), $sdk, 'post', "$url$path", $mode,
         $json->encode($spec)
        or die "$sdk: $!\n";
    my $line = <$fh>;
    close $fh;
    return $json->decode($line // '{}');
}

# the record the module acknowledged, judged by the SDK's Kafka binding
sub sdk_decode {
    my ($topic, $answer) = @_;

    my $a = eval { $json->decode($answer) } || {};
    my $r = defined $a->{offset}
            ? kafka_record_at($topic, $a->{partition}, $a->{offset})
            : undef;
    return { valid => 0, error => "no record for the answer $answer" }
        unless $r;

    require IPC::Open2;
    local $SIG{PIPE} = 'IGNORE';    # a dead helper fails the checks only
    my $pid = IPC::Open2::open2(my $out, my $in, sio_node(), $sdk, 'decode');
    print {$in} $json->encode({ key => $r->{key}, value => $r->{payload},
                                headers => $r->{headers} });
    close $in;
    my $line = <$out>;
    waitpid $pid, 0;
    my $got = $json->decode($line // '{}');
    $got->{record} = $r;
    return $got;
}

# a WebSocket frame, judged by the SDK's CloudEvent constructor
sub sdk_check {
    my ($text) = @_;

    require IPC::Open2;
    local $SIG{PIPE} = 'IGNORE';
    my $pid = IPC::Open2::open2(my $out, my $in, sio_node(), $sdk, 'check');
    print {$in} $text;
    close $in;
    my $line = <$out>;
    waitpid $pid, 0;
    return $json->decode($line // '{}');
}

my $spec = {
    id => 'sdk-1', type => 'com.example.order.created',
    source => '/client/forged', subject => 'order-7',
    datacontenttype => 'application/json', data => { total => 12.5 },
    tenant => 'acme',
};

for my $case (['binary', '/events', $topic],
              ['structured', '/events', $topic],
              ['binary', '/events-structured', $structured])
{
    my ($mode, $path, $t) = @$case;
    my $what = "an SDK event in HTTP $mode mode to $path";

    my $res = sdk_post($path, $mode, $spec);
    is($res->{status}, 202, "$what: 202") or diag($res->{body});

    my $got = sdk_decode($t, $res->{body});
    ok($got->{valid}, '  the record is a valid CloudEvent to the SDK')
        or diag($got->{error});
    my $e = $got->{event} || {};
    is_deeply([map { $e->{$_} } qw(specversion id type subject tenant)],
              ['1.0', 'sdk-1', 'com.example.order.created', 'order-7',
               'acme'],
              '  with the client\'s id, type, subject and extension');
    is($e->{source}, '/shop', '  and the location\'s source, not the '
       . 'forged one');
    is_deeply($e->{data}, { total => 12.5 }, '  and its data');
}

# a plain request: a CloudEvent all the same, of the location's making
my ($status, $body) = http_post($n, '/plain', '{"n":1}',
                                'Content-Type' => 'application/json');
is($status, 202, 'a plain POST: 202');
my $got = sdk_decode($topic, $body);
ok($got->{valid}, '  its record is a valid CloudEvent to the SDK')
    or diag($got->{error});
my $e = $got->{event} || {};
is($e->{type}, 'com.example.plain', '  of the location\'s type');
is($e->{source}, '/shop', '  and source');
like($e->{id} // '', qr/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-/,
     '  with a random UUIDv4 id');
# the SDK fills specversion and time in when they are missing: the
# record's own headers must have them
my $h = $got->{record} ? $got->{record}{headers} : {};
is($h->{ce_specversion}, '1.0', '  the record says specversion 1.0 itself');
like($h->{ce_time} // '', qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/,
     '  and has a time of its own');
is_deeply($e->{data}, { n => 1 }, '  and the body as its data');

# the subscriber got the three events of the topic, in order
my @types;
for my $i (1 .. 3) {
    my $f = next_frame($ws, 20, 0x1);
    my $c = sdk_check($f ? $f->{payload} : '{}');
    ok($c->{valid}, "WebSocket event $i is a valid CloudEvent to the SDK")
        or diag($c->{error});
    push @types, $c->{event}{type} // '';
    is_deeply($c->{event}{data}, $i < 3 ? { total => 12.5 } : { n => 1 },
              '  with its data as JSON');
}
is_deeply(\@types, [('com.example.order.created') x 2, 'com.example.plain'],
          '  in the order they were published');

done_testing();
