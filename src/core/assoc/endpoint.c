/*
 * The endpoint: packet demultiplexing (RFC 9260 §8.4 out-of-the-blue
 * packets, §8.5 verification tags), stateless replies, output scheduling
 * across associations, timers, events and the receive call.
 */
#include <stdarg.h>
#include <stdio.h>

#include "core/wire/crc32c.h"
#include "core/wire/pkt.h"
#include "internal.h"

void braid_settings_default(braid_settings *s)
{
    memset(s, 0, sizeof *s);
    s->local_port = 9899;
    s->outbound_streams = 10;
    s->max_inbound_streams = 65535;
    s->rcvbuf = 256 * 1024;
    s->sndbuf = 256 * 1024;
    s->pmtu = 1452;
    /* RFC 9260 §16: protocol parameters */
    s->rto_initial_ns = 1000000000ull;
    s->rto_min_ns = 1000000000ull;
    s->rto_max_ns = 60000000000ull;
    s->max_burst = 4;
    s->assoc_max_retrans = 10;
    s->path_max_retrans = 5;
    s->max_init_retrans = 8;
    s->hb_interval_ns = 30000000000ull;
    s->valid_cookie_life_ns = 60000000000ull;
    s->sack_delay_ns = 200000000ull; /* §6.2: at most 500 ms; 200 ms usual */
    s->sack_freq = 2;                /* §6.2: at least every second packet */
    s->max_assocs = 1024;
    s->check_crc = 1;
    s->max_assocs_per_peer = 64;
    s->max_events = 4096;
    s->max_init_timeo_ns = s->rto_max_ns; /* RFC 6458 §8.1.3: RTO.Max unless set */
    s->ps_retrans = 0xffff;               /* Linux's default: switchover off */
}

uint32_t braid_ep_random32(braid_endpoint *ep)
{
    uint8_t b[4];
    ep->hooks.random(ep->hooks.user, b, 4);
    return braid_load32(b);
}

uint32_t braid_ep_random_tag(braid_endpoint *ep)
{
    uint32_t t;
    do
        t = braid_ep_random32(ep);
    while (t == 0); /* RFC 9260 §5.1: the Initiate Tag MUST NOT be 0 */
    return t;
}

int braid_settings_check(const braid_settings *s)
{
    bool ok = s->pmtu >= BRAID_MIN_PMTU && s->pmtu <= 65535 && s->outbound_streams && s->max_inbound_streams &&
              s->rcvbuf >= 1500 && s->rto_min_ns && s->rto_min_ns <= s->rto_max_ns &&
              s->n_local_addrs <= BRAID_MAX_ADDRS;
    return ok ? 0 : BRAID_ERR_INVAL;
}

int braid_endpoint_new(braid_endpoint **out, const braid_settings *s, const braid_hooks *h)
{
    if (!out || !s || !h || !h->alloc || !h->free || !h->random || !h->mac)
        return BRAID_ERR_INVAL;
    if (braid_settings_check(s) < 0)
        return BRAID_ERR_INVAL;
    braid_endpoint *ep = h->alloc(h->user, sizeof *ep);
    if (!ep)
        return BRAID_ERR_NOMEM;
    memset(ep, 0, sizeof *ep);
    ep->hooks = *h;
    ep->mem.alloc = h->alloc;
    ep->mem.free = h->free;
    ep->mem.user = h->user;
    ep->cfg = *s;
    ep->next_id = BRAID_ASSOC_ID_FIRST;
    ep->accept = true;
    ep->log_level = braid_ep_log_level(h);
    h->random(h->user, ep->cookie_key, sizeof ep->cookie_key);
    *out = ep;
    return 0;
}

void braid_endpoint_free(braid_endpoint *ep)
{
    if (!ep)
        return;
    while (ep->assocs)
        braid_assoc_free(ep->assocs);
    braid_event ev;
    while (braid_poll_event(ep, &ev))
        braid_event_release(ep, &ev);
    braid_free(&ep->mem, ep, sizeof *ep);
}

bool braid_addr_equal_ip(const braid_addr *a, const braid_addr *b)
{
    if (a->family != b->family)
        return false;
    return memcmp(a->ip, b->ip, a->family == 6 ? 16 : 4) == 0;
}

braid_assoc *braid_ep_find_assoc(braid_endpoint *ep, const braid_addr *remote, uint16_t port)
{
    for (braid_assoc *a = ep->assocs; a; a = a->next) {
        if (a->peer_port != port || a->freeing)
            continue;
        if (braid_assoc_find_dest(a, remote) >= 0)
            return a;
    }
    return NULL;
}

braid_event *braid_ep_push_event(braid_endpoint *ep, braid_event_type type, braid_assoc_id id)
{
    /* A peer can trigger REMOTE_ERROR, PEER_ADDR_CHANGE, RESTART, ... without
     * end: while the application does not poll, their queue is bounded. */
    if (ep->cfg.max_events && ep->n_events >= ep->cfg.max_events && type != BRAID_EV_ASSOC_CHANGE &&
        type != BRAID_EV_SEND_FAILED) {
        BRAID_DROPF(ep, BRAID_DROP_EVENT_FULL, NULL, NULL, NULL, -1, "event type %d for assoc %u",
                    (int)type, id);
        return NULL;
    }
    return braid_ep_push_event_always(ep, type, id);
}

braid_event *braid_ep_push_event_always(braid_endpoint *ep, braid_event_type type,
                                        braid_assoc_id id)
{
    braid_event_node *n = braid_zalloc(&ep->mem, sizeof *n);
    if (!n)
        return NULL;
    n->ev.type = type;
    n->ev.assoc = id;
    if (ep->ev_tail)
        ep->ev_tail->next = n;
    else
        ep->ev_head = n;
    ep->ev_tail = n;
    ep->n_events++;
    return &n->ev;
}

int braid_poll_event(braid_endpoint *ep, braid_event *ev)
{
    braid_event_node *n = ep->ev_head;
    if (!n)
        return 0;
    ep->ev_head = n->next;
    if (!ep->ev_head)
        ep->ev_tail = NULL;
    ep->n_events--;
    *ev = n->ev;
    braid_free(&ep->mem, n, sizeof *n);
    return 1;
}

void braid_event_release(braid_endpoint *ep, braid_event *ev)
{
    if (ev->type == BRAID_EV_SEND_FAILED && ev->u.send_failed.data) {
        braid_free(&ep->mem, ev->u.send_failed.data, ev->u.send_failed.len);
        ev->u.send_failed.data = NULL;
    }
}

braid_resp *braid_ep_resp_slot(braid_endpoint *ep)
{
    if (ep->resp_count == BRAID_RESP_QUEUE) {
        BRAID_DROPF(ep, BRAID_DROP_RESP_FULL, NULL, NULL, NULL, -1, "%u replies queued",
                    ep->resp_count);
        return NULL;
    }
    braid_resp *r = &ep->resp[(ep->resp_head + ep->resp_count) % BRAID_RESP_QUEUE];
    ep->resp_count++;
    return r;
}

void braid_endpoint_counters(const braid_endpoint *ep, braid_counters *c)
{
    *c = ep->ctr;
}

/* RFC 9260 §8.4 item 8 and §8.5.1 B: answer an OOTB packet with an ABORT
 * carrying the sender's tag with the T bit clear, or our (absent) tag with
 * the T bit set when the packet's tag is unusable. */
static void send_ootb_abort(braid_endpoint *ep, const braid_path *path,
                            const braid_common_header *h, uint32_t vtag, bool t_bit)
{
    braid_resp *r = braid_ep_resp_slot(ep);
    if (!r)
        return;
    braid_pkt_builder b;
    braid_pkt_begin(&b, r->pkt, sizeof r->pkt, sizeof r->pkt, h->dst_port, h->src_port, vtag);
    braid_chunk c;
    memset(&c, 0, sizeof c);
    c.type = BRAID_CHUNK_ABORT;
    c.flags = t_bit ? BRAID_FLAG_T : 0;
    braid_pkt_add(&b, &c);
    r->len = (uint16_t)braid_pkt_finish(&b);
    r->path.local = path->local;
    r->path.remote = path->remote;
    ep->ctr.ootb_aborts_sent++;
}

static void send_shutdown_complete_ootb(braid_endpoint *ep, const braid_path *path,
                                        const braid_common_header *h)
{
    /* RFC 9260 §8.4 item 5: SHUTDOWN COMPLETE with the T bit set and the
     * Verification Tag of the SHUTDOWN ACK packet. */
    braid_resp *r = braid_ep_resp_slot(ep);
    if (!r)
        return;
    braid_pkt_builder b;
    braid_pkt_begin(&b, r->pkt, sizeof r->pkt, sizeof r->pkt, h->dst_port, h->src_port, h->vtag);
    braid_chunk c;
    memset(&c, 0, sizeof c);
    c.type = BRAID_CHUNK_SHUTDOWN_COMPLETE;
    c.flags = BRAID_FLAG_T;
    braid_pkt_add(&b, &c);
    r->len = (uint16_t)braid_pkt_finish(&b);
    r->path = *path;
}

/* RFC 9260 §8.4 item 7: does this ERROR chunk carry a Stale Cookie cause
 * (in any position)? */
static bool has_stale_cookie(const braid_chunk_view *v)
{
    braid_tlv_iter ti;
    braid_tlv t;
    braid_tlv_iter_init(&ti, v->value, v->value_len);
    while (braid_tlv_iter_next(&ti, &t) > 0)
        if (t.type == BRAID_CAUSE_STALE_COOKIE)
            return true;
    return false;
}

/* Out-of-the-blue packet: no association matches (RFC 9260 §8.4). The
 * items are tried in the RFC's order, each over the whole packet: an ABORT
 * anywhere silences everything else (item 2). */
static int handle_ootb(braid_endpoint *ep, const braid_path *path, const braid_common_header *h,
                       const uint8_t *pkt, size_t len, unsigned n_chunks, bool tbit, uint64_t now)
{
    braid_chunk_iter it;
    braid_chunk_view v, first;
    bool has_abort = false, has_init = false, has_sack = false, has_scomp = false, quiet = false;
    memset(&first, 0, sizeof first);
    braid_chunk_iter_init(&it, pkt, len);
    for (unsigned i = 0; braid_chunk_iter_next(&it, &v) > 0; i++) {
        if (i == 0)
            first = v;
        switch (v.type) {
        case BRAID_CHUNK_ABORT: has_abort = true; break;
        case BRAID_CHUNK_INIT: has_init = true; break;
        case BRAID_CHUNK_SHUTDOWN_ACK: has_sack = true; break;
        case BRAID_CHUNK_SHUTDOWN_COMPLETE: has_scomp = true; break;
        case BRAID_CHUNK_COOKIE_ACK: quiet = true; break;
        case BRAID_CHUNK_ERROR: quiet |= has_stale_cookie(&v); break;
        default: break;
        }
    }
    if (has_abort) { /* §8.4 item 2: silently discard, no further action */
        BRAID_DROP(ep, BRAID_DROP_OOTB_ABORT, NULL, path, h, BRAID_CHUNK_ABORT);
        return BRAID_ERR_STATE;
    }
    if (has_init) {
        /* §8.4 item 3: an INIT with tag 0 starts an association; it must be
         * the only chunk (§6.10) and the packet's tag 0 (§8.5.1 A) */
        if (h->vtag != 0 || n_chunks != 1) {
            BRAID_DROPF(ep, BRAID_DROP_INIT_VTAG, NULL, path, h, BRAID_CHUNK_INIT, "%u chunks",
                        n_chunks);
            return BRAID_ERR_STATE;
        }
        braid_hs_on_init(ep, NULL, path, h, &first, now);
        return 0;
    }
    if (first.type == BRAID_CHUNK_COOKIE_ECHO) { /* §8.4 item 4: as in §5.1 */
        braid_chunk_iter_init(&it, pkt, len);
        braid_chunk_iter_next(&it, &v);
        braid_assoc *a = braid_hs_on_cookie_echo(ep, NULL, path, h, &v, now);
        if (a) /* process what is bundled after it */
            braid_assoc_handle_chunks(a, path, h, pkt + it.off, len - it.off, tbit, now);
        return a ? 0 : BRAID_ERR_STATE;
    }
    BRAID_DROPF(ep, BRAID_DROP_OOTB, NULL, path, h, first.type, "%s",
                has_sack             ? "SHUTDOWN COMPLETE sent (item 5)"
                : has_scomp || quiet ? "no reply (items 6, 7)"
                                     : "ABORT sent (item 8)");
    if (has_sack) /* §8.4 item 5 */
        send_shutdown_complete_ootb(ep, path, h);
    else if (!has_scomp && !quiet)                   /* items 6, 7: silence; item 8: */
        send_ootb_abort(ep, path, h, h->vtag, true); /* ABORT, T bit, reflected tag */
    return BRAID_ERR_STATE;
}

int braid_endpoint_read_pkt(braid_endpoint *ep, const braid_path *path, const uint8_t *pkt,
                            size_t len, uint64_t now)
{
    braid_common_header h;
    ep->ctr.pkts_in++;
    ep->ctr.bytes_in += len;
    if (braid_header_parse(pkt, len, &h) < 0) {
        BRAID_DROPF(ep, BRAID_DROP_HEADER_SHORT, NULL, path, NULL, -1, "%zu bytes", len);
        return BRAID_ERR_TRUNCATED;
    }
    /* RFC 9260 §6.8: a packet with a bad checksum is silently discarded. */
    if (ep->cfg.check_crc && !braid_pkt_checksum_ok(pkt, len)) {
        BRAID_DROPF(ep, BRAID_DROP_BAD_CRC, NULL, path, &h, -1, "checksum 0x%08x, %zu bytes",
                    h.checksum, len);
        return BRAID_ERR_CHECKSUM;
    }
    /* RFC 9260 §3.1: port 0 is never valid; the packet must be for us. */
    if (h.src_port == 0 || h.dst_port == 0 ||
        (h.dst_port != ep->cfg.local_port && !ep->cfg.serve_any_port)) {
        BRAID_DROPF(ep, BRAID_DROP_BAD_PORT, NULL, path, &h, -1, "endpoint port %u",
                    ep->cfg.local_port);
        return BRAID_ERR_INVAL;
    }
    /* Framing of every chunk first: a malformed packet is discarded whole. */
    braid_chunk_iter it;
    braid_chunk_view v;
    int rc;
    unsigned n = 0;
    uint8_t first_type = 0;
    bool has_shutdown_ack = false, tbit = false;
    braid_chunk_iter_init(&it, pkt, len);
    while ((rc = braid_chunk_iter_next(&it, &v)) > 0) {
        if (n++ == 0)
            first_type = v.type;
        has_shutdown_ack |= v.type == BRAID_CHUNK_SHUTDOWN_ACK;
        tbit |= (v.type == BRAID_CHUNK_ABORT || v.type == BRAID_CHUNK_SHUTDOWN_COMPLETE) &&
                (v.flags & BRAID_FLAG_T); /* §8.5.1 B, C: their own tag rule */
    }
    if (rc < 0 || n == 0) {
        BRAID_DROPF(ep, BRAID_DROP_CHUNK_FRAMING, NULL, path, &h, -1, "%s after %u chunks",
                    rc < 0 ? braid_strerror(rc) : "no chunk", n);
        return rc < 0 ? rc : BRAID_ERR_TRUNCATED;
    }
    /* RFC 9260 §8.5.1 A: a packet with tag 0 must hold a lone INIT, else it
     * is silently discarded (with or without an association: never answered
     * by an OOTB ABORT either). */
    if (h.vtag == 0 && (n != 1 || first_type != BRAID_CHUNK_INIT)) {
        BRAID_DROPF(ep, BRAID_DROP_ZERO_VTAG, NULL, path, &h, first_type, "%u chunks", n);
        return BRAID_ERR_STATE;
    }
    braid_assoc *a = braid_ep_find_assoc(ep, &path->remote, h.src_port);
    if (!a)
        return handle_ootb(ep, path, &h, pkt, len, n, tbit, now);

    /* RFC 9260 §8.5 / §8.5.1: verification tag rules per first chunk. */
    if (first_type == BRAID_CHUNK_INIT) {
        /* §8.5.1 A: the packet's tag must be 0 and INIT alone */
        if (h.vtag != 0 || n != 1) {
            BRAID_DROPF(ep, BRAID_DROP_INIT_VTAG, a, path, &h, BRAID_CHUNK_INIT, "%u chunks", n);
            return BRAID_ERR_STATE;
        }
        braid_chunk_iter_init(&it, pkt, len);
        braid_chunk_iter_next(&it, &v);
        braid_hs_on_init(ep, a, path, &h, &v, now);
        return 0;
    }
    if (first_type == BRAID_CHUNK_COOKIE_ECHO) {
        /* §5.2.4: the cookie decides (tags inside it are compared). */
        braid_chunk_iter_init(&it, pkt, len);
        braid_chunk_iter_next(&it, &v);
        braid_assoc *b = braid_hs_on_cookie_echo(ep, a, path, &h, &v, now);
        if (b)
            braid_assoc_handle_chunks(b, path, &h, pkt + it.off, len - it.off, tbit, now);
        return b ? 0 : BRAID_ERR_STATE;
    }
    /* RFC 9260 §8.5.1 E: a SHUTDOWN ACK received in COOKIE-WAIT or
     * COOKIE-ECHOED makes the packet out of the blue (§8.4), whatever its
     * tag: item 5 answers it with SHUTDOWN COMPLETE, T bit set, the
     * packet's tag. It comes from an earlier association with this peer
     * that we lost (a restart) and the peer is still closing (§9.2: it
     * answers our INIT with it); the new attempt is left as it is. */
    if (has_shutdown_ack &&
        (a->state == BRAID_STATE_COOKIE_WAIT || a->state == BRAID_STATE_COOKIE_ECHOED))
        return handle_ootb(ep, path, &h, pkt, len, n, tbit, now);
    braid_assoc_handle_chunks(a, path, &h, pkt + BRAID_COMMON_HEADER_LEN,
                              len - BRAID_COMMON_HEADER_LEN, tbit, now);
    return 0;
}

static braid_assoc *next_rr(braid_endpoint *ep, braid_assoc *a)
{
    return a && a->next ? a->next : ep->assocs;
}

int braid_endpoint_write_pkt(braid_endpoint *ep, braid_path *path, uint8_t *buf, size_t cap,
                             uint64_t now)
{
    if (ep->resp_count) {
        braid_resp *r = &ep->resp[ep->resp_head];
        ep->resp_head = (ep->resp_head + 1) % BRAID_RESP_QUEUE;
        ep->resp_count--;
        if (r->len > cap)
            return BRAID_ERR_NOSPACE;
        memcpy(buf, r->pkt, r->len);
        *path = r->path;
        ep->ctr.pkts_out++;
        ep->ctr.bytes_out += r->len;
        return r->len;
    }
    /* Round-robin over associations so one cannot starve the others. */
    braid_assoc *start = ep->rr_next ? ep->rr_next : ep->assocs;
    braid_assoc *a = start;
    for (unsigned i = 0; a && i < ep->n_assocs; i++) {
        braid_assoc *nx = next_rr(ep, a);
        int n = braid_assoc_write_pkt(a, path, buf, cap, now);
        if (a->freeing && !a->ctl && !braid_assoc_unread(a)) {
            /* closed and nothing more to say: release it */
            if (ep->rr_next == a)
                ep->rr_next = NULL;
            braid_assoc_free(a);
            if (n > 0) {
                ep->ctr.pkts_out++;
                ep->ctr.bytes_out += (uint64_t)n;
                return n;
            }
            a = ep->assocs ? nx : NULL;
            if (a == start)
                break;
            continue;
        }
        if (n != 0) {
            ep->rr_next = nx;
            if (n > 0) {
                ep->ctr.pkts_out++;
                ep->ctr.bytes_out += (uint64_t)n;
            }
            return n;
        }
        a = nx;
        if (a == start)
            break;
    }
    return 0;
}

uint64_t braid_endpoint_next_expiry(const braid_endpoint *ep)
{
    uint64_t t = BRAID_TIME_NEVER;
    for (const braid_assoc *a = ep->assocs; a; a = a->next) {
        uint64_t x = braid_assoc_next_expiry(a);
        if (x < t)
            t = x;
    }
    return t;
}

void braid_endpoint_handle_expiry(braid_endpoint *ep, uint64_t now)
{
    braid_assoc *a = ep->assocs;
    while (a) {
        braid_assoc *nx = a->next;
        if (braid_assoc_next_expiry(a) <= now)
            braid_assoc_timers(a, now);
        a = nx;
    }
}

static braid_assoc *find_id(const braid_endpoint *ep, braid_assoc_id id)
{
    for (braid_assoc *a = ep->assocs; a; a = a->next)
        if (a->id == id && !a->freeing)
            return a;
    return NULL;
}

int braid_assoc_send(braid_endpoint *ep, braid_assoc_id id, const braid_send_info *info,
                     const void *data, size_t len, uint64_t now)
{
    braid_assoc *a = find_id(ep, id);
    if (!a)
        return BRAID_ERR_NOTFOUND;
    if (a->state != BRAID_STATE_ESTABLISHED && a->state != BRAID_STATE_COOKIE_WAIT &&
        a->state != BRAID_STATE_COOKIE_ECHOED)
        return BRAID_ERR_STATE; /* RFC 9260 §9.2: no new data once shutdown starts */
    if (a->shutdown_requested)
        return BRAID_ERR_STATE;
    if (len == 0 || !data)
        return BRAID_ERR_INVAL;
    if (!a->outq.ring || info->sid >= a->outq.n_streams)
        return BRAID_ERR_INVAL; /* stream beyond those negotiated (or asked for) */
    if (len > ep->cfg.sndbuf)
        return BRAID_ERR_MSGSIZE;
    if (a->outq.buffered_bytes + len > ep->cfg.sndbuf)
        return BRAID_ERR_AGAIN;
    int rc = braid_outq_push(&a->outq, info, data, len, now);
    if (rc < 0)
        return rc;
    ep->ctr.user_msgs_out++;
    if (info->flags & BRAID_SEND_EOF)
        braid_assoc_shutdown(ep, id, now);
    return 0;
}

/* What a read of message m of association a reports about it. */
static void msg_info(const braid_assoc *a, const braid_rx_msg *m, braid_recv_info *info)
{
    memset(info, 0, sizeof *info);
    info->assoc = a->id;
    info->sid = m->sid;
    info->ssn = m->ssn;
    info->mid = m->mid;
    info->tsn = m->tsn;
    info->ppid = m->ppid;
    info->cumtsn = braid_tsnmap_cum(&a->tsnmap);
    info->context = a->rcv_context;
    info->flags = m->unordered ? BRAID_RECV_UNORDERED : 0;
}

/* Copies the next message piece of association a; BRAID_ERR_AGAIN if none. */
static int recv_from(braid_endpoint *ep, braid_assoc *a, braid_recv_info *info, void *buf,
                     size_t cap)
{
    if (!a->rx_init)
        return BRAID_ERR_AGAIN;
    braid_rx_msg *m = braid_reasm_peek(&a->reasm);
    if (!m)
        return BRAID_ERR_AGAIN;
    uint32_t before = braid_assoc_local_rwnd(a);
    msg_info(a, m, info);
    size_t n = braid_rx_msg_read(m, buf, cap);
    if (braid_rx_msg_done(m)) {
        /* the read that returns a message's last byte ends the record
         * (MSG_EOR); earlier pieces of a partial delivery do not */
        info->flags |= BRAID_RECV_EOR;
        braid_reasm_release(&a->reasm);
        ep->ctr.user_msgs_in++;
    }
    /* RFC 9260 §6.9: full, and nothing left to read that would free it:
     * deliver part of a message (reading may also have ended one) */
    if (a->state >= BRAID_STATE_ESTABLISHED && !a->freeing)
        braid_reasm_pressure(&a->reasm, braid_assoc_local_rwnd(a) < a->pmtu &&
                                            !braid_reasm_peek(&a->reasm));
    if (!braid_reasm_peek(&a->reasm))
        a->data_ready_signalled = false; /* the next arrival signals again */
    /* RFC 9260 §6.2: when reading opens the window noticeably, tell the
     * peer (window update SACK) so a zero window does not stall. */
    uint32_t after = braid_assoc_local_rwnd(a);
    if (a->last_rwnd_sent < a->pmtu && after > before && after >= 2 * a->pmtu &&
        a->state >= BRAID_STATE_ESTABLISHED)
        a->ctl |= CTL_SACK;
    return (int)n;
}

int braid_endpoint_recv(braid_endpoint *ep, braid_recv_info *info, void *buf, size_t cap,
                        uint64_t now)
{
    (void)now;
    for (braid_assoc *a = ep->assocs; a; a = a->next) {
        int n = recv_from(ep, a, info, buf, cap);
        if (n != BRAID_ERR_AGAIN)
            return n;
    }
    return BRAID_ERR_AGAIN;
}

static braid_assoc *find_id(const braid_endpoint *ep, braid_assoc_id id);

int braid_assoc_recv(braid_endpoint *ep, braid_assoc_id id, braid_recv_info *info, void *buf,
                     size_t cap, uint64_t now)
{
    (void)now;
    for (braid_assoc *a = ep->assocs; a; a = a->next)
        if (a->id == id)
            return recv_from(ep, a, info, buf, cap);
    return BRAID_ERR_NOTFOUND;
}

int braid_assoc_peek(braid_endpoint *ep, braid_assoc_id id, braid_recv_info *info, void *buf,
                     size_t cap)
{
    braid_assoc *a = find_id(ep, id);
    if (!a)
        return BRAID_ERR_NOTFOUND;
    braid_rx_msg *m = a->rx_init ? braid_reasm_peek(&a->reasm) : NULL;
    if (!m)
        return BRAID_ERR_AGAIN;
    msg_info(a, m, info);
    size_t n = braid_rx_msg_peek(m, buf, cap);
    if (!m->partial && m->read_off + n == m->len)
        info->flags |= BRAID_RECV_EOR;
    return (int)n;
}

int braid_assoc_next_msg(const braid_endpoint *ep, braid_assoc_id id, braid_recv_info *info,
                         uint32_t *len)
{
    braid_assoc *a = find_id(ep, id);
    if (!a)
        return BRAID_ERR_NOTFOUND;
    braid_rx_msg *m = a->rx_init ? braid_reasm_peek(&a->reasm) : NULL;
    if (!m)
        return BRAID_ERR_AGAIN;
    msg_info(a, m, info);
    if (!m->partial)
        info->flags |= BRAID_RECV_EOR; /* complete: all of it is here */
    *len = (uint32_t)(m->len - m->read_off);
    return 0;
}

int braid_assoc_state_get(const braid_endpoint *ep, braid_assoc_id id)
{
    const braid_assoc *a = find_id(ep, id);
    return a ? (int)a->state : BRAID_ERR_NOTFOUND;
}

int braid_assoc_status_get(const braid_endpoint *ep, braid_assoc_id id, braid_assoc_status *st)
{
    const braid_assoc *a = find_id(ep, id);
    if (!a)
        return BRAID_ERR_NOTFOUND;
    memset(st, 0, sizeof *st);
    st->state = a->state;
    st->peer_port = a->peer_port;
    st->in_streams = a->in_streams;
    st->out_streams = a->out_streams;
    st->peer_rwnd = a->peer_rwnd;
    st->local_rwnd = braid_assoc_local_rwnd(a);
    st->unacked = a->outq.ring ? braid_outq_outstanding(&a->outq) : 0;
    st->pending = a->outq.n_queued_msgs;
    st->frag_point = braid_assoc_frag_point(a);
    st->max_seg = a->max_seg;
    st->rcv_context = a->rcv_context;
    st->primary = a->primary;
    st->n_paths = a->n_dests;
    st->local_vtag = a->local_vtag;
    st->peer_vtag = a->peer_vtag;
    st->next_tsn = a->outq.ring ? a->outq.next : a->initial_tsn_local;
    st->cum_tsn = a->rx_init ? braid_tsnmap_cum(&a->tsnmap) : 0;
    for (unsigned i = 0; i < a->n_dests; i++) {
        const braid_dest *d = &a->dests[i];
        braid_path_status *p = &st->paths[i];
        p->addr = d->addr;
        p->local = d->seen_local;
        p->active = d->active;
        p->confirmed = d->confirmed;
        p->srtt_ns = d->rtt.srtt;
        p->rttvar_ns = d->rtt.rttvar;
        p->rto_ns = d->rtt.rto;
        p->cwnd = d->cc.cwnd;
        p->ssthresh = d->cc.ssthresh;
        p->flight = d->flight;
        p->pmtu = d->pp.pmtu;
        p->error_count = d->error_count;
    }
    return 0;
}

int braid_assoc_connect(braid_endpoint *ep, const braid_addr *peers, unsigned n_peers,
                        const braid_connect_opts *opts, uint64_t now, braid_assoc_id *out)
{
    if (!peers || n_peers == 0 || n_peers > BRAID_MAX_ADDRS || !opts || opts->peer_port == 0)
        return BRAID_ERR_INVAL;
    for (unsigned i = 0; i < n_peers; i++)
        if (braid_ep_find_assoc(ep, &peers[i], opts->peer_port))
            return BRAID_ERR_STATE; /* already associated with that peer */
    if (ep->n_assocs >= ep->cfg.max_assocs)
        return BRAID_ERR_LIMIT;
    braid_assoc *a = braid_assoc_new(ep, opts->peer_port);
    if (!a)
        return BRAID_ERR_NOMEM;
    for (unsigned i = 0; i < n_peers; i++) {
        int rc = braid_assoc_add_dest(a, &peers[i], true); /* §5.4 rule 1 */
        if (rc < 0) {
            braid_assoc_free(a);
            return rc;
        }
    }
    if (!ep->cfg.n_local_addrs && ep->hooks.host_addrs) {
        /* bound to the wildcard: the addresses to announce (§5.1.2), the
         * INIT's source (the routing's choice) first (laddr.c) */
        braid_addr src;
        bool have = ep->hooks.route_src &&
                    ep->hooks.route_src(ep->hooks.user, &peers[0], &src) == 0;
        braid_laddr_setup(a, &peers[0], have ? &src : NULL);
    }
    a->want_os = opts->outbound_streams ? opts->outbound_streams : ep->cfg.outbound_streams;
    a->want_mis =
        opts->max_inbound_streams ? opts->max_inbound_streams : ep->cfg.max_inbound_streams;
    int rc = braid_hs_send_init(a, now);
    if (rc == 0) /* messages may be queued before the association is up */
        rc = braid_outq_init(&a->outq, &ep->mem, a->want_os, a->initial_tsn_local);
    if (rc < 0) {
        braid_assoc_free(a);
        return rc;
    }
    *out = a->id;
    return 0;
}

int braid_assoc_shutdown(braid_endpoint *ep, braid_assoc_id id, uint64_t now)
{
    braid_assoc *a = find_id(ep, id);
    if (!a)
        return BRAID_ERR_NOTFOUND;
    switch (a->state) {
    case BRAID_STATE_COOKIE_WAIT:
    case BRAID_STATE_COOKIE_ECHOED:
        /* RFC 9260 §9.2: before ESTABLISHED, the ULP's shutdown is an abort
         * of the attempt (no data can have been delivered). */
        a->shutdown_requested = true;
        return 0;
    case BRAID_STATE_ESTABLISHED:
        /* §9.2: SHUTDOWN-PENDING until all outstanding data is acked */
        a->shutdown_requested = true;
        a->state = BRAID_STATE_SHUTDOWN_PENDING;
        braid_assoc_check_shutdown(a, now);
        return 0;
    default: return 0; /* already shutting down */
    }
}

int braid_assoc_abort(braid_endpoint *ep, braid_assoc_id id, const void *reason, size_t len,
                      uint64_t now)
{
    braid_assoc *a = find_id(ep, id);
    (void)now;
    if (!a)
        return BRAID_ERR_NOTFOUND;
    /* RFC 9260 §9.1: send ABORT (with the user's cause), drop all data. */
    a->ctl |= CTL_ABORT;
    a->abort_cause = BRAID_CAUSE_USER_ABORT;
    if (len > BRAID_ABORT_INFO_MAX)
        len = BRAID_ABORT_INFO_MAX;
    if (reason && len)
        memcpy(a->abort_info, reason, len);
    a->abort_info_len = (uint16_t)len;
    a->abort_then_free = true;
    /* the reason goes to the peer; locally COMM_LOST carries no ABORT
     * chunk (as on Linux), only the cause code */
    braid_assoc_lost(a, BRAID_CAUSE_USER_ABORT, NULL, 0);
    return 0;
}
