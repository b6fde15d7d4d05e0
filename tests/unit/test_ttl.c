/*
 * Message lifetime (RFC 6458 §5.3.2 sinfo_timetolive) without PR-SCTP: the
 * send queue drops messages that expire before any of their bytes is sent
 * (braid_outq_expire), keeps those already partly sent, and SSNs are given
 * as messages go out, so a dropped message leaves no hole in its stream.
 * Then the engine: a blocked queue (zero window) reports its expired
 * messages on the timer, one SEND_FAILED per fragment, as Linux.
 */
#include <stdlib.h>

#include "check.h"
#include "core/tx/outq.h"
#include "core/wire/chunk.h"
#include "engine_pair.h"

static long live_allocs;
static void *m_alloc(void *u, size_t n)
{
    (void)u;
    live_allocs++;
    return malloc(n);
}
static void m_free(void *u, void *p, size_t n)
{
    (void)u;
    (void)n;
    live_allocs--;
    free(p);
}

typedef struct failed {
    int n;
    bool sent[8];
    uint32_t len[8];
    uint8_t first[8];
} failed;

static void on_failed(void *arg, const braid_tx_msg *m, bool sent)
{
    failed *f = arg;
    if (f->n < 8) {
        f->sent[f->n] = sent;
        f->len[f->n] = m->len;
        f->first[f->n] = m->data[0];
    }
    f->n++;
}

static void test_outq_expire(void)
{
    braid_mem mem = {m_alloc, m_free, NULL};
    braid_outq q;
    CHECK_EQ(braid_outq_init(&q, &mem, 4, 100), 0);
    CHECK(q.expiry_at == BRAID_TIME_NEVER);
    uint8_t b1[100], b2[300], b3[50], b4[10];
    memset(b1, 1, sizeof b1);
    memset(b2, 2, sizeof b2);
    memset(b3, 3, sizeof b3);
    memset(b4, 4, sizeof b4);
    braid_send_info none = {0, 9, 0, 0, 0}, ten = {0, 9, 0, 0, 10}, twenty = {0, 9, 0, 0, 20};
    uint64_t now = 1000;
    CHECK_EQ(braid_outq_push(&q, &none, b1, sizeof b1, now), 0);
    CHECK_EQ(braid_outq_push(&q, &ten, b2, sizeof b2, now), 0);
    CHECK_EQ(braid_outq_push(&q, &twenty, b3, sizeof b3, now), 0);
    CHECK_EQ(braid_outq_push(&q, &none, b4, sizeof b4, now), 0);
    CHECK_EQ(q.expiry_at, 1010); /* the earliest lifetime */
    failed f;
    memset(&f, 0, sizeof f);
    /* nothing expires early */
    CHECK_EQ(braid_outq_expire(&q, 1009, on_failed, &f), 0);
    CHECK_EQ(f.n, 0);

    /* the first message goes whole, the second in part */
    uint32_t tsn;
    int err;
    braid_tx_chunk *c = braid_outq_cut(&q, 1000, &tsn, &err);
    CHECK(c != NULL);
    CHECK_EQ(tsn, 100);
    CHECK_EQ(c->msg->ssn, 0);
    c = braid_outq_cut(&q, 200, &tsn, &err);
    CHECK(c != NULL);
    CHECK_EQ(c->len, 200);
    CHECK_EQ(c->msg->ssn, 1);
    CHECK_EQ(q.queued_bytes, 100 + 50 + 10);

    /* past the second message's lifetime: it was partly sent, so it stays
     * (no PR-SCTP: nothing could tell the peer to skip it); the third has
     * 10 more to go, and the deadline becomes exact */
    CHECK_EQ(braid_outq_expire(&q, 1015, on_failed, &f), 0);
    CHECK_EQ(f.n, 0);
    CHECK_EQ(q.expiry_at, 1020);

    /* the third expires unsent: handed back, out of the queue and buffer */
    size_t buffered = q.buffered_bytes;
    CHECK_EQ(braid_outq_expire(&q, 1020, on_failed, &f), 1);
    CHECK_EQ(f.n, 1);
    CHECK(!f.sent[0]);
    CHECK_EQ(f.len[0], 50);
    CHECK_EQ(f.first[0], 3);
    CHECK(q.expiry_at == BRAID_TIME_NEVER);
    CHECK_EQ(q.n_queued_msgs, 2);
    CHECK_EQ(q.queued_bytes, 100 + 10);
    CHECK_EQ(q.buffered_bytes, buffered - 50);

    /* the rest of the second, then the fourth: its SSN follows the second's
     * (RFC 9260 §6.6: no hole where the expired message was) */
    c = braid_outq_cut(&q, 1000, &tsn, &err);
    CHECK(c != NULL && (c->flags & BRAID_DATA_FLAG_E));
    CHECK_EQ(c->msg->ssn, 1);
    c = braid_outq_cut(&q, 1000, &tsn, &err);
    CHECK(c != NULL);
    CHECK_EQ(c->len, sizeof b4);
    CHECK_EQ(c->msg->ssn, 2);
    CHECK_EQ(tsn, 103);
    CHECK(q.head == NULL && q.tail == NULL);

    /* unordered messages take no SSN; a lifetime of 0 never expires */
    braid_send_info uo = {1, 9, BRAID_SEND_UNORDERED, 0, 5};
    CHECK_EQ(braid_outq_push(&q, &uo, b4, sizeof b4, 2000), 0);
    CHECK_EQ(braid_outq_push(&q, &none, b4, sizeof b4, 2000), 0);
    CHECK_EQ(q.expiry_at, 2005);
    CHECK_EQ(braid_outq_expire(&q, UINT64_MAX - 1, on_failed, &f), 1);
    CHECK_EQ(f.n, 2);
    CHECK_EQ(q.n_queued_msgs, 1);
    CHECK(q.head == q.tail && q.head->expires_at == BRAID_TIME_NEVER);
    /* a lifetime that would wrap the clock is capped, not wrapped */
    braid_send_info huge = {0, 9, 0, 0, UINT64_MAX};
    CHECK_EQ(braid_outq_push(&q, &huge, b4, sizeof b4, 2000), 0);
    CHECK(q.tail->expires_at > 2000);
    braid_outq_free(&q, NULL, NULL);
    CHECK_EQ(live_allocs, 0);
}

/* ---- the engine ---- */

enum { MAXSEG = 500, RCVBUF_B = 4000, FILL = 4500, FRAG = 3 * MAXSEG };
static const uint64_t MS = 1000000ull;

static void ttl_tweak(braid_settings *sa, braid_settings *sb)
{
    sa->max_seg = MAXSEG;
    sb->rcvbuf = RCVBUF_B;
}

static int ttl_pair_init(pair *p)
{
    return pair_init_with(p, 0, 1, ttl_tweak);
}

/* Moves packets both ways until none is due; the clock stays. */
static void move(pair *p)
{
    uint8_t buf[2048];
    for (int moved = 1; moved;) {
        moved = 0;
        braid_path path;
        int n;
        while ((n = braid_endpoint_write_pkt(p->a, &path, buf, sizeof buf, p->now)) > 0) {
            moved = 1;
            braid_path in = {path.remote, path.local};
            braid_endpoint_read_pkt(p->b, &in, buf, (size_t)n, p->now);
        }
        while ((n = braid_endpoint_write_pkt(p->b, &path, buf, sizeof buf, p->now)) > 0) {
            moved = 1;
            braid_path in = {path.remote, path.local};
            braid_endpoint_read_pkt(p->a, &in, buf, (size_t)n, p->now);
        }
    }
}

/* Runs the timers at t, then moves packets. */
static void at(pair *p, uint64_t t)
{
    p->now = t;
    braid_endpoint_handle_expiry(p->a, p->now);
    braid_endpoint_handle_expiry(p->b, p->now);
    move(p);
}

typedef struct ev_seen {
    int n;
    braid_event ev[8];
    uint8_t data[8][MAXSEG];
} ev_seen;

static void poll_failed(braid_endpoint *ep, ev_seen *s)
{
    braid_event ev;
    while (braid_poll_event(ep, &ev)) {
        if (ev.type == BRAID_EV_SEND_FAILED) {
            if (s->n < 8) {
                s->ev[s->n] = ev;
                size_t l = ev.u.send_failed.len < MAXSEG ? ev.u.send_failed.len : MAXSEG;
                memcpy(s->data[s->n], ev.u.send_failed.data, l);
                s->ev[s->n].u.send_failed.data = NULL;
            }
            s->n++;
        }
        braid_event_release(ep, &ev);
    }
}

/* test_timetolive of lksctp-tools, in the engine: the peer's window is
 * filled, then a message with a lifetime, one without and a fragmented one
 * with a lifetime wait behind it. The lifetimes pass while the window stays
 * shut: both are handed back on the timer, no read needed; the other two
 * arrive in order once the peer reads. */
static void test_blocked_queue_expires(void)
{
    pair p;
    CHECK_EQ(ttl_pair_init(&p), 0);
    braid_connect_opts o = {6000, 4, 4};
    braid_assoc_id id = 0;
    CHECK_EQ(braid_assoc_connect(p.a, &p.addr_b, 1, &o, p.now, &id), 0);
    pump(&p, 20);
    braid_assoc_status st;
    CHECK_EQ(braid_assoc_status_get(p.a, id, &st), 0);
    CHECK_EQ(st.state, BRAID_STATE_ESTABLISHED);
    CHECK_EQ(st.frag_point, MAXSEG);
    (void)count_events(p.a, BRAID_EV_NONE, -1);

    static uint8_t fill[FILL], frag[FRAG];
    memset(fill, 'X', sizeof fill);
    for (size_t i = 0; i < sizeof frag; i++)
        frag[i] = (uint8_t)('0' + i / MAXSEG);
    static const char ttlmsg[] = "This should time out!\n";
    static const char nottlmsg[] = "This should NOT time out!\n";
    /* the fill message has a lifetime too: partly sent, it must stay */
    braid_send_info fill_si = {1, 7, 0, 1, 500 * MS};
    braid_send_info ttl_si = {1, 7, 0, 2, 2000 * MS};
    braid_send_info nottl_si = {1, 7, 0, 3, 0};
    braid_send_info frag_si = {1, 7, 0, 4, 2000 * MS};
    uint64_t t0 = p.now;
    CHECK_EQ(braid_assoc_send(p.a, id, &fill_si, fill, sizeof fill, p.now), 0);
    move(&p);
    CHECK_EQ(braid_assoc_send(p.a, id, &ttl_si, ttlmsg, sizeof ttlmsg, p.now), 0);
    CHECK_EQ(braid_assoc_send(p.a, id, &nottl_si, nottlmsg, sizeof nottlmsg, p.now), 0);
    CHECK_EQ(braid_assoc_send(p.a, id, &frag_si, frag, sizeof frag, p.now), 0);
    move(&p);
    CHECK_EQ(braid_assoc_status_get(p.a, id, &st), 0);
    CHECK_EQ(st.peer_rwnd, 0); /* the window is shut */
    /* the queue's timer: the lifetimes' end */
    CHECK(braid_endpoint_next_expiry(p.a) <= t0 + 2000 * MS);

    ev_seen s;
    memset(&s, 0, sizeof s);
    at(&p, t0 + 1000 * MS); /* T3 probes; the fill's lifetime is over */
    at(&p, t0 + 1999 * MS);
    poll_failed(p.a, &s);
    CHECK_EQ(s.n, 0);
    at(&p, t0 + 2000 * MS);
    poll_failed(p.a, &s);
    /* Linux's order and form: the single message, then each fragment;
     * SCTP_DATA_UNSENT, error 0, the DATA chunk flags of the piece */
    CHECK_EQ(s.n, 4);
    if (s.n == 4) {
        const uint8_t want_flags[4] = {BRAID_DATA_FLAG_B | BRAID_DATA_FLAG_E, BRAID_DATA_FLAG_B,
                                       0, BRAID_DATA_FLAG_E};
        for (int i = 0; i < 4; i++) {
            CHECK_EQ(s.ev[i].assoc, id);
            CHECK_EQ(s.ev[i].u.send_failed.sent, 0);
            CHECK_EQ(s.ev[i].u.send_failed.error, 0);
            CHECK_EQ(s.ev[i].u.send_failed.chunk_flags, want_flags[i]);
            CHECK_EQ(s.ev[i].u.send_failed.info.sid, 1);
            CHECK_EQ(s.ev[i].u.send_failed.info.ppid, 7);
            CHECK_EQ(s.ev[i].u.send_failed.info.lifetime_ns, 2000 * MS);
        }
        CHECK_EQ(s.ev[0].u.send_failed.len, sizeof ttlmsg);
        CHECK_EQ(s.ev[0].u.send_failed.info.context, 2);
        CHECK_MEM(s.data[0], ttlmsg, sizeof ttlmsg);
        for (int i = 1; i < 4; i++) {
            CHECK_EQ(s.ev[i].u.send_failed.len, MAXSEG);
            CHECK_EQ(s.ev[i].u.send_failed.info.context, 4);
            CHECK_MEM(s.data[i], frag + (size_t)(i - 1) * MAXSEG, MAXSEG);
        }
    }
    /* no timer left for them */
    CHECK(braid_endpoint_next_expiry(p.a) > t0 + 2000 * MS);

    /* the peer reads: the fill message whole, then the one without a
     * lifetime, with the next SSN; nothing else */
    static uint8_t buf[FILL + 100];
    size_t got = 0;
    int msgs = 0;
    braid_recv_info ri, first;
    uint64_t t = p.now;
    for (int round = 0; round < 200 && msgs < 2; round++) {
        int n = braid_endpoint_recv(p.b, &ri, buf + (msgs ? 0 : got), sizeof buf - got, p.now);
        if (n > 0) {
            if (msgs == 0) {
                got += (size_t)n;
                if (ri.flags & BRAID_RECV_EOR) {
                    CHECK_EQ(got, FILL);
                    CHECK_MEM(buf, fill, FILL);
                    first = ri;
                    msgs++;
                }
            } else {
                CHECK_EQ(n, sizeof nottlmsg);
                CHECK_MEM(buf, nottlmsg, sizeof nottlmsg);
                CHECK_EQ(ri.sid, 1);
                CHECK_EQ(ri.ssn, (uint16_t)(first.ssn + 1));
                msgs++;
            }
            move(&p);
            continue;
        }
        t += 100 * MS;
        at(&p, t);
    }
    CHECK_EQ(msgs, 2);
    at(&p, t + 5000 * MS);
    CHECK_EQ(braid_endpoint_recv(p.b, &ri, buf, sizeof buf, p.now), BRAID_ERR_AGAIN);
    poll_failed(p.a, &s);
    CHECK_EQ(s.n, 4); /* the fill message was not abandoned */
    CHECK_EQ(braid_assoc_status_get(p.a, id, &st), 0);
    CHECK_EQ(st.state, BRAID_STATE_ESTABLISHED);
    CHECK_EQ(st.pending, 0);
    CHECK_EQ(st.unacked, 0);
    braid_endpoint_free(p.a);
    braid_endpoint_free(p.b);
    CHECK_EQ(p.ea.live, 0);
    CHECK_EQ(p.eb.live, 0);
}

/* Checked when the queue is worked on too: with the window open, a message
 * whose lifetime passed before the next packet is built is not sent. */
static void test_expired_at_send_time(void)
{
    pair p;
    CHECK_EQ(ttl_pair_init(&p), 0);
    braid_connect_opts o = {6000, 4, 4};
    braid_assoc_id id = 0;
    CHECK_EQ(braid_assoc_connect(p.a, &p.addr_b, 1, &o, p.now, &id), 0);
    pump(&p, 20);
    (void)count_events(p.a, BRAID_EV_NONE, -1);
    braid_send_info si = {0, 1, 0, 0, 10 * MS};
    CHECK_EQ(braid_assoc_send(p.a, id, &si, "late", 4, p.now), 0);
    braid_send_info si2 = {0, 1, 0, 0, 0};
    CHECK_EQ(braid_assoc_send(p.a, id, &si2, "on time", 7, p.now), 0);
    p.now += 10 * MS; /* no timer run: the packet builder sees it */
    move(&p);
    ev_seen s;
    memset(&s, 0, sizeof s);
    poll_failed(p.a, &s);
    CHECK_EQ(s.n, 1);
    CHECK_EQ(s.ev[0].u.send_failed.len, 4);
    uint8_t buf[16];
    braid_recv_info ri;
    CHECK_EQ(braid_endpoint_recv(p.b, &ri, buf, sizeof buf, p.now), 7);
    CHECK_EQ(ri.ssn, 0); /* the first SSN of the stream */
    CHECK_EQ(braid_endpoint_recv(p.b, &ri, buf, sizeof buf, p.now), BRAID_ERR_AGAIN);
    braid_endpoint_free(p.a);
    braid_endpoint_free(p.b);
}

int main(void)
{
    RUN(test_outq_expire);
    RUN(test_blocked_queue_expires);
    RUN(test_expired_at_send_time);
    return CHECK_REPORT();
}
