/*
 * One side of an interop scenario, compiled twice: against braid's sockets
 * (interop_peer_braid) and against usrsctp (interop_peer_usrsctp, with
 * -DPEER_USRSCTP). Both headers spell the RFC 6458 API with the same names, so
 * the checks below are one text for both stacks; only the calls differ (the
 * p_* shims). run_pair.sh starts a server and a client of either kind.
 *
 *   interop_peer_X -s SCENARIO [-u UDPPORT]     server: prints "READY udp=N"
 *   interop_peer_X -c SCENARIO -u UDPPORT       client of 127.0.0.1
 *
 * Every scenario checks what arrived (bytes, streams, ppid, flags,
 * notifications), not only that the calls succeeded; the first failed check
 * ends the process with status 1 and the line of the check.
 *
 * Scenarios: handshake, streams, streams_asym, ordered, unordered, sizes,
 * bulk200, shutdown_c, shutdown_s, abort_c, abort_s, heartbeat (see below).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifdef PEER_USRSCTP
#include <usrsctp.h>
#define STACK "usrsctp"
#else
#include "braid/sctp.h"
#define STACK "braid"
#endif

/* The server's SCTP port: $INTEROP_SCTP_PORT, else 5001. SCTP ports are
 * the host's (a braid server in another process holds its own), so
 * scenarios running at once each get their own (run_pair.sh). */
static uint16_t sctp_port(void)
{
    const char *e = getenv("INTEROP_SCTP_PORT");
    long v = e ? strtol(e, NULL, 10) : 0;
    return v > 0 && v < 65536 ? (uint16_t)v : 5001;
}
#define SCTP_PORT sctp_port()
/* Payload protocol identifiers are offsets from this unassigned value: the
 * small ones belong to IANA-registered protocols (1 is IUA, 2 M2UA, ...),
 * which tshark would dissect the test's payloads as. */
#define PPID_BASE 0x42490000u
#define CAUSE_USER_ABORT 12 /* RFC 9260 §3.3.10.12 */

static bool g_server;
static const char *g_scen;
static sctp_assoc_t g_assoc;                     /* the association (one-to-many sockets name it) */
static const char *volatile g_step = "starting"; /* what we are waiting for */
static char g_step_buf[128];

#define STEP(...)                                                                                  \
    do {                                                                                           \
        snprintf(g_step_buf, sizeof g_step_buf, __VA_ARGS__);                                      \
        g_step = g_step_buf;                                                                       \
    } while (0)

static void on_alarm(int sig)
{
    (void)sig;
    char msg[256];
    int n = snprintf(msg, sizeof msg, "[%s %s %s] FAIL: timed out while %s\n", STACK,
                     g_server ? "server" : "client", g_scen, g_step);
    if (write(2, msg, (size_t)n) < 0)
        _exit(3);
    _exit(3);
}

#define LOG(...)                                                                                   \
    do {                                                                                           \
        fprintf(stderr, "[%s %s %s] ", STACK, g_server ? "server" : "client", g_scen);             \
        fprintf(stderr, __VA_ARGS__);                                                              \
        fprintf(stderr, "\n");                                                                     \
    } while (0)

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            LOG("FAIL %s:%d: %s (errno %d %s)", __FILE__, __LINE__, #cond, errno,                  \
                strerror(errno));                                                                  \
            exit(1);                                                                               \
        }                                                                                          \
    } while (0)

#define CHECK_EQ(a, b)                                                                             \
    do {                                                                                           \
        long long a_ = (long long)(a), b_ = (long long)(b);                                        \
        if (a_ != b_) {                                                                            \
            LOG("FAIL %s:%d: %s == %lld, expected %s == %lld", __FILE__, __LINE__, #a, a_, #b,     \
                b_);                                                                               \
            exit(1);                                                                               \
        }                                                                                          \
    } while (0)

/* ------------------------------------------------------------------------ */
/* The two stacks                                                            */
/* ------------------------------------------------------------------------ */

#ifdef PEER_USRSCTP
typedef struct socket *psock;
#define P_BAD NULL

static void p_init(uint16_t udp_port)
{
    usrsctp_init(udp_port, NULL, NULL);
    usrsctp_sysctl_set_sctp_blackhole(2);
}
static psock p_socket(int type)
{
    return usrsctp_socket(AF_INET, type, IPPROTO_SCTP, NULL, NULL, 0, NULL);
}
static int p_setsockopt(psock s, int level, int name, const void *v, socklen_t l)
{
    return usrsctp_setsockopt(s, level, name, v, l);
}
static int p_getsockopt(psock s, int level, int name, void *v, socklen_t *l)
{
    return usrsctp_getsockopt(s, level, name, v, l);
}
static int p_listen_on(psock s, uint16_t udp_port)
{
    (void)udp_port; /* usrsctp_init took it */
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons(SCTP_PORT);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (usrsctp_bind(s, (struct sockaddr *)&a, sizeof a) < 0)
        return -1;
    return usrsctp_listen(s, 4);
}
static psock p_accept(psock l)
{
    return usrsctp_accept(l, NULL, NULL);
}
static int p_connect_to(psock s, uint16_t udp_port)
{
    struct sctp_udpencaps u; /* RFC 6951 §6.1: network byte order */
    memset(&u, 0, sizeof u);
    u.sue_address.ss_family = AF_INET;
    u.sue_assoc_id = SCTP_FUTURE_ASSOC;
    u.sue_port = htons(udp_port);
    if (usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_REMOTE_UDP_ENCAPS_PORT, &u, sizeof u) < 0)
        return -1;
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons(SCTP_PORT);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return usrsctp_connect(s, (struct sockaddr *)&a, sizeof a);
}
static ssize_t p_sendv(psock s, const void *d, size_t n, struct sctp_sndinfo *si)
{
    return usrsctp_sendv(s, d, n, NULL, 0, si, sizeof *si, SCTP_SENDV_SNDINFO, 0);
}
static ssize_t p_recvv(psock s, void *b, size_t n, struct sctp_rcvinfo *ri, unsigned *type,
                       int *flags)
{
    socklen_t rl = sizeof *ri;
    struct sockaddr_storage from;
    socklen_t fl = sizeof from;
    *flags = 0;
    return usrsctp_recvv(s, b, n, (struct sockaddr *)&from, &fl, ri, &rl, type, flags);
}
static int p_shutdown(psock s)
{
    return usrsctp_shutdown(s, SHUT_WR);
}
static void p_close(psock s)
{
    usrsctp_close(s);
}
static void hb_counters(uint64_t c[3])
{
    struct sctpstat st;
    usrsctp_get_stat(&st);
    c[0] = st.sctps_sendheartbeat;
    c[1] = st.sctps_recvheartbeat;
    c[2] = st.sctps_recvheartbeatack;
}
#define HAVE_HB_COUNTERS 1

#else /* braid */

typedef int psock;
#define P_BAD (-1)

static void p_init(uint16_t udp_port)
{
    (void)udp_port; /* per socket: BRAID_SCTP_LOCAL_UDP_PORT */
}
static psock p_socket(int type)
{
    return braid_socket(AF_INET, type, IPPROTO_SCTP);
}
static int p_setsockopt(psock s, int level, int name, const void *v, socklen_t l)
{
    return braid_setsockopt(s, level, name, v, l);
}
static int p_getsockopt(psock s, int level, int name, void *v, socklen_t *l)
{
    return braid_getsockopt(s, level, name, v, l);
}
static int p_listen_on(psock s, uint16_t udp_port)
{
    int port = udp_port;
    if (braid_setsockopt(s, IPPROTO_SCTP, BRAID_SCTP_LOCAL_UDP_PORT, &port, sizeof port) < 0)
        return -1;
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons(SCTP_PORT);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (braid_bind(s, (struct sockaddr *)&a, sizeof a) < 0)
        return -1;
    return braid_listen(s, 4);
}
static psock p_accept(psock l)
{
    return braid_accept(l, NULL, NULL);
}
static int p_connect_to(psock s, uint16_t udp_port)
{
    /* braid reads sue_port in host byte order for now (RFC 6951 §6.1 says
     * network order): htons(udp_port) once src/api/opts.c follows the RFC */
    struct sctp_udpencaps u;
    memset(&u, 0, sizeof u);
    u.sue_assoc_id = SCTP_FUTURE_ASSOC;
    u.sue_port = htons(udp_port);
    if (braid_setsockopt(s, IPPROTO_SCTP, SCTP_REMOTE_UDP_ENCAPS_PORT, &u, sizeof u) < 0)
        return -1;
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons(SCTP_PORT);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return braid_connect(s, (struct sockaddr *)&a, sizeof a);
}
static ssize_t p_sendv(psock s, const void *d, size_t n, struct sctp_sndinfo *si)
{
    struct iovec iov = {(void *)(uintptr_t)d, n};
    return sctp_sendv(s, &iov, 1, NULL, 0, si, sizeof *si, SCTP_SENDV_SNDINFO, 0);
}
static ssize_t p_recvv(psock s, void *b, size_t n, struct sctp_rcvinfo *ri, unsigned *type,
                       int *flags)
{
    struct iovec iov = {b, n};
    socklen_t rl = sizeof *ri;
    *flags = 0;
    return sctp_recvv(s, &iov, 1, NULL, NULL, ri, &rl, type, flags);
}
static int p_shutdown(psock s)
{
    return braid_shutdown(s, SHUT_WR);
}
static void p_close(psock s)
{
    braid_close(s);
}
#endif

/* ------------------------------------------------------------------------ */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------ */

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint16_t free_udp_port(void)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    socklen_t l = sizeof a;
    CHECK(fd >= 0);
    CHECK(bind(fd, (struct sockaddr *)&a, sizeof a) == 0);
    CHECK(getsockname(fd, (struct sockaddr *)&a, &l) == 0);
    close(fd);
    return ntohs(a.sin_port);
}

static void setopt(psock s, int level, int name, const void *v, socklen_t l, const char *what)
{
    if (p_setsockopt(s, level, name, v, l) < 0) {
        LOG("FAIL setsockopt %s: %s", what, strerror(errno));
        exit(1);
    }
}

static void set_initmsg(psock s, uint16_t os, uint16_t mis)
{
    struct sctp_initmsg im;
    memset(&im, 0, sizeof im);
    im.sinit_num_ostreams = os;
    im.sinit_max_instreams = mis;
    setopt(s, IPPROTO_SCTP, SCTP_INITMSG, &im, sizeof im, "SCTP_INITMSG");
}

static void set_bufs(psock s, int bytes)
{
    setopt(s, SOL_SOCKET, SO_SNDBUF, &bytes, sizeof bytes, "SO_SNDBUF");
    setopt(s, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes, "SO_RCVBUF");
}

static void subscribe(psock s)
{
    uint16_t types[] = {SCTP_ASSOC_CHANGE, SCTP_SHUTDOWN_EVENT};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        struct sctp_event ev;
        memset(&ev, 0, sizeof ev);
        ev.se_assoc_id = SCTP_FUTURE_ASSOC;
        ev.se_type = types[i];
        ev.se_on = 1;
        setopt(s, IPPROTO_SCTP, SCTP_EVENT, &ev, sizeof ev, "SCTP_EVENT");
    }
    int on = 1;
    setopt(s, IPPROTO_SCTP, SCTP_RECVRCVINFO, &on, sizeof on, "SCTP_RECVRCVINFO");
}

/* One received item: a whole message (pieces gathered) or a notification. */
typedef struct item {
    bool notif;
    uint8_t *data;
    size_t len;
    unsigned pieces;
    uint16_t sid;
    uint32_t ppid; /* the wire's (big-endian) value less PPID_BASE */
    bool unordered;
    bool eor_early;    /* MSG_EOR seen on a piece before the last */
    bool info_changed; /* sid/ppid/flags differed between pieces */
    int rc;            /* 0: item; 0 with !len && !notif: EOF; -1: error (errno) */
    int err;
} item;

static void item_free(item *it)
{
    free(it->data);
    it->data = NULL;
}

/* Reads the next message or notification; pieces of at most piece bytes. */
static item recv_item(psock s, size_t piece)
{
    item it;
    memset(&it, 0, sizeof it);
    size_t cap = 0;
    uint8_t *buf = malloc(piece);
    CHECK(buf);
    for (;;) {
        struct sctp_rcvinfo ri;
        unsigned type = 0;
        int flags = 0;
        memset(&ri, 0, sizeof ri);
        ssize_t n = p_recvv(s, buf, piece, &ri, &type, &flags);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            it.rc = -1;
            it.err = errno;
            break;
        }
        if (n == 0 && it.pieces == 0) { /* end of the association */
            break;
        }
        if (flags & MSG_NOTIFICATION) {
            CHECK(it.pieces == 0); /* never in the middle of a message */
            it.notif = true;
            it.data = malloc((size_t)n);
            CHECK(it.data);
            memcpy(it.data, buf, (size_t)n);
            it.len = (size_t)n;
            break;
        }
        CHECK_EQ(type, SCTP_RECVV_RCVINFO);
        uint32_t ppid = ntohl(ri.rcv_ppid) - PPID_BASE;
        bool unord = (ri.rcv_flags & SCTP_UNORDERED) != 0;
        if (it.pieces == 0) {
            it.sid = ri.rcv_sid;
            it.ppid = ppid;
            it.unordered = unord;
        } else if (it.sid != ri.rcv_sid || it.ppid != ppid || it.unordered != unord) {
            it.info_changed = true;
        }
        if (it.len + (size_t)n > cap) {
            cap = (it.len + (size_t)n) * 2;
            it.data = realloc(it.data, cap);
            CHECK(it.data);
        }
        memcpy(it.data + it.len, buf, (size_t)n);
        it.len += (size_t)n;
        it.pieces++;
        if (flags & MSG_EOR)
            break;
    }
    free(buf);
    return it;
}

static const union sctp_notification *notif(const item *it)
{
    return (const union sctp_notification *)(const void *)it->data;
}

/* The next item must be a message; returns it. */
static item expect_msg(psock s, size_t piece)
{
    STEP("waiting for a message");
    item it = recv_item(s, piece);
    if (it.rc < 0) {
        errno = it.err;
        LOG("FAIL: receive error while a message was expected");
        exit(1);
    }
    if (it.notif)
        LOG("FAIL: notification type 0x%x while a message was expected",
            notif(&it)->sn_header.sn_type);
    CHECK(!it.notif);
    CHECK(it.len > 0); /* not the end of the association */
    CHECK(!it.info_changed);
    return it;
}

/* The next item must be notification type (and, for ASSOC_CHANGE, state). */
static item expect_notif(psock s, uint16_t type, int state)
{
    STEP("waiting for notification 0x%x (state %d)", type, state);
    item it = recv_item(s, 65536);
    if (!it.notif)
        LOG("FAIL: expected notification 0x%x, got %s (rc %d, %zu bytes)", type,
            it.rc < 0 ? "an error"
            : it.len  ? "data"
                      : "end of association",
            it.rc, it.len);
    CHECK(it.notif);
    CHECK(it.len >= sizeof(notif(&it)->sn_header));
    CHECK_EQ(notif(&it)->sn_header.sn_type, type);
    CHECK_EQ(notif(&it)->sn_header.sn_length, it.len);
    if (type == SCTP_ASSOC_CHANGE) {
        CHECK(it.len >= sizeof(struct sctp_assoc_change));
        CHECK_EQ(notif(&it)->sn_assoc_change.sac_state, state);
    }
    return it;
}

/* The association must end now: the read returns 0 (or ECONNRESET after an
 * abort when allow_reset). */
static void expect_eof(psock s, bool allow_reset)
{
    STEP("waiting for the end of the association");
    item it = recv_item(s, 65536);
    if (it.notif || it.len)
        LOG("FAIL: %s while the end of the association was expected",
            it.notif ? "a notification" : "data");
    CHECK(!it.notif && it.len == 0);
    if (it.rc < 0) {
        errno = it.err;
        /* ENOTCONN: our own shutdown ended it (as Linux, no RCV_SHUTDOWN) */
        CHECK(it.err == ENOTCONN || (allow_reset && it.err == ECONNRESET));
    }
}

static ssize_t send_msg(psock s, const void *d, size_t n, uint16_t sid, uint32_t ppid,
                        uint16_t flags)
{
    struct sctp_sndinfo si;
    memset(&si, 0, sizeof si);
    si.snd_sid = sid;
    si.snd_flags = flags;
    si.snd_ppid = htonl(PPID_BASE + ppid); /* the wire's bytes: network order */
    si.snd_assoc_id = g_assoc;
    return p_sendv(s, d, n, &si);
}

static void must_send(psock s, const void *d, size_t n, uint16_t sid, uint32_t ppid, uint16_t flags)
{
    STEP("sending %zu bytes on stream %u (ppid %u)", n, sid, ppid);
    ssize_t r = send_msg(s, d, n, sid, ppid, flags);
    if (r != (ssize_t)n)
        LOG("FAIL: sending %zu bytes on stream %u: %zd (%s)", n, sid, r, strerror(errno));
    CHECK(r == (ssize_t)n);
}

static void must_send_str(psock s, const char *str, uint16_t sid, uint32_t ppid)
{
    must_send(s, str, strlen(str), sid, ppid, 0);
}

static void expect_str(psock s, const char *want, uint16_t sid, uint32_t ppid)
{
    item it = expect_msg(s, 65536);
    if (it.len != strlen(want) || memcmp(it.data, want, it.len))
        LOG("FAIL: got \"%.*s\", expected \"%s\"", (int)it.len, (const char *)it.data, want);
    CHECK(it.len == strlen(want) && !memcmp(it.data, want, it.len));
    CHECK_EQ(it.sid, sid);
    CHECK_EQ(it.ppid, ppid);
    CHECK(!it.unordered);
    item_free(&it);
}

static void status(psock s, struct sctp_status *st)
{
    memset(st, 0, sizeof *st);
    st->sstat_assoc_id = g_assoc;
    socklen_t l = sizeof *st;
    CHECK(p_getsockopt(s, IPPROTO_SCTP, SCTP_STATUS, st, &l) == 0);
}

/* Deterministic contents: byte i of message (seed) is pat(seed, i). */
static void fill(uint8_t *p, size_t n, uint32_t seed)
{
    uint32_t x = seed * 2654435761u + 1;
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        p[i] = (uint8_t)(x >> 16);
    }
}

static void check_fill(const uint8_t *p, size_t n, uint32_t seed)
{
    uint8_t *want = malloc(n ? n : 1);
    CHECK(want);
    fill(want, n, seed);
    if (memcmp(p, want, n)) {
        size_t i = 0;
        while (p[i] == want[i])
            i++;
        LOG("FAIL: contents differ at byte %zu of %zu (seed %u)", i, n, seed);
        exit(1);
    }
    free(want);
}

/* ------------------------------------------------------------------------ */
/* Scenarios                                                                 */
/* ------------------------------------------------------------------------ */

typedef struct conn {
    psock s;        /* the association's socket */
    psock listener; /* server only */
} conn;

typedef struct scen_cfg {
    uint16_t os, mis; /* INITMSG */
    int bufs;         /* SO_SNDBUF / SO_RCVBUF, 0: default */
    bool heartbeat;   /* short RTO and heartbeat interval */
    bool one_to_many; /* SOCK_SEQPACKET on both sides (else SOCK_STREAM) */
} scen_cfg;

static void set_heartbeat(psock s)
{
    struct sctp_rtoinfo r;
    memset(&r, 0, sizeof r);
    r.srto_assoc_id = SCTP_FUTURE_ASSOC;
    r.srto_initial = 300;
    r.srto_max = 500;
    r.srto_min = 100;
    setopt(s, IPPROTO_SCTP, SCTP_RTOINFO, &r, sizeof r, "SCTP_RTOINFO");
    struct sctp_paddrparams pp;
    memset(&pp, 0, sizeof pp);
    pp.spp_assoc_id = SCTP_FUTURE_ASSOC;
    pp.spp_hbinterval = 200;
    pp.spp_flags = SPP_HB_ENABLE;
    setopt(s, IPPROTO_SCTP, SCTP_PEER_ADDR_PARAMS, &pp, sizeof pp, "SCTP_PEER_ADDR_PARAMS");
}

/* Sets up the association and reads COMM_UP; checks the stream counts. */
static conn setup(const scen_cfg *sc, uint16_t udp_port, uint16_t want_out, uint16_t want_in)
{
    conn c = {P_BAD, P_BAD};
    psock s = p_socket(sc->one_to_many ? SOCK_SEQPACKET : SOCK_STREAM);
    CHECK(s != P_BAD);
    subscribe(s);
    set_initmsg(s, sc->os, sc->mis);
    if (sc->bufs)
        set_bufs(s, sc->bufs);
    if (sc->heartbeat)
        set_heartbeat(s);
    STEP("setting up the association");
    if (g_server) {
        CHECK(p_listen_on(s, udp_port) == 0);
        printf("READY udp=%u\n", udp_port);
        fflush(stdout);
        c.listener = s;
        c.s = sc->one_to_many ? s : p_accept(s);
        CHECK(c.s != P_BAD);
    } else {
        CHECK(p_connect_to(s, udp_port) == 0);
        c.s = s;
    }
    item it = expect_notif(c.s, SCTP_ASSOC_CHANGE, SCTP_COMM_UP);
    CHECK_EQ(notif(&it)->sn_assoc_change.sac_outbound_streams, want_out);
    CHECK_EQ(notif(&it)->sn_assoc_change.sac_inbound_streams, want_in);
    if (sc->one_to_many)
        g_assoc = notif(&it)->sn_assoc_change.sac_assoc_id;
    item_free(&it);
    struct sctp_status st;
    status(c.s, &st);
    CHECK_EQ(st.sstat_state, SCTP_ESTABLISHED);
    CHECK_EQ(st.sstat_outstrms, want_out);
    CHECK_EQ(st.sstat_instrms, want_in);
    return c;
}

static void teardown(conn *c)
{
    if (c->s != c->listener)
        p_close(c->s);
    if (g_server)
        p_close(c->listener);
}

static const scen_cfg plain = {10, 10, 0, false, false};

/* The client shuts the association down and waits for the end (a process
 * that exits right after close() would leave the peer in SHUTDOWN-ACK-SENT);
 * the server sees SHUTDOWN, SHUTDOWN_COMP, the end. */
static void close_by_client(conn *c)
{
    if (g_server) {
        item a = expect_notif(c->s, SCTP_SHUTDOWN_EVENT, 0);
        item_free(&a);
    } else {
        CHECK(p_shutdown(c->s) == 0);
    }
    item b = expect_notif(c->s, SCTP_ASSOC_CHANGE, SCTP_SHUTDOWN_COMP);
    item_free(&b);
    expect_eof(c->s, false);
    teardown(c);
}

/* handshake: association up with 10/10 streams, one greeting each way. */
static void scen_handshake(uint16_t udp)
{
    conn c = setup(&plain, udp, 10, 10);
    if (g_server) {
        expect_str(c.s, "hello from the client", 0, 1);
        must_send_str(c.s, "hello from the server", 0, 2);
    } else {
        must_send_str(c.s, "hello from the client", 0, 1);
        expect_str(c.s, "hello from the server", 0, 2);
    }
    close_by_client(&c);
}

/* Each side sends one message on every stream; the other checks that each
 * arrived once, on the stream it names, with its ppid. Then a stream beyond
 * those negotiated must be refused (EINVAL). */
static void streams_exchange(psock s, unsigned n_out, unsigned n_in, bool send_first)
{
    char msg[64];
    for (int round = 0; round < 2; round++) {
        if ((round == 0) == send_first) {
            for (unsigned i = 0; i < n_out; i++) {
                snprintf(msg, sizeof msg, "%s stream %u", g_server ? "server" : "client", i);
                must_send_str(s, msg, (uint16_t)i, 100 + i);
            }
        } else {
            bool seen[1024] = {false};
            for (unsigned k = 0; k < n_in; k++) {
                item it = expect_msg(s, 65536);
                CHECK(it.sid < n_in);
                CHECK(!seen[it.sid]);
                seen[it.sid] = true;
                snprintf(msg, sizeof msg, "%s stream %u", g_server ? "client" : "server", it.sid);
                CHECK(it.len == strlen(msg) && !memcmp(it.data, msg, it.len));
                CHECK_EQ(it.ppid, 100u + it.sid);
                item_free(&it);
            }
        }
    }
    errno = 0;
    CHECK_EQ(send_msg(s, "x", 1, (uint16_t)n_out, 1, 0), -1);
    CHECK_EQ(errno, EINVAL);
}

static void scen_streams(uint16_t udp)
{
    conn c = setup(&plain, udp, 10, 10);
    streams_exchange(c.s, 10, 10, !g_server);
    if (!g_server)
        must_send_str(c.s, "bye", 0, 1);
    else
        expect_str(c.s, "bye", 0, 1);
    close_by_client(&c);
}

/* client OS 16, MIS 5; server OS 8, MIS 12 -> client out 12 in 5, server
 * out 5 in 12 (RFC 9260 §5.1.1: min of the one's OS and the other's MIS). */
static void scen_streams_asym(uint16_t udp)
{
    scen_cfg sc =
        g_server ? (scen_cfg){8, 12, 0, false, false} : (scen_cfg){16, 5, 0, false, false};
    conn c = g_server ? setup(&sc, udp, 5, 12) : setup(&sc, udp, 12, 5);
    if (g_server)
        streams_exchange(c.s, 5, 12, false);
    else
        streams_exchange(c.s, 12, 5, true);
    if (!g_server)
        must_send_str(c.s, "bye", 0, 1);
    else
        expect_str(c.s, "bye", 0, 1);
    close_by_client(&c);
}

#define N_SEQ 2000

static size_t seq_len(uint32_t i)
{
    return 8 + (i * 7919u) % 1200u; /* 8 .. 1207 bytes */
}

/* N_SEQ messages over 4 streams, sizes 8..1207; the receiver checks each
 * arrived once, in order per stream when ordered, with the right flag. */
static void seq_send(psock s, bool unordered)
{
    uint8_t buf[2048];
    for (uint32_t i = 0; i < N_SEQ; i++) {
        size_t len = seq_len(i);
        fill(buf, len, i);
        uint32_t be = htonl(i);
        memcpy(buf, &be, 4);
        must_send(s, buf, len, (uint16_t)(i % 4), 7, unordered ? SCTP_UNORDERED : 0);
    }
}

static void seq_recv(psock s, bool unordered)
{
    static bool seen[N_SEQ];
    memset(seen, 0, sizeof seen);
    int64_t last[4] = {-1, -1, -1, -1};
    unsigned out_of_order = 0;
    for (uint32_t k = 0; k < N_SEQ; k++) {
        item it = expect_msg(s, 65536);
        CHECK(it.len >= 8);
        uint32_t be;
        memcpy(&be, it.data, 4);
        uint32_t i = ntohl(be);
        CHECK(i < N_SEQ);
        CHECK(!seen[i]);
        seen[i] = true;
        CHECK_EQ(it.len, seq_len(i));
        uint8_t want[2048];
        fill(want, it.len, i);
        CHECK(!memcmp(it.data + 4, want + 4, it.len - 4));
        CHECK_EQ(it.sid, i % 4);
        CHECK_EQ(it.ppid, 7);
        CHECK_EQ(it.unordered, unordered);
        if ((int64_t)i < last[it.sid])
            out_of_order++;
        else
            last[it.sid] = i;
        item_free(&it);
    }
    if (!unordered)
        CHECK_EQ(out_of_order, 0);
    LOG("%u messages, %u delivered out of stream order", N_SEQ, out_of_order);
}

static void scen_seq(uint16_t udp, bool unordered)
{
    scen_cfg sc = {10, 10, 4 << 20, false, false};
    conn c = setup(&sc, udp, 10, 10);
    if (g_server) {
        seq_recv(c.s, unordered);
        seq_send(c.s, unordered); /* and back */
    } else {
        seq_send(c.s, unordered);
        seq_recv(c.s, unordered);
    }
    close_by_client(&c);
}

/* 1 B, 1452 B, 64 KiB and 1 MiB, ordered then unordered; read in pieces of
 * at most 64 KiB: MSG_EOR only on the last piece. */
static const size_t sizes[] = {1, 1452, 65536, 1048576};
#define N_SIZES (sizeof sizes / sizeof sizes[0])

static void sizes_send(psock s)
{
    uint8_t *buf = malloc(1048576);
    CHECK(buf);
    for (unsigned k = 0; k < 2 * N_SIZES; k++) {
        size_t len = sizes[k % N_SIZES];
        fill(buf, len, 1000 + k);
        must_send(s, buf, len, (uint16_t)(k % 3), 200 + k, k >= N_SIZES ? SCTP_UNORDERED : 0);
    }
    free(buf);
}

static void sizes_recv(psock s)
{
    bool seen[2 * N_SIZES] = {false};
    for (unsigned n = 0; n < 2 * N_SIZES; n++) {
        item it = expect_msg(s, 65536);
        CHECK(it.ppid >= 200 && it.ppid < 200 + 2 * N_SIZES);
        unsigned k = it.ppid - 200;
        CHECK(!seen[k]);
        seen[k] = true;
        size_t len = sizes[k % N_SIZES];
        CHECK_EQ(it.len, len);
        CHECK_EQ(it.sid, k % 3);
        CHECK_EQ(it.unordered, k >= N_SIZES);
        check_fill(it.data, it.len, 1000 + k);
        if (len > 65536)
            CHECK(it.pieces >= len / 65536); /* partial delivery in pieces */
        LOG("message %u: %zu bytes in %u piece%s, %s", k, it.len, it.pieces,
            it.pieces == 1 ? "" : "s", it.unordered ? "unordered" : "ordered");
        item_free(&it);
    }
}

static void scen_sizes(uint16_t udp)
{
    scen_cfg sc = {10, 10, 4 << 20, false, false};
    conn c = setup(&sc, udp, 10, 10);
    if (g_server) {
        sizes_recv(c.s);
        sizes_send(c.s);
    } else {
        sizes_send(c.s);
        sizes_recv(c.s);
    }
    close_by_client(&c);
}

/* 200 MiB from client to server in 64 KiB messages, checksummed. */
#define BULK_BYTES (200ull << 20)
#define BULK_MSG 65536

static uint64_t hash_add(uint64_t h, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3ull; /* FNV-1a 64 */
    return h;
}

static void scen_bulk200(uint16_t udp)
{
    scen_cfg sc = {10, 10, 4 << 20, false, false};
    conn c = setup(&sc, udp, 10, 10);
    uint64_t h = 0xcbf29ce484222325ull, bytes = 0, t0 = now_ns();
    char text[128];
    if (!g_server) {
        uint8_t *buf = malloc(BULK_MSG);
        CHECK(buf);
        for (uint32_t i = 0; bytes < BULK_BYTES; i++) {
            fill(buf, BULK_MSG, 5000 + i);
            must_send(c.s, buf, BULK_MSG, 0, 9, 0);
            h = hash_add(h, buf, BULK_MSG);
            bytes += BULK_MSG;
        }
        free(buf);
        snprintf(text, sizeof text, "DONE %" PRIu64 " %016" PRIx64, bytes, h);
        must_send_str(c.s, text, 0, 10);
        snprintf(text, sizeof text, "OK %" PRIu64 " %016" PRIx64, bytes, h);
        expect_str(c.s, text, 0, 11); /* the server got the same bytes */
    } else {
        uint64_t msgs = 0;
        for (;;) {
            item it = expect_msg(c.s, 65536);
            if (it.ppid == 10) {
                snprintf(text, sizeof text, "DONE %" PRIu64 " %016" PRIx64, bytes, h);
                if (it.len != strlen(text) || memcmp(it.data, text, it.len))
                    LOG("FAIL: the client says \"%.*s\", we got \"%s\"", (int)it.len,
                        (const char *)it.data, text);
                CHECK(it.len == strlen(text) && !memcmp(it.data, text, it.len));
                item_free(&it);
                snprintf(text, sizeof text, "OK %" PRIu64 " %016" PRIx64, bytes, h);
                must_send_str(c.s, text, 0, 11);
                break;
            }
            CHECK_EQ(it.ppid, 9);
            CHECK_EQ(it.len, BULK_MSG);
            h = hash_add(h, it.data, it.len);
            bytes += it.len;
            msgs++;
            item_free(&it);
        }
        CHECK_EQ(bytes, BULK_BYTES);
        CHECK_EQ(msgs, BULK_BYTES / BULK_MSG);
    }
    double secs = (double)(now_ns() - t0) / 1e9;
    LOG("%" PRIu64 " bytes, checksum %016" PRIx64 ", %.2f s, %.1f MB/s", bytes, h, secs,
        (double)bytes / 1e6 / secs);
    close_by_client(&c);
}

/* Graceful shutdown started by one side after queueing data that must
 * still all arrive. */
static void scen_shutdown(uint16_t udp, bool client_starts)
{
    scen_cfg sc = {10, 10, 4 << 20, false, false};
    conn c = setup(&sc, udp, 10, 10);
    static uint8_t big[300 * 1024];
    fill(big, sizeof big, 77);
    if (g_server != client_starts) { /* the initiator */
        must_send_str(c.s, "first", 1, 21);
        must_send(c.s, big, sizeof big, 2, 22, 0);
        must_send_str(c.s, "last", 3, 23);
        CHECK(p_shutdown(c.s) == 0);
        errno = 0;
        CHECK(send_msg(c.s, "late", 4, 0, 1, 0) < 0); /* no data after SHUTDOWN */
        item it = expect_notif(c.s, SCTP_ASSOC_CHANGE, SCTP_SHUTDOWN_COMP);
        item_free(&it);
        expect_eof(c.s, false);
    } else {
        expect_str(c.s, "first", 1, 21);
        item it = expect_msg(c.s, 65536);
        CHECK_EQ(it.len, sizeof big);
        CHECK_EQ(it.sid, 2);
        CHECK_EQ(it.ppid, 22);
        check_fill(it.data, it.len, 77);
        item_free(&it);
        expect_str(c.s, "last", 3, 23);
        item a = expect_notif(c.s, SCTP_SHUTDOWN_EVENT, 0);
        item b = expect_notif(c.s, SCTP_ASSOC_CHANGE, SCTP_SHUTDOWN_COMP);
        item_free(&a);
        item_free(&b);
        expect_eof(c.s, false);
    }
    teardown(&c);
}

static const char abort_reason[] = "braid-interop: aborted on purpose (42)";

/* One side aborts with a reason; the other sees COMM_LOST carrying the
 * User-Initiated Abort cause and the reason. One-to-many sockets: Linux (and
 * braid) take SCTP_ABORT with a reason only there (one-to-one sockets abort
 * with SO_LINGER and close(), without a reason). */
static void scen_abort(uint16_t udp, bool client_starts)
{
    scen_cfg sc = {10, 10, 0, false, true};
    conn c = setup(&sc, udp, 10, 10);
    if (g_server != client_starts) {
        must_send_str(c.s, "about to abort", 0, 30);
        expect_str(c.s, "go ahead", 0, 31);
        CHECK(send_msg(c.s, abort_reason, sizeof abort_reason - 1, 0, 0, SCTP_ABORT) >= 0);
        errno = 0;
        CHECK(send_msg(c.s, "late", 4, 0, 1, 0) < 0); /* the association is gone */
        struct timespec ts = {0, 300 * 1000 * 1000};
        nanosleep(&ts, NULL);
    } else {
        expect_str(c.s, "about to abort", 0, 30);
        must_send_str(c.s, "go ahead", 0, 31);
        item it = expect_notif(c.s, SCTP_ASSOC_CHANGE, SCTP_COMM_LOST);
        const struct sctp_assoc_change *ac = &notif(&it)->sn_assoc_change;
        CHECK_EQ(ac->sac_assoc_id, g_assoc);
        /* the cause code: host order in usrsctp (and FreeBSD), the wire's
         * network order in Linux (and braid, which follows Linux) */
        if (ac->sac_error != CAUSE_USER_ABORT && ac->sac_error != htons(CAUSE_USER_ABORT))
            CHECK_EQ(ac->sac_error, CAUSE_USER_ABORT);
        size_t info = it.len - sizeof *ac;
        /* sac_info: the ABORT chunk (usrsctp, Linux) or its causes (braid);
         * either way the reason's bytes are in it */
        CHECK(info >= sizeof abort_reason - 1);
        CHECK(memmem(ac->sac_info, info, abort_reason, sizeof abort_reason - 1) != NULL);
        item_free(&it);
        errno = 0;
        CHECK(send_msg(c.s, "late", 4, 0, 1, 0) < 0);
    }
    teardown(&c);
}

/* An idle association with a 200 ms heartbeat interval: after 3 s of
 * silence it is still up and carries a message each way; on usrsctp the
 * heartbeat counters show both sides sent and answered heartbeats. */
static void scen_heartbeat(uint16_t udp)
{
    scen_cfg sc = {10, 10, 0, true, false};
    conn c = setup(&sc, udp, 10, 10);
#ifdef HAVE_HB_COUNTERS
    uint64_t h0[3], h1[3];
    hb_counters(h0);
#endif
    const char *idle = getenv("INTEROP_IDLE_SECONDS"); /* longer runs by hand */
    struct timespec ts = {idle ? atoi(idle) : 3, 0};
    STEP("idle");
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
    struct sctp_status st;
    status(c.s, &st);
    CHECK_EQ(st.sstat_state, SCTP_ESTABLISHED);
    if (g_server) {
        expect_str(c.s, "still there?", 0, 40);
        must_send_str(c.s, "yes", 0, 41);
    } else {
        must_send_str(c.s, "still there?", 0, 40);
        expect_str(c.s, "yes", 0, 41);
    }
#ifdef HAVE_HB_COUNTERS
    hb_counters(h1);
    LOG("heartbeats in 3 s: sent %" PRIu64 ", received %" PRIu64 ", acks received %" PRIu64,
        h1[0] - h0[0], h1[1] - h0[1], h1[2] - h0[2]);
    CHECK(h1[0] - h0[0] >= 3); /* we sent heartbeats */
    CHECK(h1[2] - h0[2] >= 3); /* the peer answered them */
    CHECK(h1[1] - h0[1] >= 3); /* the peer sent its own */
#endif
    close_by_client(&c);
}

static void usage(void)
{
    fprintf(stderr, "usage: interop_peer -s|-c SCENARIO [-u UDPPORT]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    int opt;
    bool client = false;
    uint16_t udp = 0;
    while ((opt = getopt(argc, argv, "s:c:u:")) != -1) {
        switch (opt) {
        case 's':
            g_server = true;
            g_scen = optarg;
            break;
        case 'c':
            client = true;
            g_scen = optarg;
            break;
        case 'u': udp = (uint16_t)atoi(optarg); break;
        default: usage();
        }
    }
    if (g_server == client || (client && !udp))
        usage();
    signal(SIGPIPE, SIG_IGN);
    signal(SIGALRM, on_alarm);
    alarm(120); /* a stuck peer fails the test rather than hanging it */
    if (g_server && !udp)
        udp = free_udp_port();
    p_init(g_server ? udp : free_udp_port());
    const char *s = g_scen;
    if (!strcmp(s, "handshake"))
        scen_handshake(udp);
    else if (!strcmp(s, "streams"))
        scen_streams(udp);
    else if (!strcmp(s, "streams_asym"))
        scen_streams_asym(udp);
    else if (!strcmp(s, "ordered"))
        scen_seq(udp, false);
    else if (!strcmp(s, "unordered"))
        scen_seq(udp, true);
    else if (!strcmp(s, "sizes"))
        scen_sizes(udp);
    else if (!strcmp(s, "bulk200"))
        scen_bulk200(udp);
    else if (!strcmp(s, "shutdown_c"))
        scen_shutdown(udp, true);
    else if (!strcmp(s, "shutdown_s"))
        scen_shutdown(udp, false);
    else if (!strcmp(s, "abort_c"))
        scen_abort(udp, true);
    else if (!strcmp(s, "abort_s"))
        scen_abort(udp, false);
    else if (!strcmp(s, "heartbeat"))
        scen_heartbeat(udp);
    else
        usage();
    LOG("ok");
    return 0;
}
