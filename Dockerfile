# The gateway image: Debian's nginx with ngx_eda_module.so, built by the
# same build.sh steps CI runs.
#
#   docker build -t ngx-eda .
#   docker run -p 8080:8080 -v $PWD/nginx.conf:/etc/nginx/nginx.conf ngx-eda

FROM debian:bookworm-slim

WORKDIR /src
COPY . /src

RUN ./build.sh deps --build-only \
    && ./build.sh build \
    && install -D -m 0644 "$(./build.sh path)" \
           /usr/lib/nginx/modules/ngx_eda_module.so \
    && sed -e 's|^load_module .*;|load_module /usr/lib/nginx/modules/ngx_eda_module.so;|' \
           -e 's|^pid .*;|pid /run/nginx.pid;|' \
           -e 's|listen  127.0.0.1:8080;|listen 8080;|' \
           -e 's|access_log  logs/access.log;|access_log /dev/stdout;|' \
           docs/examples/nginx.conf > /etc/nginx/nginx.conf \
    && nginx -t \
    && rm -rf /src/.eda /var/lib/apt/lists/*

EXPOSE 8080
STOPSIGNAL SIGQUIT
CMD ["nginx", "-g", "daemon off;"]
