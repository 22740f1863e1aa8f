#!/usr/bin/env bash
#
# t/deploy/tools.sh: the Kubernetes tools of the deploy tests, installed
# by the project itself ("./build.sh deps" runs "install").
#
#   t/deploy/tools.sh install   build or fetch what is missing, then print
#                               the tools as KEY=VALUE lines (see "env");
#                               exits 3 when there is no Go to build with
#   t/deploy/tools.sh env       print them without installing anything;
#                               exits 1 when one is missing
#   t/deploy/tools.sh versions  print the pinned versions
#
# What comes from where:
#   etcd                 Debian's etcd-server (apt)
#   kube-apiserver,      k8s.io/kubernetes from the Go module proxy, built
#   kubectl              through the wrapper module t/deploy/kube (its
#                        go.mod pins the release and maps every staging
#                        module k8s.io/* to the same release)
#   helm                 helm.sh/helm/v4 from the Go module proxy
#   Gateway API CRDs     the module sigs.k8s.io/gateway-api (config/crd)
#   ServiceMonitor CRD   the module github.com/prometheus-operator/
#                        prometheus-operator (example/prometheus-operator-crd)
#   VirtualServer and    t/deploy/crds/: the proxy does not serve the NGINX
#   SnippetsFilter CRDs  Ingress Controller's or Gateway Fabric's modules, so
#                        the tests carry schemas of their own for the fields
#                        the chart and the examples use
#
# Binaries go to a cache per version that outlives the clone:
# ${XDG_CACHE_HOME:-$HOME/.cache}/ngx-eda/ (override: EDA_TOOLS_CACHE).
# Each is built only when missing; Go's own caches make a rebuild after a
# version change incremental.

set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# the one place for the versions (Kubernetes: the require line of kube/go.mod)
K8S_VERSION=$(sed -n 's/^\s*k8s\.io\/kubernetes \(v1\.[0-9.]*\).*/\1/p' \
    "$HERE/kube/go.mod" | head -n 1)
HELM_MODULE=helm.sh/helm/v4
HELM_VERSION=v4.3.2
GATEWAY_API_VERSION=v1.6.3
PROM_OPERATOR_VERSION=v0.85.0

TOOLS_CACHE=${EDA_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ngx-eda}
K8S_BIN=$TOOLS_CACHE/k8s-$K8S_VERSION/bin
HELM_BIN=$TOOLS_CACHE/helm-$HELM_VERSION/bin
CRD_DIR=$TOOLS_CACHE/crds-gwapi-$GATEWAY_API_VERSION-promop-$PROM_OPERATOR_VERSION

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'tools.sh: error: %s\n' "$*" >&2; exit 1; }

find_go() {
    if command -v go >/dev/null; then
        command -v go
    elif [ -x /usr/local/go/bin/go ]; then
        echo /usr/local/go/bin/go
    else
        printf 'tools.sh: error: %s\n' "no Go toolchain (go 1.26 or" \
            "newer) on the PATH or in /usr/local/go: the deploy tools are" \
            "built with it" >&2
        exit 3
    fi
}

install_etcd() {
    command -v etcd >/dev/null && return 0
    say "installing Debian's etcd-server"
    if ! [[ $(apt-cache policy etcd-server 2>/dev/null || true) \
            =~ Candidate:\ [0-9] ]]
    then
        apt-get update -q >/dev/null
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
        --no-install-recommends etcd-server >/dev/null
    command -v etcd >/dev/null || die "etcd-server installed no etcd"
}

# the staging modules must follow the kubernetes release: v1.X.Y -> v0.X.Y
check_kube_module() {
    local staging=v0.${K8S_VERSION#v1.} bad

    [ -n "$K8S_VERSION" ] || die "no k8s.io/kubernetes in $HERE/kube/go.mod"
    bad=$(grep -E '^\s+k8s\.io/[a-z0-9-]+ => ' "$HERE/kube/go.mod" \
        | grep -v " $staging\$" || true)
    [ -z "$bad" ] || die "kube/go.mod: staging modules not at $staging:" \
        "$bad"
}

install_kube() {
    local go

    if [ -x "$K8S_BIN/kube-apiserver" ] && [ -x "$K8S_BIN/kubectl" ]; then
        return 0
    fi
    check_kube_module
    go=$(find_go)
    say "building kube-apiserver and kubectl $K8S_VERSION into $K8S_BIN"
    mkdir -p "$K8S_BIN"
    (cd "$HERE/kube" && "$go" build -p 2 -trimpath \
        -ldflags "-s -w -X k8s.io/component-base/version.gitVersion=$K8S_VERSION" \
        -o "$K8S_BIN/" \
        k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kubectl) \
        || die "building kube-apiserver and kubectl failed"
}

install_helm() {
    local go

    [ -x "$HELM_BIN/helm" ] && return 0
    go=$(find_go)
    say "building helm $HELM_VERSION into $HELM_BIN"
    mkdir -p "$HELM_BIN"
    GOBIN=$HELM_BIN "$go" install -trimpath -ldflags "-s -w" \
        "$HELM_MODULE/cmd/helm@$HELM_VERSION" \
        || die "building helm failed"
}

# module_dir MODULE@VERSION: where the Go module cache unpacked it
module_dir() {
    local go dir

    go=$(find_go)
    dir=$(cd "$HERE/kube" && "$go" mod download -json "$1" \
        | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
    [ -n "$dir" ] && [ -d "$dir" ] || die "go mod download $1 failed"
    echo "$dir"
}

install_crds() {
    local gw po tmp

    [ -f "$CRD_DIR/complete" ] && return 0
    say "collecting CRDs into $CRD_DIR"
    gw=$(module_dir "sigs.k8s.io/gateway-api@$GATEWAY_API_VERSION")
    po=$(module_dir \
        "github.com/prometheus-operator/prometheus-operator@$PROM_OPERATOR_VERSION")
    tmp=$CRD_DIR.tmp.$$
    rm -rf "$tmp"
    mkdir -p "$tmp"
    # the standard channel's CRDs (not its ValidatingAdmissionPolicy)
    cp "$gw"/config/crd/standard/gateway.networking.k8s.io_*.yaml "$tmp/"
    rm -f "$tmp"/*_vap_*.yaml
    cp "$po/example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml" \
        "$tmp/"
    chmod 0644 "$tmp"/*.yaml
    touch "$tmp/complete"
    rm -rf "$CRD_DIR"
    mv "$tmp" "$CRD_DIR"
}

print_env() {
    local ok=0

    for f in "$(command -v etcd || echo /nonexistent/etcd)" \
        "$K8S_BIN/kube-apiserver" "$K8S_BIN/kubectl" "$HELM_BIN/helm"
    do
        [ -x "$f" ] || { say "missing: $f"; ok=1; }
    done
    [ -f "$CRD_DIR/complete" ] || { say "missing: $CRD_DIR"; ok=1; }

    echo "ETCD=$(command -v etcd || true)"
    echo "KUBE_APISERVER=$K8S_BIN/kube-apiserver"
    echo "KUBECTL=$K8S_BIN/kubectl"
    echo "HELM=$HELM_BIN/helm"
    echo "CRD_DIRS=$CRD_DIR:$HERE/crds"
    return $ok
}

main() {
    case ${1:-} in
        install)
            install_etcd
            install_kube
            install_helm
            install_crds
            print_env ;;
        env) print_env ;;
        versions)
            echo "kubernetes $K8S_VERSION"
            echo "helm $HELM_VERSION"
            echo "gateway-api $GATEWAY_API_VERSION"
            echo "prometheus-operator $PROM_OPERATOR_VERSION" ;;
        *) die "usage: t/deploy/tools.sh install | env | versions" ;;
    esac
}

main "$@"
