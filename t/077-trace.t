# W3C Trace Context end to end, read back from Kafka and from the access
# log: a publish with a traceparent keeps the caller's trace and flags and
# gets a span of its own, with the caller's tracestate; the WebSocket
# client of the topic receives the event with that traceparent; without
# one a new trace starts; $eda_trace_id and $eda_span_id log the span the
# event carries; a saga started with a traceparent puts every command and
# progress event in that trace, each with a span of its own; each message
# a WebSocket client publishes starts a trace of its own, not the
# handshake's.  With eda_otel_exporter, the spans of that journey are at
# an OTLP receiver that decodes them with the official definitions: the
# publish, the delivery to the WebSocket client, the saga's start and
# every command and progress event, each record's span the one its
# traceparent names, children of the start or of a reply's span.

use strict;
use warnings;

use JSON::PP ();
use Test::More;
use EdaTest qw(kafka_produce kafka_record_at kafka_consume nginx_start
               nginx_stop http_post wait_until);
use EdaSaga qw(saga_setup saga_participant saga_start saga_wait
               saga_records);
use EdaWs qw(ws_server ws_require ws_open ws_run wait_connected pump_until
             ws_finish ws_events);
use EdaOtel qw(otel_receiver otel_spans);
use File::Path ();

my $json = JSON::PP->new->canonical;
my $nginx;

END { nginx_stop($nginx) if $nginx }

ws_require();

my $S = saga_setup(name => 'trace');
my $orders = "$S->{prefix}-orders";
my $chat = "$S->{prefix}-chat";
kafka_produce($_, 'created') for $orders, $chat, "$S->{prefix}-quiet";

my $TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
my $PARENT = '00f067aa0ba902b7';
my $TP = "00-$TRACE-$PARENT-01";
my $HEX = qr/[0-9a-f]/;

my $odir = ($ENV{EDA_STATE_DIR} || "$ENV{TEST_NGINX_EDA_ROOT}/.eda")
           . "/trace-otel-$$";
File::Path::make_path($odir);
my $otlp = otel_receiver($odir, 'trace');

# the span of trace TRACE with span id SPAN at the receiver, once there
sub exported {
    my ($trace, $cond) = @_;

    my $found;
    wait_until(sub {
        ($found) = grep { ($_->{traceId} // '') eq $trace && $cond->($_) }
                   otel_spans($otlp);
        return $found;
    }, 20);
    return $found // {};
}

sub attr { ($_[0]{attributes}{$_[1]} // {})->{stringValue} // '' }

$nginx = nginx_start(
    name => 'trace',
    http_config => $S->{http_config}
                   . "    eda_otel_exporter http://127.0.0.1:$otlp->{port} "
                   . "batch=16 interval=100ms;\n" . <<'_EOC_',
    log_format trace '$request_method $uri $status $eda_trace_id '
                     '$eda_span_id $eda_traceparent $before';
_EOC_
    config => $S->{config} . <<"_EOC_",
        access_log logs/trace.log trace;

        location = /orders {
            eda_publish $orders;
            eda_ce_type com.example.order.placed;
        }
        location = /feed {
            eda_subscribe $orders;
        }
        # the span taken before an internal redirect is the one after it
        location = /redirected {
            set \$before \$eda_span_id;
            error_page 418 = \@publish;
            return 418;
        }
        location \@publish {
            eda_publish $orders;
            eda_ce_type com.example.order.placed;
        }
        location = /chat {
            eda_subscribe $S->{prefix}-quiet;
            eda_ws_publish $chat;
        }
_EOC_
);
my $port = $nginx->{port};
ws_server($nginx);

# the access log's line for a request whose URI is PATH and has a status,
# the last such one, once it is written
sub logged {
    my ($path) = @_;

    my $line;
    wait_until(sub {
        open my $fh, '<', "$nginx->{root}/logs/trace.log" or return 0;
        ($line) = reverse grep { /^\S+ \Q$path\E \d+ / } <$fh>;
        return defined $line;
    }, 10);
    chomp $line if defined $line;
    return [split ' ', $line // ''];
}

sub publish {
    my (%h) = @_;

    my ($st, $body) = http_post($nginx, '/orders', '{"order":1}',
                                'Content-Type' => 'application/json', %h);
    my $ack = eval { $json->decode($body) } || {};
    my $rec = defined $ack->{offset}
        ? kafka_record_at($ack->{topic}, $ack->{partition}, $ack->{offset})
        : undef;
    return ($st, $ack, $rec ? $rec->{headers} : {});
}

# --------------------------------------------------------------------------
# publish with a traceparent, seen by a WebSocket client

my $ws = ws_open('/feed', count => 20, timeout => 60, name => 'feed');
ok(wait_connected($ws), 'a WebSocket client of the topic is connected');

# the consumer has the partitions once an event published now arrives
my ($st, $ack, $h);
for (1 .. 60) {
    ($st, $ack, $h) = publish(traceparent => $TP,
                              tracestate => 'congo=t61rcWkgMzE');
    last if pump_until(sub { grep { ($_->{id} // '') eq $ack->{id} }
                             ws_events($ws) }, 0.5, $ws);
}
is($st, 202, 'a publish with traceparent and tracestate: 202');

my $tp = $h->{ce_traceparent} // '';
like($tp, qr/^00-$TRACE-($HEX{16})-01$/,
     "the event's traceparent: the caller's trace and sampled flag");
my ($span) = $tp =~ /^00-$TRACE-($HEX{16})-01$/;
isnt($span // $PARENT, $PARENT, "and the gateway's own span, not the "
     . "caller's");
is($h->{ce_tracestate}, 'congo=t61rcWkgMzE', 'the tracestate passed on');

my $log = logged('/orders');
is($log->[3], $TRACE, '$eda_trace_id logs the trace');
is($log->[4], $span, '$eda_span_id the span the event carries');
is($log->[5], $tp, '$eda_traceparent the traceparent it carries');

ws_finish($ws);
my ($seen) = grep { ($_->{id} // '') eq ($ack->{id} // 'none') }
             ws_events($ws);
is($seen && $seen->{traceparent}, $tp,
   'the WebSocket frame carries the same traceparent');
is($seen && $seen->{tracestate}, 'congo=t61rcWkgMzE', 'and tracestate');

my $pspan = exported($TRACE, sub { ($_[0]{spanId} // '') eq ($span // '') });
is($pspan->{name}, "publish $orders", "the publish's span is exported");
is($pspan->{parentSpanId}, $PARENT, "a child of the caller's span");
my $dspan = exported($TRACE, sub { ($_[0]{parentSpanId} // '')
                                   eq ($span // '') });
is($dspan->{name}, "deliver $orders", 'the delivery to the WebSocket '
   . "client is exported, a child of the publish's span");
is($dspan->{kind}, 5, 'kind CONSUMER');
ok(attr($dspan, 'eda.clients') >= 1, 'to one client or more');
is(attr($dspan, 'messaging.message.id'), $ack->{id}, 'of that event');

# --------------------------------------------------------------------------
# without one, and with an invalid one: a new trace

($st, $ack, $h) = publish();
my ($nt, $ns) = ($h->{ce_traceparent} // '')
                =~ /^00-($HEX{32})-($HEX{16})-01$/;
ok($nt, 'a publish without traceparent: a new sampled trace');
isnt($nt // $TRACE, $TRACE, 'not the earlier one');
$log = logged('/orders');
is("$log->[3] $log->[4]", ($nt // '') . ' ' . ($ns // ''),
   'the access log has that trace and span');
ok(!exists $h->{ce_tracestate}, 'no tracestate');

($st, $ack, $h) = publish(traceparent => "00-$TRACE-$PARENT-zz",
                          tracestate => 'congo=x');
unlike($h->{ce_traceparent} // '', qr/$TRACE/,
       'an invalid traceparent is not continued');
ok(!exists $h->{ce_tracestate}, 'nor its tracestate passed on');

# --------------------------------------------------------------------------
# one span through an internal redirect

{
    my ($st2, $body2) = http_post($nginx, '/redirected', '{"order":2}',
                                  'Content-Type' => 'application/json');
    is($st2, 202, 'a publish after an internal redirect: 202');
    my $a2 = eval { $json->decode($body2) } || {};
    my $r2 = defined $a2->{offset}
        ? kafka_record_at($a2->{topic}, $a2->{partition}, $a2->{offset})
        : undef;
    my $l2 = logged('/redirected');
    my ($span2) = (($r2 && $r2->{headers}{ce_traceparent}) // '')
                  =~ /^00-$HEX{32}-($HEX{16})-01$/;
    ok($span2, 'its event has a traceparent');
    is($l2->[6], $span2 // 'none', 'the span read before the redirect is '
       . "the event's");
}

# --------------------------------------------------------------------------
# a saga: every command and progress event in the starting trace

like(saga_participant($S) // '', qr/READY/, 'the participant runs');

my $STP = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
my ($res, $started) = saga_start($port, 'checkout', { order => 3 },
                                 traceparent => $STP);
is($res->{status}, 202, 'a saga start with a traceparent: 202');
my $id = $started->{id} // 'none';
my $states = saga_wait($port, 'checkout', [$id], 60);
is(($states->{$id} // {})->{status}, 'completed', 'the saga completes');

my %topic = %{ $S->{topics} };
my @records = (saga_records($topic{events}, $id, 4),
               map { saga_records($topic{"$_.commands"}, $id, 1) }
                   qw(inventory payment shipping));
my @tps = map {
    my $v = eval { $json->decode($_->{payload}) } || {};
    $v->{traceparent} // 'none'
} @records;
is(scalar @tps, 7, 'four progress events and three commands');
is(scalar(grep { /^00-0af7651916cd43dd8448eb211c80319c-$HEX{16}-01$/ }
           @tps), 7, 'every one in the trace the start came with');
my %spans = map { substr($_, 36, 16) => 1 } @tps;
is(scalar keys %spans, 7, 'each with a span of its own');
ok(!$spans{b7ad6b7169203331}, "none the caller's span");

my $slog = logged('/checkout/');
is($slog->[3], '0af7651916cd43dd8448eb211c80319c',
   'the start is logged with the trace');

# the spans: the start's, every record's, children of the start or of a
# reply (the participant continues each command's trace in its reply)
my $ST = '0af7651916cd43dd8448eb211c80319c';
my $start = exported($ST, sub { ($_[0]{kind} // 0) == 2 });
is($start->{name}, 'start saga checkout', "the start's span is exported");
is($start->{parentSpanId}, 'b7ad6b7169203331', "a child of the caller's");
is($start->{spanId}, $slog->[4], 'the span the access log shows');
my %parents = (($start->{spanId} // 'none') => 'start');
for my $area (qw(inventory payment shipping)) {
    for (saga_records($topic{"$area.replies"}, $id, 1)) {
        my $v = eval { $json->decode($_->{payload}) } || {};
        my ($r) = ($v->{traceparent} // '') =~ /^00-$ST-($HEX{16})-01$/;
        $parents{$r} = 'reply' if $r;
    }
}
is(scalar(grep { $_ eq 'reply' } values %parents), 3,
   'each reply carries a span of the trace');
my (%kinds, %from);
for my $tp (@tps) {
    my $s = substr($tp, 36, 16);
    my $x = exported($ST, sub { ($_[0]{spanId} // '') eq $s });
    $kinds{ $x->{kind} // 0 }++;
    $from{ $parents{ $x->{parentSpanId} // '' } // 'elsewhere' }++;
    like($x->{name} // '', qr/^send \Q$S->{prefix}\E-/,
         "the record of span $s is exported as a send to its topic");
    is(attr($x, 'eda.saga.id'), $id, 'of the saga');
}
is($kinds{4}, 7, 'all seven PRODUCER spans');
ok(!$from{elsewhere}, 'each a child of the start or of a reply')
    or diag(explain(\%from));
ok(($from{reply} // 0) >= 3, "the records after a reply continue its span");

# --------------------------------------------------------------------------
# client publishing: a trace per message, not the handshake's

my @acks;
for my $n (1, 2) {
    my @lines = ws_run('/chat', count => 1, timeout => 10,
                       send => qq({"n":$n}),
                       headers => ["traceparent: $TP"]);
    my ($j) = grep { /^\{.*"eda\.ws\.ack"/ } @lines;
    push @acks, $j ? $json->decode($j) : {};
}
my @ct = map {
    my $r = defined $_->{offset}
        ? kafka_record_at($chat, $_->{partition}, $_->{offset}) : undef;
    $r ? $r->{headers}{ce_traceparent} // 'none' : 'none'
} @acks;
like($ct[0], qr/^00-$HEX{32}-$HEX{16}-01$/, 'a message published over the '
     . 'WebSocket has a traceparent');
unlike($ct[0], qr/$TRACE/, "not the handshake's trace");
isnt(substr($ct[0], 3, 32), substr($ct[1], 3, 32),
     'another message, another trace');

done_testing();
