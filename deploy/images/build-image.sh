# deploy/images/build-image.sh: "./build.sh image", sourced by build.sh
# (it uses say, die, apt_install, ROOT, STATE and CACHE from there).
#
# Builds the images of deploy/images/ with buildah and no Docker engine and
# no registry: the Debian base images are root filesystems made here with
# mmdebstrap and committed into a private containers storage under the
# state dir, under the names the Dockerfiles' FROM lines use, so that
# "buildah bud --pull=never" resolves them locally.
#
#   gateway  deploy/images/gateway/Dockerfile on a bookworm base, then
#            "nginx -t" inside the built image
#   ingress  deploy/images/ingress/Dockerfile, both stages: the builder
#            on a trixie base with the nginx sources of trixie (an
#            nginx.org tarball, as Debian ships it), the final stage on a
#            stand-in for nginx/nginx-ingress: trixie with Debian's nginx of
#            the same version and the image's user 101; then nginx -t with
#            the module as that user
#
# Storage (vfs driver, no overlay mount needed) and run state live in
# $STATE/image; the root filesystems and the nginx source in
# $CACHE/image.  "--clean" removes both.

IMAGE_STATE=$STATE/image
IMAGE_CACHE=$CACHE/image
IMAGE_MIRROR=${EDA_IMAGE_MIRROR:-http://deb.debian.org/debian}

# buildah with the private storage; the registries file makes short names
# resolve to docker.io without asking, the policy accepts local images
bah() {
    CONTAINERS_REGISTRIES_CONF=$IMAGE_STATE/registries.conf \
        buildah --root "$IMAGE_STATE/storage" \
        --runroot "$IMAGE_STATE/run" --storage-driver vfs "$@"
}

image_setup() {
    apt_install "${IMAGE_PACKAGES[@]}"
    mkdir -p "$IMAGE_STATE/storage" "$IMAGE_STATE/run" "$IMAGE_CACHE"
    printf '%s\n' 'unqualified-search-registries = ["docker.io"]' \
        'short-name-mode = "permissive"' > "$IMAGE_STATE/registries.conf"
    printf '%s\n' '{ "default": [ { "type": "insecureAcceptAnything" } ] }' \
        > "$IMAGE_STATE/policy.json"
}

# image_rootfs SUITE NAME [mmdebstrap options...]: a minbase root
# filesystem of SUITE as a tarball in the cache (made once), printed
image_rootfs() {
    local suite=$1 name=$2 tar
    shift 2

    tar=$IMAGE_CACHE/$name.tar
    if [ ! -s "$tar" ]; then
        say "making the $name root filesystem with mmdebstrap ($suite)"
        mmdebstrap --quiet --format=tar --variant=minbase --include=ca-certificates \
            "$@" "$suite" "$tar.part" "$IMAGE_MIRROR" >&2 \
            || die "mmdebstrap $suite failed"
        mv "$tar.part" "$tar"
    fi
    echo "$tar"
}

# image_base TARBALL NAME: the tarball committed as image NAME (again only
# when the tarball is newer than the image)
image_base() {
    local tar=$1 name=$2 stamp ctr

    stamp=$IMAGE_STATE/base-$(echo "$name" | tr '/:' '__')
    if [ -f "$stamp" ] && [ ! "$tar" -nt "$stamp" ] \
        && bah inspect --type image "$name" >/dev/null 2>&1
    then
        return 0
    fi

    say "importing $(basename "$tar") as $name"
    ctr=$(bah from --pull=never scratch)
    bah add "$ctr" "$tar" / >/dev/null
    bah config --cmd /bin/bash --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        "$ctr"
    bah commit --quiet --rm "$ctr" "$name" >/dev/null
    touch "$stamp"
}

# image_bud TAG DOCKERFILE [buildah bud options...]: builds from the
# repository root as context, logging to $IMAGE_STATE/TAG.log
image_bud() {
    local tag=$1 file=$2 log
    shift 2

    log=$IMAGE_STATE/$(echo "$tag" | tr '/:' '__').log
    say "buildah bud -f $file -t $tag $* (log: $log)"
    (cd "$ROOT" && bah bud --isolation chroot --pull=never \
        --signature-policy "$IMAGE_STATE/policy.json" \
        --layers=false -f "$file" -t "$tag" "$@" . > "$log" 2>&1) \
        || { tail -n 40 "$log" >&2; die "buildah bud failed (log: $log)"; }
}

# image_run IMAGE CMD...: CMD in a container of IMAGE
image_run() {
    local image=$1 ctr rc=0
    shift

    ctr=$(bah from --pull=never "$image")
    bah run --isolation chroot "$ctr" -- "$@" || rc=$?
    bah rm "$ctr" >/dev/null
    return $rc
}

image_gateway() {
    local t0=$SECONDS tar

    tar=$(image_rootfs bookworm bookworm-minbase)
    image_base "$tar" docker.io/library/debian:bookworm-slim
    image_bud localhost/ngx-eda-gateway deploy/images/gateway/Dockerfile
    say "nginx -t in localhost/ngx-eda-gateway"
    image_run localhost/ngx-eda-gateway nginx -t \
        || die "nginx -t failed in the gateway image"
    say "gateway image: $((SECONDS - t0)) s"
}

# The nginx sources of trixie: Debian's orig tarball is the nginx.org
# release tarball.  A private apt configuration with a deb-src stanza for
# trixie fetches it (and answers which version that is).
image_trixie_apt() {
    local dir=$IMAGE_CACHE/apt-trixie

    mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial"
    printf '%s\n' "Types: deb deb-src" "URIs: $IMAGE_MIRROR" \
        "Suites: trixie" "Components: main" \
        "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg" \
        > "$dir/trixie.sources"
    TRIXIE_APT=(-o "Dir::Etc::SourceList=$dir/trixie.sources"
                -o "Dir::Etc::SourceParts=/dev/null"
                -o "Dir::State::Lists=$dir/lists"
                -o "Dir::Cache=$dir/cache"
                -o "APT::Sandbox::User=root")
    if [ ! -f "$dir/updated" ]; then
        apt-get -q "${TRIXIE_APT[@]}" update >/dev/null \
            || die "apt-get update for trixie failed"
        touch "$dir/updated"
    fi
}

# prints the upstream version of trixie's nginx; its tarball is then
# $IMAGE_CACHE/nginx-VERSION.tar.gz
image_trixie_nginx_source() {
    local ver up dir=$IMAGE_CACHE/nginx-src tarball

    image_trixie_apt
    ver=$(apt-cache "${TRIXIE_APT[@]}" showsrc nginx \
        | sed -n 's/^Version: //p' | head -n 1)
    [ -n "$ver" ] || die "no nginx source package in trixie"
    up=${ver%%-*}
    up=${up#*:}

    if [ ! -s "$IMAGE_CACHE/nginx-$up.tar.gz" ]; then
        say "fetching the nginx $up sources (trixie's orig tarball)"
        rm -rf "$dir" && mkdir -p "$dir"
        (cd "$dir" && apt-get -q "${TRIXIE_APT[@]}" source --download-only \
            "nginx=$ver" >/dev/null 2>&1) || true
        tarball=$(ls "$dir"/nginx_"$up".orig.tar.gz 2>/dev/null | head -n 1)
        [ -n "$tarball" ] || die "could not fetch the nginx $up sources"
        mv "$tarball" "$IMAGE_CACHE/nginx-$up.tar.gz"
        rm -rf "$dir"
    fi
    echo "$up"
}

image_ingress() {
    local t0=$SECONDS tar ver src=deploy/images/ingress/nginx-src

    ver=$(image_trixie_nginx_source)
    tar=$(image_rootfs trixie trixie-minbase)
    image_base "$tar" docker.io/library/debian:trixie-slim

    # the tarball goes into the context (git and nginx-src/.gitignore
    # ignore it) as NGINX_SOURCE, a path in the context, names it
    mkdir -p "$ROOT/$src"
    ln -f "$IMAGE_CACHE/nginx-$ver.tar.gz" "$ROOT/$src/nginx-$ver.tar.gz" \
        2>/dev/null \
        || cp "$IMAGE_CACHE/nginx-$ver.tar.gz" "$ROOT/$src/nginx-$ver.tar.gz"
    local args=(--build-arg "NGINX_VERSION=$ver"
                --build-arg "NGINX_SOURCE=$src/nginx-$ver.tar.gz"
                --build-arg IC_VERSION=standin)

    # the stand-in for nginx/nginx-ingress: Debian's nginx of the same
    # version (built with --with-compat, like nginx.org's) and the upstream
    # image's user 101, which the final stage goes back to
    tar=$(image_rootfs trixie trixie-nginx-standin --include=nginx \
        --customize-hook='chroot "$1" useradd --system --uid 101 --gid 0 --no-create-home --home-dir /nonexistent --shell /bin/false nginx' \
        --customize-hook='rm -f "$1"/var/lib/apt/lists/*_Packages')
    image_base "$tar" docker.io/nginx/nginx-ingress:standin
    image_bud localhost/ngx-eda-ingress:standin \
        deploy/images/ingress/Dockerfile "${args[@]}"
    rm -f "$ROOT/$src/nginx-$ver.tar.gz"

    say "in the stand-in ingress image: user 101, and nginx -t as that user"
    [ "$(bah inspect --format '{{.OCIv1.Config.User}}' \
        localhost/ngx-eda-ingress:standin)" = 101 ] \
        || die "the ingress image does not run as user 101"
    image_run localhost/ngx-eda-ingress:standin sh -c \
        'printf "load_module /usr/lib/nginx/modules/ngx_eda_module.so;\nevents {}\n" > /tmp/t.conf && nginx -t -c /tmp/t.conf -g "pid /tmp/t.pid;"' \
        || die "nginx -t with the module failed in the ingress image"

    # and the check can fail: the module of this machine's build (for
    # bookworm's nginx) is refused by that nginx
    if [ ! -f "$(module_path)" ]; then
        apt_install "${BUILD_PACKAGES[@]}"
        cmd_build
    fi
    if ! image_refuses_module "$(module_path)"; then
        die "the stand-in's nginx loaded a module built for another nginx"
    fi
    say "ingress images: $((SECONDS - t0)) s"
}

# image_refuses_module SO: nginx -t in a throwaway container of the
# stand-in ingress image refuses SO, built on this machine for its nginx,
# for its version.  Its one library trixie lacks (bookworm's hiredis) is
# copied in, so that dlopen succeeds and nginx reaches the version check.
image_refuses_module() {
    local ctr out rc=1 lib

    ctr=$(bah from --pull=never localhost/ngx-eda-ingress:standin)
    bah copy "$ctr" "$1" /tmp/other.so >/dev/null
    for lib in $(ldd "$1" | awk '/libhiredis/ { print $3 }'); do
        bah copy "$ctr" "$(readlink -f "$lib")" "/usr/lib/$(basename "$lib")" \
            >/dev/null
    done
    out=$(bah run --isolation chroot --user 101 "$ctr" -- sh -c \
        'printf "load_module /tmp/other.so;\nevents {}\n" > /tmp/o.conf && nginx -t -c /tmp/o.conf -g "pid /tmp/o.pid;"' 2>&1) \
        || true
    bah rm "$ctr" >/dev/null
    printf '%s\n' "$out" | grep emerg >&2 || true
    # a here-string, not a pipe: under pipefail "printf | grep -q" fails
    # when grep leaves before printf is done
    if grep -q 'version [0-9]* instead of' <<<"$out"; then
        say "a module built for another nginx version: refused"
        rc=0
    fi
    return $rc
}

image_clean() {
    if [ -d "$IMAGE_STATE/storage" ] && command -v buildah >/dev/null; then
        bah rm --all >/dev/null 2>&1 || true
    fi
    rm -rf "$IMAGE_STATE" "$IMAGE_CACHE" \
        "$ROOT"/deploy/images/ingress/nginx-src/nginx-*.tar.gz
    say "removed $IMAGE_STATE and $IMAGE_CACHE"
}

cmd_image() {
    local what=() arg t0=$SECONDS

    for arg in "$@"; do
        case $arg in
            --clean) image_clean; return 0 ;;
            gateway|ingress) what+=("$arg") ;;
            *) die "usage: ./build.sh image [gateway] [ingress] [--clean]" ;;
        esac
    done
    [ ${#what[@]} -gt 0 ] || what=(gateway)

    image_setup
    for arg in "${what[@]}"; do
        "image_$arg"
    done
    say "image: done in $((SECONDS - t0)) s"
}
