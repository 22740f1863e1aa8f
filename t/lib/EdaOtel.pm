package EdaOtel;

# An OTLP/HTTP receiver for the span export tests: t/lib/otlp_receiver.py
# run with the official OpenTelemetry protobuf definitions (the venv
# "./build.sh deps" makes), each span it decodes a JSON line.

use strict;
use warnings;

use Exporter 'import';
use JSON::PP ();
use EdaTest qw(wait_until repo_root);

our @EXPORT_OK = qw(otel_python otel_receiver otel_spans otel_stop);

my $json = JSON::PP->new->canonical;
my @receivers;

END { local $?; otel_stop() }

sub otel_python {
    my $state = $ENV{EDA_STATE_DIR} || repo_root() . '/.eda';
    my $python = "$state/otlp-venv/bin/python";
    die "$python missing: run ./build.sh deps\n" unless -x $python;
    return $python;
}

# otel_receiver(DIR, NAME, ARGS...): a receiver on a free port, its port
# and output in DIR; returns { pid, port, out }
sub otel_receiver {
    my ($dir, $name, @args) = @_;

    my $python = otel_python();
    my $pf = "$dir/$name.port";
    my $out = "$dir/$name.spans";
    my $pid = fork // die "fork: $!\n";
    if ($pid == 0) {
        exec $python, repo_root() . '/t/lib/otlp_receiver.py', $pf, $out,
             @args;
        die "exec: $!\n";
    }
    my $r = { pid => $pid, out => $out };
    push @receivers, $r;
    wait_until(sub { -s $pf }, 20) or die "receiver $name did not start\n";
    open my $fh, '<', $pf or die "$pf: $!\n";
    $r->{port} = <$fh>;
    return $r;
}

# the spans the receiver has decoded so far
sub otel_spans {
    my ($r) = @_;

    open my $fh, '<', $r->{out} or return ();
    return map { $json->decode($_) } <$fh>;
}

sub otel_stop {
    for (splice @receivers) { kill 'TERM', $_->{pid}; waitpid $_->{pid}, 0 }
}

1;
