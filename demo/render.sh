#!/bin/bash
# demo/render.sh PREFIX: writes the demo gateway's configuration to
# PREFIX/nginx.conf (from demo/nginx.conf) and its token key to
# PREFIX/demo-jwt.key (made once, kept).  "./build.sh run" and the browser
# test use it; the addresses come from the environment:
#   EDA_MODULE      the built ngx_eda_module.so
#   KAFKA_BROKERS   host:port,...
#   REDIS_URL       redis://host:port
#   DEMO_LISTEN     nginx's listen address (default 127.0.0.1:8080)
#   DEMO_PORT       demo/services.py's port (default 18090)
set -euo pipefail

prefix=${1:?usage: demo/render.sh PREFIX}
root=$(cd "$(dirname "$0")/.." && pwd)
redis=${REDIS_URL#redis://}

mkdir -p "$prefix/logs"
if [ ! -s "$prefix/demo-jwt.key" ]; then
    # 32 random bytes as base64: an HMAC key for HS256, on one line
    (umask 077; head -c 32 /dev/urandom | base64 | tr -d '\n' \
        > "$prefix/demo-jwt.key")
fi

sed -e "s|@MODULE@|${EDA_MODULE:?}|g" \
    -e "s|@KAFKA_BROKERS@|${KAFKA_BROKERS:?}|g" \
    -e "s|@REDIS@|${redis:?}|g" \
    -e "s|@LISTEN@|${DEMO_LISTEN:-127.0.0.1:8080}|g" \
    -e "s|@DEMO_PORT@|${DEMO_PORT:-18090}|g" \
    -e "s|@PREFIX@|$prefix|g" \
    -e "s|@ROOT@|$root|g" \
    "$root/demo/nginx.conf" > "$prefix/nginx.conf"
