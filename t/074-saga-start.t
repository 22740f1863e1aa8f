# Starting sagas safely: an Idempotency-Key is its caller's (the token's
# subject, the client address, or eda_saga_key_scope), the same key with
# another body is a 409, Location and href never carry the request's URI,
# an input above eda_saga_max_input is a 413, and a start whose Redis
# reply never came says the outcome is unknown (504) while a retry with
# its key answers the saga it did start.

use strict;
use warnings;

use HTTP::Tiny;
use IO::Select;
use IO::Socket::INET;
use JSON::PP ();
use POSIX ();
use Test::More;
use Time::HiRes qw(time sleep);
use EdaTest qw(nginx_start nginx_stop redis_host redis_port redis_cmd);
use EdaSaga qw(saga_setup saga_start);
use EdaJwt qw(jwt_keys jwt_token);

my $json = JSON::PP->new->canonical;
my $http = HTTP::Tiny->new(timeout => 10);
my ($nginx, $slow, $proxy);
my $uuid = qr/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}/;

END {
    nginx_stop($slow) if $slow;
    nginx_stop($nginx) if $nginx;
    kill 'TERM', $proxy if $proxy;
}

my $K = jwt_keys();
my $S = saga_setup(name => 'sagastart');
my $P = $S->{prefix};

$nginx = nginx_start(name => 'sagastart', http_config => $S->{http_config},
                     config => $S->{config} . <<"_EOC_");
        location /jwt/ {
            eda_jwt on;
            eda_jwt_key_file $K/hmac.key;
            eda_jwt_algorithms HS256;
            eda_saga checkout;
        }

        location /tenant/ {
            eda_saga_key_scope \$http_x_tenant;
            eda_saga checkout;
        }

        location /small {
            eda_saga_max_input 1k;
            eda_saga checkout;
        }
_EOC_

my $port = $nginx->{port};

sub post {
    my ($path, $body, %h) = @_;

    my $client = delete $h{client} || $http;
    my $res = $client->request('POST', "http://127.0.0.1:$port$path",
        { content => $body,
          headers => { 'Content-Type' => 'application/json', %h } });
    my $b = eval { $json->decode($res->{content}) } || {};
    return ($res, $b);
}

sub bearer {
    my ($sub) = @_;

    return 'Bearer ' . jwt_token('HS256', "$K/hmac.key",
                                 claims => qq({"sub":"$sub"}));
}

# --------------------------------------------------------------------------
# an Idempotency-Key is its caller's

my ($alice, $bob) = (bearer('alice'), bearer('bob'));
my ($ra, $ba) = post('/jwt/', '{"order":1}', Authorization => $alice,
                     'Idempotency-Key' => "$P-order-1");
my ($rb, $bb) = post('/jwt/', '{"order":1}', Authorization => $bob,
                     'Idempotency-Key' => "$P-order-1");
is($ra->{status}, 202, "alice's start: 202");
is($rb->{status}, 202, "bob's start with alice's key: 202");
like($ba->{id} // '', qr/^$uuid$/, 'alice has a saga');
isnt($bb->{id}, $ba->{id}, 'two subjects, one key: two sagas');
is($bb->{created}, JSON::PP::true, "bob's saga is created, not alice's");

my ($ra2, $ba2) = post('/jwt/', '{"order":1}', Authorization => $alice,
                       'Idempotency-Key' => "$P-order-1");
is($ra2->{status}, 202, "alice's retry: 202");
is($ba2->{id}, $ba->{id}, 'the same subject, key and body: the same saga');
is($ba2->{created}, JSON::PP::false, 'not created again');

my ($rc) = post('/jwt/', '{"order":2}', Authorization => $alice,
                'Idempotency-Key' => "$P-order-1");
is($rc->{status}, 409, 'the same key with another body: 409');
is($rc->{headers}{'content-type'}, 'application/problem+json',
   'a problem document');
like($rc->{content}, qr/another input/, 'saying why');
like($rc->{content}, qr/"title":"Conflict"/, 'titled Conflict');
unlike($rc->{content}, qr/$ba->{id}/, 'without the first saga id');

my $redis = redis_cmd('KEYS', "$P:saga:idem:*");
unlike($redis, qr/alice|bob/, 'the subjects are not in the Redis keys');

# without eda_jwt: the client address
my $other = HTTP::Tiny->new(timeout => 10, local_address => '127.0.0.2');
my ($r1, $b1) = post('/checkout/', '{"order":3}',
                     'Idempotency-Key' => "$P-order-3");
my ($r2, $b2) = post('/checkout/', '{"order":3}', client => $other,
                     'Idempotency-Key' => "$P-order-3");
my ($r3, $b3) = post('/checkout/', '{"order":3}',
                     'Idempotency-Key' => "$P-order-3");
is($r2->{status}, 202, 'a start from another address: 202');
isnt($b2->{id}, $b1->{id}, 'two addresses, one key: two sagas');
is($b3->{id}, $b1->{id}, 'one address, one key: one saga');

# eda_saga_key_scope
my ($t1, $c1) = post('/tenant/', '{}', 'X-Tenant' => 'red',
                     'Idempotency-Key' => "$P-t");
my ($t2, $c2) = post('/tenant/', '{}', 'X-Tenant' => 'blue',
                     'Idempotency-Key' => "$P-t");
my ($t3, $c3) = post('/tenant/', '{}', 'X-Tenant' => 'red',
                     'Idempotency-Key' => "$P-t", client => $other);
isnt($c2->{id}, $c1->{id}, 'eda_saga_key_scope: two scopes, two sagas');
is($c3->{id}, $c1->{id}, 'one scope from two addresses: one saga');

# --------------------------------------------------------------------------
# Location and href: the location's name and the id

my ($rl, $bl) = post('/checkout/%0d%0aSet-Cookie:%20injected=1', '{}');
is($rl->{status}, 202, 'a start under a URI with CR LF: 202');
ok(!exists $rl->{headers}{'set-cookie'}, 'no header injected');
like($rl->{headers}{location} // '', qr{^/checkout/$uuid$},
     'Location: the location and the id');
is($bl->{href}, $rl->{headers}{location}, 'href: the same');

my ($rs, $bs) = post('/small', '{}');
like($rs->{headers}{location} // '', qr{^/small/$uuid$},
     'a location without a trailing slash gets one');

# a regex location has no name to build hrefs from: refused by nginx -t
{
    my $root = "$nginx->{root}-regex";
    require File::Path;
    File::Path::make_path("$root/conf", "$root/logs");
    EdaTest::nginx_conf($root, $port, http_config => $S->{http_config},
                        config => <<'_EOC_');
        location ~ ^/(checkout)/ {
            eda_saga checkout;
        }
_EOC_
    my $out = `$nginx->{bin} -t -p $root/ -c $root/conf/nginx.conf 2>&1`;
    like($out, qr/"eda_saga" needs a prefix or exact location/,
         'eda_saga in a regex location: nginx -t says why');
}

# --------------------------------------------------------------------------
# eda_saga_max_input

my $big = '{"blob":"' . ('x' x (64 * 1024)) . '"}';
my ($rt) = post('/checkout/', $big);
is($rt->{status}, 413, 'an input above the default 64k: 413');
is($rt->{headers}{'content-type'}, 'application/problem+json',
   'a problem document');
like($rt->{content}, qr/at most 65536 bytes/, 'naming the limit');

($rt) = post('/small', '{"blob":"' . ('x' x 1100) . '"}');
is($rt->{status}, 413, 'eda_saga_max_input 1k: 1.1k is refused');
($rt) = post('/small', '{"blob":"' . ('x' x 900) . '"}');
is($rt->{status}, 202, 'and 0.9k starts');

my $sent = 0;
my $res = $http->request('POST', "http://127.0.0.1:$port/small",
    { content => sub { $sent++ ? undef : '{"blob":"' . 'x' x 2000 . '"}' },
      headers => { 'Content-Type' => 'application/json' } });
is($res->{status}, 413, 'a chunked input above it: 413');

# --------------------------------------------------------------------------
# a Redis reply that never came in time: the outcome is unknown

# a relay to Redis that holds the replies after the first keyed start for
# HOLD seconds: the start runs in Redis, its answer comes too late
sub redis_relay {
    my ($hold) = @_;

    my $ls = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                   Listen => 16, ReuseAddr => 1)
        or die "relay: $!\n";
    my $pid = fork // die "fork: $!\n";
    return ($pid, $ls->sockport) if $pid;

    my $sel = IO::Select->new($ls);
    my (%peer, %up, %held, $until, $armed);
    $armed = 1;

    for ( ;; ) {
        for my $fh ($sel->can_read(0.05)) {
            if ($fh == $ls) {
                my $c = $ls->accept or next;
                my $u = IO::Socket::INET->new(PeerAddr => redis_host(),
                                              PeerPort => redis_port())
                    or POSIX::_exit(1);
                @peer{$c, $u} = ($u, $c);
                $up{$u} = 1;
                $sel->add($c, $u);
                next;
            }

            my $n = sysread($fh, my $buf, 65536);
            if (!$n) {
                $sel->remove($fh, $peer{$fh});
                close $peer{$fh};
                close $fh;
                next;
            }

            if (!$up{$fh}) {
                if ($armed && $buf =~ /saga:idem:/) {
                    $armed = 0;
                    $until = time + $hold;
                    $held{ $peer{$fh} } = '';
                }
                syswrite($peer{$fh}, $buf);
            } elsif (exists $held{$fh}) {
                $held{$fh} .= $buf;
            } else {
                syswrite($peer{$fh}, $buf);
            }
        }

        if (defined $until && time >= $until) {
            syswrite($peer{$_}, $held{$_}) for grep { $peer{$_} } keys %held;
            %held = ();
            undef $until;
        }
    }
}

my $relay_port;
($proxy, $relay_port) = redis_relay(1.5);

(my $slow_http = $S->{http_config}) =~
    s/eda_redis \S+ /eda_redis 127.0.0.1:$relay_port timeout=300ms /;
$slow = nginx_start(name => 'sagastart-slow', http_config => $slow_http,
                    config => $S->{config});

my ($ru) = saga_start($slow->{port}, 'checkout', { order => 9 },
                      'Idempotency-Key' => "$P-slow");
is($ru->{status}, 504, 'no answer from Redis in time: 504, not 503');
is($ru->{headers}{'content-type'}, 'application/problem+json',
   'a problem document');
like($ru->{content}, qr/may or may not have started/,
     'saying the outcome is unknown');
like($ru->{content}, qr/same Idempotency-Key/,
     'and that a retry with the key is safe');
my ($href) = $ru->{content} =~ m{(/checkout/$uuid)};
ok($href, 'naming the saga it would be');

# the held reply arrives: the relay forwards again
my $state;
for (1 .. ($href ? 100 : 0)) {
    my $g = $http->get("http://127.0.0.1:$slow->{port}$href");
    if ($g->{status} == 200) {
        $state = $json->decode($g->{content});
        last;
    }
    sleep 0.1;
}
is($state->{input}{order}, 9, 'the start did run in Redis');

my ($rr, $br) = saga_start($slow->{port}, 'checkout', { order => 9 },
                           'Idempotency-Key' => "$P-slow");
is($rr->{status}, 202, 'the retry with the key: 202');
is($br->{href}, $href, 'the saga that did start');
is($br->{created}, JSON::PP::false, 'not a second one');

done_testing();
