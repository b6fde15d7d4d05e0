/*
 * Send queue and outstanding DATA chunks: RFC 9260 §6.1 (transmission),
 * §6.2.1 (processing a SACK), §6.3.3 (T3-rtx marking), §7.2.4 (fast
 * retransmit, HTNA).
 */
#include "outq.h"

#include "core/util/serial.h"
#include "core/wire/chunk.h"

#define RING_MIN 64

static void msg_unref(braid_outq *q, braid_tx_msg *m)
{
    if (--m->refs == 0) {
        q->buffered_bytes -= m->len;
        braid_free(&q->mem, m, sizeof *m + m->len);
    }
}

int braid_outq_init(braid_outq *q, const braid_mem *mem, uint16_t n_streams, uint32_t initial_tsn)
{
    memset(q, 0, sizeof *q);
    q->mem = *mem;
    q->cap = RING_MIN;
    q->ring = braid_zalloc(mem, sizeof(braid_tx_chunk) * q->cap);
    q->ssn_next = braid_zalloc(mem, sizeof(uint16_t) * (n_streams ? n_streams : 1u));
    if (!q->ring || !q->ssn_next) {
        braid_free(mem, q->ring, sizeof(braid_tx_chunk) * q->cap);
        braid_free(mem, q->ssn_next, sizeof(uint16_t) * (n_streams ? n_streams : 1u));
        q->ring = NULL;
        q->ssn_next = NULL;
        return BRAID_ERR_NOMEM;
    }
    q->n_streams = n_streams;
    q->ssn_cap = n_streams ? n_streams : 1;
    q->base = q->next = initial_tsn;
    q->rtx_hint = initial_tsn;
    q->expiry_at = BRAID_TIME_NEVER;
    return 0;
}

void braid_outq_free(braid_outq *q, void (*cb)(void *arg, const braid_tx_msg *m, bool sent),
                     void *arg)
{
    if (!q->ring)
        return;
    const braid_tx_msg *last = NULL;
    for (uint32_t t = q->base; t != q->next; t++) {
        braid_tx_chunk *c = braid_outq_at(q, t);
        braid_tx_msg *m = c->msg;
        if (cb && m != last)
            cb(arg, m, true);
        last = m;
        msg_unref(q, m);
    }
    while (q->head) {
        braid_tx_msg *m = q->head;
        q->head = m->next;
        if (cb && m != last)
            cb(arg, m, m->chunked > 0);
        msg_unref(q, m);
    }
    braid_free(&q->mem, q->ring, sizeof(braid_tx_chunk) * q->cap);
    braid_free(&q->mem, q->ssn_next, sizeof(uint16_t) * q->ssn_cap);
    q->ring = NULL;
    q->ssn_next = NULL;
}

void braid_outq_limit_streams(braid_outq *q, uint16_t n,
                              void (*cb)(void *arg, const braid_tx_msg *m, bool sent), void *arg)
{
    if (n >= q->n_streams)
        return;
    q->n_streams = n;
    braid_tx_msg **pp = &q->head, *prev = NULL;
    while (*pp) {
        braid_tx_msg *m = *pp;
        if (m->sid < n || m->chunked) {
            prev = m;
            pp = &m->next;
            continue;
        }
        *pp = m->next;
        if (q->tail == m)
            q->tail = prev;
        q->n_queued_msgs--;
        q->queued_bytes -= m->len;
        if (cb)
            cb(arg, m, false);
        msg_unref(q, m);
    }
}

int braid_outq_push(braid_outq *q, const braid_send_info *info, const void *data, size_t len,
                    uint64_t now)
{
    if (len == 0 || len > UINT32_MAX - sizeof(braid_tx_msg))
        return BRAID_ERR_INVAL;
    if (info->sid >= q->n_streams)
        return BRAID_ERR_INVAL;
    braid_tx_msg *m = braid_alloc(&q->mem, sizeof *m + len);
    if (!m)
        return BRAID_ERR_NOMEM;
    memset(m, 0, sizeof *m);
    m->refs = 1;
    m->sid = info->sid;
    m->ppid = info->ppid;
    m->flags = info->flags;
    m->context = info->context;
    m->len = (uint32_t)len;
    /* RFC 6458 §5.3.2: the lifetime counts from the send call; 0 is none */
    m->lifetime_ns = info->lifetime_ns;
    m->expires_at = BRAID_TIME_NEVER;
    if (info->lifetime_ns)
        m->expires_at = now < BRAID_TIME_NEVER - info->lifetime_ns ? now + info->lifetime_ns
                                                                   : BRAID_TIME_NEVER - 1;
    if (m->expires_at < q->expiry_at)
        q->expiry_at = m->expires_at;
    /* The SSN is given when the first fragment is cut (braid_outq_cut), so
     * that a message that expires unsent leaves no hole in its stream. */
    memcpy(m->data, data, len);
    if (q->tail)
        q->tail->next = m;
    else
        q->head = m;
    q->tail = m;
    q->n_queued_msgs++;
    q->queued_bytes += len;
    q->buffered_bytes += len;
    return 0;
}

unsigned braid_outq_expire(braid_outq *q, uint64_t now,
                           void (*cb)(void *arg, const braid_tx_msg *m, bool sent), void *arg)
{
    unsigned n = 0;
    uint64_t next = BRAID_TIME_NEVER;
    if (q->expiry_at > now)
        return 0;
    braid_tx_msg **pp = &q->head, *prev = NULL;
    while (*pp) {
        braid_tx_msg *m = *pp;
        if (m->chunked || m->expires_at > now) {
            if (!m->chunked && m->expires_at < next)
                next = m->expires_at;
            prev = m;
            pp = &m->next;
            continue;
        }
        /* RFC 6458 §5.3.2: not sent within its lifetime: it expires */
        *pp = m->next;
        if (q->tail == m)
            q->tail = prev;
        q->n_queued_msgs--;
        q->queued_bytes -= m->len;
        if (cb)
            cb(arg, m, false);
        msg_unref(q, m);
        n++;
    }
    q->expiry_at = next;
    return n;
}

static int ring_grow(braid_outq *q)
{
    uint32_t ncap = q->cap * 2;
    braid_tx_chunk *nr = braid_zalloc(&q->mem, sizeof(braid_tx_chunk) * ncap);
    if (!nr)
        return BRAID_ERR_NOMEM;
    for (uint32_t t = q->base; t != q->next; t++)
        nr[t & (ncap - 1)] = q->ring[t & (q->cap - 1)];
    braid_free(&q->mem, q->ring, sizeof(braid_tx_chunk) * q->cap);
    q->ring = nr;
    q->cap = ncap;
    return 0;
}

size_t braid_outq_peek_len(const braid_outq *q, size_t max_payload)
{
    if (!q->head)
        return 0;
    size_t left = q->head->len - q->head->chunked;
    return left < max_payload ? left : max_payload;
}

braid_tx_chunk *braid_outq_cut(braid_outq *q, size_t max_payload, uint32_t *tsn, int *err)
{
    braid_tx_msg *m = q->head;
    *err = 0;
    if (!m || max_payload == 0)
        return NULL;
    if (q->next - q->base == q->cap) {
        *err = ring_grow(q);
        if (*err)
            return NULL;
    }
    /* RFC 9260 §6.9: fragment at the size the path allows; B on the first
     * fragment, E on the last. */
    size_t left = m->len - m->chunked;
    uint16_t len = (uint16_t)(left < max_payload ? left : max_payload);
    /* RFC 9260 §6.6: ordered messages get the stream's next SSN, given in
     * the order they go out; unordered ones carry no meaningful SSN. */
    if (m->chunked == 0 && !(m->flags & BRAID_SEND_UNORDERED))
        m->ssn = q->ssn_next[m->sid]++;
    braid_tx_chunk *c = braid_outq_at(q, q->next);
    memset(c, 0, sizeof *c);
    c->msg = m;
    c->off = m->chunked;
    c->len = len;
    c->flags = (uint8_t)((m->chunked == 0 ? BRAID_DATA_FLAG_B : 0) |
                         (len == left ? BRAID_DATA_FLAG_E : 0) |
                         ((m->flags & BRAID_SEND_UNORDERED) ? BRAID_DATA_FLAG_U : 0));
    m->refs++;
    m->chunked += len;
    q->queued_bytes -= len;
    if (m->chunked == m->len) {
        q->head = m->next;
        if (!q->head)
            q->tail = NULL;
        m->next = NULL;
        q->n_queued_msgs--;
        m->refs--; /* the queue's reference; the chunk still holds one */
    }
    *tsn = q->next++; /* RFC 9260 §6.1: TSNs assigned in sequence */
    return c;
}

void braid_outq_on_sent(braid_outq *q, braid_tx_chunk *c, unsigned dest, uint64_t now)
{
    if (c->state == BRAID_TXC_RTX)
        q->n_rtx--;
    if (c->state == BRAID_TXC_INFLIGHT) {
        q->dest_flight[c->dest] -= c->len; /* resent elsewhere while in flight */
    } else {
        q->inflight_bytes += c->len;
        q->inflight_chunks++;
    }
    c->state = BRAID_TXC_INFLIGHT;
    c->dest = (uint8_t)(dest < BRAID_OUTQ_MAX_DESTS ? dest : 0);
    q->dest_flight[c->dest] += c->len;
    if (c->nsent < UINT8_MAX)
        c->nsent++;
    c->sent_at = now;
    c->miss = 0;
}

braid_tx_chunk *braid_outq_next_rtx(braid_outq *q, uint32_t *tsn)
{
    if (q->n_rtx == 0)
        return NULL;
    uint32_t t = braid_tsn_gt(q->rtx_hint, q->base) ? q->rtx_hint : q->base;
    for (; t != q->next; t++) {
        braid_tx_chunk *c = braid_outq_at(q, t);
        if (c->state == BRAID_TXC_RTX) {
            q->rtx_hint = t;
            *tsn = t;
            return c;
        }
    }
    return NULL; /* not reached while n_rtx is consistent */
}

/* A chunk leaves flight (acked or marked) */
static void leave_flight(braid_outq *q, braid_tx_chunk *c)
{
    q->inflight_bytes -= c->len;
    q->inflight_chunks--;
    q->dest_flight[c->dest] -= c->len;
}

static void mark_rtx(braid_outq *q, braid_tx_chunk *c, uint32_t tsn)
{
    leave_flight(q, c);
    c->state = BRAID_TXC_RTX;
    q->n_rtx++;
    if (braid_tsn_lt(tsn, q->rtx_hint))
        q->rtx_hint = tsn;
}

/* A chunk becomes acknowledged (cumulatively or by a gap block). */
static void newly_acked(braid_outq *q, braid_tx_chunk *c, uint32_t tsn, braid_sack_result *r)
{
    if (c->state == BRAID_TXC_INFLIGHT) {
        leave_flight(q, c);
        r->acked_bytes[c->dest] += c->len;
        /* RFC 9260 §6.3.1 C5 (Karn): only chunks sent once give RTT samples;
         * the newest one of this SACK is used. */
        if (c->nsent == 1) {
            r->rtt_dest = c->dest;
            r->rtt_sent_at = c->sent_at;
        }
    } else if (c->state == BRAID_TXC_RTX) {
        q->n_rtx--;
    } else {
        return; /* already acknowledged */
    }
    c->state = BRAID_TXC_ACKED;
    r->any_newly_acked = true;
    r->highest_newly_acked = tsn;
}

/* Calls fn for each TSN in [lo, hi] not covered by the sorted absolute
 * ranges rs[0..n). */
static void each_uncovered(braid_outq *q, uint32_t lo, uint32_t hi, const uint32_t *rs, size_t n,
                           void (*fn)(braid_outq *, uint32_t, void *), void *arg)
{
    size_t i = 0;
    uint32_t t = lo;
    while (braid_tsn_le(t, hi)) {
        while (i < n && braid_tsn_lt(rs[2 * i + 1], t))
            i++;
        if (i < n && braid_tsn_le(rs[2 * i], t)) {
            if (rs[2 * i + 1] == hi)
                return;
            t = rs[2 * i + 1] + 1; /* skip the covered range */
            continue;
        }
        uint32_t end = hi;
        if (i < n && braid_tsn_le(rs[2 * i], hi))
            end = rs[2 * i] - 1;
        for (;; t++) {
            fn(q, t, arg);
            if (t == end)
                break;
        }
        if (end == hi)
            return;
        t = end + 1;
    }
}

typedef struct sack_ctx {
    braid_sack_result *r;
} sack_ctx;

static void gap_ack_one(braid_outq *q, uint32_t tsn, void *arg)
{
    newly_acked(q, braid_outq_at(q, tsn), tsn, ((sack_ctx *)arg)->r);
}

static void renege_one(braid_outq *q, uint32_t tsn, void *arg)
{
    (void)arg;
    braid_tx_chunk *c = braid_outq_at(q, tsn);
    if (c->state == BRAID_TXC_ACKED) {
        /* RFC 9260 §6.2.1: a TSN no longer gap-acked was reneged; it must be
         * retransmitted. It is not in flight. */
        c->state = BRAID_TXC_RTX;
        q->n_rtx++;
        if (braid_tsn_lt(tsn, q->rtx_hint))
            q->rtx_hint = tsn;
    }
}

static void miss_one(braid_outq *q, uint32_t tsn, void *arg)
{
    braid_tx_chunk *c = braid_outq_at(q, tsn);
    if (c->state != BRAID_TXC_INFLIGHT || c->fast_rtx)
        return;
    /* RFC 9260 §7.2.4: the third miss indication marks it for fast
     * retransmission, once per chunk. */
    if (++c->miss >= 3) {
        mark_rtx(q, c, tsn);
        c->fast_rtx = true;
        ((sack_ctx *)arg)->r->n_fast_rtx++;
    }
}

int braid_outq_sack(braid_outq *q, uint32_t cum, const uint16_t *gaps, size_t n_gaps,
                    bool in_fast_recovery, braid_sack_result *r)
{
    uint32_t old_cum = q->base - 1;
    memset(r, 0, sizeof *r);
    r->rtt_dest = -1;
    /* RFC 9260 §6.2.1 D i: a SACK older than the cumulative ack point is
     * out of order; ignore it. */
    if (braid_tsn_lt(cum, old_cum))
        return 1;
    /* A SACK for a TSN never sent is a protocol violation (RFC 9260 §6.2.1). */
    if (braid_tsn_ge(cum, q->next))
        return BRAID_ERR_INVAL;

    /* New gap blocks as absolute ranges, validated: RFC 9260 §3.3.4 gives
     * start <= end, both relative to cum; nothing at or beyond next TSN. */
    uint32_t ranges[2 * BRAID_OUTQ_MAX_GAPS];
    size_t nr = 0;
    for (size_t i = 0; i < n_gaps && nr < BRAID_OUTQ_MAX_GAPS; i++) {
        uint16_t s = gaps[2 * i], e = gaps[2 * i + 1];
        if (s == 0 || e < s)
            return BRAID_ERR_INVAL;
        if (braid_tsn_ge(cum + e, q->next))
            return BRAID_ERR_INVAL;
        ranges[2 * nr] = s; /* offsets for now: sorted below */
        ranges[2 * nr + 1] = e;
        nr++;
    }
    /* §3.3.4 only says blocks SHOULD be isolated: unsorted or overlapping
     * ones still name TSNs received. Sort by start (insertion sort, at most
     * BRAID_OUTQ_MAX_GAPS), merge overlapping and adjacent ones, then make
     * them absolute. */
    for (size_t i = 1; i < nr; i++) {
        uint32_t s = ranges[2 * i], e = ranges[2 * i + 1];
        size_t j = i;
        for (; j > 0 && ranges[2 * (j - 1)] > s; j--) {
            ranges[2 * j] = ranges[2 * (j - 1)];
            ranges[2 * j + 1] = ranges[2 * (j - 1) + 1];
        }
        ranges[2 * j] = s;
        ranges[2 * j + 1] = e;
    }
    size_t nm = 0;
    for (size_t i = 0; i < nr; i++) {
        uint32_t s = ranges[2 * i], e = ranges[2 * i + 1];
        if (nm && s <= ranges[2 * nm - 1] + 1) {
            if (e > ranges[2 * nm - 1])
                ranges[2 * nm - 1] = e;
            continue;
        }
        ranges[2 * nm] = s;
        ranges[2 * nm + 1] = e;
        nm++;
    }
    nr = nm;
    for (size_t i = 0; i < 2 * nr; i++)
        ranges[i] += cum;

    /* Cumulative ack: pop from the front of the ring. */
    while (braid_tsn_le(q->base, cum)) {
        braid_tx_chunk *c = braid_outq_at(q, q->base);
        newly_acked(q, c, q->base, r);
        braid_tx_msg *m = c->msg;
        if (c->flags & BRAID_DATA_FLAG_E)
            r->msgs_done++;
        c->state = BRAID_TXC_FREE;
        c->msg = NULL;
        msg_unref(q, m);
        q->base++;
    }
    r->cum_advanced = cum != old_cum;
    if (braid_tsn_lt(q->rtx_hint, q->base))
        q->rtx_hint = q->base;

    /* Previous gap ranges still above cum, clipped. */
    size_t np = 0;
    for (size_t i = 0; i < q->n_prev_gaps; i++) {
        uint32_t lo = q->prev_gaps[2 * i], hi = q->prev_gaps[2 * i + 1];
        if (braid_tsn_le(hi, cum))
            continue;
        if (braid_tsn_le(lo, cum))
            lo = cum + 1;
        q->prev_gaps[2 * np] = lo;
        q->prev_gaps[2 * np + 1] = hi;
        np++;
    }

    sack_ctx ctx = {r};
    /* Newly gap-acked: the new ranges less those applied last time. */
    for (size_t i = 0; i < nr; i++)
        each_uncovered(q, ranges[2 * i], ranges[2 * i + 1], q->prev_gaps, np, gap_ack_one, &ctx);
    /* Reneged: last time's ranges less the new ones. */
    for (size_t i = 0; i < np; i++)
        each_uncovered(q, q->prev_gaps[2 * i], q->prev_gaps[2 * i + 1], ranges, nr, renege_one,
                       &ctx);

    /* Miss indications (RFC 9260 §7.2.4, HTNA): missing TSNs below the
     * highest newly acknowledged one; in fast recovery with the cum ack
     * advancing, all TSNs reported missing. */
    bool have_limit = false;
    uint32_t limit = 0;
    if (in_fast_recovery && r->cum_advanced && nr) {
        limit = ranges[2 * nr - 1];
        have_limit = true;
    } else if (r->any_newly_acked && braid_tsn_gt(r->highest_newly_acked, cum)) {
        limit = r->highest_newly_acked;
        have_limit = true;
    }
    if (have_limit && braid_tsn_lt(q->base, limit))
        each_uncovered(q, q->base, limit - 1, ranges, nr, miss_one, &ctx);

    memcpy(q->prev_gaps, ranges, sizeof(uint32_t) * 2 * nr);
    q->n_prev_gaps = (uint32_t)nr;
    return 0;
}

uint32_t braid_outq_mark_dest(braid_outq *q, unsigned dest)
{
    uint32_t bytes = 0;
    for (uint32_t t = q->base; t != q->next; t++) {
        braid_tx_chunk *c = braid_outq_at(q, t);
        if (c->state == BRAID_TXC_INFLIGHT && c->dest == dest) {
            bytes += c->len;
            mark_rtx(q, c, t);
        }
    }
    return bytes;
}

uint32_t braid_outq_flight_of(const braid_outq *q, unsigned dest)
{
    return dest < BRAID_OUTQ_MAX_DESTS ? q->dest_flight[dest] : 0;
}
