/*
 * Socket transports (UDP per RFC 6951, and raw IP sharing the same batch
 * code) and the transport-independent entry points of io.h.
 */
#define _GNU_SOURCE
#define BRAID_IO_INTERNAL
#include "io.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <linux/errqueue.h>
#include <netinet/udp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "pcap.h"

/* ---- errors ---- */

static _Thread_local int last_err;
static _Thread_local char last_msg[256];
static _Thread_local char err_buf[320];

int braid_io_fail_(int err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_msg, sizeof last_msg, fmt, ap);
    va_end(ap);
    last_err = err;
    return err;
}

const char *braid_io_strerror(int err)
{
    if (err == 0)
        return "success";
    if (err == last_err && last_msg[0])
        return last_msg;
    char tmp[128];
    const char *s = strerror_r(err < 0 ? -err : err, tmp, sizeof tmp);
    snprintf(err_buf, sizeof err_buf, "%s", s ? s : "unknown error");
    return err_buf;
}

/* ---- addresses ---- */

bool braid_io_addr_is_any(const braid_addr *a)
{
    if (a->family != 4 && a->family != 6)
        return true;
    size_t n = a->family == 6 ? 16 : 4;
    for (size_t i = 0; i < n; i++)
        if (a->ip[i])
            return false;
    return true;
}

bool braid_io_addr_eq(const braid_addr *a, const braid_addr *b)
{
    if (a->family != b->family)
        return false;
    return memcmp(a->ip, b->ip, a->family == 6 ? 16 : 4) == 0;
}

static const uint8_t v4mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

/* IPv6 bytes to an address, unmapping ::ffff:a.b.c.d. */
static void addr_from6(braid_addr *a, const uint8_t ip[16], uint16_t port)
{
    memset(a, 0, sizeof *a);
    if (memcmp(ip, v4mapped_prefix, 12) == 0) {
        a->family = 4;
        memcpy(a->ip, ip + 12, 4);
    } else {
        a->family = 6;
        memcpy(a->ip, ip, 16);
    }
    a->udp_port = port;
}

static void addr_from4(braid_addr *a, const void *ip4, uint16_t port)
{
    memset(a, 0, sizeof *a);
    a->family = 4;
    memcpy(a->ip, ip4, 4);
    a->udp_port = port;
}

static bool addr_from_sa(braid_addr *a, const struct sockaddr_storage *ss, socklen_t len)
{
    if (ss->ss_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;
        addr_from4(a, &s4->sin_addr, ntohs(s4->sin_port));
        return true;
    }
    if (ss->ss_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;
        addr_from6(a, s6->sin6_addr.s6_addr, ntohs(s6->sin6_port));
        return true;
    }
    memset(a, 0, sizeof *a);
    return false;
}

/* The sockaddr for a on socket s (IPv4 through a dual-stack IPv6 socket is
 * mapped); 0 if a cannot go through s. */
static socklen_t sa_for(const braid_io_sock *s, const braid_addr *a, uint16_t port,
                        struct sockaddr_storage *ss)
{
    memset(ss, 0, sizeof *ss);
    if (s->family == 4) {
        if (a->family != 4)
            return 0;
        struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
        s4->sin_family = AF_INET;
        s4->sin_port = htons(port);
        memcpy(&s4->sin_addr, a->ip, 4);
        return sizeof *s4;
    }
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons(port);
    if (a->family == 6) {
        memcpy(s6->sin6_addr.s6_addr, a->ip, 16);
    } else if (a->family == 4 && s->dual) {
        memcpy(s6->sin6_addr.s6_addr, v4mapped_prefix, 12);
        memcpy(s6->sin6_addr.s6_addr + 12, a->ip, 4);
    } else {
        return 0;
    }
    return sizeof *s6;
}

/* ---- socket setup ---- */

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103 /* Linux 4.18 */
#endif
#ifndef UDP_GRO
#define UDP_GRO 104 /* Linux 5.0 */
#endif
#define CTL_SPACE                                                                                  \
    (CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(struct in_pktinfo)) +              \
     CMSG_SPACE(sizeof(int)))
/* UDP GSO: most datagrams one send hands the kernel to cut (its
 * UDP_MAX_SEGMENTS is 64 or more), and most bytes (IPv4's UDP limit) */
#define GSO_MAX_SEGS 64
#define GSO_MAX_BYTES 65000

struct braid_io_scratch {
    struct mmsghdr msg[BRAID_IO_BATCH];
    struct sockaddr_storage name[BRAID_IO_BATCH];
    union {
        char buf[CTL_SPACE];
        struct cmsghdr align;
    } ctl[BRAID_IO_BATCH];
    uint8_t iphdr[BRAID_IO_BATCH][20];
    struct iovec giov[BRAID_IO_BATCH]; /* send: one per packet */
    unsigned gcount[BRAID_IO_BATCH];   /* send: packets of each message */
    /* receive headers, kept between calls: only what a call changes is
     * written again (setting up 32 headers from scratch cost more than
     * the packets of a typical call) */
    struct mmsghdr rmsg[BRAID_IO_BATCH];
    struct iovec riov[BRAID_IO_BATCH][2];
    struct sockaddr_storage rname[BRAID_IO_BATCH];
    union {
        char buf[CTL_SPACE];
        struct cmsghdr align;
    } rctl[BRAID_IO_BATCH];
    unsigned rused; /* headers the last receive filled (to be reset) */
    int rsock;      /* the socket and layout they are set up for */
    bool rraw4, rctl_on;
};

static int set_int(int fd, int level, int opt, int v)
{
    return setsockopt(fd, level, opt, &v, sizeof v) == 0 ? 0 : -errno;
}

static const char *fam_name(int family)
{
    return family == 6 ? "IPv6" : "IPv4";
}

/* Opens, configures and binds one socket; 0 or a negative errno. */
static int sock_setup(braid_io *io, braid_io_sock *s, uint16_t port, bool v6only)
{
    bool raw = io->kind == BRAID_IO_RAW;
    int dom = s->family == 6 ? AF_INET6 : AF_INET;
    int fd;
    if (raw) {
        fd = braid_io_raw_socket_(s->family);
        if (fd < 0)
            return fd;
    } else {
        fd = socket(dom, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            int e = -errno;
            return braid_io_fail_(e, "socket(%s, UDP): %s", fam_name(s->family), strerror(-e));
        }
    }
    s->fd = fd;
    int rc = 0;
    if (s->family == 6 && !raw) /* (raw IPv6 sockets never carry IPv4; EINVAL there) */
        rc = set_int(fd, IPPROTO_IPV6, IPV6_V6ONLY, v6only ? 1 : 0);
    if (rc == 0 && s->pktinfo) {
        if (s->family == 6)
            rc = set_int(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1);
        else if (!raw) /* raw IPv4: the IP header names the local address */
            rc = set_int(fd, IPPROTO_IP, IP_PKTINFO, 1);
    }
    if (rc < 0)
        return braid_io_fail_(rc, "setsockopt on %s socket: %s", fam_name(s->family),
                              strerror(-rc));
    if (!raw) {
        /* ICMP errors about our datagrams to the error queue (RFC 9260
         * Appendix C, RFC 6951 §5.5); IPv4 ones reaching a dual-stack
         * socket follow IP_RECVERR. Best effort: without them, SCTP's
         * timers still find an unreachable peer. */
        if (s->family == 4 || s->dual)
            set_int(fd, IPPROTO_IP, IP_RECVERR, 1);
        if (s->family == 6)
            set_int(fd, IPPROTO_IPV6, IPV6_RECVERR, 1);
    }
    if (raw && braid_io_addr_is_any(&s->bound))
        return 0; /* a raw socket needs no bind */
    if (io->reuseport && (rc = set_int(fd, SOL_SOCKET, SO_REUSEPORT, 1)) < 0)
        return braid_io_fail_(rc, "setsockopt(SO_REUSEPORT) on %s socket: %s", fam_name(s->family),
                              strerror(-rc));
    struct sockaddr_storage ss;
    socklen_t sl;
    if (braid_io_addr_is_any(&s->bound)) {
        braid_addr any = {.family = (uint8_t)s->family};
        sl = sa_for(s, &any, raw ? 0 : port, &ss);
    } else {
        sl = sa_for(s, &s->bound, raw ? 0 : port, &ss);
    }
    if (bind(fd, (struct sockaddr *)&ss, sl) != 0) {
        int e = -errno;
        char a[INET6_ADDRSTRLEN] = "wildcard";
        if (!braid_io_addr_is_any(&s->bound))
            inet_ntop(s->family == 6 ? AF_INET6 : AF_INET, s->bound.ip, a, sizeof a);
        return braid_io_fail_(e, "bind(%s %s, port %u): %s", fam_name(s->family), a, (unsigned)port,
                              strerror(-e));
    }
    return 0;
}

static void socks_close(braid_io *io)
{
    for (unsigned i = 0; i < io->nsock; i++)
        if (io->sk[i].fd >= 0) {
            close(io->sk[i].fd);
            io->sk[i].fd = -1;
        }
}

int braid_io_sock_open_(braid_io *io, const braid_addr *locals, unsigned n, uint16_t port)
{
    bool raw = io->kind == BRAID_IO_RAW;
    unsigned n4 = 0, n6 = 0;
    const braid_addr *one4 = NULL, *one6 = NULL;
    for (unsigned i = 0; i < n; i++) {
        if (locals[i].family == 4)
            n4++, one4 = &locals[i];
        else
            n6++, one6 = &locals[i];
    }
    io->nsock = 0;
    io->sk[0].fd = io->sk[1].fd = -1;
    if (n == 0) {
        braid_io_sock *s = &io->sk[io->nsock++];
        memset(&s->bound, 0, sizeof s->bound);
        s->fd = -1;
        s->family = io->family;
        s->pktinfo = true;
        s->dual = io->family == 6 && !raw;
    } else {
        if (n4) {
            braid_io_sock *s = &io->sk[io->nsock++];
            s->fd = -1;
            s->family = 4;
            s->pktinfo = n4 > 1;
            s->dual = false;
            memset(&s->bound, 0, sizeof s->bound);
            if (n4 == 1)
                s->bound = *one4;
        }
        if (n6) {
            braid_io_sock *s = &io->sk[io->nsock++];
            s->fd = -1;
            s->family = 6;
            s->pktinfo = n6 > 1;
            s->dual = false;
            memset(&s->bound, 0, sizeof s->bound);
            if (n6 == 1)
                s->bound = *one6;
        }
    }
    for (unsigned i = 0; i < io->nsock; i++)
        io->sk[i].bound.udp_port = 0;

    /* With port 0 and two sockets, the second may find the first's
     * ephemeral port taken in its family: try again with another. */
    int rc = 0;
    for (int attempt = 0; attempt < 16; attempt++) {
        uint16_t p = port;
        rc = 0;
        for (unsigned i = 0; i < io->nsock && rc == 0; i++) {
            braid_io_sock *s = &io->sk[i];
            rc = sock_setup(io, s, p, !s->dual);
            if (rc == 0 && !raw && p == 0) {
                struct sockaddr_storage ss;
                socklen_t sl = sizeof ss;
                if (getsockname(s->fd, (struct sockaddr *)&ss, &sl) != 0) {
                    rc = braid_io_fail_(-errno, "getsockname: %s", strerror(errno));
                } else {
                    braid_addr a;
                    addr_from_sa(&a, &ss, sl);
                    p = a.udp_port;
                }
            }
        }
        if (rc == 0) {
            io->port = raw ? 0 : p;
            break;
        }
        socks_close(io);
        if (!(rc == -EADDRINUSE && port == 0 && io->nsock > 1))
            break;
    }
    if (rc < 0)
        return rc;
    io->scratch = calloc(1, sizeof *io->scratch);
    if (!io->scratch) {
        socks_close(io);
        return -ENOMEM;
    }
    io->scratch->rsock = -1;
    return 0;
}

void braid_io_sock_close_(braid_io *io)
{
    socks_close(io);
    free(io->scratch);
    io->scratch = NULL;
}

/* ---- the kernel's error queue (IP_RECVERR) ---- */

static bool raw_any(const braid_io *io)
{
    return io->kind == BRAID_IO_RAW;
}

/* Errors after which the kernel error queue may hold reports (an ICMP
 * error also sets the socket's pending error, which the next receive or
 * send returns: its report is in the queue). */
static bool errq_hint(int e)
{
    return e == ECONNREFUSED || e == EHOSTUNREACH || e == ENETUNREACH || e == EHOSTDOWN ||
           e == ENONET || e == EMSGSIZE || e == ENOPROTOOPT || e == EPROTO || e == EACCES ||
           e == EPERM || e == ETIMEDOUT || e == EOPNOTSUPP || e == ENETDOWN;
}

unsigned braid_io_sock_drain_errq_(braid_io *io, braid_io_sock *s)
{
    unsigned icmp = 0;
    /* bounded: what a burst left; the rest waits for the next look */
    for (int i = 0; i < 4 * BRAID_IO_ERR_QUEUE; i++) {
        braid_io_err e;
        memset(&e, 0, sizeof e);
        struct sockaddr_storage name;
        union {
            char buf[512];
            struct cmsghdr align;
        } ctl;
        struct iovec iov = {e.quoted, sizeof e.quoted};
        struct msghdr mh;
        memset(&mh, 0, sizeof mh);
        mh.msg_name = &name;
        mh.msg_namelen = sizeof name;
        mh.msg_iov = &iov;
        mh.msg_iovlen = 1;
        mh.msg_control = ctl.buf;
        mh.msg_controllen = sizeof ctl.buf;
        ssize_t r = recvmsg(s->fd, &mh, MSG_ERRQUEUE | MSG_DONTWAIT);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        const struct sock_extended_err *ee = NULL;
        struct sock_extended_err eebuf;
        struct sockaddr_storage off;
        memset(&off, 0, sizeof off);
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
            bool v4 = c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_RECVERR;
            bool v6 = c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_RECVERR;
            if ((v4 || v6) && c->cmsg_len >= CMSG_LEN(sizeof eebuf)) {
                memcpy(&eebuf, CMSG_DATA(c), sizeof eebuf);
                ee = &eebuf;
                /* SO_EE_OFFENDER: the sockaddr right after the structure */
                size_t have = c->cmsg_len - CMSG_LEN(sizeof eebuf);
                size_t want = v6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
                if (have >= want)
                    memcpy(&off, CMSG_DATA(c) + sizeof eebuf, want);
            }
        }
        if (!ee)
            continue;
        e.len = (size_t)r < sizeof e.quoted ? (size_t)r : sizeof e.quoted;
        e.err = (int)ee->ee_errno;
        e.type = ee->ee_type;
        e.code = ee->ee_code;
        e.info = ee->ee_info;
        if (ee->ee_origin == SO_EE_ORIGIN_ICMP)
            e.origin = BRAID_IO_ERR_ICMP;
        else if (ee->ee_origin == SO_EE_ORIGIN_ICMP6)
            e.origin = BRAID_IO_ERR_ICMP6;
        else if (ee->ee_origin == SO_EE_ORIGIN_LOCAL)
            e.origin = BRAID_IO_ERR_LOCAL;
        else
            continue; /* timestamps, zero-copy notices: not ours */
        addr_from_sa(&e.path.remote, &name, mh.msg_namelen);
        if (e.origin != BRAID_IO_ERR_LOCAL)
            addr_from_sa(&e.offender, &off, sizeof off);
        e.offender.udp_port = 0;
        uint16_t lport = io->port;
        if (!braid_io_addr_is_any(&s->bound)) {
            e.path.local = s->bound;
            e.path.local.udp_port = lport;
        } else {
            e.path.local.udp_port = lport;
        }
        if (e.origin != BRAID_IO_ERR_LOCAL)
            icmp++;
        braid_io_errq_push_(io, &e);
    }
    return icmp;
}

/* A packet the OS refused at once for want of a route: reported like an
 * ICMP error (origin LOCAL), quoting the packet. */
static void errq_local(braid_io *io, const braid_io_pkt *p, int e)
{
    if (!(e == ENETUNREACH || e == EHOSTUNREACH || e == EHOSTDOWN || e == ENONET))
        return;
    braid_io_err r;
    memset(&r, 0, sizeof r);
    r.origin = BRAID_IO_ERR_LOCAL;
    r.err = e;
    r.path = p->path;
    r.path.local.udp_port = io->port;
    r.len = p->len < sizeof r.quoted ? p->len : sizeof r.quoted;
    if (r.len)
        memcpy(r.quoted, p->data, r.len);
    braid_io_errq_push_(io, &r);
}

/* ---- receive ---- */

/* The local address from IP_PKTINFO / IPV6_PKTINFO, if present. */
static bool local_from_cmsg(struct msghdr *mh, braid_addr *local, uint16_t port)
{
    if (mh->msg_flags & MSG_CTRUNC)
        return false;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
        if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO &&
            c->cmsg_len >= CMSG_LEN(sizeof(struct in6_pktinfo))) {
            struct in6_pktinfo pi;
            memcpy(&pi, CMSG_DATA(c), sizeof pi);
            addr_from6(local, pi.ipi6_addr.s6_addr, port);
            return true;
        }
        if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO &&
            c->cmsg_len >= CMSG_LEN(sizeof(struct in_pktinfo))) {
            struct in_pktinfo pi;
            memcpy(&pi, CMSG_DATA(c), sizeof pi);
            addr_from4(local, &pi.ipi_addr, port);
            return true;
        }
    }
    return false;
}

/* Receives from one socket into pkts[0..n); returns how many are delivered
 * (dense) or a negative errno if none. */
/* UDP GRO: the size of the datagrams a received train holds; 0 if it is
 * a single one. */
static size_t gro_seg(struct msghdr *mh, size_t len)
{
    for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
        if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_GRO &&
            c->cmsg_len >= CMSG_LEN(sizeof(int))) {
            int v;
            memcpy(&v, CMSG_DATA(c), sizeof v);
            return v > 0 && (size_t)v < len ? (size_t)v : 0;
        }
    }
    return 0;
}

static int sock_recv(braid_io *io, braid_io_sock *s, braid_io_pkt *pkts, unsigned n)
{
    braid_io_scratch *sc = io->scratch;
    bool raw4 = io->kind == BRAID_IO_RAW && s->family == 4;
    bool want_ctl = s->pktinfo || s->dual || s->gro;
    bool errq_tried = false;
    unsigned out = 0;
    while (out < n) {
        unsigned base = out;
        unsigned m = n - out < BRAID_IO_BATCH ? n - out : BRAID_IO_BATCH;
        /* a header still set up from an earlier call (same socket, same
         * buffer, not filled since) is left as it is */
        bool same = sc->rsock == s->fd && sc->rraw4 == raw4 && sc->rctl_on == want_ctl;
        sc->rsock = s->fd;
        sc->rraw4 = raw4;
        sc->rctl_on = want_ctl;
        unsigned kd = raw4 ? 1 : 0;
        unsigned dirty = same ? sc->rused : m; /* filled last time: set up again */
        for (unsigned i = 0; i < m; i++) {
            braid_io_pkt *p = &pkts[base + i];
            if (i >= dirty && sc->riov[i][kd].iov_base == p->data &&
                sc->riov[i][kd].iov_len == p->cap)
                continue;
            struct msghdr *mh = &sc->rmsg[i].msg_hdr;
            unsigned k = 0;
            if (raw4) {
                sc->riov[i][k].iov_base = sc->iphdr[i];
                sc->riov[i][k++].iov_len = 20;
            }
            sc->riov[i][k].iov_base = p->data;
            sc->riov[i][k++].iov_len = p->data ? p->cap : 0;
            mh->msg_iov = sc->riov[i];
            mh->msg_iovlen = k;
            mh->msg_name = &sc->rname[i];
            mh->msg_namelen = sizeof sc->rname[i];
            mh->msg_control = want_ctl ? sc->rctl[i].buf : NULL;
            mh->msg_controllen = want_ctl ? sizeof sc->rctl[i].buf : 0;
        }
        int r;
        do
            r = recvmmsg(s->fd, sc->rmsg, m, MSG_DONTWAIT, NULL);
        while (r < 0 && errno == EINTR);
        if (r < 0) {
            int e = errno;
            if (e == EAGAIN || e == EWOULDBLOCK)
                break;
            if (!raw_any(io) && errq_hint(e) && !errq_tried) {
                /* the socket's pending error: an ICMP report is queued */
                errq_tried = true;
                braid_io_sock_drain_errq_(io, s);
                continue;
            }
            if (out > 0)
                break;
            return braid_io_fail_(-e, "recvmmsg: %s", strerror(e));
        }
        unsigned got = (unsigned)r;
        sc->rused = got;
        for (unsigned i = 0; i < got; i++) {
            struct msghdr *mh = &sc->rmsg[i].msg_hdr;
            braid_io_pkt *p = &pkts[base + i];
            size_t len = sc->rmsg[i].msg_len;
            if (mh->msg_flags & MSG_TRUNC) {
                BRAID_IO_DROP(io, drop_trunc, "trunc", "datagram larger than the %zu-byte buffer",
                              p->cap);
                continue;
            }
            braid_path path;
            memset(&path, 0, sizeof path);
            if (raw4) {
                if (len < 20) {
                    BRAID_IO_DROP(io, drop_trunc, "ip_header", "%zu bytes, no IPv4 header", len);
                    continue;
                }
                if (!braid_io_raw_strip4_(p, sc->iphdr[i], len - 20)) {
                    BRAID_IO_DROP(io, drop_trunc, "ip_header", "%zu bytes, bad IPv4 header", len);
                    continue;
                }
                len = p->len;
                path = p->path;
            } else {
                uint16_t lport = io->kind == BRAID_IO_RAW ? 0 : io->port;
                addr_from_sa(&path.remote, &sc->rname[i], mh->msg_namelen);
                if (io->kind == BRAID_IO_RAW)
                    path.remote.udp_port = 0;
                if (!braid_io_addr_is_any(&s->bound)) {
                    path.local = s->bound;
                    path.local.udp_port = lport;
                } else if (!(want_ctl && local_from_cmsg(mh, &path.local, lport))) {
                    /* no pktinfo: the wildcard of the sender's family */
                    path.local.family =
                        path.remote.family ? path.remote.family : (uint8_t)s->family;
                    path.local.udp_port = lport;
                }
            }
            braid_io_pkt *d = &pkts[out];
            if (d != p) {
                if (d->cap >= len) {
                    if (len)
                        memcpy(d->data, p->data, len);
                } else {
                    uint8_t *td = d->data;
                    size_t tc = d->cap;
                    d->data = p->data, d->cap = p->cap;
                    p->data = td, p->cap = tc;
                }
            }
            d->len = len;
            d->path = path;
            d->seg = s->gro ? gro_seg(mh, len) : 0;
            io->st.pkts_in += d->seg ? (len + d->seg - 1) / d->seg : 1;
            io->st.bytes_in += len;
            out++;
        }
        if (got < m)
            break;
    }
    return (int)out;
}

int braid_io_sock_recv_(braid_io *io, braid_io_pkt *pkts, unsigned n)
{
    unsigned out = 0;
    int first_err = 0;
    for (unsigned k = 0; k < io->nsock && out < n; k++) {
        unsigned i = (io->next_sock + k) % io->nsock;
        int r = sock_recv(io, &io->sk[i], pkts + out, n - out);
        if (r < 0) {
            if (!first_err)
                first_err = r;
            continue;
        }
        out += (unsigned)r;
    }
    if (io->nsock)
        io->next_sock = (io->next_sock + 1) % io->nsock;
    if (out == 0 && first_err)
        return first_err;
    return (int)out;
}

/* ---- send ---- */

static braid_io_sock *sock_for(braid_io *io, const braid_addr *remote)
{
    for (unsigned i = 0; i < io->nsock; i++)
        if (io->sk[i].family == remote->family)
            return &io->sk[i];
    for (unsigned i = 0; i < io->nsock; i++)
        if (io->sk[i].dual && remote->family == 4)
            return &io->sk[i];
    return NULL;
}

/* Adds the source address cmsg to msg i when the socket is a wildcard. */
static void set_src(braid_io_scratch *sc, unsigned i, const braid_io_sock *s,
                    const braid_addr *local)
{
    struct msghdr *mh = &sc->msg[i].msg_hdr;
    if (!braid_io_addr_is_any(&s->bound) || braid_io_addr_is_any(local))
        return;
    char *buf = sc->ctl[i].buf;
    memset(buf, 0, sizeof sc->ctl[i].buf);
    mh->msg_control = buf;
    struct cmsghdr *c = &sc->ctl[i].align;
    if (s->family == 4 && local->family == 4) {
        struct in_pktinfo pi;
        memset(&pi, 0, sizeof pi);
        memcpy(&pi.ipi_spec_dst, local->ip, 4);
        mh->msg_controllen = CMSG_SPACE(sizeof pi);
        c->cmsg_level = IPPROTO_IP;
        c->cmsg_type = IP_PKTINFO;
        c->cmsg_len = CMSG_LEN(sizeof pi);
        memcpy(CMSG_DATA(c), &pi, sizeof pi);
    } else if (s->family == 6 && (local->family == 6 || s->dual)) {
        struct in6_pktinfo pi;
        memset(&pi, 0, sizeof pi);
        if (local->family == 6) {
            memcpy(pi.ipi6_addr.s6_addr, local->ip, 16);
        } else {
            memcpy(pi.ipi6_addr.s6_addr, v4mapped_prefix, 12);
            memcpy(pi.ipi6_addr.s6_addr + 12, local->ip, 4);
        }
        mh->msg_controllen = CMSG_SPACE(sizeof pi);
        c->cmsg_level = IPPROTO_IPV6;
        c->cmsg_type = IPV6_PKTINFO;
        c->cmsg_len = CMSG_LEN(sizeof pi);
        memcpy(CMSG_DATA(c), &pi, sizeof pi);
    } else {
        mh->msg_control = NULL;
    }
}

/* Errors that say the transport itself is unusable. */
static bool hard_error(int e)
{
    return e == EBADF || e == ENOTSOCK || e == EFAULT || e == EOPNOTSUPP;
}

/* For pcap: the packet with the source the socket really used, when known. */
static void fix_trace_src(const braid_io *io, const braid_io_sock *s, braid_io_pkt *t,
                          const braid_io_pkt *p)
{
    *t = *p;
    if (!braid_io_addr_is_any(&s->bound))
        t->path.local = s->bound;
    else if (braid_io_addr_is_any(&t->path.local) && io->kind != BRAID_IO_RAW) {
        /* the kernel picked the source: the one its routing gives */
        braid_addr src;
        if (braid_io_route_src(&t->path.remote, &src) == 0)
            t->path.local = src;
    }
    t->path.local.udp_port = io->port;
    if (t->path.local.family != t->path.remote.family) {
        /* unknown (or mismatched) source: the unspecified address */
        memset(&t->path.local, 0, sizeof t->path.local);
        t->path.local.family = t->path.remote.family;
        t->path.local.udp_port = io->port;
    }
    if (io->kind == BRAID_IO_RAW)
        t->path.local.udp_port = t->path.remote.udp_port = 0;
}

static void account_sent(braid_io *io, const braid_io_sock *s, const braid_io_pkt *pkts, unsigned n)
{
    braid_io_pkt t[BRAID_IO_BATCH];
    for (unsigned i = 0; i < n; i++) {
        io->st.pkts_out++;
        io->st.bytes_out += pkts[i].len;
    }
    if (!braid_io_tracing_(io))
        return;
    for (unsigned i = 0; i < n; i++)
        fix_trace_src(io, s, &t[i], &pkts[i]);
    braid_io_trace_(io, true, t, n);
}

/* Whether q may ride in the same GSO send as the packets first..prev (same
 * socket already checked): same addresses, first's size, only the last one
 * shorter, within the kernel's limits. */
static bool gso_joins(const braid_io_pkt *first, const braid_io_pkt *prev, const braid_io_pkt *q,
                      unsigned count, size_t bytes)
{
    return count < GSO_MAX_SEGS && bytes + q->len <= GSO_MAX_BYTES && prev->len == first->len &&
           q->len <= first->len && q->len > 0 && q->data &&
           braid_io_addr_eq(&q->path.remote, &first->path.remote) &&
           q->path.remote.udp_port == first->path.remote.udp_port &&
           braid_io_addr_eq(&q->path.local, &first->path.local);
}

/* Adds a UDP_SEGMENT control message to message m (after any pktinfo). */
static void add_gso(braid_io_scratch *sc, unsigned m, uint16_t seg)
{
    struct msghdr *mh = &sc->msg[m].msg_hdr;
    char *buf = sc->ctl[m].buf;
    if (!mh->msg_control) {
        memset(buf, 0, sizeof sc->ctl[m].buf);
        mh->msg_control = buf;
        mh->msg_controllen = 0;
    }
    struct cmsghdr *c = (struct cmsghdr *)(void *)(buf + mh->msg_controllen);
    c->cmsg_level = SOL_UDP;
    c->cmsg_type = UDP_SEGMENT;
    c->cmsg_len = CMSG_LEN(sizeof seg);
    memcpy(CMSG_DATA(c), &seg, sizeof seg);
    mh->msg_controllen += CMSG_SPACE(sizeof seg);
}

int braid_io_sock_send_(braid_io *io, const braid_io_pkt *pkts, unsigned n)
{
    braid_io_scratch *sc = io->scratch;
    bool raw = io->kind == BRAID_IO_RAW;
    unsigned done = 0, retried = 0; /* retried: 1 + the packet sent again after a pending error */
    while (done < n) {
        braid_io_sock *s = sock_for(io, &pkts[done].path.remote);
        if (!s || (!pkts[done].data && pkts[done].len)) {
            BRAID_IO_DROP(io, send_errors, "send_no_socket", "%s",
                          s ? "no data" : "no socket of the destination's family");
            done++;
            continue;
        }
        bool gso = !raw && !s->no_gso;
        unsigned m = 0, k = 0; /* messages, packets in them */
        while (done + k < n && m < BRAID_IO_BATCH && k < BRAID_IO_BATCH) {
            const braid_io_pkt *p = &pkts[done + k];
            if (sock_for(io, &p->path.remote) != s || (!p->data && p->len))
                break;
            struct msghdr *mh = &sc->msg[m].msg_hdr;
            memset(mh, 0, sizeof *mh);
            socklen_t sl =
                sa_for(s, &p->path.remote, raw ? 0 : p->path.remote.udp_port, &sc->name[m]);
            if (sl == 0)
                break;
            mh->msg_name = &sc->name[m];
            mh->msg_namelen = sl;
            set_src(sc, m, s, &p->path.local);
            /* RFC 6951 packets of one size to one peer: one datagram each,
             * cut by the kernel (UDP GSO) instead of one trip each */
            unsigned cnt = 1;
            size_t bytes = p->len;
            sc->giov[k].iov_base = p->data;
            sc->giov[k].iov_len = p->len;
            while (gso && done + k + cnt < n && k + cnt < BRAID_IO_BATCH &&
                   gso_joins(p, &pkts[done + k + cnt - 1], &pkts[done + k + cnt], cnt, bytes)) {
                const braid_io_pkt *q = &pkts[done + k + cnt];
                sc->giov[k + cnt].iov_base = q->data;
                sc->giov[k + cnt].iov_len = q->len;
                bytes += q->len;
                cnt++;
            }
            mh->msg_iov = &sc->giov[k];
            mh->msg_iovlen = cnt;
            if (cnt > 1)
                add_gso(sc, m, (uint16_t)p->len);
            sc->gcount[m] = cnt;
            k += cnt;
            m++;
        }
        if (m == 0) { /* the first cannot be addressed through s */
            BRAID_IO_DROP(io, send_errors, "send_address", "%s",
                          "destination not addressable through the socket");
            done++;
            continue;
        }
        int r;
        do
            r = sendmmsg(s->fd, sc->msg, m, MSG_DONTWAIT);
        while (r < 0 && errno == EINTR);
        if (r >= 0 && (unsigned)r < m && !raw)
            braid_io_sock_drain_errq_(io, s); /* a later message may have met an error */
        if (r < 0) {
            int e = errno;
            if (e == EAGAIN || e == EWOULDBLOCK || e == ENOMEM)
                break;
            if (!raw && !hard_error(e) && errq_hint(e)) {
                /* An ICMP error about an earlier datagram is returned by the
                 * next send (the socket's pending error) and this packet
                 * did not leave: its reports are read and it goes again,
                 * once. Otherwise the error is this packet's own. */
                if (braid_io_sock_drain_errq_(io, s) > 0 && retried != done + 1) {
                    retried = done + 1;
                    continue;
                }
            }
            if (hard_error(e)) {
                if (done > 0)
                    break;
                return braid_io_fail_(-e, "sendmmsg: %s", strerror(e));
            }
            if (sc->gcount[0] > 1 && (e == EIO || e == EINVAL || e == ENOPROTOOPT)) {
                /* the route's device cannot cut UDP (no checksum offload):
                 * one datagram per packet from now on */
                s->no_gso = true;
                braid_io_fail_(-e, "UDP GSO refused (%s): sending packet by packet", strerror(e));
                continue;
            }
            /* this packet is refused (EMSGSIZE, unreachable, bad source...) */
            braid_io_fail_(-e, "sendmmsg: packet dropped: %s", strerror(e));
            if (!raw)
                errq_local(io, &pkts[done], e);
            io->st.send_errors += sc->gcount[0];
            if (braid_io_log_level() >= BRAID_LOG_DEBUG) {
                char to[80];
                braid_io_addr_str(&pkts[done].path.remote, to, sizeof to);
                braid_io_drop_log_(io, "send_refused", "send_errors", "%u packets to %s: %s",
                                   sc->gcount[0], to, strerror(e));
            }
            done += sc->gcount[0];
            continue;
        }
        if (r == 0) /* should not happen; avoid spinning */
            break;
        unsigned sent = 0;
        for (int i = 0; i < r; i++)
            sent += sc->gcount[i];
        account_sent(io, s, pkts + done, sent);
        done += sent;
    }
    return (int)done;
}

/* ---- the transport-independent entry points ---- */

int braid_io_open(braid_io **out, braid_io_kind kind, int family, const braid_addr *locals,
                  unsigned n, uint16_t udp_port)
{
    return braid_io_open_ex(out, kind, family, locals, n, udp_port, 0);
}

int braid_io_open_ex(braid_io **out, braid_io_kind kind, int family, const braid_addr *locals,
                     unsigned n, uint16_t udp_port, unsigned flags)
{
    if (!out)
        return -EINVAL;
    *out = NULL;
    if (kind != BRAID_IO_UDP && kind != BRAID_IO_RAW && kind != BRAID_IO_INPROC)
        return braid_io_fail_(-EINVAL, "unknown transport kind %d", (int)kind);
    if (n > BRAID_MAX_ADDRS || (n > 0 && !locals))
        return braid_io_fail_(-EINVAL, "at most %d local addresses", BRAID_MAX_ADDRS);
    if (n == 0 && family != 4 && family != 6)
        return braid_io_fail_(-EINVAL, "family must be 4 or 6 (got %d)", family);
    for (unsigned i = 0; i < n; i++)
        if (locals[i].family != 4 && locals[i].family != 6)
            return braid_io_fail_(-EINVAL, "local address %u: family must be 4 or 6", i);
    braid_io *io = calloc(1, sizeof *io);
    if (!io)
        return -ENOMEM;
    io->kind = kind;
    io->family = n ? locals[0].family : family;
    io->reuseport = kind == BRAID_IO_UDP && (flags & BRAID_IO_REUSEPORT);
    io->sk[0].fd = io->sk[1].fd = -1;
    int rc;
    if (kind == BRAID_IO_INPROC)
        rc = braid_io_inproc_open_(io, io->family, locals, n, udp_port);
    else
        rc = braid_io_sock_open_(io, locals, n, udp_port);
    if (rc < 0) {
        free(io);
        return rc;
    }
    *out = io;
    return 0;
}

void braid_io_close(braid_io *io)
{
    if (!io)
        return;
    if (io->kind == BRAID_IO_INPROC)
        braid_io_inproc_close_(io);
    else
        braid_io_sock_close_(io);
    braid_io_pcap_close_(io);
    braid_io_errq_free_(io);
    free(io);
}

braid_io_kind braid_io_get_kind(const braid_io *io)
{
    return io->kind;
}

uint16_t braid_io_local_port(const braid_io *io)
{
    return io->port;
}

int braid_io_fds(const braid_io *io, int *fds, int max)
{
    if (io->kind == BRAID_IO_INPROC) {
        if (max > 0 && fds)
            fds[0] = braid_io_inproc_fd_(io);
        return 1;
    }
    for (unsigned i = 0; i < io->nsock; i++)
        if ((int)i < max && fds)
            fds[i] = io->sk[i].fd;
    return (int)io->nsock;
}

int braid_io_recv(braid_io *io, braid_io_pkt *pkts, unsigned n)
{
    if (!io || (n && !pkts))
        return -EINVAL;
    if (n == 0)
        return 0;
    if (io->kind == BRAID_IO_INPROC)
        return braid_io_inproc_recv_(io, pkts, n);
    int r = braid_io_sock_recv_(io, pkts, n);
    if (r > 0)
        braid_io_trace_(io, false, pkts, (unsigned)r);
    return r;
}

int braid_io_send(braid_io *io, const braid_io_pkt *pkts, unsigned n)
{
    if (!io || (n && !pkts))
        return -EINVAL;
    if (n == 0)
        return 0;
    if (io->kind == BRAID_IO_INPROC)
        return braid_io_inproc_send_(io, pkts, n);
    return braid_io_sock_send_(io, pkts, n);
}

void braid_io_get_stats(const braid_io *io, braid_io_stats *st)
{
    *st = io->st;
}

int braid_io_set_gro(braid_io *io, bool on)
{
    if (!io || io->kind != BRAID_IO_UDP)
        return -ENOPROTOOPT;
    int rc = 0;
    for (unsigned i = 0; i < io->nsock; i++) {
        int r = set_int(io->sk[i].fd, SOL_UDP, UDP_GRO, on ? 1 : 0);
        if (r == 0)
            io->sk[i].gro = on;
        else
            rc = r;
    }
    return rc;
}

int braid_io_set_bufs(braid_io *io, int rcvbuf, int sndbuf)
{
    if (rcvbuf < 0 || sndbuf < 0)
        return -EINVAL;
    for (unsigned i = 0; i < io->nsock; i++) {
        int fd = io->sk[i].fd;
        /* the FORCE variants pass net.core.[rw]mem_max when privileged */
        if (rcvbuf > 0 && setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) != 0 &&
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf) != 0)
            return braid_io_fail_(-errno, "SO_RCVBUF: %s", strerror(errno));
        if (sndbuf > 0 && setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof sndbuf) != 0 &&
            setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf) != 0)
            return braid_io_fail_(-errno, "SO_SNDBUF: %s", strerror(errno));
    }
    return 0;
}

int braid_io_set_tos(braid_io *io, int tos, int tclass)
{
    for (unsigned i = 0; i < io->nsock; i++) {
        int fd = io->sk[i].fd;
        if (tos >= 0 && (io->sk[i].family == 4 || io->sk[i].dual))
            setsockopt(fd, IPPROTO_IP, IP_TOS, &tos, sizeof tos);
        if (tclass >= 0 && io->sk[i].family == 6)
            setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &tclass, sizeof tclass);
    }
    return 0;
}

uint16_t braid_io_default_udp_port(void)
{
    const char *e = getenv("BRAID_UDP_PORT");
    if (e && *e) {
        unsigned long v = 0;
        const char *c = e;
        while (*c >= '0' && *c <= '9' && v <= 65535)
            v = v * 10 + (unsigned long)(*c++ - '0');
        if (*c == '\0' && v >= 1 && v <= 65535)
            return (uint16_t)v;
    }
    return BRAID_IO_UDP_PORT;
}
