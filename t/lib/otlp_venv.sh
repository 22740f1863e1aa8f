#!/usr/bin/env bash
#
# otlp_venv.sh STATE_DIR: installs the official OpenTelemetry protobuf
# definitions (opentelemetry-proto, not packaged by Debian) for the OTLP
# receiver of the tests into a venv, STATE_DIR/otlp-venv, with Debian's
# python3 (python3-venv); again only when otlp-requirements.txt changed.
# Prints the venv's python.

set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
venv=$1/otlp-venv
req=$here/otlp-requirements.txt
stamp=$venv/.eda-installed

if [ ! -f "$stamp" ] || [ "$req" -nt "$stamp" ]; then
    rm -rf "$venv"
    /usr/bin/python3 -m venv "$venv" >&2
    "$venv/bin/pip" install -q --disable-pip-version-check -r "$req" >&2
    touch "$stamp"
fi

echo "$venv/bin/python"
