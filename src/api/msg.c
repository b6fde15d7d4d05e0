/*
 * Sending and receiving: sendmsg/recvmsg with SCTP_SNDRCV, SCTP_SNDINFO,
 * SCTP_RCVINFO and SCTP_NXTINFO ancillary data (RFC 6458 §5.3), the flags
 * SCTP_UNORDERED, SCTP_EOF, SCTP_ABORT, SCTP_SENDALL, SCTP_ADDR_OVER,
 * notifications in line (MSG_NOTIFICATION), partial reads (MSG_EOR).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "uaccess.h"

static ssize_t fail(int err)
{
    errno = err;
    t_errno = err; /* what bs_put leaves in errno */
    return -1;
}

static size_t iov_total(const struct msghdr *m)
{
    size_t t = 0;
    for (size_t i = 0; i < (size_t)m->msg_iovlen; i++)
        t += m->msg_iov[i].iov_len;
    return t;
}

/* Copies up to len bytes of src into the iovecs. */
static size_t iov_fill(const struct msghdr *m, const uint8_t *src, size_t len)
{
    size_t done = 0;
    for (size_t i = 0; i < (size_t)m->msg_iovlen && done < len; i++) {
        size_t n = m->msg_iov[i].iov_len;
        if (n > len - done)
            n = len - done;
        memcpy(m->msg_iov[i].iov_base, src + done, n);
        done += n;
    }
    return done;
}

/* ---- send ---- */

typedef struct send_params {
    uint16_t sid;
    uint16_t flags; /* SCTP_* send flags */
    uint32_t ppid;
    uint32_t context;
    sctp_assoc_t assoc;
    uint32_t ttl; /* sinfo_timetolive / pr_value, ms (RFC 6458 §5.3.2, §5.3.7) */
    bool has_prinfo;
    struct sctp_prinfo prinfo;
    bool has_init; /* SCTP_INIT: for an association this message sets up */
    struct sctp_initmsg init;
} send_params;

/* The data of each cmsg type a send takes (RFC 6458 §5.3); 0: not one. */
static size_t send_cmsg_size(int type)
{
    switch (type) {
    case SCTP_INIT: return sizeof(struct sctp_initmsg);      /* §5.3.1 */
    case SCTP_SNDRCV: return sizeof(struct sctp_sndrcvinfo); /* §5.3.2 */
    case SCTP_SNDINFO: return sizeof(struct sctp_sndinfo);   /* §5.3.4 */
    case SCTP_PRINFO: return sizeof(struct sctp_prinfo);     /* §5.3.7 */
    case SCTP_AUTHINFO: return sizeof(struct sctp_authinfo); /* §5.3.8 */
    case SCTP_DSTADDRV4: return sizeof(struct in_addr);      /* §5.3.9 */
    case SCTP_DSTADDRV6: return sizeof(struct in6_addr);     /* §5.3.10 */
    default: return 0; /* SCTP_RCVINFO, SCTP_NXTINFO: receive only */
    }
}

/* One cmsg of level IPPROTO_SCTP, its header h already checked to lie
 * inside the control buffer; data is what follows the header. */
static int send_cmsg_one(const struct cmsghdr *h, const uint8_t *data, send_params *p)
{
    size_t need = send_cmsg_size(h->cmsg_type);
    if (!need || h->cmsg_len < CMSG_LEN(need))
        return -EINVAL;
    switch (h->cmsg_type) {
    case SCTP_SNDRCV: {
        struct sctp_sndrcvinfo i;
        memcpy(&i, data, sizeof i);
        p->sid = i.sinfo_stream;
        p->flags = i.sinfo_flags;
        p->ppid = i.sinfo_ppid;
        p->context = i.sinfo_context;
        p->assoc = i.sinfo_assoc_id;
        p->ttl = i.sinfo_timetolive;
        break;
    }
    case SCTP_SNDINFO: {
        struct sctp_sndinfo i;
        memcpy(&i, data, sizeof i);
        p->sid = i.snd_sid;
        p->flags = i.snd_flags;
        p->ppid = i.snd_ppid;
        p->context = i.snd_context;
        p->assoc = i.snd_assoc_id;
        break;
    }
    case SCTP_INIT:
        memcpy(&p->init, data, sizeof p->init);
        p->has_init = true;
        break;
    case SCTP_PRINFO: {
        struct sctp_prinfo i;
        memcpy(&i, data, sizeof i);
        if (i.pr_policy & ~SCTP_PR_SCTP_MASK)
            return -EINVAL;   /* RFC 6458 §5.3.7: a policy of those defined (as Linux) */
        p->has_prinfo = true; /* applied after the other cmsgs (as Linux) */
        p->prinfo = i;
        break;
    }
    default: break; /* AUTHINFO, DSTADDRV4/V6: accepted; AUTH is not negotiated yet */
    }
    return 0;
}

/* The control buffer is walked as the kernel walks it (for_each_cmsghdr
 * with CMSG_OK): each header that fits must be a header long at least and
 * end inside the buffer, else EINVAL. (CMSG_FIRSTHDR does not look at the
 * first header's length, so CMSG_DATA could be read past the end.) */
static int parse_send_cmsg(bsock *s, const struct msghdr *m, send_params *p)
{
    memset(p, 0, sizeof *p);
    p->sid = s->default_send.sinfo_stream;
    p->flags = s->default_send.sinfo_flags;
    p->ppid = s->default_send.sinfo_ppid;
    p->context = s->default_send.sinfo_context;
    p->assoc = s->default_send.sinfo_assoc_id;
    p->ttl = s->default_send.sinfo_timetolive;
    if (!m->msg_control || m->msg_controllen == 0)
        return 0;
    const uint8_t *base = m->msg_control;
    size_t total = m->msg_controllen, off = 0;
    while (total - off >= sizeof(struct cmsghdr)) {
        struct cmsghdr h;
        memcpy(&h, base + off, sizeof h);
        if (h.cmsg_len < sizeof h || h.cmsg_len > total - off)
            return -EINVAL;
        if (h.cmsg_level == IPPROTO_SCTP) {
            int rc = send_cmsg_one(&h, base + off + CMSG_LEN(0), p);
            if (rc < 0)
                return rc;
        }
        size_t step = CMSG_ALIGN(h.cmsg_len);
        if (step > total - off)
            break;
        off += step;
    }
    if (p->has_prinfo) { /* RFC 6458 §5.3.7 (Linux: sctp_sendmsg_parse) */
        p->ttl = p->prinfo.pr_value;
        SCTP_PR_SET_POLICY(p->flags, p->prinfo.pr_policy);
    }
    return 0;
}

/* One message to one association; st locked. 0, or a negative errno. */
static int send_one(bsock *s, braid_assoc_id id, const send_params *p, const uint8_t *data,
                    size_t len, uint64_t now)
{
    bstack *st = s->st;
    if (p->flags & SCTP_ABORT) {
        /* RFC 6458 §5.3.4: the message is the reason carried in the ABORT */
        int rc = braid_assoc_abort(st->ep, id, data, len, now);
        return rc < 0 ? -EPIPE : 0;
    }
    if (p->flags & SCTP_EOF) { /* RFC 6458 §5.3.4: graceful shutdown (no data, as Linux) */
        int rc = braid_assoc_shutdown(st->ep, id, now);
        return rc == BRAID_ERR_NOTFOUND ? -EPIPE : 0;
    }
    /* the ppid is opaque (RFC 6458 §5.3.2): its bytes go on the wire as the
     * application stored them, as on Linux; the core writes it big-endian */
    braid_send_info si = {p->sid, ntohl(p->ppid), 0, p->context, 0};
    if (p->flags & SCTP_UNORDERED)
        si.flags |= BRAID_SEND_UNORDERED;
    /* RFC 6458 §5.3.2 / §5.3.7: a lifetime in ms, with no PR-SCTP policy or
     * SCTP_PR_SCTP_TTL (as Linux's sctp_datamsg_from_user); 0: none */
    if (p->ttl && (SCTP_PR_TTL_ENABLED(p->flags) || !SCTP_PR_POLICY(p->flags)))
        si.lifetime_ns = (uint64_t)p->ttl * 1000000u;
    int rc = braid_assoc_send(st->ep, id, &si, data, len, now);
    switch (rc) {
    case 0: return 0;
    case BRAID_ERR_AGAIN: return -EAGAIN;
    case BRAID_ERR_MSGSIZE: return -EMSGSIZE;
    case BRAID_ERR_STATE: return -EPIPE;    /* shutting down */
    case BRAID_ERR_NOTFOUND: return -EPIPE; /* ended */
    case BRAID_ERR_NOMEM: return -ENOMEM;
    default: return -EINVAL; /* e.g. a stream beyond those negotiated */
    }
}

static int start_assoc(bsock *s, const braid_addr *a, uint16_t port, const send_params *p,
                       braid_assoc_id *out)
{
    braid_connect_opts o;
    memset(&o, 0, sizeof o);
    if (p->has_init) { /* RFC 6458 §5.3.1: streams asked for in the SCTP_INIT cmsg */
        o.outbound_streams = p->init.sinit_num_ostreams;
        o.max_inbound_streams = p->init.sinit_max_instreams;
    }
    return connect_locked_opts(s, a, 1, port, &o, out);
}

/* The association a one-to-many send goes to: by address (a new one is set
 * up if there is none, RFC 6458 §4.1.8), else by id. As Linux: EPIPE when
 * neither names one. */
static int target_assoc(bsock *s, const struct msghdr *m, const send_params *p, braid_assoc_id *out)
{
    bstack *st = s->st;
    if (m->msg_name) {
        braid_addr a;
        uint16_t port;
        int rc = addr_from_sockaddr(m->msg_name, m->msg_namelen, &a, &port);
        if (rc < 0)
            return rc == -EAFNOSUPPORT ? -EINVAL : rc;
        if (port == 0)
            return -EINVAL;
        if (st->ep) {
            braid_assoc_id id = braid_find_assoc(st->ep, &a, port);
            if (id && stack_owner(st, id) == s) {
                *out = id;
                return 0;
            }
            if (id)
                return -EADDRNOTAVAIL; /* peeled off (Linux) */
        }
        if (p->flags & (SCTP_ABORT | SCTP_EOF))
            return -EINVAL; /* nothing to end */
        return start_assoc(s, &a, port, p, out);
    }
    braid_assoc_status as;
    if (p->assoc <= SCTP_ALL_ASSOC || !st->ep ||
        braid_assoc_status_get(st->ep, (braid_assoc_id)p->assoc, &as) < 0 ||
        stack_owner(st, (braid_assoc_id)p->assoc) != s)
        return -EPIPE;
    *out = (braid_assoc_id)p->assoc;
    return 0;
}

/* The association of a one-to-one socket (peeled or not), or a new one when
 * an unconnected socket sends to an address (as Linux does). */
static int one_to_one_assoc(bsock *s, const struct msghdr *m, const send_params *p,
                            braid_assoc_id *out)
{
    if (s->listening)
        return -EPIPE;
    if (s->assoc) {
        if (s->eof || s->ended || s->shut_wr)
            return -EPIPE;
        *out = s->assoc;
        return 0;
    }
    if (!m->msg_name || s->peeled)
        return -EPIPE;
    braid_addr a;
    uint16_t port;
    int rc = addr_from_sockaddr(m->msg_name, m->msg_namelen, &a, &port);
    if (rc == 0 && port == 0)
        rc = -EINVAL;
    if (rc == 0)
        rc = start_assoc(s, &a, port, p, out);
    if (rc == 0) {
        s->assoc = *out;
        s->connecting = true;
    }
    return rc;
}

static ssize_t do_sendmsg(bsock *s, const struct msghdr *m, int flags)
{
    bstack *st = s->st;
    send_params p;
    int rc = parse_send_cmsg(s, m, &p);
    size_t len = iov_total(m);
    uint8_t stackbuf[2048];
    const uint8_t *data = NULL;
    uint8_t *heap = NULL;
    if (rc < 0) {
        /* checked below, in Linux's order */
    } else if (m->msg_iovlen == 1) {
        data = m->msg_iov[0].iov_base;
    } else if (len) {
        heap = len <= sizeof stackbuf ? stackbuf : malloc(len);
        if (!heap)
            return fail(ENOMEM);
        size_t off = 0;
        for (size_t i = 0; i < (size_t)m->msg_iovlen; i++) {
            memcpy(heap + off, m->msg_iov[i].iov_base, m->msg_iov[i].iov_len);
            off += m->msg_iov[i].iov_len;
        }
        data = heap;
    }
    bool nonblock = s->nonblock || (flags & MSG_DONTWAIT);
    uint64_t deadline = s->sndtimeo_ns ? braid_now_ns() + s->sndtimeo_ns : 0;
    bool one_to_one = s->type == SOCK_STREAM;
    braid_assoc_id sendall_after = 0;
    bool sent_last = false;
    /* the checks of Linux's sctp_sendmsg_parse(), in its order */
    int perr = 0;
    uint32_t sndbuf = st->cfg.sndbuf;
    if (st->ep) {
        braid_settings c;
        braid_endpoint_get_settings(st->ep, &c);
        sndbuf = c.sndbuf;
    }
    if (one_to_one && !s->peeled && s->listening)
        perr = -EPIPE;
    else if (len > sndbuf)
        perr = -EMSGSIZE;
    else if (rc < 0)
        perr = rc;
    else if (one_to_one && !s->peeled && (p.flags & (SCTP_EOF | SCTP_ABORT)))
        perr = -EINVAL; /* one-to-one: close(), shutdown() or SO_LINGER instead */
    else if (((p.flags & SCTP_EOF) && len > 0) ||
             (!(p.flags & (SCTP_EOF | SCTP_ABORT)) && len == 0))
        perr = -EINVAL;
    else if ((p.flags & SCTP_ADDR_OVER) && !m->msg_name)
        perr = -EINVAL;
    else if (len && !data)
        perr = -EFAULT;
    else if (s->disable_frag && len > st->cfg.pmtu - 28u)
        perr = -EMSGSIZE; /* SCTP_DISABLE_FRAGMENTS: larger than one chunk */
    rc = perr;
    /* one clock read for the call (a few per message showed in profiles) */
    uint64_t now = braid_now_ns();
    while (rc == 0) {
        world_pump_lazy(now);
        if (one_to_one) {
            braid_assoc_id id = 0;
            rc = one_to_one_assoc(s, m, &p, &id);
            if (rc == 0)
                rc = send_one(s, id, &p, data, len, now);
        } else if (p.flags & SCTP_SENDALL) {
            /* RFC 6458 §5.3.4: to every established association of the
             * socket (after a wait for room, on from where it stopped) */
            for (braid_assoc_id id = st->ep ? braid_next_assoc(st->ep, sendall_after) : 0; id;
                 id = braid_next_assoc(st->ep, id)) {
                if (stack_owner(st, id) != s ||
                    braid_assoc_state_get(st->ep, id) != (int)BRAID_STATE_ESTABLISHED) {
                    sent_last = false; /* as Linux: skipped */
                    sendall_after = id;
                    continue;
                }
                rc = send_one(s, id, &p, data, len, now);
                if (rc < 0)
                    break;
                sent_last = !(p.flags & (SCTP_EOF | SCTP_ABORT));
                sendall_after = id;
            }
        } else {
            braid_assoc_id id = 0;
            rc = target_assoc(s, m, &p, &id);
            if (rc == 0)
                rc = send_one(s, id, &p, data, len, now);
        }
        if (rc != -EAGAIN)
            break;
        if (nonblock)
            break;
        /* wait for acknowledgements to free the send buffer */
        uint64_t cap = braid_now_ns() + 5000000ull;
        int w = world_wait(s, 0, deadline && deadline < cap ? deadline : cap);
        now = braid_now_ns();
        if (deadline && braid_now_ns() >= deadline)
            break;
        if (w == -EINTR) {
            rc = -EINTR;
            break;
        }
        rc = 0;
    }
    /* Linux's sctp_error(): a pending socket error is reported in place of
     * EPIPE (once); EPIPE itself raises SIGPIPE unless MSG_NOSIGNAL */
    if (rc == -EPIPE && s->so_error) {
        rc = -s->so_error;
        s->so_error = 0;
    }
    if (st->ep) {
        stack_flush(st, now);
    }
    if (heap && heap != stackbuf)
        free(heap);
    if (rc == -EPIPE && !(flags & MSG_NOSIGNAL))
        raise(SIGPIPE);
    if (rc < 0)
        return fail(-rc);
    /* as Linux (sctp_sendmsg, sctp_sendmsg_check_sflags): SCTP_EOF and
     * SCTP_ABORT return 0 (the reason is not data); SCTP_SENDALL returns
     * what the last association it went over took (0 when it was skipped,
     * shut down or aborted, or when there was none) */
    if (p.flags & SCTP_SENDALL && !one_to_one)
        return sent_last ? (ssize_t)len : 0;
    if (p.flags & (SCTP_EOF | SCTP_ABORT))
        return 0;
    return (ssize_t)len;
}

ssize_t braid_sendmsg(int fd, const struct msghdr *m, int flags)
{
    bsock *s = bs_get(fd);
    if (!s)
        return sendmsg(fd, m, flags);
    int bad = uaccess_msghdr(m, true); /* EFAULT & co. before anything else (Linux) */
    ssize_t r = bad ? fail(-bad) : do_sendmsg(s, m, flags);
    bs_put(s);
    return r;
}

ssize_t braid_sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *to,
                     socklen_t tolen)
{
    bsock *s = bs_get(fd);
    if (!s)
        return sendto(fd, buf, len, flags, to, tolen);
    int bad = uaccess_sendto(buf, len, to, tolen);
    if (bad) {
        bs_put(s);
        return fail(-bad);
    }
    struct iovec iov = {(void *)(uintptr_t)buf, len};
    struct msghdr m;
    memset(&m, 0, sizeof m);
    m.msg_name = (void *)(uintptr_t)to;
    m.msg_namelen = tolen;
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    ssize_t r = do_sendmsg(s, &m, flags);
    bs_put(s);
    return r;
}

ssize_t braid_send(int fd, const void *buf, size_t len, int flags)
{
    if (!bs_is_braid(fd))
        return send(fd, buf, len, flags);
    return braid_sendto(fd, buf, len, flags, NULL, 0);
}

ssize_t braid_write(int fd, const void *buf, size_t len)
{
    if (!bs_is_braid(fd))
        return write(fd, buf, len);
    return braid_sendto(fd, buf, len, 0, NULL, 0);
}

/* ---- receive ---- */

static void put_cmsg(struct msghdr *m, size_t *used, int type, const void *data, size_t len)
{
    size_t need = CMSG_SPACE(len);
    if (!m->msg_control || *used + need > m->msg_controllen) {
        m->msg_flags |= MSG_CTRUNC;
        return;
    }
    struct cmsghdr *c = (struct cmsghdr *)((uint8_t *)m->msg_control + *used);
    if (!uaccess_ok(c, need))
        return; /* as Linux's put_cmsg: lost, no MSG_CTRUNC, the call succeeds */
    c->cmsg_level = IPPROTO_SCTP;
    c->cmsg_type = type;
    c->cmsg_len = CMSG_LEN(len);
    memcpy(CMSG_DATA(c), data, len);
    *used += need;
}

static void unlink_head(bsock *s)
{
    bnote *n = s->nhead;
    s->nhead = n->next;
    if (s->ntail == n)
        s->ntail = NULL;
    s->n_notes--;
    wmem_free(n);
}

/* RFC 6458 §5.3.6 SCTP_NXTINFO: what the next read returns, after a whole
 * message of cur was read; false when nothing waits. As Linux
 * (sctp_ulpevent_read_nxtinfo): its stream, ppid, flags (SCTP_UNORDERED,
 * SCTP_NOTIFICATION; Linux has no SCTP_COMPLETE), the bytes that are here. */
static bool next_info(bsock *s, braid_assoc_id cur, struct sctp_nxtinfo *nx)
{
    bstack *st = s->st;
    memset(nx, 0, sizeof *nx);
    braid_recv_info ri;
    uint32_t len = 0;
    braid_assoc_id id = cur;
    if (braid_assoc_next_msg(st->ep, cur, &ri, &len) != 0) {
        id = 0;
        for (bnote *n = s->nhead; n && !id; n = n->next) {
            if (n->mark && (braid_assoc_id)n->assoc == cur)
                continue;
            if (!n->mark) {
                nx->nxt_flags = SCTP_NOTIFICATION;
                nx->nxt_length = n->len;
                nx->nxt_assoc_id = n->assoc;
                return true;
            }
            if (braid_assoc_next_msg(st->ep, (braid_assoc_id)n->assoc, &ri, &len) == 0)
                id = (braid_assoc_id)n->assoc;
        }
        if (!id)
            return false;
    }
    nx->nxt_sid = ri.sid;
    nx->nxt_flags = (ri.flags & BRAID_RECV_UNORDERED) ? SCTP_UNORDERED : 0;
    nx->nxt_ppid = htonl(ri.ppid);
    nx->nxt_length = len;
    nx->nxt_assoc_id = (sctp_assoc_t)id;
    return true;
}

/* st locked: one notification or message piece, or -EAGAIN. */
static ssize_t recv_once(bsock *s, struct msghdr *m, int flags, uint64_t now)
{
    bstack *st = s->st;
    size_t cap = iov_total(m);
    size_t cused = 0;
    m->msg_flags = 0;
    if (s->pd_assoc && st->ep && !braid_assoc_readable(st->ep, s->pd_assoc)) {
        braid_assoc_status as;
        if (braid_assoc_status_get(st->ep, s->pd_assoc, &as) < 0)
            s->pd_assoc = 0; /* ended: what it left is gone */
        else
            return -EAGAIN; /* the rest of the message is still on its way */
    }
    /* One receive queue in arrival order, as Linux's: notifications and
     * data marks; as Linux (SCTP_FRAGMENT_INTERLEAVE 0), once a message is
     * partly read its pieces come before anything else. */
    braid_assoc_id id = s->pd_assoc;
    while (!id) {
        bnote *n = s->nhead;
        if (!n) {
            if ((s->type == SOCK_STREAM || s->peeled) && s->assoc && st->ep &&
                braid_assoc_readable(st->ep, s->assoc)) {
                id = s->assoc; /* (its mark could not be queued) */
                break;
            }
            return -EAGAIN;
        }
        if (n->mark) {
            if (st->ep && braid_assoc_readable(st->ep, (braid_assoc_id)n->assoc)) {
                id = (braid_assoc_id)n->assoc;
                break;
            }
            unlink_head(s); /* the association ended, or its data went with it */
            continue;
        }
        /* as Linux: a notification larger than the buffer is read in pieces,
         * MSG_EOR on the last (never truncated, never lost) */
        size_t got = iov_fill(m, n->data, n->len);
        m->msg_flags = MSG_NOTIFICATION;
        m->msg_controllen = 0;
        bool name_fault = false;
        if (m->msg_name) {
            /* as Linux (sctp_inet_skb_msgname): the association's peer */
            struct sockaddr_storage ss;
            socklen_t nl = 0;
            if (n->peer.family)
                nl = addr_to_sockaddr(&n->peer, n->peer_port, s->family, &ss);
            socklen_t cl = m->msg_namelen < nl ? m->msg_namelen : nl;
            if (!uaccess_ok(m->msg_name, cl))
                name_fault = true; /* as Linux: EFAULT once it is taken */
            else if (cl)
                memcpy(m->msg_name, &ss, cl);
            m->msg_namelen = nl;
        }
        if (flags & MSG_PEEK) {
            if (got == n->len)
                m->msg_flags |= MSG_EOR;
        } else if (got < n->len) {
            memmove(n->data, n->data + got, n->len - got);
            n->len -= (uint32_t)got;
        } else {
            m->msg_flags |= MSG_EOR;
            unlink_head(s);
        }
        return name_fault ? -EFAULT : (ssize_t)got;
    }
    uint8_t tmp[65536];
    uint8_t *dst = tmp;
    bool direct = m->msg_iovlen == 1;
    if (direct)
        dst = m->msg_iov[0].iov_base;
    size_t want = direct ? cap : (cap < sizeof tmp ? cap : sizeof tmp);
    braid_recv_info ri;
    int r = (flags & MSG_PEEK) ? braid_assoc_peek(st->ep, id, &ri, dst, want)
                               : braid_assoc_recv(st->ep, id, &ri, dst, want, now);
    if (r < 0)
        return -EAGAIN;
    if (!(flags & MSG_PEEK) && !braid_assoc_readable(st->ep, id))
        note_drop_data(s, (sctp_assoc_t)id); /* read to the end: the next arrival marks again */
    if (!direct)
        iov_fill(m, tmp, (size_t)r);
    if (ri.flags & BRAID_RECV_EOR)
        m->msg_flags |= MSG_EOR;
    if (!(flags & MSG_PEEK))
        s->pd_assoc = (ri.flags & BRAID_RECV_EOR) ? 0 : id;
    if (m->msg_name) {
        struct sockaddr_storage ss;
        braid_addr a;
        uint16_t port = 0;
        memset(&a, 0, sizeof a);
        braid_assoc_peer(st->ep, id, &a, &port);
        socklen_t nl = addr_to_sockaddr(&a, port, s->family, &ss);
        socklen_t cl = m->msg_namelen < nl ? m->msg_namelen : nl;
        if (!uaccess_ok(m->msg_name, cl))
            return -EFAULT; /* as Linux (move_addr_to_user): the data is taken */
        memcpy(m->msg_name, &ss, cl);
        m->msg_namelen = nl;
    }
    if (s->events.sctp_data_io_event) {
        struct sctp_sndrcvinfo i;
        memset(&i, 0, sizeof i);
        i.sinfo_stream = ri.sid;
        i.sinfo_ssn = ri.ssn;
        i.sinfo_flags = (ri.flags & BRAID_RECV_UNORDERED) ? SCTP_UNORDERED : 0;
        i.sinfo_ppid = htonl(ri.ppid); /* the wire bytes, as on Linux */
        i.sinfo_tsn = ri.tsn;
        i.sinfo_cumtsn = ri.cumtsn;
        i.sinfo_context = ri.context; /* SCTP_CONTEXT (Linux: the association's) */
        i.sinfo_assoc_id = (sctp_assoc_t)id;
        put_cmsg(m, &cused, SCTP_SNDRCV, &i, sizeof i);
    }
    if (s->recvrcvinfo) {
        struct sctp_rcvinfo i;
        memset(&i, 0, sizeof i);
        i.rcv_sid = ri.sid;
        i.rcv_ssn = ri.ssn;
        i.rcv_flags = (ri.flags & BRAID_RECV_UNORDERED) ? SCTP_UNORDERED : 0;
        i.rcv_ppid = htonl(ri.ppid);
        i.rcv_tsn = ri.tsn;
        i.rcv_cumtsn = ri.cumtsn;
        i.rcv_context = ri.context;
        i.rcv_assoc_id = (sctp_assoc_t)id;
        put_cmsg(m, &cused, SCTP_RCVINFO, &i, sizeof i);
    }
    struct sctp_nxtinfo nx;
    if (s->recvnxtinfo && !(flags & MSG_PEEK) && (ri.flags & BRAID_RECV_EOR) &&
        next_info(s, id, &nx))
        put_cmsg(m, &cused, SCTP_NXTINFO, &nx, sizeof nx);
    m->msg_controllen = cused;
    return r;
}

static bool owns_assoc(bsock *s)
{
    bstack *st = s->st;
    if (s->type == SOCK_STREAM || s->peeled)
        return s->assoc && !s->ended && st->ep && braid_assoc_state_get(st->ep, s->assoc) >= 0;
    for (braid_assoc_id id = st->ep ? braid_next_assoc(st->ep, 0) : 0; id;
         id = braid_next_assoc(st->ep, id))
        if (stack_owner(st, id) == s)
            return true;
    return false;
}

static ssize_t do_recvmsg(bsock *s, struct msghdr *m, int flags)
{
    bstack *st = s->st;
    bool nonblock = s->nonblock || (flags & MSG_DONTWAIT);
    uint64_t deadline = s->rcvtimeo_ns ? braid_now_ns() + s->rcvtimeo_ns : 0;
    size_t ctl_cap = m->msg_controllen;
    ssize_t rc;
    if (s->type == SOCK_STREAM && !s->peeled && (s->listening || (!s->assoc && !nonblock))) {
        /* Linux: ENOTCONN when listening, or when nothing could ever arrive */
        return fail(ENOTCONN);
    }
    bool fresh = false;
    uint64_t now = braid_now_ns(); /* one clock read unless the call waits */
    for (;;) {
        /* what is already here is handed over without reading the transport
         * first (at most every 20 us); an empty non-blocking socket looks at
         * once, a blocking one lets poll() say when there is something */
        if (fresh)
            world_pump(now);
        else
            world_pump_lazy(now);
        m->msg_controllen = ctl_cap;
        rc = recv_once(s, m, flags, now);
        if (rc == -EAGAIN && !fresh && nonblock) {
            fresh = true;
            continue;
        }
        fresh = false;
        if (rc != -EAGAIN)
            break;
        if (s->type == SOCK_STREAM && s->shut_rd) {
            rc = 0; /* as Linux: RCV_SHUTDOWN, end of file */
            break;
        }
        if (s->type == SOCK_STREAM && s->eof) {
            /* the association ended: its error once (Linux sk_err, e.g.
             * ECONNRESET after an ABORT), then end of file */
            rc = s->so_error ? -s->so_error : 0;
            s->so_error = 0;
            break;
        }
        if (s->type == SOCK_STREAM && s->ended) {
            /* our own shutdown is over and its data read: ENOTCONN, as
             * Linux's blocking read; a non-blocking one too (Linux: EAGAIN,
             * with poll() then silent; braid reports the socket readable so
             * a waiter wakes, and must not make a poll loop spin) */
            rc = -ENOTCONN;
            break;
        }
        if (nonblock)
            break;
        if (!s->listening && !owns_assoc(s)) {
            /* as Linux (sctp_wait_for_packet): no association and not
             * listening: nothing could ever arrive */
            rc = -ENOTCONN;
            break;
        }
        int w = world_wait(s, POLLIN, deadline);
        if (w == -ETIMEDOUT || w == -EINTR) {
            rc = w == -EINTR ? -EINTR : -EAGAIN;
            break;
        }
        fresh = true;
        now = braid_now_ns();
    }
    stack_flush(st, now); /* window updates */
    if (rc < 0) {
        m->msg_controllen = 0;
        return fail((int)-rc);
    }
    return rc;
}

ssize_t braid_recvmsg(int fd, struct msghdr *m, int flags)
{
    bsock *s = bs_get(fd);
    if (!s)
        return recvmsg(fd, m, flags);
    int bad = uaccess_msghdr(m, false);
    ssize_t r = bad ? fail(-bad) : do_recvmsg(s, m, flags);
    bs_put(s);
    return r;
}

ssize_t braid_recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *from,
                       socklen_t *fromlen)
{
    bsock *s = bs_get(fd);
    if (!s)
        return recvfrom(fd, buf, len, flags, from, fromlen);
    if (!uaccess_buf_ok(buf, len)) {
        bs_put(s);
        return fail(EFAULT);
    }
    /* as Linux: a bad fromlen (or none) with an address to fill is EFAULT
     * once the message is taken */
    bool badlen = from && !uaccess_ok(fromlen, sizeof *fromlen);
    struct iovec iov = {buf, len};
    struct msghdr m;
    memset(&m, 0, sizeof m);
    m.msg_name = badlen ? NULL : from;
    m.msg_namelen = m.msg_name ? *fromlen : 0;
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    ssize_t r = do_recvmsg(s, &m, flags);
    if (r >= 0 && badlen)
        r = fail(EFAULT);
    if (r >= 0 && m.msg_name)
        *fromlen = m.msg_namelen;
    bs_put(s);
    return r;
}

ssize_t braid_recv(int fd, void *buf, size_t len, int flags)
{
    if (!bs_is_braid(fd))
        return recv(fd, buf, len, flags);
    return braid_recvfrom(fd, buf, len, flags, NULL, NULL);
}

ssize_t braid_read(int fd, void *buf, size_t len)
{
    if (!bs_is_braid(fd))
        return read(fd, buf, len);
    return braid_recvfrom(fd, buf, len, 0, NULL, NULL);
}
