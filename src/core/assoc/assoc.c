/*
 * An association once its tags are known: chunk dispatch with the
 * verification tag rules (RFC 9260 §8.5), DATA reception (§6.2), SACK
 * processing (§6.2.1, §7.2), heartbeats and path management (§8.1–§8.3),
 * shutdown (§9.2) and abort (§9.1), and the timers.
 */
#include "core/wire/cause.h"
#include "core/wire/sack.h"
#include "internal.h"

typedef struct fail_ctx {
    braid_assoc *a;
    uint16_t cause; /* why, as an error cause code (0: none given) */
} fail_ctx;
static void send_failed_cb(void *arg, const braid_tx_msg *m, bool sent);

/* An association's path parameters from the endpoint's settings. */
static void params_from_cfg(const braid_settings *c, braid_path_params *p)
{
    memset(p, 0, sizeof *p);
    p->hb_on = c->hb_interval_ns != 0; /* 0 there: heartbeats off */
    p->hb_interval_ns = c->hb_interval_ns;
    p->sack_delay_ns = c->sack_delay_ns;
    p->sack_freq = c->sack_freq ? c->sack_freq : 1;
    p->sack_delay_on = c->sack_freq > 1;
    p->path_max_retrans = c->path_max_retrans;
    p->pf_retrans = c->pf_retrans;
    p->ps_retrans = c->ps_retrans;
    p->pmtu = c->pmtu;
    p->pmtud_on = !c->no_pmtud;
}

void braid_assoc_sync_pmtu(braid_assoc *a)
{
    /* as Linux's sctp_assoc_sync_pmtu: the smallest path MTU */
    uint32_t m = a->n_dests ? UINT32_MAX : a->pp.pmtu;
    for (unsigned i = 0; i < a->n_dests; i++)
        if (a->dests[i].pp.pmtu < m)
            m = a->dests[i].pp.pmtu;
    a->pmtu = m;
}

uint32_t braid_assoc_frag_point(const braid_assoc *a)
{
    uint32_t f = a->pmtu - BRAID_COMMON_HEADER_LEN - 16; /* common header, DATA header */
    if (a->max_seg && a->max_seg < f)
        f = a->max_seg;
    return f & ~3u;
}

void braid_assoc_note_rto(braid_assoc *a, unsigned d)
{
    if (a->dests[d].rtt.rto > a->stats.max_rto_ns) {
        a->stats.max_rto_ns = a->dests[d].rtt.rto;
        a->stats.max_rto_addr = a->dests[d].addr;
    }
}

braid_assoc *braid_assoc_new(braid_endpoint *ep, uint16_t peer_port)
{
    braid_assoc *a = braid_zalloc(&ep->mem, sizeof *a);
    if (!a)
        return NULL;
    a->ep = ep;
    params_from_cfg(&ep->cfg, &a->pp);
    a->pmtu = a->pp.pmtu;
    a->max_seg = ep->cfg.max_seg;
    a->rcv_context = ep->cfg.rcv_context;
    a->autoclose_ns = ep->cfg.autoclose_ns; /* as Linux: fixed when it is made */
    if (ep->hooks.assoc_id) {
        a->id = ep->hooks.assoc_id(ep->hooks.user);
    } else {
        a->id = ep->next_id++;
        if (ep->next_id < BRAID_ASSOC_ID_FIRST)
            ep->next_id = BRAID_ASSOC_ID_FIRST;
    }
    a->peer_port = peer_port;
    a->state = BRAID_STATE_CLOSED;
    a->t1_at = a->t2_at = a->t5_at = a->sack_at = BRAID_TIME_NEVER;
    a->next = ep->assocs;
    if (ep->assocs)
        ep->assocs->prev = a;
    ep->assocs = a;
    ep->n_assocs++;
    return a;
}

static void rx_tx_free(braid_assoc *a)
{
    braid_outq_free(&a->outq, NULL, NULL);
    if (!a->rx_init)
        return;
    braid_tsnmap_free(&a->tsnmap);
    braid_reasm_free(&a->reasm);
    a->rx_init = false;
}

/* An association that ended keeps the messages already received until the
 * application has read them (nothing received is lost at a shutdown); the
 * rest of the receive state goes now. */
static void rx_close_keep_data(braid_assoc *a)
{
    if (!a->rx_init)
        return;
    /* a partially delivered message will never complete: RFC 6458 §6.1.7 */
    braid_reasm_abort_pd(&a->reasm);
    if (braid_reasm_pd_aborted(&a->reasm))
        braid_ep_push_event(a->ep, BRAID_EV_PARTIAL_DELIVERY_ABORTED, a->id);
    if (braid_reasm_ready_count(&a->reasm))
        return; /* freed with the association once read */
    braid_tsnmap_free(&a->tsnmap);
    braid_reasm_free(&a->reasm);
    a->rx_init = false;
}

bool braid_assoc_unread(const braid_assoc *a)
{
    return a->rx_init && braid_reasm_readable(&a->reasm);
}

void braid_assoc_free(braid_assoc *a)
{
    braid_endpoint *ep = a->ep;
    rx_tx_free(a);
    braid_free(&ep->mem, a->cookie, a->cookie_len);
    braid_free(&ep->mem, a->unrec_params, a->unrec_params_len);
    if (a->prev)
        a->prev->next = a->next;
    else
        ep->assocs = a->next;
    if (a->next)
        a->next->prev = a->prev;
    if (ep->rr_next == a)
        ep->rr_next = NULL;
    ep->n_assocs--;
    braid_free(&ep->mem, a, sizeof *a);
}

int braid_assoc_find_dest(const braid_assoc *a, const braid_addr *addr)
{
    for (unsigned i = 0; i < a->n_dests; i++)
        if (braid_addr_equal_ip(&a->dests[i].addr, addr))
            return (int)i;
    return -1;
}

static unsigned pick_local(const braid_endpoint *ep, const braid_addr *remote)
{
    for (unsigned i = 0; i < ep->cfg.n_local_addrs; i++)
        if (ep->cfg.local_addrs[i].family == remote->family)
            return i;
    return 0;
}

int braid_assoc_add_dest(braid_assoc *a, const braid_addr *addr, bool confirmed)
{
    braid_endpoint *ep = a->ep;
    if (addr->family != 4 && addr->family != 6)
        return BRAID_ERR_INVAL;
    int i = braid_assoc_find_dest(a, addr);
    if (i >= 0)
        return i;
    if (a->n_dests == BRAID_MAX_ADDRS)
        return BRAID_ERR_LIMIT;
    unsigned local_idx = pick_local(ep, addr);
    if (a->n_laddrs) {
        /* wildcard-bound: a source among the announced ones (laddr.c);
         * an address of a family we announced none of is left unused */
        int l = braid_laddr_for(a, addr);
        if (l < 0)
            return BRAID_ERR_INVAL;
        local_idx = (unsigned)l;
    }
    braid_dest *d = &a->dests[a->n_dests];
    memset(d, 0, sizeof *d);
    d->addr = *addr;
    d->local_idx = local_idx;
    d->active = true;
    d->confirmed = confirmed;
    d->pp = a->pp;
    braid_rtt_init(&d->rtt, ep->cfg.rto_initial_ns, ep->cfg.rto_min_ns, ep->cfg.rto_max_ns);
    braid_cc_rfc9260.init(&d->cc, d->pp.pmtu, 0);
    d->t3_at = d->hb_at = BRAID_TIME_NEVER;
    a->n_dests++;
    braid_assoc_sync_pmtu(a);
    return (int)a->n_dests - 1;
}

void braid_path_for_dest(const braid_assoc *a, unsigned d, braid_path *p)
{
    const braid_endpoint *ep = a->ep;
    memset(p, 0, sizeof *p);
    p->remote = a->dests[d].addr;
    if (a->n_laddrs)
        p->local = a->laddrs[a->dests[d].local_idx];
    else if (ep->cfg.n_local_addrs)
        p->local = ep->cfg.local_addrs[a->dests[d].local_idx];
}

uint32_t braid_assoc_local_rwnd(const braid_assoc *a)
{
    /* RFC 9260 §6.2: what is held counts against the buffer, by the two
     * counts data_fits takes DATA by: the payload, up to the buffer (as the
     * sender counts our window, §6.2.1 B, and as Linux's rwnd counts), and
     * the memory, each chunk as at least BRAID_RX_MIN_CHARGE bytes, up to
     * twice the buffer (Linux: sk_rcvbuf, twice SO_RCVBUF, against rwnd's
     * half). The window offered is the smaller room, the memory's less half a
     * buffer kept for what small chunks sent into the window cost beyond
     * their bytes: tiny chunks close it early, a small message held barely
     * narrows it (as on Linux). */
    size_t bytes = a->rx_init ? braid_reasm_bytes(&a->reasm) : 0;
    size_t charge = a->rx_init ? braid_reasm_charge(&a->reasm) : 0;
    size_t buf = a->ep->cfg.rcvbuf;
    size_t room = bytes >= buf ? 0 : buf - bytes;
    size_t mem = buf + buf / 2;
    size_t mem_room = charge >= mem ? 0 : mem - charge;
    return (uint32_t)(room < mem_room ? room : mem_room);
}

int braid_assoc_setup(braid_assoc *a, uint32_t my_tsn, uint32_t peer_tsn, uint32_t peer_rwnd,
                      uint16_t out_streams, uint16_t in_streams, uint64_t now)
{
    braid_endpoint *ep = a->ep;
    (void)now;
    if (a->rx_init) {
        braid_tsnmap_free(&a->tsnmap);
        braid_reasm_free(&a->reasm);
        a->rx_init = false;
    }
    a->out_streams = out_streams;
    a->in_streams = in_streams;
    a->peer_rwnd = peer_rwnd;
    a->initial_tsn_local = my_tsn;
    a->peer_initial_tsn = peer_tsn;
    int rc = 0;
    if (a->outq.ring && a->outq.base == my_tsn && a->outq.next == my_tsn) {
        /* made at connect time with what we asked for: trim to what was
         * negotiated, handing back messages on streams that do not exist */
        /* as Linux (sctp_stream_outq_migrate): each is failed with the
         * Invalid Stream Identifier cause (RFC 9260 §3.3.10.1) */
        fail_ctx fc = {a, BRAID_CAUSE_INVALID_STREAM};
        braid_outq_limit_streams(&a->outq, out_streams, send_failed_cb, &fc);
    } else {
        braid_outq_free(&a->outq, NULL, NULL);
        rc = braid_outq_init(&a->outq, &ep->mem, out_streams, my_tsn);
        if (rc < 0)
            return rc;
    }
    braid_tsnmap_init(&a->tsnmap, &ep->mem, peer_tsn - 1);
    rc = braid_reasm_init(&a->reasm, &ep->mem, in_streams, false);
    if (rc < 0) {
        braid_tsnmap_free(&a->tsnmap);
        return rc;
    }
    braid_reasm_set_pd_point(&a->reasm, ep->cfg.pd_point);
    a->rx_init = true;
    for (unsigned i = 0; i < a->n_dests; i++)
        braid_cc_rfc9260.init(&a->dests[i].cc, a->dests[i].pp.pmtu, peer_rwnd);
    a->last_rwnd_sent = ep->cfg.rcvbuf;
    return 0;
}

/* RFC 9260 §8.3: the next heartbeat of an idle confirmed destination,
 * HB.interval + RTO (with jitter) away; NEVER with heartbeats off. */
uint64_t braid_assoc_hb_next(braid_assoc *a, const braid_dest *d, uint64_t now)
{
    if (!d->pp.hb_on)
        return BRAID_TIME_NEVER;
    uint64_t jitter = d->rtt.rto ? braid_ep_random32(a->ep) % (d->rtt.rto / 2 + 1) : 0;
    return now + d->pp.hb_interval_ns + d->rtt.rto / 2 + jitter;
}

static void schedule_heartbeats(braid_assoc *a, uint64_t now)
{
    for (unsigned i = 0; i < a->n_dests; i++) {
        braid_dest *d = &a->dests[i];
        /* unconfirmed ones at once (§5.4) */
        d->hb_at = d->confirmed ? braid_assoc_hb_next(a, d, now) : now;
    }
}

void braid_assoc_established(braid_assoc *a, uint64_t now)
{
    a->state = BRAID_STATE_ESTABLISHED;
    a->t1_at = BRAID_TIME_NEVER;
    a->init_retrans = 0;
    a->last_active = now;
    schedule_heartbeats(a, now);
    braid_event *ev = braid_ep_push_event(a->ep, BRAID_EV_ASSOC_CHANGE, a->id);
    if (ev) {
        ev->u.assoc_change.state = BRAID_COMM_UP;
        ev->u.assoc_change.out_streams = a->out_streams;
        ev->u.assoc_change.in_streams = a->in_streams;
    }
    if (a->peer_has_adaptation) { /* RFC 6458 §6.1.6, after COMM_UP */
        ev = braid_ep_push_event(a->ep, BRAID_EV_ADAPTATION, a->id);
        if (ev)
            ev->u.adaptation_ind = a->peer_adaptation;
    }
    if (a->shutdown_requested) { /* user shut down while connecting */
        a->state = BRAID_STATE_SHUTDOWN_PENDING;
        braid_assoc_check_shutdown(a, now);
    }
}

/* The bytes [off, off + n) of m handed back in ev (RFC 6458 §6.1.4). */
static void fill_send_failed(braid_endpoint *ep, braid_event *ev, const braid_tx_msg *m, bool sent,
                             uint32_t off, uint32_t n, uint8_t chunk_flags)
{
    ev->u.send_failed.sent = sent;
    ev->u.send_failed.chunk_flags =
        (uint8_t)(chunk_flags | ((m->flags & BRAID_SEND_UNORDERED) ? BRAID_DATA_FLAG_U : 0));
    ev->u.send_failed.info.sid = m->sid;
    ev->u.send_failed.info.ppid = m->ppid;
    ev->u.send_failed.info.flags = m->flags;
    ev->u.send_failed.info.context = m->context;
    ev->u.send_failed.info.lifetime_ns = m->lifetime_ns;
    ev->u.send_failed.data = braid_alloc(&ep->mem, n);
    if (ev->u.send_failed.data) {
        memcpy(ev->u.send_failed.data, m->data + off, n);
        ev->u.send_failed.len = n;
    }
}

static void send_failed_cb(void *arg, const braid_tx_msg *m, bool sent)
{
    braid_assoc *a = ((fail_ctx *)arg)->a;
    braid_endpoint *ep = a->ep;
    /* RFC 6458 §6.1.11: undelivered data is handed back, never dropped silently. */
    braid_event *ev = braid_ep_push_event(ep, BRAID_EV_SEND_FAILED, a->id);
    if (!ev)
        return;
    fill_send_failed(ep, ev, m, sent, 0, m->len,
                     BRAID_DATA_FLAG_B | BRAID_DATA_FLAG_E);
    ev->u.send_failed.error = ((fail_ctx *)arg)->cause;
}

/* A message that expired unsent (braid_outq_expire) is handed back as Linux
 * does it: one SEND_FAILED per fragment it would have been sent in (Linux
 * fragments at sendmsg, sctp_datamsg_from_user, and sctp_datamsg_destroy
 * reports each chunk), with the DATA chunk's B/E/U flags, SCTP_DATA_UNSENT
 * and error 0 (sctp_outq_flush_data: sctp_chunk_fail(chunk, 0)). */
static void expired_cb(void *arg, const braid_tx_msg *m, bool sent)
{
    braid_assoc *a = ((fail_ctx *)arg)->a;
    uint32_t frag = braid_assoc_frag_point(a);
    if (frag == 0)
        frag = m->len;
    for (uint32_t off = 0; off < m->len;) {
        uint32_t n = m->len - off < frag ? m->len - off : frag;
        braid_event *ev = braid_ep_push_event(a->ep, BRAID_EV_SEND_FAILED, a->id);
        if (!ev)
            return;
        uint8_t flags = (uint8_t)((off == 0 ? BRAID_DATA_FLAG_B : 0) |
                                  (off + n == m->len ? BRAID_DATA_FLAG_E : 0));
        fill_send_failed(a->ep, ev, m, sent, off, n, flags);
        off += n;
    }
}

void braid_assoc_expire(braid_assoc *a, uint64_t now)
{
    if (!a->outq.ring || a->freeing || a->outq.expiry_at > now)
        return;
    fail_ctx fc = {a, 0};
    if (braid_outq_expire(&a->outq, now, expired_cb, &fc) == 0)
        return;
    /* §9.2: a shutdown waiting for the queue may go on now */
    if (a->state == BRAID_STATE_SHUTDOWN_PENDING || a->state == BRAID_STATE_SHUTDOWN_RECEIVED)
        braid_assoc_check_shutdown(a, now);
}

void braid_assoc_lost(braid_assoc *a, uint16_t error, const uint8_t *info, size_t info_len)
{
    braid_endpoint *ep = a->ep;
    if (a->freeing)
        return;
    bool was_up = a->state >= BRAID_STATE_ESTABLISHED;
    braid_event *ev = braid_ep_push_event(ep, BRAID_EV_ASSOC_CHANGE, a->id);
    if (ev) {
        ev->u.assoc_change.state = was_up ? BRAID_COMM_LOST : BRAID_CANT_STR_ASSOC;
        ev->u.assoc_change.error = error;
        ev->u.assoc_change.out_streams = a->out_streams;
        ev->u.assoc_change.in_streams = a->in_streams;
        if (info_len > sizeof ev->u.assoc_change.info)
            info_len = sizeof ev->u.assoc_change.info;
        if (info && info_len)
            memcpy(ev->u.assoc_change.info, info, info_len);
        ev->u.assoc_change.info_len = (uint16_t)info_len;
        ev->u.assoc_change.peer_abort = a->peer_aborted;
    }
    fail_ctx fc = {a, 0};
    braid_outq_free(&a->outq, send_failed_cb, &fc);
    rx_close_keep_data(a);
    a->state = BRAID_STATE_CLOSED;
    a->freeing = true;
    a->ctl &= CTL_ABORT; /* the only thing still worth sending */
    a->t1_at = a->t2_at = a->t5_at = a->sack_at = BRAID_TIME_NEVER;
    for (unsigned i = 0; i < a->n_dests; i++)
        a->dests[i].t3_at = a->dests[i].hb_at = BRAID_TIME_NEVER;
}

void braid_assoc_fail_pending(braid_assoc *a)
{
    fail_ctx fc = {a, 0};
    braid_outq_free(&a->outq, send_failed_cb, &fc);
    if (!a->rx_init)
        return;
    braid_tsnmap_free(&a->tsnmap);
    braid_reasm_free(&a->reasm);
    a->rx_init = false;
}

static void shutdown_complete(braid_assoc *a)
{
    braid_event *ev = braid_ep_push_event(a->ep, BRAID_EV_ASSOC_CHANGE, a->id);
    if (ev) {
        ev->u.assoc_change.state = BRAID_SHUTDOWN_COMP;
        ev->u.assoc_change.out_streams = a->out_streams;
        ev->u.assoc_change.in_streams = a->in_streams;
    }
    braid_outq_free(&a->outq, NULL, NULL); /* all acknowledged: nothing to report */
    rx_close_keep_data(a);
    a->state = BRAID_STATE_CLOSED;
    a->freeing = true;
    a->t1_at = a->t2_at = a->t5_at = a->sack_at = BRAID_TIME_NEVER;
    for (unsigned i = 0; i < a->n_dests; i++)
        a->dests[i].t3_at = a->dests[i].hb_at = BRAID_TIME_NEVER;
}

/* Protocol violation: ABORT with a cause text, then end (RFC 9260 §9.1). */
static void abort_violation(braid_assoc *a, uint16_t cause, const char *text)
{
    BRAID_DROPF(a->ep, BRAID_DROP_PROTOCOL_VIOLATION, a, NULL, NULL, -1, "%s: ABORT",
                text ? text : "");
    a->ctl |= CTL_ABORT;
    a->abort_cause = cause;
    size_t n = text ? strlen(text) : 0;
    if (n > BRAID_ABORT_INFO_MAX)
        n = BRAID_ABORT_INFO_MAX;
    memcpy(a->abort_info, text, n);
    a->abort_info_len = (uint16_t)n;
    braid_assoc_lost(a, cause, a->abort_info, n);
}

/* ---- DATA (RFC 9260 §6.2) ---- */

/* Whether a new DATA chunk (not a duplicate) may be held; counts it when
 * not. Bounds what a peer can make us hold to about twice rcvbuf, however
 * it orders or sizes its chunks. */
static bool data_fits(braid_assoc *a, const braid_data_chunk *d, uint8_t flags, uint32_t cum,
                      bool *gap_or_dup)
{
    braid_endpoint *ep = a->ep;
    size_t buf = ep->cfg.rcvbuf;
    /* §3.3.4: a TSN more than 65535 above the cum ack cannot be named in a
     * Gap Ack Block; and every chunk in flight carries at least one byte of
     * the window (§6.1 B), so no sender has more than rcvbuf TSNs in flight
     * above our cum ack: a TSN further up is dropped (mapping limit). */
    uint32_t span = buf < 65535 ? (uint32_t)buf : 65535u;
    if (d->tsn - cum > span) {
        BRAID_DROPF(ep, BRAID_DROP_OUT_OF_WINDOW, a, NULL, NULL, BRAID_CHUNK_DATA,
                    "TSN %u, cum ack %u, window %u", d->tsn, cum, span);
        return false;
    }
    /* Two counts: the payload held, as the sender counts it against our
     * window (§6.2.1 B: it sends what fits by that count, and what it sends
     * so is taken), and what the held chunks cost in memory, each at least
     * BRAID_RX_MIN_CHARGE: a flood of tiny chunks stops at twice the room. */
    size_t bytes = braid_reasm_bytes(&a->reasm);
    size_t charge = braid_reasm_charge(&a->reasm);
    size_t cost = braid_rx_chunk_charge(d->payload_len);
    bool full;
    if (braid_tsn_gt(d->tsn, braid_tsnmap_highest(&a->tsnmap))) {
        /* §6.2: with no room, new DATA above the highest TSN received is
         * dropped; except the next piece of a message under partial
         * delivery that the user has read up to (§6.9): the window may be
         * full of what queues behind it. One chunk past the window at most
         * until it is read. */
        full = (bytes + d->payload_len > buf || charge + cost > 2 * buf) &&
               !braid_reasm_pd_needs(&a->reasm, d, flags, false);
    } else {
        /* §6.2: below the highest TSN, a chunk fills a gap: a sender that
         * kept to the window may have sent it while our count of small
         * chunks closed the window faster than its own; take it within a
         * quarter of rcvbuf past the window, and the lowest missing TSN
         * (which lets what is held above it go up) within rcvbuf past it. */
        size_t room = buf + (d->tsn == cum + 1 ? buf : buf / 4);
        full = bytes + d->payload_len > room || charge + cost > 2 * room;
    }
    if (full) {
        BRAID_DROPF(ep, BRAID_DROP_RWND_FULL, a, NULL, NULL, BRAID_CHUNK_DATA,
                    "TSN %u of %zu bytes, %zu bytes held, rcvbuf %zu", d->tsn, d->payload_len,
                    bytes, buf);
        *gap_or_dup = true; /* §6.2: a SACK at once, without the dropped chunk */
        return false;
    }
    return true;
}

static void on_data(braid_assoc *a, const braid_chunk_view *v, bool *gap_or_dup, bool *immediate)
{
    braid_endpoint *ep = a->ep;
    braid_chunk c;
    int rc = braid_chunk_parse(v, &c);
    if (rc == BRAID_ERR_DATA_EMPTY) {
        /* §6.2: DATA with no user data: ABORT with "No User Data" */
        a->ctl |= CTL_ABORT;
        a->abort_cause = BRAID_CAUSE_NO_USER_DATA;
        braid_store32(a->abort_info, v->value_len >= 4 ? braid_load32(v->value) : 0);
        a->abort_info_len = 4;
        BRAID_DROPF(ep, BRAID_DROP_PROTOCOL_VIOLATION, a, NULL, NULL, BRAID_CHUNK_DATA, "%s",
                    "DATA without user data: ABORT");
        braid_assoc_lost(a, BRAID_CAUSE_NO_USER_DATA, NULL, 0);
        return;
    }
    if (rc < 0) {
        BRAID_DROPF(ep, BRAID_DROP_CHUNK_INVALID, a, NULL, NULL, v->type, "%s", braid_strerror(rc));
        return;
    }
    const braid_data_chunk *d = &c.u.data;
    ep->ctr.data_chunks_in++;
    if (c.flags & BRAID_DATA_FLAG_I) /* RFC 9260 §3.3.1: I bit asks for a SACK now */
        *immediate = true;
    uint32_t cum = braid_tsnmap_cum(&a->tsnmap);
    if (braid_tsn_le(d->tsn, cum) || braid_tsnmap_has(&a->tsnmap, d->tsn)) {
        braid_tsnmap_note_dup(&a->tsnmap, d->tsn); /* §6.2: report duplicates */
        ep->ctr.dup_tsns_in++;
        a->stats.idupchunks++;
        *gap_or_dup = true;
        return;
    }
    if (c.flags & BRAID_DATA_FLAG_U)
        a->stats.iuodchunks++;
    else
        a->stats.iodchunks++;
    if (d->tsn != cum + 1)
        a->stats.outofseqtsns++;
    if (!data_fits(a, d, c.flags, cum, gap_or_dup))
        return;
    /* §6.5: a stream the peer may not use: ERROR Invalid Stream Identifier,
     * the TSN is acknowledged and the data discarded. */
    if (d->sid >= a->in_streams) {
        if (braid_tsnmap_mark(&a->tsnmap, d->tsn) < 0) { /* too many gaps or no memory */
            BRAID_DROPF(ep, BRAID_DROP_OUT_OF_WINDOW, a, NULL, NULL, BRAID_CHUNK_DATA,
                        "TSN %u: no room in the TSN map", d->tsn);
            return;
        }
        BRAID_DROPF(ep, BRAID_DROP_BAD_STREAM, a, NULL, NULL, BRAID_CHUNK_DATA,
                    "stream %u of %u, TSN %u", d->sid, a->in_streams, d->tsn);
        a->ctl |= CTL_ERROR_STREAM;
        a->err_stream_sid = d->sid;
        *gap_or_dup = true;
        return;
    }
    rc = braid_tsnmap_mark(&a->tsnmap, d->tsn);
    if (rc <= 0) { /* too many gaps or no memory */
        BRAID_DROPF(ep, BRAID_DROP_OUT_OF_WINDOW, a, NULL, NULL, BRAID_CHUNK_DATA,
                    "TSN %u: no room in the TSN map", d->tsn);
        return;
    }
    if (braid_reasm_add(&a->reasm, d, c.flags, false) < 0) {
        /* could not store it: forget the TSN so the peer retransmits */
        BRAID_DROPF(ep, BRAID_DROP_RWND_FULL, a, NULL, NULL, BRAID_CHUNK_DATA,
                    "TSN %u: no memory to hold it", d->tsn);
        braid_tsnmap_unmark(&a->tsnmap, d->tsn);
        return;
    }
    if (braid_tsnmap_gap_count(&a->tsnmap))
        *gap_or_dup = true;
}

static void after_data(braid_assoc *a, bool gap_or_dup, bool immediate, uint64_t now)
{
    braid_endpoint *ep = a->ep;
    a->last_active = now;
    /* RFC 9260 §6.2: SACK at least every second packet with DATA, within
     * the delayed-ack time, and at once when there are gaps or duplicates
     * (§7.2.4) or the sender asked (I bit). */
    /* The delay and frequency are those of the path the DATA came from (as
     * Linux's per-transport sackdelay / sackfreq, RFC 6458 §8.1.19). */
    const braid_path_params *pp = a->sack_dest < a->n_dests ? &a->dests[a->sack_dest].pp : &a->pp;
    uint32_t freq = pp->sack_delay_on ? pp->sack_freq : 1;
    a->pkts_since_sack++;
    /* The first DATA packet of an association is acknowledged at once (as
     * Linux, whose peer.sack_needed starts set; §6.2 allows a SACK at any
     * time): a sender that sends one message and shuts down does not wait
     * out the delayed-SACK time before its SHUTDOWN can go. */
    if (!a->sack_sent_once)
        immediate = true;
    if (gap_or_dup || immediate || a->pkts_since_sack >= freq ||
        a->state != BRAID_STATE_ESTABLISHED)
        a->ctl |= CTL_SACK;
    else if (a->sack_at == BRAID_TIME_NEVER)
        a->sack_at = now + pp->sack_delay_ns;
    /* §6.9: a full buffer that reading cannot free: deliver part of a message */
    braid_reasm_pressure(&a->reasm,
                         braid_assoc_local_rwnd(a) < a->pmtu && !braid_reasm_peek(&a->reasm));
    if (braid_reasm_peek(&a->reasm) && !a->data_ready_signalled) {
        a->data_ready_signalled = true;
        braid_ep_push_event(ep, BRAID_EV_DATA_READY, a->id);
    }
}

/* ---- SACK (RFC 9260 §6.2.1, §7.2) ---- */

static void on_sack(braid_assoc *a, const braid_chunk_view *v, uint64_t now)
{
    braid_endpoint *ep = a->ep;
    braid_chunk c;
    int prc = braid_chunk_parse(v, &c);
    if (prc < 0) {
        BRAID_DROPF(ep, BRAID_DROP_CHUNK_INVALID, a, NULL, NULL, v->type, "%s",
                    braid_strerror(prc));
        return;
    }
    ep->ctr.sacks_in++;
    a->sack_since_t3 = true;
    const braid_sack_chunk *s = &c.u.sack;
    /* §6.2.1 D i: a cum ack below the Cumulative TSN Ack Point: out of
     * order, dropped (its a_rwnd is stale too) */
    if (braid_tsn_lt(s->cum_tsn, a->outq.base - 1)) {
        BRAID_DROPF(ep, BRAID_DROP_STALE_SACK, a, NULL, NULL, BRAID_CHUNK_SACK,
                    "cum ack %u, ours %u", s->cum_tsn, a->outq.base - 1);
        return;
    }
    /* §12.4: a SACK acknowledging a TSN not sent MUST abort the
     * association (Protocol Violation, §3.3.10.13): by its cum ack or by
     * any of its gap blocks, all of them looked at (each costs O(1)). */
    bool unsent = braid_tsn_ge(s->cum_tsn, a->outq.next);
    uint16_t gaps[2 * BRAID_OUTQ_MAX_GAPS];
    size_t ng = 0;
    for (size_t i = 0; i < s->n_gaps && !unsent; i++) {
        uint16_t gs, ge;
        braid_sack_gap(s, i, &gs, &ge);
        if (gs == 0 || ge < gs) {
            /* §3.3.4: a block names TSNs above the cum ack, start <= end;
             * this one names none: ignored */
            BRAID_DROPF(ep, BRAID_DROP_SACK_GAP, a, NULL, NULL, BRAID_CHUNK_SACK,
                        "block %zu: %u-%u", i, gs, ge);
            continue;
        }
        if (braid_tsn_ge(s->cum_tsn + ge, a->outq.next)) {
            unsent = true;
            break;
        }
        if (ng < BRAID_OUTQ_MAX_GAPS) { /* the rest is checked, not used */
            gaps[2 * ng] = gs;
            gaps[2 * ng + 1] = ge;
            ng++;
        }
    }
    if (unsent) {
        abort_violation(a, BRAID_CAUSE_PROTOCOL_VIOLATION, "SACK for a TSN not sent");
        return;
    }
    a->stats.gapcnt += s->n_gaps;
    braid_sack_result r;
    int rc = braid_outq_sack(&a->outq, s->cum_tsn, gaps, ng, a->fast_recovery, &r);
    if (rc != 0) {
        if (rc == 1) /* not reached: checked above */
            BRAID_DROPF(ep, BRAID_DROP_STALE_SACK, a, NULL, NULL, BRAID_CHUNK_SACK, "cum ack %u",
                        s->cum_tsn);
        return;
    }
    /* §6.2.1 D iv: rwnd = a_rwnd - bytes still outstanding */
    uint32_t out = a->outq.inflight_bytes;
    a->peer_rwnd = s->a_rwnd > out ? s->a_rwnd - out : 0;
    if (r.any_newly_acked)
        a->error_count = 0; /* §8.3: an acknowledgement clears the counter */

    uint32_t lowest = a->outq.base;
    for (unsigned i = 0; i < a->n_dests; i++) {
        braid_dest *d = &a->dests[i];
        uint32_t before = d->flight;
        uint32_t acked = r.acked_bytes[i];
        d->flight = braid_outq_flight_of(&a->outq, i);
        if (acked) {
            d->error_count = 0; /* §8.3 */
            if (!d->active) {
                d->active = true;
                braid_event *ev = braid_ep_push_event(ep, BRAID_EV_PEER_ADDR_CHANGE, a->id);
                if (ev) {
                    ev->u.paddr.addr = d->addr;
                    ev->u.paddr.port = a->peer_port;
                    ev->u.paddr.state = BRAID_ADDR_AVAILABLE;
                    ev->u.paddr.error = 1; /* RFC 6458 SCTP_RECEIVED_SACK */
                }
            }
        }
        d->burst_left = ep->cfg.max_burst; /* a SACK opens a new burst (§6.1 D) */
        /* §7.2.1, §7.2.2: grow cwnd first (Note in §7.2.4) */
        braid_cc_rfc9260.on_ack(&d->cc, acked, r.cum_advanced, before, a->fast_recovery);
        /* §6.3.2 R2/R3: stop T3 when nothing is outstanding on the path,
         * restart it when the cum ack advanced */
        if (d->flight == 0)
            d->t3_at = BRAID_TIME_NEVER;
        else if (r.cum_advanced)
            d->t3_at = now + d->rtt.rto;
    }
    (void)lowest;
    if (r.rtt_dest >= 0 && now >= r.rtt_sent_at) {
        braid_rtt_sample(&a->dests[r.rtt_dest].rtt, now - r.rtt_sent_at); /* §6.3.1 C3 */
        braid_assoc_note_rto(a, (unsigned)r.rtt_dest);
    }
    if (a->fast_recovery && braid_tsn_ge(s->cum_tsn, a->recovery_exit_tsn))
        a->fast_recovery = false; /* §7.2.4 item 6 */
    if (r.n_fast_rtx) {
        ep->ctr.fast_retransmits += r.n_fast_rtx;
        a->stats.fast_retransmits += r.n_fast_rtx;
        BRAID_EP_LOG(ep, BRAID_LOG_INFO,
                     "assoc %u: fast retransmit of %u chunks (recovery %d): cwnd %u flight %u",
                     a->id, r.n_fast_rtx, a->fast_recovery, a->dests[0].cc.cwnd,
                     a->dests[0].flight);
        if (!a->fast_recovery) {
            /* §7.2.4 items 2, 6: once per recovery */
            for (unsigned i = 0; i < a->n_dests; i++)
                braid_cc_rfc9260.on_fast_retransmit(&a->dests[i].cc);
            a->fast_recovery = true;
            a->recovery_exit_tsn = a->outq.next - 1;
            a->fast_rtx_pending = true;
        }
    }
    if (braid_outq_outstanding(&a->outq) == 0 && a->outq.head == NULL && r.cum_advanced) {
        braid_ep_push_event(ep, BRAID_EV_SENDER_DRY, a->id);
    }
    braid_assoc_check_shutdown(a, now);
}

/* ---- shutdown (RFC 9260 §9.2) ---- */

static bool all_data_acked(const braid_assoc *a)
{
    return braid_outq_outstanding(&a->outq) == 0 && a->outq.head == NULL;
}

void braid_assoc_check_shutdown(braid_assoc *a, uint64_t now)
{
    if (!all_data_acked(a))
        return;
    if (a->state == BRAID_STATE_SHUTDOWN_PENDING) {
        /* §9.2: send SHUTDOWN, start T2 and T5 */
        a->state = BRAID_STATE_SHUTDOWN_SENT;
        a->ctl |= CTL_SHUTDOWN;
        a->t2_at = now + a->dests[a->primary].rtt.rto;
        a->t5_at = now + 5 * a->ep->cfg.rto_max_ns; /* §9.2: 5 x RTO.Max */
        a->shutdown_retrans = 0;
    } else if (a->state == BRAID_STATE_SHUTDOWN_RECEIVED) {
        /* §9.2: all acked: SHUTDOWN ACK, T2 */
        a->state = BRAID_STATE_SHUTDOWN_ACK_SENT;
        a->ctl |= CTL_SHUTDOWN_ACK;
        a->t2_at = now + a->dests[a->primary].rtt.rto;
        a->shutdown_retrans = 0;
    }
}

static void on_shutdown(braid_assoc *a, const braid_chunk_view *v, uint64_t now)
{
    braid_chunk c;
    int rc = braid_chunk_parse(v, &c);
    if (rc < 0) {
        BRAID_DROPF(a->ep, BRAID_DROP_CHUNK_INVALID, a, NULL, NULL, v->type, "%s",
                    braid_strerror(rc));
        return;
    }
    /* §9.2: the SHUTDOWN's cumulative TSN ack acknowledges our data */
    braid_sack_result r;
    if (braid_tsn_ge(c.u.tsn.tsn, a->outq.base - 1) &&
        braid_outq_sack(&a->outq, c.u.tsn.tsn, NULL, 0, false, &r) == 0) {
        for (unsigned i = 0; i < a->n_dests; i++) {
            a->dests[i].flight = braid_outq_flight_of(&a->outq, i);
            if (!a->dests[i].flight)
                a->dests[i].t3_at = BRAID_TIME_NEVER;
        }
    }
    switch (a->state) {
    case BRAID_STATE_ESTABLISHED:
    case BRAID_STATE_SHUTDOWN_PENDING:
        a->state = BRAID_STATE_SHUTDOWN_RECEIVED;
        braid_ep_push_event(a->ep, BRAID_EV_SHUTDOWN, a->id);
        braid_assoc_check_shutdown(a, now);
        break;
    case BRAID_STATE_SHUTDOWN_SENT:
        /* §9.2: SHUTDOWN in SHUTDOWN-SENT: reply SHUTDOWN ACK, enter
         * SHUTDOWN-ACK-SENT, restart T2 */
        a->state = BRAID_STATE_SHUTDOWN_ACK_SENT;
        a->ctl |= CTL_SHUTDOWN_ACK;
        a->ctl &= ~(uint32_t)CTL_SHUTDOWN;
        a->t2_at = now + a->dests[a->primary].rtt.rto;
        break;
    default: break;
    }
}

static void on_shutdown_ack(braid_assoc *a)
{
    BRAID_EP_LOG(a->ep, BRAID_LOG_INFO, "assoc %u: SHUTDOWN ACK in state %d", a->id, (int)a->state);
    /* §9.2: in SHUTDOWN-SENT or SHUTDOWN-ACK-SENT: stop T2, send SHUTDOWN
     * COMPLETE, remove the TCB. In COOKIE-* states: OOTB (§8.5.1 E). */
    if (a->state == BRAID_STATE_SHUTDOWN_SENT || a->state == BRAID_STATE_SHUTDOWN_ACK_SENT) {
        a->ctl = CTL_SHUTDOWN_COMPLETE;
        shutdown_complete(a);
    } else {
        BRAID_DROPF(a->ep, BRAID_DROP_CHUNK_STATE, a, NULL, NULL, BRAID_CHUNK_SHUTDOWN_ACK,
                    "state %d", (int)a->state);
    }
}

static void on_shutdown_complete(braid_assoc *a)
{
    if (a->state == BRAID_STATE_SHUTDOWN_ACK_SENT)
        shutdown_complete(a);
    else /* §8.5.1 C: else ignored */
        BRAID_DROPF(a->ep, BRAID_DROP_CHUNK_STATE, a, NULL, NULL, BRAID_CHUNK_SHUTDOWN_COMPLETE,
                    "state %d", (int)a->state);
}

static void on_abort(braid_assoc *a, const braid_chunk_view *v)
{
    braid_chunk c;
    uint16_t cause = 0;
    const uint8_t *info = NULL;
    size_t info_len = 0;
    if (braid_chunk_parse(v, &c) == 0 && c.u.tlvs.tlvs_len >= 4) {
        /* report the first cause (code, and the cause bytes) to the user */
        cause = braid_load16(c.u.tlvs.tlvs);
        info = c.u.tlvs.tlvs;
        info_len = c.u.tlvs.tlvs_len;
    }
    a->peer_aborted = true;
    braid_assoc_lost(a, cause, info, info_len); /* §9.1 */
}

static void on_error_chunk(braid_assoc *a, const braid_chunk_view *v)
{
    braid_chunk c;
    if (braid_chunk_parse(v, &c) < 0 || c.u.tlvs.tlvs_len < 4) {
        /* §3.3.10: one or more causes, framed */
        BRAID_DROPF(a->ep, BRAID_DROP_CHUNK_INVALID, a, NULL, NULL, v->type, "%s",
                    "no cause, or causes not framed");
        return;
    }
    braid_event *ev = braid_ep_push_event(a->ep, BRAID_EV_REMOTE_ERROR, a->id);
    if (!ev)
        return;
    ev->u.remote_error.error = braid_load16(c.u.tlvs.tlvs);
    size_t n = c.u.tlvs.tlvs_len;
    if (n > sizeof ev->u.remote_error.data)
        n = sizeof ev->u.remote_error.data;
    memcpy(ev->u.remote_error.data, c.u.tlvs.tlvs, n);
    ev->u.remote_error.len = (uint16_t)n;
}

/* ---- heartbeat (RFC 9260 §8.3) ---- */

static void on_heartbeat(braid_assoc *a, const braid_path *path, const braid_chunk_view *v)
{
    braid_chunk c;
    if (braid_chunk_parse(v, &c) < 0) {
        /* §3.3.5: Heartbeat Info is mandatory */
        BRAID_DROPF(a->ep, BRAID_DROP_CHUNK_INVALID, a, path, NULL, v->type, "%s",
                    "no Heartbeat Info");
        return;
    }
    int d = braid_assoc_find_dest(a, &path->remote);
    if (d < 0 || c.u.hb.info_len > BRAID_HB_INFO_MAX) {
        BRAID_DROPF(a->ep, BRAID_DROP_CHUNK_INVALID, a, path, NULL, v->type, "%s",
                    d < 0 ? "from an address not of the association" : "Heartbeat Info too long");
        return;
    }
    /* §8.3: reply on the path it came from, echoing the info unchanged */
    braid_dest *dst = &a->dests[d];
    dst->hb_ack_due = true;
    dst->hb_ack_len = (uint8_t)c.u.hb.info_len;
    memcpy(dst->hb_ack_info, c.u.hb.info, c.u.hb.info_len);
}

static void on_heartbeat_ack(braid_assoc *a, const braid_chunk_view *v, uint64_t now)
{
    braid_chunk c;
    if (braid_chunk_parse(v, &c) < 0 || c.u.hb.info_len != 24) { /* not the info we sent */
        BRAID_DROPF(a->ep, BRAID_DROP_BAD_HB_ACK, a, NULL, NULL, v->type, "%s",
                    "not the Heartbeat Info we send");
        return;
    }
    /* our info: dest index (4), nonce (8), send time (8), reserved (4) */
    uint32_t idx = braid_load32(c.u.hb.info);
    if (idx >= a->n_dests) {
        BRAID_DROPF(a->ep, BRAID_DROP_BAD_HB_ACK, a, NULL, NULL, v->type, "path %u of %u", idx,
                    a->n_dests);
        return;
    }
    braid_dest *d = &a->dests[idx];
    uint64_t nonce = (uint64_t)braid_load32(c.u.hb.info + 4) << 32 | braid_load32(c.u.hb.info + 8);
    uint64_t sent = (uint64_t)braid_load32(c.u.hb.info + 12) << 32 | braid_load32(c.u.hb.info + 16);
    if (nonce != d->hb_nonce || !d->hb_outstanding) {
        /* §8.3: the nonce proves the reply is genuine */
        BRAID_DROPF(a->ep, BRAID_DROP_BAD_HB_ACK, a, NULL, NULL, v->type, "%s on path %u",
                    d->hb_outstanding ? "wrong nonce" : "no HEARTBEAT outstanding", idx);
        return;
    }
    d->hb_outstanding = false;
    d->error_count = 0;
    a->error_count = 0;
    if (now >= sent) {
        braid_rtt_sample(&d->rtt, now - sent);
        braid_assoc_note_rto(a, idx);
    }
    bool was_down = !d->active, was_unconfirmed = !d->confirmed;
    d->active = true;
    d->confirmed = true;
    if (was_down || was_unconfirmed) {
        braid_event *ev = braid_ep_push_event(a->ep, BRAID_EV_PEER_ADDR_CHANGE, a->id);
        if (ev) {
            ev->u.paddr.addr = d->addr;
            ev->u.paddr.port = a->peer_port;
            ev->u.paddr.state = was_down ? BRAID_ADDR_AVAILABLE : BRAID_ADDR_CONFIRMED;
            ev->u.paddr.error = 2; /* RFC 6458 SCTP_HEARTBEAT_SUCCESS */
        }
    }
}

/* ---- dispatch ---- */

/* RFC 9260 §8.5 and §8.5.1: is the packet's tag acceptable for this chunk? */
static bool vtag_ok(const braid_assoc *a, const braid_common_header *h, uint8_t type, uint8_t flags)
{
    if (type == BRAID_CHUNK_ABORT || type == BRAID_CHUNK_SHUTDOWN_COMPLETE) {
        /* §8.5.1 B, C: own tag with T clear, or the peer's with T set */
        if (flags & BRAID_FLAG_T)
            return h->vtag == a->peer_vtag;
        return h->vtag == a->local_vtag;
    }
    return h->vtag == a->local_vtag; /* §8.5 */
}

/* §8.5, §8.5.1 B, C: one chunk with an unacceptable tag discards the whole
 * packet, including the chunks before it. Without a T-bit ABORT or SHUTDOWN
 * COMPLETE every chunk has the same rule, so no walk is needed. */
static bool packet_tags_ok(braid_assoc *a, const braid_path *path, const braid_common_header *h,
                           const uint8_t *chunks, size_t len, bool tbit)
{
    if (!tbit) {
        if (h->vtag == a->local_vtag)
            return true;
        /* §8.5: silently discard the packet */
        BRAID_DROP(a->ep, BRAID_DROP_BAD_VTAG, a, path, h, -1);
        return false;
    }
    braid_chunk_iter it;
    braid_chunk_view v;
    braid_chunk_iter_init_bare(&it, chunks, len);
    while (braid_chunk_iter_next(&it, &v) > 0) {
        if (!vtag_ok(a, h, v.type, v.flags)) {
            BRAID_DROPF(a->ep, BRAID_DROP_BAD_VTAG, a, path, h, v.type, "T bit %s",
                        v.flags & BRAID_FLAG_T ? "set" : "clear");
            return false;
        }
    }
    return true;
}

void braid_assoc_handle_chunks(braid_assoc *a, const braid_path *path, const braid_common_header *h,
                               const uint8_t *chunks, size_t len, bool tbit, uint64_t now)
{
    braid_endpoint *ep = a->ep;
    braid_chunk_iter it;
    braid_chunk_view v;
    bool gap_or_dup = false, immediate = false, had_data = false;
    if (!packet_tags_ok(a, path, h, chunks, len, tbit))
        return;
    a->stats.ipackets++;
    /* RFC 6951 §5.4: the UDP source port is stored only after the
     * association (with its verification tag) is found: a blind packet from
     * another port must not redirect the association. */
    int d = braid_assoc_find_dest(a, &path->remote);
    if (d >= 0) {
        a->dests[d].addr.udp_port = path->remote.udp_port; /* RFC 6951 §5.1: learn the port */
        a->sack_dest = (unsigned)d;
        if (path->local.family)
            a->dests[d].seen_local = path->local;
        /* answer from the address the peer reached us at: that one works */
        for (unsigned i = 0; i < ep->cfg.n_local_addrs; i++)
            if (braid_addr_equal_ip(&ep->cfg.local_addrs[i], &path->local))
                a->dests[d].local_idx = i;
        /* wildcard-bound: only an address we announced (laddr.c) */
        for (unsigned i = 0; i < a->n_laddrs; i++)
            if (braid_addr_equal_ip(&a->laddrs[i], &path->local)) {
                a->dests[d].local_idx = i;
                a->laddrs[i].udp_port = path->local.udp_port;
            }
    }
    braid_chunk_iter_init_bare(&it, chunks, len);
    while (!a->freeing && braid_chunk_iter_next(&it, &v) > 0) {
        if (v.type != BRAID_CHUNK_DATA) {
            a->stats.ictrlchunks++;
            if (v.type == BRAID_CHUNK_SACK)
                a->stats.isacks++;
        }
        switch (v.type) {
        case BRAID_CHUNK_DATA:
            if (a->state == BRAID_STATE_ESTABLISHED || a->state == BRAID_STATE_SHUTDOWN_PENDING ||
                a->state == BRAID_STATE_SHUTDOWN_SENT) {
                on_data(a, &v, &gap_or_dup, &immediate);
                had_data = true;
            } else { /* §9.2: DATA after SHUTDOWN is not accepted */
                BRAID_DROPF(ep, BRAID_DROP_CHUNK_STATE, a, path, h, v.type, "state %d",
                            (int)a->state);
            }
            break;
        case BRAID_CHUNK_SACK:
            if (a->state >= BRAID_STATE_ESTABLISHED)
                on_sack(a, &v, now);
            else
                BRAID_DROPF(ep, BRAID_DROP_CHUNK_STATE, a, path, h, v.type, "state %d",
                            (int)a->state);
            break;
        case BRAID_CHUNK_HEARTBEAT: on_heartbeat(a, path, &v); break;
        case BRAID_CHUNK_HEARTBEAT_ACK: on_heartbeat_ack(a, &v, now); break;
        case BRAID_CHUNK_ABORT: on_abort(a, &v); return;
        case BRAID_CHUNK_SHUTDOWN:
            if (a->state >= BRAID_STATE_ESTABLISHED)
                on_shutdown(a, &v, now);
            else
                BRAID_DROPF(ep, BRAID_DROP_CHUNK_STATE, a, path, h, v.type, "state %d",
                            (int)a->state);
            break;
        case BRAID_CHUNK_SHUTDOWN_ACK:
            if (a->state == BRAID_STATE_COOKIE_WAIT || a->state == BRAID_STATE_COOKIE_ECHOED) {
                /* §8.5.1 E: answered as OOTB by braid_endpoint_read_pkt
                 * before dispatch; not reached */
                BRAID_DROPF(ep, BRAID_DROP_CHUNK_STATE, a, path, h, v.type, "state %d",
                            (int)a->state);
                break;
            }
            on_shutdown_ack(a);
            return;
        case BRAID_CHUNK_SHUTDOWN_COMPLETE: on_shutdown_complete(a); return;
        case BRAID_CHUNK_ERROR:
            on_error_chunk(a, &v);
            braid_hs_on_error(a, &v, now);
            break;
        case BRAID_CHUNK_INIT_ACK: braid_hs_on_init_ack(a, path, &v, now); break;
        case BRAID_CHUNK_COOKIE_ACK: braid_hs_on_cookie_ack(a, now); break;
        case BRAID_CHUNK_INIT:
        case BRAID_CHUNK_COOKIE_ECHO:
            /* only valid first in a packet (handled by the endpoint; §6.10:
             * INIT is never bundled) */
            BRAID_DROP(ep, BRAID_DROP_CHUNK_BUNDLED, a, path, h, v.type);
            break;
        default: {
            /* §3.2: unrecognized chunk: act on the upper two bits */
            braid_unknown_action act = braid_chunk_unknown_action(v.type);
            BRAID_DROPF(ep, BRAID_DROP_UNKNOWN_CHUNK, a, path, h, -1, "type %u (action %d)", v.type,
                        (int)act);
            if (braid_unknown_action_reports(act) && !(a->ctl & CTL_ERROR_UNRECOGNIZED)) {
                size_t n = v.length < sizeof a->unrec_chunk ? v.length : sizeof a->unrec_chunk;
                memcpy(a->unrec_chunk, v.raw, n);
                a->unrec_len = (uint16_t)n;
                a->ctl |= CTL_ERROR_UNRECOGNIZED;
            }
            if (braid_unknown_action_stops(act))
                goto done;
            break;
        }
        }
    }
done:
    if (had_data && !a->freeing)
        after_data(a, gap_or_dup, immediate, now);
}

/* ---- timers ---- */

uint64_t braid_assoc_next_expiry(const braid_assoc *a)
{
    uint64_t t = a->t1_at;
    /* message lifetimes (RFC 6458 §5.3.2): a queue that cannot move (zero
     * window, cwnd) still reports its expired messages in time */
    if (a->outq.ring && !a->freeing && a->outq.expiry_at < t)
        t = a->outq.expiry_at;
    if (a->t2_at < t)
        t = a->t2_at;
    if (a->t5_at < t)
        t = a->t5_at;
    if (a->sack_at < t)
        t = a->sack_at;
    if (a->autoclose_ns && a->state == BRAID_STATE_ESTABLISHED &&
        a->last_active + a->autoclose_ns < t)
        t = a->last_active + a->autoclose_ns;
    for (unsigned i = 0; i < a->n_dests; i++) {
        if (a->dests[i].t3_at < t)
            t = a->dests[i].t3_at;
        if (a->dests[i].hb_at < t)
            t = a->dests[i].hb_at;
    }
    return t;
}

void braid_assoc_dest_check(braid_assoc *a, unsigned idx)
{
    braid_endpoint *ep = a->ep;
    braid_dest *d = &a->dests[idx];
    /* §8.2: beyond Path.Max.Retrans the destination is INACTIVE */
    if (d->active && d->error_count > d->pp.path_max_retrans) {
        d->active = false;
        braid_event *ev = braid_ep_push_event(ep, BRAID_EV_PEER_ADDR_CHANGE, a->id);
        if (ev) {
            ev->u.paddr.addr = d->addr;
            ev->u.paddr.port = a->peer_port;
            ev->u.paddr.state = BRAID_ADDR_UNREACHABLE;
        }
        /* §6.4.1: move the primary to an active destination */
        if (idx == a->primary) {
            for (unsigned j = 0; j < a->n_dests; j++)
                if (a->dests[j].active && a->dests[j].confirmed) { /* §5.4 */
                    a->primary = j;
                    break;
                }
        }
    }
}

/* Why an association ends on its error counter: the text of the ABORT's
 * Protocol Violation cause. */
static const char max_retrans_text[] = "Association.Max.Retrans exceeded: peer unreachable";
_Static_assert(sizeof max_retrans_text - 1 <= BRAID_ABORT_INFO_MAX, "ABORT text too long");

/* Counts an error against the association (§8.1: T3-rtx, unanswered
 * HEARTBEATs, T2-shutdown); true if it is now lost. */
static bool assoc_error(braid_assoc *a)
{
    if (++a->error_count > a->ep->cfg.assoc_max_retrans) {
        /* RFC 9260 §8.1: past Association.Max.Retrans the peer is
         * unreachable and the association is closed. An ABORT with a
         * Protocol Violation cause (§3.3.10.13, §9.1) tells the peer at
         * once, should it hear us after all, rather than leaving it to its
         * own timers: Linux does so (sctp_cmd_assoc_failed,
         * sctp_make_violation_max_retrans), so does usrsctp
         * (sctp_threshold_management). It is sent with the peer's tag, T
         * bit clear (§8.5.1), to the primary path (or the first active one,
         * output.c choose_dest) before the TCB goes; COMM_LOST keeps error
         * 0, as on Linux (SCTP_ERROR_NO_ERROR). */
        a->ctl |= CTL_ABORT;
        a->abort_cause = BRAID_CAUSE_PROTOCOL_VIOLATION;
        memcpy(a->abort_info, max_retrans_text, sizeof max_retrans_text - 1);
        a->abort_info_len = (uint16_t)(sizeof max_retrans_text - 1);
        braid_assoc_lost(a, 0, NULL, 0);
        return true;
    }
    return false;
}

static void t3_expired(braid_assoc *a, unsigned i, uint64_t now)
{
    braid_dest *d = &a->dests[i];
    braid_endpoint *ep = a->ep;
    ep->ctr.t3_expiries++;
    a->stats.t3_expiries++;
    BRAID_EP_LOG(
        ep, BRAID_LOG_INFO,
        "assoc %u: T3 on path %u: flight %u cwnd %u rwnd %u rtx %u outstanding %u queued %zu",
        a->id, i, d->flight, d->cc.cwnd, a->peer_rwnd, a->outq.n_rtx,
        braid_outq_outstanding(&a->outq), a->outq.queued_bytes);
    /* §6.3.3 E1-E3: cut cwnd, back off RTO, mark everything on the path */
    braid_cc_rfc9260.on_timeout(&d->cc);
    braid_rtt_backoff(&d->rtt);
    braid_assoc_note_rto(a, i);
    braid_outq_mark_dest(&a->outq, i);
    d->flight = 0;
    d->t3_at = BRAID_TIME_NEVER;
    a->fast_recovery = false;
    /* §6.1 A: unanswered zero window probes do not count as errors while
     * the peer keeps acknowledging with a closed window */
    bool probing = a->peer_rwnd == 0 && a->sack_since_t3;
    a->sack_since_t3 = false;
    if (probing)
        return;
    d->error_count++;
    braid_assoc_dest_check(a, i);
    if (assoc_error(a))
        return;
    (void)now;
}

static void hb_due(braid_assoc *a, unsigned i, uint64_t now)
{
    braid_dest *d = &a->dests[i];
    braid_endpoint *ep = a->ep;
    if (d->hb_outstanding) {
        /* §8.3: an unanswered HEARTBEAT counts as an error on the path and
         * the association; RTO backs off */
        d->hb_outstanding = false;
        d->error_count++;
        braid_rtt_backoff(&d->rtt);
        braid_assoc_note_rto(a, i);
        braid_assoc_dest_check(a, i);
        /* a probe of an address never confirmed (§5.4) says nothing about
         * the association: a peer listing an address we cannot reach must
         * not end an association that works over its other ones */
        if (d->confirmed && assoc_error(a))
            return;
    }
    /* Once SHUTDOWN or SHUTDOWN ACK is out, T2 watches the peer (§9.2); a
     * heartbeat crossing the SHUTDOWN COMPLETE would only draw an OOTB ABORT. */
    if (a->state != BRAID_STATE_SHUTDOWN_SENT && a->state != BRAID_STATE_SHUTDOWN_ACK_SENT)
        d->hb_due_send = true;
    /* §5.4: an unconfirmed address is probed again every RTO (with its
     * back-off), a confirmed idle one every HB.interval + RTO (§8.3) */
    uint64_t interval = d->confirmed ? d->pp.hb_interval_ns : 0;
    uint64_t jitter = braid_ep_random32(ep) % (d->rtt.rto / 2 + 1);
    d->hb_at = now + d->rtt.rto + interval + jitter;
    if (!d->pp.hb_on && d->confirmed)
        d->hb_at = BRAID_TIME_NEVER;
}

void braid_assoc_timers(braid_assoc *a, uint64_t now)
{
    braid_endpoint *ep = a->ep;
    braid_assoc_expire(a, now);
    /* RFC 6458 §8.1.8: an association idle (no DATA either way) for the
     * autoclose time is shut down gracefully (as Linux's autoclose timer) */
    if (a->autoclose_ns && a->state == BRAID_STATE_ESTABLISHED &&
        a->last_active + a->autoclose_ns <= now)
        braid_assoc_shutdown(ep, a->id, now);
    if (a->t1_at <= now) {
        /* §5.1 / §6.3.3: T1-init or T1-cookie: resend, back off, give up
         * after Max.Init.Retransmits */
        a->t1_at = BRAID_TIME_NEVER;
        if (++a->init_retrans > ep->cfg.max_init_retrans) {
            /* §5.1, §8.1 (Max.Init.Retransmits): the attempt ends with
             * CANT_STR_ASSOC and nothing on the wire, as on Linux
             * (sctp_sf_t1_init_timer_expire / sctp_sf_t1_cookie_timer_expire
             * -> sctp_cmd_init_failed: no ABORT); in COOKIE-WAIT the peer's
             * tag is not even known */
            braid_assoc_lost(a, 0, NULL, 0);
            return;
        }
        braid_rtt_backoff(&a->dests[a->primary].rtt);
        braid_assoc_note_rto(a, a->primary);
        /* The T1 timeout doubles (§6.3.3 E2, which §5.1 applies to T1) up to
         * the max init timeout, sinit_max_init_timeo of RFC 6458 §8.1.3,
         * which caps T1 only, never RTO.Max (as Linux's max_init_timeo in
         * sctp_cmd_t1_timer_update). */
        uint64_t cap = ep->cfg.max_init_timeo_ns ? ep->cfg.max_init_timeo_ns : ep->cfg.rto_max_ns;
        a->t1_rto = a->t1_rto > cap / 2 ? cap : a->t1_rto * 2;
        if (a->state == BRAID_STATE_COOKIE_WAIT)
            a->ctl |= CTL_INIT;
        else if (a->state == BRAID_STATE_COOKIE_ECHOED)
            a->ctl |= CTL_COOKIE_ECHO;
        a->t1_at = now + a->t1_rto;
    }
    if (a->t2_at <= now) {
        /* §9.2: T2-shutdown: resend SHUTDOWN / SHUTDOWN ACK; counts as an
         * association error */
        a->t2_at = BRAID_TIME_NEVER;
        braid_rtt_backoff(&a->dests[a->primary].rtt);
        braid_assoc_note_rto(a, a->primary);
        if (assoc_error(a))
            return;
        if (a->state == BRAID_STATE_SHUTDOWN_SENT)
            a->ctl |= CTL_SHUTDOWN;
        else if (a->state == BRAID_STATE_SHUTDOWN_ACK_SENT)
            a->ctl |= CTL_SHUTDOWN_ACK;
        a->t2_at = now + a->dests[a->primary].rtt.rto;
    }
    if (a->t5_at <= now) {
        /* §9.2: T5-shutdown-guard: give up with an ABORT */
        a->t5_at = BRAID_TIME_NEVER;
        a->ctl |= CTL_ABORT;
        a->abort_cause = 0;
        a->abort_info_len = 0;
        braid_assoc_lost(a, 0, NULL, 0);
        return;
    }
    if (a->sack_at <= now) {
        a->sack_at = BRAID_TIME_NEVER;
        a->ctl |= CTL_SACK;
    }
    for (unsigned i = 0; i < a->n_dests && !a->freeing; i++) {
        if (a->dests[i].t3_at <= now)
            t3_expired(a, i, now);
        if (!a->freeing && a->dests[i].hb_at <= now)
            hb_due(a, i, now);
    }
}
