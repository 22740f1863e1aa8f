package EdaJwt;

# Keys and tokens for the JWT tests, made by OpenSSL's command line and
# PyJWT (t/lib/jwt_tool.py), never by the module's own code.

use strict;
use warnings;

use Exporter 'import';
use File::Basename ();
use Cwd ();

use Digest::SHA ();
use MIME::Base64 ();

our @EXPORT_OK = qw(jwt_keys jwt_token jwt_raw slurp);

my $tool = Cwd::abs_path(File::Basename::dirname(__FILE__)) . '/jwt_tool.py';
my $python = -x '/usr/bin/python3' ? '/usr/bin/python3' : 'python3';

# Makes the keys once per test file; returns their directory.
sub jwt_keys {
    my $state = $ENV{EDA_STATE_DIR}
                || Cwd::abs_path(File::Basename::dirname(__FILE__)
                                 . '/../..') . '/.eda';
    my $dir = "$state/jwt-keys-$$";

    if (!-f "$dir/jwks.json") {
        system($python, $tool, 'keys', $dir) == 0
            or die "cannot make JWT keys in $dir\n";
    }

    return $dir;
}

# jwt_token(ALG, KEYFILE, kid => K, claims => JSON, header => JSON,
#           exp_in => SECONDS)
sub jwt_token {
    my ($alg, $key, %opt) = @_;

    my @cmd = ($python, $tool, 'token', $alg, $key);
    push @cmd, '--kid', $opt{kid} if defined $opt{kid};
    push @cmd, '--claims', $opt{claims} if defined $opt{claims};
    push @cmd, '--header', $opt{header} if defined $opt{header};
    push @cmd, '--exp-in', $opt{exp_in} if defined $opt{exp_in};

    open my $fh, '-|', @cmd or die "jwt_tool: $!\n";
    my $t = <$fh>;
    close $fh or die "jwt_tool failed for $alg\n";
    chomp $t;
    return $t;
}

# A token assembled by hand, for what no library will sign: alg "none",
# or HS256 keyed with a public key file's bytes.  SECRET undef: no
# signature.
sub jwt_raw {
    my ($header, $claims, $secret) = @_;

    my $b64 = sub { MIME::Base64::encode_base64url($_[0]) };
    my $input = $b64->($header) . '.' . $b64->($claims);

    return "$input." unless defined $secret;
    return "$input." . $b64->(Digest::SHA::hmac_sha256($input, $secret));
}

sub slurp {
    my ($file) = @_;
    open my $fh, '<', $file or die "$file: $!\n";
    local $/;
    return <$fh>;
}

1;
