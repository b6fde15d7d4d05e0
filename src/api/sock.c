/*
 * Socket calls: braid_socket, bind, listen, accept, connect, close,
 * shutdown, fcntl, getsockname, getpeername (RFC 6458 §3, §4), with the
 * errno Linux gives for the same misuse. A descriptor that is not a braid
 * socket is passed to libc unchanged.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "internal.h"
#include "uaccess.h"

/* The table of braid descriptors. Entries are written with the world
 * locked; a lookup first reads its entry without the lock, so that a call
 * on any other descriptor (the preload catches them all) costs no lock. */
static _Atomic(bsock *) g_tab[BRAID_API_MAX_FDS];

/* errno as the call found it, or the error it fails with: a call that
 * succeeds leaves errno alone (the system calls braid makes inside, e.g. a
 * recvmmsg with nothing to read, would leave EAGAIN behind). */
_Thread_local int t_errno;

bsock *bs_get(int fd)
{
    if (fd < 0 || fd >= BRAID_API_MAX_FDS ||
        !atomic_load_explicit(&g_tab[fd], memory_order_acquire))
        return NULL;
    int e = errno;
    world_lock();
    t_errno = e;
    bsock *s = atomic_load_explicit(&g_tab[fd], memory_order_relaxed);
    if (!s || s->closing) {
        world_unlock();
        return NULL;
    }
    s->refs++;
    s->st->users++; /* the stack stays while the call is inside */
    world_call_begin();
    return s;
}

static bool g_exiting; /* exit() is closing the sockets (world lock) */

static void bs_destroy(bsock *s)
{
    note_free_all(s);
    if (bs_mine(s)) {
        close(s->inner);
        /* At exit the application's descriptor stays open until the process
         * is gone, as the kernel's do: other threads may still name it (a
         * call that no longer finds it braid's goes to libc with it), and a
         * number freed under them could name another file by then. */
        if (!g_exiting)
            close(bs_fd(s));
    }
    wmem_free(s);
}

bool bs_mine(const bsock *s)
{
    return bm_has(&s->holders, fam_slot());
}

void bs_put(bsock *s)
{
    world_assert_held();
    s->st->users--;
    bool last = --s->refs == 0 && s->closing;
    if (last)
        bs_destroy(s);
    world_call_end();
    world_leave();
    world_unlock();
    errno = t_errno;
}

bool bs_is_braid(int fd)
{
    return fd >= 0 && fd < BRAID_API_MAX_FDS &&
           atomic_load_explicit(&g_tab[fd], memory_order_acquire) != NULL;
}

/* A new socket attached to st (st locked by the caller, or new). */
bsock *bs_new(int domain, int type, bstack *st)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv) < 0)
        return NULL;
    if (sv[0] >= BRAID_API_MAX_FDS) {
        close(sv[0]);
        close(sv[1]);
        errno = EMFILE;
        return NULL;
    }
    int small = 4096; /* a few tokens fill it: how we turn POLLOUT off */
    setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
    bsock *s = wmem_calloc(1, sizeof *s);
    if (!s) {
        close(sv[0]);
        close(sv[1]);
        errno = ENOMEM;
        return NULL;
    }
    s->pfd[fam_slot()] = sv[0];
    s->inner = sv[1];
    bm_set(&s->holders, fam_slot());
    s->nfd[fam_slot()] = 1;
    s->type = type;
    s->family = domain;
    s->st = st;
    s->backlog = 0;
    s->next_in_stack = st->socks;
    st->socks = s;
    st->n_socks++;
    atomic_store_explicit(&g_tab[sv[0]], s, memory_order_release);
    stack_mark(st);
    return s;
}

static int fail(int err)
{
    errno = err;
    t_errno = err; /* what bs_put leaves in errno */
    return -1;
}

/* At exit. The kernel closes a process's sockets when it exits and goes on
 * with their graceful shutdowns (delivering what was sent) after it is gone;
 * braid lives in the process, so exit() does the closing and then waits for
 * the shutdowns, at most $BRAID_EXIT_LINGER_MS (default 2000, 0: no wait).
 * A socket another process of the family still has open (fork) stays: only
 * this process's descriptors go. (_exit() and signals skip this, as they
 * must; the family finds out (fam_probe).) */
static void at_exit(void)
{
    if (fam_orphaned())
        return;
    world_lock();
    g_exiting = true;
    world_unlock();
    for (int fd = 0; fd < BRAID_API_MAX_FDS; fd++)
        if (bs_is_braid(fd))
            braid_close(fd);
    const char *e = getenv("BRAID_EXIT_LINGER_MS");
    uint64_t ms = e && *e ? strtoull(e, NULL, 10) : 2000;
    if (ms)
        stack_linger_all(braid_now_ns() + ms * 1000000ull);
}

static void at_exit_register(void)
{
    atexit(at_exit);
}

/* A forked child that cannot share the world (BRAID_FORK_SHARE=0, or no
 * slot left): its braid descriptors become sockets whose peer is gone, so
 * that reads see end-of-file and writes fail with EPIPE rather than the
 * child acting on copies of its parent's associations. */
static bool g_orphan;

bool fam_orphaned(void)
{
    return g_orphan;
}

int bs_dead_fd(void)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
        return -1;
    close(sv[1]);
    return sv[0];
}

/* Each braid descriptor of this process (all, or those without FD_CLOEXEC)
 * becomes a dead socket, keeping its FD_CLOEXEC; all: they leave the table. */
static void bs_kill_fds(bool all)
{
    int dead = -1;
    for (int fd = 0; fd < BRAID_API_MAX_FDS; fd++) {
        if (!atomic_load_explicit(&g_tab[fd], memory_order_relaxed))
            continue;
        int fl = fcntl(fd, F_GETFD);
        bool cloexec = fl >= 0 && (fl & FD_CLOEXEC);
        if (all)
            atomic_store_explicit(&g_tab[fd], NULL, memory_order_relaxed);
        else if (cloexec)
            continue;
        if (dead < 0 && (dead = bs_dead_fd()) < 0)
            return;
        dup3(dead, fd, cloexec ? O_CLOEXEC : 0);
    }
    if (dead >= 0)
        close(dead);
}

void bs_orphan_all(void)
{
    g_orphan = true;
    bs_kill_fds(true);
}

/* Before exec: the new program has none of braid in it. Descriptors left
 * open across exec (no FD_CLOEXEC) become dead sockets (EPIPE, end of
 * file); the family finds out that this process is gone when its wake
 * socket (CLOEXEC) goes with the exec (fam_probe). */
bool braid_fam_exec(void)
{
    if (g_orphan)
        return false;
    bool any = false;
    for (int fd = 0; fd < BRAID_API_MAX_FDS && !any; fd++)
        any = bs_is_braid(fd);
    if (!any)
        return false;
    world_no_bg();
    world_lock();
    bs_kill_fds(false);
    if (world_bg_running()) {
        world_hold_to_end(); /* its thread must not be inside when the exec ends it */
        return true;
    }
    world_unlock();
    return false;
}

void braid_fam_exec_failed(bool held)
{
    if (held)
        world_hold_cancel();
}

int braid_socket(int domain, int type, int protocol)
{
    int base = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
    /* not ours: libc, which also says what Linux says for SCTP with a
     * family or type SCTP has not (EPROTONOSUPPORT, EAFNOSUPPORT, ...) */
    if (protocol != IPPROTO_SCTP || (domain != AF_INET && domain != AF_INET6) ||
        (base != SOCK_STREAM && base != SOCK_SEQPACKET))
        return socket(domain, type, protocol);
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, at_exit_register);
    world_lock();
    bstack *st = stack_new(domain);
    if (!st) {
        world_unlock();
        return fail(ENOMEM);
    }
    bsock *s = bs_new(domain, base, st);
    if (!s) {
        int e = errno;
        stack_free(st);
        world_unlock();
        return fail(e ? e : ENOMEM);
    }
    s->nonblock = (type & SOCK_NONBLOCK) != 0;
    s->nodelay = false;
    if (type & SOCK_CLOEXEC)
        fcntl(bs_fd(s), F_SETFD, FD_CLOEXEC);
    int fd = bs_fd(s);
    world_settle(); /* one-to-one: not writable before it connects */
    world_unlock();
    return fd;
}

/* ---- bind ---- */

static int bind_locked(bsock *s, const struct sockaddr *addr, socklen_t len, bool add)
{
    bstack *st = s->st;
    braid_addr a;
    uint16_t port;
    int rc = addr_from_sockaddr(addr, len, &a, &port);
    if (rc < 0)
        return rc;
    if (s->family == AF_INET && addr->sa_family != AF_INET)
        return -EINVAL;
    if (st->ep)
        return -EINVAL; /* already started: bindx on a running socket is ASCONF */
    if (st->bound && !add)
        return -EINVAL; /* Linux: bind twice */
    if (add && st->bound && port && port != st->cfg.local_port)
        return -EINVAL;
    bool wildcard = true;
    for (unsigned i = 0; i < 16; i++)
        if (a.ip[i])
            wildcard = false;
    if (!wildcard && !world_addr_local(&a))
        return -EADDRNOTAVAIL; /* as Linux: not an address of this host */
    /* as Linux: the port is taken at bind (EADDRINUSE), port 0 picks one */
    if (port && !(st->has_port && st->reg_port == port)) {
        rc = stack_reserve_port(st, port);
        if (rc < 0)
            return rc;
    } else if (!port && !st->has_port) {
        rc = stack_ephemeral_port(st);
        if (rc < 0)
            return rc;
    }
    if (!wildcard) {
        if (st->cfg.n_local_addrs == BRAID_MAX_ADDRS)
            return -ENOMEM;
        for (unsigned i = 0; i < st->cfg.n_local_addrs; i++)
            if (addr_equal(&st->cfg.local_addrs[i], &a))
                return -EINVAL;
        st->cfg.local_addrs[st->cfg.n_local_addrs++] = a;
    }
    st->bound = true;
    return 0;
}

int braid_bind(int fd, const struct sockaddr *addr, socklen_t len)
{
    bsock *s = bs_get(fd);
    if (!s)
        return bind(fd, addr, len);
    struct sockaddr_storage ka; /* as Linux: the address is copied in first */
    int rc = uaccess_sockaddr_in(&ka, addr, len);
    if (rc < 0) {
        bs_put(s);
        return fail(-rc);
    }
    rc = bind_locked(s, (struct sockaddr *)&ka, len, false);
    bs_put(s);
    return rc < 0 ? fail(-rc) : 0;
}

int bind_add(bsock *s, const struct sockaddr *addr, socklen_t len)
{
    int rc = bind_locked(s, addr, len, true);
    return rc;
}

/* ---- listen / accept ---- */

int braid_listen(int fd, int backlog)
{
    bsock *s = bs_get(fd);
    if (!s)
        return listen(fd, backlog);
    bstack *st = s->st;
    int rc = 0;
    /* as Linux (sctp_inet_listen): EINVAL for a connected or peeled-off
     * socket; backlog 0 stops listening, and is EINVAL on a socket that
     * does not listen */
    if (backlog < 0 || s->peeled || (s->type == SOCK_STREAM && (s->assoc || s->connecting)))
        rc = -EINVAL;
    else if (backlog == 0) {
        if (!s->listening)
            rc = -EINVAL;
        else {
            s->listening = false;
            bool other = false;
            for (bsock *o = st->socks; o; o = o->next_in_stack)
                other |= o != s && o->listening && !o->closing;
            if (!other) {
                braid_endpoint_set_accept(st->ep, 0);
                st->accepting = false;
            }
        }
        bs_put(s);
        return rc < 0 ? fail(-rc) : 0;
    } else if (!st->ep)
        rc = stack_start(st, true);
    if (rc == 0) {
        braid_endpoint_set_accept(st->ep, 1);
        st->accepting = true;
        s->listening = true;
        s->backlog = backlog > 0 ? backlog : 1;
    }
    bs_put(s);
    return rc < 0 ? fail(-rc) : 0;
}

static void peer_sockaddr(bstack *st, braid_assoc_id id, int family, struct sockaddr *addr,
                          socklen_t *len)
{
    if (!addr || !len)
        return;
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    socklen_t n = sizeof(struct sockaddr_in);
    braid_assoc_status as;
    if (st->ep && braid_assoc_status_get(st->ep, id, &as) == 0 && as.n_paths)
        n = addr_to_sockaddr(&as.paths[as.primary].addr, as.peer_port, family, &ss);
    memcpy(addr, &ss, *len < n ? *len : n);
    *len = n;
}

int braid_accept(int fd, struct sockaddr *addr, socklen_t *len)
{
    bsock *s = bs_get(fd);
    if (!s)
        return accept(fd, addr, len);
    bstack *st = s->st;
    int rc = 0, nfd = -1;
    if (s->type != SOCK_STREAM)
        rc = -EOPNOTSUPP;
    else if (!s->listening)
        rc = -EINVAL;
    /* A bad address is EFAULT before a connection leaves the queue (Linux
     * finds out after, and closes the new socket: its association is lost) */
    if (rc == 0 && addr)
        rc = uaccess_sockaddr_out_check(addr, len,
                                        s->family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                                              : sizeof(struct sockaddr_in));
    uint64_t deadline = s->rcvtimeo_ns ? braid_now_ns() + s->rcvtimeo_ns : 0;
    while (rc == 0) {
        world_pump(braid_now_ns());
        if (s->accept_count) {
            braid_assoc_id id = s->acceptq[s->accept_head];
            s->accept_head = (s->accept_head + 1) % BRAID_API_ACCEPTQ;
            s->accept_count--;
            if (st->accepting)
                braid_endpoint_set_accept(st->ep, 1); /* room again */
            bsock *c = bs_new(s->family, SOCK_STREAM, st);
            if (!c) {
                rc = -ENFILE;
                braid_assoc_abort(st->ep, id, NULL, 0, braid_now_ns());
                break;
            }
            c->assoc = id;
            c->events = s->events; /* options are inherited (RFC 6458 §4.1.4) */
            c->recvrcvinfo = s->recvrcvinfo;
            c->recvnxtinfo = s->recvnxtinfo;
            c->default_send = s->default_send;
            c->nodelay = s->nodelay;
            c->remote_udp_port = s->remote_udp_port;
            c->rcvtimeo_ns = s->rcvtimeo_ns; /* as Linux's sctp_copy_sock */
            c->sndtimeo_ns = s->sndtimeo_ns;
            c->pd_point = s->pd_point;
            c->frag_interleave = s->frag_interleave;
            c->linger = s->linger;
            c->disable_frag = s->disable_frag;
            c->o = s->o; /* the options of opts.c */
            note_move(s, c, (sctp_assoc_t)id);
            /* the peer shut it down (or it failed) while it waited: reads
             * end once its data is read */
            int state = braid_assoc_state_get(st->ep, id);
            if (state < 0 || state == BRAID_STATE_CLOSED || state >= BRAID_STATE_SHUTDOWN_RECEIVED)
                c->eof = true;
            struct sockaddr_storage pa;
            socklen_t pl = sizeof pa;
            peer_sockaddr(st, id, s->family, (struct sockaddr *)&pa, &pl);
            nfd = bs_fd(c);
            if (addr && uaccess_sockaddr_out(addr, len, &pa, pl) < 0)
                rc = -EFAULT; /* unmapped since the check: as Linux, closed below */
            stack_mark(st);
            break;
        }
        if (s->nonblock) {
            rc = -EAGAIN;
            break;
        }
        rc = world_wait(s, POLLIN, deadline);
        if (rc == -ETIMEDOUT)
            rc = -EAGAIN;
    }
    bs_put(s);
    if (rc == -EFAULT && nfd >= 0)
        braid_close(nfd);
    return rc < 0 ? fail(-rc) : nfd;
}

int braid_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
    if (!bs_is_braid(fd))
        return accept4(fd, addr, len, flags);
    if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC))
        return fail(EINVAL); /* as Linux (__sys_accept4) */
    int nfd = braid_accept(fd, addr, len);
    if (nfd < 0)
        return nfd;
    bsock *c = bs_get(nfd);
    if (c) {
        c->nonblock = (flags & SOCK_NONBLOCK) != 0;
        if (flags & SOCK_CLOEXEC)
            fcntl(nfd, F_SETFD, FD_CLOEXEC);
        bs_put(c);
    }
    return nfd;
}

/* ---- connect ---- */

/* Starts an association to the given addresses; st locked. */
int connect_locked(bsock *s, const braid_addr *peers, unsigned n, uint16_t port,
                   braid_assoc_id *out)
{
    return connect_locked_opts(s, peers, n, port, NULL, out);
}

/* The same with streams asked for (opts may be NULL; peer_port is set here). */
int connect_locked_opts(bsock *s, const braid_addr *peers, unsigned n, uint16_t port,
                        const braid_connect_opts *opts, braid_assoc_id *out)
{
    bstack *st = s->st;
    int rc = st->ep ? 0 : stack_start(st, false);
    if (rc < 0)
        return rc;
    braid_addr p[BRAID_MAX_ADDRS];
    for (unsigned i = 0; i < n && i < BRAID_MAX_ADDRS; i++) {
        p[i] = peers[i];
        /* RFC 6951 §5.1: the peer's UDP port: set on the socket, else the default */
        p[i].udp_port = s->remote_udp_port ? s->remote_udp_port : braid_io_default_udp_port();
    }
    braid_connect_opts o;
    memset(&o, 0, sizeof o);
    if (opts)
        o = *opts;
    o.peer_port = port;
    rc = braid_assoc_connect(st->ep, p, n, &o, braid_now_ns(), out);
    if (rc == BRAID_ERR_STATE) {
        /* an association with that peer exists: as Linux (__sctp_connect),
         * EADDRNOTAVAIL when it was peeled off, EISCONN when it is up,
         * EALREADY while it is being set up */
        braid_assoc_id x = 0;
        for (unsigned i = 0; i < n && !x; i++)
            x = braid_find_assoc(st->ep, &p[i], port);
        if (x && stack_owner(st, x) != s)
            return -EADDRNOTAVAIL;
        if (x && braid_assoc_state_get(st->ep, x) < (int)BRAID_STATE_ESTABLISHED)
            return -EALREADY;
        return -EISCONN;
    }
    switch (rc) {
    case 0: break;
    case BRAID_ERR_LIMIT: return -EADDRNOTAVAIL;
    case BRAID_ERR_NOMEM: return -ENOMEM;
    default: return -EINVAL;
    }
    if (s->type == SOCK_STREAM && !s->peeled) {
        /* before the INIT leaves: an in-process peer answers at once, and
         * COMM_UP must find its socket */
        s->assoc = *out;
        s->connecting = true;
    }
    stack_flush(st, braid_now_ns()); /* the INIT leaves now */
    return 0;
}

/* One-to-one: a connect that failed leaves the socket as it was before
 * (as Linux, it may connect again). */
static void connect_forget(bsock *s)
{
    s->assoc = 0;
    s->eof = s->ended = s->peer_shut = false;
    s->so_error = 0;
    s->connecting = false;
}

/* A non-blocking connect finished meanwhile: up (EISCONN from now on) or
 * failed (the socket may connect again). */
void connect_settle(bsock *s)
{
    bstack *st = s->st;
    if (s->type != SOCK_STREAM || s->peeled || !s->connecting || !st->ep)
        return;
    world_pump(braid_now_ns());
    int state = braid_assoc_state_get(st->ep, s->assoc);
    if (state < 0)
        connect_forget(s);
    else if (state >= (int)BRAID_STATE_ESTABLISHED)
        s->connecting = false;
}

/* The end of a blocking connect with rc. */
void connect_done(bsock *s, int rc)
{
    if (s->type != SOCK_STREAM || s->peeled || rc == -EINPROGRESS || rc == -EINTR)
        return;
    if (rc < 0 && s->assoc && braid_assoc_state_get(s->st->ep, s->assoc) < 0)
        connect_forget(s);
    else
        s->connecting = false;
}

int braid_connect(int fd, const struct sockaddr *addr, socklen_t len)
{
    bsock *s = bs_get(fd);
    if (!s)
        return connect(fd, addr, len);
    struct sockaddr_storage ka; /* as Linux: the address is copied in first */
    int rc = uaccess_sockaddr_in(&ka, addr, len);
    if (rc < 0) {
        bs_put(s);
        return fail(-rc);
    }
    addr = (const struct sockaddr *)&ka;
    braid_addr a;
    uint16_t port;
    /* as Linux (sctp_inet_connect, sctp_connect, sctp_verify_addr):
     * AF_UNSPEC is EOPNOTSUPP; a family the socket cannot use, or an
     * address too short for its family, EINVAL */
    if (len >= (socklen_t)sizeof(sa_family_t) && addr->sa_family == AF_UNSPEC)
        rc = -EOPNOTSUPP;
    else
        rc = addr_from_sockaddr(addr, len, &a, &port);
    if (rc == -EAFNOSUPPORT || (rc == 0 && s->family == AF_INET && addr->sa_family != AF_INET))
        rc = -EINVAL;
    if (rc == 0 && port == 0)
        rc = -EINVAL;
    bstack *st = s->st;
    connect_settle(s);
    if (rc == 0 && s->type == SOCK_STREAM) {
        if (s->listening)
            rc = -EISCONN;
        else if (s->assoc && s->connecting)
            rc = s->nonblock ? -EALREADY : 0;
        else if (s->assoc)
            rc = -EISCONN;
    }
    braid_assoc_id id = s->assoc;
    if (rc == 0 && !s->assoc) {
        rc = connect_locked(s, &a, 1, port, &id);
        if (rc == 0 && s->type == SOCK_STREAM) {
            s->assoc = id;
            s->connecting = true;
        }
    }
    if (rc == 0) {
        if (s->nonblock) {
            rc = -EINPROGRESS;
        } else {
            rc = wait_up(s, id);
            connect_done(s, rc);
        }
    }
    stack_mark(st);
    bs_put(s);
    return rc < 0 ? fail(-rc) : 0;
}

/* ---- close / shutdown ---- */

/* Ends what the socket owns (close): RFC 6458 §3.1.5/§4.1.7, one-to-one
 * close shuts its association down gracefully; one-to-many close ends every
 * association it owns, a listener those still waiting in its accept queue.
 * As Linux (sctp_close): ABORT instead, all of them, when received data is
 * left unread on the socket, or when SO_LINGER is on with a zero time. */
static bool owned(bsock *s, braid_assoc_id id)
{
    return (s->type == SOCK_STREAM || s->peeled) ? id == s->assoc : stack_owner(s->st, id) == s;
}

static void close_assocs(bsock *s, uint64_t now)
{
    bstack *st = s->st;
    bool abort = s->linger.l_onoff && s->linger.l_linger == 0;
    for (braid_assoc_id id = braid_next_assoc(st->ep, 0); id && !abort;
         id = braid_next_assoc(st->ep, id))
        abort = owned(s, id) && braid_assoc_readable(st->ep, id);
    for (unsigned i = 0; i < s->accept_count; i++) {
        braid_assoc_id id = s->acceptq[(s->accept_head + i) % BRAID_API_ACCEPTQ];
        if (braid_assoc_readable(st->ep, id))
            braid_assoc_abort(st->ep, id, NULL, 0, now);
        else
            braid_assoc_shutdown(st->ep, id, now);
    }
    s->accept_count = 0;
    for (braid_assoc_id id = braid_next_assoc(st->ep, 0); id; id = braid_next_assoc(st->ep, id)) {
        if (!owned(s, id))
            continue;
        if (abort)
            braid_assoc_abort(st->ep, id, NULL, 0, now);
        else
            braid_assoc_shutdown(st->ep, id, now);
    }
    if (!abort && s->type == SOCK_STREAM && !s->peeled && !s->listening && s->assoc &&
        s->linger.l_onoff && s->linger.l_linger > 0) {
        /* as Linux (sctp_wait_for_close): a one-to-one socket with SO_LINGER
         * on waits up to its time for the shutdown to end */
        stack_flush(st, now);
        uint64_t deadline = now + (uint64_t)(unsigned)s->linger.l_linger * 1000000000ull;
        while (braid_assoc_state_get(st->ep, s->assoc) >= 0 && world_wait(s, 0, deadline) == 0)
            world_pump(braid_now_ns());
    }
}

/* Another descriptor of s than fd in this process (s has more than one;
 * world locked). */
static int other_fd(const bsock *s, int fd)
{
    for (int i = 0; i < BRAID_API_MAX_FDS; i++)
        if (i != fd && atomic_load_explicit(&g_tab[i], memory_order_relaxed) == s)
            return i;
    return -1;
}

/* fd no longer names s, which has other descriptors in this process
 * (world locked). */
static void unname(bsock *s, int fd)
{
    unsigned me = fam_slot();
    atomic_store_explicit(&g_tab[fd], NULL, memory_order_release);
    s->nfd[me]--;
    if (s->pfd[me] == fd)
        s->pfd[me] = other_fd(s, fd);
}

/* The last descriptor of it in the family is gone: its associations end
 * (below), and with them, once their shutdowns are over, its stack. */
static void sock_end(bsock *s, uint64_t now)
{
    bstack *st = s->st;
    if (st->ep) {
        close_assocs(s, now);
        if (s->listening) { /* no listener left: new INITs get an ABORT */
            bool other = false;
            for (bsock *o = st->socks; o; o = o->next_in_stack)
                other |= o != s && o->listening && !o->closing;
            if (!other) {
                braid_endpoint_set_accept(st->ep, 0);
                st->accepting = false;
            }
        }
        stack_flush(st, now);
    }
    s->closing = true;
    stack_detach(st, s);
    if (!st->socks) {
        st->closer = fam_slot();
        if (!st->users && !(st->ep && braid_endpoint_busy(st->ep)))
            stack_free(st);
        else /* the background thread frees it once the shutdowns are over */
            st->orphan_since = now;
    }
}

/* A process of the family that held it is gone (world_slot_gone), and it
 * was the last: as if it had closed it. */
void sock_abandon(bsock *s, uint64_t now)
{
    world_assert_held();
    sock_end(s, now);
    s->st = NULL;
    if (s->refs == 0)
        bs_destroy(s);
}

int braid_close(int fd)
{
    bsock *s = bs_get(fd);
    if (!s)
        return close(fd);
    unsigned me = fam_slot();
    if (s->nfd[me] > 1) {
        /* a dup of it stays open: only this descriptor goes, as with the
         * kernel's file references */
        unname(s, fd);
        if (!g_exiting)
            close(fd);
        bs_put(s);
        return 0;
    }
    bstack *st = s->st;
    atomic_store_explicit(&g_tab[fd], NULL, memory_order_release);
    s->nfd[me] = 0;
    bm_clr(&s->holders, me);
    if (!bm_empty(&s->holders)) {
        /* it is open in another process of the family (fork): only this
         * descriptor goes, as the kernel's close */
        close(fd);
        close(s->inner);
        st->users--;
        s->refs--;
        stack_mark(st);
        world_call_end();
        world_leave();
        world_unlock();
        errno = t_errno;
        return 0;
    }
    bm_set(&s->holders, me); /* ours to close (bs_destroy) */
    st->users--;
    sock_end(s, braid_now_ns());
    bool last = --s->refs == 0;
    if (last)
        bs_destroy(s);
    world_call_end();
    world_leave();
    world_unlock();
    errno = t_errno;
    return 0;
}

int braid_shutdown(int fd, int how)
{
    bsock *s = bs_get(fd);
    if (!s)
        return shutdown(fd, how);
    int rc = 0;
    if (how != SHUT_RD && how != SHUT_WR && how != SHUT_RDWR)
        rc = -EINVAL;
    else if (s->type != SOCK_STREAM)
        rc = -EOPNOTSUPP; /* one-to-many: use SCTP_EOF (RFC 6458 §3.1.4) */
    bstack *st = s->st;
    if (rc == 0 && !s->assoc)
        rc = -ENOTCONN;
    if (rc == 0 && how != SHUT_WR) {
        /* as Linux (RCV_SHUTDOWN): reads return 0 from now on, and data
         * that arrives is acknowledged and dropped (sctp_ulpq_tail_event);
         * nothing goes on the wire */
        s->shut_rd = true;
        note_drop_data(s, (sctp_assoc_t)s->assoc);
        stack_mark(st);
    }
    if (rc == 0 && how != SHUT_RD) {
        braid_assoc_shutdown(st->ep, s->assoc, braid_now_ns()); /* RFC 9260 §9.2 */
        s->shut_wr = true;
        stack_flush(st, braid_now_ns());
        stack_mark(st);
    }
    bs_put(s);
    return rc < 0 ? fail(-rc) : 0;
}

static int name_too(bsock *s, int nfd);

int braid_fcntl(int fd, int cmd, ...)
{
    va_list ap;
    va_start(ap, cmd);
    long arg = va_arg(ap, long);
    va_end(ap);
    bsock *s = bs_get(fd);
    if (!s)
        return fcntl(fd, cmd, arg);
    int rc;
    if (cmd == F_GETFL) {
        rc = O_RDWR | (s->nonblock ? O_NONBLOCK : 0);
    } else if (cmd == F_SETFL) {
        s->nonblock = (arg & O_NONBLOCK) != 0;
        rc = 0;
    } else if (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC) {
        rc = fcntl(fd, cmd, arg);
        if (rc >= 0)
            rc = name_too(s, rc);
        else
            rc = -errno;
        if (rc < 0) {
            bs_put(s);
            return fail(-rc);
        }
    } else {
        rc = fcntl(fd, cmd, arg);
        if (rc < 0)
            t_errno = errno; /* what bs_put leaves */
    }
    bs_put(s);
    return rc;
}

/* ---- dup, dup2, dup3, close_range ---- */

/* nfd, a new descriptor of s's file from the system, names s too (world
 * locked): nfd, or -EMFILE (closed) beyond the table. */
static int name_too(bsock *s, int nfd)
{
    if (nfd >= BRAID_API_MAX_FDS) {
        close(nfd);
        return -EMFILE;
    }
    s->nfd[fam_slot()]++;
    atomic_store_explicit(&g_tab[nfd], s, memory_order_release);
    return nfd;
}

int braid_dup(int fd)
{
    bsock *s = bs_get(fd);
    if (!s)
        return dup(fd);
    int nfd = dup(fd);
    int rc = nfd < 0 ? -errno : name_too(s, nfd);
    bs_put(s);
    return rc < 0 ? fail(-rc) : rc;
}

/* dup2 / dup3 (three: dup3's rules). The system replaces newfd in one
 * step; the table follows under the world lock. When newfd was the last
 * descriptor of a braid socket, that socket is closed as by close(), after
 * the replacement, through a spare descriptor of it made first. */
static int dup_onto(int oldfd, int newfd, int flags, bool three)
{
    if (!bs_is_braid(oldfd) && !bs_is_braid(newfd))
        return three ? dup3(oldfd, newfd, flags) : dup2(oldfd, newfd);
    if (three && (oldfd == newfd || (flags & ~O_CLOEXEC)))
        return fail(EINVAL);
    if (oldfd == newfd) /* dup2: nothing to do when oldfd is open */
        return fcntl(oldfd, F_GETFD) < 0 ? -1 : newfd;
    if (newfd < 0 || newfd >= BRAID_API_MAX_FDS)
        return fail(EBADF);
    int spare = -1;
    bsock *t = bs_get(newfd);
    if (t) {
        bool last = t->nfd[fam_slot()] == 1;
        if (last) {
            int d = fcntl(newfd, F_DUPFD_CLOEXEC, 0);
            spare = d < 0 ? d : name_too(t, d);
        }
        bs_put(t);
        if (last && spare < 0) /* (no descriptor to spare: not in one step) */
            braid_close(newfd);
    }
    world_lock();
    bsock *s = atomic_load_explicit(&g_tab[oldfd], memory_order_relaxed);
    int rc = three ? dup3(oldfd, newfd, flags) : dup2(oldfd, newfd);
    int e = errno;
    if (rc >= 0) {
        t = atomic_load_explicit(&g_tab[newfd], memory_order_relaxed);
        if (t)
            unname(t, newfd);
        if (s && !s->closing) {
            s->nfd[fam_slot()]++;
            atomic_store_explicit(&g_tab[newfd], s, memory_order_release);
        }
    }
    world_unlock();
    if (spare >= 0)
        braid_close(spare);
    if (rc < 0)
        return fail(e);
    return rc;
}

int braid_dup2(int oldfd, int newfd)
{
    return dup_onto(oldfd, newfd, 0, false);
}

int braid_dup3(int oldfd, int newfd, int flags)
{
    return dup_onto(oldfd, newfd, flags, true);
}

#ifndef CLOSE_RANGE_UNSHARE
#define CLOSE_RANGE_UNSHARE 2
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC 4
#endif

int braid_close_range(unsigned first, unsigned last, int flags)
{
    if (first > last || (flags & ~(int)(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC)))
        return fail(EINVAL);
    if (!(flags & (int)CLOSE_RANGE_CLOEXEC)) {
        /* braid's sockets in the range end as by close(), then the system
         * closes the rest */
        unsigned end =
            last < (unsigned)BRAID_API_MAX_FDS - 1 ? last : (unsigned)BRAID_API_MAX_FDS - 1;
        for (unsigned fd = first; fd <= end; fd++)
            if (bs_is_braid((int)fd))
                braid_close((int)fd);
    }
    return close_range(first, last, flags);
}

/* ---- ioctl ---- */

int braid_ioctl(int fd, unsigned long request, ...)
{
    va_list ap;
    va_start(ap, request);
    void *arg = va_arg(ap, void *);
    va_end(ap);
    bsock *s = bs_get(fd);
    if (!s)
        return ioctl(fd, request, arg);
    int rc = 0;
    int v;
    switch (request) {
    case FIONREAD: /* SIOCINQ */
        /* as Linux (sctp_ioctl): ENOTCONN on a one-to-one listener; the
         * length of what the next read returns (one message or
         * notification, as much of it as is here), 0 when nothing is */
        if (s->type == SOCK_STREAM && s->listening) {
            rc = -ENOTCONN;
            break;
        }
        if (s->st->ep)
            world_pump(braid_now_ns());
        v = (int)msg_next_len(s);
        if (uaccess_write(arg, &v, sizeof v) < 0)
            rc = -EFAULT;
        break;
    case FIONBIO: /* the kernel's own (fs/ioctl.c), on the file: O_NONBLOCK */
        if (uaccess_read(&v, arg, sizeof v) < 0)
            rc = -EFAULT;
        else
            s->nonblock = v != 0;
        break;
    case TIOCOUTQ: /* SIOCOUTQ: Linux's SCTP has none (sock_do_ioctl: ENOTTY) */
        rc = -ENOTTY;
        break;
    default: /* FIOCLEX, FIONCLEX, FIOASYNC, interface ioctls: the descriptor's */
        rc = ioctl(fd, request, arg);
        if (rc < 0)
            rc = -errno;
        break;
    }
    bs_put(s);
    return rc < 0 ? fail(-rc) : rc;
}

int braid_getsockname(int fd, struct sockaddr *addr, socklen_t *len)
{
    bsock *s = bs_get(fd);
    if (!s)
        return getsockname(fd, addr, len);
    bstack *st = s->st;
    braid_addr a;
    memset(&a, 0, sizeof a);
    a.family = s->family == AF_INET6 ? 6 : 4;
    if (st->cfg.n_local_addrs)
        a = st->cfg.local_addrs[0];
    braid_assoc_status as;
    if ((s->type == SOCK_STREAM || s->peeled) && s->assoc && st->ep &&
        braid_assoc_status_get(st->ep, s->assoc, &as) == 0 && as.n_paths &&
        as.paths[as.primary].local.family) {
        /* as Linux: a connected socket names the address its association
         * uses (the primary path's), not the wildcard it was bound to */
        a = as.paths[as.primary].local;
    }
    struct sockaddr_storage ss;
    socklen_t n = addr_to_sockaddr(&a, st->cfg.local_port, s->family, &ss);
    bs_put(s);
    int rc = uaccess_sockaddr_out(addr, len, &ss, n); /* EFAULT, EINVAL as Linux */
    return rc < 0 ? fail(-rc) : 0;
}

int braid_getpeername(int fd, struct sockaddr *addr, socklen_t *len)
{
    bsock *s = bs_get(fd);
    if (!s)
        return getpeername(fd, addr, len);
    int rc = 0;
    bstack *st = s->st;
    braid_assoc_status as;
    if (rc == 0 &&
        (s->type != SOCK_STREAM || !s->assoc || !st->ep ||
         braid_assoc_status_get(st->ep, s->assoc, &as) < 0 || as.state < BRAID_STATE_ESTABLISHED))
        rc = -ENOTCONN;
    struct sockaddr_storage pa;
    socklen_t pl = sizeof pa;
    if (rc == 0)
        peer_sockaddr(st, s->assoc, s->family, (struct sockaddr *)&pa, &pl);
    bs_put(s);
    if (rc == 0) /* ENOTCONN first, then the address (Linux) */
        rc = uaccess_sockaddr_out(addr, len, &pa, pl);
    return rc < 0 ? fail(-rc) : 0;
}

/* ---- events from the core to sockets ---- */

/* As Linux (sctp_sf_do_5_1D_ce): COMM_UP, then the peer's adaptation
 * indication, then SCTP_AUTH_NO_AUTH. */
typedef struct auth_after {
    bsock *s;
    braid_assoc_id id;
} auth_after;

static void auth_flush(auth_after *aa)
{
    if (aa->s)
        note_no_auth(aa->s, aa->id);
    aa->s = NULL;
}

void stack_dispatch_events(bstack *st)
{
    braid_event ev;
    auth_after aa = {NULL, 0};
    while (braid_poll_event(st->ep, &ev)) {
        if (aa.s && !(ev.type == BRAID_EV_ADAPTATION && ev.assoc == aa.id))
            auth_flush(&aa);
        bsock *owner = stack_owner(st, ev.assoc);
        if (ev.type == BRAID_EV_ASSOC_CHANGE) {
            bool mine = false;
            for (bsock *s = st->socks; s; s = s->next_in_stack)
                if (s->assoc == ev.assoc && (s->type == SOCK_STREAM || s->peeled))
                    mine = true;
            switch (ev.u.assoc_change.state) {
            case BRAID_COMM_UP:
                if (!mine) {
                    /* a new association on a one-to-one listener: accept queue */
                    bsock *l = NULL;
                    for (bsock *s = st->socks; s; s = s->next_in_stack)
                        if (s->type == SOCK_STREAM && s->listening && !s->closing)
                            l = s;
                    if (l) {
                        /* as Linux (sk_acceptq_is_full): backlog + 1 wait
                         * for accept(); then new INITs and COOKIE ECHOs
                         * get an ABORT at once, so connect() fails rather
                         * than succeeding and being reset */
                        if (l->accept_count <= (unsigned)l->backlog &&
                            l->accept_count < BRAID_API_ACCEPTQ) {
                            l->acceptq[(l->accept_head + l->accept_count) % BRAID_API_ACCEPTQ] =
                                ev.assoc;
                            l->accept_count++;
                            if (l->accept_count > (unsigned)l->backlog ||
                                l->accept_count == BRAID_API_ACCEPTQ)
                                braid_endpoint_set_accept(st->ep, 0);
                            /* its COMM_UP (with the streams of now) waits
                             * on the listener with what follows it */
                            aa.s = note_from_event(st, &ev);
                            aa.id = ev.assoc;
                        } else {
                            braid_assoc_abort(st->ep, ev.assoc, NULL, 0, braid_now_ns());
                        }
                        braid_event_release(st->ep, &ev);
                        continue;
                    }
                    /* nobody would ever see it: refuse it, unless its
                     * socket was closed while it was being set up (a
                     * one-to-many send, then close): it was shut down
                     * then, and that shutdown delivers what was sent */
                    int state = braid_assoc_state_get(st->ep, ev.assoc);
                    if (!owner && state < (int)BRAID_STATE_SHUTDOWN_PENDING) {
                        braid_assoc_abort(st->ep, ev.assoc, NULL, 0, braid_now_ns());
                        braid_event_release(st->ep, &ev);
                        continue;
                    }
                }
                break;
            case BRAID_COMM_LOST:
            case BRAID_CANT_STR_ASSOC:
                if (owner && owner->assoc == ev.assoc) {
                    /* the errors Linux leaves in sk_err: the peer's ABORT
                     * resets (refuses, while connecting); our own ABORT
                     * (a cause code, no peer ABORT) aborts; else timeouts */
                    bool up = ev.u.assoc_change.state == BRAID_COMM_LOST;
                    if (ev.u.assoc_change.peer_abort)
                        owner->so_error = up ? ECONNRESET : ECONNREFUSED;
                    else if (up && ev.u.assoc_change.error)
                        owner->so_error = ECONNABORTED;
                    else
                        owner->so_error = ETIMEDOUT;
                    owner->eof = true;
                }
                break;
            case BRAID_SHUTDOWN_COMP:
                /* as Linux: reads end with 0 only where the peer shut down
                 * (RCV_SHUTDOWN, below); our own shutdown ends in ENOTCONN */
                if (owner && owner->assoc == ev.assoc) {
                    if (owner->peer_shut)
                        owner->eof = true;
                    else
                        owner->ended = true;
                }
                break;
            default: break;
            }
        }
        if (ev.type == BRAID_EV_SHUTDOWN && owner && owner->assoc == ev.assoc &&
            (owner->type == SOCK_STREAM || owner->peeled))
            owner->peer_shut = true; /* as Linux's RCV_SHUTDOWN: reads end with 0 */
        bsock *to = note_from_event(st, &ev);
        if (ev.type == BRAID_EV_ADAPTATION && aa.s && ev.assoc == aa.id)
            auth_flush(&aa);
        else if (ev.type == BRAID_EV_ASSOC_CHANGE && to &&
                 (ev.u.assoc_change.state == BRAID_COMM_UP ||
                  ev.u.assoc_change.state == BRAID_RESTART)) {
            aa.s = to;
            aa.id = ev.assoc;
        }
        braid_event_release(st->ep, &ev);
    }
    auth_flush(&aa);
}
