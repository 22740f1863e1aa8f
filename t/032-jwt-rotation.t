# Key rotation with eda_jwt_key_file: the file changes (a new key added,
# later the old one removed) and nginx reloads while a client keeps
# sending requests with tokens valid before and after.  Tokens of the new
# key pass from the first request after the reload, tokens of the removed
# key are refused (even though both cache levels, shared memory and Redis,
# hold them as valid), and no request with a valid token fails.

use strict;
use warnings;

use HTTP::Tiny;
use JSON::PP ();
use POSIX ();
use Test::More;
use Time::HiRes qw(time sleep);
use EdaTest qw(redis_host redis_port redis_cmd nginx_start nginx_stop nginx_reload
               nginx_workers process_alive http_get wait_until repo_root);
use EdaJwt qw(jwt_keys jwt_token slurp);

my $json = JSON::PP->new->canonical;
my $K = jwt_keys();
my $dir = repo_root() . "/.eda/rotation-$$";
mkdir $dir;

my ($n, $load);

END {
    if ($load) {
        kill 'KILL', $load;
        waitpid $load, 0;
    }
    nginx_stop($n) if $n;
    unlink glob "$dir/*";
    rmdir $dir;
}

my %jwk = map { $_->{kid} => $_ } @{ $json->decode(slurp("$K/jwks.json"))->{keys} };

sub keys_file {
    my @kids = @_;
    open my $fh, '>', "$dir/keys.json.new" or die;
    print $fh $json->encode({ keys => [ map { $jwk{$_} } @kids ] });
    close $fh;
    rename "$dir/keys.json.new", "$dir/keys.json" or die;
}

# the old key is ES256, whose results go to Redis too (the second cache
# level), the new one RS256
my %token = (e1 => jwt_token('ES256', "$K/ec256.pem", kid => 'e1',
                             exp_in => 600),
             k2 => jwt_token('RS256', "$K/rsa2.pem", kid => 'k2',
                             exp_in => 600));

keys_file('e1');

$n = nginx_start(name => 'rotation', workers => 2,
                 http_config => sprintf(<<'_EOC_', redis_host(), redis_port(), "rotation-$$:"),
    eda_redis %s:%s timeout=2s prefix=%s;
    eda_jwt_cache shm_size=1m redis=on ttl=300s;
_EOC_
                 config => <<"_EOC_");
        eda_jwt_key_file $dir/keys.json;
        eda_jwt_algorithms RS256 ES256;

        location = /t {
            eda_jwt on;
            proxy_pass http://127.0.0.1:\$server_port/echo;
        }
        location = /echo {
            return 200 "ok\\n";
        }
_EOC_

sub status {
    my ($kid) = @_;
    return (http_get($n, '/t', Authorization => "Bearer $token{$kid}"))[0];
}

# the load: keep-alive requests with the token named in $dir/use, until
# $dir/stop exists; every status is counted in $dir/counts
sub start_load {
    my $pid = fork // die "fork: $!\n";
    return $pid if $pid;

    # the child never runs the END block (it would stop nginx)
    eval { load_loop(); 1 } or POSIX::_exit(1);
    POSIX::_exit(0);
}

sub load_loop {
    my $http = HTTP::Tiny->new(timeout => 10, keep_alive => 1);
    my (%count, @bad);
    while (!-e "$dir/stop") {
        my $kid = eval { slurp("$dir/use") } || 'e1';
        chomp $kid;
        my $res = $http->get("http://127.0.0.1:$n->{port}/t",
            { headers => { Authorization => "Bearer $token{$kid}" } });
        $count{ $res->{status} }++;
        push @bad, "$kid: $res->{status} $res->{content}"
            if $res->{status} != 200 && @bad < 5;
        if (($count{200} // 0) == 1) {
            open my $fh, '>', "$dir/running" or die;
            close $fh;
        }
    }
    open my $fh, '>', "$dir/counts" or die;
    print $fh $json->encode({ count => \%count, bad => \@bad });
    close $fh;
}

sub use_token {
    my ($kid) = @_;
    open my $fh, '>', "$dir/use.new" or die;
    print $fh "$kid\n";
    close $fh;
    rename "$dir/use.new", "$dir/use" or die;
}

# a reload is done when every process of before it has exited
sub reload {
    my @old = nginx_workers($n);
    nginx_reload($n);
    return wait_until(sub { !grep { process_alive($_) } @old }, 30);
}

is(status('e1'), 200, 'e1 in the file: its token passes');
is(status('k2'), 401, 'k2 not in the file yet: its token is refused');

use_token('e1');
$load = start_load();
ok(wait_until(sub { -e "$dir/running" }, 30), 'the load runs');

keys_file('e1', 'k2');
ok(reload(), 'k2 added, reloaded: the old workers are gone');
is(status('k2'), 200, 'the first request with a k2 token passes');
is(status('e1'), 200, 'e1 tokens still pass');

ok(wait_until(sub { redis_cmd('KEYS', "rotation-$$:jwt:*") ne '' }, 10),
   'Redis holds validated tokens (the second cache level)');

use_token('k2');
keys_file('k2');
ok(reload(), 'e1 removed, reloaded: the old workers are gone');
is(status('e1'), 401,
   'an e1 token is refused, though both cache levels hold it as valid');
is(status('k2'), 200, 'k2 tokens pass');

open my $fh, '>', "$dir/stop" or die;
close $fh;
waitpid $load, 0;
$load = undef;

my $r = $json->decode(slurp("$dir/counts"));
my $total = 0;
$total += $_ for values %{ $r->{count} };
my $failed = $total - ($r->{count}{200} // 0);
ok($total > 50, "the load sent $total requests through two reloads");
is($failed, 0, 'none of them failed')
    or diag explain $r;

done_testing();
