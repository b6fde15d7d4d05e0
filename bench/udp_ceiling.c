/*
 * udp_ceiling: the plain-UDP ceiling the SCTP stacks are compared with in
 * bench/compare.sh, client and server on one host, with braid-perf's
 * command line and JSON keys.
 *
 *   udp_ceiling -s [-u PORT] [-1] [-A CPU] [-q]
 *   udp_ceiling -c HOST [-u PORT] [-m bulk|pingpong] [-l SIZE] [-t SECONDS]
 *               [-A CPU] [--json] [-q]
 *
 * bulk: the client sends -l byte datagrams (default 1452) with sendmmsg in
 * batches of 64 for -t seconds; the server takes them with recvmmsg in
 * batches of 64. The throughput reported is what the server received,
 * between its first and its last data datagram (datagrams the kernel drops
 * because the receiver is behind are not counted: that is the ceiling).
 * pingpong: one -l byte datagram (default 64) in flight, echoed by the
 * server; round-trip percentiles p50 / p90 / p99 (nearest rank).
 *
 * Control (start, ready, done, result, bye) travels in datagrams that begin
 * with "udpc " on the same socket, resent until answered; data datagrams
 * begin with "udpd". CPU is getrusage of each process (user + system) over
 * the test, as braid-perf reports it.
 *
 * Exit status: 0 success, 1 a test failed, 2 bad usage.
 */
#define _GNU_SOURCE

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PROG "udp_ceiling"
#define BATCH 64
#define MAX_DGRAM 65507
#define SOCK_BUF (4 << 20)

enum { MODE_BULK, MODE_PINGPONG };
static const char *const mode_names[] = {"bulk", "pingpong"};

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t cpu_us(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (uint64_t)ru.ru_utime.tv_sec * 1000000ull + (uint64_t)ru.ru_utime.tv_usec +
           (uint64_t)ru.ru_stime.tv_sec * 1000000ull + (uint64_t)ru.ru_stime.tv_usec;
}

static bool parse_uint(const char *s, unsigned long max, unsigned long *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || end == s || *end || v > max)
        return false;
    *out = v;
    return true;
}

/* Socket buffers of SOCK_BUF bytes: the FORCE variants pass
 * net.core.[rw]mem_max when privileged, as braid's own UDP sockets do. */
static void set_bufs(int fd)
{
    int v = SOCK_BUF;
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof v) != 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof v);
    if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &v, sizeof v) != 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof v);
}

static bool is_ctrl(const uint8_t *p, size_t n)
{
    return n >= 5 && memcmp(p, "udpc ", 5) == 0;
}

/* The value of "key=" in a control text (space separated), or dflt. */
static uint64_t ctrl_u64(const char *text, const char *key, uint64_t dflt)
{
    size_t kl = strlen(key);
    for (const char *p = text; (p = strstr(p, key)) != NULL; p += kl) {
        if ((p == text || p[-1] == ' ') && p[kl] == '=')
            return strtoull(p + kl + 1, NULL, 0);
    }
    return dflt;
}

static double ctrl_double(const char *text, const char *key, double dflt)
{
    size_t kl = strlen(key);
    for (const char *p = text; (p = strstr(p, key)) != NULL; p += kl) {
        if ((p == text || p[-1] == ' ') && p[kl] == '=')
            return strtod(p + kl + 1, NULL);
    }
    return dflt;
}

/* ------------------------------------------------------------------------ */
/* Server                                                                    */
/* ------------------------------------------------------------------------ */

typedef struct srv_test {
    uint64_t id;
    int mode;
    bool running, finished;
    uint64_t bytes, msgs;
    uint64_t t_start, t_first, t_last, cpu0;
    char result[256];
} srv_test;

static void srv_reply(int fd, const struct sockaddr_storage *to, socklen_t tolen, const char *t)
{
    if (sendto(fd, t, strlen(t), 0, (const struct sockaddr *)to, tolen) < 0)
        fprintf(stderr, "%s: server: sendto: %s\n", PROG, strerror(errno));
}

/* A control datagram; true when a one-off server is done. */
static bool srv_ctrl(int fd, srv_test *t, const char *text, const struct sockaddr_storage *from,
                     socklen_t fromlen, bool quiet)
{
    uint64_t id = ctrl_u64(text, "id", 0);
    char reply[320];
    if (!strncmp(text, "udpc start ", 11)) {
        if (id != t->id || !t->running) {
            memset(t, 0, sizeof *t);
            t->id = id;
            t->mode = ctrl_u64(text, "mode", 0) == MODE_PINGPONG ? MODE_PINGPONG : MODE_BULK;
            t->running = true;
            t->t_start = now_ns();
            t->cpu0 = cpu_us();
        }
        snprintf(reply, sizeof reply, "udpc ready id=%" PRIu64, id);
        srv_reply(fd, from, fromlen, reply);
    } else if (!strncmp(text, "udpc done ", 10) && id == t->id && t->running) {
        if (!t->finished) {
            uint64_t end = now_ns();
            uint64_t cpu = cpu_us() - t->cpu0;
            double span = t->t_last > t->t_first ? (double)(t->t_last - t->t_first) / 1e9 : 0;
            double test_secs = (double)(end - t->t_start) / 1e9;
            snprintf(t->result, sizeof t->result,
                     "udpc result id=%" PRIu64 " bytes=%" PRIu64 " msgs=%" PRIu64
                     " span=%.9f seconds=%.6f cpu_us=%" PRIu64,
                     id, t->bytes, t->msgs, span, test_secs, cpu);
            t->finished = true;
            if (!quiet) {
                printf("test %016" PRIx64 ": %s, %" PRIu64 " datagrams, %" PRIu64
                       " bytes in %.3f s = %.2f Gbit/s, cpu %.1f %%\n",
                       id, mode_names[t->mode], t->msgs, t->bytes, span,
                       span > 0 ? (double)t->bytes * 8 / span / 1e9 : 0,
                       test_secs > 0 ? (double)cpu / 1e4 / test_secs : 0);
                fflush(stdout);
            }
        }
        srv_reply(fd, from, fromlen, t->result);
    } else if (!strncmp(text, "udpc bye ", 9) && id == t->id && t->finished) {
        t->running = false;
        return true;
    }
    return false;
}

static int run_server(uint16_t port, bool once, bool quiet)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0) {
        fprintf(stderr, "%s: server: UDP port %u: %s\n", PROG, port, strerror(errno));
        return 1;
    }
    set_bufs(fd);
    socklen_t al = sizeof a;
    getsockname(fd, (struct sockaddr *)&a, &al);
    if (!quiet) {
        printf("%s: listening on UDP 127.0.0.1:%u\n", PROG, ntohs(a.sin_port));
        fflush(stdout);
    }
    static uint8_t bufs[BATCH][MAX_DGRAM + 1];
    struct mmsghdr mm[BATCH];
    struct iovec iov[BATCH];
    struct sockaddr_storage from[BATCH];
    srv_test t;
    memset(&t, 0, sizeof t);
    for (;;) {
        for (unsigned i = 0; i < BATCH; i++) {
            iov[i].iov_base = bufs[i];
            iov[i].iov_len = MAX_DGRAM;
            memset(&mm[i], 0, sizeof mm[i]);
            mm[i].msg_hdr.msg_iov = &iov[i];
            mm[i].msg_hdr.msg_iovlen = 1;
            mm[i].msg_hdr.msg_name = &from[i];
            mm[i].msg_hdr.msg_namelen = sizeof from[i];
        }
        /* a one-off server that has answered its result leaves when the
         * client says bye, or after a second of silence */
        if (once && t.finished) {
            struct pollfd pfd = {fd, POLLIN, 0};
            if (poll(&pfd, 1, 1000) == 0)
                break;
        }
        int n = recvmmsg(fd, mm, BATCH, MSG_WAITFORONE, NULL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            fprintf(stderr, "%s: server: recvmmsg: %s\n", PROG, strerror(errno));
            close(fd);
            return 1;
        }
        uint64_t now = now_ns();
        bool done = false;
        for (int i = 0; i < n; i++) {
            size_t len = mm[i].msg_len;
            if (is_ctrl(bufs[i], len)) {
                bufs[i][len] = 0;
                if (srv_ctrl(fd, &t, (const char *)bufs[i], &from[i], mm[i].msg_hdr.msg_namelen,
                             quiet) &&
                    once)
                    done = true;
                continue;
            }
            if (!t.running || t.finished)
                continue;
            if (!t.msgs)
                t.t_first = now;
            t.t_last = now;
            t.bytes += len;
            t.msgs++;
            if (t.mode == MODE_PINGPONG &&
                sendto(fd, bufs[i], len, 0, (struct sockaddr *)&from[i],
                       mm[i].msg_hdr.msg_namelen) < 0)
                fprintf(stderr, "%s: server: echo: %s\n", PROG, strerror(errno));
        }
        if (done)
            break;
    }
    close(fd);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Client                                                                    */
/* ------------------------------------------------------------------------ */

/* Sends text until a control reply beginning with want (and this test's id)
 * comes back; data datagrams in between are dropped. 0, or -1. */
static int ctrl_exchange(int fd, const char *text, const char *want, uint64_t id, char *reply,
                         size_t cap)
{
    static uint8_t buf[MAX_DGRAM + 1];
    for (int attempt = 0; attempt < 100; attempt++) {
        if (send(fd, text, strlen(text), 0) < 0 && errno != ECONNREFUSED && errno != ENOBUFS) {
            fprintf(stderr, "%s: send: %s\n", PROG, strerror(errno));
            return -1;
        }
        uint64_t until = now_ns() + 50 * 1000000ull;
        for (;;) {
            uint64_t now = now_ns();
            if (now >= until)
                break;
            struct pollfd pfd = {fd, POLLIN, 0};
            int ms = (int)((until - now) / 1000000ull) + 1;
            if (poll(&pfd, 1, ms) <= 0)
                break;
            ssize_t n = recv(fd, buf, MAX_DGRAM, 0);
            if (n < 0)
                break; /* ECONNREFUSED: the server is not there yet */
            if (!is_ctrl(buf, (size_t)n))
                continue;
            buf[n] = 0;
            if (!strncmp((char *)buf, want, strlen(want)) &&
                ctrl_u64((char *)buf, "id", 0) == id) {
                size_t l = (size_t)n < cap - 1 ? (size_t)n : cap - 1;
                memcpy(reply, buf, l);
                reply[l] = 0;
                return 0;
            }
        }
    }
    fprintf(stderr, "%s: no \"%s\" from the server\n", PROG, want);
    return -1;
}

static int cmp_u64(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return a < b ? -1 : a > b;
}

static double pct(const uint64_t *v, size_t n, double q)
{
    if (!n)
        return 0;
    size_t r = (size_t)(q * (double)n + 0.999999);
    if (r < 1)
        r = 1;
    if (r > n)
        r = n;
    return (double)v[r - 1];
}

static int run_client(const char *host, uint16_t port, int mode, size_t size, double duration,
                      bool json, bool quiet)
{
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_DGRAM;
    char ps[8];
    snprintf(ps, sizeof ps, "%u", port);
    int rc = getaddrinfo(host, ps, &hints, &res);
    if (rc != 0 || !res) {
        fprintf(stderr, "%s: %s: %s\n", PROG, host, gai_strerror(rc));
        return 2;
    }
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0 || connect(fd, res->ai_addr, res->ai_addrlen) < 0) {
        fprintf(stderr, "%s: connect %s:%u: %s\n", PROG, host, port, strerror(errno));
        freeaddrinfo(res);
        return 1;
    }
    freeaddrinfo(res);
    set_bufs(fd);

    uint64_t id = 0;
    FILE *f = fopen("/dev/urandom", "rb");
    if (!f || fread(&id, 1, sizeof id, f) != sizeof id)
        id = now_ns() ^ (uint64_t)getpid();
    if (f)
        fclose(f);
    id >>= 1; /* fits strtoull and the sign-free printf */

    uint8_t *buf = malloc(size);
    uint8_t *rbuf = malloc(MAX_DGRAM + 1);
    if (!buf || !rbuf)
        return 1;
    for (size_t i = 0; i < size; i++)
        buf[i] = (uint8_t)(i * 131u + 7u);
    memcpy(buf, "udpd", size < 4 ? size : 4);

    char text[256], reply[320];
    snprintf(text, sizeof text, "udpc start id=%" PRIu64 " mode=%d size=%zu", id, mode, size);
    if (ctrl_exchange(fd, text, "udpc ready ", id, reply, sizeof reply) < 0)
        return 1;

    uint64_t sent = 0, nmsg = 0, lost = 0;
    uint64_t *rtt = NULL;
    size_t n_rtt = 0, cap_rtt = 0;
    uint64_t t0 = now_ns(), cpu0 = cpu_us();
    uint64_t deadline = t0 + (uint64_t)(duration * 1e9);
    if (mode == MODE_BULK) {
        struct mmsghdr mm[BATCH];
        struct iovec iov = {buf, size};
        memset(mm, 0, sizeof mm);
        for (unsigned i = 0; i < BATCH; i++) {
            mm[i].msg_hdr.msg_iov = &iov;
            mm[i].msg_hdr.msg_iovlen = 1;
        }
        while (now_ns() < deadline) {
            int n = sendmmsg(fd, mm, BATCH, 0);
            if (n < 0) {
                if (errno == EINTR || errno == ENOBUFS || errno == EAGAIN ||
                    errno == ECONNREFUSED)
                    continue;
                fprintf(stderr, "%s: sendmmsg: %s\n", PROG, strerror(errno));
                return 1;
            }
            nmsg += (uint64_t)n;
            sent += (uint64_t)n * size;
        }
    } else {
        while (now_ns() < deadline) {
            uint64_t t1 = now_ns();
            if (send(fd, buf, size, 0) < 0) {
                if (errno == EINTR)
                    continue;
                fprintf(stderr, "%s: send: %s\n", PROG, strerror(errno));
                return 1;
            }
            sent += size;
            nmsg++;
            /* the echo; a datagram lost on the way (not expected on one
             * host) is given up after a second and counted */
            for (;;) {
                struct pollfd pfd = {fd, POLLIN, 0};
                int pr = poll(&pfd, 1, 1000);
                if (pr < 0 && errno == EINTR)
                    continue;
                if (pr <= 0) {
                    lost++;
                    break;
                }
                ssize_t r = recv(fd, rbuf, MAX_DGRAM, 0);
                if (r < 0) {
                    if (errno == EINTR)
                        continue;
                    fprintf(stderr, "%s: recv: %s\n", PROG, strerror(errno));
                    return 1;
                }
                if (is_ctrl(rbuf, (size_t)r) || (size_t)r != size)
                    continue;
                if (n_rtt == cap_rtt) {
                    cap_rtt = cap_rtt ? cap_rtt * 2 : 65536;
                    uint64_t *p = realloc(rtt, cap_rtt * sizeof *p);
                    if (!p)
                        return 1;
                    rtt = p;
                }
                rtt[n_rtt++] = now_ns() - t1;
                break;
            }
        }
    }
    uint64_t t_send_end = now_ns();
    uint64_t ccpu_us = cpu_us() - cpu0;
    snprintf(text, sizeof text, "udpc done id=%" PRIu64 " bytes=%" PRIu64 " msgs=%" PRIu64, id,
             sent, nmsg);
    if (ctrl_exchange(fd, text, "udpc result ", id, reply, sizeof reply) < 0)
        return 1;
    snprintf(text, sizeof text, "udpc bye id=%" PRIu64, id);
    if (send(fd, text, strlen(text), 0) < 0 && !quiet)
        fprintf(stderr, "%s: send bye: %s\n", PROG, strerror(errno));

    uint64_t srv_bytes = ctrl_u64(reply, "bytes", 0), srv_msgs = ctrl_u64(reply, "msgs", 0);
    uint64_t srv_cpu = ctrl_u64(reply, "cpu_us", 0);
    double span = ctrl_double(reply, "span", 0), srv_secs = ctrl_double(reply, "seconds", 0);
    double secs = (double)(t_send_end - t0) / 1e9;
    double bps, mps;
    if (mode == MODE_BULK) { /* what the server received, over its span */
        double s = span > 0 ? span : secs;
        bps = s > 0 ? (double)srv_bytes * 8 / s : 0;
        mps = s > 0 ? (double)srv_msgs / s : 0;
    } else { /* round trips */
        bps = secs > 0 ? (double)n_rtt * (double)size * 8 / secs : 0;
        mps = secs > 0 ? (double)n_rtt / secs : 0;
    }
    double ccpu = secs > 0 ? (double)ccpu_us / 1e4 / secs : 0;
    double scpu = srv_secs > 0 ? (double)srv_cpu / 1e4 / srv_secs : 0;
    double p50 = 0, p90 = 0, p99 = 0, pmin = 0, pmax = 0;
    if (n_rtt) {
        qsort(rtt, n_rtt, sizeof *rtt, cmp_u64);
        p50 = pct(rtt, n_rtt, 0.50) / 1e3;
        p90 = pct(rtt, n_rtt, 0.90) / 1e3;
        p99 = pct(rtt, n_rtt, 0.99) / 1e3;
        pmin = (double)rtt[0] / 1e3;
        pmax = (double)rtt[n_rtt - 1] / 1e3;
    }
    bool ok = srv_bytes > 0 && (mode == MODE_BULK || n_rtt > 0);
    if (!quiet) {
        printf("%s -> %s:%u: %s, %zu-byte datagrams, %.2f s\n", PROG, host, port,
               mode_names[mode], size, secs);
        printf("  sent %" PRIu64 " datagrams (%" PRIu64 " bytes), the server received %" PRIu64
               " (%.1f %%)\n",
               nmsg, sent, srv_msgs, nmsg ? 100.0 * (double)srv_msgs / (double)nmsg : 0);
        printf("  %.3f Gbit/s, %.0f datagrams/s\n", bps / 1e9, mps);
        if (mode == MODE_PINGPONG)
            printf("  round trip: p50 %.1f us, p90 %.1f us, p99 %.1f us (min %.1f, max %.1f, "
                   "%zu samples, %" PRIu64 " lost)\n",
                   p50, p90, p99, pmin, pmax, n_rtt, lost);
        printf("  CPU: client %.1f %%, server %.1f %%\n", ccpu, scpu);
    }
    if (json) {
        printf("{\"tool\":\"%s\",\"client\":\"udp\",\"server\":\"udp\",\"mode\":\"%s\","
               "\"size\":%zu,\"batch\":%d,\"bytes\":%" PRIu64 ",\"msgs\":%" PRIu64
               ",\"server_bytes\":%" PRIu64 ",\"server_msgs\":%" PRIu64
               ",\"seconds\":%.6f,\"throughput_bps\":%.0f,\"msgs_per_s\":%.1f,",
               PROG, mode_names[mode], size, mode == MODE_BULK ? BATCH : 1, sent, nmsg, srv_bytes,
               srv_msgs, secs, bps, mps);
        if (mode == MODE_PINGPONG)
            printf("\"latency_us\":{\"p50\":%.1f,\"p90\":%.1f,\"p99\":%.1f,\"min\":%.1f,"
                   "\"max\":%.1f,\"samples\":%zu},\"lost\":%" PRIu64 ",",
                   p50, p90, p99, pmin, pmax, n_rtt, lost);
        printf("\"cpu_percent\":{\"client\":%.1f,\"server\":%.1f},\"ok\":%s}\n", ccpu, scpu,
               ok ? "true" : "false");
    }
    fflush(stdout);
    free(rtt);
    free(buf);
    free(rbuf);
    close(fd);
    return ok ? 0 : 1;
}

/* ------------------------------------------------------------------------ */
/* Command line                                                              */
/* ------------------------------------------------------------------------ */

static void usage(FILE *f)
{
    fprintf(f,
            "usage: %s -s [options]          server\n"
            "       %s -c HOST [options]     client\n"
            "  -m, --mode MODE      bulk | pingpong (default bulk)\n"
            "  -l, --length SIZE    datagram size (bulk 1452, pingpong 64)\n"
            "  -t, --time SECONDS   test duration (default 10)\n"
            "  -u, --udp-port PORT  the server's UDP port (default 9898; server: 0 = any)\n"
            "  -p, --port PORT      the same as -u\n"
            "  -1, --one-off        server: serve one test, then exit\n"
            "  -A, --affinity CPU   pin to this CPU\n"
            "      --json           a JSON summary as the last line\n"
            "  -q, --quiet          only errors (and --json)\n",
            PROG, PROG);
}

int main(int argc, char **argv)
{
    bool server = false, once = false, json = false, quiet = false;
    const char *host = NULL;
    int mode = MODE_BULK, cpu = -1;
    size_t size = 0;
    double duration = 10;
    uint16_t port = 9898;
    enum { O_JSON = 256 };
    static const struct option lo[] = {
        {"server", no_argument, NULL, 's'},
        {"client", required_argument, NULL, 'c'},
        {"mode", required_argument, NULL, 'm'},
        {"length", required_argument, NULL, 'l'},
        {"time", required_argument, NULL, 't'},
        {"port", required_argument, NULL, 'p'},
        {"udp-port", required_argument, NULL, 'u'},
        {"one-off", no_argument, NULL, '1'},
        {"affinity", required_argument, NULL, 'A'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {"json", no_argument, NULL, O_JSON},
        {NULL, 0, NULL, 0},
    };
    int o;
    unsigned long v;
    while ((o = getopt_long(argc, argv, "sc:m:l:t:p:u:1A:qh", lo, NULL)) != -1) {
        switch (o) {
        case 's': server = true; break;
        case 'c': host = optarg; break;
        case 'm':
            if (!strcmp(optarg, "bulk"))
                mode = MODE_BULK;
            else if (!strcmp(optarg, "pingpong"))
                mode = MODE_PINGPONG;
            else {
                fprintf(stderr, "%s: unknown mode %s (bulk | pingpong)\n", PROG, optarg);
                return 2;
            }
            break;
        case 'l':
            if (!parse_uint(optarg, MAX_DGRAM, &v) || v < 4) {
                fprintf(stderr, "%s: bad datagram size %s (4..%d)\n", PROG, optarg, MAX_DGRAM);
                return 2;
            }
            size = (size_t)v;
            break;
        case 't': {
            char *end;
            duration = strtod(optarg, &end);
            if (*end || duration <= 0 || duration > 86400) {
                fprintf(stderr, "%s: bad duration %s\n", PROG, optarg);
                return 2;
            }
            break;
        }
        case 'p':
        case 'u':
            if (!parse_uint(optarg, 65535, &v)) {
                fprintf(stderr, "%s: bad port %s\n", PROG, optarg);
                return 2;
            }
            port = (uint16_t)v;
            break;
        case '1': once = true; break;
        case 'A':
            if (!parse_uint(optarg, CPU_SETSIZE - 1, &v)) {
                fprintf(stderr, "%s: bad CPU %s\n", PROG, optarg);
                return 2;
            }
            cpu = (int)v;
            break;
        case 'q': quiet = true; break;
        case 'h': usage(stdout); return 0;
        case O_JSON: json = true; break;
        default: usage(stderr); return 2;
        }
    }
    if (optind != argc || server == (host != NULL) || (!server && port == 0)) {
        usage(stderr);
        return 2;
    }
    if (!size)
        size = mode == MODE_BULK ? 1452 : 64;
    if (cpu >= 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET((size_t)cpu, &set);
        if (sched_setaffinity(0, sizeof set, &set) < 0) {
            fprintf(stderr, "%s: -A %d: %s\n", PROG, cpu, strerror(errno));
            return 2;
        }
    }
    return server ? run_server(port, once, quiet)
                  : run_client(host, port, mode, size, duration, json, quiet);
}
