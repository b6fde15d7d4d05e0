/*
 * braid-perf: SCTP throughput and latency tester, client and server, in the
 * spirit of iperf3 and usrsctp's tsctp.
 *
 *   braid-perf -s [-p PORT] [-u UDPPORT] [-1] [--one-to-many] [-B ADDR] [-6]
 *   braid-perf -c HOST [-m bulk|msgs|pingpong] [-l SIZE] [-t SECONDS | -n BYTES]
 *              [--streams N] [--unordered] [--nodelay] [--one-to-many]
 *              [--assocs N] [-p PORT] [-u UDPPORT] [--json]
 *   common:    [--pcap FILE] [-A CPU] [--buf SIZE] [--local-udp PORT] [-q]
 *
 * Modes: bulk (one direction, client to server, -l bytes per message, for -t
 * seconds or -n bytes), msgs (the same with small messages, default 64 B:
 * the message rate), pingpong (one message in flight, the server echoes it:
 * round-trip latency percentiles). The client prints a progress line each
 * second when stdout is a terminal, a summary at the end and, with --json,
 * one JSON object as the last line. The server reports the bytes it
 * received and the CPU time it used back to the client at the end of each
 * test (getrusage of the whole process).
 *
 * The wire protocol is docs/braid-perf-protocol.md. The stack is reached
 * through the pn_* functions below (the "backend"). This file carries the
 * braid backend at its end; tests/interop/usrsctp_perf.c defines
 * PERF_EXTERNAL_BACKEND, includes this file and supplies a usrsctp backend,
 * so both programs speak the protocol with the same code.
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
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef PERF_PROG
#define PERF_PROG "braid-perf"
#endif

/* Payload protocol identifiers, as the four bytes appear on the wire. */
#define PPID_CTRL 0x62706631u /* "bpf1": control messages, stream 0, ordered */
#define PPID_DATA 0x62706664u /* "bpfd": test data */
#define CTRL_MAX 2048         /* longest control message */
#define MAX_STREAMS 1024      /* most streams a test may use */
#define MAX_ASSOCS 256        /* most parallel associations of a test */

enum perf_mode { MODE_BULK, MODE_MSGS, MODE_PINGPONG };
static const char *const mode_names[] = {"bulk", "msgs", "pingpong"};

typedef struct perf_cfg {
    bool server;
    const char *host;      /* client: the server */
    const char *bind_addr; /* server: address to bind (NULL: wildcard) */
    bool ipv6;             /* server: IPv6 wildcard */
    int mode;
    size_t size; /* 0: the mode's default */
    double duration;
    uint64_t nbytes; /* 0: run for duration */
    unsigned streams;
    bool unordered, nodelay, one_to_many, once, json, quiet;
    bool self; /* client: the server runs in a thread of this process too */
    unsigned assocs;
    const char *pcap;
    uint16_t port;      /* SCTP port */
    uint16_t udp_port;  /* server: local UDP port; client: the server's (0: default) */
    uint16_t local_udp; /* client: local UDP port (0: ephemeral) */
    int cpu;            /* -1: no pinning */
    uint32_t buf;       /* SO_SNDBUF / SO_RCVBUF; 0: the stack's default */
} perf_cfg;

/* ------------------------------------------------------------------------ */
/* Backend: the few socket calls the tool needs                              */
/* ------------------------------------------------------------------------ */

typedef struct pn_sock pn_sock;

typedef struct pn_conf {
    int family;
    bool one_to_many;
    bool nodelay;
    uint16_t udp_port;  /* listener: local UDP port; connect: the peer's (0: default) */
    uint16_t local_udp; /* connect: local UDP port (0: ephemeral) */
    uint32_t buf;       /* 0: default */
    uint16_t ostreams, instreams;
} pn_conf;

enum { PN_EOR = 1, PN_UNORDERED = 2, PN_NOTIF = 4 };
enum { PN_N_OTHER = 0, PN_N_UP, PN_N_DOWN };

typedef struct pn_rinfo {
    uint32_t assoc; /* association (one-to-many) */
    uint16_t sid;
    uint32_t ppid; /* as on the wire, read as a big-endian number */
    int flags;     /* PN_EOR | PN_UNORDERED | PN_NOTIF */
    int notif;     /* with PN_NOTIF: PN_N_* */
} pn_rinfo;

static const char *pn_stack(void);
/* Process-wide set-up, before any socket (pcap, usrsctp_init). 0 or -1. */
static int pn_init(const perf_cfg *c);
static pn_sock *pn_listen(const pn_conf *pc, const struct sockaddr *sa, socklen_t len);
static pn_sock *pn_accept(pn_sock *l);
static pn_sock *pn_connect(const pn_conf *pc, const struct sockaddr *sa, socklen_t len);
/* One whole message: the length sent, or -1 with errno. */
static ssize_t pn_send(pn_sock *s, uint32_t assoc, const struct sockaddr *to, socklen_t tolen,
                       uint16_t sid, uint32_t ppid, bool unordered, const void *buf, size_t len);
/* One message or piece (or notification): its length, 0 at the end of a
 * one-to-one association, -1 with errno. */
static ssize_t pn_recv(pn_sock *s, void *buf, size_t cap, pn_rinfo *ri);
static void pn_close(pn_sock *s);
/* Starts a graceful shutdown of the association (to: its peer, one-to-many
 * sockets only). 0, or -1 with errno. */
static int pn_shutdown(pn_sock *s, const struct sockaddr *to, socklen_t tolen);
/* The UDP encapsulation port a listener took. */
static unsigned pn_local_udp(pn_sock *l);
/* Streams of an association (SCTP_STATUS): 0, or -1. */
static int pn_streams(pn_sock *s, uint32_t assoc, unsigned *in, unsigned *out);
/* DATA chunks retransmitted by this process so far, -1 when unknown. */
static int64_t pn_retransmits(void);

/* ------------------------------------------------------------------------ */
/* Utilities                                                                 */
/* ------------------------------------------------------------------------ */

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

/* "64K", "1M", "1.5G", "100": bytes (binary multiples). */
static bool parse_size(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || v < 0)
        return false;
    double mul = 1;
    switch (*end) {
    case 'k':
    case 'K':
        mul = 1024.0;
        end++;
        break;
    case 'm':
    case 'M':
        mul = 1024.0 * 1024.0;
        end++;
        break;
    case 'g':
    case 'G':
        mul = 1024.0 * 1024.0 * 1024.0;
        end++;
        break;
    default: break;
    }
    if (*end == 'i' || *end == 'B')
        end++;
    if (*end == 'B')
        end++;
    if (*end)
        return false;
    *out = (uint64_t)(v * mul + 0.5);
    return true;
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

/* "1.23 GB" style (decimal multiples, as iperf prints volumes). */
static const char *fmt_bytes(char *b, size_t n, double v)
{
    if (v >= 1e9)
        snprintf(b, n, "%.2f GB", v / 1e9);
    else if (v >= 1e6)
        snprintf(b, n, "%.2f MB", v / 1e6);
    else if (v >= 1e3)
        snprintf(b, n, "%.2f kB", v / 1e3);
    else
        snprintf(b, n, "%.0f B", v);
    return b;
}

static const char *fmt_bps(char *b, size_t n, double bps)
{
    if (bps >= 1e9)
        snprintf(b, n, "%.2f Gbit/s", bps / 1e9);
    else if (bps >= 1e6)
        snprintf(b, n, "%.2f Mbit/s", bps / 1e6);
    else
        snprintf(b, n, "%.2f kbit/s", bps / 1e3);
    return b;
}

/* Deterministic filler for data messages. */
static void fill_pattern(uint8_t *p, size_t n)
{
    uint32_t x = 0x9e3779b9u;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        p[i] = (uint8_t)x;
    }
}

/* A control message: "bpf1 VERB\n" then "key=value\n" lines. */
typedef struct kv_msg {
    char verb[32];
    char text[CTRL_MAX + 1];
} kv_msg;

static bool kv_parse(kv_msg *m, const uint8_t *data, size_t len)
{
    if (len > CTRL_MAX)
        return false;
    memcpy(m->text, data, len);
    m->text[len] = 0;
    if (strncmp(m->text, "bpf1 ", 5) != 0)
        return false;
    size_t i = 0;
    const char *p = m->text + 5;
    while (*p && *p != '\n' && i + 1 < sizeof m->verb)
        m->verb[i++] = *p++;
    m->verb[i] = 0;
    return i > 0;
}

/* The value of key, or NULL. */
static const char *kv_get(const kv_msg *m, const char *key, char *val, size_t cap)
{
    size_t kl = strlen(key);
    const char *p = strchr(m->text, '\n');
    while (p) {
        p++;
        if (!strncmp(p, key, kl) && p[kl] == '=') {
            const char *v = p + kl + 1;
            size_t n = strcspn(v, "\n");
            if (n >= cap)
                n = cap - 1;
            memcpy(val, v, n);
            val[n] = 0;
            return val;
        }
        p = strchr(p, '\n');
    }
    return NULL;
}

static uint64_t kv_u64(const kv_msg *m, const char *key, uint64_t dflt)
{
    char v[64];
    if (!kv_get(m, key, v, sizeof v))
        return dflt;
    return strtoull(v, NULL, 0);
}

static int64_t kv_i64(const kv_msg *m, const char *key, int64_t dflt)
{
    char v[64];
    if (!kv_get(m, key, v, sizeof v))
        return dflt;
    return strtoll(v, NULL, 0);
}

static ssize_t send_ctrl(pn_sock *s, uint32_t assoc, const struct sockaddr *to, socklen_t tolen,
                         const char *text)
{
    return pn_send(s, assoc, to, tolen, 0, PPID_CTRL, false, text, strlen(text));
}

/* Reads until a whole control message arrives (data and notifications are
 * skipped). 0, or -1 (errno; 0 at the end of the association). */
static int recv_ctrl(pn_sock *s, kv_msg *m)
{
    uint8_t buf[CTRL_MAX + 1];
    size_t have = 0;
    uint8_t junk[65536];
    for (;;) {
        pn_rinfo ri;
        ssize_t n = pn_recv(s, have < sizeof buf ? buf + have : junk,
                            have < sizeof buf ? sizeof buf - have : sizeof junk, &ri);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n == 0)
                errno = 0;
            return -1;
        }
        if (ri.flags & PN_NOTIF) {
            if (ri.notif == PN_N_DOWN) {
                errno = ECONNRESET;
                return -1;
            }
            continue;
        }
        if (ri.ppid != PPID_CTRL)
            continue;
        have += (size_t)n;
        if (ri.flags & PN_EOR) {
            if (!kv_parse(m, buf, have < sizeof buf ? have : sizeof buf - 1)) {
                errno = EPROTO;
                return -1;
            }
            return 0;
        }
    }
}

/* ------------------------------------------------------------------------ */
/* Server                                                                    */
/* ------------------------------------------------------------------------ */

enum { S_WAIT_START, S_RUN, S_FINISHED };

typedef struct session {
    pn_sock *s;
    uint32_t assoc;
    bool in_use;
    int state;
    int mode;
    size_t size;
    unsigned streams;
    bool unordered;
    uint64_t test_id;
    unsigned idx, n_assocs;
    bool have_done;
    uint64_t bytes, msgs, want_bytes, want_msgs;
    uint64_t t0, t_end, cpu0;
    int64_t rtx0;
    /* the message being put together: control text, or a ping to echo */
    uint8_t ctrl[CTRL_MAX + 1];
    size_t ctrl_len;
    uint8_t *echo;
    size_t echo_len, echo_cap;
} session;

typedef struct test_rec {
    uint64_t id;
    unsigned n_assocs, closed;
} test_rec;

static pthread_mutex_t g_srv_lock = PTHREAD_MUTEX_INITIALIZER;
static test_rec g_tests[64];
static unsigned g_n_tests;
static const perf_cfg *g_cfg;
static atomic_bool g_once_done;

/* An association of test id went away; true when a -1 server should exit. */
static bool test_closed(uint64_t id, unsigned n_assocs)
{
    bool done = false;
    pthread_mutex_lock(&g_srv_lock);
    test_rec *t = NULL;
    for (unsigned i = 0; i < g_n_tests; i++)
        if (g_tests[i].id == id)
            t = &g_tests[i];
    if (!t) {
        t = &g_tests[g_n_tests % 64];
        if (g_n_tests < 64)
            g_n_tests++;
        t->id = id;
        t->n_assocs = n_assocs ? n_assocs : 1;
        t->closed = 0;
    }
    t->closed++;
    if (t->closed >= t->n_assocs && g_cfg->once)
        done = true;
    pthread_mutex_unlock(&g_srv_lock);
    return done;
}

static void session_reply(session *se, const char *text)
{
    if (send_ctrl(se->s, se->assoc, NULL, 0, text) < 0 && !g_cfg->quiet)
        fprintf(stderr, "%s: server: sending a control message: %s\n", PERF_PROG, strerror(errno));
}

static void session_check_finish(session *se)
{
    if (se->state != S_RUN || !se->have_done || se->bytes < se->want_bytes ||
        se->msgs < se->want_msgs)
        return;
    se->t_end = now_ns();
    uint64_t cpu = cpu_us() - se->cpu0;
    double secs = (double)(se->t_end - se->t0) / 1e9;
    int64_t rtx = pn_retransmits();
    if (rtx >= 0 && se->rtx0 >= 0)
        rtx -= se->rtx0;
    else
        rtx = -1;
    char text[512];
    snprintf(text, sizeof text,
             "bpf1 result\nbytes=%" PRIu64 "\nmsgs=%" PRIu64 "\nseconds=%.6f\ncpu_us=%" PRIu64
             "\nretransmits=%" PRId64 "\nstack=%s\n",
             se->bytes, se->msgs, secs, cpu, rtx, pn_stack());
    session_reply(se, text);
    se->state = S_FINISHED;
    if (!g_cfg->quiet) {
        char b1[32], b2[32];
        printf("test %016" PRIx64 " assoc %u/%u: %s %zu B: %s in %.2f s = %s, %.0f msg/s, "
               "cpu %.1f %%\n",
               se->test_id, se->idx + 1, se->n_assocs, mode_names[se->mode], se->size,
               fmt_bytes(b1, sizeof b1, (double)se->bytes), secs,
               fmt_bps(b2, sizeof b2, secs > 0 ? (double)se->bytes * 8 / secs : 0),
               secs > 0 ? (double)se->msgs / secs : 0, secs > 0 ? (double)cpu / 1e4 / secs : 0);
        fflush(stdout);
    }
}

static void session_ctrl(session *se, const uint8_t *data, size_t len)
{
    kv_msg m;
    if (!kv_parse(&m, data, len)) {
        fprintf(stderr, "%s: server: bad control message ignored\n", PERF_PROG);
        return;
    }
    if (!strcmp(m.verb, "start") && se->state == S_WAIT_START) {
        char v[32];
        se->mode = MODE_BULK;
        if (kv_get(&m, "mode", v, sizeof v))
            for (int i = 0; i < 3; i++)
                if (!strcmp(v, mode_names[i]))
                    se->mode = i;
        se->size = (size_t)kv_u64(&m, "size", 0);
        se->streams = (unsigned)kv_u64(&m, "streams", 1);
        se->unordered = kv_u64(&m, "unordered", 0) != 0;
        se->test_id = kv_u64(&m, "test", 0);
        se->idx = (unsigned)kv_u64(&m, "assoc", 0);
        se->n_assocs = (unsigned)kv_u64(&m, "assocs", 1);
        se->state = S_RUN;
        se->t0 = now_ns();
        se->cpu0 = cpu_us();
        se->rtx0 = pn_retransmits();
        unsigned in = 0, out = 0;
        pn_streams(se->s, se->assoc, &in, &out);
        char text[256];
        snprintf(text, sizeof text, "bpf1 ready\nstack=%s\nstreams_in=%u\nstreams_out=%u\n",
                 pn_stack(), in, out);
        session_reply(se, text);
    } else if (!strcmp(m.verb, "done") && se->state == S_RUN) {
        se->have_done = true;
        se->want_bytes = kv_u64(&m, "bytes", 0);
        se->want_msgs = kv_u64(&m, "msgs", 0);
        session_check_finish(se);
    } else {
        fprintf(stderr, "%s: server: unexpected control message \"%s\"\n", PERF_PROG, m.verb);
    }
}

/* One received piece of a message on the session's association. */
static void session_input(session *se, const pn_rinfo *ri, const uint8_t *data, size_t len)
{
    if (ri->ppid == PPID_CTRL) {
        if (se->ctrl_len + len <= CTRL_MAX) {
            memcpy(se->ctrl + se->ctrl_len, data, len);
            se->ctrl_len += len;
        } else {
            se->ctrl_len = CTRL_MAX + 1; /* too long: dropped at its end */
        }
        if (ri->flags & PN_EOR) {
            if (se->ctrl_len <= CTRL_MAX)
                session_ctrl(se, se->ctrl, se->ctrl_len);
            se->ctrl_len = 0;
        }
        return;
    }
    if (ri->ppid != PPID_DATA)
        return;
    se->bytes += len;
    if (se->mode == MODE_PINGPONG) {
        if (se->echo_len + len > se->echo_cap) {
            size_t cap = se->echo_cap ? se->echo_cap : 65536;
            while (cap < se->echo_len + len)
                cap *= 2;
            uint8_t *p = realloc(se->echo, cap);
            if (!p) {
                fprintf(stderr, "%s: server: out of memory\n", PERF_PROG);
                exit(1);
            }
            se->echo = p;
            se->echo_cap = cap;
        }
        memcpy(se->echo + se->echo_len, data, len);
        se->echo_len += len;
    }
    if (ri->flags & PN_EOR) {
        se->msgs++;
        if (se->mode == MODE_PINGPONG) {
            if (pn_send(se->s, se->assoc, NULL, 0, ri->sid, PPID_DATA,
                        (ri->flags & PN_UNORDERED) != 0, se->echo, se->echo_len) < 0 &&
                !g_cfg->quiet)
                fprintf(stderr, "%s: server: echo: %s\n", PERF_PROG, strerror(errno));
            se->echo_len = 0;
        }
    }
    session_check_finish(se);
}

static void session_free(session *se)
{
    free(se->echo);
    memset(se, 0, sizeof *se);
}

#define RECV_BUF (256 * 1024)

/* One-to-one: a thread per accepted association. */
static void *session_thread(void *arg)
{
    session *se = arg;
    uint8_t *buf = malloc(RECV_BUF);
    if (!buf) {
        pn_close(se->s);
        free(se);
        return NULL;
    }
    for (;;) {
        pn_rinfo ri;
        ssize_t n = pn_recv(se->s, buf, RECV_BUF, &ri);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n < 0 && se->state != S_FINISHED && !g_cfg->quiet)
                fprintf(stderr, "%s: server: association ended: %s\n", PERF_PROG, strerror(errno));
            break;
        }
        if (ri.flags & PN_NOTIF)
            continue;
        session_input(se, &ri, buf, (size_t)n);
    }
    free(buf);
    pn_close(se->s);
    /* an association that never started a test does not end one */
    bool exit_now = se->state != S_WAIT_START && test_closed(se->test_id, se->n_assocs);
    if (se->state != S_FINISHED && !g_cfg->quiet)
        fprintf(stderr, "%s: server: test %016" PRIx64 " association %u ended early\n", PERF_PROG,
                se->test_id, se->idx + 1);
    session_free(se);
    free(se);
    if (exit_now) {
        fflush(stdout);
        exit(0);
    }
    return NULL;
}

static bool resolve(const char *host, uint16_t port, int family, struct sockaddr_storage *ss,
                    socklen_t *len)
{
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = family;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = host ? 0 : AI_PASSIVE;
    char ps[8];
    snprintf(ps, sizeof ps, "%u", port);
    int rc = getaddrinfo(host, ps, &hints, &res);
    if (rc != 0 || !res) {
        fprintf(stderr, "%s: %s: %s\n", PERF_PROG, host ? host : "(wildcard)", gai_strerror(rc));
        return false;
    }
    memcpy(ss, res->ai_addr, res->ai_addrlen);
    *len = res->ai_addrlen;
    freeaddrinfo(res);
    return true;
}

static int run_server(const perf_cfg *c)
{
    struct sockaddr_storage ss;
    socklen_t sl;
    int family = c->ipv6 ? AF_INET6 : AF_INET;
    if (c->bind_addr) {
        if (!resolve(c->bind_addr, c->port, AF_UNSPEC, &ss, &sl))
            return 2;
        family = ss.ss_family;
    } else if (!resolve(NULL, c->port, family, &ss, &sl)) {
        return 2;
    }
    pn_conf pc = {family, c->one_to_many, c->nodelay,  c->udp_port,
                  0,      c->buf,         MAX_STREAMS, MAX_STREAMS};
    pn_sock *l = pn_listen(&pc, (struct sockaddr *)&ss, sl);
    if (!l) {
        fprintf(stderr, "%s: server: listen on SCTP port %u: %s\n", PERF_PROG, c->port,
                strerror(errno));
        return 1;
    }
    if (!c->quiet) {
        printf("%s (%s): listening on SCTP port %u, UDP encapsulation port %u%s\n", PERF_PROG,
               pn_stack(), c->port, pn_local_udp(l), c->one_to_many ? ", one-to-many" : "");
        fflush(stdout);
    }
    if (!c->one_to_many) {
        for (;;) {
            pn_sock *a = pn_accept(l);
            if (!a) {
                if (errno == EINTR || errno == ECONNABORTED)
                    continue;
                fprintf(stderr, "%s: server: accept: %s\n", PERF_PROG, strerror(errno));
                pn_close(l);
                return 1;
            }
            session *se = calloc(1, sizeof *se);
            pthread_t t;
            if (!se) {
                pn_close(a);
                continue;
            }
            se->s = a;
            se->in_use = true;
            pthread_attr_t at;
            pthread_attr_init(&at);
            pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
            if (pthread_create(&t, &at, session_thread, se) != 0) {
                pn_close(a);
                free(se);
            }
            pthread_attr_destroy(&at);
        }
    }
    /* one-to-many: every association on one socket, one thread */
    static session tab[MAX_ASSOCS];
    uint8_t *buf = malloc(RECV_BUF);
    if (!buf)
        return 1;
    int rc = 0;
    while (!atomic_load(&g_once_done)) {
        pn_rinfo ri;
        ssize_t n = pn_recv(l, buf, RECV_BUF, &ri);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            fprintf(stderr, "%s: server: receive: %s\n", PERF_PROG, strerror(errno));
            rc = 1;
            break;
        }
        session *se = NULL, *free_slot = NULL;
        for (unsigned i = 0; i < MAX_ASSOCS; i++) {
            if (tab[i].in_use && tab[i].assoc == ri.assoc)
                se = &tab[i];
            else if (!tab[i].in_use && !free_slot)
                free_slot = &tab[i];
        }
        if (ri.flags & PN_NOTIF) {
            if (ri.notif == PN_N_DOWN && se) {
                bool exit_now = se->state != S_WAIT_START && test_closed(se->test_id, se->n_assocs);
                session_free(se);
                if (exit_now)
                    atomic_store(&g_once_done, true);
            }
            continue;
        }
        if (!se) {
            if (!free_slot) {
                fprintf(stderr, "%s: server: more than %d associations\n", PERF_PROG, MAX_ASSOCS);
                continue;
            }
            se = free_slot;
            memset(se, 0, sizeof *se);
            se->s = l;
            se->assoc = ri.assoc;
            se->in_use = true;
        }
        session_input(se, &ri, buf, (size_t)n);
    }
    free(buf);
    pn_close(l);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Client                                                                    */
/* ------------------------------------------------------------------------ */

typedef struct client_assoc {
    unsigned idx;
    pthread_t thread;
    uint64_t want_bytes; /* -n share; 0: by time */
    atomic_uint_fast64_t bytes, msgs;
    uint64_t *rtt; /* pingpong round trips, ns */
    size_t n_rtt, cap_rtt;
    uint64_t t_end;
    /* the server's result */
    uint64_t srv_bytes, srv_msgs, srv_cpu_us;
    double srv_seconds;
    int64_t srv_rtx;
    char srv_stack[32];
    unsigned srv_in, srv_out, my_in, my_out;
    char err[256];
} client_assoc;

static const perf_cfg *c_cfg;
static struct sockaddr_storage c_peer;
static socklen_t c_peer_len;
static pthread_barrier_t c_barrier;
static uint64_t c_test_id;
static atomic_uint c_running;

static bool rtt_push(client_assoc *a, uint64_t v)
{
    if (a->n_rtt == a->cap_rtt) {
        size_t cap = a->cap_rtt ? a->cap_rtt * 2 : 65536;
        uint64_t *p = realloc(a->rtt, cap * sizeof *p);
        if (!p)
            return false;
        a->rtt = p;
        a->cap_rtt = cap;
    }
    a->rtt[a->n_rtt++] = v;
    return true;
}

static void *client_thread(void *arg)
{
    client_assoc *a = arg;
    const perf_cfg *c = c_cfg;
    bool ready = false;
    pn_sock *s = NULL;
    uint8_t *buf = NULL, *rbuf = NULL;
    const struct sockaddr *to = c->one_to_many ? (const struct sockaddr *)&c_peer : NULL;
    socklen_t tolen = c->one_to_many ? c_peer_len : 0;
    pn_conf pc = {c_peer.ss_family, c->one_to_many, c->nodelay,           c->udp_port,
                  c->local_udp,     c->buf,         (uint16_t)c->streams, (uint16_t)c->streams};
    if (c->local_udp && a->idx)
        pc.local_udp = (uint16_t)(c->local_udp + a->idx);
    buf = malloc(c->size);
    rbuf = malloc(c->size > RECV_BUF ? c->size : RECV_BUF);
    if (!buf || !rbuf) {
        snprintf(a->err, sizeof a->err, "out of memory");
        goto out;
    }
    fill_pattern(buf, c->size);
    s = pn_connect(&pc, (const struct sockaddr *)&c_peer, c_peer_len);
    if (!s) {
        snprintf(a->err, sizeof a->err, "connect: %s", strerror(errno));
        goto out;
    }
    pn_streams(s, 0, &a->my_in, &a->my_out);
    char text[512];
    snprintf(text, sizeof text,
             "bpf1 start\ntest=0x%016" PRIx64 "\nassoc=%u\nassocs=%u\nmode=%s\nsize=%zu\n"
             "duration_ms=%.0f\nbytes=%" PRIu64 "\nstreams=%u\nunordered=%d\nnodelay=%d\n",
             c_test_id, a->idx, c->assocs, mode_names[c->mode], c->size,
             c->nbytes ? 0.0 : c->duration * 1000.0, a->want_bytes, c->streams,
             c->unordered ? 1 : 0, c->nodelay ? 1 : 0);
    kv_msg m;
    if (send_ctrl(s, 0, to, tolen, text) < 0) {
        snprintf(a->err, sizeof a->err, "sending start: %s", strerror(errno));
        goto out;
    }
    if (recv_ctrl(s, &m) < 0 || strcmp(m.verb, "ready") != 0) {
        snprintf(a->err, sizeof a->err, "no ready from the server: %s",
                 errno ? strerror(errno) : "association closed");
        goto out;
    }
    kv_get(&m, "stack", a->srv_stack, sizeof a->srv_stack);
    a->srv_in = (unsigned)kv_u64(&m, "streams_in", 0);
    a->srv_out = (unsigned)kv_u64(&m, "streams_out", 0);
    if (a->my_out && a->my_out < c->streams) {
        snprintf(a->err, sizeof a->err, "only %u outbound streams negotiated, %u wanted", a->my_out,
                 c->streams);
        goto out;
    }
    ready = true;
    pthread_barrier_wait(&c_barrier);
    uint64_t deadline = now_ns() + (uint64_t)(c->duration * 1e9);
    uint64_t sent = 0, nmsg = 0;
    uint16_t sid = 0;
    for (;;) {
        if (a->want_bytes ? sent >= a->want_bytes : now_ns() >= deadline)
            break;
        size_t len = c->size;
        if (a->want_bytes && a->want_bytes - sent < len)
            len = (size_t)(a->want_bytes - sent);
        uint64_t t1 = c->mode == MODE_PINGPONG ? now_ns() : 0;
        ssize_t n = pn_send(s, 0, to, tolen, sid, PPID_DATA, c->unordered, buf, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            snprintf(a->err, sizeof a->err, "send: %s", strerror(errno));
            goto out;
        }
        sent += len;
        nmsg++;
        if (c->mode == MODE_PINGPONG) {
            size_t got = 0;
            for (;;) {
                pn_rinfo ri;
                ssize_t r = pn_recv(s, rbuf, RECV_BUF, &ri);
                if (r < 0 && errno == EINTR)
                    continue;
                if (r <= 0) {
                    snprintf(a->err, sizeof a->err, "waiting for the echo: %s",
                             r == 0 ? "association closed" : strerror(errno));
                    goto out;
                }
                if ((ri.flags & PN_NOTIF) || ri.ppid != PPID_DATA)
                    continue;
                got += (size_t)r;
                if (ri.flags & PN_EOR)
                    break;
            }
            if (got != len) {
                snprintf(a->err, sizeof a->err, "echo of %zu bytes for a %zu-byte message", got,
                         len);
                goto out;
            }
            if (!rtt_push(a, now_ns() - t1)) {
                snprintf(a->err, sizeof a->err, "out of memory");
                goto out;
            }
        }
        atomic_store(&a->bytes, sent);
        atomic_store(&a->msgs, nmsg);
        sid = (uint16_t)((sid + 1u) % c->streams);
    }
    snprintf(text, sizeof text, "bpf1 done\nbytes=%" PRIu64 "\nmsgs=%" PRIu64 "\n", sent, nmsg);
    if (send_ctrl(s, 0, to, tolen, text) < 0) {
        snprintf(a->err, sizeof a->err, "sending done: %s", strerror(errno));
        goto out;
    }
    if (recv_ctrl(s, &m) < 0 || strcmp(m.verb, "result") != 0) {
        snprintf(a->err, sizeof a->err, "no result from the server: %s",
                 errno ? strerror(errno) : "association closed");
        goto out;
    }
    a->t_end = now_ns();
    a->srv_bytes = kv_u64(&m, "bytes", 0);
    a->srv_msgs = kv_u64(&m, "msgs", 0);
    a->srv_cpu_us = kv_u64(&m, "cpu_us", 0);
    a->srv_rtx = kv_i64(&m, "retransmits", -1);
    char v[32];
    a->srv_seconds = kv_get(&m, "seconds", v, sizeof v) ? strtod(v, NULL) : 0;
    kv_get(&m, "stack", a->srv_stack, sizeof a->srv_stack);
    if (a->srv_bytes != sent || a->srv_msgs != nmsg)
        snprintf(a->err, sizeof a->err,
                 "the server received %" PRIu64 " bytes in %" PRIu64 " messages, we sent %" PRIu64
                 " in %" PRIu64,
                 a->srv_bytes, a->srv_msgs, sent, nmsg);
    /* graceful shutdown, waited for: exiting with it still running would
     * leave the server retransmitting its SHUTDOWN ACK */
    if (pn_shutdown(s, to, tolen) == 0) {
        for (;;) {
            pn_rinfo ri;
            ssize_t r = pn_recv(s, rbuf, RECV_BUF, &ri);
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0 || ((ri.flags & PN_NOTIF) && ri.notif == PN_N_DOWN))
                break;
        }
    }
out:
    if (!ready)
        pthread_barrier_wait(&c_barrier);
    if (s)
        pn_close(s);
    free(buf);
    free(rbuf);
    if (!a->t_end)
        a->t_end = now_ns();
    atomic_fetch_sub(&c_running, 1);
    return NULL;
}

static int cmp_u64(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return a < b ? -1 : a > b;
}

/* Nearest-rank percentile of a sorted array. */
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

static void *server_thread(void *arg)
{
    run_server(arg);
    return NULL;
}

static int run_client(const perf_cfg *c)
{
    if (!resolve(c->host, c->port, AF_UNSPEC, &c_peer, &c_peer_len))
        return 2;
    c_cfg = c;
    uint8_t rnd[8];
    FILE *f = fopen("/dev/urandom", "rb");
    if (!f || fread(rnd, 1, sizeof rnd, f) != sizeof rnd)
        memcpy(rnd, &(uint64_t){now_ns() ^ (uint64_t)getpid()}, sizeof rnd);
    if (f)
        fclose(f);
    memcpy(&c_test_id, rnd, sizeof c_test_id);
    client_assoc *as = calloc(c->assocs, sizeof *as);
    if (!as)
        return 1;
    pthread_barrier_init(&c_barrier, NULL, c->assocs + 1);
    atomic_store(&c_running, c->assocs);
    for (unsigned i = 0; i < c->assocs; i++) {
        as[i].idx = i;
        if (c->nbytes)
            as[i].want_bytes = c->nbytes / c->assocs + (i == 0 ? c->nbytes % c->assocs : 0);
        if (pthread_create(&as[i].thread, NULL, client_thread, &as[i]) != 0) {
            fprintf(stderr, "%s: cannot start a thread\n", PERF_PROG);
            exit(1);
        }
    }
    pthread_barrier_wait(&c_barrier);
    uint64_t t0 = now_ns(), cpu0 = cpu_us();
    int64_t rtx0 = pn_retransmits();
    bool progress = isatty(STDOUT_FILENO) && !c->json && !c->quiet;
    uint64_t last_t = t0, last_b = 0, last_m = 0;
    while (atomic_load(&c_running) > 0) {
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
        uint64_t t = now_ns();
        if (progress && t - last_t >= 1000000000ull) {
            uint64_t b = 0, mm = 0;
            for (unsigned i = 0; i < c->assocs; i++) {
                b += atomic_load(&as[i].bytes);
                mm += atomic_load(&as[i].msgs);
            }
            double dt = (double)(t - last_t) / 1e9;
            char b1[32];
            printf("[%6.2f-%6.2f s] %s  %.0f msg/s\n", (double)(last_t - t0) / 1e9,
                   (double)(t - t0) / 1e9, fmt_bps(b1, sizeof b1, (double)(b - last_b) * 8 / dt),
                   (double)(mm - last_m) / dt);
            fflush(stdout);
            last_t = t;
            last_b = b;
            last_m = mm;
        }
    }
    int rc = 0;
    uint64_t bytes = 0, msgs = 0, t_end = t0, srv_cpu = 0, srv_bytes = 0;
    double srv_secs = 0;
    int64_t srv_rtx = 0;
    size_t n_rtt = 0;
    for (unsigned i = 0; i < c->assocs; i++) {
        pthread_join(as[i].thread, NULL);
        if (as[i].err[0]) {
            fprintf(stderr, "%s: association %u: %s\n", PERF_PROG, i + 1, as[i].err);
            rc = 1;
        }
        bytes += atomic_load(&as[i].bytes);
        msgs += atomic_load(&as[i].msgs);
        srv_bytes += as[i].srv_bytes;
        if (as[i].t_end > t_end)
            t_end = as[i].t_end;
        if (as[i].srv_cpu_us > srv_cpu) {
            srv_cpu = as[i].srv_cpu_us;
            srv_secs = as[i].srv_seconds;
        }
        if (as[i].srv_rtx < 0 || srv_rtx < 0)
            srv_rtx = -1;
        else if (as[i].srv_rtx > srv_rtx)
            srv_rtx = as[i].srv_rtx; /* process-wide counts: the largest */
        n_rtt += as[i].n_rtt;
    }
    uint64_t cpu1 = cpu_us();
    int64_t rtx = pn_retransmits();
    rtx = (rtx >= 0 && rtx0 >= 0) ? rtx - rtx0 : -1;
    double secs = (double)(t_end - t0) / 1e9;
    double bps = secs > 0 ? (double)bytes * 8 / secs : 0;
    double mps = secs > 0 ? (double)msgs / secs : 0;
    double ccpu = secs > 0 ? (double)(cpu1 - cpu0) / 1e4 / secs : 0;
    double scpu = srv_secs > 0 ? (double)srv_cpu / 1e4 / srv_secs : 0;
    uint64_t *all = NULL;
    double p50 = 0, p90 = 0, p99 = 0, pmin = 0, pmax = 0;
    if (n_rtt) {
        all = malloc(n_rtt * sizeof *all);
        size_t k = 0;
        for (unsigned i = 0; all && i < c->assocs; i++) {
            memcpy(all + k, as[i].rtt, as[i].n_rtt * sizeof *all);
            k += as[i].n_rtt;
        }
        if (all) {
            qsort(all, n_rtt, sizeof *all, cmp_u64);
            p50 = pct(all, n_rtt, 0.50) / 1e3;
            p90 = pct(all, n_rtt, 0.90) / 1e3;
            p99 = pct(all, n_rtt, 0.99) / 1e3;
            pmin = (double)all[0] / 1e3;
            pmax = (double)all[n_rtt - 1] / 1e3;
        }
    }
    const char *srv_stack = as[0].srv_stack[0] ? as[0].srv_stack : "?";
    if (!c->quiet) {
        char b1[32], b2[32], rx[32], srx[32];
        printf("%s (%s) -> %s (%s): %s, %zu-byte messages, %u stream%s, %s, %u association%s%s\n",
               PERF_PROG, pn_stack(), c->host, srv_stack, mode_names[c->mode], c->size, c->streams,
               c->streams == 1 ? "" : "s", c->unordered ? "unordered" : "ordered", c->assocs,
               c->assocs == 1 ? "" : "s", c->nodelay ? ", nodelay" : "");
        printf("  sent     %s in %" PRIu64 " messages, %.2f s: %s, %.0f msg/s\n",
               fmt_bytes(b1, sizeof b1, (double)bytes), msgs, secs, fmt_bps(b2, sizeof b2, bps),
               mps);
        printf("  received by the server: %s\n", fmt_bytes(b1, sizeof b1, (double)srv_bytes));
        if (c->mode == MODE_PINGPONG)
            printf("  round trip: p50 %.1f us, p90 %.1f us, p99 %.1f us (min %.1f, max %.1f, "
                   "%zu samples)\n",
                   p50, p90, p99, pmin, pmax, n_rtt);
        if (rtx >= 0)
            snprintf(rx, sizeof rx, "%" PRId64, rtx);
        else
            snprintf(rx, sizeof rx, "n/a");
        if (srv_rtx >= 0)
            snprintf(srx, sizeof srx, "%" PRId64, srv_rtx);
        else
            snprintf(srx, sizeof srx, "n/a");
        printf("  retransmitted DATA chunks: client %s, server %s\n", rx, srx);
        printf("  CPU: client %.1f %%, server %.1f %%\n", ccpu, scpu);
    }
    if (c->json) {
        printf("{\"tool\":\"%s\",\"client\":\"%s\",\"server\":\"%s\",\"mode\":\"%s\","
               "\"size\":%zu,\"streams\":%u,\"unordered\":%s,\"nodelay\":%s,"
               "\"one_to_many\":%s,\"assocs\":%u,\"bytes\":%" PRIu64 ",\"msgs\":%" PRIu64
               ",\"server_bytes\":%" PRIu64 ",\"seconds\":%.6f,\"throughput_bps\":%.0f,"
               "\"msgs_per_s\":%.1f,",
               PERF_PROG, pn_stack(), srv_stack, mode_names[c->mode], c->size, c->streams,
               c->unordered ? "true" : "false", c->nodelay ? "true" : "false",
               c->one_to_many ? "true" : "false", c->assocs, bytes, msgs, srv_bytes, secs, bps,
               mps);
        if (c->mode == MODE_PINGPONG)
            printf("\"latency_us\":{\"p50\":%.1f,\"p90\":%.1f,\"p99\":%.1f,\"min\":%.1f,"
                   "\"max\":%.1f,\"samples\":%zu},",
                   p50, p90, p99, pmin, pmax, n_rtt);
        printf("\"retransmits\":{\"client\":");
        if (rtx >= 0)
            printf("%" PRId64, rtx);
        else
            printf("null");
        printf(",\"server\":");
        if (srv_rtx >= 0)
            printf("%" PRId64, srv_rtx);
        else
            printf("null");
        printf("},\"cpu_percent\":{\"client\":%.1f,\"server\":%.1f},\"ok\":%s}\n", ccpu, scpu,
               rc == 0 ? "true" : "false");
    }
    fflush(stdout);
    for (unsigned i = 0; i < c->assocs; i++)
        free(as[i].rtt);
    free(all);
    free(as);
    pthread_barrier_destroy(&c_barrier);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Command line                                                              */
/* ------------------------------------------------------------------------ */

static void usage(FILE *f)
{
    fprintf(f,
            "usage: %s -s [options]          server\n"
            "       %s -c HOST [options]     client\n"
            "  -m, --mode MODE      bulk | msgs | pingpong (default bulk)\n"
            "  -l, --length SIZE    message size (bulk 64K, msgs 64, pingpong 64)\n"
            "  -t, --time SECONDS   test duration (default 10)\n"
            "  -n, --bytes BYTES    send this many bytes instead\n"
            "      --streams N      spread messages over N streams (default 1)\n"
            "      --unordered      send unordered messages\n"
            "      --nodelay        SCTP_NODELAY (no bundling delay)\n"
            "      --one-to-many    SOCK_SEQPACKET sockets (one server socket for all)\n"
            "      --assocs N       N parallel associations (default 1)\n"
            "  -p, --port PORT      SCTP port (default 5001)\n"
            "  -u, --udp-port PORT  UDP encapsulation port: the server's own, the client's\n"
            "                       destination (default $BRAID_UDP_PORT or 9899)\n"
            "      --local-udp PORT client: local UDP port (default ephemeral)\n"
            "  -B, --bind ADDR      server: bind to this address\n"
            "  -6                   server: IPv6 wildcard\n"
            "  -1, --one-off        server: serve one test, then exit\n"
            "      --self           client: run the server in this process too (a thread;\n"
            "                       client and server in one process)\n"
            "      --buf SIZE       SO_SNDBUF and SO_RCVBUF (default 4M; 0 = stack default)\n"
            "      --pcap FILE      record every packet sent and received\n"
            "  -A, --affinity CPU   pin to this CPU\n"
            "      --json           a JSON summary as the last line\n"
            "  -q, --quiet          only errors (and --json)\n",
            PERF_PROG, PERF_PROG);
}

int main(int argc, char **argv)
{
    static perf_cfg c; /* lives as long as the threads that read it */
    memset(&c, 0, sizeof c);
    c.mode = MODE_BULK;
    c.duration = 10;
    c.streams = 1;
    c.assocs = 1;
    c.port = 5001;
    c.cpu = -1;
    c.buf = 4u << 20;
    bool client = false;
    enum {
        O_STREAMS = 256,
        O_UNORDERED,
        O_NODELAY,
        O_1TM,
        O_ASSOCS,
        O_PCAP,
        O_JSON,
        O_BUF,
        O_LOCAL_UDP,
        O_SELF
    };
    static const struct option lo[] = {
        {"server", no_argument, NULL, 's'},
        {"client", required_argument, NULL, 'c'},
        {"mode", required_argument, NULL, 'm'},
        {"length", required_argument, NULL, 'l'},
        {"time", required_argument, NULL, 't'},
        {"bytes", required_argument, NULL, 'n'},
        {"port", required_argument, NULL, 'p'},
        {"udp-port", required_argument, NULL, 'u'},
        {"bind", required_argument, NULL, 'B'},
        {"one-off", no_argument, NULL, '1'},
        {"affinity", required_argument, NULL, 'A'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {"streams", required_argument, NULL, O_STREAMS},
        {"unordered", no_argument, NULL, O_UNORDERED},
        {"nodelay", no_argument, NULL, O_NODELAY},
        {"one-to-many", no_argument, NULL, O_1TM},
        {"assocs", required_argument, NULL, O_ASSOCS},
        {"pcap", required_argument, NULL, O_PCAP},
        {"json", no_argument, NULL, O_JSON},
        {"buf", required_argument, NULL, O_BUF},
        {"local-udp", required_argument, NULL, O_LOCAL_UDP},
        {"self", no_argument, NULL, O_SELF},
        {NULL, 0, NULL, 0},
    };
    int o;
    unsigned long v;
    uint64_t sz;
    while ((o = getopt_long(argc, argv, "sc:m:l:t:n:p:u:B:1A:qh6", lo, NULL)) != -1) {
        switch (o) {
        case 's': c.server = true; break;
        case 'c':
            client = true;
            c.host = optarg;
            break;
        case 'm': {
            int m = -1;
            for (int i = 0; i < 3; i++)
                if (!strcmp(optarg, mode_names[i]))
                    m = i;
            if (m < 0) {
                fprintf(stderr, "%s: unknown mode %s\n", PERF_PROG, optarg);
                return 2;
            }
            c.mode = m;
            break;
        }
        case 'l':
            if (!parse_size(optarg, &sz) || sz == 0 || sz > (1u << 30)) {
                fprintf(stderr, "%s: bad message size %s\n", PERF_PROG, optarg);
                return 2;
            }
            c.size = (size_t)sz;
            break;
        case 't': {
            char *end;
            c.duration = strtod(optarg, &end);
            if (*end || c.duration <= 0 || c.duration > 86400) {
                fprintf(stderr, "%s: bad duration %s\n", PERF_PROG, optarg);
                return 2;
            }
            break;
        }
        case 'n':
            if (!parse_size(optarg, &c.nbytes) || c.nbytes == 0) {
                fprintf(stderr, "%s: bad byte count %s\n", PERF_PROG, optarg);
                return 2;
            }
            break;
        case 'p':
        case 'u':
        case O_LOCAL_UDP:
            if (!parse_uint(optarg, 65535, &v) || v == 0) {
                fprintf(stderr, "%s: bad port %s\n", PERF_PROG, optarg);
                return 2;
            }
            if (o == 'p')
                c.port = (uint16_t)v;
            else if (o == 'u')
                c.udp_port = (uint16_t)v;
            else
                c.local_udp = (uint16_t)v;
            break;
        case 'B': c.bind_addr = optarg; break;
        case '6': c.ipv6 = true; break;
        case '1': c.once = true; break;
        case 'A':
            if (!parse_uint(optarg, CPU_SETSIZE - 1, &v)) {
                fprintf(stderr, "%s: bad CPU %s\n", PERF_PROG, optarg);
                return 2;
            }
            c.cpu = (int)v;
            break;
        case 'q': c.quiet = true; break;
        case 'h': usage(stdout); return 0;
        case O_STREAMS:
            if (!parse_uint(optarg, MAX_STREAMS, &v) || v == 0) {
                fprintf(stderr, "%s: --streams takes 1..%d\n", PERF_PROG, MAX_STREAMS);
                return 2;
            }
            c.streams = (unsigned)v;
            break;
        case O_UNORDERED: c.unordered = true; break;
        case O_NODELAY: c.nodelay = true; break;
        case O_1TM: c.one_to_many = true; break;
        case O_ASSOCS:
            if (!parse_uint(optarg, MAX_ASSOCS, &v) || v == 0) {
                fprintf(stderr, "%s: --assocs takes 1..%d\n", PERF_PROG, MAX_ASSOCS);
                return 2;
            }
            c.assocs = (unsigned)v;
            break;
        case O_PCAP: c.pcap = optarg; break;
        case O_JSON: c.json = true; break;
        case O_SELF: c.self = true; break;
        case O_BUF:
            if (!parse_size(optarg, &sz) || sz > (1u << 30)) {
                fprintf(stderr, "%s: bad buffer size %s\n", PERF_PROG, optarg);
                return 2;
            }
            c.buf = (uint32_t)sz;
            break;
        default: usage(stderr); return 2;
        }
    }
    if (optind != argc || c.server == client) {
        usage(stderr);
        return 2;
    }
    if (!c.size)
        c.size = c.mode == MODE_BULK ? 65536 : 64;
    if (c.buf && c.buf < c.size)
        c.buf = (uint32_t)(c.size < (1u << 30) ? c.size * 2 : c.size);
    if (c.cpu >= 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET((size_t)c.cpu, &set);
        if (sched_setaffinity(0, sizeof set, &set) < 0) {
            fprintf(stderr, "%s: -A %d: %s\n", PERF_PROG, c.cpu, strerror(errno));
            return 2;
        }
    }
    g_cfg = &c;
    if (c.self && !c.server) {
        /* the server in a thread of this process: the one-process case */
        static perf_cfg srv;
        srv = c;
        srv.server = true;
        srv.quiet = true;
        srv.once = false;
        srv.json = false;
        g_cfg = &srv;
        if (pn_init(&srv) < 0)
            return 1;
        pthread_t th;
        if (pthread_create(&th, NULL, server_thread, &srv) != 0) {
            fprintf(stderr, "%s: --self: cannot start the server thread\n", PERF_PROG);
            return 1;
        }
        pthread_detach(th);
        struct timespec ts = {0, 200000000}; /* (it listens long before) */
        nanosleep(&ts, NULL);
        return run_client(&c);
    }
    if (pn_init(&c) < 0)
        return 1;
    return c.server ? run_server(&c) : run_client(&c);
}

/* ------------------------------------------------------------------------ */
/* The braid backend                                                         */
/* ------------------------------------------------------------------------ */

#ifndef PERF_EXTERNAL_BACKEND

#include "braid/sctp.h"

struct pn_sock {
    int fd;
    bool one_to_many;
};

static const char *pn_stack(void)
{
    return "braid";
}

static int pn_init(const perf_cfg *c)
{
    /* every transport of the process writes to $BRAID_PCAP (src/io) */
    if (c->pcap && setenv("BRAID_PCAP", c->pcap, 1) < 0)
        return -1;
    return 0;
}

static int setopt(int fd, int level, int name, const void *v, socklen_t l, const char *what)
{
    if (braid_setsockopt(fd, level, name, v, l) < 0) {
        fprintf(stderr, "%s: setsockopt %s: %s\n", PERF_PROG, what, strerror(errno));
        return -1;
    }
    return 0;
}

static pn_sock *new_sock(const pn_conf *pc)
{
    int fd = braid_socket(pc->family, pc->one_to_many ? SOCK_SEQPACKET : SOCK_STREAM, IPPROTO_SCTP);
    if (fd < 0)
        return NULL;
    struct sctp_initmsg im;
    memset(&im, 0, sizeof im);
    im.sinit_num_ostreams = pc->ostreams;
    im.sinit_max_instreams = pc->instreams;
    int on = 1, buf = (int)pc->buf;
    struct sctp_event ev;
    memset(&ev, 0, sizeof ev);
    ev.se_type = SCTP_ASSOC_CHANGE;
    ev.se_on = 1;
    if (setopt(fd, IPPROTO_SCTP, SCTP_INITMSG, &im, sizeof im, "SCTP_INITMSG") < 0 ||
        setopt(fd, IPPROTO_SCTP, SCTP_RECVRCVINFO, &on, sizeof on, "SCTP_RECVRCVINFO") < 0 ||
        (pc->nodelay &&
         setopt(fd, IPPROTO_SCTP, SCTP_NODELAY, &on, sizeof on, "SCTP_NODELAY") < 0) ||
        (buf && setopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf, "SO_SNDBUF") < 0) ||
        (buf && setopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf, "SO_RCVBUF") < 0) ||
        (pc->one_to_many &&
         setopt(fd, IPPROTO_SCTP, SCTP_EVENT, &ev, sizeof ev, "SCTP_EVENT") < 0)) {
        braid_close(fd);
        return NULL;
    }
    pn_sock *s = calloc(1, sizeof *s);
    if (!s) {
        braid_close(fd);
        return NULL;
    }
    s->fd = fd;
    s->one_to_many = pc->one_to_many;
    return s;
}

static pn_sock *pn_listen(const pn_conf *pc, const struct sockaddr *sa, socklen_t len)
{
    pn_sock *s = new_sock(pc);
    if (!s)
        return NULL;
    int port = pc->udp_port;
    if ((port && setopt(s->fd, IPPROTO_SCTP, BRAID_SCTP_LOCAL_UDP_PORT, &port, sizeof port,
                        "BRAID_SCTP_LOCAL_UDP_PORT") < 0) ||
        braid_bind(s->fd, sa, len) < 0 || braid_listen(s->fd, 128) < 0) {
        int e = errno;
        pn_close(s);
        errno = e;
        return NULL;
    }
    return s;
}

static pn_sock *pn_accept(pn_sock *l)
{
    int fd = braid_accept(l->fd, NULL, NULL);
    if (fd < 0)
        return NULL;
    pn_sock *s = calloc(1, sizeof *s);
    if (!s) {
        braid_close(fd);
        errno = ENOMEM;
        return NULL;
    }
    s->fd = fd;
    return s;
}

/* The server's UDP encapsulation port. RFC 6951 §6.1 (and Linux, usrsctp)
 * have sue_port in network byte order; braid's sockets read it in host byte
 * order for now (examples/ and the API tests do the same): when that is
 * fixed, this becomes htons(port). */
static int set_remote_udp(int fd, uint16_t port)
{
    struct sctp_udpencaps u;
    memset(&u, 0, sizeof u);
    u.sue_assoc_id = SCTP_FUTURE_ASSOC;
    u.sue_port = htons(port);
    return setopt(fd, IPPROTO_SCTP, SCTP_REMOTE_UDP_ENCAPS_PORT, &u, sizeof u,
                  "SCTP_REMOTE_UDP_ENCAPS_PORT");
}

static pn_sock *pn_connect(const pn_conf *pc, const struct sockaddr *sa, socklen_t len)
{
    pn_sock *s = new_sock(pc);
    if (!s)
        return NULL;
    int lport = pc->local_udp;
    if ((pc->udp_port && set_remote_udp(s->fd, pc->udp_port) < 0) ||
        (lport && setopt(s->fd, IPPROTO_SCTP, BRAID_SCTP_LOCAL_UDP_PORT, &lport, sizeof lport,
                         "BRAID_SCTP_LOCAL_UDP_PORT") < 0) ||
        braid_connect(s->fd, sa, len) < 0) {
        int e = errno;
        pn_close(s);
        errno = e;
        return NULL;
    }
    return s;
}

static ssize_t pn_send(pn_sock *s, uint32_t assoc, const struct sockaddr *to, socklen_t tolen,
                       uint16_t sid, uint32_t ppid, bool unordered, const void *buf, size_t len)
{
    (void)tolen;
    struct sctp_sndinfo si;
    memset(&si, 0, sizeof si);
    si.snd_sid = sid;
    si.snd_flags = unordered ? SCTP_UNORDERED : 0;
    si.snd_ppid = htonl(ppid); /* opaque to the stack: the bytes go on the wire as they are */
    si.snd_assoc_id = (sctp_assoc_t)assoc;
    struct iovec iov = {(void *)(uintptr_t)buf, len};
    return sctp_sendv(s->fd, &iov, 1, (struct sockaddr *)(uintptr_t)to, to ? 1 : 0, &si, sizeof si,
                      SCTP_SENDV_SNDINFO, 0);
}

static ssize_t pn_recv(pn_sock *s, void *buf, size_t cap, pn_rinfo *ri)
{
    struct iovec iov = {buf, cap};
    struct sctp_rcvinfo rcv;
    socklen_t rl = sizeof rcv;
    unsigned int type = 0;
    int flags = 0;
    memset(&rcv, 0, sizeof rcv);
    memset(ri, 0, sizeof *ri);
    ssize_t n = sctp_recvv(s->fd, &iov, 1, NULL, NULL, &rcv, &rl, &type, &flags);
    if (n < 0)
        return n;
    if (flags & MSG_NOTIFICATION) {
        ri->flags = PN_NOTIF | PN_EOR;
        const union sctp_notification *sn = buf;
        if ((size_t)n >= sizeof(struct sctp_assoc_change) &&
            sn->sn_header.sn_type == SCTP_ASSOC_CHANGE) {
            ri->assoc = (uint32_t)sn->sn_assoc_change.sac_assoc_id;
            switch (sn->sn_assoc_change.sac_state) {
            case SCTP_COMM_UP: ri->notif = PN_N_UP; break;
            case SCTP_COMM_LOST:
            case SCTP_SHUTDOWN_COMP:
            case SCTP_CANT_STR_ASSOC: ri->notif = PN_N_DOWN; break;
            default: break;
            }
        }
        return n;
    }
    if (flags & MSG_EOR)
        ri->flags |= PN_EOR;
    if (type == SCTP_RECVV_RCVINFO) {
        ri->assoc = (uint32_t)rcv.rcv_assoc_id;
        ri->sid = rcv.rcv_sid;
        ri->ppid = ntohl(rcv.rcv_ppid);
        if (rcv.rcv_flags & SCTP_UNORDERED)
            ri->flags |= PN_UNORDERED;
    }
    return n;
}

static void pn_close(pn_sock *s)
{
    if (!s)
        return;
    braid_close(s->fd);
    free(s);
}

static int pn_shutdown(pn_sock *s, const struct sockaddr *to, socklen_t tolen)
{
    (void)tolen;
    if (!s->one_to_many)
        return braid_shutdown(s->fd, SHUT_WR);
    struct sctp_sndinfo si; /* RFC 6458 §5.3.4: SCTP_EOF on a one-to-many socket */
    memset(&si, 0, sizeof si);
    si.snd_flags = SCTP_EOF;
    return sctp_sendv(s->fd, NULL, 0, (struct sockaddr *)(uintptr_t)to, 1, &si, sizeof si,
                      SCTP_SENDV_SNDINFO, 0) < 0
               ? -1
               : 0;
}

static unsigned pn_local_udp(pn_sock *l)
{
    int port = 0;
    socklen_t len = sizeof port;
    braid_getsockopt(l->fd, IPPROTO_SCTP, BRAID_SCTP_LOCAL_UDP_PORT, &port, &len);
    return (unsigned)port;
}

static int pn_streams(pn_sock *s, uint32_t assoc, unsigned *in, unsigned *out)
{
    struct sctp_status st;
    memset(&st, 0, sizeof st);
    st.sstat_assoc_id = (sctp_assoc_t)assoc;
    socklen_t l = sizeof st;
    if (braid_getsockopt(s->fd, IPPROTO_SCTP, SCTP_STATUS, &st, &l) < 0)
        return -1;
    *in = st.sstat_instrms;
    *out = st.sstat_outstrms;
    return 0;
}

static int64_t pn_retransmits(void)
{
    return -1; /* SCTP_GET_ASSOC_STATS is not offered by braid's sockets yet */
}

#endif /* PERF_EXTERNAL_BACKEND */
