
/*
 * Copyright (C) ngx_eda authors
 */


/*
 * The load generator of t/bench/fanout.sh and t/bench/socketio.sh: one
 * process, one epoll loop, the same for every server it measures.
 *
 *     ws_fanout -p PORT -s SUB_PATH -u PUB_PATH -n CONNECTIONS
 *               [-e BURST_EVENTS] [-r PACED_RATE] [-d PACED_SECONDS]
 *               [-w WORKER_PID,...] [-P PUBLISHERS] [-U PUB_PORT] [-S]
 *
 * It opens CONNECTIONS WebSocket subscribers (reading the RSS of the
 * server's workers before and after: memory per idle connection), waits
 * until an event published by HTTP POST to PUB_PATH reaches all of them,
 * then publishes BURST_EVENTS as fast as PUBLISHERS keep-alive connections
 * allow (deliveries per second), then RATE events per second for SECONDS
 * (delivery latency at a moderate load).  Each event's JSON body carries
 * its phase, sequence number and the time it was sent; a subscriber finds
 * them in whatever frame the server sends (the body itself, or a
 * CloudEvent with the body as its data).  The publishers POST to PUB_PORT
 * (default: PORT), which may be another server than the one measured.
 *
 * -S: the subscribers speak Socket.IO (Engine.IO 4 over WebSocket; SUB_PATH
 * defaults to /socket.io/?EIO=4&transport=websocket).  A subscriber reads
 * the open packet "0{...}", sends CONNECT "40" to the main namespace and
 * counts as connected at the answer "40{...}"; it answers each ping "2"
 * with "3", and finds the event's fields in the EVENT packets "42[...]".
 *
 * Each subscriber counts what it receives of each phase, so a lost
 * delivery is seen even when another subscriber got a duplicate.  One
 * line on stdout:
 *
 *     RESULT conns=... rss_before_kb=... rss_after_kb=... burst_events=...
 *            burst_deliveries=... burst_per_s=... burst_p50_us=...
 *            burst_p99_us=... paced_events=... paced_deliveries=...
 *            paced_p50_us=... paced_p99_us=... closed=... pub_errors=...
 *            missing=... extra=... short_subscribers=...
 *
 * missing: deliveries of phases 2 and 3 that a subscriber never received,
 * summed over every subscriber that connected (closed ones included);
 * extra: deliveries beyond one per event; short_subscribers: how many
 * subscribers missed at least one.
 */


#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>


#define FAN_HANDSHAKING   1
#define FAN_OPEN          2
#define FAN_CLOSED        3
#define FAN_SIO_CONNECT   4        /* upgraded, Socket.IO CONNECT pending */

#define FAN_MAX_INFLIGHT_CONNECTS  200
#define FAN_MAX_SAMPLES            (8 * 1024 * 1024)
#define FAN_STALL_NS               (8 * 1000000000LL)


typedef struct {
    int             fd;
    int             state;
    int             publisher;
    int             busy;          /* a publisher waiting for an answer */
    int             opened;        /* a subscriber that was connected */
    uint32_t        got[4];        /* deliveries of each phase */
    unsigned char  *buf;
    size_t          len;
    size_t          size;
} fan_conn_t;


typedef struct {
    uint32_t       *us;
    size_t          n;
    uint64_t        count;         /* deliveries of the phase */
    int64_t         first_sent;
    int64_t         last_recv;
} fan_phase_t;


static struct sockaddr_in  fan_addr;
static struct sockaddr_in  fan_pub_addr;
static int                 fan_sio;        /* -S: Socket.IO subscribers */
static const char         *fan_sub;        /* -s, or by the mode */
static const char         *fan_pub = "/pub";
static int                 fan_epoll;
static fan_conn_t         *fan_conns;
static int                 fan_nconns;
static int                 fan_open;
static int                 fan_closed;
static int                 fan_connecting;
static int                 fan_phase;      /* events of other phases: not
                                              counted */
static fan_phase_t         fan_phases[4];
static long                fan_seq;
static long                fan_run;        /* events of other runs (a
                                              server may keep some): not
                                              counted */
static long                fan_pub_errors;
static fan_conn_t         *fan_pubs;
static int                 fan_npubs;


static int64_t
fan_now(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000000000LL + ts.tv_nsec;
}


static void
fan_die(const char *what)
{
    fprintf(stderr, "ws_fanout: %s: %s\n", what, strerror(errno));
    exit(1);
}


static long
fan_rss_kb(const char *pids)
{
    char   path[64], line[256];
    long   total, kb;
    FILE  *f;
    char  *list, *p, *save;

    if (pids == NULL) {
        return 0;
    }

    total = 0;
    list = strdup(pids);

    for (p = strtok_r(list, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
        snprintf(path, sizeof(path), "/proc/%s/status", p);
        f = fopen(path, "r");
        if (f == NULL) {
            continue;
        }

        while (fgets(line, sizeof(line), f)) {
            if (sscanf(line, "VmRSS: %ld kB", &kb) == 1) {
                total += kb;
            }
        }

        fclose(f);
    }

    free(list);
    return total;
}


static int
fan_connect(fan_conn_t *c, struct sockaddr_in *addr, uint32_t events)
{
    int                  fd, one;
    struct epoll_event   ev;

    fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        fan_die("socket");
    }

    one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));

    if (connect(fd, (struct sockaddr *) addr, sizeof(*addr)) < 0
        && errno != EINPROGRESS)
    {
        fan_die("connect");
    }

    c->fd = fd;
    c->len = 0;

    ev.events = events;
    ev.data.ptr = c;

    if (epoll_ctl(fan_epoll, EPOLL_CTL_ADD, fd, &ev) < 0) {
        fan_die("epoll_ctl");
    }

    return fd;
}


/* blocking-free full write of a small request; the kernel has room */

static void
fan_send(fan_conn_t *c, const char *p, size_t len)
{
    ssize_t  n;

    while (len) {
        n = send(c->fd, p, len, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR) {
                continue;
            }
            fan_die("send");
        }
        p += n;
        len -= n;
    }
}


static void
fan_close(fan_conn_t *c)
{
    struct linger  l;

    /* RST instead of TIME_WAIT: thousands of runs' ports stay free */
    l.l_onoff = 1;
    l.l_linger = 0;
    setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
    close(c->fd);
    c->fd = -1;
}


/* a client frame of at most 125 bytes, masked with a zero key */

static void
fan_send_frame(fan_conn_t *c, unsigned op, const unsigned char *p,
    size_t len)
{
    unsigned char  frame[131];

    frame[0] = 0x80 | op;
    frame[1] = 0x80 | (unsigned char) len;
    memset(frame + 2, 0, 4);
    memcpy(frame + 6, p, len);
    fan_send(c, (char *) frame, 6 + len);
}


/* a subscriber is connected: upgraded, and for Socket.IO admitted */

static void
fan_opened(fan_conn_t *c)
{
    c->state = FAN_OPEN;
    c->opened = 1;
    fan_connecting--;
    fan_open++;
}


static void
fan_drop(fan_conn_t *c)
{
    if (c->state == FAN_OPEN) {
        fan_open--;

    } else {
        fan_connecting--;
    }

    c->state = FAN_CLOSED;
    fan_closed++;
    fan_close(c);
}


static void
fan_publish(fan_conn_t *p)
{
    char     body[256], req[512];
    int      blen, rlen;
    int64_t  now;

    now = fan_now();

    blen = snprintf(body, sizeof(body),
                    "{\"r\":%ld,\"p\":%d,\"s\":%ld,\"t\":%lld,\"pad\":"
                    "\"0123456789abcdef0123456789abcdef0123456789\"}",
                    fan_run, fan_phase, fan_seq++, (long long) now);

    rlen = snprintf(req, sizeof(req),
                    "POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    "Content-Type: application/json\r\n"
                    "Accept: application/json\r\n"
                    "Content-Length: %d\r\n\r\n%s", fan_pub, blen, body);

    if (fan_phases[fan_phase].first_sent == 0) {
        fan_phases[fan_phase].first_sent = now;
    }

    fan_send(p, req, rlen);
    p->busy = 1;
}


static void
fan_buf_reserve(fan_conn_t *c, size_t more)
{
    if (c->len + more <= c->size) {
        return;
    }

    c->size = (c->len + more) * 2;
    c->buf = realloc(c->buf, c->size);
    if (c->buf == NULL) {
        fan_die("realloc");
    }
}


static long long
fan_number_after(const unsigned char *p, size_t len, const char *key)
{
    size_t          klen;
    long long       v;
    int             neg;
    const unsigned char  *q, *end;

    klen = strlen(key);
    end = p + len;
    q = memmem(p, len, key, klen);
    if (q == NULL) {
        return -1;
    }

    q += klen;
    neg = 0;
    if (q < end && *q == '-') {
        neg = 1;
        q++;
    }

    v = 0;
    while (q < end && *q >= '0' && *q <= '9') {
        v = v * 10 + (*q++ - '0');
    }

    return neg ? -v : v;
}


static void
fan_message(fan_conn_t *c, const unsigned char *p, size_t len)
{
    long long     phase, t;
    int64_t       now;
    fan_phase_t  *ph;

    phase = fan_number_after(p, len, "\"p\":");
    t = fan_number_after(p, len, "\"t\":");

    if (fan_number_after(p, len, "\"r\":") != fan_run
        || phase < 0 || phase > 3 || t <= 0)
    {
        return;
    }

    now = fan_now();
    ph = &fan_phases[phase];
    ph->count++;
    c->got[phase]++;
    ph->last_recv = now;

    if (ph->us != NULL && ph->n < FAN_MAX_SAMPLES) {
        ph->us[ph->n++] = (uint32_t) ((now - t) / 1000);
    }
}


/*
 * an Engine.IO packet of a Socket.IO subscriber: open, ping, close, or a
 * Socket.IO packet (CONNECT's answer, CONNECT_ERROR, EVENT, DISCONNECT)
 */

static void
fan_sio_packet(fan_conn_t *c, const unsigned char *p, size_t len)
{
    if (len == 0) {
        return;
    }

    switch (p[0]) {

    case '0':
        if (c->state == FAN_SIO_CONNECT) {
            fan_send_frame(c, 0x1, (const unsigned char *) "40", 2);
        }
        break;

    case '2':
        fan_send_frame(c, 0x1, (const unsigned char *) "3", 1);
        break;

    case '1':
        fan_drop(c);
        break;

    case '4':
        if (len < 2) {
            break;
        }

        if (p[1] == '2') {
            fan_message(c, p + 2, len - 2);

        } else if (p[1] == '0' && c->state == FAN_SIO_CONNECT) {
            fan_opened(c);

        } else if (p[1] == '4') {
            fprintf(stderr, "ws_fanout: CONNECT refused: %.*s\n",
                    (int) len, p);
            exit(1);

        } else if (p[1] == '1') {
            fan_drop(c);
        }

        break;
    }
}


/* frames from the server: never masked */

static void
fan_frames(fan_conn_t *c)
{
    unsigned char  *p;
    size_t          avail, hlen, plen, i;
    unsigned        op;

    p = c->buf;
    avail = c->len;

    for ( ;; ) {
        if (avail < 2) {
            break;
        }

        op = p[0] & 0x0f;
        plen = p[1] & 0x7f;
        hlen = 2;

        if (plen == 126) {
            if (avail < 4) {
                break;
            }
            plen = ((size_t) p[2] << 8) | p[3];
            hlen = 4;

        } else if (plen == 127) {
            if (avail < 10) {
                break;
            }
            plen = 0;
            for (i = 0; i < 8; i++) {
                plen = (plen << 8) | p[2 + i];
            }
            hlen = 10;
        }

        if (avail < hlen + plen) {
            break;
        }

        if (op == 0x1 && fan_sio) {
            fan_sio_packet(c, p + hlen, plen);

        } else if (op == 0x1 || op == 0x2) {
            fan_message(c, p + hlen, plen);

        } else if (op == 0x9 && plen <= 125) {
            fan_send_frame(c, 0xa, p + hlen, plen);

        } else if (op == 0x8) {
            fan_drop(c);
        }

        if (c->state == FAN_CLOSED) {
            return;
        }

        p += hlen + plen;
        avail -= hlen + plen;
    }

    memmove(c->buf, p, avail);
    c->len = avail;
}


static void
fan_read_sub(fan_conn_t *c)
{
    ssize_t         n;
    unsigned char  *end;

    for ( ;; ) {
        fan_buf_reserve(c, 16384);

        n = recv(c->fd, c->buf + c->len, c->size - c->len, 0);

        if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            return;
        }

        if (n <= 0) {
            fan_drop(c);
            return;
        }

        c->len += n;

        if (c->state == FAN_HANDSHAKING) {
            end = memmem(c->buf, c->len, "\r\n\r\n", 4);
            if (end == NULL) {
                continue;
            }

            if (c->len < 12 || memcmp(c->buf + 9, "101", 3) != 0) {
                fprintf(stderr, "ws_fanout: handshake refused: %.*s\n",
                        (int) (end - c->buf), c->buf);
                exit(1);
            }

            if (fan_sio) {
                c->state = FAN_SIO_CONNECT;

            } else {
                fan_opened(c);
            }

            end += 4;
            c->len -= end - c->buf;
            memmove(c->buf, end, c->len);
        }

        fan_frames(c);

        if (c->state == FAN_CLOSED) {
            return;
        }
    }
}


/* answers of the publisher: a status line, headers, Content-Length body */

static void
fan_read_pub(fan_conn_t *c)
{
    ssize_t         n;
    long            clen;
    unsigned char  *end, *h;

    for ( ;; ) {
        fan_buf_reserve(c, 4096);

        n = recv(c->fd, c->buf + c->len, c->size - c->len, 0);

        if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            return;
        }

        if (n <= 0) {
            fprintf(stderr, "ws_fanout: the publisher connection closed\n");
            exit(1);
        }

        c->len += n;

        for ( ;; ) {
            end = memmem(c->buf, c->len, "\r\n\r\n", 4);
            if (end == NULL) {
                break;
            }

            h = memmem(c->buf, end - c->buf, "ontent-Length: ", 15);
            if (h == NULL) {
                h = memmem(c->buf, end - c->buf, "ontent-length: ", 15);
            }

            clen = h ? strtol((char *) h + 15, NULL, 10) : 0;

            if ((size_t) (end + 4 - c->buf) + clen > c->len) {
                break;
            }

            if (c->len < 12 || c->buf[9] != '2') {
                fan_pub_errors++;
            }

            end += 4 + clen;
            c->len -= end - c->buf;
            memmove(c->buf, end, c->len);
            c->busy = 0;
        }
    }
}


static void
fan_loop(int timeout_ms)
{
    int                 i, n;
    fan_conn_t         *c;
    struct epoll_event  evs[512];

    n = epoll_wait(fan_epoll, evs, 512, timeout_ms);

    for (i = 0; i < n; i++) {
        c = evs[i].data.ptr;

        if (c->fd < 0) {
            continue;
        }

        if (c->publisher) {
            fan_read_pub(c);

        } else if (c->state != FAN_CLOSED) {
            fan_read_sub(c);
        }
    }
}


static void
fan_open_subscribers(void)
{
    char  req[512];
    int   next, len;

    len = snprintf(req, sizeof(req),
                   "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                   "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                   "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                   "Sec-WebSocket-Version: 13\r\n\r\n", fan_sub);

    next = 0;

    while (fan_open + fan_closed < fan_nconns) {
        while (next < fan_nconns
               && fan_connecting < FAN_MAX_INFLIGHT_CONNECTS)
        {
            fan_connect(&fan_conns[next], &fan_addr, EPOLLIN);
            fan_conns[next].state = FAN_HANDSHAKING;
            fan_connecting++;

            /* the request waits in the socket until the connect is done */
            fan_send(&fan_conns[next], req, len);
            next++;
        }

        fan_loop(100);
    }
}


static int
fan_idle_publisher(void)
{
    int  i;

    for (i = 0; i < fan_npubs; i++) {
        if (!fan_pubs[i].busy) {
            return i;
        }
    }

    return -1;
}


/*
 * events of PHASE: COUNT of them, RATE per second (0: as fast as can be);
 * over when every subscriber has them, or nothing came for STALL ns
 */

static void
fan_run_phase(int phase, long count, long rate, int64_t stall)
{
    int           i;
    long          sent;
    int64_t       start, last_progress, due;
    uint64_t      want, seen;
    fan_phase_t  *ph;

    fan_phase = phase;
    ph = &fan_phases[phase];
    sent = 0;
    start = fan_now();
    want = (uint64_t) count * fan_open;
    seen = 0;
    last_progress = start;

    for ( ;; ) {
        while (sent < count && (i = fan_idle_publisher()) >= 0) {
            if (rate) {
                due = start + sent * (1000000000LL / rate);
                if (fan_now() < due) {
                    break;
                }
            }

            fan_publish(&fan_pubs[i]);
            sent++;
        }

        fan_loop(rate ? 1 : 5);

        if (ph->count != seen) {
            seen = ph->count;
            last_progress = fan_now();
        }

        if (sent == count && seen >= want) {
            break;
        }

        if (fan_now() - last_progress > stall) {
            break;              /* lost deliveries: reported as missing */
        }
    }
}


static int
fan_cmp(const void *a, const void *b)
{
    uint32_t  x = *(const uint32_t *) a, y = *(const uint32_t *) b;

    return (x > y) - (x < y);
}


static uint32_t
fan_pct(fan_phase_t *ph, double q)
{
    if (ph->n == 0) {
        return 0;
    }

    return ph->us[(size_t) (q * (ph->n - 1))];
}


/*
 * per subscriber that was connected: deliveries of phases 2 and 3 it never
 * received, those it received more than once, and whether it missed any
 */

static void
fan_missing(long burst, long paced, unsigned long long *missing,
    unsigned long long *extra, int *short_subs)
{
    int          i, k;
    long         want[4];
    fan_conn_t  *c;

    want[2] = burst;
    want[3] = paced;
    *missing = 0;
    *extra = 0;
    *short_subs = 0;

    for (i = 0; i < fan_nconns; i++) {
        c = &fan_conns[i];

        if (!c->opened) {
            continue;
        }

        for (k = 2; k < 4; k++) {
            if (c->got[k] < want[k]) {
                *missing += want[k] - c->got[k];

            } else {
                *extra += c->got[k] - want[k];
            }
        }

        if (c->got[2] < want[2] || c->got[3] < want[3]) {
            (*short_subs)++;
        }
    }
}


int
main(int argc, char **argv)
{
    int                 opt, port, pub_port, i, warm, short_subs;
    long                burst, rate, secs, rss_before, rss_after;
    double              dur;
    const char         *pids;
    struct rlimit       rl;
    unsigned long long  missing, extra;

    port = 0;
    pub_port = 0;
    burst = 1000;
    rate = 10;
    secs = 5;
    pids = NULL;
    fan_npubs = 4;

    while ((opt = getopt(argc, argv, "p:s:u:n:e:r:d:w:P:U:S")) != -1) {
        switch (opt) {
        case 'p': port = atoi(optarg); break;
        case 's': fan_sub = optarg; break;
        case 'u': fan_pub = optarg; break;
        case 'n': fan_nconns = atoi(optarg); break;
        case 'e': burst = atol(optarg); break;
        case 'r': rate = atol(optarg); break;
        case 'd': secs = atol(optarg); break;
        case 'w': pids = optarg; break;
        case 'P': fan_npubs = atoi(optarg); break;
        case 'U': pub_port = atoi(optarg); break;
        case 'S': fan_sio = 1; break;
        default:
            fprintf(stderr, "usage: see the comment of ws_fanout.c\n");
            return 2;
        }
    }

    if (port <= 0 || fan_nconns <= 0 || fan_npubs <= 0 || rate <= 0) {
        fprintf(stderr, "ws_fanout: -p and -n are required\n");
        return 2;
    }

    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }

    fan_run = (long) getpid() * 1000 + (fan_now() / 1000000) % 1000;

    if (fan_sub == NULL) {
        fan_sub = fan_sio ? "/socket.io/?EIO=4&transport=websocket" : "/sub";
    }

    fan_addr.sin_family = AF_INET;
    fan_addr.sin_port = htons(port);
    fan_addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    fan_pub_addr = fan_addr;
    fan_pub_addr.sin_port = htons(pub_port > 0 ? pub_port : port);

    fan_epoll = epoll_create1(0);
    if (fan_epoll < 0) {
        fan_die("epoll_create1");
    }

    fan_conns = calloc(fan_nconns, sizeof(fan_conn_t));
    fan_pubs = calloc(fan_npubs, sizeof(fan_conn_t));
    if (fan_conns == NULL || fan_pubs == NULL) {
        fan_die("calloc");
    }

    for (i = 1; i < 4; i++) {
        fan_phases[i].us = malloc(FAN_MAX_SAMPLES * sizeof(uint32_t));
        if (fan_phases[i].us == NULL) {
            fan_die("malloc");
        }
    }

    rss_before = fan_rss_kb(pids);
    fan_open_subscribers();
    usleep(500000);
    fan_loop(0);
    rss_after = fan_rss_kb(pids);

    if (fan_open == 0) {
        fprintf(stderr, "ws_fanout: no subscriber connected\n");
        return 1;
    }

    for (i = 0; i < fan_npubs; i++) {
        fan_pubs[i].publisher = 1;
        fan_connect(&fan_pubs[i], &fan_pub_addr, EPOLLIN);
    }

    /* phase 1: warm-up, until one event reaches every subscriber */

    for (warm = 0; warm < 100; warm++) {
        fan_phases[1].count = 0;
        fan_run_phase(1, 1, 1000, 1000000000LL);
        if (fan_phases[1].count >= (uint64_t) fan_open) {
            break;
        }
    }

    if (warm == 100) {
        fprintf(stderr, "ws_fanout: events never reached the subscribers\n");
        return 1;
    }

    /* drain what is still on its way, then phase 2: the burst */

    for (i = 0; i < 50; i++) {
        fan_loop(10);
    }

    fan_run_phase(2, burst, 0, FAN_STALL_NS);

    /* phase 3: paced */

    fan_run_phase(3, rate * secs, rate, FAN_STALL_NS);

    for (i = 2; i < 4; i++) {
        qsort(fan_phases[i].us, fan_phases[i].n, sizeof(uint32_t), fan_cmp);
    }

    dur = (fan_phases[2].last_recv - fan_phases[2].first_sent) / 1e9;

    fan_missing(burst, rate * secs, &missing, &extra, &short_subs);

    printf("RESULT conns=%d open=%d closed=%d rss_before_kb=%ld "
           "rss_after_kb=%ld burst_events=%ld burst_deliveries=%llu "
           "burst_per_s=%.0f burst_p50_us=%u burst_p99_us=%u "
           "paced_rate=%ld paced_events=%ld paced_deliveries=%llu "
           "paced_p50_us=%u paced_p99_us=%u pub_errors=%ld "
           "missing=%llu extra=%llu short_subscribers=%d\n",
           fan_nconns, fan_open, fan_closed, rss_before, rss_after, burst,
           (unsigned long long) fan_phases[2].count,
           dur > 0 ? fan_phases[2].count / dur : 0.0,
           fan_pct(&fan_phases[2], 0.5), fan_pct(&fan_phases[2], 0.99),
           rate, rate * secs, (unsigned long long) fan_phases[3].count,
           fan_pct(&fan_phases[3], 0.5), fan_pct(&fan_phases[3], 0.99),
           fan_pub_errors, missing, extra, short_subs);

    return 0;
}
