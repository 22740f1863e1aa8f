# eda_jwt_jwks_url against a real HTTPS keys endpoint that nginx itself
# serves (a certificate made here by OpenSSL, trusted by the directive):
# the keys are fetched by one worker and used by all, refreshed in the
# background and when a token names an unknown kid (at most once per
# min_refresh), the last good keys are kept when the endpoint fails or
# answers garbage, kept across a reload, and an endpoint whose certificate
# is not trusted gives no keys (503, never an accepted token).

use strict;
use warnings;

use JSON::PP ();
use Test::More;
use Time::HiRes qw(time sleep);
use EdaTest qw(nginx_start nginx_stop nginx_reload nginx_workers nginx_pid
               process_alive http_get wait_until free_port repo_root);
use EdaJwt qw(jwt_keys jwt_token slurp);

my $json = JSON::PP->new->canonical;
my $K = jwt_keys();
my $dir = repo_root() . "/.eda/jwks-$$";
mkdir $dir;
mkdir "$dir/www";

my $n;

END {
    nginx_stop($n) if $n;
    system('rm', '-rf', $dir) if $dir;
}

# the endpoint's certificate, and another that nobody trusts
open my $stderr, '>&', \*STDERR or die;
open STDERR, '>', '/dev/null' or die;
for my $c (qw(idp other)) {
    system('openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes',
           '-keyout', "$dir/$c.key", '-out', "$dir/$c.crt", '-days', '2',
           '-subj', '/CN=127.0.0.1',
           '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost') == 0
        or die "openssl req failed\n";
}
open STDERR, '>&', $stderr or die;

my %jwk = map { $_->{kid} => $_ }
          @{ $json->decode(slurp("$K/jwks.json"))->{keys} };

sub publish {
    my ($body) = @_;
    open my $fh, '>', "$dir/www/jwks.json.new" or die;
    print $fh ref $body ? $json->encode({ keys => [ map { $jwk{$_} } @$body ] })
                        : $body;
    close $fh;
    rename "$dir/www/jwks.json.new", "$dir/www/jwks.json" or die;
}

my %token = map {
    $_ => jwt_token('RS256', $_ eq 'k1' ? "$K/rsa.pem" : "$K/rsa2.pem",
                    kid => $_, exp_in => 600)
} qw(k1 k2);
$token{zz} = jwt_token('RS256', "$K/rsa.pem", kid => 'zz', exp_in => 600);

publish(['k1']);

my $idp = free_port();
my $url = "https://127.0.0.1:$idp/jwks.json";

$n = nginx_start(name => 'jwks', workers => 2, log_level => 'info',
                 http_config => <<"_EOC_",
    log_format idp '\$request_uri \$status';

    server {
        listen 127.0.0.1:$idp ssl;
        ssl_certificate $dir/idp.crt;
        ssl_certificate_key $dir/idp.key;
        access_log $dir/idp.log idp;
        root $dir/www;
    }
_EOC_
                 config => <<"_EOC_");
        eda_jwt_algorithms RS256;

        location = /t {
            eda_jwt on;
            eda_jwt_jwks_url $url
                             refresh=4s min_refresh=2s timeout=2s
                             trusted_certificate=$dir/idp.crt;
            add_header X-Worker \$pid;
            proxy_pass http://127.0.0.1:\$server_port/echo;
        }
        location = /untrusted {
            eda_jwt on;
            eda_jwt_jwks_url https://127.0.0.1:$idp/jwks.json?other
                             trusted_certificate=$dir/other.crt;
            proxy_pass http://127.0.0.1:\$server_port/echo;
        }
        location = /echo {
            return 200 "ok\\n";
        }
_EOC_

sub get {
    my ($path, $kid) = @_;
    my @r = http_get($n, $path, Authorization => "Bearer $token{$kid}");
    return wantarray ? @r : $r[0];
}

# the GETs of the keys endpoint so far
sub fetches {
    open my $fh, '<', "$dir/idp.log" or return 0;
    return scalar grep { m{^/jwks\.json 200} } <$fh>;
}

sub fetch_lines {
    open my $fh, '<', "$dir/idp.log" or return 0;
    my @l = <$fh>;
    return scalar @l;
}

sub error_log {
    open my $fh, '<', $n->{log} or return ();
    return <$fh>;
}

# --------------------------------------------------------------------------
# fetched once, by one worker, for all

ok(wait_until(sub { fetches() >= 1 }, 20), 'the keys are fetched');
ok(wait_until(sub { get('/t', 'k1') == 200 }, 10),
   'a token of the fetched keys passes');
my (%worker, $failed);
for (1 .. 200) {
    my ($st, undef, $h) = get('/t', 'k1');
    $failed++ if $st != 200;
    $worker{ $h->{'x-worker'} // '' }++;
    last if keys %worker >= 2;
}
is(scalar(keys %worker), 2, 'requests reach both workers');
ok(!$failed, '  and pass in both');
my %fetcher = map { /^\S+ \S+ \[notice\] (\d+)#\d+: eda: keys of / ? ($1 => 1) : () }
              error_log();
is(scalar(keys %fetcher), 1, 'one of them fetched the keys');
is(get('/t', 'k2'), 401, 'a kid the keys lack is refused');

# --------------------------------------------------------------------------
# a new key published: the unknown kid fetches again, rate-limited

my $before = fetch_lines();
publish(['k1', 'k2']);
ok(wait_until(sub { get('/t', 'k2') == 200 }, 10),
   'the provider adds k2: its token passes after a fetch it caused');
my $t0 = time;
get('/t', 'zz') for 1 .. 20;
my $took = time - $t0;
my $extra = fetch_lines() - $before;
ok($extra <= 2 + int($took / 2),
   "20 tokens of an unknown kid in ${\ sprintf '%.1f', $took} s: "
   . "$extra fetches, at most one per min_refresh");
like(join('', error_log()),
     qr/names a kid the keys of "\Q$url\E" do not have: fetching them again/,
     'the fetch it caused is logged');

# --------------------------------------------------------------------------
# refreshed in the background: a key removed at the provider goes

publish(['k2']);
$before = fetches();
ok(wait_until(sub { fetches() > $before }, 15), 'a background refresh');
ok(wait_until(sub { get('/t', 'k1') == 401 }, 5),
   'k1, removed at the provider, is refused');
is(get('/t', 'k2'), 200, 'k2 passes');

# --------------------------------------------------------------------------
# the endpoint fails: the last good keys stay

publish('<html>not a key set</html>');
$before = fetch_lines();
ok(wait_until(sub { fetch_lines() > $before }, 15), 'a refresh gets garbage');
ok(wait_until(sub { grep { /not a key set: .*the last good keys are kept/ }
                    error_log() }, 5),
   'it is logged, saying the last good keys are kept');
is(get('/t', 'k2'), 200, 'and k2 still passes');

unlink "$dir/www/jwks.json";
$before = fetch_lines();
ok(wait_until(sub { fetch_lines() > $before }, 15), 'a refresh gets a 404');
ok(wait_until(sub { grep { /answered 404; the last good keys are kept/ }
                    error_log() }, 5),
   'logged too');
is(get('/t', 'k2'), 200, 'k2 still passes');

# --------------------------------------------------------------------------
# a reload: the keys are there from the first request

my @old = nginx_workers($n);
nginx_reload($n);
ok(wait_until(sub { !grep { process_alive($_) } @old }, 30), 'reloaded');
is(get('/t', 'k2'), 200, 'the first request after the reload passes');
ok(process_alive(nginx_pid($n)),
   'the master is alive once the old workers are gone');

# --------------------------------------------------------------------------
# a certificate nobody trusts: no keys, ever; 503, not 401 or 200

my ($st, $body, $h) = get('/untrusted', 'k2');
is($st, 503, 'keys from an untrusted server: 503');
like($body, qr/not fetched yet/, '  saying the keys are not fetched');
is($h->{'retry-after'}, '1', '  with Retry-After');
ok(wait_until(sub { grep { /certificate of "[^"]*\?other" is not trusted/ }
                    error_log() }, 10),
   'the untrusted certificate is logged');
ok(!grep({ /\[alert\]|\[crit\]|\[emerg\]/ } error_log()), 'no alert');

done_testing();
