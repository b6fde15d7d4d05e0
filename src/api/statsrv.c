/*
 * The stat socket (issue #12, braid-stat): every braid process serves its
 * state, as /proc/net/sctp/assocs serves the kernel's, on an abstract
 * AF_UNIX datagram socket named "\0braid-stat.<pid>" (abstract names are
 * per network namespace, as the associations' addresses are). braid-stat
 * finds them in /proc/net/unix.
 *
 * Protocol: a request is a datagram starting "braid-stat" from a bound
 * (autobind) socket; the answer is the process's state as one line of
 * JSON (docs/architecture.md, "Diagnosis"), in datagrams of at most
 * STATSRV_CHUNK bytes, each starting with a header line
 * "braid-stat <seq> <count>\n" (seq from 0). Nothing ever waits on a
 * client: the socket is non-blocking, a reply that does not fit in the
 * client's queue is dropped (the client sees chunks missing and says so).
 *
 * The background thread (world.c) polls the socket with the transports;
 * with the world locked it takes the requests and a snapshot (plain
 * copies of the counters and statuses: brief), and after it has let go of
 * the lock formats and sends the answers. $BRAID_STAT=0 turns it off.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "internal.h"

#define STATSRV_CHUNK 32768 /* bytes of JSON per datagram */
#define STATSRV_CLIENTS 8   /* requests answered per round */
#define STATSRV_PREFIX "braid-stat"

typedef struct snap_assoc {
    braid_assoc_id id;
    braid_assoc_status st;
    braid_assoc_stats stats;
} snap_assoc;

typedef struct snap_stack {
    uint16_t port, udp_port;
    braid_io_kind kind;
    bool refuser, listening;
    unsigned n_socks;
    unsigned n_locals;
    braid_addr locals[BRAID_MAX_ADDRS];
    braid_counters ctr;
    unsigned n_assocs;
    snap_assoc *assocs;
} snap_stack;

typedef struct snap_trans {
    braid_io_kind kind;
    uint16_t port;
    bool is_default;
    unsigned refs;
    braid_io_stats st;
} snap_trans;

static struct {
    int fd; /* -1: off (or not started) */
    bool tried;
    char world[17]; /* the world's identifier (hex) */
    uint64_t demux_short, demux_no_port;
    /* what the locked phase leaves for the reply phase */
    struct sockaddr_un to[STATSRV_CLIENTS];
    socklen_t to_len[STATSRV_CLIENTS];
    unsigned n_to;
    snap_stack *stacks;
    unsigned n_stacks;
    snap_trans *trans;
    unsigned n_trans;
    uint64_t d_short, d_no_port, at_ns;
} S = {.fd = -1};

/* ---- setup ---- */

static bool stat_enabled(void)
{
    const char *e = getenv("BRAID_STAT");
    return !(e && (!strcmp(e, "0") || !strcasecmp(e, "off") || !strcasecmp(e, "no")));
}

static void world_id_init(void)
{
    uint8_t id[8] = {0};
    if (getrandom(id, sizeof id, GRND_NONBLOCK) != (ssize_t)sizeof id) {
        uint64_t t = braid_now_ns() ^ ((uint64_t)getpid() << 32);
        memcpy(id, &t, sizeof id);
    }
    for (int i = 0; i < 8; i++)
        snprintf(S.world + 2 * i, 3, "%02x", id[i]);
}

/* A forked child has its own pid, so its own socket: the one it inherits
 * is its parent's (left to the parent). The world's identifier stays: a
 * child sharing its parent's world shows the same one (world.c's fork). */
static void statsrv_atfork_child(void)
{
    if (S.fd >= 0)
        close(S.fd);
    S.fd = -1;
    S.tried = false;
    S.n_to = 0;
    S.stacks = NULL; /* the parent's snapshot, if any: its memory is the parent's to free */
    S.trans = NULL;
    S.n_stacks = S.n_trans = 0;
}

void statsrv_start(void)
{
    world_assert_held();
    if (S.tried)
        return;
    S.tried = true;
    static bool atfork;
    if (!atfork) {
        atfork = true;
        pthread_atfork(NULL, NULL, statsrv_atfork_child);
    }
    if (!S.world[0])
        world_id_init();
    if (!stat_enabled())
        return;
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return;
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    int n =
        snprintf(sa.sun_path + 1, sizeof sa.sun_path - 1, STATSRV_PREFIX ".%ld", (long)getpid());
    socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
    if (bind(fd, (struct sockaddr *)&sa, len) < 0) {
        /* another process of this pid in the network namespace (another
         * pid namespace): no stat socket for this one */
        braid_io_log(BRAID_LOG_WARN, "stat socket @%s: %s", sa.sun_path + 1, strerror(errno));
        close(fd);
        return;
    }
    S.fd = fd;
}

int statsrv_fd(void)
{
    return S.fd;
}

/* ---- world.c's demultiplexing: packets no stack gets ---- */

void statsrv_demux_drop(const braid_path *path, size_t len, bool short_pkt, uint16_t dport)
{
    if (short_pkt)
        S.demux_short++;
    else
        S.demux_no_port++;
    if (braid_io_log_level() >= BRAID_LOG_DEBUG) {
        char from[80], to[80];
        braid_io_addr_str(&path->remote, from, sizeof from);
        braid_io_addr_str(&path->local, to, sizeof to);
        if (short_pkt)
            braid_io_log(BRAID_LOG_DEBUG,
                         "drop demux_short counter=demux_short from=%s to=%s: %zu bytes, no "
                         "SCTP common header",
                         from, to, len);
        else
            braid_io_log(BRAID_LOG_DEBUG,
                         "drop demux_no_port counter=demux_no_port from=%s to=%s dport=%u: no "
                         "stack of this process serves the port (raw IP: another process may)",
                         from, to, dport);
    }
}

/* ---- the locked phase: requests and a snapshot ---- */

static void snap_free(void)
{
    for (unsigned i = 0; i < S.n_stacks; i++)
        free(S.stacks[i].assocs);
    free(S.stacks);
    free(S.trans);
    S.stacks = NULL;
    S.trans = NULL;
    S.n_stacks = S.n_trans = 0;
}

static void snap_take(void)
{
    unsigned ns = 0, nt = 0;
    for (bstack *st = world_stacks(); st; st = st->next)
        ns += st->ep != NULL;
    for (btrans *t = world_transports(); t; t = t->next)
        nt++;
    S.stacks = calloc(ns ? ns : 1, sizeof *S.stacks);
    S.trans = calloc(nt ? nt : 1, sizeof *S.trans);
    if (!S.stacks || !S.trans) {
        snap_free();
        return;
    }
    for (btrans *t = world_transports(); t && S.n_trans < nt; t = t->next) {
        snap_trans *x = &S.trans[S.n_trans++];
        x->kind = t->kind;
        x->port = t->port;
        x->is_default = t->is_default;
        x->refs = t->refs;
        braid_io *io = trans_io(t); /* this process's socket of it (NULL: none open here) */
        if (io)
            braid_io_get_stats(io, &x->st);
    }
    for (bstack *st = world_stacks(); st && S.n_stacks < ns; st = st->next) {
        if (!st->ep)
            continue;
        snap_stack *x = &S.stacks[S.n_stacks++];
        x->port = st->refuser ? 0 : st->cfg.local_port;
        x->udp_port = st->tr ? st->tr->port : 0;
        x->kind = st->io_kind;
        x->refuser = st->refuser;
        x->listening = st->accepting;
        x->n_socks = st->n_socks;
        x->n_locals = st->cfg.n_local_addrs;
        memcpy(x->locals, st->cfg.local_addrs, sizeof x->locals);
        braid_endpoint_counters(st->ep, &x->ctr);
        unsigned na = 0;
        for (braid_assoc_id id = braid_next_assoc(st->ep, 0); id; id = braid_next_assoc(st->ep, id))
            na++;
        if (!na)
            continue;
        x->assocs = calloc(na, sizeof *x->assocs);
        if (!x->assocs)
            continue;
        for (braid_assoc_id id = braid_next_assoc(st->ep, 0); id && x->n_assocs < na;
             id = braid_next_assoc(st->ep, id)) {
            snap_assoc *a = &x->assocs[x->n_assocs];
            a->id = id;
            if (braid_assoc_status_get(st->ep, id, &a->st) == 0 &&
                braid_assoc_stats_peek(st->ep, id, &a->stats) == 0)
                x->n_assocs++;
        }
    }
    S.d_short = S.demux_short;
    S.d_no_port = S.demux_no_port;
    S.at_ns = braid_now_ns();
}

void statsrv_snapshot(void)
{
    world_assert_held();
    if (S.fd < 0 || S.n_to)
        return;
    for (unsigned i = 0; i < 4 * STATSRV_CLIENTS && S.n_to < STATSRV_CLIENTS; i++) {
        char req[64];
        S.to_len[S.n_to] = sizeof S.to[S.n_to];
        ssize_t r =
            recvfrom(S.fd, req, sizeof req, 0, (struct sockaddr *)&S.to[S.n_to], &S.to_len[S.n_to]);
        if (r < 0)
            break;
        /* from an unbound socket there is nobody to answer */
        if ((size_t)r < sizeof STATSRV_PREFIX - 1 ||
            memcmp(req, STATSRV_PREFIX, sizeof STATSRV_PREFIX - 1) ||
            S.to_len[S.n_to] <= offsetof(struct sockaddr_un, sun_path))
            continue;
        S.n_to++;
    }
    if (S.n_to)
        snap_take();
}

/* ---- the unlocked phase: JSON, sent ---- */

typedef struct jbuf {
    char *s;
    size_t len, cap;
    bool failed;
} jbuf;

static void jb_printf(jbuf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void jb_printf(jbuf *b, const char *fmt, ...)
{
    if (b->failed)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->failed = true;
            return;
        }
        if ((size_t)n < b->cap - b->len) {
            b->len += (size_t)n;
            return;
        }
        size_t cap = b->cap * 2 + (size_t)n;
        char *s = realloc(b->s, cap);
        if (!s) {
            b->failed = true;
            return;
        }
        b->s = s;
        b->cap = cap;
    }
}

static const char *ip_str(const braid_addr *a, char *out, size_t cap)
{
    if (a->family == 4)
        return inet_ntop(AF_INET, a->ip, out, (socklen_t)cap) ? out : "?";
    if (a->family == 6)
        return inet_ntop(AF_INET6, a->ip, out, (socklen_t)cap) ? out : "?";
    return "";
}

static const char *const state_names[] = {
    "CLOSED",           "COOKIE_WAIT",   "COOKIE_ECHOED",     "ESTABLISHED",
    "SHUTDOWN_PENDING", "SHUTDOWN_SENT", "SHUTDOWN_RECEIVED", "SHUTDOWN_ACK_SENT",
};

static const char *kind_name(braid_io_kind k)
{
    return k == BRAID_IO_UDP ? "udp" : k == BRAID_IO_RAW ? "raw" : "inproc";
}

#define F(f)                                                                                       \
    {                                                                                              \
#f, offsetof(braid_counters, f)                                                            \
    }
static const struct {
    const char *name;
    size_t off;
} counter_fields[] = {
    F(pkts_in),           F(pkts_out),           F(bytes_in),           F(bytes_out),
    F(data_chunks_in),    F(data_chunks_out),    F(user_msgs_in),       F(user_msgs_out),
    F(retransmits),       F(fast_retransmits),   F(t3_expiries),        F(sacks_in),
    F(sacks_out),         F(dup_tsns_in),        F(drop_bad_crc),       F(drop_malformed),
    F(drop_ootb),         F(drop_bad_vtag),      F(drop_no_state),      F(drop_bad_cookie),
    F(drop_stale_cookie), F(drop_unknown_chunk), F(drop_out_of_window), F(drop_assoc_limit),
    F(drop_rwnd_full),    F(drop_resp_full),     F(drop_bad_stream),    F(drop_protocol_violation),
    F(ootb_aborts_sent),  F(drop_stale_sack),    F(drop_bad_hb_ack),    F(drop_event_full),
    F(icmp_in),           F(icmp_dropped),
};
#undef F

static void json_path(jbuf *b, const braid_path_status *p, bool primary)
{
    char ip[INET6_ADDRSTRLEN], lip[INET6_ADDRSTRLEN];
    jb_printf(b,
              "{\"addr\":\"%s\",\"udp_port\":%u,\"local\":\"%s\",\"state\":\"%s\","
              "\"confirmed\":%s,\"primary\":%s,\"cwnd\":%u,\"ssthresh\":%u,\"flight\":%u,"
              "\"srtt_us\":%llu,\"rttvar_us\":%llu,\"rto_ms\":%llu,\"pmtu\":%u,\"errors\":%u}",
              ip_str(&p->addr, ip, sizeof ip), p->addr.udp_port, ip_str(&p->local, lip, sizeof lip),
              p->active ? "active" : "inactive", p->confirmed ? "true" : "false",
              primary ? "true" : "false", p->cwnd, p->ssthresh, p->flight,
              (unsigned long long)(p->srtt_ns / 1000), (unsigned long long)(p->rttvar_ns / 1000),
              (unsigned long long)(p->rto_ns / 1000000), p->pmtu, p->error_count);
}

static void json_assoc(jbuf *b, const snap_stack *x, const snap_assoc *a)
{
    const braid_assoc_status *s = &a->st;
    const braid_assoc_stats *t = &a->stats;
    jb_printf(b,
              "{\"id\":%u,\"state\":\"%s\",\"local_port\":%u,\"peer_port\":%u,"
              "\"local_vtag\":%u,\"peer_vtag\":%u,\"in_streams\":%u,\"out_streams\":%u,"
              "\"local_rwnd\":%u,\"peer_rwnd\":%u,\"unacked\":%u,\"pending\":%u,"
              "\"next_tsn\":%u,\"cum_tsn\":%u,\"frag_point\":%u,",
              a->id, (unsigned)s->state < 8 ? state_names[s->state] : "?", x->port, s->peer_port,
              s->local_vtag, s->peer_vtag, s->in_streams, s->out_streams, s->local_rwnd,
              s->peer_rwnd, s->unacked, s->pending, s->next_tsn, s->cum_tsn, s->frag_point);
    jb_printf(b,
              "\"stats\":{\"ipackets\":%llu,\"opackets\":%llu,\"idata\":%llu,\"odata\":%llu,"
              "\"ictrl\":%llu,\"octrl\":%llu,\"isacks\":%llu,\"osacks\":%llu,"
              "\"rtxchunks\":%llu,\"t3_expiries\":%llu,\"fast_retransmits\":%llu,"
              "\"idupchunks\":%llu,\"outofseqtsns\":%llu,\"gapcnt\":%llu,\"drops\":%llu},",
              (unsigned long long)t->ipackets, (unsigned long long)t->opackets,
              (unsigned long long)(t->iodchunks + t->iuodchunks),
              (unsigned long long)(t->oodchunks + t->ouodchunks),
              (unsigned long long)t->ictrlchunks, (unsigned long long)t->octrlchunks,
              (unsigned long long)t->isacks, (unsigned long long)t->osacks,
              (unsigned long long)t->rtxchunks, (unsigned long long)t->t3_expiries,
              (unsigned long long)t->fast_retransmits, (unsigned long long)t->idupchunks,
              (unsigned long long)t->outofseqtsns, (unsigned long long)t->gapcnt,
              (unsigned long long)t->drops);
    jb_printf(b, "\"paths\":[");
    for (unsigned i = 0; i < s->n_paths && i < BRAID_MAX_ADDRS; i++) {
        if (i)
            jb_printf(b, ",");
        json_path(b, &s->paths[i], i == s->primary);
    }
    jb_printf(b, "]}");
}

static void json_stack(jbuf *b, const snap_stack *x)
{
    char ip[INET6_ADDRSTRLEN];
    jb_printf(b,
              "{\"port\":%u,\"transport\":\"%s\",\"udp_port\":%u,\"refuser\":%s,"
              "\"listening\":%s,\"sockets\":%u,\"local_addrs\":[",
              x->port, kind_name(x->kind), x->udp_port, x->refuser ? "true" : "false",
              x->listening ? "true" : "false", x->n_socks);
    for (unsigned i = 0; i < x->n_locals && i < BRAID_MAX_ADDRS; i++)
        jb_printf(b, "%s\"%s\"", i ? "," : "", ip_str(&x->locals[i], ip, sizeof ip));
    jb_printf(b, "],\"counters\":{");
    for (size_t i = 0; i < sizeof counter_fields / sizeof counter_fields[0]; i++) {
        uint64_t v;
        memcpy(&v, (const char *)&x->ctr + counter_fields[i].off, sizeof v);
        jb_printf(b, "%s\"%s\":%llu", i ? "," : "", counter_fields[i].name, (unsigned long long)v);
    }
    jb_printf(b, "},\"assocs\":[");
    for (unsigned i = 0; i < x->n_assocs; i++) {
        if (i)
            jb_printf(b, ",");
        json_assoc(b, x, &x->assocs[i]);
    }
    jb_printf(b, "]}");
}

static void json_all(jbuf *b)
{
    char comm[64] = "";
    FILE *f = fopen("/proc/self/comm", "re");
    if (f) {
        if (fgets(comm, sizeof comm, f))
            comm[strcspn(comm, "\n\"\\")] = '\0';
        fclose(f);
    }
    jb_printf(b,
              "{\"braid_stat\":1,\"version\":\"%s\",\"pid\":%ld,\"comm\":\"%s\",\"world\":\"%s\","
              "\"time_ns\":%llu,\"demux_drops\":{\"demux_short\":%llu,\"demux_no_port\":%llu},"
              "\"transports\":[",
              BRAID_VERSION_STRING, (long)getpid(), comm, S.world, (unsigned long long)S.at_ns,
              (unsigned long long)S.d_short, (unsigned long long)S.d_no_port);
    for (unsigned i = 0; i < S.n_trans; i++) {
        const snap_trans *t = &S.trans[i];
        jb_printf(b,
                  "%s{\"kind\":\"%s\",\"port\":%u,\"default\":%s,\"stacks\":%u,\"pkts_in\":%llu,"
                  "\"pkts_out\":%llu,\"bytes_in\":%llu,\"bytes_out\":%llu,\"drop_trunc\":%llu,"
                  "\"drop_queue\":%llu,\"send_errors\":%llu,\"errors_in\":%llu,"
                  "\"errors_lost\":%llu}",
                  i ? "," : "", kind_name(t->kind), t->port, t->is_default ? "true" : "false",
                  t->refs, (unsigned long long)t->st.pkts_in, (unsigned long long)t->st.pkts_out,
                  (unsigned long long)t->st.bytes_in, (unsigned long long)t->st.bytes_out,
                  (unsigned long long)t->st.drop_trunc, (unsigned long long)t->st.drop_queue,
                  (unsigned long long)t->st.send_errors, (unsigned long long)t->st.errors_in,
                  (unsigned long long)t->st.errors_lost);
    }
    jb_printf(b, "],\"endpoints\":[");
    for (unsigned i = 0; i < S.n_stacks; i++) {
        if (i)
            jb_printf(b, ",");
        json_stack(b, &S.stacks[i]);
    }
    jb_printf(b, "]}\n");
}

void statsrv_reply(void)
{
    if (!S.n_to)
        return;
    jbuf b = {malloc(65536), 0, 65536, false};
    if (!b.s)
        b.failed = true;
    else
        json_all(&b);
    snap_free();
    if (!b.failed) {
        unsigned count = (unsigned)((b.len + STATSRV_CHUNK - 1) / STATSRV_CHUNK);
        char *dg = malloc(STATSRV_CHUNK + 64);
        for (unsigned c = 0; dg && c < S.n_to; c++) {
            for (unsigned seq = 0; seq < count; seq++) {
                int h = snprintf(dg, 64, STATSRV_PREFIX " %u %u\n", seq, count);
                size_t off = (size_t)seq * STATSRV_CHUNK;
                size_t n = b.len - off < STATSRV_CHUNK ? b.len - off : STATSRV_CHUNK;
                memcpy(dg + h, b.s + off, n);
                /* never waits: a client that cannot take it all loses it */
                if (sendto(S.fd, dg, (size_t)h + n, MSG_DONTWAIT | MSG_NOSIGNAL,
                           (struct sockaddr *)&S.to[c], S.to_len[c]) < 0)
                    break;
            }
        }
        free(dg);
    }
    free(b.s);
    S.n_to = 0;
}
