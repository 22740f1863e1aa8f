#!/usr/bin/env bash
#
# t/deploy/apiserver.sh: a private Kubernetes API server for the deploy
# tests: etcd and kube-apiserver on free loopback ports, nothing else (no
# scheduler, no kubelet: objects are validated and stored, never run).
#
#   t/deploy/apiserver.sh start DIR   start them, state in DIR; when it
#                                     returns, DIR/kubeconfig works, /readyz
#                                     answers ok and every CRD is Established
#   t/deploy/apiserver.sh stop DIR    stop both and remove DIR
#
# The tools come from t/deploy/tools.sh (ETCD, KUBE_APISERVER, KUBECTL,
# CRD_DIRS may be given in the environment instead). Authentication is one
# static token of a member of system:masters; authorization is RBAC, so the
# chart's roles are checked as a cluster would check them.

set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'apiserver.sh: error: %s\n' "$*" >&2; exit 1; }

load_tools() {
    local line

    if [ -z "${KUBE_APISERVER:-}" ] || [ -z "${KUBECTL:-}" ] \
        || [ -z "${ETCD:-}" ] || [ -z "${CRD_DIRS:-}" ]
    then
        while IFS= read -r line; do
            export "${line?}"
        done < <("$HERE/tools.sh" env) \
            || die "tools missing: run ./build.sh deps"
    fi
}

# a port the kernel considers free now, never one of the shared stack's
free_port() {
    python3 - <<'EOF'
import socket
while True:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    if p not in (19092, 19093, 16379):
        print(p)
        break
EOF
}

# wait_for SECONDS DESCRIPTION COMMAND...: polls COMMAND until it succeeds
wait_for() {
    local secs=$1 what=$2 deadline
    shift 2

    deadline=$((SECONDS + secs))
    until "$@" >/dev/null 2>&1; do
        [ $SECONDS -lt $deadline ] || return 1
        alive || return 1
        sleep 0.2
    done
}

alive() {
    kill -0 "$(cat "$DIR/etcd.pid")" 2>/dev/null \
        && { [ ! -f "$DIR/apiserver.pid" ] \
             || kill -0 "$(cat "$DIR/apiserver.pid")" 2>/dev/null; }
}

etcd_healthy() {
    [[ $(curl -sf "http://127.0.0.1:$ETCD_PORT/health" || true) \
        == *'"health":"true"'* ]]
}

api_ready() {
    curl -sf --cacert "$DIR/pki/ca.crt" -H "Authorization: Bearer $TOKEN" \
        "https://127.0.0.1:$API_PORT/readyz" | grep -x ok >/dev/null
}

make_pki() {
    local pki=$DIR/pki

    mkdir -p "$pki"
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 \
        -subj /CN=ngx-eda-test-ca -keyout "$pki/ca.key" -out "$pki/ca.crt" \
        2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj /CN=kube-apiserver \
        -keyout "$pki/apiserver.key" -out "$pki/apiserver.csr" 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc\n' \
        > "$pki/san.ext"
    openssl x509 -req -in "$pki/apiserver.csr" -CA "$pki/ca.crt" \
        -CAkey "$pki/ca.key" -CAcreateserial -days 2 \
        -extfile "$pki/san.ext" -out "$pki/apiserver.crt" 2>/dev/null
    openssl genrsa -out "$pki/sa.key" 2048 2>/dev/null
    openssl rsa -in "$pki/sa.key" -pubout -out "$pki/sa.pub" 2>/dev/null
}

# fail_start LOG MESSAGE: a start that fails leaves no process behind (DIR
# stays, with the logs, until stop)
fail_start() {
    tail -n 30 "$DIR/$1" >&2 || true
    stop_pid "$DIR/apiserver.pid"
    stop_pid "$DIR/etcd.pid"
    die "$2 (logs in $DIR)"
}

cmd_start() {
    local peer_port

    load_tools
    [ ! -e "$DIR/etcd.pid" ] || die "$DIR is in use: stop it first"
    mkdir -p "$DIR"
    DIR=$(cd "$DIR" && pwd)

    make_pki
    TOKEN=$(openssl rand -hex 24)
    echo "$TOKEN,ngx-eda-test,ngx-eda-test,system:masters" > "$DIR/tokens.csv"

    ETCD_PORT=$(free_port)
    peer_port=$(free_port)
    "$ETCD" --name ngx-eda-test --data-dir "$DIR/etcd" \
        --listen-client-urls "http://127.0.0.1:$ETCD_PORT" \
        --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
        --listen-peer-urls "http://127.0.0.1:$peer_port" \
        --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
        --initial-cluster "ngx-eda-test=http://127.0.0.1:$peer_port" \
        > "$DIR/etcd.log" 2>&1 &
    echo $! > "$DIR/etcd.pid"
    wait_for 30 etcd etcd_healthy || fail_start etcd.log "etcd did not start"

    API_PORT=$(free_port)
    "$KUBE_APISERVER" \
        --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
        --bind-address 127.0.0.1 --advertise-address 127.0.0.1 \
        --secure-port "$API_PORT" \
        --tls-cert-file "$DIR/pki/apiserver.crt" \
        --tls-private-key-file "$DIR/pki/apiserver.key" \
        --token-auth-file "$DIR/tokens.csv" \
        --authorization-mode RBAC \
        --service-account-issuer https://kubernetes.default.svc \
        --service-account-key-file "$DIR/pki/sa.pub" \
        --service-account-signing-key-file "$DIR/pki/sa.key" \
        --service-cluster-ip-range 10.96.0.0/16 \
        --endpoint-reconciler-type none \
        --enable-priority-and-fairness=false \
        > "$DIR/apiserver.log" 2>&1 &
    echo $! > "$DIR/apiserver.pid"
    echo "$API_PORT" > "$DIR/port"
    wait_for 90 kube-apiserver api_ready \
        || fail_start apiserver.log "kube-apiserver did not become ready"

    cat > "$DIR/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: test
  cluster:
    server: https://127.0.0.1:$API_PORT
    certificate-authority: $DIR/pki/ca.crt
users:
- name: test
  user:
    token: $TOKEN
contexts:
- name: test
  context: {cluster: test, user: test}
current-context: test
EOF

    local kc=("$KUBECTL" --kubeconfig "$DIR/kubeconfig") d files=()
    IFS=: read -r -a dirs <<<"$CRD_DIRS"
    for d in "${dirs[@]}"; do
        for f in "$d"/*.yaml; do
            [ -f "$f" ] && files+=(-f "$f")
        done
    done
    if [ ${#files[@]} -gt 0 ]; then
        "${kc[@]}" create "${files[@]}" > "$DIR/crds.log" 2>&1 \
            || fail_start crds.log "creating the CRDs failed"
        "${kc[@]}" wait --for condition=Established --timeout 60s \
            crd --all >> "$DIR/crds.log" 2>&1 \
            || fail_start crds.log "CRDs not Established"
    fi
    say "kube-apiserver ready on 127.0.0.1:$API_PORT ($DIR/kubeconfig)"
}

# gone PID: not running (a zombie its parent has not reaped yet counts)
gone() {
    ! kill -0 "$1" 2>/dev/null \
        || [ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" = Z ]
}

# stop_pid FILE: ends the process, waiting (bounded) until it is
# gone; both servers' state is thrown away, so no graceful shutdown is
# waited for
stop_pid() {
    local f=$1 pid

    [ -f "$f" ] || return 0
    pid=$(cat "$f")
    kill -9 "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do
        gone "$pid" && break
        sleep 0.1
    done
    rm -f "$f"
}

cmd_stop() {
    [ -d "$DIR" ] || return 0
    stop_pid "$DIR/apiserver.pid"
    stop_pid "$DIR/etcd.pid"
    rm -rf "$DIR"
}

[ $# -eq 2 ] || die "usage: t/deploy/apiserver.sh start|stop DIR"
DIR=$2
case $1 in
    start) cmd_start ;;
    stop) cmd_stop ;;
    *) die "usage: t/deploy/apiserver.sh start|stop DIR" ;;
esac
