package EdaTest;

# Shared setup of the Test::Nginx suite: the addresses of the real stack
# started by "./build.sh up" and helpers that read Kafka and Redis
# independently of the module (kcat, redis-cli).

use strict;
use warnings;

use Exporter 'import';
use IO::Socket::INET ();
use JSON::PP ();
use Time::HiRes ();

our @EXPORT_OK = qw(kafka_brokers redis_host redis_port unique_topic
                    kafka_consume kafka_produce kafka_record_at redis_cmd
                    add_kafka_record_check local_kafka kafka_stop
                    kafka_start kafka_pause kafka_resume redis_pid
                    nginx_pid nginx_workers process_alive redis_stop
                    redis_start
                    http_get nginx_start nginx_stop nginx_reload
                    http_post kafka_produce_lines kafka_payload_at
                    wait_until add_error_log_wait kafka_group
                    repo_root free_port nginx_conf own_stack);

sub stack_env {
    my ($name) = @_;

    return $ENV{$name} if defined $ENV{$name} && $ENV{$name} ne '';

    my $state = $ENV{EDA_STATE_DIR} || '.eda';
    open my $fh, '<', "$state/stack.env"
        or die "no stack: run ./build.sh up (or set $name)\n";
    while (<$fh>) {
        chomp;
        return $1 if /^\Q$name\E=(.*)$/;
    }
    die "$name missing from $state/stack.env\n";
}

sub kafka_brokers {
    return $ENV{TEST_NGINX_KAFKA_BROKERS} || stack_env('KAFKA_BROKERS');
}

sub redis_addr {
    my $url = stack_env('REDIS_URL');
    $url =~ s{^redis://}{};
    $url =~ s{/.*$}{};
    my ($host, $port) = $url =~ /^(.*):(\d+)$/
        or die "bad REDIS_URL $url\n";
    return ($host, $port);
}

sub redis_host { $ENV{TEST_NGINX_REDIS_HOST} || (redis_addr())[0] }
sub redis_port { $ENV{TEST_NGINX_REDIS_PORT} || (redis_addr())[1] }

# A topic name no other test (or earlier run) has used.
sub unique_topic {
    my ($prefix) = @_;

    my $t = sprintf '%s-%d-%d-%04d', $prefix || 'eda-test', $$,
                    int(Time::HiRes::time() * 1000), int(rand(10000));
    $t =~ s/[^A-Za-z0-9._-]/-/g;
    return $t;
}

# Calls COND every tenth of a second until it returns true or SECS have
# passed; returns what it returned last.  How a test waits for something
# it cannot read as it happens (a process gone, a log line, a key): the
# bound is for a loaded machine, the wait ends as soon as COND holds.
sub wait_until {
    my ($cond, $secs) = @_;

    my $deadline = Time::HiRes::time() + $secs;
    while (1) {
        my $v = $cond->();
        return $v if $v || Time::HiRes::time() >= $deadline;
        Time::HiRes::sleep(0.1);
    }
}

# Reads COUNT records of TOPIC from the beginning with kcat and returns
# them as hashes: topic, partition, offset, key, payload, headers (a hash
# of name => value).  Waits at most TIMEOUT seconds for them to appear.
# With all => 1, reads everything the topic holds now, once.
sub kafka_consume {
    my ($topic, %opt) = @_;

    if ($opt{all}) {
        return kafka_read($topic, undef);
    }

    my $count = $opt{count} || 1;
    my $timeout = $opt{timeout} || 10;
    my $deadline = Time::HiRes::time() + $timeout;
    my @records;

    while (1) {
        @records = @{ kafka_read($topic, $count) };
        last if @records >= $count || Time::HiRes::time() > $deadline;
        Time::HiRes::sleep(0.2);
    }

    return \@records;
}

sub kafka_read {
    my ($topic, $count) = @_;

    my @records;
    my @cmd = ('kcat', '-C', '-b', kafka_brokers(), '-t', $topic,
               '-o', 'beginning', '-e', '-q', '-J',
               '-X', 'topic.metadata.refresh.interval.ms=500');
    push @cmd, '-c', $count if defined $count;

    open my $fh, '-|', @cmd or die "kcat: $!\n";
    while (my $line = <$fh>) {
        my $r = kcat_record($line) or next;
        push @records, $r;
    }
    close $fh;

    return \@records;
}

# a record of kcat -J, its headers (a list of names and values) made a
# hash; undef for a line that is not one
sub kcat_record {
    my ($line) = @_;

    my $r = eval { JSON::PP::decode_json($line) } or return undef;
    my %h;
    my @hv = @{ $r->{headers} || [] };
    while (my ($k, $v) = splice @hv, 0, 2) {
        $h{$k} = $v;
    }
    $r->{headers} = \%h;
    return $r;
}

# Reads the record at TOPIC/PARTITION/OFFSET once, without waiting: what
# the module acknowledged must already be readable.
sub kafka_record_at {
    my ($topic, $partition, $offset) = @_;

    my @cmd = ('kcat', '-C', '-b', kafka_brokers(), '-t', $topic,
               '-p', $partition, '-o', $offset, '-c', 1, '-e', '-q', '-J');
    open my $fh, '-|', @cmd or die "kcat: $!\n";
    my $line = <$fh>;
    close $fh;
    return undef unless defined $line;

    return kcat_record($line) // die "kcat: not a record: $line\n";
}

# The payload of the record at TOPIC/PARTITION/OFFSET as bytes, and its
# headers as kcat prints them ("name=value,..."): for payloads that are
# not text, which kcat's JSON output cannot carry.
sub kafka_payload_at {
    my ($topic, $partition, $offset) = @_;

    my @read = ('kcat', '-C', '-b', kafka_brokers(), '-t', $topic,
                '-p', $partition, '-o', $offset, '-c', 1, '-e', '-q');
    my @out;
    for my $fmt ('%s', '%h') {
        open my $fh, '-|', @read, '-f', $fmt or die "kcat: $!\n";
        binmode $fh;
        local $/;
        push @out, scalar <$fh>;
        close $fh;
    }
    return @out;
}

sub match_value {
    my ($got, $want) = @_;

    return 0 unless defined $got;
    return $got =~ $want if ref $want eq 'Regexp';
    return $got eq $want;
}

# Registers the "--- kafka_record" section: a Perl hash (eval) with the
# expected record of a 202 response, read back from Kafka with kcat at the
# partition and offset the response names (or found by id when the
# response has no offset, eda_publish_wait off).  Keys: headers (name =>
# string or qr//; "ID" means the response's id), no_headers (names that
# must be absent), payload (string or qr//), json (hash compared to the
# decoded payload, "ID" as above), key.
sub add_kafka_record_check {
    Test::Nginx::Socket::add_response_body_check(sub {
        my ($block, $body, $req_idx, $rep, $dry_run) = @_;

        my $spec = $block->kafka_record;
        return unless defined $spec;
        my $name = $block->name;

        $spec = eval $spec if !ref $spec;
        die "$name: bad kafka_record: $@" if $@;

        my $res = eval { JSON::PP::decode_json($body) };
        if (!$res || !$res->{id}) {
            Test::More::fail("$name - kafka_record: no id in response");
            return;
        }

        my $rec;
        if (defined $res->{offset}) {
            $rec = kafka_record_at($res->{topic}, $res->{partition},
                                   $res->{offset});
        } else {
            my $all = kafka_consume($res->{topic}, count => 1000,
                                    timeout => 3);
            ($rec) = grep {
                ($_->{headers}{ce_id} // '') eq $res->{id}
                || ($_->{payload} // '') =~ /"id":"\Q$res->{id}\E"/
            } @$all;
        }

        if (!$rec) {
            Test::More::fail("$name - kafka_record: record $res->{id} not "
                             . "readable in $res->{topic}");
            return;
        }

        my $ok = 1;
        my @why;
        for my $h (sort keys %{ $spec->{headers} || {} }) {
            my $want = $spec->{headers}{$h};
            $want = $res->{id} if !ref $want && $want eq 'ID';
            if (!match_value($rec->{headers}{$h}, $want)) {
                $ok = 0;
                push @why, "header $h: got "
                           . ($rec->{headers}{$h} // 'undef');
            }
        }
        for my $h (@{ $spec->{no_headers} || [] }) {
            if (exists $rec->{headers}{$h}) {
                $ok = 0;
                push @why, "header $h present";
            }
        }
        if (exists $spec->{payload} && !defined $spec->{payload}) {
            # kcat shows an empty value as null
            if (defined $rec->{payload} && $rec->{payload} ne '') {
                $ok = 0;
                push @why, "payload: got $rec->{payload}, want none";
            }
        } elsif (exists $spec->{payload}
                 && !match_value($rec->{payload}, $spec->{payload}))
        {
            $ok = 0;
            push @why, "payload: got " . ($rec->{payload} // 'undef');
        }
        if (exists $spec->{key} && !match_value($rec->{key}, $spec->{key})) {
            $ok = 0;
            push @why, "key: got " . ($rec->{key} // 'undef');
        }
        if ($spec->{json}) {
            my $got = eval { JSON::PP::decode_json($rec->{payload}) } || {};
            for my $k (sort keys %{ $spec->{json} }) {
                my $want = $spec->{json}{$k};
                $want = $res->{id}
                    if defined $want && !ref $want && $want eq 'ID';
                my $g = $got->{$k};
                $g = JSON::PP->new->canonical->encode($g) if ref $g;
                if (!defined $want) {
                    next unless exists $got->{$k};
                    $ok = 0;
                    push @why, "json $k present";
                } elsif (!match_value($g, $want)) {
                    $ok = 0;
                    push @why, "json $k: got " . ($g // 'undef');
                }
            }
        }

        Test::More::ok($ok, "$name - kafka_record matches"
                            . (@why ? " (" . join('; ', @why) . ")" : ''));
    });
}

# Registers the "--- error_log_within: SECS" section: the block's
# "--- error_log" lines are written after the response (a delivery report
# that comes later), so before they are checked this waits until every
# one is in the log of this request, at most SECS seconds.
sub add_error_log_wait {
    Test::Nginx::Socket::add_response_body_check(sub {
        my ($block, $body, $req_idx, $rep, $dry_run) = @_;

        my $secs = $block->error_log_within;
        return if !defined $secs || $dry_run;

        my $pats = $block->error_log;
        my @pats = ref $pats eq 'ARRAY'  ? @$pats
                 : ref $pats eq 'Regexp' ? ($pats)
                 :                         split /\n+/, $pats // '';
        my $from = $Test::Nginx::Util::ErrLogFilePos || 0;

        wait_until(sub {
            open my $fh, '<', $Test::Nginx::Util::ErrLogFile or return 0;
            seek $fh, $from, 0;
            my $log = do { local $/; <$fh> } // '';
            return !grep { ref $_ ? $log !~ $_ : index($log, $_) < 0 } @pats;
        }, $secs);
    });
}

# The consumer group GROUP as the broker sees it, read with
# t/lib/kafka_group.py: its state ('' when unknown) and the number of
# partitions each member has.
sub kafka_group {
    my ($group) = @_;

    my $py = $ENV{TEST_PYTHON} || '/usr/bin/python3';
    open my $fh, '-|', $py, repo_root() . '/t/lib/kafka_group.py', $group,
         '--brokers', kafka_brokers()
        or die "kafka_group.py: $!\n";
    my ($state, @members) = ('');
    while (<$fh>) {
        $state = $1 if /^STATE (\S+)/;
        push @members, $1 if /^MEMBER (\d+) /;
    }
    close $fh;
    return ($state, @members);
}

# Produces one record with kcat: kafka_produce(TOPIC, PAYLOAD,
# key => K, headers => { name => value }).  The payload goes through a
# file, so newlines and any bytes stay in the one record.
sub kafka_produce {
    my ($topic, $payload, %opt) = @_;

    require File::Temp;

    my $tmp = File::Temp->new(DIR => repo_root() . '/.eda');
    binmode $tmp;
    print $tmp $payload;
    close $tmp;

    my @cmd = ('kcat', '-P', '-b', kafka_brokers(), '-t', $topic, '-q');
    push @cmd, '-k', $opt{key} if defined $opt{key};
    for my $k (sort keys %{ $opt{headers} || {} }) {
        push @cmd, '-H', "$k=$opt{headers}{$k}";
    }

    system(@cmd, $tmp->filename) == 0 or die "kcat -P failed for $topic\n";
}

# Produces many records with one kcat: kafka_produce_lines(TOPIC,
# [[KEY, PAYLOAD], ...], headers => { name => value }); payloads are one
# line each, the headers the same for all.
sub kafka_produce_lines {
    my ($topic, $records, %opt) = @_;

    my @cmd = ('kcat', '-P', '-b', kafka_brokers(), '-t', $topic, '-q',
               '-K', "\t");
    for my $k (sort keys %{ $opt{headers} || {} }) {
        push @cmd, '-H', "$k=$opt{headers}{$k}";
    }

    open my $fh, '|-', @cmd or die "kcat: $!\n";
    print $fh "$_->[0]\t$_->[1]\n" for @$records;
    close $fh or die "kcat -P failed for $topic\n";
}

# --------------------------------------------------------------------------
# Fault injection on the real broker started by ./build.sh (never a mock):
# available only when the suite runs against that local stack.

sub repo_root {
    my $root = $ENV{EDA_ROOT};
    return $root if $root;
    require File::Basename;
    require Cwd;
    return Cwd::abs_path(File::Basename::dirname(__FILE__) . '/../..');
}

sub local_kafka {
    my $state = $ENV{EDA_STATE_DIR} || repo_root() . '/.eda';
    return -f "$state/kafka/kafka.pid";
}

sub kafka_pid {
    my $state = $ENV{EDA_STATE_DIR} || repo_root() . '/.eda';
    open my $fh, '<', "$state/kafka/kafka.pid" or die "no Kafka pid\n";
    my $pid = <$fh>;
    chomp $pid;
    return $pid;
}

# SIGSTOP: connections stay open, nothing is answered (a hung broker)
sub kafka_pause  { kill 'STOP', kafka_pid() or die "cannot pause Kafka\n" }
sub kafka_resume { kill 'CONT', kafka_pid() or die "cannot resume Kafka\n" }

# build.sh must not take the exported addresses for someone else's stack
sub own_stack {
    my @cmd = @_;

    local %ENV = %ENV;
    delete @ENV{qw(KAFKA_BROKERS REDIS_URL)};
    return system(repo_root() . '/build.sh', @cmd) == 0;
}

sub kafka_stop {
    own_stack('kafka-stop') or die "kafka-stop failed\n";
}

sub kafka_start {
    own_stack('up') or die "restarting Kafka failed\n";
}

sub redis_stop {
    own_stack('redis-stop') or die "redis-stop failed\n";
}

sub redis_start {
    own_stack('up') or die "restarting Redis failed\n";
}

# --------------------------------------------------------------------------
# A private nginx for tests that must act between requests (stop the
# broker, reload): nginx_start(http_config => ..., config => ...,
# workers => N, main_config => ...) writes a configuration under the
# servroot and starts the binary Test::Nginx would use on a port nobody
# listens on; returns { root, port, pid_file, log }: $n->{port} is the
# port it listens on.  main_config goes in the main context as it is (a
# worker_processes there stands for workers).

# A loopback port free now: the kernel's choice for a bind to port 0.
sub free_port {
    my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                  Proto => 'tcp', Listen => 1)
        or die "no free port: $!\n";
    my $port = $s->sockport;
    close $s;
    return $port;
}

sub nginx_conf {
    my ($root, $port, %opt) = @_;

    my $level = $opt{log_level} || 'info';
    my $wc = $opt{worker_connections} || 1024;
    my $main = $opt{main_config} || '';
    my $workers = $main =~ /^\s*worker_processes\b/m ? ''
                : 'worker_processes ' . ($opt{workers} || 1) . ";\n";
    my $listen = $opt{listen} ? " $opt{listen}" : '';
    my $modules = join '', map { "load_module $_;\n" }
                  split ' ', ($ENV{TEST_NGINX_LOAD_MODULES} || '');
    my $http = $opt{http_config} || '';
    my $config = $opt{config} || '';

    for my $v ($http, $config) {
        $v =~ s/\$(TEST_NGINX_[A-Z_]+)/defined $ENV{$1} ? $ENV{$1} : "\$$1"/ge;
    }

    open my $fh, '>', "$root/conf/nginx.conf" or die "$root: $!\n";
    print $fh <<"_EOC_";
$modules
$workers$main
daemon on;
master_process on;
error_log $root/logs/error.log $level;
pid $root/logs/nginx.pid;

events {
    worker_connections $wc;
}

http {
    access_log $root/logs/access.log;
    client_body_temp_path $root/client_body_temp;
    proxy_temp_path $root/proxy_temp;
    fastcgi_temp_path $root/fastcgi_temp;
    uwsgi_temp_path $root/uwsgi_temp;
    scgi_temp_path $root/scgi_temp;

$http

    server {
        listen 127.0.0.1:$port$listen;
        server_name localhost;

$config
    }
}
_EOC_
    close $fh;
}

# Another process may take the free port before nginx binds it: nginx
# then fails with "Address already in use" and starts again on another.
# port => P: that port (a client waits for it), tried once.
sub nginx_start {
    my (%opt) = @_;

    require File::Path;

    my $root = ($ENV{TEST_NGINX_SERVROOT} || repo_root() . '/.eda/servroot')
               . '-' . ($opt{name} || 'private');
    my $bin = $ENV{TEST_NGINX_BINARY} || 'nginx';
    my ($port, $started);

    for my $try (1 .. 5) {
        File::Path::remove_tree($root);
        File::Path::make_path("$root/conf", "$root/logs");

        $port = $opt{port} // free_port();
        nginx_conf($root, $port, %opt);

        if (system($bin, '-p', "$root/", '-c', "$root/conf/nginx.conf")
            == 0)
        {
            $started = 1;
            last;
        }

        open my $fh, '<', "$root/logs/error.log" or last;
        my $log = do { local $/; <$fh> };
        last unless defined $log && $log =~ /Address already in use/
                    && !defined $opt{port};
    }

    die "nginx did not start: see $root/logs/error.log\n" unless $started;

    my $n = { root => $root, port => $port, bin => $bin,
              pid_file => "$root/logs/nginx.pid",
              log => "$root/logs/error.log" };

    for (1 .. 50) {
        last if IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port");
        Time::HiRes::sleep(0.1);
    }

    return $n;
}

sub nginx_pid {
    my ($n) = @_;

    open my $fh, '<', $n->{pid_file} or return undef;
    my $pid = <$fh>;
    chomp $pid if defined $pid;
    return $pid;
}

sub nginx_reload {
    my ($n) = @_;

    kill 'HUP', nginx_pid($n);
}

# alive and not a zombie (an exited master may wait long to be reaped)
sub process_alive {
    my ($pid) = @_;

    open my $fh, '<', "/proc/$pid/stat" or return 0;
    my $stat = <$fh>;
    return $stat =~ /^\d+ \(.*\) ([A-Z])/ && $1 ne 'Z' && $1 ne 'X';
}

# the pids of the master's children
sub nginx_workers {
    my ($n) = @_;

    my $master = nginx_pid($n) or return ();
    my @kids;
    for my $stat (glob '/proc/[0-9]*/stat') {
        open my $fh, '<', $stat or next;
        my $line = <$fh>;
        push @kids, $1 if $line =~ /^(\d+) \(.*\) [A-Z] (\d+) /
                          && $2 == $master;
    }
    return @kids;
}

sub nginx_stop {
    my ($n) = @_;

    my $pid = nginx_pid($n) or return;
    kill 'QUIT', $pid;
    for (1 .. 200) {
        return unless process_alive($pid);
        Time::HiRes::sleep(0.05);
    }
    kill 'KILL', $pid;
}

# One GET over a fresh connection: returns (status, body, headers).
sub http_get {
    my ($n, $path, %h) = @_;

    require HTTP::Tiny;
    my $res = HTTP::Tiny->new(timeout => 30, keep_alive => 0)->request(
        'GET', "http://127.0.0.1:$n->{port}$path", { headers => \%h });
    return ($res->{status}, $res->{content}, $res->{headers});
}

sub redis_pid {
    my $state = $ENV{EDA_STATE_DIR} || repo_root() . '/.eda';
    open my $fh, '<', "$state/redis/redis.pid" or return undef;
    my $pid = <$fh>;
    chomp $pid;
    return $pid;
}

# One POST over a fresh connection: returns (status, body, headers).
sub http_post {
    my ($n, $path, $body, %h) = @_;

    require HTTP::Tiny;
    my $res = HTTP::Tiny->new(timeout => 30, keep_alive => 0)->request(
        'POST', "http://127.0.0.1:$n->{port}$path",
        { content => $body, headers => \%h });
    return ($res->{status}, $res->{content}, $res->{headers});
}

# Runs one Redis command with redis-cli and returns its raw output.
sub redis_cmd {
    my @args = @_;

    open my $fh, '-|', 'redis-cli', '-h', redis_host(), '-p', redis_port(),
         '--raw', @args
        or die "redis-cli: $!\n";
    local $/;
    my $out = <$fh>;
    close $fh;
    $out = '' unless defined $out;
    $out =~ s/\n\z//;
    return $out;
}

1;
