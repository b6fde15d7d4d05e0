/*
 * The lksctp library calls of RFC 6458 §9 on top of braid's socket calls:
 * sctp_bindx, sctp_connectx, sctp_peeloff, sctp_getpaddrs/getladdrs,
 * sctp_opt_info, sctp_sendmsg/send/sendv, sctp_recvmsg/recvv.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "internal.h"
#include "uaccess.h"

static int fail(int err)
{
    errno = err;
    t_errno = err; /* what bs_put leaves in errno */
    return -1;
}

/* What lksctp's calls give for a descriptor that is not a braid socket:
 * EBADF for no descriptor, ENOTSOCK for a file, and for another kind of
 * socket the error of the setsockopt or getsockopt at level SOL_SCTP that
 * lksctp's call is made of, which depends on the socket: Linux answers a
 * getsockopt at a level it does not know with EOPNOTSUPP on an IPv4 or
 * AF_UNIX socket (do_ip_getsockopt, __sys_getsockopt) and ENOPROTOOPT on an
 * IPv6 one (ipv6_getsockopt); a setsockopt with ENOPROTOOPT (do_ip_setsockopt,
 * ipv6_setsockopt; EOPNOTSUPP for AF_UNIX). So the kernel is asked the same
 * thing, with an empty argument. A kernel SCTP socket (the probe works):
 * EOPNOTSUPP, braid's calls do not drive it. */
static int foreign_err(int fd, bool get, int optname)
{
    struct stat st;
    if (fcntl(fd, F_GETFD) < 0 || fstat(fd, &st) < 0)
        return EBADF;
    if (!S_ISSOCK(st.st_mode))
        return ENOTSOCK;
    uint8_t buf[64];
    memset(buf, 0, sizeof buf);
    socklen_t l = sizeof buf;
    int rc = get ? getsockopt(fd, SOL_SCTP, optname, buf, &l)
                 : setsockopt(fd, SOL_SCTP, optname, buf, 0);
    return rc == 0 ? EOPNOTSUPP : errno;
}
/* sctp_bindx: setsockopt(SCTP_SOCKOPT_BINDX_ADD / _REM) */
static int foreign_set(int fd, int optname)
{
    return fail(foreign_err(fd, false, optname));
}
/* sctp_peeloff, sctp_getpaddrs, sctp_getladdrs: getsockopt */
static int foreign_get(int fd, int optname)
{
    return fail(foreign_err(fd, true, optname));
}
/* sctp_connectx: lksctp tries getsockopt(SCTP_SOCKOPT_CONNECTX3) and, only
 * on ENOPROTOOPT, its setsockopt forms */
static int foreign_connectx(int fd)
{
    int e = foreign_err(fd, true, SCTP_SOCKOPT_CONNECTX3);
    if (e == ENOPROTOOPT)
        e = foreign_err(fd, false, SCTP_SOCKOPT_CONNECTX);
    return fail(e);
}

int sctp_getaddrlen(sa_family_t family)
{
    if (family == AF_INET)
        return sizeof(struct sockaddr_in);
    if (family == AF_INET6)
        return sizeof(struct sockaddr_in6);
    errno = EINVAL;
    return -1;
}

/* The next address of a packed array (RFC 6458 §9.1), copied into *k
 * (the family and what an IPv4 address needs in one system call, the rest
 * of an IPv6 one in another; nothing beyond the address is read):
 * -EFAULT where the array is not readable, -EINVAL for a family SCTP does
 * not carry. */
static int packed_next(const uint8_t **p, struct sockaddr_storage *k, socklen_t *len)
{
    const size_t v4 = sizeof(struct sockaddr_in);
    memset(k, 0, sizeof *k);
    size_t got = uaccess_read_prefix(k, *p, v4);
    if (got < sizeof(sa_family_t))
        return -EFAULT;
    int l = sctp_getaddrlen(k->ss_family);
    if (l < 0)
        return -EINVAL;
    if (got < v4 ||
        ((size_t)l > v4 && uaccess_read((uint8_t *)k + v4, *p + v4, (size_t)l - v4) < 0))
        return -EFAULT;
    *len = (socklen_t)l;
    *p += l;
    return 0;
}

/* An optional pointer (NULL: not given) that is not in user space. */
static bool bad(const void *p, size_t n)
{
    return p && !uaccess_ok(p, n);
}

int sctp_bindx(int sd, struct sockaddr *addrs, int addrcnt, int flags)
{
    bsock *s = bs_get(sd);
    if (!s)
        return foreign_set(sd, flags == SCTP_BINDX_REM_ADDR ? SCTP_SOCKOPT_BINDX_REM
                                                            : SCTP_SOCKOPT_BINDX_ADD);
    int rc = 0;
    if (!addrs)
        rc = -EFAULT;
    else if (addrcnt <= 0)
        rc = -EINVAL;
    else if (flags == SCTP_BINDX_REM_ADDR)
        rc = -EOPNOTSUPP; /* removing needs ASCONF (RFC 5061), not supported yet */
    else if (flags != SCTP_BINDX_ADD_ADDR)
        rc = -EINVAL;
    const uint8_t *p = (const uint8_t *)addrs;
    for (int i = 0; rc == 0 && i < addrcnt; i++) {
        struct sockaddr_storage sa;
        socklen_t len;
        rc = packed_next(&p, &sa, &len);
        if (rc == 0)
            rc = bind_add(s, (struct sockaddr *)&sa, len);
    }
    bs_put(s);
    return rc < 0 ? fail(-rc) : 0;
}

int sctp_connectx(int sd, struct sockaddr *addrs, int addrcnt, sctp_assoc_t *id)
{
    bsock *s = bs_get(sd);
    if (!s)
        return foreign_connectx(sd);
    int rc = 0;
    braid_addr peers[BRAID_MAX_ADDRS];
    uint16_t port = 0;
    unsigned n = 0;
    if (!addrs)
        rc = -EFAULT;
    else if (addrcnt <= 0 || addrcnt > BRAID_MAX_ADDRS)
        rc = -EINVAL;
    const uint8_t *p = (const uint8_t *)addrs;
    for (int i = 0; rc == 0 && i < addrcnt; i++) {
        struct sockaddr_storage sa;
        socklen_t len;
        uint16_t pp = 0;
        rc = packed_next(&p, &sa, &len);
        if (rc == 0)
            rc = addr_from_sockaddr((struct sockaddr *)&sa, len, &peers[n], &pp);
        if (rc == 0 && (pp == 0 || (port && pp != port)))
            rc = -EINVAL; /* one peer: one port */
        port = pp;
        n++;
    }
    /* where the id goes: EFAULT before anything starts */
    if (rc == 0 && id)
        rc = uaccess_probe_write(id, sizeof *id, NULL, 0);
    bstack *st = s->st;
    connect_settle(s); /* a non-blocking connect finished meanwhile */
    if (rc == 0 && s->type == SOCK_STREAM && s->listening)
        rc = -EISCONN;
    if (rc == 0 && s->type == SOCK_STREAM && s->assoc)
        rc = s->connecting ? -EALREADY : -EISCONN;
    braid_assoc_id aid = 0;
    if (rc == 0)
        rc = connect_locked(s, peers, n, port, &aid);
    if (rc == 0) {
        if (s->type == SOCK_STREAM) {
            s->assoc = aid;
            s->connecting = true;
        }
        sctp_assoc_t sid = (sctp_assoc_t)aid;
        /* RFC 6458 §9.9: like connect(); blocking sockets wait for COMM_UP
         * (at most SO_SNDTIMEO: then EINPROGRESS, as Linux) */
        if (id && uaccess_write(id, &sid, sizeof sid) < 0) {
            rc = -EFAULT; /* unmapped since the check: it goes on, as Linux's CONNECTX3 */
        } else if (s->nonblock) {
            rc = -EINPROGRESS;
        } else {
            rc = wait_up(s, aid);
            connect_done(s, rc);
        }
    }
    stack_mark(st);
    bs_put(s);
    return rc < 0 ? fail(-rc) : 0;
}

int sctp_peeloff_flags(int sd, sctp_assoc_t assoc_id, unsigned flags)
{
    bsock *s = bs_get(sd);
    if (!s)
        return foreign_get(sd, flags ? SCTP_SOCKOPT_PEELOFF_FLAGS : SCTP_SOCKOPT_PEELOFF);
    int rc = 0, nfd = -1;
    bstack *st = s->st;
    braid_assoc_status as;
    if (s->type != SOCK_SEQPACKET || s->peeled)
        rc = -EINVAL; /* RFC 6458 §9.2: one-to-many sockets only */
    else if (!st->ep || braid_assoc_status_get(st->ep, (braid_assoc_id)assoc_id, &as) < 0 ||
             stack_owner(st, (braid_assoc_id)assoc_id) != s)
        rc = -EINVAL;
    if (rc == 0) {
        bsock *c = bs_new(s->family, SOCK_STREAM, st);
        if (!c) {
            rc = -ENFILE;
        } else {
            c->peeled = true;
            c->assoc = (braid_assoc_id)assoc_id;
            /* the socket's options go along (Linux copies the whole SCTP
             * part of the socket) */
            c->events = s->events;
            c->recvrcvinfo = s->recvrcvinfo;
            c->recvnxtinfo = s->recvnxtinfo;
            c->default_send = s->default_send;
            c->nodelay = s->nodelay;
            c->remote_udp_port = s->remote_udp_port;
            c->rcvtimeo_ns = s->rcvtimeo_ns;
            c->sndtimeo_ns = s->sndtimeo_ns;
            c->pd_point = s->pd_point;
            c->frag_interleave = s->frag_interleave;
            c->linger = s->linger;
            c->disable_frag = s->disable_frag;
            c->o = s->o;
            c->nonblock = (flags & SOCK_NONBLOCK) != 0;
            if (flags & SOCK_CLOEXEC)
                fcntl(bs_fd(c), F_SETFD, FD_CLOEXEC);
            /* notifications of that association move with it */
            note_move(s, c, assoc_id);
            nfd = bs_fd(c);
            stack_mark(st);
        }
    }
    bs_put(s);
    return rc < 0 ? fail(-rc) : nfd;
}

int sctp_peeloff(int sd, sctp_assoc_t assoc_id)
{
    return sctp_peeloff_flags(sd, assoc_id, 0);
}

int sctp_opt_info(int sd, sctp_assoc_t id, int opt, void *arg, socklen_t *size)
{
    socklen_t sz;
    if (!arg || !size || uaccess_read(&sz, size, sizeof sz) < 0)
        return fail(EFAULT);
    /* RFC 6458 §9.7: the association id goes in the first field */
    if (sz >= (socklen_t)sizeof(sctp_assoc_t) && uaccess_write(arg, &id, sizeof id) < 0)
        return fail(EFAULT);
    return braid_getsockopt(sd, IPPROTO_SCTP, opt, arg, size);
}

/* Packed addresses of one side of an association, in a buffer of
 * malloc: how many (and *bytes), or -errno. */
static int collect_addrs(int sd, sctp_assoc_t id, bool peer, uint8_t **out, size_t *bytes)
{
    bsock *s = bs_get(sd);
    if (!s)
        return -foreign_err(sd, true, peer ? SCTP_GET_PEER_ADDRS : SCTP_GET_LOCAL_ADDRS);
    bstack *st = s->st;
    int rc = 0;
    braid_addr list[BRAID_MAX_ADDRS];
    uint16_t port = 0;
    unsigned n = 0;
    int family = s->family;
    if (peer) {
        braid_assoc_id aid = (s->type == SOCK_STREAM || s->peeled) ? s->assoc : (braid_assoc_id)id;
        braid_assoc_status as;
        if (!st->ep || !aid || braid_assoc_status_get(st->ep, aid, &as) < 0 ||
            (!(s->type == SOCK_STREAM || s->peeled) && stack_owner(st, aid) != s)) {
            rc = -EINVAL; /* Linux: no such association */
        } else {
            for (unsigned i = 0; i < as.n_paths; i++)
                list[n++] = as.paths[i].addr;
            port = as.peer_port;
        }
    } else {
        for (unsigned i = 0; i < st->cfg.n_local_addrs; i++)
            list[n++] = st->cfg.local_addrs[i];
        if (n == 0) { /* wildcard */
            memset(&list[0], 0, sizeof list[0]);
            list[0].family = s->family == AF_INET6 ? 6 : 4;
            n = 1;
        }
        port = st->cfg.local_port;
    }
    bs_put(s);
    if (rc < 0)
        return rc;
    uint8_t *buf = malloc(n * sizeof(struct sockaddr_in6) + 1);
    if (!buf)
        return -ENOMEM;
    size_t off = 0;
    for (unsigned i = 0; i < n; i++) {
        struct sockaddr_storage ss;
        socklen_t l = addr_to_sockaddr(&list[i], port, family, &ss);
        memcpy(buf + off, &ss, l);
        off += l;
    }
    *out = buf;
    *bytes = off;
    return (int)n;
}

/* sctp_getpaddrs / sctp_getladdrs: the packed array (freed with free()). */
static int get_addrs(int sd, sctp_assoc_t id, struct sockaddr **addrs, bool peer)
{
    if (!addrs)
        return fail(EFAULT);
    uint8_t *buf;
    size_t bytes;
    int n = collect_addrs(sd, id, peer, &buf, &bytes);
    if (n < 0)
        return fail(-n);
    struct sockaddr *out = (struct sockaddr *)buf;
    if (uaccess_write(addrs, &out, sizeof out) < 0) {
        free(buf);
        return fail(EFAULT);
    }
    return n;
}

int sctp_getpaddrs(int sd, sctp_assoc_t id, struct sockaddr **addrs)
{
    return get_addrs(sd, id, addrs, true);
}
int sctp_getladdrs(int sd, sctp_assoc_t id, struct sockaddr **addrs)
{
    return get_addrs(sd, id, addrs, false);
}
int sctp_freepaddrs(struct sockaddr *addrs)
{
    free(addrs);
    return 0;
}
int sctp_freeladdrs(struct sockaddr *addrs)
{
    free(addrs);
    return 0;
}

static ssize_t send_with_sndrcv(int s, const void *msg, size_t len, const struct sockaddr *to,
                                socklen_t tolen, const struct sctp_sndrcvinfo *info, int flags)
{
    struct iovec iov = {(void *)(uintptr_t)msg, len};
    union {
        struct cmsghdr h;
        uint8_t b[CMSG_SPACE(sizeof(struct sctp_sndrcvinfo))];
    } cbuf;
    memset(&cbuf, 0, sizeof cbuf);
    struct msghdr m;
    memset(&m, 0, sizeof m);
    m.msg_name = (void *)(uintptr_t)to;
    m.msg_namelen = tolen;
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = cbuf.b;
    m.msg_controllen = sizeof cbuf.b;
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = IPPROTO_SCTP;
    c->cmsg_type = SCTP_SNDRCV;
    c->cmsg_len = CMSG_LEN(sizeof *info);
    memcpy(CMSG_DATA(c), info, sizeof *info);
    return braid_sendmsg(s, &m, flags);
}

int sctp_sendmsg(int s, const void *msg, size_t len, struct sockaddr *to, socklen_t tolen,
                 uint32_t ppid, uint32_t flags, uint16_t stream_no, uint32_t timetolive,
                 uint32_t context)
{
    struct sctp_sndrcvinfo i;
    memset(&i, 0, sizeof i);
    i.sinfo_ppid = ppid;
    i.sinfo_flags = (uint16_t)flags;
    i.sinfo_stream = stream_no;
    i.sinfo_timetolive = timetolive;
    i.sinfo_context = context;
    return (int)send_with_sndrcv(s, msg, len, to, tolen, &i, 0);
}

int sctp_send(int s, const void *msg, size_t len, const struct sctp_sndrcvinfo *sinfo, int flags)
{
    struct sctp_sndrcvinfo zero;
    if (!sinfo) {
        memset(&zero, 0, sizeof zero);
        sinfo = &zero;
    } else if (!uaccess_ok(sinfo, sizeof *sinfo)) {
        return fail(EFAULT);
    }
    return (int)send_with_sndrcv(s, msg, len, NULL, 0, sinfo, flags);
}

int sctp_sendv(int s, const struct iovec *iov, int iovcnt, struct sockaddr *addrs, int addrcnt,
               void *info, socklen_t infolen, unsigned int infotype, int flags)
{
    if (iovcnt < 0 || (iovcnt && !iov) || addrcnt < 0)
        return fail(EINVAL);
    struct sctp_sndinfo snd;
    struct sctp_prinfo pr;
    bool have = false, have_pr = false;
    if (infotype == SCTP_SENDV_PRINFO) { /* RFC 6458 §9.12: an SCTP_PRINFO cmsg */
        if (!info || infolen < (socklen_t)sizeof pr)
            return fail(EINVAL);
        if (!uaccess_ok(info, sizeof pr))
            return fail(EFAULT);
        memcpy(&pr, info, sizeof pr);
        have_pr = true;
    } else if (infotype == SCTP_SENDV_SNDINFO) {
        if (!info || infolen < (socklen_t)sizeof snd)
            return fail(EINVAL);
        if (!uaccess_ok(info, sizeof snd))
            return fail(EFAULT);
        memcpy(&snd, info, sizeof snd);
        have = true;
    } else if (infotype == SCTP_SENDV_SPA) {
        struct sctp_sendv_spa spa;
        if (!info || infolen < (socklen_t)sizeof spa)
            return fail(EINVAL);
        if (!uaccess_ok(info, sizeof spa))
            return fail(EFAULT);
        memcpy(&spa, info, sizeof spa);
        if (spa.sendv_flags & SCTP_SEND_SNDINFO_VALID) {
            snd = spa.sendv_sndinfo;
            have = true;
        }
        if (spa.sendv_flags & SCTP_SEND_PRINFO_VALID) {
            pr = spa.sendv_prinfo;
            have_pr = true;
        }
    } else if (infotype != SCTP_SENDV_NOINFO && infotype != SCTP_SENDV_AUTHINFO) {
        return fail(EINVAL);
    }
    union {
        struct cmsghdr h;
        uint8_t b[CMSG_SPACE(sizeof(struct sctp_sndinfo)) + CMSG_SPACE(sizeof(struct sctp_prinfo))];
    } cbuf;
    memset(&cbuf, 0, sizeof cbuf);
    struct msghdr m;
    memset(&m, 0, sizeof m);
    /* several addresses name one peer: the first is where the message goes
     * (a new association with all of them would be sctp_connectx) */
    if (addrs && addrcnt > 0) {
        if (!uaccess_ok(addrs, sizeof(sa_family_t)))
            return fail(EFAULT);
        m.msg_name = addrs;
        int l = sctp_getaddrlen(addrs->sa_family);
        if (l < 0)
            return -1;
        m.msg_namelen = (socklen_t)l;
    }
    m.msg_iov = (struct iovec *)(uintptr_t)iov;
    m.msg_iovlen = (size_t)iovcnt;
    size_t used = 0;
    if (have) {
        struct cmsghdr *c = (struct cmsghdr *)(void *)cbuf.b;
        c->cmsg_level = IPPROTO_SCTP;
        c->cmsg_type = SCTP_SNDINFO;
        c->cmsg_len = CMSG_LEN(sizeof snd);
        memcpy(CMSG_DATA(c), &snd, sizeof snd);
        used += CMSG_SPACE(sizeof snd);
    }
    if (have_pr) {
        struct cmsghdr *c = (struct cmsghdr *)(void *)(cbuf.b + used);
        c->cmsg_level = IPPROTO_SCTP;
        c->cmsg_type = SCTP_PRINFO;
        c->cmsg_len = CMSG_LEN(sizeof pr);
        memcpy(CMSG_DATA(c), &pr, sizeof pr);
        used += CMSG_SPACE(sizeof pr);
    }
    if (used) {
        m.msg_control = cbuf.b;
        m.msg_controllen = used;
    }
    return (int)braid_sendmsg(s, &m, flags);
}

int sctp_recvmsg(int s, void *msg, size_t len, struct sockaddr *from, socklen_t *fromlen,
                 struct sctp_sndrcvinfo *sinfo, int *msg_flags)
{
    /* what only this wrapper reads or fills: EFAULT before the message is
     * taken (lksctp's own wrapper would crash on them) */
    if (bad(fromlen, sizeof *fromlen) || bad(sinfo, sizeof *sinfo) ||
        bad(msg_flags, sizeof *msg_flags))
        return fail(EFAULT);
    struct iovec iov = {msg, len};
    union {
        struct cmsghdr h;
        uint8_t
            b[CMSG_SPACE(sizeof(struct sctp_sndrcvinfo)) + CMSG_SPACE(sizeof(struct sctp_rcvinfo))];
    } cbuf;
    struct msghdr m;
    memset(&m, 0, sizeof m);
    m.msg_name = from;
    m.msg_namelen = fromlen ? *fromlen : 0;
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = cbuf.b;
    m.msg_controllen = sizeof cbuf.b;
    ssize_t n = braid_recvmsg(s, &m, msg_flags ? *msg_flags : 0);
    if (n < 0)
        return -1;
    if (fromlen)
        *fromlen = m.msg_namelen;
    if (msg_flags)
        *msg_flags = m.msg_flags;
    if (sinfo) {
        memset(sinfo, 0, sizeof *sinfo);
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
            if (c->cmsg_level == IPPROTO_SCTP && c->cmsg_type == SCTP_SNDRCV)
                memcpy(sinfo, CMSG_DATA(c), sizeof *sinfo);
    }
    return (int)n;
}

int sctp_recvv(int s, const struct iovec *iov, int iovlen, struct sockaddr *from,
               socklen_t *fromlen, void *info, socklen_t *infolen, unsigned int *infotype,
               int *flags)
{
    if (iovlen < 0 || (iovlen && !iov))
        return fail(EINVAL);
    /* as sctp_recvmsg: EFAULT before the message is taken */
    if (bad(fromlen, sizeof *fromlen) || bad(infolen, sizeof *infolen) ||
        bad(infotype, sizeof *infotype) || bad(flags, sizeof *flags) ||
        (infolen && *infolen >= (socklen_t)sizeof(struct sctp_rcvinfo) &&
         bad(info, sizeof(struct sctp_rcvinfo))))
        return fail(EFAULT);
    union {
        struct cmsghdr h;
        uint8_t b[CMSG_SPACE(sizeof(struct sctp_sndrcvinfo)) +
                  CMSG_SPACE(sizeof(struct sctp_rcvinfo)) +
                  CMSG_SPACE(sizeof(struct sctp_nxtinfo))];
    } cbuf;
    struct msghdr m;
    memset(&m, 0, sizeof m);
    m.msg_name = from;
    m.msg_namelen = fromlen ? *fromlen : 0;
    m.msg_iov = (struct iovec *)(uintptr_t)iov;
    m.msg_iovlen = (size_t)iovlen;
    m.msg_control = cbuf.b;
    m.msg_controllen = sizeof cbuf.b;
    ssize_t n = braid_recvmsg(s, &m, flags ? *flags : 0);
    if (n < 0)
        return -1;
    if (fromlen)
        *fromlen = m.msg_namelen;
    if (flags)
        *flags = m.msg_flags;
    /* RFC 6458 §9.13: both infos as SCTP_RECVV_RN when the buffer holds
     * it, else the receive info, else the next info (as libsctp) */
    const void *rcv = NULL, *nxt = NULL;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
        if (c->cmsg_level != IPPROTO_SCTP)
            continue;
        if (c->cmsg_type == SCTP_RCVINFO)
            rcv = CMSG_DATA(c);
        else if (c->cmsg_type == SCTP_NXTINFO)
            nxt = CMSG_DATA(c);
    }
    unsigned type = SCTP_RECVV_NOINFO;
    socklen_t have = (info && infolen) ? *infolen : 0;
    if (rcv && nxt && have >= (socklen_t)sizeof(struct sctp_recvv_rn)) {
        struct sctp_recvv_rn rn;
        memcpy(&rn.recvv_rcvinfo, rcv, sizeof rn.recvv_rcvinfo);
        memcpy(&rn.recvv_nxtinfo, nxt, sizeof rn.recvv_nxtinfo);
        memcpy(info, &rn, sizeof rn);
        *infolen = sizeof rn;
        type = SCTP_RECVV_RN;
    } else if (rcv && have >= (socklen_t)sizeof(struct sctp_rcvinfo)) {
        memcpy(info, rcv, sizeof(struct sctp_rcvinfo));
        *infolen = sizeof(struct sctp_rcvinfo);
        type = SCTP_RECVV_RCVINFO;
    } else if (nxt && have >= (socklen_t)sizeof(struct sctp_nxtinfo)) {
        memcpy(info, nxt, sizeof(struct sctp_nxtinfo));
        *infolen = sizeof(struct sctp_nxtinfo);
        type = SCTP_RECVV_NXTINFO;
    }
    if (infotype)
        *infotype = type;
    return (int)n;
}

/* ---- Linux's private options: what libsctp's own functions are made of ---- */

/* Options of level SOL_SCTP that libsctp.so.1 uses to implement the calls
 * above (Linux <linux/sctp.h>, net/sctp/socket.c). A program linked with
 * Debian's libsctp and run under braid-run reaches braid's sctp_* first
 * (the preload library exports them); these serve a libsctp that is reached
 * anyway (loaded with RTLD_DEEPBIND, called through dlsym, or linked
 * statically). */
bool lksctp_private_opt(int name)
{
    switch (name) {
    case SCTP_SOCKOPT_BINDX_ADD:
    case SCTP_SOCKOPT_BINDX_REM:
    case SCTP_SOCKOPT_PEELOFF:
    case SCTP_SOCKOPT_CONNECTX_OLD:
    case SCTP_GET_PEER_ADDRS:
    case SCTP_GET_LOCAL_ADDRS:
    case SCTP_SOCKOPT_CONNECTX:
    case SCTP_SOCKOPT_CONNECTX3:
    case SCTP_SOCKOPT_PEELOFF_FLAGS: return true;
    default: return false;
    }
}

/* The number of packed addresses in n bytes, as Linux walks them
 * (sctp_setsockopt_bindx, __sctp_connect): each needs its family and then
 * all of its family's length inside the n bytes; -EINVAL otherwise. */
static int count_packed(const uint8_t *p, size_t n)
{
    size_t off = 0;
    int cnt = 0;
    while (off < n) {
        sa_family_t fam;
        if (off + sizeof fam > n)
            return -EINVAL;
        memcpy(&fam, p + off, sizeof fam);
        int l = sctp_getaddrlen(fam);
        if (l < 0 || off + (size_t)l > n)
            return -EINVAL;
        off += (size_t)l;
        cnt++;
    }
    return cnt;
}

/* The application's n packed bytes, copied (Linux: memdup_sockptr first). */
static int copy_packed(const void *u, socklen_t n, uint8_t **out)
{
    if ((int)n <= 0)
        return -EINVAL; /* (Linux: setsockopt with optlen < 0, the handlers with 0) */
    uint8_t *k = malloc(n);
    if (!k)
        return -ENOMEM;
    if (uaccess_read(k, u, n) < 0) {
        free(k);
        return -EFAULT;
    }
    *out = k;
    return 0;
}

/* setsockopt: 0, or for SCTP_SOCKOPT_CONNECTX the association id, or -1. */
int lksctp_private_set(int fd, int name, const void *val, socklen_t len)
{
    if (name != SCTP_SOCKOPT_BINDX_ADD && name != SCTP_SOCKOPT_BINDX_REM &&
        name != SCTP_SOCKOPT_CONNECTX_OLD && name != SCTP_SOCKOPT_CONNECTX)
        return fail(ENOPROTOOPT); /* the getsockopt ones (Linux: sctp_setsockopt) */
    uint8_t *k;
    int rc = copy_packed(val, len, &k);
    if (rc < 0)
        return fail(-rc);
    int cnt = count_packed(k, len);
    if (cnt < 0) {
        free(k);
        return fail(-cnt);
    }
    if (name == SCTP_SOCKOPT_BINDX_ADD || name == SCTP_SOCKOPT_BINDX_REM) {
        rc = sctp_bindx(fd, (struct sockaddr *)k, cnt,
                        name == SCTP_SOCKOPT_BINDX_ADD ? SCTP_BINDX_ADD_ADDR : SCTP_BINDX_REM_ADDR);
    } else {
        /* as Linux (sctp_setsockopt_connectx): the new association's id is
         * the return value; EINPROGRESS on a non-blocking socket */
        sctp_assoc_t id = 0;
        rc = sctp_connectx(fd, (struct sockaddr *)k, cnt, &id);
        if (rc == 0 && name == SCTP_SOCKOPT_CONNECTX)
            rc = (int)id;
    }
    int e = errno;
    free(k);
    errno = e;
    return rc;
}

static int peeloff_opt(int fd, void *val, socklen_t *ulen, socklen_t len, bool with_flags)
{
    sctp_peeloff_flags_arg_t a;
    memset(&a, 0, sizeof a);
    socklen_t need = with_flags ? (socklen_t)sizeof a : (socklen_t)sizeof a.p_arg;
    if (len < need)
        return fail(EINVAL);
    if (uaccess_read(&a, val, need) < 0)
        return fail(EFAULT);
    int nfd = sctp_peeloff_flags(fd, a.p_arg.associd, with_flags ? a.flags : 0);
    if (nfd < 0)
        return -1;
    a.p_arg.sd = nfd;
    /* as Linux: optlen, then the argument with the new descriptor; a fault
     * there loses the socket */
    if (uaccess_write2(ulen, &need, sizeof need, val, &a, need) < 0) {
        braid_close(nfd);
        return fail(EFAULT);
    }
    return 0;
}

static int getaddrs_opt(int fd, void *val, socklen_t *ulen, socklen_t len, bool peer)
{
    struct sctp_getaddrs g;
    /* as Linux: SCTP_GET_PEER_ADDRS needs the header, SCTP_GET_LOCAL_ADDRS
     * more than it, and leaves the addresses len - 16 bytes
     * (sctp_getsockopt_local_addrs subtracts the header twice) */
    if (peer ? len < sizeof g : len <= sizeof g)
        return fail(EINVAL);
    if (uaccess_read(&g, val, sizeof g) < 0)
        return fail(EFAULT);
    size_t space = peer ? len - offsetof(struct sctp_getaddrs, addrs)
                        : len - sizeof g - offsetof(struct sctp_getaddrs, addrs);
    uint8_t *buf;
    size_t bytes;
    int n = collect_addrs(fd, g.assoc_id, peer, &buf, &bytes);
    if (n < 0)
        return fail(-n);
    if (bytes > space) {
        free(buf);
        return fail(ENOMEM); /* libsctp tries again with a larger buffer */
    }
    g.addr_num = (uint32_t)n;
    socklen_t out = (socklen_t)(offsetof(struct sctp_getaddrs, addrs) + bytes);
    int rc = uaccess_write((uint8_t *)val + offsetof(struct sctp_getaddrs, addrs), buf, bytes);
    if (rc == 0)
        rc = uaccess_write2(&((struct sctp_getaddrs *)val)->addr_num, &g.addr_num,
                            sizeof g.addr_num, ulen, &out, sizeof out);
    free(buf);
    return rc < 0 ? fail(EFAULT) : 0;
}

static int connectx3_opt(int fd, void *val, socklen_t *ulen, socklen_t len)
{
    struct sctp_getaddrs_old p;
    if (len < sizeof p)
        return fail(EINVAL);
    if (uaccess_read(&p, val, sizeof p) < 0)
        return fail(EFAULT);
    if (p.addr_num <= 0)
        return fail(EINVAL);
    uint8_t *k;
    int rc = copy_packed(p.addrs, (socklen_t)p.addr_num, &k);
    if (rc < 0)
        return fail(-rc);
    int cnt = count_packed(k, (size_t)p.addr_num);
    if (cnt < 0) {
        free(k);
        return fail(-cnt);
    }
    sctp_assoc_t id = 0;
    rc = sctp_connectx(fd, (struct sockaddr *)k, cnt, &id);
    int e = errno;
    free(k);
    /* as Linux (sctp_getsockopt_connectx3): the id goes back when the
     * association started, also on EINPROGRESS */
    if (rc == 0 || e == EINPROGRESS) {
        socklen_t n = sizeof id;
        if (uaccess_write2(val, &id, sizeof id, ulen, &n, sizeof n) < 0)
            return fail(EFAULT);
    }
    errno = e;
    return rc;
}

/* getsockopt of the private options: 0 or -1. */
int lksctp_private_get(int fd, int name, void *val, socklen_t *ulen)
{
    socklen_t len;
    if (!ulen || uaccess_read(&len, ulen, sizeof len) < 0)
        return fail(EFAULT);
    if ((int)len < 0)
        return fail(EINVAL); /* as Linux (sctp_getsockopt) */
    switch (name) {
    case SCTP_SOCKOPT_PEELOFF: return peeloff_opt(fd, val, ulen, len, false);
    case SCTP_SOCKOPT_PEELOFF_FLAGS: return peeloff_opt(fd, val, ulen, len, true);
    case SCTP_GET_PEER_ADDRS: return getaddrs_opt(fd, val, ulen, len, true);
    case SCTP_GET_LOCAL_ADDRS: return getaddrs_opt(fd, val, ulen, len, false);
    case SCTP_SOCKOPT_CONNECTX3: return connectx3_opt(fd, val, ulen, len);
    default: return fail(ENOPROTOOPT); /* the setsockopt ones */
    }
}
