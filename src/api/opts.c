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
 * outside 512..65535, no streams, RTO.Min 0 or above RTO.Max, ...) is
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

/* As Linux (which caps at net.core.rmem_max / wmem_max): a buffer is
 * clamped into 4 KiB .. 256 MiB, never refused; the transport's kernel
 * buffers are sized at four times it, which must stay an int. */
#define SOCKBUF_MIN 4096
#define SOCKBUF_MAX (256u << 20)

static uint32_t sockbuf(const void *v)
{
    int x = get_int(v);
    return x < SOCKBUF_MIN ? SOCKBUF_MIN : (uint32_t)x > SOCKBUF_MAX ? SOCKBUF_MAX : (uint32_t)x;
}
static int set_rcvbuf(bsock *s, const void *v, socklen_t l)
{
    (void)l;
    braid_settings c = cur(s);
    c.rcvbuf = sockbuf(v);
    return apply(s, &c);
}
static int get_rcvbuf(bsock *s, void *v, socklen_t *l)
{
    int x = (int)cur(s).rcvbuf;
    return put(v, l, &x, sizeof x);
}
static int set_sndbuf(bsock *s, const void *v, socklen_t l)
{
    (void)l;
    braid_settings c = cur(s);
    c.sndbuf = sockbuf(v);
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
    if (im.sinit_max_init_timeo)
        c.rto_max_ns = (uint64_t)im.sinit_max_init_timeo * 1000000ull;
    return apply(s, &c);
}
static int get_initmsg(bsock *s, void *v, socklen_t *l)
{
    braid_settings c = cur(s);
    struct sctp_initmsg im = {c.outbound_streams, c.max_inbound_streams,
                              (uint16_t)c.max_init_retrans, (uint16_t)(c.rto_max_ns / 1000000)};
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
    /* RFC 6458 §8.1.11: older, shorter structures are accepted and change
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

static int set_default_send(bsock *s, const void *v, socklen_t l)
{
    (void)l;
    memcpy(&s->default_send, v, sizeof s->default_send);
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
    pi->spinfo_mtu = as->paths[i].pmtu + 28; /* IP + UDP excluded inside braid */
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

static int get_paddrinfo(bsock *s, void *v, socklen_t *l)
{
    struct sctp_paddrinfo pi;
    if (*l < (socklen_t)sizeof pi)
        return -EINVAL;
    memcpy(&pi, v, sizeof pi);
    braid_addr a;
    uint16_t port;
    if (addr_from_sockaddr((struct sockaddr *)&pi.spinfo_address, sizeof pi.spinfo_address, &a,
                           &port) < 0)
        return -EINVAL;
    braid_assoc_id id = opt_assoc(s, pi.spinfo_assoc_id);
    if (!id && s->st->ep) {
        id = braid_find_assoc(s->st->ep, &a, port);
        if (id && stack_owner(s->st, id) != s)
            id = 0; /* peeled off: not this socket's any more */
    }
    braid_assoc_status as;
    if (!s->st->ep || !id || braid_assoc_status_get(s->st->ep, id, &as) < 0)
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

static int set_maxseg(bsock *s, const void *v, socklen_t l)
{
    int x;
    if (l >= (socklen_t)sizeof(struct sctp_assoc_value)) {
        struct sctp_assoc_value av;
        memcpy(&av, v, sizeof av);
        x = (int)av.assoc_value;
    } else {
        x = get_int(v);
    }
    if (x < 0 || (x && x < 512))
        return -EINVAL;
    braid_settings c = cur(s);
    if (x)
        c.pmtu = (uint32_t)x + 12 + 16; /* fragment size -> packet size */
    return apply(s, &c);
}
static int get_maxseg(bsock *s, void *v, socklen_t *l)
{
    braid_settings c = cur(s);
    uint32_t frag = c.pmtu - 12 - 16;
    if (*l >= (socklen_t)sizeof(struct sctp_assoc_value)) {
        struct sctp_assoc_value av;
        memcpy(&av, v, sizeof av);
        av.assoc_value = frag;
        return put(v, l, &av, sizeof av);
    }
    int x = (int)frag;
    return put(v, l, &x, sizeof x);
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
    return set_int_field(&s->autoclose, v);
}
static int get_autoclose(bsock *s, void *v, socklen_t *l)
{
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

static int set_paddrparams(bsock *s, const void *v, socklen_t l)
{
    (void)l;
    struct sctp_paddrparams p;
    memcpy(&p, v, sizeof p);
    braid_settings c = cur(s);
    if (p.spp_flags & SPP_HB_DISABLE)
        c.hb_interval_ns = 0;
    else if ((p.spp_flags & SPP_HB_ENABLE) && p.spp_hbinterval)
        c.hb_interval_ns = (uint64_t)p.spp_hbinterval * 1000000ull;
    if (p.spp_pathmaxrxt)
        c.path_max_retrans = p.spp_pathmaxrxt;
    if ((p.spp_flags & SPP_SACKDELAY_ENABLE) && p.spp_sackdelay)
        c.sack_delay_ns = (uint64_t)p.spp_sackdelay * 1000000ull;
    if (p.spp_flags & SPP_SACKDELAY_DISABLE)
        c.sack_freq = 1;
    if ((p.spp_flags & SPP_PMTUD_DISABLE) && p.spp_pathmtu >= 576)
        c.pmtu = p.spp_pathmtu - 28;
    return apply(s, &c);
}
static int get_paddrparams(bsock *s, void *v, socklen_t *l)
{
    struct sctp_paddrparams p;
    memcpy(&p, v, sizeof p < *l ? sizeof p : *l);
    braid_settings c = cur(s);
    p.spp_hbinterval = (uint32_t)(c.hb_interval_ns / 1000000);
    p.spp_pathmaxrxt = (uint16_t)c.path_max_retrans;
    p.spp_pathmtu = c.pmtu + 28;
    p.spp_sackdelay = (uint32_t)(c.sack_delay_ns / 1000000);
    p.spp_flags = (c.hb_interval_ns ? SPP_HB_ENABLE : SPP_HB_DISABLE) |
                  (c.sack_freq > 1 ? SPP_SACKDELAY_ENABLE : SPP_SACKDELAY_DISABLE) |
                  SPP_PMTUD_DISABLE;
    return put(v, l, &p, sizeof p);
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
    int x = s->st->io ? braid_io_local_port(s->st->io) : s->st->udp_port;
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
    {IPPROTO_SCTP, SCTP_PEER_ADDR_PARAMS, sizeof(struct sctp_paddrparams), set_paddrparams,
     get_paddrparams},
    {IPPROTO_SCTP, SCTP_REMOTE_UDP_ENCAPS_PORT, sizeof(struct sctp_udpencaps), set_udpencaps,
     get_udpencaps},
    {IPPROTO_SCTP, SCTP_GET_ASSOC_NUMBER, sizeof(uint32_t), NULL, get_assoc_number},
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
    if (!val)
        return -EFAULT;
    if (len < e->min_len)
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
    const opt_entry *e = find(level, name);
    socklen_t n = e ? e->min_len : 0;
    if (e && e->level == IPPROTO_SCTP && (name == SCTP_MAXSEG || name == SCTP_MAX_BURST))
        n = sizeof(struct sctp_assoc_value);
    else if (e && e->level == IPPROTO_SCTP && name == SCTP_EVENTS)
        n = sizeof(struct sctp_event_subscribe);
    return len < n ? len : n;
}

int braid_setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
    bsock *s = bs_get(fd);
    if (!s)
        return setsockopt(fd, level, name, val, len);
    pthread_mutex_lock(&s->st->lock);
    int rc = uaccess_setsockopt(s, level, name, val, len); /* opts_set on a copy */
    pthread_mutex_unlock(&s->st->lock);
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
    pthread_mutex_lock(&s->st->lock);
    if (s->st->ep)
        stack_pump(s->st, braid_now_ns());
    int rc = uaccess_getsockopt(s, level, name, val, len); /* opts_get on a copy */
    pthread_mutex_unlock(&s->st->lock);
    bs_put(s);
    if (rc < 0) {
        errno = -rc;
        return -1;
    }
    return 0;
}
