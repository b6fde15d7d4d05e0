/*
 * Socket options, table-driven (RFC 6458 §8). Each entry names the level,
 * the option, the smallest valid length and its setter and getter; options
 * not in the table answer ENOPROTOOPT, as Linux does for unknown ones.
 * All handlers run with the socket's stack locked.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/time.h>

#include "internal.h"
#include "uaccess.h"

typedef int (*opt_set_fn)(bsock *s, const void *val, socklen_t len);
typedef int (*opt_get_fn)(bsock *s, void *val, socklen_t *len);

typedef struct opt_entry {
    int level, name;
    socklen_t min_len;
    opt_set_fn set;
    opt_get_fn get;
} opt_entry;

/* settings live in the stack before the engine starts, in the engine after */
static braid_settings cur(bsock *s)
{
    braid_settings c = s->st->cfg;
    if (s->st->ep)
        braid_endpoint_get_settings(s->st->ep, &c);
    return c;
}

/* What a running endpoint refuses (braid_endpoint_update_settings: a PMTU
 * outside BRAID_MIN_PMTU..65535, no streams, RTO.Min 0 or above RTO.Max, ...) is
 * refused before it runs too: else listen() or connect() would fail later,
 * with nothing to say which option was wrong. */
static int apply(bsock *s, const braid_settings *c)
{
    if (braid_settings_check(c) < 0) /* refused now, not at listen/connect */
        return -EINVAL;
    if (s->st->ep && braid_endpoint_update_settings(s->st->ep, c) < 0)
        return -EINVAL;
    s->st->cfg = *c;
    return 0;
}

static int put(void *val, socklen_t *len, const void *src, socklen_t n)
{
    if (*len < n)
        return -EINVAL;
    memcpy(val, src, n);
    *len = n;
    return 0;
}

/* The application's buffer need not be aligned (the kernel copies bytes). */
static int get_int(const void *val)
{
    int x;
    memcpy(&x, val, sizeof x);
    return x;
}

/* ---- SOL_SOCKET ---- */

/* As Linux (sock_setsockopt, socket(7)): the value, taken as unsigned and
 * capped, is doubled "to allow space for bookkeeping overhead", and that is
 * what getsockopt returns; never refused. The floors are Linux's
 * SOCK_MIN_SNDBUF and SOCK_MIN_RCVBUF (2 x and 1 x (2048 + the 256 bytes of
 * an aligned sk_buff) on x86-64). Linux caps at net.core.wmem_max /
 * rmem_max (212992 by default); braid has no sysctl and caps at 128 MiB
 * (the transport's kernel buffers are four times the doubled value, an int).
 * Linux SCTP limits what is queued to send by sk_sndbuf, the doubled value,
 * and advertises half of sk_rcvbuf as its window (sctp_assoc_init:
 * rwnd = max(sk_rcvbuf / 2, SCTP_DEFAULT_MINWINDOW 1500)): braid's send
 * buffer is the doubled value, its receive buffer (the window) the half. */
#define SOCKBUF_CAP (128u << 20)
#define SOCK_MIN_SNDBUF 4608u
#define SOCK_MIN_RCVBUF 2304u

static uint32_t sockbuf(const void *v, uint32_t floor)
{
    uint32_t x = (uint32_t)get_int(v);
    if (x > SOCKBUF_CAP)
        x = SOCKBUF_CAP;
    return 2 * x < floor ? floor : 2 * x;
}
static int set_rcvbuf(bsock *s, const void *v, socklen_t l)
{
    (void)l;
    braid_settings c = cur(s);
    uint32_t b = sockbuf(v, SOCK_MIN_RCVBUF);
    c.rcvbuf = b / 2 < 1500 ? 1500 : b / 2;
    int rc = apply(s, &c);
    if (rc == 0)
        s->st->o.so_rcvbuf = b;
    return rc;
}
static int get_rcvbuf(bsock *s, void *v, socklen_t *l)
{
    /* braid's default window (256 KiB) reads back doubled, as Linux's */
    int x = (int)(s->st->o.so_rcvbuf ? s->st->o.so_rcvbuf : 2 * cur(s).rcvbuf);
    return put(v, l, &x, sizeof x);
}
static int set_sndbuf(bsock *s, const void *v, socklen_t l)
{
    (void)l;
    braid_settings c = cur(s);
    c.sndbuf = sockbuf(v, SOCK_MIN_SNDBUF);
    return apply(s, &c);
}
static int get_sndbuf(bsock *s, void *v, socklen_t *l)
{
    int x = (int)cur(s).sndbuf;
    return put(v, l, &x, sizeof x);
}

static uint64_t tv_ns(const struct timeval *tv)
{
    return (uint64_t)tv->tv_sec * 1000000000ull + (uint64_t)tv->tv_usec * 1000ull;
}
/* As Linux (sock_set_timeout): a time longer than the clock can count is
 * no timeout at all; ~126 years keeps now + the time within 64-bit ns. */
#define TIMEO_MAX_SEC 4000000000ll

static int set_timeo(uint64_t *dst, const void *v)
{
    struct timeval tv;
    memcpy(&tv, v, sizeof tv);
    if (tv.tv_sec < 0 || tv.tv_usec < 0 || tv.tv_usec >= 1000000)
        return -EDOM;
    *dst = tv.tv_sec >= TIMEO_MAX_SEC ? 0 : tv_ns(&tv);
    return 0;
}
static int set_rcvtimeo(bsock *s, const void *v, socklen_t l)
{
    (void)l;
    return set_timeo(&s->rcvtimeo_ns, v);
}
static int set_sndtimeo(bsock *s, const void *v, socklen_t l)
{
    (void)l;
    return set_timeo(&s->sndtimeo_ns, v);
}
static int get_timeo(uint64_t ns, void *v, socklen_t *l)
{
    struct timeval tv = {(time_t)(ns / 1000000000ull), (suseconds_t)(ns % 1000000000ull / 1000)};
    return put(v, l, &tv, sizeof tv);
}
static int get_rcvtimeo(bsock *s, void *v, socklen_t *l)
{
    return get_timeo(s->rcvtimeo_ns, v, l);
}
static int get_sndtimeo(bsock *s, void *v, socklen_t *l)
{
    return get_timeo(s->sndtimeo_ns, v, l);
}

static int get_error(bsock *s, void *v, socklen_t *l)
{
    int e = s->so_error;
    s->so_error = 0; /* reading SO_ERROR clears it */
    return put(v, l, &e, sizeof e);
}
static int get_type(bsock *s, void *v, socklen_t *l)
{
    int t = s->peeled ? SOCK_SEQPACKET : s->type; /* Linux: peeled sockets are SEQPACKET */
    return put(v, l, &t, sizeof t);
}
static int get_domain(bsock *s, void *v, socklen_t *l)
{
    int d = s->family;
    return put(v, l, &d, sizeof d);
}
static int get_protocol(bsock *s, void *v, socklen_t *l)
{
    (void)s;
    int p = IPPROTO_SCTP;
    return put(v, l, &p, sizeof p);
}
static int set_accept_any(bsock *s, const void *v, socklen_t l)
{
    (void)s, (void)v, (void)l; /* SO_REUSEADDR, SO_KEEPALIVE, ...: accepted */
    return 0;
}
static int set_linger(bsock *s, const void *v, socklen_t l)
{
    (void)l;
    memcpy(&s->linger, v, sizeof s->linger);
    return 0;
}
static int get_linger(bsock *s, void *v, socklen_t *l)
{
    return put(v, l, &s->linger, sizeof s->linger);
}

/* ---- IPPROTO_SCTP ---- */

static int set_initmsg(bsock *s, const void *v, socklen_t l)
{
    (void)l;
    struct sctp_initmsg im;
    memcpy(&im, v, sizeof im);
    braid_settings c = cur(s);
    /* RFC 6458 §8.1.3: zero leaves a value unchanged */
    if (im.sinit_num_ostreams)
        c.outbound_streams = im.sinit_num_ostreams;
    if (im.sinit_max_instreams)
        c.max_inbound_streams = im.sinit_max_instreams;
    if (im.sinit_max_attempts)
        c.max_init_retrans = im.sinit_max_attempts;
    /* RFC 6458 §8.1.3: "the largest time-out or retransmission time-out
     * when sending an INIT": the cap of the T1-init back-off (RFC 9260
     * §5.1, §6.3.3), not RTO.Max (Linux: max_init_timeo) */
    if (im.sinit_max_init_timeo)
        c.max_init_timeo_ns = (uint64_t)im.sinit_max_init_timeo * 1000000ull;
    return apply(s, &c);
}
static int get_initmsg(bsock *s, void *v, socklen_t *l)
{
    braid_settings c = cur(s);
    uint64_t mit = c.max_init_timeo_ns ? c.max_init_timeo_ns : c.rto_max_ns;
    struct sctp_initmsg im = {c.outbound_streams, c.max_inbound_streams,
                              (uint16_t)c.max_init_retrans, (uint16_t)(mit / 1000000)};
    return put(v, l, &im, sizeof im);
}

/* RFC 6458 §6.1.9 / Linux: subscribing to SCTP_SENDER_DRY_EVENT while
 * nothing is queued or in flight reports "dry" at once. */
static void dry_now(bsock *s, braid_assoc_id id)
{
    braid_assoc_status as;
    if (!id || !s->st->ep || braid_assoc_status_get(s->st->ep, id, &as) < 0 ||
        as.state != BRAID_STATE_ESTABLISHED || as.unacked || as.pending)
        return;
    struct sctp_sender_dry_event n;
    memset(&n, 0, sizeof n);
    n.sender_dry_type = SCTP_SENDER_DRY_EVENT;
    n.sender_dry_length = sizeof n;
    n.sender_dry_assoc_id = (sctp_assoc_t)id;
    note_push(s, (sctp_assoc_t)id, &n, sizeof n);
}

static int set_events(bsock *s, const void *v, socklen_t l)
{
    /* RFC 6458 §8.1.14: older, shorter structures are accepted and change
     * only the classes they cover (Linux); longer ones are not */
    if (l > sizeof s->events)
        return -EINVAL;
    bool was_dry = s->events.sctp_sender_dry_event;
    memcpy(&s->events, v, l);
    if (!was_dry && s->events.sctp_sender_dry_event && (s->type == SOCK_STREAM || s->peeled))
        dry_now(s, s->assoc);
    return 0;
}
static int get_events(bsock *s, void *v, socklen_t *l)
{
    socklen_t n = *l < sizeof s->events ? *l : (socklen_t)sizeof s->events;
    memcpy(v, &s->events, n);
    *l = n;
    return 0;
}

static uint8_t *event_flag(bsock *s, uint16_t type)
{
    switch (type) {
    case SCTP_DATA_IO_EVENT: return &s->events.sctp_data_io_event;
    case SCTP_ASSOC_CHANGE: return &s->events.sctp_association_event;
    case SCTP_PEER_ADDR_CHANGE: return &s->events.sctp_address_event;
    case SCTP_SEND_FAILED: return &s->events.sctp_send_failure_event;
    case SCTP_REMOTE_ERROR: return &s->events.sctp_peer_error_event;
    case SCTP_SHUTDOWN_EVENT: return &s->events.sctp_shutdown_event;
    case SCTP_PARTIAL_DELIVERY_EVENT: return &s->events.sctp_partial_delivery_event;
    case SCTP_ADAPTATION_INDICATION: return &s->events.sctp_adaptation_layer_event;
    case SCTP_AUTHENTICATION_EVENT: return &s->events.sctp_authentication_event;
    case SCTP_SENDER_DRY_EVENT: return &s->events.sctp_sender_dry_event;
    case SCTP_STREAM_RESET_EVENT: return &s->events.sctp_stream_reset_event;
    case SCTP_ASSOC_RESET_EVENT: return &s->events.sctp_assoc_reset_event;
    case SCTP_STREAM_CHANGE_EVENT: return &s->events.sctp_stream_change_event;
    case SCTP_SEND_FAILED_EVENT: return &s->events.sctp_send_failure_event_event;
    default: return NULL;
    }
}
static int set_event(bsock *s, const void *v, socklen_t l)
{
    (void)l;
    struct sctp_event e;
    memcpy(&e, v, sizeof e);
    uint8_t *f = event_flag(s, e.se_type);
    if (!f)
        return -EINVAL;
    bool one = s->type == SOCK_STREAM || s->peeled;
    braid_assoc_status as;
    if (!one && e.se_assoc_id > SCTP_ALL_ASSOC &&
        (!s->st->ep || braid_assoc_status_get(s->st->ep, (braid_assoc_id)e.se_assoc_id, &as) < 0 ||
         stack_owner(s->st, (braid_assoc_id)e.se_assoc_id) != s))
        return -EINVAL; /* Linux: no such association */
    /* (subscriptions are per socket here; Linux also keeps them per
     * association, which only differs for one-to-many sockets whose
     * existing associations are left out by SCTP_FUTURE_ASSOC) */
    bool was = *f;
    *f = e.se_on ? 1 : 0;
    if (!was && *f && e.se_type == SCTP_SENDER_DRY_EVENT) {
        if (one)
            dry_now(s, s->assoc);
        else if (e.se_assoc_id > SCTP_ALL_ASSOC)
            dry_now(s, (braid_assoc_id)e.se_assoc_id);
        else if (s->st->ep &&
                 (e.se_assoc_id == SCTP_CURRENT_ASSOC || e.se_assoc_id == SCTP_ALL_ASSOC))
            for (braid_assoc_id id = braid_next_assoc(s->st->ep, 0); id;
                 id = braid_next_assoc(s->st->ep, id))
                if (stack_owner(s->st, id) == s)
                    dry_now(s, id);
    }
    return 0;
}
static int get_event(bsock *s, void *v, socklen_t *l)
{
    struct sctp_event e;
    memcpy(&e, v, sizeof e);
    uint8_t *f = event_flag(s, e.se_type);
    if (!f)
        return -EINVAL;
    e.se_on = *f;
    return put(v, l, &e, sizeof e);
}

static int set_flag_int(bool *dst, const void *v)
{
    *dst = get_int(v) != 0;
    return 0;
}
static int set_nodelay(bsock *s, const void *v, socklen_t l)
{
    (void)l;
    set_flag_int(&s->nodelay, v);
    braid_settings c = cur(s);
    c.nodelay = s->nodelay;
    return apply(s, &c);
}
static int get_nodelay(bsock *s, void *v, socklen_t *l)
{
    int x = cur(s).nodelay;
    return put(v, l, &x, sizeof x);
}
static int set_recvrcvinfo(bsock *s, const void *v, socklen_t l)
{
    (void)l;
    return set_flag_int(&s->recvrcvinfo, v);
}
static int get_recvrcvinfo(bsock *s, void *v, socklen_t *l)
{
    int x = s->recvrcvinfo;
    return put(v, l, &x, sizeof x);
}
static int set_recvnxtinfo(bsock *s, const void *v, socklen_t l)
{
    (void)l;
    return set_flag_int(&s->recvnxtinfo, v);
}
static int get_recvnxtinfo(bsock *s, void *v, socklen_t *l)
{
    int x = s->recvnxtinfo;
    return put(v, l, &x, sizeof x);
}

static bool udp_style(const bsock *s);
static braid_assoc_id id2assoc(bsock *s, sctp_assoc_t id);

/* As Linux (sctp_setsockopt_default_send_param / _default_sndinfo): only
 * these flags, and on a one-to-many socket an id beyond the wildcards must
 * be one of its associations. (braid keeps one set of defaults per socket:
 * one association's own defaults set the socket's.) */
static int default_send_ok(bsock *s, uint16_t flags, sctp_assoc_t id)
{
    if (flags & ~(SCTP_UNORDERED | SCTP_ADDR_OVER | SCTP_ABORT | SCTP_EOF))
        return -EINVAL;
    if (id > SCTP_ALL_ASSOC && udp_style(s) && !id2assoc(s, id))
        return -EINVAL;
    return 0;
}

static int set_default_send(bsock *s, const void *v, socklen_t l)
{
    (void)l;
    struct sctp_sndrcvinfo i;
    memcpy(&i, v, sizeof i);
    int rc = default_send_ok(s, i.sinfo_flags, i.sinfo_assoc_id);
    if (rc < 0)
        return rc;
    s->default_send = i;
    return 0;
}
static int get_default_send(bsock *s, void *v, socklen_t *l)
{
    return put(v, l, &s->default_send, sizeof s->default_send);
}
static int set_default_sndinfo(bsock *s, const void *v, socklen_t l)
{
    (void)l;
    struct sctp_sndinfo i;
    memcpy(&i, v, sizeof i);
    int rc = default_send_ok(s, i.snd_flags, i.snd_assoc_id);
    if (rc < 0)
        return rc;
    s->default_send.sinfo_stream = i.snd_sid;
    s->default_send.sinfo_flags = i.snd_flags;
    s->default_send.sinfo_ppid = i.snd_ppid;
    s->default_send.sinfo_context = i.snd_context;
    return 0;
}
static int get_default_sndinfo(bsock *s, void *v, socklen_t *l)
{
    struct sctp_sndinfo i;
    memset(&i, 0, sizeof i);
    i.snd_sid = s->default_send.sinfo_stream;
    i.snd_flags = s->default_send.sinfo_flags;
    i.snd_ppid = s->default_send.sinfo_ppid;
    i.snd_context = s->default_send.sinfo_context;
    return put(v, l, &i, sizeof i);
}

/* The association an option is about: the socket's own, or the id given. */
static braid_assoc_id opt_assoc(bsock *s, sctp_assoc_t id)
{
    if (s->type == SOCK_STREAM || s->peeled)
        return s->assoc;
    /* as Linux (sctp_id2assoc): only one of this socket's, not one peeled
     * off it (that one is its new socket's) */
    if (id <= SCTP_ALL_ASSOC || stack_owner(s->st, (braid_assoc_id)id) != s)
        return 0;
    return (braid_assoc_id)id;
}

static int32_t sstat_state(braid_state st)
{
    switch (st) {
    case BRAID_STATE_COOKIE_WAIT: return SCTP_COOKIE_WAIT;
    case BRAID_STATE_COOKIE_ECHOED: return SCTP_COOKIE_ECHOED;
    case BRAID_STATE_ESTABLISHED: return SCTP_ESTABLISHED;
    case BRAID_STATE_SHUTDOWN_PENDING: return SCTP_SHUTDOWN_PENDING;
    case BRAID_STATE_SHUTDOWN_SENT: return SCTP_SHUTDOWN_SENT;
    case BRAID_STATE_SHUTDOWN_RECEIVED: return SCTP_SHUTDOWN_RECEIVED;
    case BRAID_STATE_SHUTDOWN_ACK_SENT: return SCTP_SHUTDOWN_ACK_SENT;
    default: return SCTP_CLOSED;
    }
}

/* What braid's packet sizes leave out: the IP header of the family, and the
 * UDP header of RFC 6951 encapsulation. Linux's path MTUs count them. */
static unsigned ip_overhead(const bsock *s)
{
    return (s->family == AF_INET6 ? 40u : 20u) + (s->st->io_kind == BRAID_IO_UDP ? 8u : 0u);
}

static void fill_paddrinfo(bsock *s, const braid_assoc_status *as, unsigned i, sctp_assoc_t id,
                           struct sctp_paddrinfo *pi)
{
    memset(pi, 0, sizeof *pi);
    pi->spinfo_assoc_id = id;
    struct sockaddr_storage ss;
    addr_to_sockaddr(&as->paths[i].addr, as->peer_port, s->family, &ss);
    memcpy(&pi->spinfo_address, &ss, sizeof ss);
    pi->spinfo_state = as->paths[i].active ? SCTP_ACTIVE : SCTP_INACTIVE;
    if (!as->paths[i].confirmed)
        pi->spinfo_state = SCTP_UNCONFIRMED;
    pi->spinfo_cwnd = as->paths[i].cwnd;
    pi->spinfo_srtt = (uint32_t)(as->paths[i].srtt_ns / 1000000);
    pi->spinfo_rto = (uint32_t)(as->paths[i].rto_ns / 1000000);
    pi->spinfo_mtu = as->paths[i].pmtu + ip_overhead(s); /* IP + UDP excluded inside braid */
}

static int get_status(bsock *s, void *v, socklen_t *l)
{
    struct sctp_status st;
    if (*l < (socklen_t)sizeof st)
        return -EINVAL;
    memcpy(&st, v, sizeof st);
    braid_assoc_id id = opt_assoc(s, st.sstat_assoc_id);
    braid_assoc_status as;
    if (!s->st->ep || !id || braid_assoc_status_get(s->st->ep, id, &as) < 0)
        return -EINVAL;
    memset(&st, 0, sizeof st);
    st.sstat_assoc_id = (sctp_assoc_t)id;
    st.sstat_state = sstat_state(as.state);
    st.sstat_rwnd = as.peer_rwnd;
    st.sstat_unackdata = (uint16_t)(as.unacked > 65535 ? 65535 : as.unacked);
    st.sstat_penddata = (uint16_t)(as.pending > 65535 ? 65535 : as.pending);
    st.sstat_instrms = as.in_streams;
    st.sstat_outstrms = as.out_streams;
    st.sstat_fragmentation_point = as.frag_point;
    if (as.n_paths)
        fill_paddrinfo(s, &as, as.primary, (sctp_assoc_t)id, &st.sstat_primary);
    return put(v, l, &st, sizeof st);
}

static int addr2path(bsock *s, const struct sockaddr_storage *ss, sctp_assoc_t id,
                     braid_assoc_id *aid, braid_addr *addr);

/* As Linux (sctp_getsockopt_peer_addr_info, sctp_addr_id2transport): the
 * path to that peer address and port, of the association the id names if
 * it names one; else EINVAL. */
static int get_paddrinfo(bsock *s, void *v, socklen_t *l)
{
    struct sctp_paddrinfo pi;
    if (*l < (socklen_t)sizeof pi)
        return -EINVAL;
    memcpy(&pi, v, sizeof pi);
    braid_addr a;
    braid_assoc_id id = 0;
    struct sockaddr_storage ss;
    memcpy(&ss, &pi.spinfo_address, sizeof ss);
    if (addr2path(s, &ss, pi.spinfo_assoc_id, &id, &a) < 0)
        return -EINVAL;
    braid_assoc_status as;
    if (braid_assoc_status_get(s->st->ep, id, &as) < 0)
        return -EINVAL;
    for (unsigned i = 0; i < as.n_paths; i++)
        if (as.paths[i].addr.family == a.family &&
            !memcmp(as.paths[i].addr.ip, a.ip, a.family == 6 ? 16 : 4)) {
            fill_paddrinfo(s, &as, i, (sctp_assoc_t)id, &pi);
            return put(v, l, &pi, sizeof pi);
        }
    return -EINVAL;
}

static int set_rtoinfo(bsock *s, const void *v, socklen_t l)
{
    (void)l;
    struct sctp_rtoinfo r;
    memcpy(&r, v, sizeof r);
    braid_settings c = cur(s);
    /* RFC 6458 §8.1.1: zero leaves a value unchanged (milliseconds) */
    if (r.srto_initial)
        c.rto_initial_ns = (uint64_t)r.srto_initial * 1000000ull;
    if (r.srto_max)
        c.rto_max_ns = (uint64_t)r.srto_max * 1000000ull;
    if (r.srto_min)
        c.rto_min_ns = (uint64_t)r.srto_min * 1000000ull;
    return apply(s, &c);
}
static int get_rtoinfo(bsock *s, void *v, socklen_t *l)
{
    struct sctp_rtoinfo r;
    memcpy(&r, v, sizeof r < *l ? sizeof r : *l);
    braid_settings c = cur(s);
    r.srto_initial = (uint32_t)(c.rto_initial_ns / 1000000);
    r.srto_max = (uint32_t)(c.rto_max_ns / 1000000);
    r.srto_min = (uint32_t)(c.rto_min_ns / 1000000);
    return put(v, l, &r, sizeof r);
}

static int set_associnfo(bsock *s, const void *v, socklen_t l)
{
    (void)l;
    struct sctp_assocparams p;
    memcpy(&p, v, sizeof p);
    braid_settings c = cur(s);
    if (p.sasoc_asocmaxrxt)
        c.assoc_max_retrans = p.sasoc_asocmaxrxt;
    if (p.sasoc_cookie_life)
        c.valid_cookie_life_ns = (uint64_t)p.sasoc_cookie_life * 1000000ull;
    return apply(s, &c);
}
static int get_associnfo(bsock *s, void *v, socklen_t *l)
{
    struct sctp_assocparams p;
    memcpy(&p, v, sizeof p < *l ? sizeof p : *l);
    braid_settings c = cur(s);
    p.sasoc_asocmaxrxt = (uint16_t)c.assoc_max_retrans;
    p.sasoc_number_peer_destinations = 0;
    p.sasoc_peer_rwnd = 0;
    p.sasoc_local_rwnd = c.rcvbuf;
    p.sasoc_cookie_life = (uint32_t)(c.valid_cookie_life_ns / 1000000);
    braid_assoc_id id = opt_assoc(s, p.sasoc_assoc_id);
    braid_assoc_status as;
    if (id && s->st->ep && braid_assoc_status_get(s->st->ep, id, &as) == 0) {
        p.sasoc_number_peer_destinations = (uint16_t)as.n_paths;
        p.sasoc_peer_rwnd = as.peer_rwnd;
        p.sasoc_local_rwnd = as.local_rwnd;
    }
    return put(v, l, &p, sizeof p);
}

/* ---- Linux's association lookup rules ---- */

/* Linux's socket styles: SOCK_STREAM sockets are "TCP style", one-to-many
 * ones "UDP style"; a peeled-off socket is neither (UDP_HIGH_BANDWIDTH):
 * it has one association, as a one-to-one socket. */
static bool tcp_style(const bsock *s)
{
    return s->type == SOCK_STREAM && !s->peeled;
}
static bool udp_style(const bsock *s)
{
    return s->type == SOCK_SEQPACKET && !s->peeled;
}

/* As Linux's sctp_id2assoc: a one-to-one (or peeled) socket's association
 * whatever the id, once it is up; on a one-to-many socket the one with that
 * id if it is this socket's (not peeled off) and not ended; else 0. */
static braid_assoc_id id2assoc(bsock *s, sctp_assoc_t id)
{
    bstack *st = s->st;
    if (!st->ep)
        return 0;
    if (!udp_style(s)) {
        int state = s->assoc ? braid_assoc_state_get(st->ep, s->assoc) : -1;
        return state >= BRAID_STATE_ESTABLISHED ? s->assoc : 0;
    }
    if (id <= SCTP_ALL_ASSOC || stack_owner(st, (braid_assoc_id)id) != s ||
        braid_assoc_state_get(st->ep, (braid_assoc_id)id) <= BRAID_STATE_CLOSED)
        return 0;
    return (braid_assoc_id)id;
}

/* Linux's sctp_is_any: a wildcard address (AF_UNSPEC: of the socket's family). */
static bool addr_is_any(const bsock *s, const struct sockaddr_storage *ss)
{
    int fam = ss->ss_family != AF_UNSPEC ? ss->ss_family : s->family;
    if (fam == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
        return a->sin_addr.s_addr == htonl(INADDR_ANY);
    }
    if (fam == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
        return IN6_IS_ADDR_UNSPECIFIED(&a->sin6_addr);
    }
    return false;
}

/* As Linux's sctp_addr_id2transport: the path to a peer address (its port
 * too) of one of this socket's associations; if id names an association it
 * must be that one. 0 and the association and address, or -EINVAL. */
static int addr2path(bsock *s, const struct sockaddr_storage *ss, sctp_assoc_t id,
                     braid_assoc_id *aid, braid_addr *addr)
{
    uint16_t port;
    if (!s->st->ep || addr_from_sockaddr((const struct sockaddr *)ss, sizeof *ss, addr, &port) < 0)
        return -EINVAL;
    braid_assoc_id a = braid_find_assoc(s->st->ep, addr, port);
    if (!a || stack_owner(s->st, a) != s)
        return -EINVAL;
    braid_assoc_id by_id = id2assoc(s, id);
    if (by_id && by_id != a)
        return -EINVAL;
    *aid = a;
    return 0;
}

/* The associations of this socket, for SCTP_CURRENT_ASSOC / SCTP_ALL_ASSOC. */
static braid_assoc_id next_own(bsock *s, braid_assoc_id after)
{
    for (braid_assoc_id id = braid_next_assoc(s->st->ep, after); id;
         id = braid_next_assoc(s->st->ep, id))
        if (stack_owner(s->st, id) == s)
            return id;
    return 0;
}

/* ---- SCTP_MAXSEG (RFC 6458 §8.1.16) ---- */

/* As Linux's sctp_setsockopt_maxseg: 0 lets the PMTU decide; else at least
 * what a 512-byte path MTU leaves for DATA (sctp_min_frag_point: 464 bytes
 * over IPv4, 444 over IPv6, 8 less with UDP encapsulation) and at most
 * SCTP_MAX_CHUNK_LEN less the DATA header. One association: its
 * fragmentation point (the PMTU's, at most this, a multiple of 4) follows;
 * else the socket's default for future associations. */
static int set_maxseg(bsock *s, const void *v, socklen_t l)
{
    sctp_assoc_t id;
    uint32_t x;
    if (l == sizeof(int)) {
        id = SCTP_FUTURE_ASSOC;
        x = (uint32_t)get_int(v);
    } else if (l == sizeof(struct sctp_assoc_value)) {
        struct sctp_assoc_value av;
        memcpy(&av, v, sizeof av);
        id = av.assoc_id;
        x = av.assoc_value;
    } else {
        return -EINVAL;
    }
    braid_assoc_id a = id2assoc(s, id);
    if (!a && id != SCTP_FUTURE_ASSOC && udp_style(s))
        return -EINVAL;
    if (x && (x < 512 - ip_overhead(s) - 12 - 16 || x > 65535 - 16))
        return -EINVAL;
    if (a)
        return braid_assoc_set_max_seg(s->st->ep, a, x) < 0 ? -EINVAL : 0;
    braid_settings c = cur(s);
    c.max_seg = x;
    return apply(s, &c);
}
/* The association's fragmentation point, or the socket's SCTP_MAXSEG
 * (0 unless set), in the form given (the int form is Linux's older one). */
static int get_maxseg(bsock *s, void *v, socklen_t *l)
{
    struct sctp_assoc_value av = {SCTP_FUTURE_ASSOC, 0};
    socklen_t n = *l;
    if (n >= (socklen_t)sizeof av) {
        n = sizeof av;
        memcpy(&av, v, sizeof av);
    } else if (n != sizeof(int)) {
        return -EINVAL;
    }
    braid_assoc_id a = id2assoc(s, av.assoc_id);
    if (!a && av.assoc_id != SCTP_FUTURE_ASSOC && udp_style(s))
        return -EINVAL;
    braid_assoc_status as;
    if (a && braid_assoc_status_get(s->st->ep, a, &as) == 0)
        av.assoc_value = as.frag_point;
    else
        av.assoc_value = cur(s).max_seg;
    if (n == sizeof(int))
        return put(v, l, &av.assoc_value, sizeof av.assoc_value);
    return put(v, l, &av, sizeof av);
}

static int set_int_field(int *dst, const void *v)
{
    *dst = get_int(v);
    return 0;
}
static int set_autoclose(bsock *s, const void *v, socklen_t l)
{
    (void)l;
    if (s->type == SOCK_STREAM && !s->peeled)
        return -EOPNOTSUPP; /* one-to-many only (Linux) */
    int rc = set_int_field(&s->autoclose, v);
    if (rc < 0)
        return rc;
    /* seconds; as Linux, for the associations made from now on */
    braid_settings c = cur(s);
    unsigned secs = (unsigned)s->autoclose;
    c.autoclose_ns = (uint64_t)secs * 1000000000ull;
    return apply(s, &c);
}
static int get_autoclose(bsock *s, void *v, socklen_t *l)
{
    if (s->type == SOCK_STREAM && !s->peeled)
        return -EOPNOTSUPP; /* as Linux (sctp_getsockopt_autoclose) */
    return put(v, l, &s->autoclose, sizeof s->autoclose);
}
static int set_disable_frag(bsock *s, const void *v, socklen_t l)
{
    (void)l;
    return set_int_field(&s->disable_frag, v);
}
static int get_disable_frag(bsock *s, void *v, socklen_t *l)
{
    return put(v, l, &s->disable_frag, sizeof s->disable_frag);
}
static int set_frag_interleave(bsock *s, const void *v, socklen_t l)
{
    (void)l;
    int x = get_int(v);
    if (x < 0 || x > 2)
        return -EINVAL;
    s->frag_interleave = x;
    return 0;
}
static int get_frag_interleave(bsock *s, void *v, socklen_t *l)
{
    return put(v, l, &s->frag_interleave, sizeof s->frag_interleave);
}
static int set_pd_point(bsock *s, const void *v, socklen_t l)
{
    (void)l;
    uint32_t x;
    memcpy(&x, v, sizeof x);
    s->pd_point = x;
    return 0;
}
static int get_pd_point(bsock *s, void *v, socklen_t *l)
{
    return put(v, l, &s->pd_point, sizeof s->pd_point);
}
static int set_adaptation(bsock *s, const void *v, socklen_t l)
{
    (void)l;
    struct sctp_setadaptation a;
    memcpy(&a, v, sizeof a);
    braid_settings c = cur(s);
    c.adaptation_ind = a.ssb_adaptation_ind;
    c.has_adaptation = 1;
    return apply(s, &c);
}
static int get_adaptation(bsock *s, void *v, socklen_t *l)
{
    struct sctp_setadaptation a = {cur(s).adaptation_ind};
    return put(v, l, &a, sizeof a);
}
static int set_maxburst(bsock *s, const void *v, socklen_t l)
{
    braid_settings c = cur(s);
    if (l >= (socklen_t)sizeof(struct sctp_assoc_value)) {
        struct sctp_assoc_value av;
        memcpy(&av, v, sizeof av);
        c.max_burst = av.assoc_value;
    } else {
        c.max_burst = (uint32_t)get_int(v);
    }
    return apply(s, &c);
}
/* RFC 6458 §8.1.24: a struct sctp_assoc_value (the int form is Linux's
 * older one); the same form comes back as was given, as SCTP_MAXSEG. */
static int get_maxburst(bsock *s, void *v, socklen_t *l)
{
    uint32_t burst = cur(s).max_burst;
    if (*l >= (socklen_t)sizeof(struct sctp_assoc_value)) {
        struct sctp_assoc_value av;
        memcpy(&av, v, sizeof av);
        av.assoc_value = burst;
        return put(v, l, &av, sizeof av);
    }
    int x = (int)burst;
    return put(v, l, &x, sizeof x);
}

/* ---- SCTP_PEER_ADDR_PARAMS (RFC 6458 §8.1.12), SCTP_PEER_ADDR_THLDS,
 * SCTP_DELAYED_SACK (§8.1.19): three levels, as Linux: a path (spp_address
 * given), an association (its own values, and each of its paths'), the
 * socket (the defaults of future associations). ---- */

/* The socket level: the settings, plus what Linux reports that they cannot
 * hold (st->o). Heartbeats on with an interval of 0 are 1 ns in the
 * settings (whose 0 means off). */
static void sock_params(bsock *s, braid_path_params *p)
{
    braid_settings c = cur(s);
    memset(p, 0, sizeof *p);
    p->hb_on = c.hb_interval_ns != 0;
    p->hb_interval_ns = !p->hb_on               ? s->st->o.hb_off_ns
                        : c.hb_interval_ns == 1 ? 0
                                                : c.hb_interval_ns;
    if (!p->hb_on && !s->st->o.hb_off_ns)
        p->hb_interval_ns = 30000000000ull; /* Linux's and braid's default */
    p->sack_delay_on = c.sack_freq > 1;
    p->sack_freq = p->sack_delay_on        ? c.sack_freq
                   : s->st->o.sackfreq_off ? s->st->o.sackfreq_off
                                           : 2;
    p->sack_delay_ns = c.sack_delay_ns;
    p->path_max_retrans = c.path_max_retrans;
    p->pf_retrans = c.pf_retrans;
    p->ps_retrans = c.ps_retrans;
    p->pmtu = c.pmtu;
    p->pmtud_on = !c.no_pmtud;
}
static int sock_params_put(bsock *s, const braid_path_params *p)
{
    braid_settings c = cur(s);
    c.hb_interval_ns = !p->hb_on ? 0 : p->hb_interval_ns ? p->hb_interval_ns : 1;
    c.sack_freq = p->sack_delay_on ? p->sack_freq : 1;
    c.sack_delay_ns = p->sack_delay_ns;
    c.path_max_retrans = p->path_max_retrans;
    c.pf_retrans = p->pf_retrans;
    c.ps_retrans = p->ps_retrans;
    c.pmtu = p->pmtu;
    c.no_pmtud = !p->pmtud_on;
    int rc = apply(s, &c);
    if (rc == 0) {
        s->st->o.hb_off_ns = p->hb_on ? 0 : p->hb_interval_ns;
        s->st->o.sackfreq_off = p->sack_delay_on ? 0 : p->sack_freq;
    }
    return rc;
}

/* One level: a path (addr), an association (aid, no addr), or the socket
 * (neither). */
typedef struct plevel {
    braid_assoc_id aid;
    const braid_addr *addr;
} plevel;

static int level_get(bsock *s, plevel lv, braid_path_params *p)
{
    if (!lv.aid) {
        sock_params(s, p);
        return 0;
    }
    return braid_path_params_get(s->st->ep, lv.aid, lv.addr, p) < 0 ? -EINVAL : 0;
}
static int level_put(bsock *s, plevel lv, const braid_path_params *p)
{
    if (!lv.aid)
        return sock_params_put(s, p);
    return braid_path_params_set(s->st->ep, lv.aid, lv.addr, p, braid_now_ns()) < 0 ? -EINVAL : 0;
}

/* Runs fn on the level and, for an association, on each of its paths. */
typedef int (*plevel_fn)(bsock *s, plevel lv, const void *arg);
static int for_levels(bsock *s, plevel lv, plevel_fn fn, const void *arg)
{
    int rc = fn(s, lv, arg);
    if (rc < 0 || !lv.aid || lv.addr)
        return rc;
    braid_assoc_status as;
    if (braid_assoc_status_get(s->st->ep, lv.aid, &as) < 0)
        return rc;
    for (unsigned i = 0; i < as.n_paths; i++) {
        plevel one = {lv.aid, &as.paths[i].addr};
        fn(s, one, arg);
    }
    return rc;
}

/* Linux's sctp_paddrparams before spp_ipv6_flowlabel was added: still taken. */
#define SPP_OLD_LEN ((offsetof(struct sctp_paddrparams, spp_ipv6_flowlabel) + 3) & ~(size_t)3)

/* As Linux's sctp_apply_peer_addr_params, on one level. */
static int spp_apply(bsock *s, plevel lv, const void *arg)
{
    const struct sctp_paddrparams *pp = arg;
    uint32_t fl = pp->spp_flags;
    braid_path_params p;
    int rc = level_get(s, lv, &p);
    if (rc < 0)
        return rc;
    if ((fl & SPP_HB_DEMAND) && lv.addr)
        braid_assoc_heartbeat(s->st->ep, lv.aid, lv.addr,
                              braid_now_ns()); /* none before COOKIE ACK */
    /* spp_hbinterval counts with SPP_HB_ENABLE only, 0 leaves it unless
     * SPP_HB_TIME_IS_ZERO */
    if ((fl & SPP_HB_ENABLE) && (pp->spp_hbinterval || (fl & SPP_HB_TIME_IS_ZERO)))
        p.hb_interval_ns =
            (fl & SPP_HB_TIME_IS_ZERO) ? 0 : (uint64_t)pp->spp_hbinterval * 1000000ull;
    if (fl & SPP_HB)
        p.hb_on = (fl & SPP_HB) == SPP_HB_ENABLE;
    /* spp_pathmtu is the fixed path MTU when SPP_PMTUD_DISABLE is given
     * (braid does no PMTU discovery: enabling it keeps the size) */
    if ((fl & SPP_PMTUD_DISABLE) && pp->spp_pathmtu) {
        p.pmtu = pp->spp_pathmtu - ip_overhead(s);
        if (!lv.aid)
            s->st->o.pathmtu = pp->spp_pathmtu;
    }
    if (fl & SPP_PMTUD)
        p.pmtud_on = (fl & SPP_PMTUD) == SPP_PMTUD_ENABLE;
    if ((fl & SPP_SACKDELAY_ENABLE) && pp->spp_sackdelay)
        p.sack_delay_ns = (uint64_t)pp->spp_sackdelay * 1000000ull;
    if (fl & SPP_SACKDELAY)
        p.sack_delay_on = (fl & SPP_SACKDELAY) == SPP_SACKDELAY_ENABLE;
    if (pp->spp_pathmaxrxt)
        p.path_max_retrans = pp->spp_pathmaxrxt;
    /* kept per socket, reported, not applied (braid sets no DSCP or flow
     * label on its packets; Linux keeps them per path) */
    if (fl & SPP_IPV6_FLOWLABEL) {
        s->o.flowlabel = pp->spp_ipv6_flowlabel & 0xfffff;
        s->o.flowlabel_set = s->family == AF_INET6 || lv.aid;
    }
    if (fl & SPP_DSCP) {
        s->o.dscp = pp->spp_dscp & 0xfc;
        s->o.dscp_set = true;
    }
    return level_put(s, lv, &p);
}

/* The level an address and association id name (as Linux: an address must
 * be one of the association's paths, an id on a one-to-many socket must be
 * one of its associations unless SCTP_FUTURE_ASSOC). */
static int spp_level(bsock *s, const struct sockaddr_storage *ss, sctp_assoc_t id, plevel *lv,
                     braid_addr *addr, int err_no_path)
{
    memset(lv, 0, sizeof *lv);
    if (!addr_is_any(s, ss)) {
        if (addr2path(s, ss, id, &lv->aid, addr) < 0)
            return err_no_path;
        /* as Linux (sctp_setsockopt_peer_addr_params): an id that is not an
         * association of this one-to-many socket is EINVAL, address or not */
        if (id != SCTP_FUTURE_ASSOC && udp_style(s) && !id2assoc(s, id))
            return -EINVAL;
        lv->addr = addr;
        return 0;
    }
    lv->aid = id2assoc(s, id);
    if (!lv->aid && id != SCTP_FUTURE_ASSOC && udp_style(s))
        return -EINVAL;
    return 0;
}

static int set_paddrparams(bsock *s, const void *v, socklen_t l)
{
    struct sctp_paddrparams pp;
    memset(&pp, 0, sizeof pp);
    if (l == SPP_OLD_LEN) {
        memcpy(&pp, v, SPP_OLD_LEN);
        if (pp.spp_flags & (SPP_DSCP | SPP_IPV6_FLOWLABEL))
            return -EINVAL;
    } else if (l == sizeof pp) {
        memcpy(&pp, v, sizeof pp);
    } else {
        return -EINVAL;
    }
    uint32_t fl = pp.spp_flags;
    if ((fl & SPP_HB) == SPP_HB || (fl & SPP_PMTUD) == SPP_PMTUD ||
        (fl & SPP_SACKDELAY) == SPP_SACKDELAY || pp.spp_sackdelay > 500 ||
        (pp.spp_pathmtu && pp.spp_pathmtu < 512 /* SCTP_DEFAULT_MINSEGMENT */))
        return -EINVAL;
    if (pp.spp_pathmtu > 65535 && (fl & SPP_PMTUD_DISABLE))
        return -EINVAL; /* braid: beyond an IP datagram (Linux clamps it to its own limit) */
    plevel lv;
    braid_addr a;
    struct sockaddr_storage ss;
    memcpy(&ss, &pp.spp_address, sizeof ss); /* packed in the structure */
    int rc = spp_level(s, &ss, pp.spp_assoc_id, &lv, &a, -EINVAL);
    if (rc < 0)
        return rc;
    if ((fl & SPP_HB_DEMAND) && !lv.aid)
        return -EINVAL; /* a heartbeat needs a path or an association */
    return for_levels(s, lv, spp_apply, &pp);
}

static int get_paddrparams(bsock *s, void *v, socklen_t *l)
{
    struct sctp_paddrparams pp;
    memset(&pp, 0, sizeof pp);
    socklen_t n = *l >= (socklen_t)sizeof pp ? (socklen_t)sizeof pp : (socklen_t)SPP_OLD_LEN;
    if (*l < n)
        return -EINVAL;
    memcpy(&pp, v, n);
    plevel lv;
    braid_addr a;
    struct sockaddr_storage ss;
    memcpy(&ss, &pp.spp_address, sizeof ss); /* packed in the structure */
    int rc = spp_level(s, &ss, pp.spp_assoc_id, &lv, &a, -EINVAL);
    braid_path_params p;
    if (rc < 0 || (rc = level_get(s, lv, &p)) < 0)
        return rc;
    pp.spp_hbinterval = (uint32_t)(p.hb_interval_ns / 1000000);
    pp.spp_pathmaxrxt = (uint16_t)p.path_max_retrans;
    /* the socket's is 0 until set (Linux), a path's or an association's
     * counts the IP and UDP headers */
    pp.spp_pathmtu = lv.aid ? p.pmtu + ip_overhead(s) : s->st->o.pathmtu;
    pp.spp_sackdelay = (uint32_t)(p.sack_delay_ns / 1000000);
    pp.spp_flags = (p.hb_on ? SPP_HB_ENABLE : SPP_HB_DISABLE) |
                   (p.pmtud_on ? SPP_PMTUD_ENABLE : SPP_PMTUD_DISABLE) |
                   (p.sack_delay_on ? SPP_SACKDELAY_ENABLE : SPP_SACKDELAY_DISABLE);
    if (s->o.flowlabel_set) {
        pp.spp_ipv6_flowlabel = s->o.flowlabel;
        pp.spp_flags |= SPP_IPV6_FLOWLABEL;
    }
    if (s->o.dscp_set) {
        pp.spp_dscp = s->o.dscp;
        pp.spp_flags |= SPP_DSCP;
    }
    if (n < (socklen_t)sizeof pp)
        pp.spp_flags &= ~(uint32_t)(SPP_IPV6_FLOWLABEL | SPP_DSCP);
    return put(v, l, &pp, n);
}

/* SCTP_PEER_ADDR_THLDS / _V2 (Linux; RFC 7829 §6.1): Path.Max.Retrans, and
 * the potentially-failed and primary switchover thresholds, which braid
 * keeps and reports (it has no PF state). ENOENT for an unknown address. */
typedef struct thld_arg {
    struct sctp_paddrthlds_v2 t;
    bool v2; /* the old form leaves the switchover threshold alone */
} thld_arg;
static int thld_apply(bsock *s, plevel lv, const void *arg)
{
    const thld_arg *ta = arg;
    braid_path_params p;
    int rc = level_get(s, lv, &p);
    if (rc < 0)
        return rc;
    if (ta->t.spt_pathmaxrxt)
        p.path_max_retrans = ta->t.spt_pathmaxrxt;
    p.pf_retrans = ta->t.spt_pathpfthld;
    if (ta->v2)
        p.ps_retrans = ta->t.spt_pathcpthld;
    return level_put(s, lv, &p);
}
static int set_thlds_common(bsock *s, const void *v, socklen_t l, bool v2)
{
    thld_arg ta;
    memset(&ta, 0, sizeof ta);
    ta.v2 = v2;
    size_t need = v2 ? sizeof ta.t : sizeof(struct sctp_paddrthlds);
    if (l < need)
        return -EINVAL;
    memcpy(&ta.t, v, need);
    if (v2 && ta.t.spt_pathpfthld > ta.t.spt_pathcpthld)
        return -EINVAL;
    plevel lv;
    braid_addr a;
    int rc = spp_level(s, &ta.t.spt_address, ta.t.spt_assoc_id, &lv, &a, -ENOENT);
    if (rc < 0)
        return rc;
    return for_levels(s, lv, thld_apply, &ta);
}
static int set_thlds(bsock *s, const void *v, socklen_t l)
{
    return set_thlds_common(s, v, l, false);
}
static int set_thlds_v2(bsock *s, const void *v, socklen_t l)
{
    return set_thlds_common(s, v, l, true);
}
static int get_thlds_common(bsock *s, void *v, socklen_t *l, bool v2)
{
    struct sctp_paddrthlds_v2 t;
    memset(&t, 0, sizeof t);
    socklen_t need = v2 ? (socklen_t)sizeof t : (socklen_t)sizeof(struct sctp_paddrthlds);
    if (*l < need)
        return -EINVAL;
    memcpy(&t, v, need);
    plevel lv;
    braid_addr a;
    int rc = spp_level(s, &t.spt_address, t.spt_assoc_id, &lv, &a, -ENOENT);
    braid_path_params p;
    if (rc < 0 || (rc = level_get(s, lv, &p)) < 0)
        return rc;
    t.spt_pathmaxrxt = (uint16_t)p.path_max_retrans;
    t.spt_pathpfthld = (uint16_t)p.pf_retrans;
    t.spt_pathcpthld = (uint16_t)p.ps_retrans;
    return put(v, l, &t, need);
}
static int get_thlds(bsock *s, void *v, socklen_t *l)
{
    return get_thlds_common(s, v, l, false);
}
static int get_thlds_v2(bsock *s, void *v, socklen_t *l)
{
    return get_thlds_common(s, v, l, true);
}

/* SCTP_DELAYED_SACK (RFC 6458 §8.1.19; the older struct sctp_assoc_value
 * form too, as Linux: a delay, or 0 to turn delayed SACK off). A delay
 * turns it on, a frequency of 1 off, a larger one on; zeros leave things
 * alone. It changes the engine's delayed-SACK timer and frequency of the
 * association (all its paths) or of future associations. */
static int sack_apply(bsock *s, plevel lv, const void *arg)
{
    const struct sctp_sack_info *si = arg;
    braid_path_params p;
    int rc = level_get(s, lv, &p);
    if (rc < 0)
        return rc;
    if (si->sack_delay) {
        p.sack_delay_ns = (uint64_t)si->sack_delay * 1000000ull;
        p.sack_delay_on = 1;
    }
    if (si->sack_freq == 1) {
        p.sack_delay_on = 0;
    } else if (si->sack_freq > 1) {
        p.sack_freq = si->sack_freq;
        p.sack_delay_on = 1;
    }
    return level_put(s, lv, &p);
}
static int set_delayed_sack(bsock *s, const void *v, socklen_t l)
{
    struct sctp_sack_info si;
    if (l == sizeof(struct sctp_assoc_value)) {
        struct sctp_assoc_value av;
        memcpy(&av, v, sizeof av);
        si.sack_assoc_id = av.assoc_id;
        si.sack_delay = av.assoc_value;
        si.sack_freq = av.assoc_value ? 0 : 1;
    } else if (l == sizeof si) {
        memcpy(&si, v, sizeof si);
        if (!si.sack_delay && !si.sack_freq)
            return 0;
    } else {
        return -EINVAL;
    }
    if (si.sack_delay > 500) /* RFC 9260 §6.2: at most 500 ms */
        return -EINVAL;
    braid_assoc_id a = id2assoc(s, si.sack_assoc_id);
    if (!a && si.sack_assoc_id > SCTP_ALL_ASSOC && udp_style(s))
        return -EINVAL;
    plevel lv = {a, NULL};
    if (a)
        return for_levels(s, lv, sack_apply, &si);
    sctp_assoc_t id = tcp_style(s) ? SCTP_FUTURE_ASSOC : si.sack_assoc_id;
    int rc = 0;
    if (id == SCTP_FUTURE_ASSOC || id == SCTP_ALL_ASSOC)
        rc = sack_apply(s, lv, &si);
    if (rc == 0 && s->st->ep && (id == SCTP_CURRENT_ASSOC || id == SCTP_ALL_ASSOC))
        for (braid_assoc_id x = next_own(s, 0); x; x = next_own(s, x)) {
            plevel one = {x, NULL};
            for_levels(s, one, sack_apply, &si);
        }
    return rc;
}
static int get_delayed_sack(bsock *s, void *v, socklen_t *l)
{
    struct sctp_sack_info si;
    memset(&si, 0, sizeof si);
    socklen_t n;
    if (*l >= (socklen_t)sizeof si)
        n = sizeof si;
    else if (*l == sizeof(struct sctp_assoc_value))
        n = sizeof(struct sctp_assoc_value);
    else
        return -EINVAL;
    memcpy(&si, v, n);
    braid_assoc_id a = id2assoc(s, si.sack_assoc_id);
    if (!a && si.sack_assoc_id != SCTP_FUTURE_ASSOC && udp_style(s))
        return -EINVAL;
    braid_path_params p;
    plevel lv = {a, NULL};
    int rc = level_get(s, lv, &p);
    if (rc < 0)
        return rc;
    si.sack_delay = p.sack_delay_on ? (uint32_t)(p.sack_delay_ns / 1000000) : 0;
    si.sack_freq = p.sack_delay_on ? p.sack_freq : 1;
    return put(v, l, &si, n); /* the old form: the delay in assoc_value */
}

/* ---- SCTP_PRIMARY_ADDR (RFC 6458 §8.1.9) ---- */

static int set_primary(bsock *s, const void *v, socklen_t l)
{
    struct sctp_prim pr;
    if (l != sizeof pr)
        return -EINVAL;
    memcpy(&pr, v, sizeof pr);
    braid_assoc_id a;
    braid_addr addr;
    struct sockaddr_storage ss;
    memcpy(&ss, &pr.ssp_addr, sizeof ss);
    if (addr2path(s, &ss, pr.ssp_assoc_id, &a, &addr) < 0)
        return -EINVAL;
    return braid_assoc_set_primary(s->st->ep, a, &addr) < 0 ? -EINVAL : 0;
}
static int get_primary(bsock *s, void *v, socklen_t *l)
{
    struct sctp_prim pr;
    memcpy(&pr, v, sizeof pr);
    braid_assoc_id a = id2assoc(s, pr.ssp_assoc_id);
    braid_assoc_status as;
    if (!a || braid_assoc_status_get(s->st->ep, a, &as) < 0)
        return -EINVAL;
    if (!as.n_paths)
        return -ENOTCONN;
    struct sockaddr_storage ss;
    addr_to_sockaddr(&as.paths[as.primary].addr, as.peer_port, s->family, &ss);
    memcpy(&pr.ssp_addr, &ss, sizeof ss);
    return put(v, l, &pr, sizeof pr);
}

/* ---- SCTP_CONTEXT (RFC 6458 §8.1.25): the context of received messages ---- */

static int set_context(bsock *s, const void *v, socklen_t l)
{
    struct sctp_assoc_value av;
    if (l != sizeof av)
        return -EINVAL;
    memcpy(&av, v, sizeof av);
    braid_assoc_id a = id2assoc(s, av.assoc_id);
    if (!a && av.assoc_id > SCTP_ALL_ASSOC && udp_style(s))
        return -EINVAL;
    if (a)
        return braid_assoc_set_rcv_context(s->st->ep, a, av.assoc_value) < 0 ? -EINVAL : 0;
    sctp_assoc_t id = tcp_style(s) ? SCTP_FUTURE_ASSOC : av.assoc_id;
    if (id == SCTP_FUTURE_ASSOC || id == SCTP_ALL_ASSOC) {
        braid_settings c = cur(s);
        c.rcv_context = av.assoc_value;
        int rc = apply(s, &c);
        if (rc < 0)
            return rc;
    }
    if (s->st->ep && (id == SCTP_CURRENT_ASSOC || id == SCTP_ALL_ASSOC))
        for (braid_assoc_id x = next_own(s, 0); x; x = next_own(s, x))
            braid_assoc_set_rcv_context(s->st->ep, x, av.assoc_value);
    return 0;
}
static int get_context(bsock *s, void *v, socklen_t *l)
{
    struct sctp_assoc_value av;
    memcpy(&av, v, sizeof av);
    braid_assoc_id a = id2assoc(s, av.assoc_id);
    if (!a && av.assoc_id != SCTP_FUTURE_ASSOC && udp_style(s))
        return -EINVAL;
    braid_assoc_status as;
    if (a && braid_assoc_status_get(s->st->ep, a, &as) == 0)
        av.assoc_value = as.rcv_context;
    else
        av.assoc_value = cur(s).rcv_context;
    return put(v, l, &av, sizeof av);
}

/* ---- SCTP_GET_ASSOC_ID_LIST (RFC 6458 §8.2.6), SCTP_GET_ASSOC_STATS (Linux) ---- */

static int get_assoc_ids(bsock *s, void *v, socklen_t *l)
{
    if (tcp_style(s))
        return -EOPNOTSUPP; /* one-to-many only (Linux) */
    uint32_t n = 0;
    if (s->st->ep)
        for (braid_assoc_id x = next_own(s, 0); x; x = next_own(s, x))
            n++;
    size_t need = sizeof(struct sctp_assoc_ids) + n * sizeof(sctp_assoc_t);
    if ((size_t)*l < need)
        return -EINVAL;
    uint8_t *p = v;
    memcpy(p, &n, sizeof n);
    size_t off = sizeof(struct sctp_assoc_ids);
    if (s->st->ep)
        for (braid_assoc_id x = next_own(s, 0); x; x = next_own(s, x)) {
            sctp_assoc_t id = (sctp_assoc_t)x;
            memcpy(p + off, &id, sizeof id);
            off += sizeof id;
        }
    *l = (socklen_t)need;
    return 0;
}

/* The engine's counters of the association; a read starts a new period
 * for the highest RTO (as Linux). As much of the structure as asked for. */
static int get_assoc_stats(bsock *s, void *v, socklen_t *l)
{
    struct sctp_assoc_stats sas;
    memset(&sas, 0, sizeof sas);
    socklen_t n = *l < (socklen_t)sizeof sas ? *l : (socklen_t)sizeof sas;
    memcpy(&sas, v, n);
    braid_assoc_id a = id2assoc(s, sas.sas_assoc_id);
    braid_assoc_stats st;
    braid_assoc_status as;
    if (!a || braid_assoc_status_get(s->st->ep, a, &as) < 0 ||
        braid_assoc_stats_get(s->st->ep, a, &st) < 0)
        return -EINVAL;
    sas.sas_rtxchunks = st.rtxchunks;
    sas.sas_gapcnt = st.gapcnt;
    sas.sas_outofseqtsns = st.outofseqtsns;
    sas.sas_osacks = st.osacks;
    sas.sas_isacks = st.isacks;
    sas.sas_octrlchunks = st.octrlchunks;
    sas.sas_ictrlchunks = st.ictrlchunks;
    sas.sas_oodchunks = st.oodchunks;
    sas.sas_iodchunks = st.iodchunks;
    sas.sas_ouodchunks = st.ouodchunks;
    sas.sas_iuodchunks = st.iuodchunks;
    sas.sas_idupchunks = st.idupchunks;
    sas.sas_opackets = st.opackets;
    sas.sas_ipackets = st.ipackets;
    /* ms (Linux: jiffies, which are ms at HZ=1000) */
    sas.sas_maxrto = st.max_rto_ns / 1000000;
    memset(&sas.sas_obs_rto_ipaddr, 0, sizeof sas.sas_obs_rto_ipaddr);
    if (st.max_rto_addr.family) {
        struct sockaddr_storage ss;
        addr_to_sockaddr(&st.max_rto_addr, as.peer_port, s->family, &ss);
        memcpy(&sas.sas_obs_rto_ipaddr, &ss, sizeof ss);
    }
    return put(v, l, &sas, n);
}

/* ---- SCTP_REUSE_PORT, SCTP_EXPOSE_POTENTIALLY_FAILED_STATE (Linux) ---- */

/* One-to-one sockets, before bind (Linux: EFAULT once the port is fixed);
 * kept and reported: braid's stacks already share a port only within one
 * socket's family (a listener and what it accepted). */
static int set_reuse_port(bsock *s, const void *v, socklen_t l)
{
    (void)l;
    if (!tcp_style(s))
        return -EOPNOTSUPP;
    if (s->st->bound || s->st->ep)
        return -EFAULT;
    s->o.reuse_port = get_int(v) != 0;
    return 0;
}
static int get_reuse_port(bsock *s, void *v, socklen_t *l)
{
    int x = s->o.reuse_port;
    return put(v, l, &x, sizeof x);
}

/* Linux's SCTP_PF_EXPOSE_UNSET / _DISABLE / _ENABLE (0..2): kept and
 * reported, per socket (Linux also per association; braid has no PF state
 * to expose, so the value changes nothing). */
#define PF_EXPOSE_MAX 2
static int set_pf_expose(bsock *s, const void *v, socklen_t l)
{
    struct sctp_assoc_value av;
    if (l != sizeof av)
        return -EINVAL;
    memcpy(&av, v, sizeof av);
    if (av.assoc_value > PF_EXPOSE_MAX)
        return -EINVAL;
    braid_assoc_id a = id2assoc(s, av.assoc_id);
    if (!a && av.assoc_id != SCTP_FUTURE_ASSOC && udp_style(s))
        return -EINVAL;
    s->o.pf_expose = (uint8_t)av.assoc_value;
    return 0;
}
static int get_pf_expose(bsock *s, void *v, socklen_t *l)
{
    struct sctp_assoc_value av;
    memcpy(&av, v, sizeof av);
    braid_assoc_id a = id2assoc(s, av.assoc_id);
    if (!a && av.assoc_id != SCTP_FUTURE_ASSOC && udp_style(s))
        return -EINVAL;
    av.assoc_value = s->o.pf_expose;
    return put(v, l, &av, sizeof av);
}

/* ---- IP_TOS (SOL_IP), IPV6_TCLASS (SOL_IPV6) ---- */

/* As Linux's do_ip_setsockopt: an int, or a single byte; a one-to-one
 * (SOCK_STREAM) socket keeps its ECN bits (__ip_sock_set_tos). Kept and
 * reported; also set on the transport's own sockets (UDP: the TOS of the
 * encapsulating datagrams). */
static void tos_to_transport(bsock *s)
{
    /* (the transport is the process's: the last value set applies to all
     * its sockets until per-packet TOS is done) */
    if (s->st->tr && trans_io(s->st->tr))
        braid_io_set_tos(trans_io(s->st->tr), s->o.tos_set ? s->o.ip_tos : -1,
                         s->o.tclass_set ? s->o.ipv6_tclass : -1);
}
void opts_transport_started(bstack *st)
{
    for (bsock *s = st->socks; s; s = s->next_in_stack)
        if (s->o.tos_set || s->o.tclass_set)
            tos_to_transport(s);
}
static int set_ip_tos(bsock *s, const void *v, socklen_t l)
{
    int x = 0;
    if (l >= (socklen_t)sizeof(int))
        x = get_int(v);
    else if (l >= 1)
        x = *(const unsigned char *)v;
    if (tcp_style(s))
        x = (x & ~3) | (s->o.ip_tos & 3);
    s->o.ip_tos = x;
    s->o.tos_set = true;
    tos_to_transport(s);
    return 0;
}
static int get_ip_tos(bsock *s, void *v, socklen_t *l)
{
    int x = s->o.ip_tos;
    if (*l > 0 && *l < (socklen_t)sizeof(int) && x >= 0 && x <= 255) {
        unsigned char c = (unsigned char)x;
        return put(v, l, &c, 1);
    }
    socklen_t n = *l < (socklen_t)sizeof x ? *l : (socklen_t)sizeof x;
    memcpy(v, &x, n);
    *l = n;
    return 0;
}
/* As Linux's do_ipv6_setsockopt: -1 .. 255, -1 the default (0). An IPv4
 * socket has no SOL_IPV6 options (Linux: ENOPROTOOPT to set, EOPNOTSUPP to
 * get, from ip_setsockopt / ip_getsockopt). */
static int set_tclass(bsock *s, const void *v, socklen_t l)
{
    if (s->family != AF_INET6)
        return -ENOPROTOOPT;
    if (l < (socklen_t)sizeof(int))
        return -EINVAL;
    int x = get_int(v);
    if (x < -1 || x > 255)
        return -EINVAL;
    if (x == -1)
        x = 0;
    if (tcp_style(s))
        x = (x & ~3) | (s->o.ipv6_tclass & 3);
    s->o.ipv6_tclass = x;
    s->o.tclass_set = true;
    tos_to_transport(s);
    return 0;
}
static int get_tclass(bsock *s, void *v, socklen_t *l)
{
    if (s->family != AF_INET6)
        return -EOPNOTSUPP;
    int x = s->o.ipv6_tclass;
    socklen_t n = *l < (socklen_t)sizeof x ? *l : (socklen_t)sizeof x;
    memcpy(v, &x, n);
    *l = n;
    return 0;
}

static int set_udpencaps(bsock *s, const void *v, socklen_t l)
{
    (void)l;
    struct sctp_udpencaps u;
    memcpy(&u, v, sizeof u);
    s->remote_udp_port = ntohs(u.sue_port); /* RFC 6951 §6.1: network byte order */
    return 0;
}
static int get_udpencaps(bsock *s, void *v, socklen_t *l)
{
    struct sctp_udpencaps u;
    memcpy(&u, v, sizeof u < *l ? sizeof u : *l);
    u.sue_port = htons(s->remote_udp_port ? s->remote_udp_port : braid_io_default_udp_port());
    return put(v, l, &u, sizeof u);
}

/* braid extension: the local UDP encapsulation port (before the socket
 * starts); a second listener on a host picks its own this way. */
static int set_local_udp(bsock *s, const void *v, socklen_t l)
{
    (void)l;
    int x = get_int(v);
    if (x < 0 || x > 65535)
        return -EINVAL;
    if (s->st->ep)
        return -EISCONN;
    s->st->udp_port = (uint16_t)x;
    return 0;
}
static int get_local_udp(bsock *s, void *v, socklen_t *l)
{
    int x = s->st->tr ? s->st->tr->port : s->st->udp_port;
    return put(v, l, &x, sizeof x);
}

static int set_transport(bsock *s, const void *v, socklen_t l)
{
    (void)l;
    int x = get_int(v);
    if (x != BRAID_TRANSPORT_UDP && x != BRAID_TRANSPORT_RAW)
        return -EINVAL;
    if (s->st->ep)
        return -EISCONN; /* the transport is chosen before the socket starts */
    s->st->io_kind = x == BRAID_TRANSPORT_RAW ? BRAID_IO_RAW : BRAID_IO_UDP;
    return 0;
}
static int get_transport(bsock *s, void *v, socklen_t *l)
{
    int x = s->st->io_kind == BRAID_IO_RAW ? BRAID_TRANSPORT_RAW : BRAID_TRANSPORT_UDP;
    return put(v, l, &x, sizeof x);
}

static int get_assoc_number(bsock *s, void *v, socklen_t *l)
{
    uint32_t n = 0;
    if (s->type == SOCK_STREAM && !s->peeled)
        return -EOPNOTSUPP; /* one-to-many only (Linux) */
    if (s->st->ep)
        for (braid_assoc_id id = braid_next_assoc(s->st->ep, 0); id;
             id = braid_next_assoc(s->st->ep, id))
            if (stack_owner(s->st, id) == s)
                n++;
    return put(v, l, &n, sizeof n);
}

static const opt_entry table[] = {
    {SOL_SOCKET, SO_RCVBUF, sizeof(int), set_rcvbuf, get_rcvbuf},
    {SOL_SOCKET, SO_SNDBUF, sizeof(int), set_sndbuf, get_sndbuf},
    {SOL_SOCKET, SO_RCVTIMEO, sizeof(struct timeval), set_rcvtimeo, get_rcvtimeo},
    {SOL_SOCKET, SO_SNDTIMEO, sizeof(struct timeval), set_sndtimeo, get_sndtimeo},
    {SOL_SOCKET, SO_ERROR, sizeof(int), NULL, get_error},
    {SOL_SOCKET, SO_TYPE, sizeof(int), NULL, get_type},
    {SOL_SOCKET, SO_DOMAIN, sizeof(int), NULL, get_domain},
    {SOL_SOCKET, SO_PROTOCOL, sizeof(int), NULL, get_protocol},
    {SOL_SOCKET, SO_LINGER, sizeof(struct linger), set_linger, get_linger},
    {SOL_SOCKET, SO_REUSEADDR, sizeof(int), set_accept_any, NULL},
    {SOL_SOCKET, SO_KEEPALIVE, sizeof(int), set_accept_any, NULL},
    {IPPROTO_SCTP, SCTP_INITMSG, sizeof(struct sctp_initmsg), set_initmsg, get_initmsg},
    {IPPROTO_SCTP, SCTP_EVENTS, 1, set_events, get_events},
    {IPPROTO_SCTP, SCTP_EVENT, sizeof(struct sctp_event), set_event, get_event},
    {IPPROTO_SCTP, SCTP_NODELAY, sizeof(int), set_nodelay, get_nodelay},
    {IPPROTO_SCTP, SCTP_STATUS, sizeof(struct sctp_status), NULL, get_status},
    {IPPROTO_SCTP, SCTP_GET_PEER_ADDR_INFO, sizeof(struct sctp_paddrinfo), NULL, get_paddrinfo},
    {IPPROTO_SCTP, SCTP_DEFAULT_SEND_PARAM, sizeof(struct sctp_sndrcvinfo), set_default_send,
     get_default_send},
    {IPPROTO_SCTP, SCTP_DEFAULT_SNDINFO, sizeof(struct sctp_sndinfo), set_default_sndinfo,
     get_default_sndinfo},
    {IPPROTO_SCTP, SCTP_RECVRCVINFO, sizeof(int), set_recvrcvinfo, get_recvrcvinfo},
    {IPPROTO_SCTP, SCTP_RECVNXTINFO, sizeof(int), set_recvnxtinfo, get_recvnxtinfo},
    {IPPROTO_SCTP, SCTP_RTOINFO, sizeof(struct sctp_rtoinfo), set_rtoinfo, get_rtoinfo},
    {IPPROTO_SCTP, SCTP_ASSOCINFO, sizeof(struct sctp_assocparams), set_associnfo, get_associnfo},
    {IPPROTO_SCTP, SCTP_MAXSEG, sizeof(int), set_maxseg, get_maxseg},
    {IPPROTO_SCTP, SCTP_AUTOCLOSE, sizeof(int), set_autoclose, get_autoclose},
    {IPPROTO_SCTP, SCTP_DISABLE_FRAGMENTS, sizeof(int), set_disable_frag, get_disable_frag},
    {IPPROTO_SCTP, SCTP_FRAGMENT_INTERLEAVE, sizeof(int), set_frag_interleave, get_frag_interleave},
    {IPPROTO_SCTP, SCTP_PARTIAL_DELIVERY_POINT, sizeof(uint32_t), set_pd_point, get_pd_point},
    {IPPROTO_SCTP, SCTP_ADAPTATION_LAYER, sizeof(struct sctp_setadaptation), set_adaptation,
     get_adaptation},
    {IPPROTO_SCTP, SCTP_MAX_BURST, sizeof(int), set_maxburst, get_maxburst},
    {IPPROTO_SCTP, SCTP_PEER_ADDR_PARAMS, SPP_OLD_LEN, set_paddrparams, get_paddrparams},
    {IPPROTO_SCTP, SCTP_REMOTE_UDP_ENCAPS_PORT, sizeof(struct sctp_udpencaps), set_udpencaps,
     get_udpencaps},
    {IPPROTO_SCTP, SCTP_GET_ASSOC_NUMBER, sizeof(uint32_t), NULL, get_assoc_number},
    {IPPROTO_SCTP, SCTP_GET_ASSOC_ID_LIST, sizeof(struct sctp_assoc_ids), NULL, get_assoc_ids},
    {IPPROTO_SCTP, SCTP_GET_ASSOC_STATS, sizeof(sctp_assoc_t), NULL, get_assoc_stats},
    {IPPROTO_SCTP, SCTP_DELAYED_SACK, sizeof(struct sctp_assoc_value), set_delayed_sack,
     get_delayed_sack},
    {IPPROTO_SCTP, SCTP_PEER_ADDR_THLDS, sizeof(struct sctp_paddrthlds), set_thlds, get_thlds},
    {IPPROTO_SCTP, SCTP_PEER_ADDR_THLDS_V2, sizeof(struct sctp_paddrthlds_v2), set_thlds_v2,
     get_thlds_v2},
    {IPPROTO_SCTP, SCTP_CONTEXT, sizeof(struct sctp_assoc_value), set_context, get_context},
    {IPPROTO_SCTP, SCTP_PRIMARY_ADDR, sizeof(struct sctp_prim), set_primary, get_primary},
    {IPPROTO_SCTP, SCTP_REUSE_PORT, sizeof(int), set_reuse_port, get_reuse_port},
    {IPPROTO_SCTP, SCTP_EXPOSE_POTENTIALLY_FAILED_STATE, sizeof(struct sctp_assoc_value),
     set_pf_expose, get_pf_expose},
    {IPPROTO_IP, IP_TOS, 0, set_ip_tos, get_ip_tos},
    {IPPROTO_IPV6, IPV6_TCLASS, 0, set_tclass, get_tclass},
    {IPPROTO_SCTP, BRAID_SCTP_LOCAL_UDP_PORT, sizeof(int), set_local_udp, get_local_udp},
    {IPPROTO_SCTP, BRAID_SCTP_TRANSPORT, sizeof(int), set_transport, get_transport},
};

static const opt_entry *find(int level, int name)
{
    if (level == SOL_SCTP)
        level = IPPROTO_SCTP;
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (table[i].level == level && table[i].name == name)
            return &table[i];
    return NULL;
}

int opts_set(bsock *s, int level, int name, const void *val, socklen_t len)
{
    const opt_entry *e = find(level, name);
    if (!e || !e->set)
        return -ENOPROTOOPT;
    if (!val && len)
        return -EFAULT; /* (Linux copies optlen bytes in first) */
    /* as Linux (sctp_setsockopt_autoclose): a one-to-one socket is refused
     * before the length is looked at */
    if (e->level == IPPROTO_SCTP && name == SCTP_AUTOCLOSE && s->type == SOCK_STREAM && !s->peeled)
        return -EOPNOTSUPP;
    if (len < e->min_len || !val)
        return -EINVAL;
    return e->set(s, val, len);
}

int opts_get(bsock *s, int level, int name, void *val, socklen_t *len)
{
    const opt_entry *e = find(level, name);
    if (!e || !e->get)
        return -ENOPROTOOPT;
    if (!val || !len)
        return -EFAULT;
    if (*len < e->min_len)
        return -EINVAL;
    return e->get(s, val, len);
}

/* How many bytes of optval (of len) the option's handler reads, for
 * uaccess.c to copy in: its structure, a struct sctp_assoc_value for the
 * options that also take an int, all of SCTP_EVENTS' structure. */
socklen_t opts_val_len(int level, int name, socklen_t len)
{
    /* Options with more than one form (an int or a struct, an older and a
     * newer struct) read as much as the caller says, up to the largest
     * structure any option has; the others their one structure. */
    const opt_entry *e = find(level, name);
    socklen_t n = e ? e->min_len : 0;
    if (e && e->level == IPPROTO_SCTP && (name == SCTP_MAXSEG || name == SCTP_MAX_BURST))
        n = sizeof(struct sctp_assoc_value);
    else if (e && e->level == IPPROTO_SCTP && name == SCTP_EVENTS)
        n = sizeof(struct sctp_event_subscribe);
    else if (e && (e->min_len == 0 || name == SCTP_DELAYED_SACK || name == SCTP_PEER_ADDR_PARAMS ||
                   name == SCTP_PEER_ADDR_THLDS || name == SCTP_PEER_ADDR_THLDS_V2))
        n = sizeof(struct sockaddr_storage) + 64;
    return len < n ? len : n;
}

int braid_setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
    bsock *s = bs_get(fd);
    if (!s)
        return setsockopt(fd, level, name, val, len);
    int rc = uaccess_setsockopt(s, level, name, val, len); /* opts_set on a copy */
    if (rc < 0)
        t_errno = -rc;
    if (s->st->ep) { /* what the option set in motion (a HEARTBEAT, an event) goes now */
        stack_dispatch_events(s->st);
        stack_flush(s->st, braid_now_ns());
    }
    bs_put(s);
    if (rc < 0) {
        errno = -rc;
        return -1;
    }
    return 0;
}

int braid_getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
    bsock *s = bs_get(fd);
    if (!s)
        return getsockopt(fd, level, name, val, len);
    if (s->st->ep)
        world_pump(braid_now_ns());
    int rc = uaccess_getsockopt(s, level, name, val, len); /* opts_get on a copy */
    if (rc < 0)
        t_errno = -rc;
    bs_put(s);
    if (rc < 0) {
        errno = -rc;
        return -1;
    }
    return 0;
}
