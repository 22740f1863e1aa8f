package EdaTest;

# Shared setup of the Test::Nginx suite: the addresses of the real stack
# started by "./build.sh up" and helpers that read Kafka and Redis
# independently of the module (kcat, redis-cli).

use strict;
use warnings;

use Exporter 'import';
use JSON::PP ();
use Time::HiRes ();

our @EXPORT_OK = qw(kafka_brokers redis_host redis_port unique_topic
                    kafka_consume kafka_produce redis_cmd);

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

# Reads COUNT records of TOPIC from the beginning with kcat and returns
# them as hashes: topic, partition, offset, key, payload, headers (a hash
# of name => value).  Waits at most TIMEOUT seconds for them to appear.
sub kafka_consume {
    my ($topic, %opt) = @_;

    my $count = $opt{count} || 1;
    my $timeout = $opt{timeout} || 10;
    my $brokers = kafka_brokers();
    my $deadline = Time::HiRes::time() + $timeout;
    my @records;

    while (1) {
        @records = ();
        my @cmd = ('kcat', '-C', '-b', $brokers, '-t', $topic,
                   '-o', 'beginning', '-e', '-q', '-J', '-c', $count,
                   '-X', 'topic.metadata.refresh.interval.ms=500');
        open my $fh, '-|', @cmd or die "kcat: $!\n";
        while (my $line = <$fh>) {
            my $r = eval { JSON::PP::decode_json($line) } or next;
            my %h;
            my @hv = @{ $r->{headers} || [] };
            while (my ($k, $v) = splice @hv, 0, 2) {
                $h{$k} = $v;
            }
            $r->{headers} = \%h;
            push @records, $r;
        }
        close $fh;

        last if @records >= $count || Time::HiRes::time() > $deadline;
        Time::HiRes::sleep(0.2);
    }

    return \@records;
}

# Produces one record with kcat: kafka_produce(TOPIC, PAYLOAD,
# key => K, headers => { name => value }).
sub kafka_produce {
    my ($topic, $payload, %opt) = @_;

    my @cmd = ('kcat', '-P', '-b', kafka_brokers(), '-t', $topic, '-q');
    push @cmd, '-k', $opt{key} if defined $opt{key};
    for my $k (sort keys %{ $opt{headers} || {} }) {
        push @cmd, '-H', "$k=$opt{headers}{$k}";
    }

    open my $fh, '|-', @cmd or die "kcat: $!\n";
    print $fh $payload;
    close $fh or die "kcat -P failed for $topic\n";
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
