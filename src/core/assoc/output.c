/*
 * Building an association's next packet: control chunks, SACK, then DATA
 * (retransmissions first), bundled up to the path MTU (RFC 9260 §6.10),
 * within cwnd and the peer's window (§6.1, §7.2), Nagle-like delaying of
 * small packets unless no-delay is set.
 */
#include "core/wire/pkt.h"
#include "core/wire/sack.h"
#include "internal.h"

#define SACK_MAX_DUPS 16

/* The destination to send to: the primary, or the first active one. */
/* RFC 9260 §5.4: no DATA to an address not yet confirmed; §8.2: nor to an
 * inactive one while an active one exists. */
static bool usable(const braid_dest *d)
{
    return d->active && d->confirmed;
}

static unsigned choose_dest(const braid_assoc *a)
{
    if (usable(&a->dests[a->primary]))
        return a->primary;
    for (unsigned i = 0; i < a->n_dests; i++)
        if (usable(&a->dests[i]))
            return i;
    return a->primary; /* all inactive: keep trying the primary (§8.2) */
}

static void start(braid_assoc *a, braid_pkt_builder *b, uint8_t *buf, size_t cap, uint32_t vtag)
{
    braid_endpoint *ep = a->ep;
    /* the association's PMTU: the smallest of its paths' (as Linux) */
    braid_pkt_begin(b, buf, cap, a->pmtu, ep->cfg.local_port, a->peer_port, vtag);
    a->pkt_data = 0;
}

static int finish(braid_assoc *a, braid_pkt_builder *b, unsigned d, braid_path *path)
{
    if (b->n_chunks == 0)
        return 0;
    a->stats.opackets++;
    a->stats.octrlchunks += b->n_chunks - a->pkt_data;
    braid_path_for_dest(a, d, path);
    return (int)braid_pkt_finish(b);
}

static int add_simple(braid_pkt_builder *b, uint8_t type, uint8_t flags)
{
    braid_chunk c;
    memset(&c, 0, sizeof c);
    c.type = type;
    c.flags = flags;
    return braid_pkt_add(b, &c);
}

static int add_abort(braid_assoc *a, braid_pkt_builder *b)
{
    braid_wr *w = &b->w;
    size_t mark = w->off;
    size_t s = braid_chunk_begin(w, BRAID_CHUNK_ABORT, 0);
    if (a->abort_cause) {
        size_t t = braid_tlv_begin(w, a->abort_cause);
        braid_wr_bytes(w, a->abort_info, a->abort_info_len);
        braid_tlv_end(w, t);
    }
    if (braid_chunk_end(w, s) < 0) {
        w->off = mark;
        w->err = false;
        return BRAID_ERR_NOSPACE;
    }
    b->n_chunks++;
    return 0;
}

static int add_sack(braid_assoc *a, braid_pkt_builder *b)
{
    uint16_t gaps[2 * 64];
    uint32_t dups[SACK_MAX_DUPS];
    size_t room = braid_pkt_room(b);
    if (room < 16)
        return BRAID_ERR_NOSPACE;
    size_t nd = braid_tsnmap_dups(&a->tsnmap, dups, SACK_MAX_DUPS);
    while (nd && 16 + 4 * nd > room)
        nd--;
    size_t max_gaps = (room - 16 - 4 * nd) / 4;
    if (max_gaps > 64)
        max_gaps = 64;
    size_t ng = braid_tsnmap_gaps(&a->tsnmap, gaps, max_gaps);
    uint32_t rwnd = braid_assoc_local_rwnd(a);
    size_t mark = b->w.off;
    /* RFC 9260 §3.3.4 */
    int rc = braid_sack_write_arrays(&b->w, braid_tsnmap_cum(&a->tsnmap), rwnd, gaps, (uint16_t)ng,
                                     dups, (uint16_t)nd);
    if (rc < 0) {
        b->w.off = mark;
        b->w.err = false;
        return rc;
    }
    b->n_chunks++;
    braid_tsnmap_clear_dups(&a->tsnmap);
    a->ctl &= ~(uint32_t)CTL_SACK;
    a->sack_at = BRAID_TIME_NEVER;
    a->pkts_since_sack = 0;
    a->sack_sent_once = true;
    a->last_rwnd_sent = rwnd;
    a->ep->ctr.sacks_out++;
    a->stats.osacks++;
    return 0;
}

/* A packet for one destination holding only heartbeat traffic. */
static int heartbeat_pkt(braid_assoc *a, braid_path *path, uint8_t *buf, size_t cap, uint64_t now)
{
    for (unsigned i = 0; i < a->n_dests; i++) {
        braid_dest *d = &a->dests[i];
        if (!d->hb_ack_due && !d->hb_due_send)
            continue;
        braid_pkt_builder b;
        start(a, &b, buf, cap, a->peer_vtag);
        braid_chunk c;
        memset(&c, 0, sizeof c);
        if (d->hb_ack_due) {
            /* §8.3: HEARTBEAT ACK echoes the info, to the path it came from */
            c.type = BRAID_CHUNK_HEARTBEAT_ACK;
            c.u.hb.info = d->hb_ack_info;
            c.u.hb.info_len = d->hb_ack_len;
            if (braid_pkt_add(&b, &c) == 0)
                d->hb_ack_due = false;
        }
        if (d->hb_due_send) {
            /* §8.3: info = our dest index, a random nonce, the send time */
            uint8_t info[24];
            memset(info, 0, sizeof info);
            d->hb_nonce = (uint64_t)braid_ep_random32(a->ep) << 32 | braid_ep_random32(a->ep);
            braid_store32(info, i);
            braid_store32(info + 4, (uint32_t)(d->hb_nonce >> 32));
            braid_store32(info + 8, (uint32_t)d->hb_nonce);
            braid_store32(info + 12, (uint32_t)(now >> 32));
            braid_store32(info + 16, (uint32_t)now);
            c.type = BRAID_CHUNK_HEARTBEAT;
            c.u.hb.info = info;
            c.u.hb.info_len = sizeof info;
            if (braid_pkt_add(&b, &c) == 0) {
                d->hb_due_send = false;
                d->hb_outstanding = true;
                d->hb_sent_at = now;
            }
        }
        int n = finish(a, &b, i, path);
        if (n)
            return n;
    }
    return 0;
}

/* RFC 9260 §3.2.2, §3.3.10.8: an ERROR with an Unrecognized Parameters
 * cause holding the INIT ACK parameters that asked to be reported. */
static int add_unrec_params(braid_assoc *a, braid_pkt_builder *b)
{
    size_t mark = b->w.off;
    size_t s = braid_chunk_begin(&b->w, BRAID_CHUNK_ERROR, 0);
    braid_tlv_write(&b->w, BRAID_CAUSE_UNRECOGNIZED_PARAMS, a->unrec_params, a->unrec_params_len);
    if (braid_chunk_end(&b->w, s) < 0) {
        b->w.off = mark;
        b->w.err = false;
        return BRAID_ERR_NOSPACE;
    }
    b->n_chunks++;
    braid_free(&a->ep->mem, a->unrec_params, a->unrec_params_len);
    a->unrec_params = NULL;
    a->unrec_params_len = 0;
    return 0;
}

static int handshake_pkt(braid_assoc *a, braid_path *path, uint8_t *buf, size_t cap)
{
    braid_pkt_builder b;
    unsigned d = choose_dest(a);
    if (a->state == BRAID_STATE_COOKIE_WAIT && (a->ctl & CTL_INIT)) {
        start(a, &b, buf, cap, 0); /* §8.5.1 A: INIT carries tag 0 */
        if (braid_hs_write_init(a, &b.w) == 0)
            return BRAID_ERR_NOSPACE;
        b.n_chunks++;
        a->ctl &= ~(uint32_t)CTL_INIT;
        return finish(a, &b, d, path);
    }
    if (a->state == BRAID_STATE_COOKIE_ECHOED && (a->ctl & CTL_COOKIE_ECHO)) {
        start(a, &b, buf, cap, a->peer_vtag);
        braid_chunk c;
        memset(&c, 0, sizeof c);
        c.type = BRAID_CHUNK_COOKIE_ECHO;
        c.u.cookie.cookie = a->cookie;
        c.u.cookie.cookie_len = a->cookie_len;
        if (braid_pkt_add(&b, &c) < 0)
            return BRAID_ERR_NOSPACE;
        /* §3.2.2: the report of unrecognized INIT ACK parameters is bundled
         * with the COOKIE ECHO, after it (§5.1 step 3: COOKIE ECHO first);
         * once: a retransmitted COOKIE ECHO goes alone. When it does not
         * fit, it "MAY be sent separately but not before the COOKIE ACK
         * chunk has been received" (add_errors, once ESTABLISHED). */
        if (a->unrec_params)
            add_unrec_params(a, &b);
        a->ctl &= ~(uint32_t)CTL_COOKIE_ECHO;
        return finish(a, &b, d, path);
    }
    return 0;
}

static void add_errors(braid_assoc *a, braid_pkt_builder *b)
{
    if (a->ctl & CTL_ERROR_STREAM) {
        /* §6.5: Invalid Stream Identifier (stream id, reserved) */
        size_t mark = b->w.off;
        size_t s = braid_chunk_begin(&b->w, BRAID_CHUNK_ERROR, 0);
        size_t t = braid_tlv_begin(&b->w, BRAID_CAUSE_INVALID_STREAM);
        braid_wr_u16(&b->w, a->err_stream_sid);
        braid_wr_u16(&b->w, 0);
        braid_tlv_end(&b->w, t);
        if (braid_chunk_end(&b->w, s) == 0) {
            b->n_chunks++;
            a->ctl &= ~(uint32_t)CTL_ERROR_STREAM;
        } else {
            b->w.off = mark;
            b->w.err = false;
        }
    }
    if (a->unrec_params && a->state >= BRAID_STATE_ESTABLISHED)
        add_unrec_params(a, b); /* §3.2.2: did not fit with the COOKIE ECHO */
    if (a->ctl & CTL_ERROR_UNRECOGNIZED) {
        /* §3.2: report an unrecognized chunk type (its first bytes) */
        size_t mark = b->w.off;
        size_t s = braid_chunk_begin(&b->w, BRAID_CHUNK_ERROR, 0);
        braid_tlv_write(&b->w, BRAID_CAUSE_UNRECOGNIZED_CHUNK, a->unrec_chunk, a->unrec_len);
        if (braid_chunk_end(&b->w, s) == 0) {
            b->n_chunks++;
            a->ctl &= ~(uint32_t)CTL_ERROR_UNRECOGNIZED;
        } else {
            b->w.off = mark;
            b->w.err = false;
        }
    }
}

/* Adds one outstanding chunk's DATA to the packet (one copy of the bytes). */
static int add_data(braid_assoc *a, braid_pkt_builder *b, braid_tx_chunk *tc, uint32_t tsn)
{
    braid_chunk c;
    c.type = BRAID_CHUNK_DATA;
    c.flags = tc->flags;
    c.u.data.tsn = tsn;
    c.u.data.sid = tc->msg->sid;
    c.u.data.ssn = tc->msg->ssn;
    c.u.data.ppid = tc->msg->ppid;
    c.u.data.mid = 0;
    c.u.data.fsn = 0;
    c.u.data.payload = tc->msg->data + tc->off;
    c.u.data.payload_len = tc->len;
    int rc = braid_pkt_add(b, &c);
    if (rc == 0) {
        a->pkt_data++;
        if (tc->flags & BRAID_DATA_FLAG_U)
            a->stats.ouodchunks++;
        else
            a->stats.oodchunks++;
    }
    return rc;
}

static bool can_send_data(const braid_assoc *a)
{
    return a->state == BRAID_STATE_ESTABLISHED || a->state == BRAID_STATE_SHUTDOWN_PENDING ||
           a->state == BRAID_STATE_SHUTDOWN_RECEIVED;
}

static void sent_on(braid_assoc *a, braid_tx_chunk *tc, unsigned d, uint64_t now)
{
    braid_dest *dst = &a->dests[d];
    /* §7.2.1: after an idle period the cwnd decays to max(cwnd/2, 4*MTU)
     * per RTO of silence */
    if (dst->flight == 0 && dst->last_data_sent && dst->rtt.rto) {
        uint64_t idle = now - dst->last_data_sent;
        for (uint64_t k = idle / dst->rtt.rto; k > 0 && dst->cc.cwnd > 4 * dst->cc.mtu; k--)
            braid_cc_rfc9260.on_idle(&dst->cc);
    }
    braid_outq_on_sent(&a->outq, tc, d, now);
    dst->flight += tc->len;
    dst->last_data_sent = now;
    if (dst->t3_at == BRAID_TIME_NEVER) /* §6.3.2 R1 */
        dst->t3_at = now + dst->rtt.rto;
    a->ep->ctr.data_chunks_out++;
}

static int data_into(braid_assoc *a, braid_pkt_builder *b, unsigned d, uint64_t now)
{
    braid_endpoint *ep = a->ep;
    braid_dest *dst = &a->dests[d];
    int added = 0;
    /* Retransmissions first (§6.1 C, §7.2.4 item 3: a fast retransmit
     * ignores cwnd for one packet). */
    uint32_t tsn;
    braid_tx_chunk *tc;
    bool fast = a->fast_rtx_pending;
    while ((tc = braid_outq_next_rtx(&a->outq, &tsn)) != NULL) {
        if (!fast && dst->flight >= dst->cc.cwnd)
            break;
        if (braid_pkt_room(b) < 16 + (((size_t)tc->len + 3) & ~(size_t)3))
            break; /* DATA header and the payload padded to 4 bytes */
        if (add_data(a, b, tc, tsn) < 0)
            break;
        sent_on(a, tc, d, now);
        ep->ctr.retransmits++;
        a->stats.rtxchunks++;
        added++;
    }
    if (fast) {
        a->fast_rtx_pending = false;
        /* §7.2.4 item 4: restart T3 when retransmitting the first outstanding */
        if (added)
            dst->t3_at = now + dst->rtt.rto;
    }
    if (a->outq.n_rtx)
        return added; /* new data waits behind retransmissions (§6.1 C) */
    /* §6.1 D: Max.Burst packets of new data per transmit opportunity; an
     * idle path starts a fresh burst */
    if (dst->flight == 0 && dst->burst_left == 0)
        dst->burst_left = ep->cfg.max_burst;
    if (dst->burst_left == 0 && ep->cfg.max_burst)
        return added;
    /* New data within cwnd (§6.1 B, §7.2) and the peer's window (§6.1 A).
     * Messages are cut at the fragmentation point whatever else shares the
     * packet: every piece but the last carries frag_point bytes (as Linux's
     * sctp_datamsg_from_user); a piece that does not fit waits for the next
     * packet. */
    size_t max_payload = braid_assoc_frag_point(a);
    /* RFC 6458 §5.3.2: a message not sent within its lifetime is not sent
     * (checked when the queue is worked on, as Linux's sctp_outq_flush_data,
     * and on its own timer, braid_assoc_next_expiry) */
    braid_assoc_expire(a, now);
    for (;;) {
        size_t room = braid_pkt_room(b);
        if (room < 16 + 4)
            break;
        size_t fit = (room - 16) & ~(size_t)3; /* payload padded to 4 bytes */
        size_t len = braid_outq_peek_len(&a->outq, max_payload);
        if (len == 0 || len > fit)
            break;
        if (dst->flight >= dst->cc.cwnd)
            break;
        uint32_t outstanding = a->outq.inflight_bytes;
        if (len > a->peer_rwnd && outstanding > 0)
            break; /* §6.1 A: zero window: only one probe when nothing is in flight */
        /* Nagle-like (§6.1 rule D / RFC 1122 spirit): while data is in flight,
         * do not send a small packet that more data could still fill. */
        if (!ep->cfg.nodelay && added == 0 && b->n_chunks == 0 && outstanding > 0 &&
            a->outq.queued_bytes < max_payload && len == a->outq.queued_bytes)
            break;
        int err;
        tc = braid_outq_cut(&a->outq, max_payload, &tsn, &err);
        if (!tc)
            break;
        if (add_data(a, b, tc, tsn) < 0)
            break; /* cannot happen: room was checked */
        sent_on(a, tc, d, now);
        a->peer_rwnd = a->peer_rwnd > tc->len ? a->peer_rwnd - tc->len : 0;
        added++;
    }
    if (added && dst->burst_left)
        dst->burst_left--;
    return added;
}

int braid_assoc_write_pkt(braid_assoc *a, braid_path *path, uint8_t *buf, size_t cap, uint64_t now)
{
    braid_pkt_builder b;
    unsigned d = choose_dest(a);
    if (a->freeing) {
        if (!(a->ctl & CTL_ABORT) && !(a->ctl & CTL_SHUTDOWN_COMPLETE))
            return 0;
        /* §9.1: ABORT; §9.2: SHUTDOWN COMPLETE (tag of the peer, T clear) */
        start(a, &b, buf, cap, a->peer_vtag);
        if (a->ctl & CTL_ABORT)
            add_abort(a, &b);
        else
            add_simple(&b, BRAID_CHUNK_SHUTDOWN_COMPLETE, 0);
        a->ctl = 0;
        return finish(a, &b, d, path);
    }
    /* §6.4.1: retransmissions SHOULD go to another active destination when
     * the current one is in trouble */
    if (a->rx_init && a->outq.n_rtx && a->dests[d].error_count > 0) {
        for (unsigned i = 0; i < a->n_dests; i++)
            if (i != d && usable(&a->dests[i]) &&
                a->dests[i].error_count < a->dests[d].error_count) {
                d = i;
                break;
            }
    }
    int n = handshake_pkt(a, path, buf, cap);
    if (n)
        return n;
    n = heartbeat_pkt(a, path, buf, cap, now);
    if (n)
        return n;
    if (a->state < BRAID_STATE_ESTABLISHED && !(a->ctl & CTL_COOKIE_ACK))
        return 0;

    /* §6.4: a SACK with nothing else goes back where the DATA came from */
    if (a->rx_init && (a->ctl & CTL_SACK) && !a->outq.head && !a->outq.n_rtx &&
        a->sack_dest < a->n_dests)
        d = a->sack_dest;
    start(a, &b, buf, cap, a->peer_vtag);
    if ((a->ctl & CTL_COOKIE_ACK) && add_simple(&b, BRAID_CHUNK_COOKIE_ACK, 0) == 0)
        a->ctl &= ~(uint32_t)CTL_COOKIE_ACK;
    if (a->ctl & CTL_SHUTDOWN_ACK) {
        if (add_simple(&b, BRAID_CHUNK_SHUTDOWN_ACK, 0) == 0)
            a->ctl &= ~(uint32_t)CTL_SHUTDOWN_ACK;
    }
    if (a->ctl & CTL_SHUTDOWN) {
        /* §9.2: SHUTDOWN carries our cumulative TSN ack */
        braid_chunk c;
        memset(&c, 0, sizeof c);
        c.type = BRAID_CHUNK_SHUTDOWN;
        c.u.tsn.tsn = braid_tsnmap_cum(&a->tsnmap);
        if (braid_pkt_add(&b, &c) == 0) {
            a->ctl &= ~(uint32_t)CTL_SHUTDOWN;
            a->ctl &= ~(uint32_t)CTL_SACK; /* the SHUTDOWN acknowledges */
            a->sack_at = BRAID_TIME_NEVER;
            a->pkts_since_sack = 0;
        }
    }
    add_errors(a, &b);
    /* SACK when due, or bundled whenever we send DATA and one is pending */
    bool sack_pending = (a->ctl & CTL_SACK) || a->sack_at != BRAID_TIME_NEVER;
    if ((a->ctl & CTL_SACK) && a->rx_init)
        add_sack(a, &b);
    if (a->rx_init && can_send_data(a)) {
        /* piggy-back a delayed SACK on DATA (§6.2) */
        if (sack_pending && a->sack_at != BRAID_TIME_NEVER &&
            braid_outq_peek_len(&a->outq, 1) + a->outq.n_rtx > 0)
            add_sack(a, &b);
        data_into(a, &b, d, now);
        if (a->pkt_data)
            a->last_active = now; /* SCTP_AUTOCLOSE counts idle time from here */
    }
    return finish(a, &b, d, path);
}

bool braid_assoc_has_output(const braid_assoc *a, uint64_t now)
{
    (void)now;
    return a->ctl != 0 || (a->rx_init && (a->outq.head || a->outq.n_rtx));
}
