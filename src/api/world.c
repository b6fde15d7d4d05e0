/*
 * The world: every braid socket, stack and transport of the process, and
 * the one lock that guards them.
 *
 * Transports belong to the process, as kernel SCTP has one UDP tunnel
 * socket per host: one UDP socket per encapsulation port (dual-stack,
 * bound to the wildcard, IP_PKTINFO so each path keeps its own local
 * address) and, for raw IP, one socket per family. Every stack sends and
 * receives through them. A packet is demultiplexed by its SCTP destination
 * port (the port table), then by the core endpoint (peer address, port and
 * verification tag). A packet for a port no stack serves goes to the
 * refuser, a core endpoint that answers for every port and accepts nothing:
 * an INIT gets an ABORT (RFC 9260 §8.4 item 3), as Linux answers.
 *
 * Packets between stacks of one process never touch the kernel: a packet
 * whose destination is a local address at one of our own UDP ports is read
 * by the receiving stack within the call that produced it, and what that
 * stack answers is read back the same way (the flush queue), so a
 * handshake, a delivery or a SHUTDOWN between two sockets of the process
 * is done when the call that started it returns, as on Linux.
 *
 * Locking, in one paragraph: one mutex (W.lock) guards all of src/api.
 * Every call takes it in bs_get and gives it back in bs_put, and never
 * blocks while holding it: a call that must wait (world_wait) settles the
 * readiness tokens, lets go of the lock and polls its own descriptor, the
 * transports and the next timer. The background thread serves timers and
 * traffic while no call is inside; it never waits for the lock (trylock):
 * when a call is inside, it leaves the transports to that call, which reads
 * them on its way out (bg_pending). Taking the lock twice in one thread
 * aborts with a message (no silent deadlock).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "hostport.h"
#include "icmp.h"
#include "internal.h"

/* Stack flushes one call may run for in-process delivery before the rest
 * is left to the next call (or the background thread): a bound on the work
 * of one call, not on traffic. */
#define WORLD_FLUSH_ROUNDS 4096

/* The world's state: in the world's memory (wmem.c), so a forked child
 * shares it; what is each process's own is in static variables below. */
#define WORLD_MAX_TRANS 256
struct world {
    pthread_mutex_t lock; /* process-shared, robust */
    bstack *stacks;
    btrans *trans;
    uint64_t trans_ids[WORLD_MAX_TRANS / 64]; /* ids in use */
    bstack *ports[65536];                     /* SCTP port -> stacks (newest first) */
    bstack *refuser;
    uint8_t *rxbuf;
    braid_io_pkt rx[BRAID_API_BATCH];
    bstack *flushq, *flushq_tail;
    bool flushing;
    unsigned in_call; /* an application call holds the lock */
    bstack *dirty;
    unsigned waiters[BRAID_SLOTS]; /* calls polling the transports themselves */
    atomic_bool bg_pending[BRAID_SLOTS];
    uint64_t last_rx;
    uint64_t next_expiry; /* as of the last pump (the lazy path's check) */
    uint32_t next_assoc_id;
    /* local addresses (for in-process delivery) */
    braid_addr locals[64];
    unsigned n_locals;
    uint64_t locals_at;
    fam_shared fam;   /* the processes sharing it (family.c) */
    void *hostport;   /* hostport.c's table of the family's ports */
    bool held_to_end; /* its holder keeps the lock through its exit or exec, on purpose */
};

static struct world *Wp;
#define W (*Wp)

/* each process's own */
static braid_io *g_io[WORLD_MAX_TRANS]; /* its socket of each transport */
static int g_wake_fd = -1;              /* wakes its background thread */
static bool g_bg_running;
static atomic_bool g_bg_started; /* the thread has reached bg_main */
static uint64_t g_bg_until;      /* when its background thread wakes up next (0: soon) */
static bool g_others;            /* work left that another process of the family must do */
static bool g_kick_on_unlock;    /* its background thread sleeps on its wake fd only */
static bool g_need_bg; /* a forked child: its background thread starts at its first call */

static _Thread_local bool t_held;
static _Thread_local bool t_waited; /* the call in progress waited (world_wait) */

static void world_atfork_prepare(void);
static void world_atfork_parent(void);
static void world_atfork_child(void);

static void world_init(void)
{
    Wp = wmem_calloc(1, sizeof *Wp);
    if (!Wp) {
        fprintf(stderr, "braid: out of memory for the sockets' state\n");
        abort();
    }
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    if (wmem_shared()) {
        pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
        pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
    }
    pthread_mutex_init(&W.lock, &a);
    pthread_mutexattr_destroy(&a);
    fam_init(&W.fam, wmem_shared());
    pthread_atfork(world_atfork_prepare, world_atfork_parent, world_atfork_child);
}

static void world_ensure(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, world_init);
}

/* A process of the family that died holding the lock left the state as it
 * was at that moment: carry on (what it was doing is lost), and say so. */
static void lock_recovered(void)
{
    pthread_mutex_consistent(&W.lock);
    if (!W.held_to_end)
        fprintf(stderr, "braid: a process sharing these sockets ended (crashed or killed) "
                        "holding their lock; going on\n");
    W.held_to_end = false;
}

/* The end of a process of the family (exit, exec): it takes the lock and
 * keeps it, so that its background thread is never cut off in the middle
 * of the family's state; the kernel hands the lock on (robust mutex) and
 * the next locker goes on quietly. */
void world_hold_to_end(void)
{
    if (!Wp || !wmem_shared())
        return;
    if (!t_held)
        world_lock();
    W.held_to_end = true;
}

void world_hold_cancel(void)
{
    W.held_to_end = false;
    world_unlock();
}

/* After the atexit handlers and the other destructors (the lowest
 * priority runs last). */
__attribute__((destructor(101))) static void world_fini(void)
{
    world_hold_to_end();
}

static void world_lock_raw(void)
{
    if (t_held) {
        fprintf(stderr, "braid: internal error: the world lock taken twice by one thread\n");
        abort();
    }
    world_ensure();
    if (pthread_mutex_lock(&W.lock) == EOWNERDEAD)
        lock_recovered();
    t_held = true;
}

void world_lock(void)
{
    world_lock_raw();
    if (g_need_bg) {
        g_need_bg = false;
        world_start_bg();
    }
}

static bool world_trylock(void)
{
    int rc = pthread_mutex_trylock(&W.lock);
    if (rc == EOWNERDEAD)
        lock_recovered();
    else if (rc != 0)
        return false;
    t_held = true;
    return true;
}

void world_unlock(void)
{
    bool others = g_others, kick = g_kick_on_unlock;
    g_others = false;
    g_kick_on_unlock = false;
    t_held = false;
    pthread_mutex_unlock(&W.lock);
    if (kick)
        bg_kick();
    if (others)
        fam_wake_others();
}

void world_assert_held(void)
{
    if (!t_held) {
        fprintf(stderr, "braid: internal error: world state touched without its lock\n");
        abort();
    }
}

uint32_t world_assoc_id(void)
{
    /* as Linux (idr_alloc_cyclic from SCTP_ALL_ASSOC + 1): ids are unique
     * in the process and are not reused until the counter wraps */
    if (W.next_assoc_id < BRAID_ASSOC_ID_FIRST)
        W.next_assoc_id = BRAID_ASSOC_ID_FIRST;
    return W.next_assoc_id++;
}

void bg_kick(void)
{
    if (g_wake_fd >= 0) {
        uint64_t one = 1;
        ssize_t r = write(g_wake_fd, &one, sizeof one);
        (void)r;
    }
}

/* exec (braid_fam_exec): no background thread is started for it, and
 * whether one runs (if so, the lock is kept through the exec, so that the
 * thread is never cut off inside it: the kernel marks the lock's owner
 * dead and the next locker goes on, lock_recovered). */
void world_no_bg(void)
{
    g_need_bg = false;
}

bool world_bg_running(void)
{
    return g_bg_running;
}

void **world_hostport(void)
{
    world_assert_held();
    return &W.hostport;
}

void world_others(void)
{
    g_others = true;
}

/* ---- stacks and the port table ---- */

void world_add_stack(bstack *st)
{
    world_assert_held();
    st->next = W.stacks;
    W.stacks = st;
}

static void port_unlink(bstack *st)
{
    if (!st->has_port)
        return;
    bstack **pp = &W.ports[st->reg_port];
    while (*pp && *pp != st)
        pp = &(*pp)->port_next;
    if (*pp)
        *pp = st->port_next;
    st->has_port = false;
    braid_hostport_release(st->reg_port); /* host-wide (hostport.c) */
}

void world_remove_stack(bstack *st)
{
    world_assert_held();
    bstack **pp = &W.stacks;
    while (*pp && *pp != st)
        pp = &(*pp)->next;
    if (*pp)
        *pp = st->next;
    port_unlink(st);
    for (bstack **q = &W.flushq; *q;) {
        if (*q == st) {
            *q = st->flush_next;
            continue;
        }
        W.flushq_tail = *q;
        q = &(*q)->flush_next;
    }
    if (!W.flushq)
        W.flushq_tail = NULL;
    for (bstack **q = &W.dirty; *q; q = &(*q)->dirty_next)
        if (*q == st) {
            *q = st->dirty_next;
            break;
        }
}

/* A port is in use when a stack with sockets holds it; stacks whose
 * sockets are all closed (shutdowns lingering) do not keep it from a new
 * one, and packets of their associations still find them (demux). */
int stack_reserve_port(bstack *st, uint16_t port)
{
    world_assert_held();
    for (bstack *o = W.ports[port]; o; o = o->port_next)
        if (o != st && o->socks)
            return -EADDRINUSE;
    int rc = braid_hostport_reserve(port); /* another process's: EADDRINUSE */
    if (rc < 0)
        return rc;
    port_unlink(st);
    st->cfg.local_port = port;
    st->reg_port = port;
    st->port_next = W.ports[port];
    W.ports[port] = st;
    st->has_port = true;
    return 0;
}

/* The stack a packet is for: by SCTP destination port; among stacks of one
 * port, the one with an association with the sender, else the newest. */
static bstack *demux(const braid_path *path, const uint8_t *pkt, size_t len, bool udp)
{
    if (len < 12) {
        statsrv_demux_drop(path, len, true, 0); /* counted and logged (statsrv.c) */
        return NULL;
    }
    uint16_t dport = (uint16_t)(pkt[2] << 8 | pkt[3]);
    uint16_t sport = (uint16_t)(pkt[0] << 8 | pkt[1]);
    bstack *first = NULL;
    for (bstack *st = W.ports[dport]; st; st = st->port_next) {
        if (!st->ep)
            continue;
        if (!first)
            first = st;
        if (!st->port_next && st == first)
            return st; /* the common case: one stack */
        if (braid_find_assoc(st->ep, &path->remote, sport))
            return st;
    }
    /* Over UDP nobody serves that SCTP port (the port is this process's
     * alone, or the processes sharing it steer each SCTP port to its
     * holder, hostport.c): it is refused. A raw socket sees every SCTP
     * packet of the host: one process answers for ports nobody holds. */
    if (first)
        return first;
    if (udp || braid_hostport_raw_ootb(pkt, len))
        return W.refuser;
    statsrv_demux_drop(path, len, false, dport); /* counted and logged (statsrv.c) */
    return NULL;
}

/* A stack of the process serves the SCTP destination port of pkt. */
static bool port_served(const uint8_t *pkt, size_t len)
{
    if (len < 12)
        return false;
    for (bstack *st = W.ports[pkt[2] << 8 | pkt[3]]; st; st = st->port_next)
        if (st->ep)
            return true;
    return false;
}

bstack *world_stacks(void)
{
    world_assert_held();
    return W.stacks;
}

btrans *world_transports(void)
{
    world_assert_held();
    return W.trans;
}

bstack *world_sender(uint16_t port, const braid_addr *peer, uint16_t peer_port)
{
    for (bstack *st = W.ports[port]; st; st = st->port_next)
        if (st->ep && braid_find_assoc(st->ep, peer, peer_port))
            return st;
    return NULL;
}

/* ---- local addresses: where in-process delivery applies ---- */

static bool addr_unset(const braid_addr *a)
{
    static const uint8_t zero[16];
    return a->family == 0 || !memcmp(a->ip, zero, a->family == 4 ? 4 : 16);
}

static bool is_loopback(const braid_addr *a)
{
    static const uint8_t lo6[16] = {[15] = 1};
    return (a->family == 4 && a->ip[0] == 127) || (a->family == 6 && !memcmp(a->ip, lo6, 16));
}

static void locals_refresh(uint64_t now)
{
    if (W.locals_at && now - W.locals_at < 1000000000ull)
        return;
    W.locals_at = now;
    W.n_locals = 0;
    struct ifaddrs *ifa = NULL;
    if (getifaddrs(&ifa) != 0)
        return;
    for (struct ifaddrs *i = ifa; i && W.n_locals < 64; i = i->ifa_next) {
        if (!i->ifa_addr)
            continue;
        braid_addr *a = &W.locals[W.n_locals];
        memset(a, 0, sizeof *a);
        if (i->ifa_addr->sa_family == AF_INET) {
            a->family = 4;
            memcpy(a->ip, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, 4);
        } else if (i->ifa_addr->sa_family == AF_INET6) {
            a->family = 6;
            memcpy(a->ip, &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr, 16);
        } else {
            continue;
        }
        W.n_locals++;
    }
    freeifaddrs(ifa);
}

static bool is_local(const braid_addr *a, uint64_t now)
{
    if (is_loopback(a))
        return true;
    locals_refresh(now);
    for (unsigned i = 0; i < W.n_locals; i++)
        if (W.locals[i].family == a->family &&
            !memcmp(W.locals[i].ip, a->ip, a->family == 4 ? 4 : 16))
            return true;
    return false;
}

bool world_addr_local(const braid_addr *a)
{
    W.locals_at = 0; /* bind: look again */
    return is_local(a, braid_now_ns());
}

/* ---- transports ---- */

braid_io *trans_io(const btrans *t)
{
    return g_io[t->id];
}

static bool trans_mine(const btrans *t)
{
    return g_io[t->id] != NULL;
}

/* The transport of that kind and port: the one this process has a socket
 * of, if several processes of the family opened their own. */
static btrans *trans_find(braid_io_kind kind, int family, uint16_t port)
{
    btrans *any = NULL;
    for (btrans *t = W.trans; t; t = t->next)
        if (t->kind == kind && (kind != BRAID_IO_RAW || t->family == family) &&
            (kind == BRAID_IO_RAW || t->port == port)) {
            if (trans_mine(t))
                return t;
            if (!any)
                any = t;
        }
    return any;
}

/* This process's socket of it goes; the record with the last one. */
static void trans_drop(btrans *t)
{
    if (g_io[t->id]) {
        braid_hostport_close(g_io[t->id]);
        g_io[t->id] = NULL;
    }
    bm_clr(&t->holders, fam_slot());
}

static void trans_free(btrans *t)
{
    trans_drop(t);
    W.trans_ids[t->id / 64] &= ~(1ull << (t->id % 64));
    wmem_free(t->txbuf);
    wmem_free(t);
}

static int trans_id(void)
{
    for (unsigned i = 0; i < WORLD_MAX_TRANS; i++)
        if (!(W.trans_ids[i / 64] >> (i % 64) & 1)) {
            W.trans_ids[i / 64] |= 1ull << (i % 64);
            return (int)i;
        }
    return -1;
}

static int trans_open(braid_io_kind kind, int family, uint16_t port, bool is_default, btrans **out)
{
    btrans *t = wmem_calloc(1, sizeof *t);
    if (!t)
        return -ENOMEM;
    int id = trans_id();
    if (id < 0) {
        wmem_free(t);
        return -ENOBUFS;
    }
    t->id = (unsigned)id;
    t->kind = kind;
    t->family = family;
    t->is_default = is_default;
    braid_io *io = NULL;
    int rc = braid_hostport_open(&io, kind, family, kind == BRAID_IO_RAW ? 0 : port);
    if (rc < 0 && kind != BRAID_IO_RAW && family == 6)
        rc = braid_hostport_open(&io, kind, 4, port); /* IPv6 off on this host */
    if (rc < 0) {
        if (rc == -EADDRINUSE && kind == BRAID_IO_UDP)
            fprintf(stderr,
                    "braid: UDP port %u is taken by another process on this host; give this "
                    "one another encapsulation port (environment BRAID_UDP_PORT=N, or "
                    "setsockopt BRAID_SCTP_LOCAL_UDP_PORT on the socket before listen)\n",
                    port);
        W.trans_ids[t->id / 64] &= ~(1ull << (t->id % 64));
        wmem_free(t);
        return rc;
    }
    g_io[t->id] = io;
    bm_set(&t->holders, fam_slot());
    t->port = braid_io_local_port(io);
    /* Right-sized kernel buffers: a burst the SCTP windows allow must not
     * overflow the UDP socket (that would be loss, and a retransmission). */
    braid_io_set_bufs(io, 8 << 20, 8 << 20);
    braid_io_set_gro(io, true); /* trains of datagrams in one receive */
    t->txbuf = wmem_alloc((size_t)BRAID_API_BATCH * BRAID_API_PKT_CAP);
    if (!W.rxbuf)
        W.rxbuf = wmem_alloc((size_t)BRAID_API_BATCH * BRAID_API_PKT_CAP);
    if (!t->txbuf || !W.rxbuf) {
        trans_free(t);
        return -ENOMEM;
    }
    for (unsigned i = 0; i < BRAID_API_BATCH; i++) {
        t->tx[i].data = t->txbuf + (size_t)i * BRAID_API_PKT_CAP;
        t->tx[i].cap = BRAID_API_PKT_CAP;
        W.rx[i].data = W.rxbuf + (size_t)i * BRAID_API_PKT_CAP;
        W.rx[i].cap = BRAID_API_PKT_CAP;
    }
    t->next = W.trans;
    W.trans = t;
    *out = t;
    return 0;
}

static int trans_get(braid_io_kind kind, int family, uint16_t port, bool is_default, btrans **out)
{
    btrans *t = trans_find(kind, family, port);
    if (!t && kind != BRAID_IO_RAW && !port && !is_default) {
        /* a socket that only connects: the process's ephemeral port */
        for (btrans *x = W.trans; x && !t; x = x->next)
            if (x->kind == kind && !x->is_default && trans_mine(x))
                t = x;
    }
    if (t && !trans_mine(t) && kind == BRAID_IO_RAW)
        t = NULL; /* raw IP: every process has its own socket */
    if (!t) {
        int rc = trans_open(kind, family, port, is_default, &t);
        if (rc < 0)
            return rc;
    }
    t->refs++;
    *out = t;
    return 0;
}

static void refuser_start(void);

/* The transport of a stack that starts: RFC 6951 §5.1, a listener takes
 * the well-known UDP port (9899 or $BRAID_UDP_PORT), a socket that only
 * connects the process's ephemeral one; BRAID_SCTP_LOCAL_UDP_PORT names
 * one. Raw IP: the socket of each family. */
int trans_attach(bstack *st, bool listener)
{
    world_assert_held();
    int rc;
    if (st->io_kind == BRAID_IO_RAW) {
        rc = trans_get(BRAID_IO_RAW, st->family == AF_INET6 ? 6 : 4, 0, true, &st->tr);
        if (rc == 0 && st->family == AF_INET6 && !st->tr2 &&
            trans_get(BRAID_IO_RAW, 4, 0, true, &st->tr2) < 0)
            st->tr2 = NULL; /* IPv4-mapped peers then unreachable */
    } else {
        uint16_t port = st->udp_port;
        bool dflt = false;
        if (!port && listener) {
            port = braid_io_default_udp_port();
            dflt = true;
        }
        btrans *old = st->tr;
        if (old && (old->port == port || (!port && !dflt)))
            return 0;
        rc = trans_get(st->io_kind, 6, port, dflt, &st->tr);
        if (rc == 0 && old)
            old->refs--; /* its associations' packets still find the stack */
    }
    if (rc < 0)
        st->tr = NULL;
    else
        refuser_start();
    return rc;
}

/* A transport no stack uses any more is kept for a second (WORLD_TRANS_IDLE)
 * before it is closed: a new listener right after a close takes it over,
 * and a socket is never closed while another thread may be in poll() on
 * it (the kernel would keep its port bound until that poll returns, and a
 * new bind would fail). The background thread closes it (trans_reap). */
#define WORLD_TRANS_IDLE 1000000000ull

void trans_release(bstack *st)
{
    btrans *ts[2] = {st->tr, st->tr2};
    st->tr = st->tr2 = NULL;
    for (int i = 0; i < 2; i++) {
        btrans *t = ts[i];
        if (t && --t->refs == 0)
            t->idle_since = braid_now_ns();
    }
}

static void trans_reap(uint64_t now, bool all)
{
    for (btrans **pp = &W.trans; *pp;) {
        btrans *t = *pp;
        if (t->refs || (!all && now - t->idle_since < WORLD_TRANS_IDLE) ||
            (!trans_mine(t) && !bm_empty(&t->holders))) {
            pp = &t->next;
            continue;
        }
        /* what is still queued leaves now (the last ABORTs, SHUTDOWN COMPLETEs) */
        if (t->n_tx && trans_mine(t)) {
            braid_io_send(g_io[t->id], t->tx, t->n_tx);
            t->n_tx = 0;
        }
        trans_drop(t);
        if (!bm_empty(&t->holders)) { /* other processes still have it open */
            pp = &t->next;
            continue;
        }
        *pp = t->next;
        trans_free(t);
    }
}

static void trans_send(btrans *t)
{
    if (!t->n_tx)
        return;
    if (!trans_mine(t)) { /* a socket another process of the family opened */
        if (!t->for_others)
            g_others = true; /* once: no ping-pong over what nobody can send */
        t->for_others = true;
        return;
    }
    t->for_others = false;
    int sent = braid_io_send(g_io[t->id], t->tx, t->n_tx);
    if (sent <= 0) {
        if (sent < 0) /* a hard error: the packets are lost; SCTP retransmits */
            t->n_tx = 0;
        return; /* would block: they stay for the next flush */
    }
    /* keep the unsent tail at the front (swap buffers, no copy) */
    unsigned left = t->n_tx - (unsigned)sent;
    for (unsigned i = 0; i < left; i++) {
        braid_io_pkt x = t->tx[i];
        t->tx[i] = t->tx[(unsigned)sent + i];
        t->tx[(unsigned)sent + i] = x;
    }
    t->n_tx = left;
}

/* The transport a packet leaves through: the one whose UDP port its path's
 * local address names (an association set up on another of the stack's
 * transports), else the stack's own. */
static btrans *trans_for_path(const bstack *st, const braid_path *p)
{
    if (st->io_kind == BRAID_IO_RAW && st->tr)
        return (p->remote.family == 4 && st->tr2) ? st->tr2 : st->tr;
    if (st->tr && p->local.udp_port && p->local.udp_port != st->tr->port) {
        btrans *t = trans_find(st->io_kind, 6, p->local.udp_port);
        if (t)
            return t;
    }
    if (st->refuser || !st->tr) { /* answers leave where the packet came in */
        btrans *t = p->local.udp_port ? trans_find(BRAID_IO_UDP, 6, p->local.udp_port) : NULL;
        if (!t && W.trans)
            t = trans_find(BRAID_IO_RAW, p->remote.family, 0);
        return t ? t : W.trans;
    }
    return st->tr;
}

/* ---- the refuser ---- */

static void refuser_start(void)
{
    if (W.refuser)
        return;
    bstack *r = stack_new(AF_INET6);
    if (!r)
        return;
    r->refuser = true;
    r->cfg.local_port = 1;
    r->cfg.serve_any_port = 1;
    if (braid_endpoint_new(&r->ep, &r->cfg, &r->hooks) < 0) {
        stack_free(r);
        return;
    }
    braid_endpoint_set_accept(r->ep, 0);
    W.refuser = r;
}

/* ---- input and output ---- */

static void flushq_add(bstack *st)
{
    if (st->in_flushq)
        return;
    st->in_flushq = true;
    st->flush_next = NULL;
    if (W.flushq_tail)
        W.flushq_tail->flush_next = st;
    else
        W.flushq = st;
    W.flushq_tail = st;
}

void stack_mark(bstack *st)
{
    if (st->in_dirty || st->refuser)
        return;
    st->in_dirty = true;
    st->dirty_next = W.dirty;
    W.dirty = st;
}

/* One packet for st (read, its events turned into socket state, its output
 * queued for the flush). */
static void deliver(bstack *st, const braid_path *path, const uint8_t *pkt, size_t len,
                    uint64_t now)
{
    braid_endpoint_read_pkt(st->ep, path, pkt, len, now);
    if (!st->refuser)
        stack_dispatch_events(st);
    flushq_add(st);
    stack_mark(st);
}

/* A packet st built for a destination inside this process: read by the
 * receiving stack now (it is traced as if it had crossed the sockets). */
static void hand_over(btrans *out, btrans *in, braid_io_pkt *p, uint64_t now)
{
    braid_io_pkt r = *p;
    r.seg = 0;
    r.path.local = p->path.remote;
    r.path.remote = p->path.local;
    if (addr_unset(&r.path.remote)) {
        /* the kernel's source for a local destination is that address */
        r.path.remote = p->path.remote;
    }
    r.path.remote.udp_port = out->port;
    r.path.local.udp_port = in->port;
    if (r.path.remote.family != r.path.local.family) { /* IPv4-mapped mix: as the kernel */
        r.path.remote = r.path.local;
        r.path.remote.udp_port = out->port;
    }
    braid_io_pkt o = *p;
    o.path.local = r.path.remote;
    if (trans_mine(out))
        braid_io_trace(g_io[out->id], true, &o, 1);
    if (trans_mine(in))
        braid_io_trace(g_io[in->id], false, &r, 1);
    bstack *dst = demux(&r.path, r.data, r.len, in->kind == BRAID_IO_UDP);
    if (dst)
        deliver(dst, &r.path, r.data, r.len, now);
}

/* $BRAID_HANDOVER=0 sends in-process packets through the kernel like any
 * other (for measuring what the hand-over saves; bench/inproc_pingpong). */
static bool handover_on(void)
{
    static int on = -1;
    if (on < 0) {
        const char *e = getenv("BRAID_HANDOVER");
        on = !(e && !strcmp(e, "0"));
    }
    return on != 0;
}

/* The transport of ours that a destination names, if it is in-process. */
static btrans *local_dest(const bstack *st, const braid_addr *a, uint64_t now)
{
    if (!handover_on() && st->io_kind != BRAID_IO_INPROC)
        return NULL;
    btrans *t = NULL;
    if (st->io_kind == BRAID_IO_RAW)
        t = trans_find(BRAID_IO_RAW, a->family, 0);
    else if (a->udp_port)
        t = trans_find(st->io_kind, 6, a->udp_port);
    if (st->io_kind == BRAID_IO_INPROC)
        return t; /* every INPROC destination is in the process */
    if (!t || !is_local(a, now))
        return NULL;
    return t;
}

static void flush_one(bstack *st, uint64_t now)
{
    if (!st->ep)
        return;
    for (;;) {
        btrans *t = st->tr ? st->tr : W.trans;
        if (!t)
            return;
        if (t->n_tx == BRAID_API_BATCH) {
            trans_send(t);
            if (t->n_tx == BRAID_API_BATCH)
                return; /* the socket is full: the engine keeps its data */
        }
        braid_io_pkt *p = &t->tx[t->n_tx];
        int n = braid_endpoint_write_pkt(st->ep, &p->path, p->data, p->cap, now);
        if (n <= 0)
            break;
        p->len = (size_t)n;
        p->seg = 0;
        btrans *out = trans_for_path(st, &p->path);
        btrans *in = local_dest(st, &p->path.remote, now);
        if (in && trans_io(in) && braid_hostport_shared(trans_io(in)) &&
            !port_served(p->data, p->len))
            in = NULL; /* another process's: through the kernel */
        if (in) {
            hand_over(out, in, p, now);
            continue;
        }
        if (out == t) {
            t->n_tx++;
            continue;
        }
        if (out->n_tx == BRAID_API_BATCH)
            trans_send(out);
        if (out->n_tx < BRAID_API_BATCH) { /* rare: another transport of the stack */
            braid_io_pkt *q = &out->tx[out->n_tx++];
            memcpy(q->data, p->data, p->len);
            q->len = p->len;
            q->path = p->path;
            q->seg = 0;
        }
    }
    /* writing may end associations (SEND_FAILED, their last events) */
    if (!st->refuser)
        stack_dispatch_events(st);
}

static void send_all(void)
{
    for (btrans *t = W.trans; t; t = t->next)
        trans_send(t);
}

/* Runs the flush queue: each stack's output, in-process packets read by
 * their receivers (who may answer, and so on). */
static void run_flushq(uint64_t now)
{
    if (W.flushing)
        return; /* the outer flush gets to it */
    W.flushing = true;
    for (unsigned round = 0; W.flushq && round < WORLD_FLUSH_ROUNDS; round++) {
        bstack *st = W.flushq;
        W.flushq = st->flush_next;
        if (!W.flushq)
            W.flushq_tail = NULL;
        st->in_flushq = false;
        flush_one(st, now);
    }
    send_all();
    world_icmp(W.trans, now); /* sends refused at once (no route) */
    W.flushing = false;
    if (W.flushq)
        bg_kick(); /* left over: the background thread goes on */
}

/* Inside a call, what a stack has to send is queued and goes when the call
 * leaves (world_leave) or waits: as Linux processes what arrives for a
 * socket at release_sock(), after the call's own work. A message sent with
 * an implicit setup is queued before the in-process handshake runs, as it
 * is on Linux. */
void stack_flush(bstack *st, uint64_t now)
{
    world_assert_held();
    if (!st->ep)
        return;
    flushq_add(st);
    stack_mark(st);
    if (!W.in_call)
        run_flushq(now);
}

void stack_flush_now(bstack *st, uint64_t now)
{
    world_assert_held();
    if (!st->ep)
        return;
    flushq_add(st);
    stack_mark(st);
    run_flushq(now);
}

void world_call_begin(void)
{
    world_assert_held();
    W.in_call++;
    t_waited = false;
}

void world_call_end(void)
{
    world_assert_held();
    W.in_call--;
}

static uint64_t world_next_expiry(void)
{
    uint64_t next = BRAID_TIME_NEVER;
    for (bstack *st = W.stacks; st; st = st->next)
        if (st->ep) {
            uint64_t x = braid_endpoint_next_expiry(st->ep);
            if (x < next)
                next = x;
        }
    return next;
}

static void pump_input(uint64_t now)
{
    for (btrans *t = W.trans; t; t = t->next) {
        for (int round = 0; round < 64 && trans_mine(t); round++) {
            int n = braid_io_recv(g_io[t->id], W.rx, BRAID_API_BATCH);
            if (n <= 0)
                break;
            /* Each packet is a transmit opportunity of its own: a SACK every
             * second DATA packet (RFC 9260 §6.2) and the data a SACK
             * releases (Max.Burst per SACK, §6.1 D) are built right after
             * it, and leave together at the end of the batch. */
            W.flushing = true;
            for (int i = 0; i < n; i++) {
                const braid_io_pkt *p = &W.rx[i];
                size_t off = 0;
                do { /* a train of datagrams (UDP GRO): each one an SCTP packet */
                    size_t l = braid_io_seg_len(p, off);
                    bstack *st = demux(&p->path, p->data + off, l, t->kind == BRAID_IO_UDP);
                    if (st) {
                        deliver(st, &p->path, p->data + off, l, now);
                        flush_one(st, now);
                    }
                    off += l;
                } while (off < p->len);
            }
            W.flushing = false;
            run_flushq(now);
            if (n < BRAID_API_BATCH)
                break;
        }
    }
    world_icmp(W.trans, now); /* ICMP errors the receives found (icmp.c) */
}

static void run_timers(uint64_t now);

void world_pump(uint64_t now)
{
    world_assert_held();
    W.last_rx = now;
    pump_input(now);
    run_timers(now);
}

/* Every stack's timers that are due, and what they send. */
static void run_timers(uint64_t now)
{
    for (bstack *st = W.stacks; st; st = st->next) {
        if (!st->ep || braid_endpoint_next_expiry(st->ep) > now)
            continue;
        braid_endpoint_handle_expiry(st->ep, now);
        if (!st->refuser)
            stack_dispatch_events(st);
        flushq_add(st);
        stack_mark(st);
    }
    run_flushq(now);
    W.next_expiry = world_next_expiry();
}

/* The send path's pump: reading the transports costs a system call, so a
 * stream of small sends looks at them at most every 20 us (a full send
 * buffer or a due timer always does). */
void world_pump_lazy(uint64_t now)
{
    if (now - W.last_rx >= 20000 || W.next_expiry <= now)
        world_pump(now);
}

/* ---- readiness ---- */

void world_settle(void)
{
    bool kick = false;
    bstack *left = NULL; /* with sockets only another process has open */
    while (W.dirty) {
        bstack *st = W.dirty;
        W.dirty = st->dirty_next;
        st->in_dirty = false;
        if (!stack_update_ready(st, &g_others)) {
            st->dirty_next = left;
            left = st;
        }
        /* a timer earlier than the background thread sleeps for (a call
         * started it): wake the thread so it sleeps less */
        if (st->ep && braid_endpoint_next_expiry(st->ep) < g_bg_until)
            kick = true;
    }
    if (kick) {
        g_bg_until = 0;
        bg_kick();
    }
    while (left) {
        bstack *st = left;
        left = st->dirty_next;
        st->in_dirty = true;
        st->dirty_next = W.dirty;
        W.dirty = st;
    }
}

static bool any_unsent(void)
{
    for (btrans *t = W.trans; t; t = t->next)
        if (t->n_tx)
            return true;
    return false;
}

static unsigned trans_fds(struct pollfd *pf, unsigned max)
{
    unsigned n = 0;
    for (btrans *t = W.trans; t; t = t->next) {
        int fds[2];
        if (!trans_mine(t))
            continue;
        int nf = braid_io_fds(g_io[t->id], fds, 2);
        for (int i = 0; i < nf && n < max; i++) {
            pf[n].fd = fds[i];
            pf[n].events = POLLIN;
            pf[n].revents = 0;
            n++;
        }
    }
    return n;
}

static int ms_until(uint64_t until, uint64_t now)
{
    if (until == BRAID_TIME_NEVER)
        return -1;
    if (until <= now)
        return 0;
    uint64_t ms = (until - now + 999999) / 1000000;
    return ms > 3600000 ? 3600000 : (int)ms;
}

int world_wait(bsock *s, short events, uint64_t deadline)
{
    world_assert_held();
    struct pollfd pf[17];
    /* A thread waiting in accept() (one-to-one listener) only needs its
     * token: it leaves the transports to threads blocked on associations
     * (or to the background thread), so one packet does not wake two. */
    bool reader = !(s->type == SOCK_STREAM && s->listening);
    unsigned n = reader ? trans_fds(pf, 16) : 0;
    pf[n].fd = bs_fd(s);
    pf[n].events = events;
    pf[n].revents = 0;
    n++;
    world_settle(); /* other threads may be waiting on their tokens */
    uint64_t now = braid_now_ns();
    uint64_t until = world_next_expiry();
    if (deadline && deadline < until)
        until = deadline;
    if (W.flushq)
        until = now;
    else if (any_unsent() && now + 1000000 < until)
        until = now + 1000000; /* blocked output: retry soon */
    if (reader)
        W.waiters[fam_slot()]++;
    t_waited = true;
    world_unlock();
    int rc = poll(pf, n, ms_until(until, now));
    int err = errno;
    world_lock();
    if (reader)
        W.waiters[fam_slot()]--;
    if (rc < 0 && err == EINTR)
        return -EINTR;
    if (deadline && braid_now_ns() >= deadline)
        return -ETIMEDOUT;
    return 0;
}

void world_leave(void)
{
    if (atomic_exchange_explicit(&W.bg_pending[fam_slot()], false, memory_order_acq_rel)) {
        world_pump(braid_now_ns());
        /* the background thread found the lock taken and sleeps on its
         * wake fd only: once the lock is free it watches the transports
         * again (a program waiting in select/poll outside braid, as an
         * unmodified one under braid-run does, depends on it). Not after a
         * call that waited inside braid: its thread reads the transports
         * itself when it waits again (a blocking sender), and waking the
         * thread each time only had the two take turns at the lock. */
        if (!t_waited)
            g_kick_on_unlock = true;
    } else if (W.flushq)
        run_flushq(braid_now_ns());
    world_settle();
}

/* ---- the background thread ---- */

static bool stack_done(bstack *st, uint64_t now)
{
    return !st->socks && st->orphan_since && !st->users && !st->refuser &&
           (!st->ep || !braid_endpoint_busy(st->ep) || now - st->orphan_since > 120000000000ull);
}

static void reap(uint64_t now)
{
    static uint64_t probed;
    if (now - probed > 1000000000ull) { /* a process of the family gone unannounced */
        probed = now;
        int gone = fam_probe();
        if (gone >= 0)
            world_slot_gone((unsigned)gone);
    }
    trans_reap(now, false);
    braid_hostport_tick(now); /* raw IP: the answerer of out-of-the-blue packets */
    bstack *nx;
    for (bstack *st = W.stacks; st; st = nx) {
        nx = st->next;
        if (stack_done(st, now))
            stack_free(st);
    }
}

static void *bg_main(void *arg)
{
    (void)arg;
    atomic_store(&g_bg_started, true);
    for (;;) {
        struct pollfd pf[19];
        unsigned n = 0, stat_at = 0; /* pf[stat_at]: the stat socket (0: not polled) */
        pf[n].fd = g_wake_fd;
        pf[n].events = POLLIN;
        pf[n].revents = 0;
        n++;
        pf[n].fd = fam_wake_sock(); /* the family's other processes (-1: none) */
        pf[n].events = POLLIN;
        pf[n].revents = 0;
        n++;
        int timeout;
        if (!world_trylock()) {
            /* a call is inside: it reads the transports on its way out */
            atomic_store_explicit(&W.bg_pending[fam_slot()], true, memory_order_release);
            timeout = 1; /* (g_bg_until is the holder's to read: left as it is) */
        } else {
            uint64_t now = braid_now_ns();
            /* what a holder in another process of the family left undone
             * (it reads its own bg_pending, not ours) */
            if (atomic_exchange_explicit(&W.bg_pending[fam_slot()], false, memory_order_acq_rel)) {
                world_pump(now);
                world_settle();
            }
            uint64_t next = world_next_expiry();
            if (W.waiters[fam_slot()]) {
                /* a call reads the transports now; look again in 5 ms in
                 * case it has left without another taking over */
                if (now + 5000000 < next)
                    next = now + 5000000;
            } else {
                n += trans_fds(pf + n, 16);
            }
            if (statsrv_fd() >= 0) { /* braid-stat's requests (statsrv.c) */
                stat_at = n++;
                pf[stat_at].fd = statsrv_fd();
                pf[stat_at].events = POLLIN;
                pf[stat_at].revents = 0;
            }
            if (W.flushq)
                next = now;
            else if (any_unsent() && now + 1000000 < next)
                next = now + 1000000;
            for (bstack *st = W.stacks; st; st = st->next)
                if (!st->socks && st->orphan_since && now + 100000000 < next)
                    next = now + 100000000; /* lingering stacks: check them */
            for (btrans *t = W.trans; t; t = t->next)
                if (!t->refs && t->idle_since + WORLD_TRANS_IDLE < next)
                    next = t->idle_since + WORLD_TRANS_IDLE; /* idle transports */
            if (now + 1000000000ull < next && fam_others())
                next = now + 1000000000ull; /* the family's processes: still there? */
            if (braid_hostport_next_tick() < next)
                next = braid_hostport_next_tick();
            timeout = ms_until(next, now);
            g_bg_until = next;
            world_unlock();
        }
        poll(pf, n, timeout);
        if (pf[0].revents & POLLIN) {
            uint64_t v;
            ssize_t r = read(g_wake_fd, &v, sizeof v);
            (void)r;
        }
        if (pf[1].revents & POLLIN)
            fam_drain();
        if (!world_trylock()) {
            atomic_store_explicit(&W.bg_pending[fam_slot()], true, memory_order_release);
            continue;
        }
        uint64_t now = braid_now_ns();
        if (!W.waiters[fam_slot()] || W.flushq)
            world_pump(now);
        else /* a call reads the transports; timers another call armed
              * after it went to sleep are still the background's */
            run_timers(now);
        reap(now);
        world_settle();
        bool stat = stat_at && (pf[stat_at].revents & POLLIN);
        if (stat)
            statsrv_snapshot();
        world_unlock();
        if (stat)
            statsrv_reply(); /* formatted and sent without the lock */
    }
    return NULL;
}

void world_start_bg(void)
{
    world_assert_held();
    if (g_bg_running)
        return;
    g_wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    pthread_t th;
    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    statsrv_start(); /* before the thread polls it */
    atomic_store(&g_bg_started, false);
    if (pthread_create(&th, &at, bg_main, NULL) == 0) {
        g_bg_running = true;
        /* until the thread runs our code: the C library (and a sanitizer's
         * runtime) set a new thread up with allocations of their own, and a
         * fork in the middle of them would leave their locks taken in the
         * child */
        while (!atomic_load(&g_bg_started))
            sched_yield();
    }
    pthread_attr_destroy(&at);
}

/* ---- fork ---- */

/* Before fork: the child gets a slot and holds what this process holds
 * (the descriptors it inherits), all under the lock, so that nothing
 * changes between the bookkeeping and the copy. */
static int g_fork_slot = -1;
static bool g_forking;

static void world_atfork_prepare(void)
{
    if (!wmem_shared())
        return;
    /* (no background thread started here: one that is starting while the
     * fork copies the process could hold the allocator's lock in the child) */
    world_lock_raw();
    g_forking = true;
    wmem_fork();
    int c = fam_fork_slot();
    g_fork_slot = c;
    if (c < 0)
        return;
    unsigned me = fam_slot();
    for (bstack *st = W.stacks; st; st = st->next)
        for (bsock *s = st->socks; s; s = s->next_in_stack)
            if (bm_has(&s->holders, me)) {
                bm_set(&s->holders, (unsigned)c);
                s->nfd[c] = s->nfd[me];
                s->pfd[c] = s->pfd[me];
            }
    for (btrans *t = W.trans; t; t = t->next)
        if (trans_mine(t))
            bm_set(&t->holders, (unsigned)c);
}

static void world_atfork_parent(void)
{
    if (!g_forking)
        return;
    g_forking = false;
    g_fork_slot = -1;
    world_unlock();
    bg_kick(); /* it may sleep for a timer: now it looks after the child every second */
}

static void world_atfork_child(void)
{
    g_need_bg = g_need_bg || g_bg_running; /* threads do not cross fork */
    g_bg_running = false;
    if (g_wake_fd >= 0)
        close(g_wake_fd);
    g_wake_fd = -1;
    g_others = false;
    if (!g_forking) { /* no shared world: the child cannot use the sockets */
        bs_orphan_all();
        return;
    }
    g_forking = false;
    t_held = false; /* the parent's thread holds it; the parent lets go */
    int c = g_fork_slot;
    g_fork_slot = -1;
    if (c < 0) {
        fprintf(stderr,
                "braid: %d processes already share these sockets: this child cannot "
                "use them\n",
                BRAID_SLOTS);
        bs_orphan_all();
        return;
    }
    fam_child(c);
}

/* A process of the family is gone (exited, exec'd or killed): what it
 * held it holds no more; sockets nobody holds any more are closed. */
void world_slot_gone(unsigned slot)
{
    world_assert_held();
    uint64_t now = braid_now_ns();
    for (bstack *st = W.stacks, *nx; st; st = nx) {
        nx = st->next;
        for (bsock *s = st->socks, *sn; s; s = sn) {
            sn = s->next_in_stack;
            if (!bm_has(&s->holders, slot))
                continue;
            bm_clr(&s->holders, slot);
            s->nfd[slot] = 0;
            if (bm_empty(&s->holders))
                sock_abandon(s, now); /* may free st */
        }
    }
    for (btrans *t = W.trans; t; t = t->next)
        bm_clr(&t->holders, slot);
    braid_hostport_slot_gone(slot);
    W.waiters[slot] = 0;
    atomic_store(&W.bg_pending[slot], false);
    fam_release(slot);
}

/* Waits (the background thread working meanwhile) until no stack has an
 * association still up or shutting down, or the deadline passes. */
void stack_linger_all(uint64_t deadline)
{
    for (;;) {
        world_lock();
        bool busy = false;
        for (bstack *st = W.stacks; st && !busy; st = st->next)
            busy = st->ep && !st->refuser && !st->socks && st->closer == fam_slot() &&
                   braid_endpoint_busy(st->ep); /* the ones this process closed */
        world_unlock();
        if (!busy || braid_now_ns() >= deadline)
            return;
        bg_kick();
        poll(NULL, 0, 2);
    }
}
