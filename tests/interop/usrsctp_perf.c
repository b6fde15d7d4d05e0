/*
 * usrsctp_perf: braid-perf's client and server on usrsctp (userland sockets,
 * RFC 6951 UDP encapsulation), so the same workloads run usrsctp <-> usrsctp,
 * braid <-> braid, braid <-> usrsctp and usrsctp <-> braid.
 *
 *   usrsctp_perf -s [-p PORT] [-u UDPPORT] [-1] [--one-to-many]
 *   usrsctp_perf -c HOST [-m bulk|msgs|pingpong] [-l SIZE] [-t SEC | -n BYTES]
 *                [--streams N] [--unordered] [--nodelay] [--assocs N]
 *                [-p PORT] [-u UDPPORT] [--local-udp PORT] [--json]
 *
 * The protocol and the command line are braid-perf's (tools/braid-perf.c,
 * docs/braid-perf-protocol.md): that file is compiled here with this file's
 * backend in place of braid's. usrsctp encapsulates in UDP from one port per
 * process (usrsctp_init): the server's -u port, or for the client
 * --local-udp (default: a free port picked at start). --pcap is not offered
 * (usrsctp has no packet capture of its own; capture on the braid side or
 * with tshark).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <usrsctp.h>

#define PERF_EXTERNAL_BACKEND
#define PERF_PROG "usrsctp_perf"
#include "../../tools/braid-perf.c"

struct pn_sock {
    struct socket *so;
    bool one_to_many;
};

static const char *pn_stack(void)
{
    return "usrsctp";
}

/* A UDP port free right now (bound to 0, read back, released). */
static uint16_t free_udp_port(void)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    socklen_t l = sizeof a;
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0 ||
        getsockname(fd, (struct sockaddr *)&a, &l) < 0) {
        if (fd >= 0)
            close(fd);
        return 0;
    }
    close(fd);
    return ntohs(a.sin_port);
}

static void debug_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
}

static uint16_t g_udp_port;   /* ours, given to usrsctp_init */
static uint16_t g_remote_udp; /* the server's, for a client */

/* $BRAID_UDP_PORT if set (as braid-perf), else 9899 (RFC 6951 §5.1). */
static uint16_t default_udp_port(void)
{
    const char *e = getenv("BRAID_UDP_PORT");
    long v = e ? strtol(e, NULL, 10) : 0;
    return v > 0 && v < 65536 ? (uint16_t)v : 9899;
}

static int pn_init(const perf_cfg *c)
{
    uint16_t port;
    g_remote_udp = c->udp_port ? c->udp_port : default_udp_port();
    if (c->server)
        port = c->udp_port ? c->udp_port : default_udp_port();
    else
        port = c->local_udp ? c->local_udp : free_udp_port();
    if (c->pcap)
        fprintf(stderr, "%s: --pcap is not supported with usrsctp (ignored)\n", PERF_PROG);
    if (c->assocs > 1 && c->local_udp && !c->server) {
        fprintf(stderr, "%s: usrsctp uses one UDP port for every association\n", PERF_PROG);
    }
    g_udp_port = port;
    usrsctp_init(port, NULL, getenv("USRSCTP_DEBUG") ? debug_printf : NULL);
#ifdef SCTP_DEBUG
    if (getenv("USRSCTP_DEBUG"))
        usrsctp_sysctl_set_sctp_debug_on(SCTP_DEBUG_ALL);
#endif
    /* no ABORTs for packets nobody listens to (other tests share the host) */
    usrsctp_sysctl_set_sctp_blackhole(2);
    return 0;
}

static int setopt(struct socket *so, int level, int name, const void *v, socklen_t l,
                  const char *what)
{
    if (usrsctp_setsockopt(so, level, name, v, l) < 0) {
        fprintf(stderr, "%s: setsockopt %s: %s\n", PERF_PROG, what, strerror(errno));
        return -1;
    }
    return 0;
}

static pn_sock *wrap(struct socket *so, bool one_to_many)
{
    pn_sock *s = calloc(1, sizeof *s);
    if (!s) {
        usrsctp_close(so);
        errno = ENOMEM;
        return NULL;
    }
    s->so = so;
    s->one_to_many = one_to_many;
    return s;
}

static pn_sock *new_sock(const pn_conf *pc)
{
    struct socket *so = usrsctp_socket(pc->family, pc->one_to_many ? SOCK_SEQPACKET : SOCK_STREAM,
                                       IPPROTO_SCTP, NULL, NULL, 0, NULL);
    if (!so)
        return NULL;
    struct sctp_initmsg im;
    memset(&im, 0, sizeof im);
    im.sinit_num_ostreams = pc->ostreams;
    im.sinit_max_instreams = pc->instreams;
    int on = 1, buf = (int)pc->buf;
    struct sctp_event ev;
    memset(&ev, 0, sizeof ev);
    ev.se_assoc_id = SCTP_FUTURE_ASSOC;
    ev.se_type = SCTP_ASSOC_CHANGE;
    ev.se_on = 1;
    if (setopt(so, IPPROTO_SCTP, SCTP_INITMSG, &im, sizeof im, "SCTP_INITMSG") < 0 ||
        setopt(so, IPPROTO_SCTP, SCTP_RECVRCVINFO, &on, sizeof on, "SCTP_RECVRCVINFO") < 0 ||
        (pc->nodelay &&
         setopt(so, IPPROTO_SCTP, SCTP_NODELAY, &on, sizeof on, "SCTP_NODELAY") < 0) ||
        (buf && setopt(so, SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf, "SO_SNDBUF") < 0) ||
        (buf && setopt(so, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf, "SO_RCVBUF") < 0) ||
        (pc->one_to_many &&
         setopt(so, IPPROTO_SCTP, SCTP_EVENT, &ev, sizeof ev, "SCTP_EVENT") < 0)) {
        usrsctp_close(so);
        return NULL;
    }
    return wrap(so, pc->one_to_many);
}

static pn_sock *pn_listen(const pn_conf *pc, const struct sockaddr *sa, socklen_t len)
{
    pn_sock *s = new_sock(pc);
    if (!s)
        return NULL;
    if (usrsctp_bind(s->so, (struct sockaddr *)(uintptr_t)sa, len) < 0 ||
        usrsctp_listen(s->so, 128) < 0) {
        int e = errno;
        pn_close(s);
        errno = e;
        return NULL;
    }
    return s;
}

static pn_sock *pn_accept(pn_sock *l)
{
    struct socket *so = usrsctp_accept(l->so, NULL, NULL);
    if (!so)
        return NULL;
    return wrap(so, false);
}

static pn_sock *pn_connect(const pn_conf *pc, const struct sockaddr *sa, socklen_t len)
{
    pn_sock *s = new_sock(pc);
    if (!s)
        return NULL;
    /* RFC 6951 §6.1: where the server's encapsulation listens (network order) */
    struct sctp_udpencaps u;
    memset(&u, 0, sizeof u);
    u.sue_address.ss_family = (sa_family_t)pc->family;
    u.sue_assoc_id = SCTP_FUTURE_ASSOC;
    u.sue_port = htons(pc->udp_port ? pc->udp_port : g_remote_udp);
    if (setopt(s->so, IPPROTO_SCTP, SCTP_REMOTE_UDP_ENCAPS_PORT, &u, sizeof u,
               "SCTP_REMOTE_UDP_ENCAPS_PORT") < 0 ||
        usrsctp_connect(s->so, (struct sockaddr *)(uintptr_t)sa, len) < 0) {
        int e = errno;
        pn_close(s);
        errno = e;
        return NULL;
    }
    return s;
}

static ssize_t pn_send(pn_sock *s, uint32_t assoc, const struct sockaddr *to, socklen_t tolen,
                       uint16_t sid, uint32_t ppid, bool unordered, const void *buf, size_t len)
{
    (void)tolen;
    struct sctp_sndinfo si;
    memset(&si, 0, sizeof si);
    si.snd_sid = sid;
    si.snd_flags = unordered ? SCTP_UNORDERED : 0;
    si.snd_ppid = htonl(ppid);
    si.snd_assoc_id = (sctp_assoc_t)assoc;
    return usrsctp_sendv(s->so, buf, len, (struct sockaddr *)(uintptr_t)to, to ? 1 : 0, &si,
                         sizeof si, SCTP_SENDV_SNDINFO, 0);
}

static ssize_t pn_recv(pn_sock *s, void *buf, size_t cap, pn_rinfo *ri)
{
    struct sctp_rcvinfo rcv;
    socklen_t rl = sizeof rcv;
    unsigned int type = 0;
    int flags = 0;
    struct sockaddr_storage from;
    socklen_t fl = sizeof from;
    memset(&rcv, 0, sizeof rcv);
    memset(ri, 0, sizeof *ri);
    ssize_t n =
        usrsctp_recvv(s->so, buf, cap, (struct sockaddr *)&from, &fl, &rcv, &rl, &type, &flags);
    if (n < 0)
        return n;
    if (flags & MSG_NOTIFICATION) {
        ri->flags = PN_NOTIF | PN_EOR;
        const union sctp_notification *sn = buf;
        if ((size_t)n >= sizeof(struct sctp_assoc_change) &&
            sn->sn_header.sn_type == SCTP_ASSOC_CHANGE) {
            ri->assoc = (uint32_t)sn->sn_assoc_change.sac_assoc_id;
            switch (sn->sn_assoc_change.sac_state) {
            case SCTP_COMM_UP: ri->notif = PN_N_UP; break;
            case SCTP_COMM_LOST:
            case SCTP_SHUTDOWN_COMP:
            case SCTP_CANT_STR_ASSOC: ri->notif = PN_N_DOWN; break;
            default: break;
            }
        }
        return n;
    }
    if (flags & MSG_EOR)
        ri->flags |= PN_EOR;
    if (type == SCTP_RECVV_RCVINFO) {
        ri->assoc = (uint32_t)rcv.rcv_assoc_id;
        ri->sid = rcv.rcv_sid;
        ri->ppid = ntohl(rcv.rcv_ppid);
        if (rcv.rcv_flags & SCTP_UNORDERED)
            ri->flags |= PN_UNORDERED;
    }
    return n;
}

static void pn_close(pn_sock *s)
{
    if (!s)
        return;
    usrsctp_close(s->so);
    free(s);
}

static int pn_shutdown(pn_sock *s, const struct sockaddr *to, socklen_t tolen)
{
    (void)tolen;
    if (!s->one_to_many)
        return usrsctp_shutdown(s->so, SHUT_WR);
    struct sctp_sndinfo si;
    memset(&si, 0, sizeof si);
    si.snd_flags = SCTP_EOF;
    return usrsctp_sendv(s->so, NULL, 0, (struct sockaddr *)(uintptr_t)to, 1, &si, sizeof si,
                         SCTP_SENDV_SNDINFO, 0) < 0
               ? -1
               : 0;
}

static unsigned pn_local_udp(pn_sock *l)
{
    (void)l;
    return g_udp_port;
}

static int pn_streams(pn_sock *s, uint32_t assoc, unsigned *in, unsigned *out)
{
    struct sctp_status st;
    memset(&st, 0, sizeof st);
    st.sstat_assoc_id = (sctp_assoc_t)assoc;
    socklen_t l = sizeof st;
    if (usrsctp_getsockopt(s->so, IPPROTO_SCTP, SCTP_STATUS, &st, &l) < 0)
        return -1;
    *in = st.sstat_instrms;
    *out = st.sstat_outstrms;
    return 0;
}

static int64_t pn_retransmits(void)
{
    struct sctpstat st;
    usrsctp_get_stat(&st);
    return (int64_t)st.sctps_sendretransdata;
}
