/*
 * Stacks: an SCTP endpoint (the core) with its transport, driven by the
 * application's own threads on the hot path and by one background thread
 * for timers and for traffic that arrives while nobody is inside a call.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "internal.h"

extern pthread_mutex_t g_lock;
static bstack *g_stacks;
static pthread_t g_bg;
static bool g_bg_running;
static int g_wake_fd = -1;
static uint16_t g_next_port;

bstack *stack_new(int family)
{
    bstack *st = calloc(1, sizeof *st);
    if (!st)
        return NULL;
    pthread_mutex_init(&st->lock, NULL);
    st->family = family;
    braid_settings_default(&st->cfg);
    st->cfg.local_port = 0;
    const char *t = getenv("BRAID_TRANSPORT");
    st->io_kind = (t && !strcmp(t, "raw")) ? BRAID_IO_RAW : BRAID_IO_UDP;
    braid_hooks_default(&st->hooks);
    pool_attach(&st->pool, &st->hooks);
    pthread_mutex_lock(&g_lock);
    st->next = g_stacks;
    g_stacks = st;
    pthread_mutex_unlock(&g_lock);
    return st;
}

/* An SCTP port for a socket that did not bind one (an "ephemeral" port). */
static uint16_t ephemeral_port(void)
{
    /* sockets of different stacks start in parallel (each under its own
     * lock only): two must not draw the same port */
    static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    pthread_mutex_lock(&mu);
    if (g_next_port == 0)
        g_next_port = (uint16_t)(49152 + ((unsigned)getpid() * 7919u) % 16000u);
    uint16_t p = g_next_port++;
    if (g_next_port < 49152)
        g_next_port = 49152;
    pthread_mutex_unlock(&mu);
    return p;
}

static void *bg_main(void *arg);

static void bg_start(void)
{
    if (g_bg_running)
        return;
    g_wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&g_bg, &at, bg_main, NULL) == 0)
        g_bg_running = true;
    pthread_attr_destroy(&at);
}

/* Waits (the background thread working meanwhile) until no stack has an
 * association still up or shutting down, or the deadline passes. */
void stack_linger_all(uint64_t deadline)
{
    for (;;) {
        bool busy = false;
        pthread_mutex_lock(&g_lock);
        for (bstack *st = g_stacks; st && !busy; st = st->next) {
            pthread_mutex_lock(&st->lock);
            busy = st->ep && braid_endpoint_busy(st->ep);
            pthread_mutex_unlock(&st->lock);
        }
        pthread_mutex_unlock(&g_lock);
        if (!busy || braid_now_ns() >= deadline)
            return;
        bg_kick();
        poll(NULL, 0, 2);
    }
}

void bg_kick(void)
{
    if (g_wake_fd >= 0) {
        uint64_t one = 1;
        ssize_t r = write(g_wake_fd, &one, sizeof one);
        (void)r;
    }
}

int stack_start(bstack *st, bool listener)
{
    if (st->ep)
        return 0;
    /* A 1500-byte path MTU less the IP (and UDP) headers of the family in
     * use, unless the application set SCTP_MAXSEG / SCTP_PEER_ADDR_PARAMS. */
    if (st->cfg.pmtu == 1452) {
        unsigned ip = st->family == AF_INET6 ? 40 : 20;
        unsigned udp = st->io_kind == BRAID_IO_UDP ? 8 : 0;
        st->cfg.pmtu = 1500 - ip - udp;
    }
    if (st->cfg.local_port == 0)
        st->cfg.local_port = ephemeral_port();
    /* RFC 6951 §5.1: a listener takes the well-known UDP port (9899 or
     * $BRAID_UDP_PORT); a socket that only connects uses an ephemeral one. */
    uint16_t udp = st->udp_port;
    if (!udp && listener)
        udp = braid_io_default_udp_port();
    int rc =
        braid_io_open(&st->io, st->io_kind, st->family == AF_INET6 ? 6 : 4, st->cfg.local_addrs,
                      st->cfg.n_local_addrs, st->io_kind == BRAID_IO_RAW ? 0 : udp);
    if (rc < 0) {
        if (rc == -EADDRINUSE && st->io_kind == BRAID_IO_UDP)
            fprintf(stderr,
                    "braid: UDP port %u is taken by another SCTP listener on this host; give this "
                    "one another encapsulation port (environment BRAID_UDP_PORT=N, or "
                    "setsockopt BRAID_SCTP_LOCAL_UDP_PORT on the socket before listen)\n",
                    udp);
        st->io = NULL;
        return rc;
    }
    /* Right-sized kernel buffers: a burst the SCTP window allows must not
     * overflow the UDP socket (that would be loss, and a retransmission). */
    int kbuf = (int)(st->cfg.rcvbuf > st->cfg.sndbuf ? st->cfg.rcvbuf : st->cfg.sndbuf) * 4;
    if (kbuf < (4 << 20))
        kbuf = 4 << 20;
    braid_io_set_bufs(st->io, kbuf, kbuf);
    braid_io_set_gro(st->io, true); /* trains of datagrams in one receive */
    opts_transport_started(st); /* IP_TOS / IPV6_TCLASS set before (opts.c) */
    uint16_t real_udp = braid_io_local_port(st->io);
    for (unsigned i = 0; i < st->cfg.n_local_addrs; i++)
        st->cfg.local_addrs[i].udp_port = real_udp;
    st->rxbuf = malloc((size_t)BRAID_API_BATCH * BRAID_API_PKT_CAP);
    st->txbuf = malloc((size_t)BRAID_API_BATCH * BRAID_API_PKT_CAP);
    if (!st->rxbuf || !st->txbuf) {
        braid_io_close(st->io);
        st->io = NULL;
        return -ENOMEM;
    }
    for (unsigned i = 0; i < BRAID_API_BATCH; i++) {
        st->rx[i].data = st->rxbuf + (size_t)i * BRAID_API_PKT_CAP;
        st->rx[i].cap = BRAID_API_PKT_CAP;
        st->tx[i].data = st->txbuf + (size_t)i * BRAID_API_PKT_CAP;
        st->tx[i].cap = BRAID_API_PKT_CAP;
    }
    rc = braid_endpoint_new(&st->ep, &st->cfg, &st->hooks);
    if (rc < 0) {
        braid_io_close(st->io);
        st->io = NULL;
        return -EINVAL;
    }
    braid_endpoint_set_accept(st->ep, listener);
    st->accepting = listener;
    /* not under g_lock: we hold st->lock, and the background thread takes
     * g_lock before a stack's lock */
    static pthread_once_t bg_once = PTHREAD_ONCE_INIT;
    pthread_once(&bg_once, bg_start);
    bg_kick();
    return 0;
}

/* The send path's pump: reading the transport costs a system call, so a
 * stream of small sends looks at it at most every 20 us (a full send buffer
 * or a timer always does). */
void stack_pump_lazy(bstack *st, uint64_t now)
{
    if (!st->ep)
        return;
    if (now - st->last_rx_poll >= 20000 || braid_endpoint_next_expiry(st->ep) <= now) {
        stack_pump(st, now);
        return;
    }
    stack_flush(st, now);
}

/* Builds what is due into the transmit batch; sends only when it is full. */
static void stack_collect(bstack *st, uint64_t now)
{
    for (;;) {
        while (st->n_tx < BRAID_API_BATCH) {
            braid_io_pkt *p = &st->tx[st->n_tx];
            int n = braid_endpoint_write_pkt(st->ep, &p->path, p->data, p->cap, now);
            if (n <= 0)
                return;
            p->len = (size_t)n;
            st->n_tx++;
        }
        unsigned before = st->n_tx;
        stack_flush(st, now);
        if (st->n_tx == before)
            return; /* the transport would block */
    }
}

void stack_flush(bstack *st, uint64_t now)
{
    if (!st->ep)
        return;
    for (;;) {
        while (st->n_tx < BRAID_API_BATCH) {
            braid_io_pkt *p = &st->tx[st->n_tx];
            int n = braid_endpoint_write_pkt(st->ep, &p->path, p->data, p->cap, now);
            if (n <= 0)
                break;
            p->len = (size_t)n;
            st->n_tx++;
        }
        if (st->n_tx == 0)
            return;
        int sent = braid_io_send(st->io, st->tx, st->n_tx);
        if (sent <= 0) {
            if (sent < 0) /* a hard error: the packets are lost; SCTP retransmits */
                st->n_tx = 0;
            return; /* would block: keep them for the next flush */
        }
        /* keep the unsent tail at the front (swap buffers, no copy) */
        unsigned left = st->n_tx - (unsigned)sent;
        for (unsigned i = 0; i < left; i++) {
            braid_io_pkt t = st->tx[i];
            st->tx[i] = st->tx[(unsigned)sent + i];
            st->tx[(unsigned)sent + i] = t;
        }
        st->n_tx = left;
        if (left)
            return;
    }
}

void stack_pump(bstack *st, uint64_t now)
{
    if (!st->ep)
        return;
    st->last_rx_poll = now;
    for (int round = 0; round < 64; round++) {
        int n = braid_io_recv(st->io, st->rx, BRAID_API_BATCH);
        if (n <= 0)
            break;
        /* Each packet is a transmit opportunity of its own: a SACK every
         * second DATA packet (RFC 9260 §6.2) and the data a SACK releases
         * (Max.Burst per SACK, §6.1 D) are built right after it, and leave
         * together in one sendmmsg at the end of the batch. */
        for (int i = 0; i < n; i++) {
            const braid_io_pkt *p = &st->rx[i];
            /* a train of datagrams (UDP GRO): each one an SCTP packet */
            size_t off = 0;
            do {
                size_t l = braid_io_seg_len(p, off);
                braid_endpoint_read_pkt(st->ep, &p->path, p->data + off, l, now);
                stack_collect(st, now);
                off += l;
            } while (off < p->len);
        }
        stack_flush(st, now);
        if (n < BRAID_API_BATCH)
            break;
    }
    if (braid_endpoint_next_expiry(st->ep) <= now)
        braid_endpoint_handle_expiry(st->ep, now);
    stack_dispatch_events(st);
    stack_flush(st, now);
    if (!st->defer_ready)
        stack_update_ready(st);
}

/* The end of a send or receive call, lock held: what the background thread
 * left to us (it found the stack busy) is read now, then the readiness
 * tokens are settled. */
void stack_leave(bstack *st)
{
    if (st->ep && atomic_exchange_explicit(&st->bg_pending, false, memory_order_acq_rel))
        stack_pump(st, braid_now_ns());
    stack_update_ready(st);
}

bsock *stack_owner(bstack *st, braid_assoc_id id)
{
    bsock *fallback = NULL;
    for (bsock *s = st->socks; s; s = s->next_in_stack) {
        if (s->closing)
            continue;
        if (s->assoc == id && (s->type == SOCK_STREAM || s->peeled))
            return s;
        if (s->type == SOCK_SEQPACKET && !s->peeled)
            fallback = s;
    }
    return fallback;
}

/* ---- readiness mirrored on the application's descriptor ---- */

static bool sock_readable(bstack *st, bsock *s)
{
    if (s->pd_assoc && st->ep && !braid_assoc_readable(st->ep, s->pd_assoc) &&
        braid_assoc_state_get(st->ep, s->pd_assoc) >= 0)
        return s->so_error || s->eof; /* the rest of a partly read message comes first */
    if (s->n_notes || s->so_error || s->eof)
        return true;
    if (!st->ep)
        return false;
    if (s->type == SOCK_STREAM) {
        if (s->listening)
            return s->accept_count > 0;
        return s->assoc && braid_assoc_readable(st->ep, s->assoc);
    }
    if (s->peeled)
        return braid_assoc_readable(st->ep, s->assoc);
    /* one-to-many: any association not peeled off */
    for (braid_assoc_id id = braid_next_readable(st->ep, 0); id;
         id = braid_next_readable(st->ep, id))
        if (stack_owner(st, id) == s)
            return true;
    return false;
}

static bool sock_writable(bstack *st, bsock *s)
{
    if (s->so_error || s->eof || s->shut_wr)
        return true; /* writes fail at once: report writable like Linux */
    if (s->type == SOCK_STREAM || s->peeled) {
        if (!s->assoc || !st->ep)
            return false;
        int state = braid_assoc_state_get(st->ep, s->assoc);
        if (state < 0)
            return true;
        if (state < (int)BRAID_STATE_ESTABLISHED)
            return false;
        return braid_assoc_send_space(st->ep, s->assoc) > 0;
    }
    return true;
}

static void set_readable(bsock *s, bool want)
{
    if (want == s->tok_readable)
        return;
    char b = 0;
    if (want) {
        if (send(s->inner, &b, 1, MSG_DONTWAIT) == 1)
            s->tok_readable = true;
    } else {
        char drain[16]; /* the token is one byte: one call empties it */
        ssize_t r = recv(s->fd, drain, sizeof drain, MSG_DONTWAIT);
        (void)r;
        s->tok_readable = false;
    }
}

static void set_writable(bsock *s, bool want)
{
    char b = 0;
    if (want && s->blocked_writable) {
        while (recv(s->inner, &b, 1, MSG_DONTWAIT) == 1)
            ;
        s->blocked_writable = false;
    } else if (!want && !s->blocked_writable) {
        /* fill our end's send buffer: poll stops reporting POLLOUT */
        for (int i = 0; i < 4096 && send(s->fd, &b, 1, MSG_DONTWAIT) == 1; i++)
            ;
        s->blocked_writable = true;
    }
}

void stack_update_ready(bstack *st)
{
    for (bsock *s = st->socks; s; s = s->next_in_stack) {
        if (s->closing)
            continue;
        set_readable(s, sock_readable(st, s));
        set_writable(s, sock_writable(st, s));
    }
}

int stack_wait(bstack *st, bsock *s, short events, uint64_t deadline)
{
    struct pollfd pf[8];
    int n = 0;
    int fds[6];
    /* A thread waiting in accept() (one-to-one listener) only needs its token: it leaves the
     * transport to the threads blocked on associations (or to the background
     * thread), so that one packet does not wake two threads of the process. */
    bool reader = !(s->type == SOCK_STREAM && s->listening);
    int nf = (st->io && reader) ? braid_io_fds(st->io, fds, 6) : 0;
    stack_update_ready(st); /* other threads may be waiting on their tokens */
    for (int i = 0; i < nf; i++) {
        pf[n].fd = fds[i];
        pf[n].events = POLLIN;
        n++;
    }
    pf[n].fd = s->fd;
    pf[n].events = events;
    n++;
    uint64_t now = braid_now_ns();
    uint64_t until = st->ep ? braid_endpoint_next_expiry(st->ep) : BRAID_TIME_NEVER;
    if (deadline && deadline < until)
        until = deadline;
    if (reader)
        st->waiters++;
    /* the deferral is the blocked call's own: whoever pumps meanwhile
     * settles the tokens at once */
    unsigned deferred = st->defer_ready;
    st->defer_ready = 0;
    pthread_mutex_unlock(&st->lock);
    int timeout = -1;
    if (until != BRAID_TIME_NEVER)
        timeout = until <= now ? 0 : (int)((until - now + 999999) / 1000000);
    int rc = poll(pf, (nfds_t)n, timeout);
    int err = errno;
    pthread_mutex_lock(&st->lock);
    st->defer_ready = deferred;
    if (reader)
        st->waiters--;
    if (rc < 0 && err == EINTR)
        return -EINTR;
    if (deadline && braid_now_ns() >= deadline)
        return -ETIMEDOUT;
    return 0;
}

void stack_detach(bstack *st, bsock *s)
{
    bsock **pp = &st->socks;
    while (*pp && *pp != s)
        pp = &(*pp)->next_in_stack;
    if (*pp)
        *pp = s->next_in_stack;
    st->n_socks--;
}

/* Frees a stack with no sockets left. g_lock and st->lock held; the stack's
 * lock is released and destroyed. */
void stack_free_locked(bstack *st)
{
    bstack **pp = &g_stacks;
    while (*pp && *pp != st)
        pp = &(*pp)->next;
    if (*pp)
        *pp = st->next;
    if (st->ep) {
        uint64_t now = braid_now_ns();
        stack_flush(st, now); /* the last ABORTs / SHUTDOWNs */
        braid_endpoint_free(st->ep);
    }
    pool_drain(&st->pool);
    if (st->io)
        braid_io_close(st->io);
    free(st->rxbuf);
    free(st->txbuf);
    pthread_mutex_unlock(&st->lock);
    pthread_mutex_destroy(&st->lock);
    free(st);
}

/* ---- the background thread ---- */

/* The background thread never waits for a stack an application thread is
 * working in: it would only trade the lock back and forth with a busy sender
 * (a futex call and a context switch per packet). It leaves the stack to
 * that thread instead, which reads the transport at the end of its call
 * (stack_leave), and looks at it again within a millisecond. */
static void *bg_main(void *arg)
{
    (void)arg;
    for (;;) {
        struct pollfd pf[257];
        int n = 0;
        uint64_t now = braid_now_ns(), next = now + 1000000000ull;
        pthread_mutex_lock(&g_lock);
        pf[n].fd = g_wake_fd;
        pf[n].events = POLLIN;
        n++;
        for (bstack *st = g_stacks; st && n < 250; st = st->next) {
            if (pthread_mutex_trylock(&st->lock) != 0) {
                if (now + 1000000 < next)
                    next = now + 1000000; /* busy: look again soon */
                continue;
            }
            if (st->ep && st->io && st->waiters && now + 5000000 < next) {
                /* an application thread reads this transport now; look again
                 * in 5 ms in case it has left without another taking over */
                next = now + 5000000;
            } else if (st->ep && st->io && !st->waiters) {
                int fds[4];
                int nf = braid_io_fds(st->io, fds, 4);
                for (int i = 0; i < nf && n < 256; i++) {
                    pf[n].fd = fds[i];
                    pf[n].events = POLLIN;
                    n++;
                }
                uint64_t x = braid_endpoint_next_expiry(st->ep);
                if (x < next)
                    next = x;
                if (st->n_tx && now + 1000000 < next)
                    next = now + 1000000; /* blocked output: retry soon */
            }
            pthread_mutex_unlock(&st->lock);
        }
        pthread_mutex_unlock(&g_lock);
        int timeout = next <= now ? 0 : (int)((next - now + 999999) / 1000000);
        poll(pf, (nfds_t)n, timeout);
        if (pf[0].revents & POLLIN) {
            uint64_t v;
            ssize_t r = read(g_wake_fd, &v, sizeof v);
            (void)r;
        }
        /* pump every stack: cheap when idle (one non-blocking recv) */
        now = braid_now_ns();
        pthread_mutex_lock(&g_lock);
        bstack *nx;
        for (bstack *st = g_stacks; st; st = nx) {
            nx = st->next;
            if (pthread_mutex_trylock(&st->lock) != 0) {
                /* a call is inside: it reads the transport on its way out */
                atomic_store_explicit(&st->bg_pending, true, memory_order_release);
                continue;
            }
            if (st->ep && !st->waiters)
                stack_pump(st, now);
            /* closed sockets whose shutdowns are over (or took too long) */
            if (!st->socks && st->orphan_since && !stack_in_use(st) &&
                (!st->ep || !braid_endpoint_busy(st->ep) ||
                 now - st->orphan_since > 120000000000ull))
                stack_free_locked(st); /* unlocks */
            else
                pthread_mutex_unlock(&st->lock);
        }
        pthread_mutex_unlock(&g_lock);
    }
    return NULL;
}
