# "./build.sh build-matrix", sourced by build.sh: nginx itself and the
# module built with --with-compat from other nginx source trees than the
# installed one, one build dir per version, so that a change of nginx's
# module API or ABI shows here before a user's nginx refuses the module.
# t/097-nginx-versions.t builds the matrix and runs each binary with its
# module.

# Debian suites (their nginx source package) or paths of source trees
NGINX_VERSIONS=${NGINX_VERSIONS:-trixie sid}

# fetch_nginx_dev SUITE: the nginx-dev package of the version that SUITE
# has (fetch_nginx_source SUITE looked it up), unpacked in the cache: its
# headers and configure scripts build a module, not nginx itself
fetch_nginx_dev() {
    local apt=$CACHE/nginx-source/apt-$1 ver dir

    ver=$(cat "$apt/version")
    dir=$CACHE/nginx-source/dev-$ver

    if [ ! -f "$dir/usr/share/nginx/src/src/core/nginx.h" ]; then
        say "fetching nginx-dev $ver of Debian $1"
        rm -rf "$dir"
        mkdir -p "$dir/dl"
        (cd "$dir/dl" && private_apt "$apt" apt-get download \
            "nginx-dev=$ver" >/dev/null 2>&1) \
            || die "could not fetch nginx-dev $ver of Debian $1"
        dpkg-deb -x "$dir"/dl/nginx-dev_*.deb "$dir"
    fi
    echo "$dir/usr/share/nginx/src"
}

# matrix_build ENTRY: builds one entry of NGINX_VERSIONS in
# $STATE/build-nginx/VERSION and prints "ENTRY VERSION KIND DIR": KIND
# "full" is a tree with nginx's sources, built into DIR/objs/nginx and
# DIR/objs/ngx_eda_module.so; "headers" is a suite whose source package
# cannot be downloaded, only the module built against its nginx-dev.
matrix_build() {
    local entry=$1 kind=full target=build src ver dir log

    case $entry in
        */*)
            src=$entry
            ;;
        *)
            # a suite whose sources the mirror lacks is not an error
            log=$CACHE/nginx-source/$entry.log
            mkdir -p "$CACHE/nginx-source"
            if src=$(fetch_nginx_source "$entry" 2>"$log"); then
                cat "$log" >&2
            else
                say "Debian $entry: $(tail -n 1 "$log" | sed 's/^.*: //')," \
                    "building the module against its nginx-dev only"
                src=$(fetch_nginx_dev "$entry")
                kind=headers
                target=modules
            fi
            ;;
    esac

    [ -f "$src/src/core/nginx.h" ] \
        || die "$entry: not an nginx source tree ($src)"
    [ $kind = headers ] || [ -f "$src/src/core/nginx.c" ] \
        || die "$entry: $src has no nginx.c (headers only?)"

    ver=$(sed -n 's/^#define NGINX_VERSION *"\(.*\)"$/\1/p' \
          "$src/src/core/nginx.h")
    dir=$STATE/build-nginx/$ver

    say "building nginx $ver ($entry, $kind) in $dir"
    # with OpenSSL, as every distribution's nginx: the module calls it
    build_nginx "$src" "$dir" $target --prefix="$dir/prefix" \
        --with-compat --with-http_ssl_module \
        --with-cc-opt="-Wall -Wextra -Werror"
    echo "$entry $ver $kind $dir"
}

cmd_build_matrix() {
    local entry

    apt_install "${BUILD_PACKAGES[@]}"
    for entry in $NGINX_VERSIONS; do
        matrix_build "$entry"
    done
}
