# The demo of "./build.sh run" in a real browser: demo/render.sh writes its
# nginx.conf, demo/services.py (login and saga participants) and that
# nginx run on the real Kafka and Redis, and t/browser/demo.test.js drives
# the page in Debian's chromium with puppeteer-core: sign-in, an order
# through the checkout saga, a declined payment's compensation, a second
# page, another user, a page away and reloaded, nginx -s reload in the
# middle of 200 events, the SSE fallback, a token that expires.

use strict;
use warnings;

use File::Path ();
use JSON::PP ();
use Test::More;
use IO::Socket::INET ();
use EdaTest qw(repo_root free_port wait_until kafka_brokers redis_host
               redis_port);

my $root = repo_root();
my $dir = "$root/.eda/servroot-demo";
my ($module) = split ' ', ($ENV{TEST_NGINX_LOAD_MODULES} || '');
my ($svc, $nginx_pid);

END {
    kill 'TERM', $svc if $svc;
    system('nginx', '-p', "$dir/", '-c', "$dir/nginx.conf", '-s', 'stop')
        if -f "$dir/logs/nginx.pid";
}

die "no module: TEST_NGINX_LOAD_MODULES\n" unless $module;
die "puppeteer-core missing: ./build.sh deps\n"
    unless -d "$root/t/node/node_modules/puppeteer-core";
die "chromium missing: ./build.sh deps\n" unless -x '/usr/bin/chromium';

File::Path::remove_tree($dir);
my $port = free_port();
my $demo_port = free_port();

{
    local $ENV{EDA_MODULE} = $module;
    local $ENV{KAFKA_BROKERS} = kafka_brokers();
    local $ENV{REDIS_URL} = "redis://" . redis_host() . ":" . redis_port();
    local $ENV{DEMO_LISTEN} = "127.0.0.1:$port";
    local $ENV{DEMO_PORT} = $demo_port;
    system("$root/demo/render.sh", $dir) == 0 or die "render.sh failed\n";
}

# the services first: they create the topics; short tokens (30 s) so the
# run also sees one expire and renewed
$svc = fork // die "fork: $!\n";
if ($svc == 0) {
    open STDOUT, '>', "$dir/logs/services.log" or die;
    open STDERR, '>&', \*STDOUT or die;
    exec "$root/demo/services.py", '--brokers', kafka_brokers(),
         '--key', "$dir/demo-jwt.key", '--port', $demo_port,
         '--definitions', "$root/docs/examples/sagas.json",
         '--group', "demo-test-$$", '--token-ttl', 30, '--delay-ms', 100;
}
ok(wait_until(sub {
       open my $fh, '<', "$dir/logs/services.log" or return 0;
       local $/;
       my $log = <$fh>;
       return $log =~ /^READY/m;
   }, 60), 'the demo services are up and have their partitions');

is(system('nginx', '-p', "$dir/", '-c', "$dir/nginx.conf"), 0,
   'the demo gateway starts');
ok(wait_until(sub {
       IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port")
   }, 10), 'the demo gateway listens');

my $shot = $ENV{EDA_DEMO_SCREENSHOT} || '';
open my $run, '-|', 'node', "$root/t/browser/demo.test.js",
     "http://127.0.0.1:$port", "$dir/logs/nginx.pid", $shot || ()
    or die "node: $!\n";

my $done;
while (my $line = <$run>) {
    my $r = eval { JSON::PP::decode_json($line) };
    if (!$r) {
        diag($line);
        next;
    }
    if ($r->{done}) {
        $done = 1;
        next;
    }
    ok($r->{ok}, $r->{name}) or diag($r->{diag});
    note($r->{diag}) if $r->{ok} && defined $r->{diag};
}
close $run;
ok($done, 'the browser run finished');

my $log = do { local (@ARGV, $/) = "$dir/logs/error.log"; <> } // '';
unlike($log, qr/\[(?:alert|emerg)\]|segfault|exited on signal/,
       'no worker crashed');

done_testing();
