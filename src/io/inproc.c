/*
 * In-process transport: a process-wide registry of transports keyed by
 * (address, udp_port). A send copies the packet into the destination's queue;
 * an eventfd is readable while the queue is not empty. One mutex guards the
 * registry and every queue (lookups and appends happen under it, so a
 * transport closing in another thread is never written after it is gone).
 */
#define _GNU_SOURCE
#define BRAID_IO_INTERNAL
#include "io.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define EPHEMERAL_LO 49152u
#define EPHEMERAL_HI 65535u

typedef struct inproc_node {
    struct inproc_node *next;
    braid_path path;
    size_t len;
    uint8_t data[];
} inproc_node;

struct braid_io_inproc {
    braid_io_inproc *next; /* registry list */
    braid_io *io;
    int family;
    unsigned n; /* 0: the wildcard of family */
    braid_addr locals[BRAID_MAX_ADDRS];
    uint16_t port;
    int efd;
    inproc_node *head, *tail;
    unsigned count;
};

static pthread_mutex_t reg_mu = PTHREAD_MUTEX_INITIALIZER;
static braid_io_inproc *reg_head;
static unsigned next_ephemeral = EPHEMERAL_LO;

/* Would (family, locals[0..n), port) overlap entry e? */
static bool overlaps(const braid_io_inproc *e, int family, const braid_addr *locals, unsigned n,
                     uint16_t port)
{
    if (e->port != port)
        return false;
    if (e->n == 0 && n == 0)
        return e->family == family;
    if (e->n == 0) {
        for (unsigned i = 0; i < n; i++)
            if (locals[i].family == e->family)
                return true;
        return false;
    }
    if (n == 0) {
        for (unsigned i = 0; i < e->n; i++)
            if (e->locals[i].family == family)
                return true;
        return false;
    }
    for (unsigned i = 0; i < e->n; i++)
        for (unsigned j = 0; j < n; j++)
            if (braid_io_addr_eq(&e->locals[i], &locals[j]))
                return true;
    return false;
}

static bool in_use(int family, const braid_addr *locals, unsigned n, uint16_t port)
{
    for (const braid_io_inproc *e = reg_head; e; e = e->next)
        if (overlaps(e, family, locals, n, port))
            return true;
    return false;
}

/* The transport receiving packets for dst: an exact address first, then a
 * wildcard of the family. */
static braid_io_inproc *lookup(const braid_addr *dst)
{
    braid_io_inproc *wild = NULL;
    for (braid_io_inproc *e = reg_head; e; e = e->next) {
        if (e->port != dst->udp_port)
            continue;
        if (e->n == 0) {
            if (e->family == dst->family && !wild)
                wild = e;
            continue;
        }
        for (unsigned i = 0; i < e->n; i++)
            if (braid_io_addr_eq(&e->locals[i], dst))
                return e;
    }
    return wild;
}

int braid_io_inproc_open_(braid_io *io, int family, const braid_addr *locals, unsigned n,
                          uint16_t port)
{
    braid_io_inproc *ip = calloc(1, sizeof *ip);
    if (!ip)
        return -ENOMEM;
    ip->io = io;
    ip->family = family;
    ip->n = n;
    for (unsigned i = 0; i < n; i++) {
        ip->locals[i] = locals[i];
        if (locals[i].family == 4)
            memset(ip->locals[i].ip + 4, 0, 12);
    }
    ip->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (ip->efd < 0) {
        int e = -errno;
        free(ip);
        return braid_io_fail_(e, "eventfd: %s", strerror(-e));
    }
    pthread_mutex_lock(&reg_mu);
    int rc = 0;
    if (port == 0) {
        unsigned span = EPHEMERAL_HI - EPHEMERAL_LO + 1;
        rc = -EADDRINUSE;
        for (unsigned t = 0; t < span; t++) {
            uint16_t cand = (uint16_t)next_ephemeral;
            next_ephemeral = next_ephemeral >= EPHEMERAL_HI ? EPHEMERAL_LO : next_ephemeral + 1;
            if (!in_use(family, ip->locals, n, cand)) {
                port = cand;
                rc = 0;
                break;
            }
        }
    } else if (in_use(family, ip->locals, n, port)) {
        rc = -EADDRINUSE;
    }
    if (rc == 0) {
        ip->port = port;
        for (unsigned i = 0; i < n; i++)
            ip->locals[i].udp_port = port;
        ip->next = reg_head;
        reg_head = ip;
    }
    pthread_mutex_unlock(&reg_mu);
    if (rc < 0) {
        close(ip->efd);
        free(ip);
        return braid_io_fail_(rc, "inproc: port %u already in use for these addresses",
                              (unsigned)port);
    }
    io->inproc = ip;
    io->port = port;
    return 0;
}

void braid_io_inproc_close_(braid_io *io)
{
    braid_io_inproc *ip = io->inproc;
    if (!ip)
        return;
    pthread_mutex_lock(&reg_mu);
    for (braid_io_inproc **pp = &reg_head; *pp; pp = &(*pp)->next)
        if (*pp == ip) {
            *pp = ip->next;
            break;
        }
    pthread_mutex_unlock(&reg_mu);
    for (inproc_node *nd = ip->head, *nx; nd; nd = nx) {
        nx = nd->next;
        free(nd);
    }
    close(ip->efd);
    free(ip);
    io->inproc = NULL;
}

int braid_io_inproc_fd_(const braid_io *io)
{
    return io->inproc ? io->inproc->efd : -1;
}

static void efd_set(int fd)
{
    uint64_t one = 1;
    ssize_t r;
    do
        r = write(fd, &one, sizeof one);
    while (r < 0 && errno == EINTR);
}

static void efd_clear(int fd)
{
    uint64_t v;
    ssize_t r;
    do
        r = read(fd, &v, sizeof v);
    while (r < 0 && errno == EINTR);
}

/* Is src one of the sender's addresses (any address for a wildcard)? */
static bool source_ok(const braid_io_inproc *ip, const braid_addr *src)
{
    if (ip->n == 0)
        return true;
    for (unsigned i = 0; i < ip->n; i++)
        if (braid_io_addr_eq(&ip->locals[i], src))
            return true;
    return false;
}

/* The source address a packet to dst carries. */
static braid_addr source_for(const braid_io_inproc *ip, const braid_addr *src,
                             const braid_addr *dst)
{
    braid_addr a;
    memset(&a, 0, sizeof a);
    if (!braid_io_addr_is_any(src)) {
        a.family = src->family;
        memcpy(a.ip, src->ip, src->family == 6 ? 16 : 4);
    } else {
        const braid_addr *pick = NULL;
        for (unsigned i = 0; i < ip->n && !pick; i++)
            if (ip->locals[i].family == dst->family)
                pick = &ip->locals[i];
        if (!pick && ip->n)
            pick = &ip->locals[0];
        if (!pick) /* wildcard sender: same "host", so the destination's address */
            pick = dst;
        a.family = pick->family;
        memcpy(a.ip, pick->ip, pick->family == 6 ? 16 : 4);
    }
    a.udp_port = ip->port;
    return a;
}

int braid_io_inproc_send_(braid_io *io, const braid_io_pkt *pkts, unsigned n)
{
    braid_io_inproc *ip = io->inproc;
    unsigned done = 0;
    while (done < n) {
        unsigned m = n - done < BRAID_IO_BATCH ? n - done : BRAID_IO_BATCH;
        braid_io_pkt sent[BRAID_IO_BATCH];
        unsigned ns = 0;
        pthread_mutex_lock(&reg_mu);
        for (unsigned i = 0; i < m; i++) {
            const braid_io_pkt *p = &pkts[done + i];
            braid_addr dst = p->path.remote;
            if ((dst.family != 4 && dst.family != 6) || (!p->data && p->len) ||
                (!braid_io_addr_is_any(&p->path.local) && !source_ok(ip, &p->path.local))) {
                BRAID_IO_DROP(io, send_errors, "send_address", "%s",
                              "bad destination or source address");
                continue;
            }
            if (dst.family == 4)
                memset(dst.ip + 4, 0, 12);
            braid_io_inproc *to = lookup(&dst);
            if (!to || to->count >= BRAID_IO_INPROC_QUEUE) {
                BRAID_IO_DROP(io, drop_queue, "inproc_queue", "%s",
                              to ? "destination queue full" : "no transport at the destination");
                continue;
            }
            inproc_node *nd = malloc(sizeof *nd + p->len);
            if (!nd) {
                BRAID_IO_DROP(io, send_errors, "send_nomem", "%zu bytes", p->len);
                continue;
            }
            nd->next = NULL;
            nd->len = p->len;
            if (p->len)
                memcpy(nd->data, p->data, p->len);
            nd->path.local = dst;
            nd->path.remote = source_for(ip, &p->path.local, &dst);
            if (to->tail)
                to->tail->next = nd;
            else
                to->head = nd;
            to->tail = nd;
            if (to->count++ == 0)
                efd_set(to->efd);
            io->st.pkts_out++;
            io->st.bytes_out += p->len;
            sent[ns] = *p;
            sent[ns].path.local = nd->path.remote;
            sent[ns].path.remote = dst;
            ns++;
        }
        pthread_mutex_unlock(&reg_mu);
        if (ns)
            braid_io_trace_(io, true, sent, ns);
        done += m;
    }
    return (int)done;
}

int braid_io_inproc_recv_(braid_io *io, braid_io_pkt *pkts, unsigned n)
{
    braid_io_inproc *ip = io->inproc;
    unsigned out = 0;
    pthread_mutex_lock(&reg_mu);
    while (out < n && ip->head) {
        inproc_node *nd = ip->head;
        ip->head = nd->next;
        if (!ip->head)
            ip->tail = NULL;
        ip->count--;
        braid_io_pkt *p = &pkts[out];
        if (nd->len > p->cap || (nd->len && !p->data)) {
            BRAID_IO_DROP(io, drop_trunc, "trunc", "%zu bytes, buffer %zu", nd->len, p->cap);
        } else {
            if (nd->len)
                memcpy(p->data, nd->data, nd->len);
            p->len = nd->len;
            p->path = nd->path;
            p->seg = 0;
            io->st.pkts_in++;
            io->st.bytes_in += nd->len;
            out++;
        }
        free(nd);
    }
    if (ip->count == 0)
        efd_clear(ip->efd);
    pthread_mutex_unlock(&reg_mu);
    if (out)
        braid_io_trace_(io, false, pkts, out);
    return (int)out;
}
