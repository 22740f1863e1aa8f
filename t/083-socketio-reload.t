# Socket.IO connection state recovery across a reload and across a switch
# of gateway, with the real socket.io-client: the server names a session
# (pid) in CONNECT and every event's last argument is its cursor, so a
# client that reconnects sends both and is served what it missed from
# Kafka, by whichever worker of whichever gateway it lands on, and the
# client says socket.recovered.  Nothing is lost, nothing comes twice,
# each key's events come in order.

use strict;
use warnings;

use JSON::PP ();
use Test::More;
use EdaTest qw(unique_topic nginx_start nginx_stop nginx_reload
               kafka_produce_lines);
use EdaSio qw(sio_open sio_require sio_pump);

sio_require();

my $topic = unique_topic('sio-reload');   # three partitions (the broker's
my $CLIENTS = 20;                          # default for new topics)
my (@gw, $serial);

# the topic exists before nginx starts, as in production: a new worker's
# fan-out soon knows where it stands in it, and handshakes are answered
# at once (for a topic that does not exist yet they wait 3 s)
kafka_produce_lines($topic, [['created', 'created']]);

END { nginx_stop($_) for grep { $_ } @gw }

for my $name (qw(sioreload1 sioreload2)) {
    push @gw, nginx_start(
        name => $name,
        main_config => 'worker_processes 2;',
        http_config => "    eda_kafka_brokers \$TEST_NGINX_KAFKA_BROKERS;\n",
        config => <<"_EOC_",
        location /socket.io/ {
            eda_socketio;
            eda_subscribe $topic;
        }
_EOC_
    );
}

my @url = map { "http://127.0.0.1:$_->{port}" } @gw;
my @logs = map { $_->{log} } @gw;

# reconnection on (the default) and soon: 100 to 500 ms
my $opt = { transports => ['websocket'], reconnectionDelay => 100,
            reconnectionDelayMax => 500 };

# records FROM .. TO: keys spread over the partitions, a sequence per key
sub produce {
    my ($from, $to, $type) = @_;

    kafka_produce_lines($topic, [map {
        my $key = 'k' . ($_ % 7);
        [$key, JSON::PP::encode_json({
            specversion => '1.0', id => "e$_", source => '/test',
            type => $type // 't.durable',
            data => { key => $key, seq => $_ } })]
    } $from .. $to], headers => { 'content-type' =>
                                  'application/cloudevents+json' });
}

sub is_type {
    my ($l, $type) = @_;

    return ($l->{ev} // '') eq 'event' && $l->{name} eq $type;
}

# how many t.durable events a client had, counted as its lines come
sub durable {
    my ($c) = @_;

    $c->sync if $c->can('sync');
    my $seen = $c->{seen};
    for ($c->{counted} //= 0; $c->{counted} < @$seen; $c->{counted}++) {
        $c->{durable}++ if is_type($seen->[ $c->{counted} ], 't.durable');
    }
    return $c->{durable} // 0;
}

# the processes of the clients (sockets of one, or clients of their own)
sub procs {
    my ($cs) = @_;

    my %by = map { my $p = $_->{c} // $_; ($p->pid => $p) } @$cs;
    return [values %by];
}

sub all_have {
    my ($cs, $n, $timeout) = @_;

    return sio_pump(procs($cs), sub { !grep { durable($_) < $n } @$cs },
                    $timeout);
}

sub all_seen {
    my ($cs, $pred, $timeout) = @_;

    return sio_pump(procs($cs),
                    sub { !grep { !grep { $pred->($_) } $_->seen } @$cs },
                    $timeout);
}

# every one of the clients has had an event written after they connected
sub warm {
    my ($cs, $what) = @_;

    for my $i (1 .. 40) {
        my $id = 'warm-' . ++$serial;
        kafka_produce_lines($topic, [['w', JSON::PP::encode_json({
            specversion => '1.0', id => $id, source => '/test',
            type => 't.warm' })]], headers => { 'content-type' =>
                                     'application/cloudevents+json' });
        return 1 if all_seen($cs, sub { is_type($_[0], 't.warm')
                                        && $_[0]{args}[0]{id} eq $id }, 1);
    }
    return 0;
}

# every t.durable event of FROM .. TO exactly once, in order per key
sub check_run {
    my ($c, $from, $to) = @_;

    my @ev = map { $_->{args}[0]{data} } grep { is_type($_, 't.durable') }
             $c->seen;
    my (%n, %last, @late);
    for my $d (@ev) {
        $n{ $d->{seq} }++;
        push @late, $d->{seq}
            if defined $last{ $d->{key} } && $d->{seq} <= $last{ $d->{key} };
        $last{ $d->{key} } = $d->{seq};
    }
    my @missing = grep { !$n{$_} } $from .. $to;
    my @twice = sort { $a <=> $b } grep { $n{$_} > 1 } keys %n;
    my @alien = grep { $_ < $from || $_ > $to } keys %n;
    return 1 if !@missing && !@twice && !@late && !@alien;

    my $few = sub { join ' ', @_[0 .. ($#_ < 9 ? $#_ : 9)] };
    diag("$c->{name}: " . scalar(@ev) . ' events; missing '
         . $few->(@missing) . '; twice ' . $few->(@twice)
         . '; out of order ' . $few->(@late));
    return 0;
}

# --------------------------------------------------------------------------
# the other gateway's workers consume the topic too

my $probe = sio_open($url[1], $opt, name => 'probe');
ok($probe->wait_ev('connect', 20), 'a client of the second gateway');
ok(warm([$probe]), 'the second gateway serves the topic');
$probe->finish(5);

# --------------------------------------------------------------------------
# a reload in the middle of a stream: 20 clients, 500 events (20
# sockets of one node process, each with a connection of its own)

my $many = sio_open($url[0], $opt, count => $CLIENTS, lines => 1,
                    name => 'reload');
my @cs = map { $many->socket($_) } 0 .. $CLIENTS - 1;
ok(all_seen(\@cs, sub { $_[0]{ev} eq 'connect' }, 30),
   "$CLIENTS clients connected");
is(scalar(grep { !($_->wait_ev('connect', 0) || {})->{recovered} } @cs),
   $CLIENTS, 'each a new session');
ok(warm(\@cs), 'the first gateway serves them');

produce(1, 250);
ok(all_have(\@cs, 250, 30), 'each has the first 250');

nginx_reload($gw[0]);
ok(all_seen(\@cs, sub { $_[0]{ev} eq 'disconnect' }, 30),
   'the reload closes every client');
my @why = map { ($_->wait_ev('disconnect', 0) || {})->{reason} // '' } @cs;
is(scalar(grep { $_ eq 'transport close' } @why), $CLIENTS,
   'a transport close: the clients come back by themselves')
    or diag("@why");

produce(251, 500);
ok(all_have(\@cs, 500, 60), 'each has 500 after the reload');

# a last event: whatever might come twice comes before it
produce(0, 0, 't.end');
ok(all_seen(\@cs, sub { is_type($_[0], 't.end') }, 30),
   'and the event after them');

my @again = map { $_->wait_ev('connect', 0) } @cs;
is(scalar(grep { $_ && $_->{recovered} } @again), $CLIENTS,
   'each reconnected with socket.recovered true');
is(scalar(grep { check_run($_, 1, 500) } @cs), $CLIENTS,
   'every client has all 500, in order per key, none missing, none twice');
is(scalar(grep { !$_->wait_ev('connect', 0) } @cs), $CLIENTS,
   'each connected twice only');

$many->finish(5);

# --------------------------------------------------------------------------
# a gateway stopped in the middle of a stream: its clients go on at the
# other one (sio_client.js "switch": a new io() carrying the session)

my @sw = map { sio_open($url[0], $opt, name => "switch$_") } 1 .. 5;
ok(all_seen(\@sw, sub { $_[0]{ev} eq 'connect' }, 30),
   'five clients connected to the first gateway');
is(scalar(grep { !($_->wait_ev('connect', 0) || {})->{recovered} } @sw), 5,
   'each a new session');
ok(warm(\@sw), 'live');

produce(1001, 1100);
ok(all_have(\@sw, 100, 30), 'each has the first 100');

nginx_stop($gw[0]);
$gw[0] = undef;
ok(all_seen(\@sw, sub { $_[0]{ev} eq 'disconnect' }, 30),
   'the first gateway stopped: every client disconnected');
produce(1101, 1200);

$_->send({ cmd => 'switch', url => $url[1] }) for @sw;
ok(all_seen(\@sw, sub { $_[0]{ev} eq 'switch' && defined $_[0]{pid}
                        && defined $_[0]{offset} }, 10),
   'each carries its session (pid and offset) to the second gateway');
ok(all_have(\@sw, 200, 60), 'each has 200 there');
produce(0, 0, 't.end');
ok(all_seen(\@sw, sub { is_type($_[0], 't.end') }, 30),
   'and the event after them');

@again = map { $_->wait_ev('connect', 0) } @sw;
is(scalar(grep { $_ && $_->{recovered} } @again), 5,
   'recovered at the second gateway');
is(scalar(grep { check_run($_, 1001, 1200) } @sw), 5,
   'each has all 200, in order per key, none missing, none twice');

$_->finish(5) for @sw;

# --------------------------------------------------------------------------

for my $log (@logs) {
    open my $fh, '<', $log or die "$log: $!\n";
    my @bad = grep { /\[(?:alert|crit|emerg)\]|signal 11|core dumped/ } <$fh>;
    close $fh;
    is(scalar @bad, 0, "no alert, crit or crash in $log")
        or diag(join '', @bad[0 .. ($#bad < 4 ? $#bad : 4)]);
}

done_testing();
