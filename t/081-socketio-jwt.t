# eda_socketio with eda_jwt: the token comes in CONNECT's auth payload
# (io(url, {auth: {token}})), never from the handshake.  Admitted, the
# socket's filters and the attributes of what it publishes are evaluated
# with its claims ($eda_jwt_sub); refused, the client gets a
# connect_error ("unauthorized" 401, "forbidden" 403 for a claim
# eda_jwt_require_claim asks for); at the token's exp the server
# disconnects the socket for good ("io server disconnect": the client
# does not come back by itself).

use strict;
use warnings;

use JSON::PP ();
use Test::More;
use Time::HiRes qw(time);
use EdaTest qw(unique_topic nginx_start nginx_stop kafka_produce_lines
               kafka_record_at);
use EdaJwt qw(jwt_keys jwt_token);
use EdaSio qw(sio_open sio_require);

sio_require();

my $K = jwt_keys();
my $topic = unique_topic('sio-jwt');
my $out = unique_topic('sio-jwt-out');
my $n;

# the topic exists before nginx starts, as in production: a new worker's
# fan-out soon knows where it stands in it, and handshakes are answered
# at once (for a topic that does not exist yet they wait 3 s)
kafka_produce_lines($topic, [['created', 'created']]);

END { nginx_stop($n) if $n }

my $jwt = <<"_EOC_";
            eda_jwt on;
            eda_jwt_key_file $K/hmac.key;
            eda_jwt_algorithms HS256;
_EOC_

$n = nginx_start(
    name => 'siojwt',
    http_config => "    eda_kafka_brokers \$TEST_NGINX_KAFKA_BROKERS;\n",
    config => <<"_EOC_",
        location /socket.io/ {
            eda_socketio;
$jwt
            eda_subscribe $topic;
            eda_subscribe_filter subject eq \$eda_jwt_sub;
            eda_ws_publish $out;
            eda_ce_source /test/sio-jwt;
            eda_ce_subject \$eda_jwt_sub;
        }
        location /scoped/ {
            eda_socketio;
$jwt
            eda_jwt_require_claim scope orders;
            eda_subscribe $topic;
        }
_EOC_
);

my $url = "http://127.0.0.1:$n->{port}";
my $T = JSON::PP::true;
my $F = JSON::PP::false;

# a client that does not reconnect unless told to
sub client {
    my ($name, $token, %o) = @_;

    my $opt = { transports => ['websocket'], reconnection => $F, %o };
    $opt->{auth} = { token => $token } if defined $token;
    return sio_open($url, $opt, name => $name);
}

sub token {
    my ($claims, %o) = @_;

    return jwt_token('HS256', "$K/hmac.key",
                     claims => JSON::PP::encode_json($claims), %o);
}

sub produce {
    my (@events) = @_;

    kafka_produce_lines($topic, [map {
        ['k', JSON::PP::encode_json({
            specversion => '1.0', source => '/test', type => 't.jwt',
            data => { n => 1 }, %$_ })]
    } @events], headers => { 'content-type' =>
                             'application/cloudevents+json' });
}

sub ids { map { $_->{args}[0]{id} } @_ }

# --------------------------------------------------------------------------
# admitted: each user sees only the events of its subject

my $alice = client('alice', token({ sub => 'alice' }));
my $bob = client('bob', token({ sub => 'bob' }));

my $e = $alice->wait_ev('connect', 20);
ok($e, 'a valid token in the auth payload: connected');
is($e && $e->{recovered}, $F, 'a new session');
ok($bob->wait_ev('connect', 20), 'another user connected');

# the worker's consumer reads the topic: a record written after the
# clients connected reaches its user
my $live;
for my $i (1 .. 40) {
    produce({ id => "warm-$i", subject => 'alice', type => 't.warm' });
    $live = $alice->wait(sub { $_->{ev} eq 'event'
                               && $_->{args}[0]{id} eq "warm-$i" }, 1);
    last if $live;
}
ok($live, 'the subscription is live');

# in one partition, in this order: each user's last one comes after
# everything the other user could have been sent by mistake
produce(map { { id => $_, subject => /^a/ ? 'alice' : 'bob' } }
        qw(a1 b1 a2 b2 a3 b3));
ok($alice->wait(sub { $_->{ev} eq 'event' && $_->{args}[0]{id} eq 'a3' },
                10), 'alice has her last event');
ok($bob->wait(sub { $_->{ev} eq 'event' && $_->{args}[0]{id} eq 'b3' }, 10),
   'bob has his');
is_deeply([ids(grep { $_->{args}[0]{type} eq 't.jwt' } $alice->events)],
          [qw(a1 a2 a3)],
          'alice sees hers, not bob\'s: the filter took her token\'s sub');
is_deeply([ids($bob->events)], [qw(b1 b2 b3)],
          'bob sees his only (not even alice\'s warm-up events)');
is(scalar(grep { $_->{args}[0]{subject} ne 'alice' } $alice->events), 0,
   'nothing of another subject reached alice');

# what a user emits carries its sub, read back from Kafka

for my $c ($alice, $bob) {
    my $ack = $c->emit_ack('com.example.note', [{ text => "from $c->{name}" }],
                           wait => 20);
    my $a = ($ack && $ack->{args}[0]) || {};
    like($a->{id} // '', qr/^[0-9a-f-]{36}$/, "$c->{name}'s event acked");
    my $rec = defined $a->{offset}
              ? kafka_record_at($out, $a->{partition}, $a->{offset}) : undef;
    is($rec && $rec->{headers}{ce_subject}, $c->{name},
       "$c->{name}'s event on Kafka: eda_ce_subject \$eda_jwt_sub is "
       . "the token's sub");
    is($rec && $rec->{headers}{ce_id}, $a->{id}, 'the acked one');
    is_deeply($rec && eval { JSON::PP::decode_json($rec->{payload}) },
              { text => "from $c->{name}" }, 'with its data');
}

$alice->finish(5);
$bob->finish(5);

# --------------------------------------------------------------------------
# refused: connect_error, with the status in its data

sub refused {
    my ($what, $token, $message, $status, %o) = @_;

    my $c = client($what, $token, %o);
    my $got = $c->wait(sub { $_->{ev} eq 'connect_error'
                             || $_->{ev} eq 'connect' }, 20);
    is($got && $got->{ev}, 'connect_error', "$what: refused");
    is($got && $got->{message}, $message, "$what: \"$message\"");
    is($got && ref $got->{data} eq 'HASH' && $got->{data}{status}, $status,
       "$what: data.status $status");
    like($got && ref $got->{data} eq 'HASH' && $got->{data}{detail} // '',
         qr/\S/, "$what: a detail")
        and note("$what: $got->{data}{detail}");
    $c->finish(5);
}

refused('no token', undef, 'unauthorized', 401);
refused('an empty token', '', 'unauthorized', 401);
refused('an expired token', token({ sub => 'alice' }, exp_in => -30),
        'unauthorized', 401);

my $other = "$K/other-hmac.key";
if (!-f $other) {
    open my $fh, '>', $other or die "$other: $!\n";
    print $fh unpack('H*', join '', map { chr int rand 256 } 1 .. 64);
    close $fh;
}
refused('a bad signature',
        jwt_token('HS256', $other, claims => '{"sub":"alice"}'),
        'unauthorized', 401);
refused('not a token', 'not.a.token', 'unauthorized', 401);
refused('a token that is not a string', 42, 'unauthorized', 401);

# the token is never read from the handshake
my $q = token({ sub => 'alice' });
refused('a token in the URL only', undef, 'unauthorized', 401,
        query => { access_token => $q }, extraHeaders =>
        { Authorization => "Bearer $q" });

# a claim eda_jwt_require_claim asks for

refused('a token without the required claim',
        token({ sub => 'alice' }), 'forbidden', 403, path => '/scoped/');
refused('a token with another value of it',
        token({ sub => 'alice', scope => 'billing' }), 'forbidden', 403,
        path => '/scoped/');
my $ok = client('scoped', token({ sub => 'alice', scope => 'orders' }),
                path => '/scoped/');
is(($ok->wait(sub { $_->{ev} =~ /^connect/ }, 20) // {})->{ev}, 'connect',
   'with the claim: connected');
$ok->finish(5);

# --------------------------------------------------------------------------
# expiring: disconnected by the server at exp, and not reconnecting

my $short = client('short', token({ sub => 'alice' }, exp_in => 3),
                   reconnection => $T, reconnectionDelay => 100,
                   reconnectionDelayMax => 200);
my $t0 = time;
ok($short->wait_ev('connect', 20), 'a token about to expire: connected');
my $d = $short->wait_ev('disconnect', 15);
my $took = time - $t0;
is($d && $d->{reason}, 'io server disconnect',
   'disconnected by the server at exp ("io server disconnect")');
ok($d && $took > 1 && $took < 8,
   sprintf('when exp passed (%.1f s after connecting)', $took));

# were it to reconnect (reconnection on, 100-200 ms apart), it would have
# tried many times within this bound
my @seen = $short->seen;
my ($at) = grep { $d && $seen[$_] == $d } 0 .. $#seen;
my %before = map { $seen[$_] => 1 } 0 .. ($at // $#seen);
my $again = $short->wait(sub {
    !$before{$_} && $_->{ev} =~ /^(?:reconnect_attempt|open|connect)$/
}, 2);
ok(!$again, 'no reconnection attempt: the server said it was over')
    or diag(JSON::PP::encode_json($again));
$short->finish(5);

# --------------------------------------------------------------------------

open my $fh, '<', $n->{log} or die "$n->{log}: $!\n";
my @bad = grep { /\[(?:alert|crit|emerg)\]|signal 11|core dumped/ } <$fh>;
close $fh;
is(scalar @bad, 0, 'no alert, crit or crash in the error log')
    or diag(join '', @bad[0 .. ($#bad < 4 ? $#bad : 4)]);

done_testing();
