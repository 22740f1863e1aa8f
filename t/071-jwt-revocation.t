# Revocation and the shared L1 cache: eda_jwt_revocation is set per
# location, the shared memory zone serves every location.  A location
# without revocation caches a token it did not ask Redis about; a
# location with revocation must still ask before it trusts that entry,
# and keep the answer, however often the other location is used first.

use strict;
use warnings;

use Test::More;
use Time::HiRes qw(time sleep);
use EdaTest qw(redis_cmd redis_host redis_port redis_pid nginx_start
               nginx_stop nginx_reload nginx_workers http_get);
use EdaJwt qw(jwt_keys jwt_token);

my $K = jwt_keys();
my $prefix = "eda-test-$$:";
my $n;

END {
    my $pid = redis_pid();
    kill 'CONT', $pid if $pid;
    nginx_stop($n) if $n;
}

# first a long L1 lifetime, so that no entry expires during a check;
# then, after a reload, a short one

sub http_config {
    my ($ttl) = @_;
    return sprintf <<'_EOC_', redis_host(), redis_port(), $prefix, $ttl;
    eda_redis %s:%s timeout=2s prefix=%s;
    eda_jwt_cache shm_size=1m redis=on ttl=%s;

    log_format eda_no_args '$remote_addr - $remote_user [$time_local] '
                           '"$request_method $uri '
                           '$server_protocol" $status $body_bytes_sent '
                           '"$http_user_agent"';
_EOC_
}

my $config = <<"_EOC_";
        eda_jwt_key_file $K/jwks.json;
        eda_jwt_algorithms RS256 ES256;

        location = /open {
            eda_jwt on;
            proxy_set_header X-Sub \$eda_jwt_sub;
            proxy_pass http://127.0.0.1:\$server_port/echo;
        }
        location = /guarded {
            eda_jwt on;
            eda_jwt_revocation on;
            proxy_set_header X-Sub \$eda_jwt_sub;
            proxy_pass http://127.0.0.1:\$server_port/echo;
        }
        location = /query {
            access_log logs/no-args.log eda_no_args;
            eda_jwt on;
            eda_jwt_token \$arg_access_token;
            proxy_set_header X-Sub \$eda_jwt_sub;
            proxy_pass http://127.0.0.1:\$server_port/echo;
        }
        location = /echo {
            return 200 "\$http_x_sub\\n";
        }
_EOC_

$n = nginx_start(name => 'revocation', http_config => http_config('60s'),
                 config => $config, log_level => 'debug');

sub get {
    my ($path, $token) = @_;
    return http_get($n, $path, Authorization => "Bearer $token");
}

sub log_count {
    my ($re) = @_;
    open my $fh, '<', $n->{log} or die "$n->{log}: $!\n";
    my $c = 0;
    while (<$fh>) { $c++ if $_ =~ $re }
    return $c;
}

sub file_text {
    my ($file) = @_;
    open my $fh, '<', $file or return '';
    local $/;
    return <$fh> // '';
}

sub revoke {
    my ($jti) = @_;
    redis_cmd('SET', $prefix . "revoked:$jti", '1', 'EX', 600);
}

sub rs256 {
    my ($sub, $jti) = @_;
    return jwt_token('RS256', "$K/rsa.pem", kid => 'k1',
                     claims => qq({"sub":"$sub","jti":"$jti"}));
}

# polls /guarded until it answers 401 (bounded: 10 s)
sub refused_soon {
    my ($token) = @_;
    for (1 .. 40) {
        return 1 if (get('/guarded', $token))[0] == 401;
        sleep 0.25;
    }
    return 0;
}

# A token revoked before its first use, seen first where revocation is off

for my $alg ('RS256', 'ES256') {
    my $jti = "rev-$alg-$$";
    my $tok = $alg eq 'RS256'
              ? rs256('r', $jti)
              : jwt_token('ES256', "$K/ec256.pem", kid => 'e1',
                          claims => qq({"sub":"r","jti":"$jti"}));
    revoke($jti);

    my ($s, $body) = get('/open', $tok);
    is($s, 200, "$alg: the location without revocation accepts it");
    is($body, "r\n", "$alg: with its claims");

    my (undef, undef, $h);
    ($s, undef, $h) = get('/guarded', $tok);
    is($s, 401, "$alg: the location with revocation refuses it");
    like($h->{'www-authenticate'},
         qr/error="invalid_token", error_description="the token was revoked"/,
         "$alg: as revoked");

    my @again;
    for (1 .. 3) {
        push @again, (get('/open', $tok))[0], (get('/guarded', $tok))[0];
    }
    is("@again", '401 401 401 401 401 401',
       "$alg: and again within the L1 lifetime, /open asked first each "
       . "time (which now knows it revoked too)");
}

# A token that is not revoked: asked once, then the answer is cached

my $tok = rs256('ok', "ok-$$");
my $asked = log_count(qr/eda jwt: L1 entry not checked for revocation/);

is((get('/open', $tok))[0], 200, 'a valid token passes /open');
is((get('/guarded', $tok))[0], 200, 'and /guarded');
is(log_count(qr/eda jwt: L1 entry not checked for revocation/), $asked + 1,
   '/guarded asked Redis about the entry /open made');

is((get('/open', $tok))[0], 200, '/open again');
is((get('/guarded', $tok))[0], 200, '/guarded again');
is(log_count(qr/eda jwt: L1 entry not checked for revocation/), $asked + 1,
   'the answer was kept in L1: not asked again');
is(log_count(qr/eda jwt: verifying.*/), 3,
   'three tokens verified once each, every other request an L1 hit');

# Redis hangs when /guarded finds an entry of /open: the token is accepted
# on its signature within the timeout, and asked about again soon

SKIP: {
    my $pid = redis_pid();
    skip 'pausing Redis needs a Redis with its pid file in the state dir', 3
        unless $pid;

    my $hj = "hung-$$";
    my $th = rs256('h', $hj);
    is((get('/open', $th))[0], 200, 'Redis up: /open makes the entry');

    kill 'STOP', $pid;
    my $t0 = time;
    my ($sh) = get('/guarded', $th);
    my $took = time - $t0;
    kill 'CONT', $pid;

    ok($sh == 200 && $took < 4,
       sprintf('Redis hung: /guarded accepts it after the timeout '
               . '(%d, %.2f s)', $sh, $took));

    revoke($hj);

    ok(refused_soon($th), 'Redis back: the revocation is seen within seconds');
}

# A reload that shortens the L1 lifetime: a check made under the old one
# counts for the new one only, though the entry itself lives on

my $rl = "reload-$$";
my $tr = rs256('rl', $rl);
is((get('/guarded', $tr))[0], 200, 'checked, not revoked, for 60 s');

my @before = nginx_workers($n);
EdaTest::nginx_conf($n->{root}, $n->{port}, log_level => 'debug',
                    config => $config, http_config => http_config('1s'));
nginx_reload($n);

my $gone = 0;
for (1 .. 100) {
    my %now = map { $_ => 1 } nginx_workers($n);
    if (@before && !grep { $now{$_} } @before) { $gone = 1; last }
    sleep 0.1;
}
ok($gone, 'reloaded with ttl=1s');

revoke($rl);

ok(refused_soon($tr),
   'revoked: refused within the new lifetime, not the old one');

# The attack itself: each L1 lifetime, /open makes a fresh entry first

my $aj = "attack-$$";
my $ta = rs256('a', $aj);
revoke($aj);

my @seen;
for my $round (1 .. 3) {
    my $st;
    for (1 .. 50) {
        ($st) = get('/open', $ta);
        last if $st == 200;         # the last entry expired
        sleep 0.1;
    }
    push @seen, $st, (get('/guarded', $ta))[0];
}
is("@seen", '200 401 200 401 200 401',
   'every lifetime a fresh entry from /open, and /guarded refuses');

# A token in the query string, and a log format without it (docs/jwt.md)

my $tq = rs256('q', "q-$$");
my ($sq, $bq) = http_get($n, "/query?access_token=$tq&x=1");
is($sq, 200, 'the token from the query string');
is($bq, "q\n", 'with its claims');

my $logged = '';
for (1 .. 40) {
    $logged = file_text("$n->{root}/logs/no-args.log");
    last if $logged =~ m{"GET /query HTTP/1\.1" 200};
    sleep 0.1;
}
like($logged, qr{"GET /query HTTP/1\.1" 200}, 'the request is logged');
unlike($logged, qr/\Q$tq\E|access_token/, 'without the token');

unlike(file_text($n->{log}), qr/\[(?:alert|emerg)\]/,
       'no alert in the error log');

done_testing();
