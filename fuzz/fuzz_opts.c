/*
 * libFuzzer target: the RFC 6458 socket options (setsockopt / getsockopt,
 * src/api/opts.c), the ancillary data of a send (SCTP_SNDRCV, SCTP_SNDINFO,
 * SCTP_INIT, SCTP_PRINFO, SCTP_AUTHINFO, SCTP_DSTADDRV4/V6 in src/api/msg.c,
 * also through sctp_sendmsg / sctp_send / sctp_sendv) and the packed address
 * lists of sctp_bindx / sctp_connectx (src/api/lksctp.c, addr.c).
 *
 * The sockets are made once per process, in the states options care about:
 * fresh and bound (one-to-one and one-to-many, never started), a listening
 * one-to-many socket with an association to a one-to-one client and another
 * one peeled off, a listening one-to-one socket with an accepted connection.
 * The started ones run over braid's in-process transport: no network. After
 * each input every socket's options and its stack's settings are put back
 * and queued notifications dropped, so an input behaves the same whenever
 * it runs. Sends only ever go to sockets that cannot start (no engine, or a
 * one-to-one listener), address lists that would start an association are
 * made invalid: nothing here sends a packet.
 *
 * The input is a program of operations; every call is checked:
 * - set with a length below the option's size fails with EINVAL, an option
 *   braid does not have with ENOPROTOOPT; the value is read from a buffer
 *   of exactly the given length and alignment (ASan sees a read beyond);
 * - get writes nothing beyond *optlen (canary, poisoned under ASan), nothing
 *   beyond the length it returns, nothing at all when it fails, and returns
 *   a length <= the given one;
 * - a set then a get of the same option gives back what was set, where
 *   RFC 6458 says it does;
 * - settings accepted before a socket starts are ones the running endpoint
 *   accepts too (else listen/connect would fail later with no reason given);
 * - a send whose IPPROTO_SCTP ancillary data is malformed (header short or
 *   beyond the control buffer, data shorter than its type's structure,
 *   unknown type) fails with EINVAL;
 * - sctp_bindx / sctp_connectx never succeed on a started socket.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "api/internal.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FZ_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(FZ_ASAN)
#define FZ_ASAN 1
#endif
#ifdef FZ_ASAN
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#define CANARY 64
#define CANARY_BYTE 0xa5
#define HUGE_ALLOC 512 /* what a "huge" length really has behind it */

static char g_what[160]; /* the call being checked, for the failure message */

#define FZ_CHECK(cond)                                                                             \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_opts: %s:%d: CHECK(%s) failed in %s\n", __FILE__, __LINE__,      \
                    #cond, g_what);                                                                \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

#include "fuzz_input.h"

/* ---- the sockets ---- */

enum { S_F1, S_F2, S_B1, S_B2, S_L1, S_C1, S_C2, S_P1, S_L2, S_C3, S_A1, N_SOCK };

#define CL_QUIET 1   /* never started: sends and bindx cannot reach the network */
#define CL_ONE_BUSY 2 /* one-to-one, connected or listening: connectx stops at EISCONN */

typedef struct fsock {
    int fd;
    unsigned cls;
    struct sockaddr_storage peer; /* a peer address (started sockets) */
    socklen_t peer_len;
} fsock;

/* What a reset puts back. */
typedef struct sock_snap {
    struct sctp_event_subscribe events;
    bool recvrcvinfo, recvnxtinfo, nodelay, nonblock;
    struct sctp_sndrcvinfo default_send;
    uint64_t rcvtimeo_ns, sndtimeo_ns;
    uint32_t pd_point;
    int frag_interleave, autoclose, disable_frag, so_error;
    uint16_t remote_udp_port;
    struct linger linger;
} sock_snap;

typedef struct stack_snap {
    braid_settings cfg, eng;
    bool bound;
    uint16_t udp_port;
    braid_io_kind io_kind;
} stack_snap;

static fsock g_s[N_SOCK];
static sock_snap g_snap[N_SOCK];
static stack_snap g_ssnap[N_SOCK]; /* by socket; sockets sharing a stack hold equal ones */
static sctp_assoc_t g_ids[4];      /* association ids on L1's endpoint */
static unsigned g_n_ids;
static braid_endpoint *g_scratch; /* judges settings as a running endpoint would */
static braid_settings g_defaults;

static void setup_fail(const char *what)
{
    fprintf(stderr, "fuzz_opts: setup failed: %s (errno %d)\n", what, errno);
    abort();
}

static int new_sock(int family, int type)
{
    int fd = braid_socket(family, type, IPPROTO_SCTP);
    if (fd < 0)
        setup_fail("braid_socket");
    return fd;
}

/* The in-process transport (tests only: no API picks it). */
static void use_inproc(int fd)
{
    bsock *s = bs_get(fd);
    if (!s)
        setup_fail("bs_get");
    s->st->io_kind = BRAID_IO_INPROC;
    bs_put(s);
}

static socklen_t v4(struct sockaddr_storage *ss, const char *ip, uint16_t port)
{
    struct sockaddr_in *a = (struct sockaddr_in *)ss;
    memset(ss, 0, sizeof *ss);
    a->sin_family = AF_INET;
    a->sin_port = htons(port);
    inet_pton(AF_INET, ip, &a->sin_addr);
    return sizeof *a;
}

static int bound_sock(int family, int type, const char *ip, uint16_t port)
{
    int fd = new_sock(family, type);
    struct sockaddr_storage ss;
    socklen_t l;
    if (family == AF_INET) {
        l = v4(&ss, ip, port);
    } else {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
        memset(&ss, 0, sizeof ss);
        a->sin6_family = AF_INET6;
        a->sin6_port = htons(port);
        inet_pton(AF_INET6, ip, &a->sin6_addr);
        l = sizeof *a;
    }
    if (braid_bind(fd, (struct sockaddr *)&ss, l) < 0)
        setup_fail("bind");
    return fd;
}

static int listener(int type, const char *ip, uint16_t port)
{
    int fd = new_sock(AF_INET, type);
    use_inproc(fd);
    struct sockaddr_storage ss;
    socklen_t l = v4(&ss, ip, port);
    if (braid_bind(fd, (struct sockaddr *)&ss, l) < 0 || braid_listen(fd, 8) < 0)
        setup_fail("listen");
    return fd;
}

static int client(const char *ip, uint16_t port)
{
    int fd = new_sock(AF_INET, SOCK_STREAM);
    use_inproc(fd);
    struct timeval tv = {5, 0};
    braid_setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    struct sockaddr_storage ss;
    socklen_t l = v4(&ss, ip, port);
    if (braid_connect(fd, (struct sockaddr *)&ss, l) < 0)
        setup_fail("connect");
    tv.tv_sec = 0;
    braid_setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    return fd;
}

/* L1's association ids, in the order they came. */
static unsigned l1_ids(sctp_assoc_t *out, unsigned max)
{
    bsock *s = bs_get(g_s[S_L1].fd);
    unsigned n = 0;
    for (braid_assoc_id id = braid_next_assoc(s->st->ep, 0); id && n < max;
         id = braid_next_assoc(s->st->ep, id))
        out[n++] = (sctp_assoc_t)id;
    bs_put(s);
    return n;
}

static void snap_take(int i)
{
    bsock *s = bs_get(g_s[i].fd);
    sock_snap *k = &g_snap[i];
    stack_snap *t = &g_ssnap[i];
    k->events = s->events;
    k->recvrcvinfo = s->recvrcvinfo;
    k->recvnxtinfo = s->recvnxtinfo;
    k->nodelay = s->nodelay;
    k->nonblock = s->nonblock;
    k->default_send = s->default_send;
    k->rcvtimeo_ns = s->rcvtimeo_ns;
    k->sndtimeo_ns = s->sndtimeo_ns;
    k->pd_point = s->pd_point;
    k->frag_interleave = s->frag_interleave;
    k->autoclose = s->autoclose;
    k->disable_frag = s->disable_frag;
    k->so_error = s->so_error;
    k->remote_udp_port = s->remote_udp_port;
    k->linger = s->linger;
    t->cfg = s->st->cfg;
    if (s->st->ep)
        braid_endpoint_get_settings(s->st->ep, &t->eng);
    t->bound = s->st->bound;
    t->udp_port = s->st->udp_port;
    t->io_kind = s->st->io_kind;
    bs_put(s);
}

static void snap_restore(int i)
{
    bsock *s = bs_get(g_s[i].fd);
    const sock_snap *k = &g_snap[i];
    const stack_snap *t = &g_ssnap[i];
    s->events = k->events;
    s->recvrcvinfo = k->recvrcvinfo;
    s->recvnxtinfo = k->recvnxtinfo;
    s->nodelay = k->nodelay;
    s->nonblock = k->nonblock;
    s->default_send = k->default_send;
    s->rcvtimeo_ns = k->rcvtimeo_ns;
    s->sndtimeo_ns = k->sndtimeo_ns;
    s->pd_point = k->pd_point;
    s->frag_interleave = k->frag_interleave;
    s->autoclose = k->autoclose;
    s->disable_frag = k->disable_frag;
    s->so_error = k->so_error;
    s->remote_udp_port = k->remote_udp_port;
    s->linger = k->linger;
    s->st->cfg = t->cfg;
    if (s->st->ep && braid_endpoint_update_settings(s->st->ep, &t->eng) < 0)
        setup_fail("restoring settings");
    s->st->bound = t->bound;
    s->st->udp_port = t->udp_port;
    s->st->io_kind = t->io_kind;
    note_free_all(s);
    stack_mark(s->st);
    bs_put(s);
}

static void setup(void)
{
    signal(SIGPIPE, SIG_IGN);
    setenv("BRAID_EXIT_LINGER_MS", "0", 0);
    g_s[S_F1].fd = new_sock(AF_INET, SOCK_STREAM);
    g_s[S_F2].fd = new_sock(AF_INET6, SOCK_SEQPACKET);
    g_s[S_B1].fd = bound_sock(AF_INET, SOCK_STREAM, "127.0.0.1", 7001);
    g_s[S_B2].fd = bound_sock(AF_INET6, SOCK_SEQPACKET, "::1", 7002);
    for (int i = S_F1; i <= S_B2; i++)
        g_s[i].cls = CL_QUIET;
    g_s[S_L1].fd = listener(SOCK_SEQPACKET, "127.0.0.2", 7000);
    g_s[S_C1].fd = client("127.0.0.2", 7000);
    g_s[S_C2].fd = client("127.0.0.2", 7000);
    g_n_ids = l1_ids(g_ids, 4);
    if (g_n_ids != 2)
        setup_fail("two associations on L1");
    /* C2's association (the second) leaves L1 for a socket of its own */
    g_s[S_P1].fd = sctp_peeloff(g_s[S_L1].fd, g_ids[1]);
    if (g_s[S_P1].fd < 0)
        setup_fail("peeloff");
    g_s[S_L2].fd = listener(SOCK_STREAM, "127.0.0.3", 7003);
    g_s[S_C3].fd = client("127.0.0.3", 7003);
    struct timeval tv = {5, 0};
    braid_setsockopt(g_s[S_L2].fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    g_s[S_A1].fd = braid_accept(g_s[S_L2].fd, NULL, NULL);
    if (g_s[S_A1].fd < 0)
        setup_fail("accept");
    tv.tv_sec = 0;
    braid_setsockopt(g_s[S_L2].fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    g_s[S_C1].cls = g_s[S_C2].cls = g_s[S_C3].cls = CL_ONE_BUSY;
    g_s[S_P1].cls = g_s[S_L2].cls = g_s[S_A1].cls = CL_ONE_BUSY;
    /* a peer address of each started socket, for the per-address options */
    for (int i = S_L1; i < N_SOCK; i++) {
        struct sockaddr *pa = NULL;
        int n = sctp_getpaddrs(g_s[i].fd, g_ids[0], &pa);
        if (n > 0) {
            socklen_t l = pa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                                    : sizeof(struct sockaddr_in);
            memcpy(&g_s[i].peer, pa, l);
            g_s[i].peer_len = l;
        }
        if (n >= 0)
            sctp_freepaddrs(pa);
    }
    for (int i = 0; i < N_SOCK; i++)
        snap_take(i);
    braid_settings_default(&g_defaults);
    braid_hooks h;
    braid_hooks_default(&h);
    if (braid_endpoint_new(&g_scratch, &g_defaults, &h) < 0)
        setup_fail("scratch endpoint");
}

/* Settings a socket that has not started holds now: would a running
 * endpoint take them? */
static void check_pending_settings(int fd)
{
    bsock *s = bs_get(fd);
    FZ_CHECK(s != NULL);
    bool started = s->st->ep != NULL;
    braid_settings c = s->st->cfg;
    bs_put(s);
    if (started)
        return;
    FZ_CHECK(braid_endpoint_update_settings(g_scratch, &c) == 0);
    braid_endpoint_update_settings(g_scratch, &g_defaults);
}

/* ---- the options braid has (and a few it has not) ---- */

enum {
    K_RCVBUF, K_SNDBUF, K_RCVTIMEO, K_SNDTIMEO, K_ERROR, K_TYPE, K_DOMAIN, K_PROTOCOL,
    K_LINGER, K_REUSEADDR, K_KEEPALIVE, K_INITMSG, K_EVENTS, K_EVENT, K_NODELAY, K_STATUS,
    K_PADDRINFO, K_DEFSEND, K_DEFSNDINFO, K_RECVRCVINFO, K_RECVNXTINFO, K_RTOINFO,
    K_ASSOCINFO, K_MAXSEG, K_AUTOCLOSE, K_DISFRAG, K_FRAGILV, K_PDPOINT, K_ADAPT, K_MAXBURST,
    K_PADDRPARAMS, K_UDPENCAPS, K_ASSOCNUM, K_LOCALUDP, K_TRANSPORT, K_PLAIN, K_UNSUPPORTED
};

#define F_SET 1
#define F_GET 2

typedef struct known {
    int level, name;
    unsigned size; /* the smallest length braid takes (RFC 6458 structure) */
    unsigned flags;
    int kind;
} known;

#define SZ(t) (unsigned)sizeof(t)
static const known g_opts[] = {
    {SOL_SOCKET, SO_RCVBUF, SZ(int), F_SET | F_GET, K_RCVBUF},
    {SOL_SOCKET, SO_SNDBUF, SZ(int), F_SET | F_GET, K_SNDBUF},
    {SOL_SOCKET, SO_RCVTIMEO, SZ(struct timeval), F_SET | F_GET, K_RCVTIMEO},
    {SOL_SOCKET, SO_SNDTIMEO, SZ(struct timeval), F_SET | F_GET, K_SNDTIMEO},
    {SOL_SOCKET, SO_ERROR, SZ(int), F_GET, K_ERROR},
    {SOL_SOCKET, SO_TYPE, SZ(int), F_GET, K_TYPE},
    {SOL_SOCKET, SO_DOMAIN, SZ(int), F_GET, K_DOMAIN},
    {SOL_SOCKET, SO_PROTOCOL, SZ(int), F_GET, K_PROTOCOL},
    {SOL_SOCKET, SO_LINGER, SZ(struct linger), F_SET | F_GET, K_LINGER},
    {SOL_SOCKET, SO_REUSEADDR, SZ(int), F_SET, K_REUSEADDR},
    {SOL_SOCKET, SO_KEEPALIVE, SZ(int), F_SET, K_KEEPALIVE},
    {IPPROTO_SCTP, SCTP_INITMSG, SZ(struct sctp_initmsg), F_SET | F_GET, K_INITMSG},
    {IPPROTO_SCTP, SCTP_EVENTS, 1, F_SET | F_GET, K_EVENTS},
    {IPPROTO_SCTP, SCTP_EVENT, SZ(struct sctp_event), F_SET | F_GET, K_EVENT},
    {IPPROTO_SCTP, SCTP_NODELAY, SZ(int), F_SET | F_GET, K_NODELAY},
    {IPPROTO_SCTP, SCTP_STATUS, SZ(struct sctp_status), F_GET, K_STATUS},
    {IPPROTO_SCTP, SCTP_GET_PEER_ADDR_INFO, SZ(struct sctp_paddrinfo), F_GET, K_PADDRINFO},
    {IPPROTO_SCTP, SCTP_DEFAULT_SEND_PARAM, SZ(struct sctp_sndrcvinfo), F_SET | F_GET, K_DEFSEND},
    {IPPROTO_SCTP, SCTP_DEFAULT_SNDINFO, SZ(struct sctp_sndinfo), F_SET | F_GET, K_DEFSNDINFO},
    {IPPROTO_SCTP, SCTP_RECVRCVINFO, SZ(int), F_SET | F_GET, K_RECVRCVINFO},
    {IPPROTO_SCTP, SCTP_RECVNXTINFO, SZ(int), F_SET | F_GET, K_RECVNXTINFO},
    {IPPROTO_SCTP, SCTP_RTOINFO, SZ(struct sctp_rtoinfo), F_SET | F_GET, K_RTOINFO},
    {IPPROTO_SCTP, SCTP_ASSOCINFO, SZ(struct sctp_assocparams), F_SET | F_GET, K_ASSOCINFO},
    {IPPROTO_SCTP, SCTP_MAXSEG, SZ(int), F_SET | F_GET, K_MAXSEG},
    {IPPROTO_SCTP, SCTP_AUTOCLOSE, SZ(int), F_SET | F_GET, K_AUTOCLOSE},
    {IPPROTO_SCTP, SCTP_DISABLE_FRAGMENTS, SZ(int), F_SET | F_GET, K_DISFRAG},
    {IPPROTO_SCTP, SCTP_FRAGMENT_INTERLEAVE, SZ(int), F_SET | F_GET, K_FRAGILV},
    {IPPROTO_SCTP, SCTP_PARTIAL_DELIVERY_POINT, SZ(uint32_t), F_SET | F_GET, K_PDPOINT},
    {IPPROTO_SCTP, SCTP_ADAPTATION_LAYER, SZ(struct sctp_setadaptation), F_SET | F_GET, K_ADAPT},
    {IPPROTO_SCTP, SCTP_MAX_BURST, SZ(int), F_SET | F_GET, K_MAXBURST},
    /* the length before spp_ipv6_flowlabel is taken too (Linux) */
    {IPPROTO_SCTP, SCTP_PEER_ADDR_PARAMS,
     (unsigned)((offsetof(struct sctp_paddrparams, spp_ipv6_flowlabel) + 3) & ~(size_t)3),
     F_SET | F_GET,
     K_PADDRPARAMS},
    {IPPROTO_SCTP, SCTP_REMOTE_UDP_ENCAPS_PORT, SZ(struct sctp_udpencaps), F_SET | F_GET,
     K_UDPENCAPS},
    {IPPROTO_SCTP, SCTP_GET_ASSOC_NUMBER, SZ(uint32_t), F_GET, K_ASSOCNUM},
    {IPPROTO_SCTP, BRAID_SCTP_LOCAL_UDP_PORT, SZ(int), F_SET | F_GET, K_LOCALUDP},
    {IPPROTO_SCTP, BRAID_SCTP_TRANSPORT, SZ(int), F_SET | F_GET, K_TRANSPORT},
    /* the options of Linux's with no round trip checked here (tests/api/test_opts_linux.c) */
    {IPPROTO_SCTP, SCTP_PRIMARY_ADDR, SZ(struct sctp_prim), F_SET | F_GET, K_PLAIN},
    {IPPROTO_SCTP, SCTP_DELAYED_ACK_TIME, SZ(struct sctp_assoc_value), F_SET | F_GET, K_PLAIN},
    {IPPROTO_SCTP, SCTP_CONTEXT, SZ(struct sctp_assoc_value), F_SET | F_GET, K_PLAIN},
    {IPPROTO_SCTP, SCTP_GET_ASSOC_ID_LIST, SZ(struct sctp_assoc_ids), F_GET, K_PLAIN},
    {IPPROTO_SCTP, SCTP_GET_ASSOC_STATS, SZ(sctp_assoc_t), F_GET, K_PLAIN},
    {IPPROTO_SCTP, SCTP_PEER_ADDR_THLDS, SZ(struct sctp_paddrthlds), F_SET | F_GET, K_PLAIN},
    {IPPROTO_SCTP, SCTP_PEER_ADDR_THLDS_V2, SZ(struct sctp_paddrthlds_v2), F_SET | F_GET,
     K_PLAIN},
    {IPPROTO_SCTP, SCTP_REUSE_PORT, SZ(int), F_SET | F_GET, K_PLAIN},
    {IPPROTO_SCTP, SCTP_EXPOSE_POTENTIALLY_FAILED_STATE, SZ(struct sctp_assoc_value),
     F_SET | F_GET, K_PLAIN},
    {IPPROTO_IP, IP_TOS, 0, F_SET | F_GET, K_PLAIN},
    {IPPROTO_IPV6, IPV6_TCLASS, 0, F_SET | F_GET, K_PLAIN},
    {IPPROTO_IPV6, IPV6_V6ONLY, 0, F_SET | F_GET, K_PLAIN},
    /* not (yet) in braid: ENOPROTOOPT */
    {IPPROTO_SCTP, SCTP_SET_PEER_PRIMARY_ADDR, SZ(struct sctp_setpeerprim), 0, K_UNSUPPORTED},
    {IPPROTO_SCTP, SCTP_AUTH_KEY, 8, 0, K_UNSUPPORTED},
    {IPPROTO_SCTP, SCTP_HMAC_IDENT, 8, 0, K_UNSUPPORTED},
    {IPPROTO_SCTP, SCTP_PR_SUPPORTED, 8, 0, K_UNSUPPORTED},
    {IPPROTO_SCTP, SCTP_ENABLE_STREAM_RESET, 8, 0, K_UNSUPPORTED},
    {IPPROTO_SCTP, SCTP_DEFAULT_PRINFO, 12, 0, K_UNSUPPORTED},
    {IPPROTO_SCTP, SCTP_RESET_STREAMS, 8, 0, K_UNSUPPORTED},
    {SOL_SOCKET, SO_RCVLOWAT, SZ(int), 0, K_UNSUPPORTED},
    {SOL_SOCKET, SO_BINDTODEVICE, 16, 0, K_UNSUPPORTED},
};
#define N_OPTS (sizeof g_opts / sizeof g_opts[0])

static const known *lookup(int level, int name)
{
    if (level == SOL_SCTP)
        level = IPPROTO_SCTP;
    for (size_t i = 0; i < N_OPTS; i++)
        if (g_opts[i].level == level && g_opts[i].name == name)
            return &g_opts[i];
    return NULL;
}

/* Linux's private options (libsctp's bindx, connectx, peeloff, getpaddrs)
 * bind, connect and make sockets: out of this model, checked in
 * tests/api/test_privopts.c; another unsupported option in their place. */
static int not_private(int level, int name)
{
    if (level != IPPROTO_SCTP && level != SOL_SCTP)
        return name;
    switch (name) {
    case SCTP_SOCKOPT_BINDX_ADD:
    case SCTP_SOCKOPT_BINDX_REM:
    case SCTP_SOCKOPT_PEELOFF:
    case SCTP_SOCKOPT_CONNECTX_OLD:
    case SCTP_GET_PEER_ADDRS:
    case SCTP_GET_LOCAL_ADDRS:
    case SCTP_SOCKOPT_CONNECTX:
    case SCTP_SOCKOPT_CONNECTX3:
    case SCTP_SOCKOPT_PEELOFF_FLAGS: return SCTP_AUTH_KEY;
    default: return name;
    }
}

/* Level and option: one of the table's mostly, else anything. */
static const known *pick_opt(input *in, int *level, int *name)
{
    uint8_t b = take8(in);
    if (b < 224) {
        const known *k = &g_opts[b % N_OPTS];
        *level = (b & 1) && k->level == IPPROTO_SCTP ? SOL_SCTP : k->level;
        *name = k->name;
        return k;
    }
    static const int levels[] = {SOL_SOCKET, IPPROTO_SCTP, IPPROTO_IP, IPPROTO_IPV6, -1};
    *level = b & 8 ? (int)take32(in) : levels[take8(in) % 5];
    *name = not_private(*level, b & 16 ? (int)take32(in) : (int)take8(in));
    return lookup(*level, *name);
}

/* A length for a value whose structure is size bytes; *alloc is what the
 * buffer really holds (less than the length only for the "huge" ones). */
static socklen_t pick_len(input *in, unsigned size, size_t *alloc)
{
    socklen_t l;
    switch (take8(in) % 10) {
    case 0: l = size; break;
    case 1: l = size ? size - 1 : 0; break;
    case 2: l = 0; break;
    case 3: l = take8(in) % (size + 1); break;
    case 4: l = size + take8(in); break;
    case 5: l = take16(in) % 4096; break;
    case 6: l = sizeof(int); break;
    case 7: l = sizeof(struct sctp_assoc_value); break;
    case 8: {
        static const socklen_t huge[] = {0x7fffffff, 0x80000000u, 0xffffffffu, 65536};
        l = huge[take8(in) % 4];
        *alloc = HUGE_ALLOC;
        return l;
    }
    default: l = size + 1 + take8(in) % 7; break;
    }
    *alloc = l;
    return l;
}

/* Options that read a field of the get buffer (an association id, an
 * address, an event type) are given real ones sometimes. */
static void patch_in(input *in, int si, const known *k, uint8_t *buf, size_t n)
{
    uint8_t b = take8(in);
    if (!k || !(b & 1))
        return;
    if (g_n_ids && n >= sizeof(sctp_assoc_t)) {
        sctp_assoc_t id = g_ids[(b >> 1) % g_n_ids];
        memcpy(buf, &id, sizeof id);
    }
    size_t off = k->kind == K_PADDRINFO     ? offsetof(struct sctp_paddrinfo, spinfo_address)
                 : k->kind == K_PADDRPARAMS ? offsetof(struct sctp_paddrparams, spp_address)
                                            : 0;
    if (off && (b & 2) && g_s[si].peer_len && n >= off + g_s[si].peer_len)
        memcpy(buf + off, &g_s[si].peer, g_s[si].peer_len);
    if (k->kind == K_EVENT && n >= sizeof(struct sctp_event)) {
        uint16_t t = (uint16_t)(SCTP_SN_TYPE_BASE + (b >> 3) % 16);
        memcpy(buf + offsetof(struct sctp_event, se_type), &t, sizeof t);
    }
}

static uint32_t rd32(const uint8_t *p, size_t off)
{
    uint32_t v;
    memcpy(&v, p + off, sizeof v);
    return v;
}
static uint16_t rd16(const uint8_t *p, size_t off)
{
    uint16_t v;
    memcpy(&v, p + off, sizeof v);
    return v;
}

/* ---- get / set with their checks ---- */

#define VAL_MAX HUGE_ALLOC

typedef struct getres {
    int rc, err;
    socklen_t len;
    uint8_t val[VAL_MAX];
} getres;

enum { GET_PLAIN, GET_OPT_INFO, GET_NULL_LEN };

/* getsockopt (or sctp_opt_info) into a buffer of alloc bytes at the given
 * misalignment, canary behind it (poisoned under ASan), first filled from
 * init. Checked: nothing written beyond *optlen, beyond the length returned
 * or at all on failure; the returned length is at most the given one; the
 * errno of a refusal. */
static void get_checked(int si, int level, int name, const known *k, const uint8_t *init,
                        size_t init_len, socklen_t len, size_t alloc, unsigned align, int mode,
                        sctp_assoc_t info_id, getres *r)
{
    uint8_t *base = malloc(align + alloc + CANARY);
    uint8_t *before = malloc(alloc + 1);
    FZ_CHECK(base && before);
    uint8_t *buf = base + align;
    size_t c = init_len < alloc ? init_len : alloc;
    memcpy(buf, init, c);
    memset(buf + c, 0x5a, alloc - c);
    if (mode == GET_OPT_INFO && len >= sizeof info_id && alloc >= sizeof info_id)
        memcpy(buf, &info_id, sizeof info_id); /* sctp_opt_info puts the id first */
    memcpy(before, buf, alloc);
    memset(buf + alloc, CANARY_BYTE, CANARY);
    POISON(buf + alloc, CANARY);
    snprintf(g_what, sizeof g_what, "get(mode %d) sock %d level %d name %d len %u align %u", mode,
             si, level, name, (unsigned)len, align);
    socklen_t l = len;
    errno = 0;
    if (mode == GET_OPT_INFO)
        r->rc = sctp_opt_info(g_s[si].fd, info_id, name, buf, &l);
    else
        r->rc = braid_getsockopt(g_s[si].fd, level, name, buf, mode == GET_NULL_LEN ? NULL : &l);
    r->err = errno;
    UNPOISON(buf + alloc, CANARY);
    for (size_t i = 0; i < CANARY; i++)
        FZ_CHECK(buf[alloc + i] == CANARY_BYTE);
    FZ_CHECK(r->rc == 0 || r->rc == -1);
    if (r->rc == 0) {
        FZ_CHECK(mode != GET_NULL_LEN);
        FZ_CHECK(k && (k->flags & F_GET) && len >= k->size);
        FZ_CHECK(l <= len && l <= alloc);
        for (size_t i = l; i < alloc; i++)
            FZ_CHECK(buf[i] == before[i]);
    } else {
        FZ_CHECK(l == len);
        FZ_CHECK(memcmp(buf, before, alloc) == 0);
        if (!k || !(k->flags & F_GET))
            FZ_CHECK(r->err == ENOPROTOOPT);
        else if (mode == GET_NULL_LEN)
            FZ_CHECK(r->err == EFAULT);
        else if (len < k->size)
            FZ_CHECK(r->err == EINVAL);
    }
    if (si == S_L1 && k && k->kind == K_STATUS && alloc >= 4 &&
        rd32(before, 0) == (uint32_t)g_ids[1])
        FZ_CHECK(r->rc == -1); /* peeled off: P1's association, no longer L1's */
    r->len = r->rc == 0 ? l : 0;
    memset(r->val, 0, sizeof r->val);
    memcpy(r->val, buf, r->len < sizeof r->val ? r->len : sizeof r->val);
    free(before);
    free(base);
}

/* setsockopt from a buffer of exactly alloc bytes at the given
 * misalignment: checked that it is not written, that a length below the
 * option's size is EINVAL, an unknown option ENOPROTOOPT, and that what a
 * socket not yet started accepted a running one would take. */
static int set_checked(int si, int level, int name, const known *k, const uint8_t *val,
                       socklen_t len, size_t alloc, unsigned align, bool null)
{
    uint8_t *base = malloc(align + alloc);
    FZ_CHECK(base != NULL || align + alloc == 0);
    uint8_t *buf = base + align;
    if (alloc)
        memcpy(buf, val, alloc);
    snprintf(g_what, sizeof g_what, "setsockopt sock %d level %d name %d len %u align %u%s", si,
             level, name, (unsigned)len, align, null ? " NULL" : "");
    errno = 0;
    int rc = braid_setsockopt(g_s[si].fd, level, name, null ? NULL : buf, len);
    int e = errno;
    FZ_CHECK(rc == 0 || rc == -1);
    if (alloc)
        FZ_CHECK(memcmp(buf, val, alloc) == 0);
    free(base);
    if (rc == 0) {
        FZ_CHECK(!null && k && (k->flags & F_SET) && len >= k->size);
        check_pending_settings(g_s[si].fd);
    } else if (!k || !(k->flags & F_SET)) {
        FZ_CHECK(e == ENOPROTOOPT);
    } else if (null && len) {
        FZ_CHECK(e == EFAULT); /* (Linux copies optlen bytes in first) */
    } else if (len < k->size || null) {
        /* too short (NULL with length 0 is); as Linux, SCTP_AUTOCLOSE on a
         * one-to-one socket is refused before its length is looked at */
        FZ_CHECK(e == EINVAL ||
                 (e == EOPNOTSUPP && level == IPPROTO_SCTP && name == SCTP_AUTOCLOSE));
    }
    return rc;
}

static void op_set(input *in, int si)
{
    int level, name;
    const known *k = pick_opt(in, &level, &name);
    size_t alloc;
    socklen_t len = pick_len(in, k ? k->size : take8(in), &alloc);
    uint8_t flags = take8(in);
    uint8_t *val = malloc(alloc + 1);
    FZ_CHECK(val != NULL);
    take_bytes(in, val, alloc);
    patch_in(in, si, k, val, alloc);
    set_checked(si, level, name, k, val, len, alloc, flags & 7, flags == 0xff);
    free(val);
}

static void op_get(input *in, int si, bool info)
{
    int level, name;
    const known *k;
    if (info) { /* sctp_opt_info: always IPPROTO_SCTP */
        level = IPPROTO_SCTP;
        name = take8(in) < 200 ? g_opts[take8(in) % N_OPTS].name : (int)take32(in);
        name = not_private(level, name);
        k = lookup(level, name);
    } else {
        k = pick_opt(in, &level, &name);
    }
    size_t alloc;
    socklen_t len = pick_len(in, k ? k->size : take8(in), &alloc);
    uint8_t flags = take8(in);
    uint8_t *init = malloc(alloc + 1);
    FZ_CHECK(init != NULL);
    take_bytes(in, init, alloc < 256 ? alloc : 256);
    if (alloc > 256)
        memset(init + 256, 0, alloc - 256);
    patch_in(in, si, k, init, alloc);
    sctp_assoc_t id = g_n_ids && (flags & 8) ? g_ids[(flags >> 4) % g_n_ids] : (sctp_assoc_t)take32(in);
    int mode = info ? GET_OPT_INFO : flags == 0xff ? GET_NULL_LEN : GET_PLAIN;
    getres *r = malloc(sizeof *r);
    FZ_CHECK(r != NULL);
    get_checked(si, level, name, k, init, alloc, len, alloc, flags & 7, mode, id, r);
    free(r);
    free(init);
}

/* ---- set, then get: RFC 6458 §8 says what comes back ---- */

/* A field that zero leaves unchanged (RFC 6458 §8.1.1, §8.1.2, §8.1.3). */
#define KEEP_OR_SET16(T, f)                                                                        \
    FZ_CHECK(rd16(now, offsetof(T, f)) ==                                                          \
             (rd16(set, offsetof(T, f)) ? rd16(set, offsetof(T, f)) : rd16(old, offsetof(T, f))))
#define KEEP_OR_SET32(T, f)                                                                        \
    FZ_CHECK(rd32(now, offsetof(T, f)) ==                                                          \
             (rd32(set, offsetof(T, f)) ? rd32(set, offsetof(T, f)) : rd32(old, offsetof(T, f))))

static void rt_timeo(const uint8_t *set, const uint8_t *now)
{
    struct timeval a, b;
    memcpy(&a, set, sizeof a);
    memcpy(&b, now, sizeof b);
    if (a.tv_sec < 1000000000) /* a value of this century comes back */
        FZ_CHECK(a.tv_sec == b.tv_sec && a.tv_usec == b.tv_usec);
    else /* longer than the clock can count: no timeout (as Linux) */
        FZ_CHECK((b.tv_sec == 0 && b.tv_usec == 0) ||
                 (a.tv_sec == b.tv_sec && a.tv_usec == b.tv_usec));
}

static void rt_paddrparams(const uint8_t *set, const uint8_t *old, const uint8_t *now)
{
    typedef struct sctp_paddrparams P;
    uint32_t fl = rd32(set, offsetof(P, spp_flags));
    uint32_t hb = rd32(set, offsetof(P, spp_hbinterval));
    if (fl & SPP_HB_DISABLE)
        FZ_CHECK(rd32(now, offsetof(P, spp_flags)) & SPP_HB_DISABLE);
    else if ((fl & SPP_HB_ENABLE) && (fl & SPP_HB_TIME_IS_ZERO))
        FZ_CHECK(rd32(now, offsetof(P, spp_hbinterval)) == 0);
    else if ((fl & SPP_HB_ENABLE) && hb)
        FZ_CHECK(rd32(now, offsetof(P, spp_hbinterval)) == hb);
    KEEP_OR_SET16(P, spp_pathmaxrxt);
    uint32_t mtu = rd32(set, offsetof(P, spp_pathmtu));
    if ((fl & SPP_PMTUD_DISABLE) && mtu >= 576)
        FZ_CHECK(rd32(now, offsetof(P, spp_pathmtu)) == mtu);
}

static void rt_expect(const known *k, const uint8_t *set, socklen_t sl, const uint8_t *old,
                      const uint8_t *now)
{
    int x = (int)rd32(set, 0), g = (int)rd32(now, 0);
    switch (k->kind) {
    case K_RCVBUF:
    case K_SNDBUF: {
        /* doubled, with Linux's floors (SOCK_MIN_RCVBUF / _SNDBUF), never
         * refused; a negative value is a large unsigned one (capped) */
        int floor = k->kind == K_RCVBUF ? 2304 : 4608;
        if (x >= 0 && x < floor / 2)
            FZ_CHECK(g == floor);
        else if (x >= 0 && x <= (1 << 20))
            FZ_CHECK(g == 2 * x);
        else
            FZ_CHECK(g >= (1 << 21));
        break;
    }
    case K_RCVTIMEO:
    case K_SNDTIMEO: rt_timeo(set, now); break;
    case K_LINGER: FZ_CHECK(memcmp(set, now, sizeof(struct linger)) == 0); break;
    case K_INITMSG:
        KEEP_OR_SET16(struct sctp_initmsg, sinit_num_ostreams);
        KEEP_OR_SET16(struct sctp_initmsg, sinit_max_instreams);
        KEEP_OR_SET16(struct sctp_initmsg, sinit_max_attempts);
        KEEP_OR_SET16(struct sctp_initmsg, sinit_max_init_timeo);
        break;
    case K_EVENTS: /* RFC 6458 §8.1.11: a shorter structure changes only what it covers */
        FZ_CHECK(memcmp(now, set, sl) == 0);
        FZ_CHECK(memcmp(now + sl, old + sl, sizeof(struct sctp_event_subscribe) - sl) == 0);
        break;
    case K_EVENT:
        FZ_CHECK(now[offsetof(struct sctp_event, se_on)] ==
                 (set[offsetof(struct sctp_event, se_on)] != 0));
        break;
    case K_NODELAY:
    case K_RECVRCVINFO:
    case K_RECVNXTINFO:
    case K_DISFRAG: FZ_CHECK((g != 0) == (x != 0)); break;
    case K_DEFSEND: FZ_CHECK(memcmp(set, now, sizeof(struct sctp_sndrcvinfo)) == 0); break;
    case K_DEFSNDINFO:
        FZ_CHECK(memcmp(set, now, offsetof(struct sctp_sndinfo, snd_assoc_id)) == 0);
        break;
    case K_RTOINFO:
        KEEP_OR_SET32(struct sctp_rtoinfo, srto_initial);
        KEEP_OR_SET32(struct sctp_rtoinfo, srto_max);
        KEEP_OR_SET32(struct sctp_rtoinfo, srto_min);
        break;
    case K_ASSOCINFO:
        KEEP_OR_SET16(struct sctp_assocparams, sasoc_asocmaxrxt);
        KEEP_OR_SET32(struct sctp_assocparams, sasoc_cookie_life);
        break;
    case K_MAXSEG:
    case K_MAXBURST: {
        size_t off = sl >= sizeof(struct sctp_assoc_value)
                         ? offsetof(struct sctp_assoc_value, assoc_value)
                         : 0;
        uint32_t v = rd32(set, off);
        if (k->kind == K_MAXBURST)
            FZ_CHECK(rd32(now, off) == v);
        else if (v) /* an association reports its fragmentation point: at most that */
            FZ_CHECK(rd32(now, off) <= v);
        break;
    }
    case K_AUTOCLOSE:
    case K_FRAGILV:
    case K_PDPOINT:
    case K_ADAPT:
    case K_LOCALUDP:
    case K_TRANSPORT: FZ_CHECK(g == x); break;
    case K_PADDRPARAMS: rt_paddrparams(set, old, now); break;
    case K_UDPENCAPS: {
        uint16_t p = rd16(set, offsetof(struct sctp_udpencaps, sue_port));
        if (p)
            FZ_CHECK(rd16(now, offsetof(struct sctp_udpencaps, sue_port)) == p);
        break;
    }
    default: break;
    }
}

static void op_roundtrip(input *in, int si)
{
    const known *k = &g_opts[take8(in) % N_OPTS];
    if ((k->flags & (F_SET | F_GET)) != (F_SET | F_GET) || k->kind == K_PLAIN)
        return; /* K_PLAIN: set and get do not take the same ids (Linux) */
    int level = k->level == IPPROTO_SCTP && (take8(in) & 1) ? SOL_SCTP : k->level;
    socklen_t sl = k->size, gl = k->size;
    if (k->kind == K_MAXSEG || k->kind == K_MAXBURST)
        sl = gl = take8(in) & 1 ? sizeof(struct sctp_assoc_value) : sizeof(int);
    if (k->kind == K_EVENTS) {
        sl = 1 + take8(in) % sizeof(struct sctp_event_subscribe);
        gl = sizeof(struct sctp_event_subscribe);
    }
    uint8_t val[VAL_MAX];
    FZ_CHECK(gl <= sizeof val && sl <= sizeof val);
    memset(val, 0, sizeof val);
    take_bytes(in, val, sl);
    patch_in(in, si, k, val, sl);
    getres *old = malloc(sizeof *old), *now = malloc(sizeof *now);
    FZ_CHECK(old && now);
    get_checked(si, level, k->name, k, val, sl, gl, gl, 0, GET_PLAIN, 0, old);
    if (set_checked(si, level, k->name, k, val, sl, sl, 0, false) == 0) {
        get_checked(si, level, k->name, k, val, sl, gl, gl, 0, GET_PLAIN, 0, now);
        snprintf(g_what, sizeof g_what, "set+get sock %d level %d name %d len %u", si, level,
                 k->name, (unsigned)sl);
        FZ_CHECK(now->rc == 0);
        if (old->rc == 0)
            rt_expect(k, val, sl, old->val, now->val);
    }
    free(old);
    free(now);
}

/* ---- sends: ancillary data and addresses (never reaching the network) ---- */

static const int g_sendable[] = {S_F1, S_F2, S_B1, S_B2, S_L2};

static bool started(int si)
{
    bsock *s = bs_get(g_s[si].fd);
    FZ_CHECK(s != NULL);
    bool up = s->st->ep != NULL;
    bs_put(s);
    return up;
}

/* The data size of each send cmsg type (0: not one a send takes). */
static size_t cmsg_need(int type)
{
    switch (type) {
    case SCTP_INIT: return sizeof(struct sctp_initmsg);
    case SCTP_SNDRCV: return sizeof(struct sctp_sndrcvinfo);
    case SCTP_SNDINFO: return sizeof(struct sctp_sndinfo);
    case SCTP_PRINFO: return sizeof(struct sctp_prinfo);
    case SCTP_AUTHINFO: return sizeof(struct sctp_authinfo);
    case SCTP_DSTADDRV4: return sizeof(struct in_addr);
    case SCTP_DSTADDRV6: return sizeof(struct in6_addr);
    default: return 0;
    }
}

/* Would a send refuse this control buffer? As the kernel walks it: each
 * header that fits must have a length between a header's and what is left;
 * each of level IPPROTO_SCTP a send type and at least its structure
 * (RFC 6458 §5.3), a PR-SCTP policy among those defined (§5.3.7). */
static bool cmsgs_bad(const uint8_t *b, size_t total)
{
    size_t off = 0;
    while (total - off >= sizeof(struct cmsghdr)) {
        struct cmsghdr h;
        memcpy(&h, b + off, sizeof h);
        if (h.cmsg_len < sizeof h || h.cmsg_len > total - off)
            return true;
        if (h.cmsg_level == IPPROTO_SCTP) {
            size_t need = cmsg_need(h.cmsg_type);
            if (!need || h.cmsg_len < CMSG_LEN(need))
                return true;
            if (h.cmsg_type == SCTP_PRINFO &&
                (rd16(b, off + CMSG_LEN(0)) & ~SCTP_PR_SCTP_MASK))
                return true;
        }
        size_t step = CMSG_ALIGN(h.cmsg_len);
        if (step > total - off)
            break;
        off += step;
    }
    return false;
}

/* The send flags the last SNDRCV / SNDINFO cmsg of a (good) buffer sets. */
static uint16_t cmsgs_flags(const uint8_t *b, size_t total)
{
    size_t off = 0;
    uint16_t fl = 0;
    while (total - off >= sizeof(struct cmsghdr)) {
        struct cmsghdr h;
        memcpy(&h, b + off, sizeof h);
        if (h.cmsg_len < sizeof h || h.cmsg_len > total - off)
            break;
        if (h.cmsg_level == IPPROTO_SCTP && h.cmsg_type == SCTP_SNDRCV &&
            h.cmsg_len >= CMSG_LEN(sizeof(struct sctp_sndrcvinfo)))
            fl = rd16(b, off + CMSG_LEN(0) + offsetof(struct sctp_sndrcvinfo, sinfo_flags));
        if (h.cmsg_level == IPPROTO_SCTP && h.cmsg_type == SCTP_SNDINFO &&
            h.cmsg_len >= CMSG_LEN(sizeof(struct sctp_sndinfo)))
            fl = rd16(b, off + CMSG_LEN(0) + offsetof(struct sctp_sndinfo, snd_flags));
        size_t step = CMSG_ALIGN(h.cmsg_len);
        if (step > total - off)
            break;
        off += step;
    }
    return fl;
}

/* A control buffer of a few cmsgs, lengths and levels from the input,
 * sometimes cut short or with bytes after it; exactly *len bytes. */
static uint8_t *build_cmsgs(input *in, size_t *len)
{
    uint8_t tmp[1024];
    size_t off = 0;
    memset(tmp, 0, sizeof tmp);
    unsigned n = take8(in) % 5;
    for (unsigned i = 0; i < n; i++) {
        uint8_t sel = take8(in);
        struct cmsghdr h;
        memset(&h, 0, sizeof h);
        h.cmsg_level = sel < 200 ? IPPROTO_SCTP : sel < 230 ? SOL_SOCKET : (int)take32(in);
        h.cmsg_type = (sel & 0x80) && (sel & 1) ? (int)take32(in) : (int)(take8(in) % 10);
        size_t dlen = cmsg_need(h.cmsg_type);
        switch (take8(in) % 6) {
        case 0: break;
        case 1: dlen = dlen ? dlen - 1 : 0; break;
        case 2: dlen = 0; break;
        case 3: dlen += take8(in) % 16; break;
        default: dlen = take8(in) % 64; break;
        }
        h.cmsg_len = CMSG_LEN(dlen);
        if ((sel & 0x40) && (sel & 2)) /* a length that lies */
            h.cmsg_len = take8(in) & 1 ? (size_t)take32(in) : (size_t)take8(in);
        if (off + CMSG_SPACE(dlen) > sizeof tmp)
            break;
        memcpy(tmp + off, &h, sizeof h);
        take_bytes(in, tmp + off + CMSG_LEN(0), dlen);
        off += CMSG_SPACE(dlen);
    }
    uint8_t cut = take8(in);
    if (cut & 0x80) /* shorter than the cmsgs written */
        off = (cut & 0x3f) > off ? 0 : off - (cut & 0x3f);
    else if (cut & 0x40) /* a tail that is no whole header */
        off += cut & 0xf;
    uint8_t *out = malloc(off ? off : 1);
    FZ_CHECK(out != NULL);
    memcpy(out, tmp, off);
    *len = off;
    return out;
}

/* A destination from the input with its port zeroed (port 0 is refused
 * before anything starts); exactly *len bytes. */
static uint8_t *build_name(input *in, socklen_t *len)
{
    uint8_t mode = take8(in) % 4;
    socklen_t l = mode == 0   ? sizeof(struct sockaddr_in)
                  : mode == 1 ? sizeof(struct sockaddr_in6)
                              : (socklen_t)(take8(in) % 40);
    uint8_t *b = malloc(l ? l : 1);
    FZ_CHECK(b != NULL);
    take_bytes(in, b, l);
    if (mode < 2 && l >= sizeof(sa_family_t)) {
        sa_family_t f = mode == 0 ? AF_INET : AF_INET6;
        memcpy(b, &f, sizeof f);
    }
    if (l >= 4)
        b[2] = b[3] = 0;
    *len = l;
    return b;
}

typedef struct iovs {
    struct iovec v[4];
    unsigned n;
    size_t total;
} iovs;

static void build_iovs(input *in, iovs *io)
{
    io->n = take8(in) % 5;
    io->total = 0;
    for (unsigned i = 0; i < io->n; i++) {
        size_t l = take8(in);
        uint8_t *b = malloc(l ? l : 1);
        FZ_CHECK(b != NULL);
        take_bytes(in, b, l);
        io->v[i].iov_base = b;
        io->v[i].iov_len = l;
        io->total += l;
    }
}

static void free_iovs(iovs *io)
{
    for (unsigned i = 0; i < io->n; i++)
        free(io->v[i].iov_base);
}

static void op_sendmsg(input *in, int idx)
{
    int si = g_sendable[idx % 5];
    iovs io;
    build_iovs(in, &io);
    socklen_t nl = 0;
    uint8_t *name = take8(in) & 1 ? build_name(in, &nl) : NULL;
    size_t cl;
    uint8_t *ctl = build_cmsgs(in, &cl);
    struct msghdr m;
    memset(&m, 0, sizeof m);
    m.msg_name = name;
    m.msg_namelen = nl;
    m.msg_iov = io.n ? io.v : NULL;
    m.msg_iovlen = io.n;
    m.msg_control = cl || (take8(in) & 1) ? ctl : NULL;
    m.msg_controllen = cl;
    bool bad = cmsgs_bad(ctl, cl);
    snprintf(g_what, sizeof g_what, "sendmsg sock %d iov %u len %zu name %u ctl %zu", si, io.n,
             io.total, (unsigned)nl, cl);
    errno = 0;
    ssize_t rc = braid_sendmsg(g_s[si].fd, &m, MSG_DONTWAIT | MSG_NOSIGNAL);
    int e = errno;
    /* as Linux: SCTP_EOF and SCTP_ABORT return 0, SCTP_SENDALL 0 or the length */
    uint16_t sf = 0;
    bsock *ds = bs_get(g_s[si].fd);
    if (ds) {
        sf = ds->default_send.sinfo_flags; /* SCTP_DEFAULT_SEND_PARAM's, if no cmsg says */
        bs_put(ds);
    }
    if (m.msg_control && cmsgs_flags(ctl, cl))
        sf = cmsgs_flags(ctl, cl);
    bool zero_ok = (sf & (SCTP_EOF | SCTP_ABORT | SCTP_SENDALL)) != 0;
    FZ_CHECK(rc == -1 || rc == (ssize_t)io.total || (rc == 0 && zero_ok));
    if (si == S_L2)
        FZ_CHECK(rc == -1 && e == EPIPE); /* a one-to-one listener does not send */
    else if (bad && m.msg_control)
        FZ_CHECK(rc == -1 && e == EINVAL);
    FZ_CHECK(si == S_L2 || !started(si));
    free(ctl);
    free(name);
    free_iovs(&io);
}

/* sctp_sendmsg, sctp_send and sctp_sendv (RFC 6458 §9.7, §9.8, §9.12). */
static void op_lk_send(input *in, int idx)
{
    int si = g_sendable[idx % 5];
    uint8_t which = take8(in) % 3;
    uint8_t data[256];
    size_t dl = take8(in);
    take_bytes(in, data, dl);
    ssize_t rc;
    snprintf(g_what, sizeof g_what, "sctp_send%u sock %d len %zu", which, si, dl);
    if (which == 0) {
        socklen_t nl = 0;
        uint8_t *to = take8(in) & 1 ? build_name(in, &nl) : NULL;
        uint32_t ppid = take32(in), fl = take32(in), ttl = take32(in), ctx = take32(in);
        rc = sctp_sendmsg(g_s[si].fd, data, dl, (struct sockaddr *)to, nl, ppid, fl, take16(in),
                          ttl, ctx);
        free(to);
    } else if (which == 1) {
        struct sctp_sndrcvinfo si_;
        take_bytes(in, (uint8_t *)&si_, sizeof si_);
        rc = sctp_send(g_s[si].fd, data, dl, take8(in) & 1 ? &si_ : NULL,
                       MSG_DONTWAIT | MSG_NOSIGNAL);
    } else {
        iovs io;
        build_iovs(in, &io);
        uint8_t sel = take8(in);
        int addrcnt = sel & 1 ? (int)(take8(in) % 4) - 1 : 0;
        uint8_t *addrs = NULL;
        socklen_t nl = 0;
        if (sel & 2) {
            addrs = build_name(in, &nl);
            /* the call reads a whole address of the family it names */
            sa_family_t f = 0;
            if (nl >= sizeof f)
                memcpy(&f, addrs, sizeof f);
            socklen_t need = f == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
            if (nl < need) {
                uint8_t *b = calloc(1, need);
                FZ_CHECK(b != NULL);
                memcpy(b, addrs, nl);
                free(addrs);
                addrs = b;
            }
        }
        socklen_t il = take8(in) % 48;
        uint8_t *info = malloc(il ? il : 1);
        FZ_CHECK(info != NULL);
        take_bytes(in, info, il);
        unsigned type = take8(in) % 7;
        int cnt = sel & 4 ? (int)io.n - (int)(take8(in) % 3) : (int)io.n;
        rc = sctp_sendv(g_s[si].fd, io.n ? io.v : NULL, cnt, (struct sockaddr *)addrs, addrcnt,
                        sel & 8 ? NULL : info, il, type, MSG_DONTWAIT | MSG_NOSIGNAL);
        free(info);
        free(addrs);
        free_iovs(&io);
    }
    FZ_CHECK(rc >= -1);
    if (si == S_L2)
        FZ_CHECK(rc == -1);
    FZ_CHECK(si == S_L2 || !started(si));
}

/* ---- sctp_bindx / sctp_connectx: packed address lists (RFC 6458 §9.1, §9.9) ---- */

typedef struct addrlist {
    uint8_t *buf;
    size_t len;
    int cnt;              /* what the call is told */
    size_t ports[9];      /* where each address's port is */
    unsigned n_ports;
} addrlist;

/* Up to 9 addresses, then (sometimes) one of a family no one has: the
 * buffer ends where the call must stop reading. */
static void build_addrs(input *in, addrlist *a)
{
    uint8_t tmp[9 * sizeof(struct sockaddr_in6) + 2];
    size_t off = 0;
    unsigned n = take8(in) % 10;
    a->n_ports = 0;
    unsigned i;
    for (i = 0; i < n; i++) {
        uint8_t kind = take8(in) % 8;
        if (kind == 7) { /* not an address family: the walk stops here */
            uint16_t f = take16(in);
            if (f == AF_INET || f == AF_INET6)
                f = AF_UNIX;
            memcpy(tmp + off, &f, sizeof f);
            off += sizeof f;
            i++;
            break;
        }
        uint16_t port = take8(in) & 1 ? 7000 : take16(in);
        if (kind < 3) {
            struct sockaddr_in s;
            memset(&s, 0, sizeof s);
            s.sin_family = AF_INET;
            s.sin_port = htons(port);
            uint32_t ip = kind == 0 ? 0x7f000001u + (take8(in) & 3) : kind == 1 ? take32(in) : 0;
            s.sin_addr.s_addr = htonl(ip);
            memcpy(tmp + off, &s, sizeof s);
            a->ports[a->n_ports++] = off + offsetof(struct sockaddr_in, sin_port);
            off += sizeof s;
        } else {
            struct sockaddr_in6 s;
            memset(&s, 0, sizeof s);
            s.sin6_family = AF_INET6;
            s.sin6_port = htons(port);
            if (kind == 3)
                s.sin6_addr.s6_addr[15] = 1;
            else if (kind == 4)
                take_bytes(in, s.sin6_addr.s6_addr, 16);
            else if (kind == 5) { /* v4-mapped */
                s.sin6_addr.s6_addr[10] = s.sin6_addr.s6_addr[11] = 0xff;
                s.sin6_addr.s6_addr[12] = 127;
                s.sin6_addr.s6_addr[15] = (uint8_t)(1 + (take8(in) & 3));
            }
            memcpy(tmp + off, &s, sizeof s);
            a->ports[a->n_ports++] = off + offsetof(struct sockaddr_in6, sin6_port);
            off += sizeof s;
        }
    }
    a->cnt = (int)i;
    uint8_t c = take8(in);
    if (c & 0x80)
        a->cnt = (c & 0x40) ? -(int)(c & 0x3f) : (int)(c & 0x3f) % (a->cnt + 1);
    a->buf = malloc(off ? off : 1);
    FZ_CHECK(a->buf != NULL);
    memcpy(a->buf, tmp, off);
    a->len = off;
}

static void op_bindx(input *in, int si)
{
    addrlist a;
    build_addrs(in, &a);
    uint8_t f = take8(in);
    int flags = f < 200 ? SCTP_BINDX_ADD_ADDR : f < 230 ? SCTP_BINDX_REM_ADDR : (int)take32(in);
    bool up = started(si);
    snprintf(g_what, sizeof g_what, "sctp_bindx sock %d cnt %d len %zu flags %d", si, a.cnt,
             a.len, flags);
    int rc = sctp_bindx(g_s[si].fd, f == 0xff ? NULL : (struct sockaddr *)a.buf, a.cnt, flags);
    FZ_CHECK(rc == 0 || rc == -1);
    if (up) /* adding addresses to a running socket is ASCONF (RFC 5061), not here */
        FZ_CHECK(rc == -1);
    if (rc == 0)
        check_pending_settings(g_s[si].fd);
    FZ_CHECK(up == started(si));
    free(a.buf);
}

static void op_connectx(input *in, int si)
{
    addrlist a;
    build_addrs(in, &a);
    /* a list that could start an association has its ports zeroed, except
     * on one-to-one sockets already connected or listening */
    if (!(g_s[si].cls & CL_ONE_BUSY))
        for (unsigned i = 0; i < a.n_ports; i++)
            a.buf[a.ports[i]] = a.buf[a.ports[i] + 1] = 0;
    bool up = started(si);
    sctp_assoc_t id = 0;
    uint8_t f = take8(in);
    snprintf(g_what, sizeof g_what, "sctp_connectx sock %d cnt %d len %zu", si, a.cnt, a.len);
    int rc = sctp_connectx(g_s[si].fd, f == 0xff ? NULL : (struct sockaddr *)a.buf, a.cnt,
                           f & 1 ? &id : NULL);
    FZ_CHECK(rc == -1);
    FZ_CHECK(up == started(si));
    free(a.buf);
}

static void op_paddrs(input *in, int si)
{
    uint8_t f = take8(in);
    sctp_assoc_t id = g_n_ids && (f & 2) ? g_ids[(f >> 2) % g_n_ids] : (sctp_assoc_t)take32(in);
    struct sockaddr *addrs = NULL;
    snprintf(g_what, sizeof g_what, "sctp_get%caddrs sock %d id %d", f & 1 ? 'p' : 'l', si,
             (int)id);
    int n = f & 1 ? sctp_getpaddrs(g_s[si].fd, id, &addrs) : sctp_getladdrs(g_s[si].fd, id, &addrs);
    FZ_CHECK(n >= -1 && n <= BRAID_MAX_ADDRS);
    if ((f & 1) && g_s[si].cls == CL_QUIET)
        FZ_CHECK(n == -1); /* no association */
    if (n < 0)
        return;
    const uint8_t *p = (const uint8_t *)addrs;
    for (int i = 0; i < n; i++) {
        sa_family_t fam;
        memcpy(&fam, p, sizeof fam);
        FZ_CHECK(fam == AF_INET || fam == AF_INET6);
        p += fam == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
    }
    if (f & 1)
        sctp_freepaddrs(addrs);
    else
        sctp_freeladdrs(addrs);
}

/* ---- the program ---- */

/* The associations of the started sockets are still up: nothing an option
 * does may end one. */
static void check_alive(void)
{
    static const int ones[] = {S_C1, S_C2, S_P1, S_C3, S_A1};
    for (size_t i = 0; i < sizeof ones / sizeof ones[0]; i++) {
        bsock *s = bs_get(g_s[ones[i]].fd);
        FZ_CHECK(s != NULL);
        braid_assoc_status as;
        int rc = braid_assoc_status_get(s->st->ep, s->assoc, &as);
        bs_put(s);
        snprintf(g_what, sizeof g_what, "association of sock %d", ones[i]);
        FZ_CHECK(rc == 0);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool ready;
    if (!ready) {
        setup();
        ready = true;
    }
    input in = {data, size};
    for (unsigned ops = 0; in.n && ops < 48; ops++) {
        uint8_t op = take8(&in);
        int si = take8(&in) % N_SOCK;
        switch (op % 10) {
        case 0:
        case 1: op_set(&in, si); break;
        case 2: op_get(&in, si, false); break;
        case 3: op_roundtrip(&in, si); break;
        case 4: op_get(&in, si, true); break;
        case 5: op_sendmsg(&in, si); break;
        case 6: op_lk_send(&in, si); break;
        case 7: op_bindx(&in, si); break;
        case 8: op_connectx(&in, si); break;
        default: op_paddrs(&in, si); break;
        }
    }
    for (int i = 0; i < N_SOCK; i++)
        snap_restore(i);
    check_alive();
    return 0;
}
