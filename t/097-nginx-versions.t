# The module against other nginx versions than the installed one: for
# each entry of NGINX_VERSIONS (default: Debian trixie's and sid's nginx
# source packages), "./build.sh build-matrix" builds nginx with
# --with-compat and the module against it (warnings are errors); each
# binary then loads its module, publishes through eda_publish and the
# record is read back from Kafka.  A module built for another version is
# refused by name.  The builds stay in $EDA_STATE_DIR/build-nginx/VERSION
# and make rebuilds only what changed, so only a first run compiles nginx.

use strict;
use warnings;

use Test::More;
use JSON::PP ();
use EdaTest qw(unique_topic nginx_start nginx_stop http_post
               kafka_record_at repo_root);

my $root = $ENV{TEST_NGINX_EDA_ROOT} || repo_root();
my @nginx;

END { nginx_stop($_) for @nginx }

# "ENTRY VERSION KIND DIR" lines; the build's progress goes to stderr
open my $fh, '-|', "$root/build.sh", 'build-matrix'
    or die "build.sh: $!\n";
my @matrix = map { [split ' '] } grep { /\S/ } <$fh>;
if (!ok(close($fh), 'build-matrix builds every entry')) {
    diag('build-matrix failed: see its output above');
    done_testing();
    exit;
}

my %entries = map { $_->[0] => 1 } @matrix;
for my $e (split ' ', $ENV{NGINX_VERSIONS} || 'trixie sid') {
    ok($entries{$e}, "$e is in the matrix");
}

# the module built by "./build.sh build" for the installed nginx
my $installed = $ENV{TEST_NGINX_LOAD_MODULES}
    || "$root/.eda/build/objs/ngx_eda_module.so";
my $installed_ver = `nginx -v 2>&1` =~ m{nginx/(\S+)} ? $1 : '';

for my $m (@matrix) {
    my ($entry, $ver, $kind, $dir) = @$m;
    my $bin = "$dir/objs/nginx";
    my $so = "$dir/objs/ngx_eda_module.so";

    ok(-s $so, "$entry: ngx_eda_module.so built against nginx $ver");

    if ($kind ne 'full') {
        SKIP: {
            skip "$entry: only nginx-dev $ver to be had (its source"
                 . " package cannot be downloaded): the module compiles,"
                 . " nothing runs it", 1;
        }
        next;
    }

    like(scalar `$bin -V 2>&1`, qr{nginx/\Q$ver\E.*--with-compat}s,
         "$entry: nginx $ver built with --with-compat");

    local $ENV{TEST_NGINX_BINARY} = $bin;
    local $ENV{TEST_NGINX_LOAD_MODULES} = $so;

    my $topic = unique_topic("versions-$ver");
    my $n = nginx_start(
        name => "versions-$ver",
        http_config => <<"_EOC_",
    eda_kafka_brokers \$TEST_NGINX_KAFKA_BROKERS;
_EOC_
        config => <<"_EOC_",
        location = /publish {
            eda_publish $topic;
            eda_ce_type com.example.versions;
            eda_ce_source /versions;
        }
_EOC_
    );
    push @nginx, $n;

    my $body = qq({"nginx":"$ver"});
    my ($status, $answer) = http_post($n, '/publish', $body,
                                      'Content-Type' => 'application/json');
    is($status, 202, "$entry: nginx $ver publishes (202)")
        or diag($answer);

    my $ack = eval { JSON::PP::decode_json($answer) } || {};
    is($ack->{topic}, $topic, "$entry: the answer names the topic");

    my $r = defined $ack->{offset}
          ? kafka_record_at($topic, $ack->{partition}, $ack->{offset})
          : undef;
    is($r && $r->{payload}, $body, "$entry: the record is in Kafka");
    is($r && $r->{headers}{ce_type}, 'com.example.versions',
       "$entry: with its CloudEvent type");

    nginx_stop($n);
    @nginx = grep { $_ != $n } @nginx;

    open my $log, '<', $n->{log} or die "$n->{log}: $!\n";
    my @bad = grep { /\[(?:error|alert|emerg|crit)\]/ } <$log>;
    is(scalar @bad, 0, "$entry: nothing logged at error or above")
        or diag(@bad);

    # the negative check: a module of another version is refused
    next if $installed_ver eq $ver || !-s $installed;

    my $conf = "$n->{root}/conf/other.conf";
    open my $c, '>', $conf or die "$conf: $!\n";
    print $c "load_module $installed;\nevents {}\n";
    close $c;

    my $out = `$bin -t -p $n->{root}/ -c $conf 2>&1`;
    isnt($?, 0, "$entry: nginx $ver refuses the module of nginx"
                . " $installed_ver");
    like($out, qr/module "\Q$installed\E" version \d+ instead of \d+/,
         "$entry: and says which version it is");
}

done_testing();
