/*
 * Blind and out-of-the-blue attacks (issue #7), RFC 9260 §8.4, §8.5, §8.5.1,
 * §6.10:
 * - an off-path attacker who knows the addresses and ports of an
 *   established association but not its verification tags sends ABORT,
 *   SHUTDOWN, SHUTDOWN ACK, SHUTDOWN COMPLETE, DATA, SACK, HEARTBEAT,
 *   HEARTBEAT ACK and INIT with wrong tags (and the T-bit variants): each
 *   packet is silently discarded (drop_bad_vtag, nothing sent, association
 *   unchanged), data still flows both ways afterwards, and the same chunk
 *   with the right tag does take effect (so every test can fail);
 * - out-of-the-blue packets get exactly the §8.4 reply (or none);
 * - no amplification, no reply loops, and a bounded reply ring.
 */
#include <stddef.h>

#include "check.h"
#include "core/assoc/internal.h" /* BRAID_RESP_QUEUE, BRAID_RESP_MAX_LEN */
#include "core/wire/chunk.h"
#include "core/wire/crc32c.h"
#include "core/wire/pkt.h"
#include "core/wire/tlv.h"
#include "engine_pair.h"
#include "pkt_probe.h"

#define PA 5000
#define PB 6000
#define NO_COUNTER ((size_t)-1)

/* ---- packets in and out ---- */

static size_t build(uint8_t *buf, size_t cap, uint16_t sport, uint16_t dport, uint32_t vtag,
                    const braid_chunk *cs, int n)
{
    braid_pkt_builder b;
    braid_pkt_begin(&b, buf, cap, cap, sport, dport, vtag);
    for (int i = 0; i < n; i++)
        if (braid_pkt_add(&b, &cs[i]) < 0)
            return 0;
    return braid_pkt_finish(&b);
}

/* Builds a packet from `from` and A's port to B's and feeds it to ep.
 * Returns the packet's length. */
static size_t inject_from(pair *p, braid_endpoint *ep, const braid_addr *from, uint32_t vtag,
                          const braid_chunk *cs, int n)
{
    uint8_t buf[2048];
    size_t len = build(buf, sizeof buf, PA, PB, vtag, cs, n);
    CHECK(len > 0);
    braid_path path = {p->addr_b, *from};
    braid_endpoint_read_pkt(ep, &path, buf, len, p->now);
    return len;
}

/* The same from A's address (IP and UDP port). */
static size_t inject_a(pair *p, braid_endpoint *ep, uint32_t vtag, const braid_chunk *cs, int n)
{
    return inject_from(p, ep, &p->addr_a, vtag, cs, n);
}

/* The first chunk of an emitted packet, parsed. */
static int first_chunk(const out_pkt *o, braid_chunk *c)
{
    braid_chunk_iter it;
    braid_chunk_view v;
    braid_chunk_iter_init(&it, o->raw, (size_t)o->len);
    if (braid_chunk_iter_next(&it, &v) <= 0)
        return -1;
    return braid_chunk_parse(&v, c);
}

static braid_chunk chunk(uint8_t type, uint8_t flags)
{
    braid_chunk c;
    memset(&c, 0, sizeof c);
    c.type = type;
    c.flags = flags;
    return c;
}

static braid_chunk data_chunk(uint32_t tsn, uint16_t sid, const char *s)
{
    braid_chunk c = chunk(BRAID_CHUNK_DATA, BRAID_DATA_FLAG_B | BRAID_DATA_FLAG_E);
    c.u.data.tsn = tsn;
    c.u.data.sid = sid;
    c.u.data.ppid = 7;
    c.u.data.payload = (const uint8_t *)s;
    c.u.data.payload_len = strlen(s);
    return c;
}

static braid_chunk sack_chunk(uint32_t cum, uint32_t a_rwnd)
{
    braid_chunk c = chunk(BRAID_CHUNK_SACK, 0);
    c.u.sack.cum_tsn = cum;
    c.u.sack.a_rwnd = a_rwnd;
    return c;
}

static braid_chunk init_chunk(uint32_t tag)
{
    braid_chunk c = chunk(BRAID_CHUNK_INIT, 0);
    c.u.init.init_tag = tag;
    c.u.init.a_rwnd = 65536;
    c.u.init.os = 4;
    c.u.init.mis = 4;
    c.u.init.initial_tsn = tag;
    return c;
}

static const uint8_t hb_info[8] = {'b', 'l', 'i', 'n', 'd', 'h', 'b', '!'};

static braid_chunk hb_chunk(uint8_t type, const uint8_t *info, size_t n)
{
    braid_chunk c = chunk(type, 0);
    c.u.hb.info = info;
    c.u.hb.info_len = n;
    return c;
}

/* An ERROR or ABORT carrying the given causes. */
static braid_chunk tlv_chunk(uint8_t type, uint8_t flags, const uint8_t *tlvs, size_t n)
{
    braid_chunk c = chunk(type, flags);
    c.u.tlvs.tlvs = tlvs;
    c.u.tlvs.tlvs_len = n;
    return c;
}

static const uint8_t stale_cause[8] = {0, BRAID_CAUSE_STALE_COOKIE, 0, 8, 0, 0, 1, 0};
static const uint8_t user_abort_cause[8] = {0, BRAID_CAUSE_USER_ABORT, 0, 8, 'e', 'v', 'i', 'l'};
/* Invalid Stream Identifier, then Stale Cookie */
static const uint8_t two_causes[16] = {0, BRAID_CAUSE_INVALID_STREAM, 0, 8, 0, 1, 0, 0,
                                       0, BRAID_CAUSE_STALE_COOKIE,   0, 8, 0, 0, 1, 0};

/* ---- an established association ---- */

typedef struct fix {
    pair p;
    braid_assoc_id ida, idb;
    braid_assoc_status sa, sb; /* after set-up: the tags */
    int serial;
} fix;

/* Drains ep's events; returns how many there were. */
static int drain_events(braid_endpoint *ep)
{
    braid_event ev;
    int n = 0;
    while (braid_poll_event(ep, &ev)) {
        n++;
        braid_event_release(ep, &ev);
    }
    return n;
}

/* Moves packets between the two until neither has anything to say, without
 * running any timer. */
static void settle(pair *p)
{
    uint8_t buf[2048];
    for (int r = 0; r < 100; r++) {
        int moved = 0, n;
        braid_path path;
        while ((n = braid_endpoint_write_pkt(p->a, &path, buf, sizeof buf, p->now)) > 0) {
            braid_path in = {path.remote, path.local};
            braid_endpoint_read_pkt(p->b, &in, buf, (size_t)n, p->now);
            moved++;
        }
        while ((n = braid_endpoint_write_pkt(p->b, &path, buf, sizeof buf, p->now)) > 0) {
            braid_path in = {path.remote, path.local};
            braid_endpoint_read_pkt(p->a, &in, buf, (size_t)n, p->now);
            moved++;
        }
        if (!moved)
            return;
    }
}

/* Number of received messages equal to msg (whole, with EOR); *evil counts
 * messages that start with "EVIL" (injected by the attacker). */
static int received(braid_endpoint *ep, uint64_t now, const char *msg, int *evil)
{
    uint8_t buf[256];
    braid_recv_info ri;
    int n, hits = 0;
    while ((n = braid_endpoint_recv(ep, &ri, buf, sizeof buf, now)) >= 0) {
        if ((size_t)n == strlen(msg) && memcmp(buf, msg, (size_t)n) == 0 &&
            (ri.flags & BRAID_RECV_EOR))
            hits++;
        if (evil && n >= 4 && memcmp(buf, "EVIL", 4) == 0)
            (*evil)++;
    }
    return hits;
}

/* One new message each way; both must arrive intact, and nothing injected. */
static void data_both_ways(fix *f, const char *after)
{
    char ma[96], mb[96];
    f->serial++;
    snprintf(ma, sizeof ma, "A to B after %s (%d)", after, f->serial);
    snprintf(mb, sizeof mb, "B to A after %s (%d)", after, f->serial);
    braid_send_info sa = {1, 9, 0, 0, 0}, sb = {2, 9, 0, 0, 0};
    int before = check_failed_;
    CHECK_EQ(braid_assoc_send(f->p.a, f->ida, &sa, ma, strlen(ma), f->p.now), 0);
    CHECK_EQ(braid_assoc_send(f->p.b, f->idb, &sb, mb, strlen(mb), f->p.now), 0);
    pump(&f->p, 30);
    int evil = 0;
    CHECK_EQ(received(f->p.b, f->p.now, ma, &evil), 1);
    CHECK_EQ(received(f->p.a, f->p.now, mb, &evil), 1);
    CHECK_EQ(evil, 0);
    braid_assoc_status st;
    CHECK_EQ(braid_assoc_status_get(f->p.a, f->ida, &st), 0);
    CHECK_EQ(st.state, BRAID_STATE_ESTABLISHED);
    CHECK_EQ(braid_assoc_status_get(f->p.b, f->idb, &st), 0);
    CHECK_EQ(st.state, BRAID_STATE_ESTABLISHED);
    if (check_failed_ != before)
        fprintf(stderr, "  (data both ways after %s)\n", after);
    drain_events(f->p.a);
    drain_events(f->p.b);
}

static void fix_up(fix *f, uint32_t seed)
{
    memset(f, 0, sizeof *f);
    CHECK_EQ(pair_init(&f->p, seed, 1), 0);
    braid_connect_opts o = {PB, 4, 4};
    CHECK_EQ(braid_assoc_connect(f->p.a, &f->p.addr_b, 1, &o, f->p.now, &f->ida), 0);
    settle(&f->p);
    CHECK_EQ(braid_assoc_status_get(f->p.a, f->ida, &f->sa), 0);
    f->idb = braid_next_assoc(f->p.b, 0);
    CHECK_EQ(braid_assoc_status_get(f->p.b, f->idb, &f->sb), 0);
    CHECK_EQ(f->sa.state, BRAID_STATE_ESTABLISHED);
    CHECK_EQ(f->sb.state, BRAID_STATE_ESTABLISHED);
    CHECK_EQ(f->sb.peer_vtag, f->sa.local_vtag);
    CHECK_EQ(f->sa.peer_vtag, f->sb.local_vtag);
    data_both_ways(f, "set-up");
    settle(&f->p);
    drain_events(f->p.a);
    drain_events(f->p.b);
}

static void fix_down(fix *f)
{
    braid_endpoint_free(f->p.a);
    braid_endpoint_free(f->p.b);
    CHECK_EQ(f->p.ea.live, 0);
    CHECK_EQ(f->p.eb.live, 0);
}

/* Everything an attacker could have moved. */
static int same_status(const braid_assoc_status *x, const braid_assoc_status *y)
{
    const braid_path_status *p = &x->paths[0], *q = &y->paths[0];
    return x->state == y->state && x->local_vtag == y->local_vtag && x->peer_vtag == y->peer_vtag &&
           x->peer_rwnd == y->peer_rwnd && x->local_rwnd == y->local_rwnd &&
           x->unacked == y->unacked && x->pending == y->pending && x->next_tsn == y->next_tsn &&
           x->cum_tsn == y->cum_tsn && x->n_paths == y->n_paths && p->active == q->active &&
           p->confirmed == q->confirmed && p->srtt_ns == q->srtt_ns && p->rto_ns == q->rto_ns &&
           p->cwnd == q->cwnd && p->ssthresh == q->ssthresh && p->flight == q->flight &&
           p->error_count == q->error_count;
}

/* Counters equal apart from pkts_in/bytes_in and +1 on `which`. */
static int counters_moved_only(const braid_counters *c0, const braid_counters *c1, size_t which)
{
    braid_counters t = *c1;
    t.pkts_in = c0->pkts_in;
    t.bytes_in = c0->bytes_in;
    if (c1->pkts_in != c0->pkts_in + 1)
        return 0;
    if (which != NO_COUNTER) {
        uint64_t *w = (uint64_t *)(void *)((uint8_t *)&t + which);
        if (*w == 0)
            return 0;
        (*w)--;
    }
    return memcmp(&t, c0, sizeof t) == 0;
}

/* Sends the packet to B as if from A and checks it was silently discarded:
 * only `which` counted, nothing sent, association and events unchanged. */
static void blind(fix *f, uint32_t vtag, const braid_chunk *cs, int n, size_t which,
                  const char *what)
{
    int before = check_failed_;
    braid_assoc_status s0, s1;
    braid_counters c0, c1;
    CHECK_EQ(braid_assoc_status_get(f->p.b, f->idb, &s0), 0);
    braid_endpoint_counters(f->p.b, &c0);
    inject_a(&f->p, f->p.b, vtag, cs, n);
    braid_endpoint_counters(f->p.b, &c1);
    CHECK(counters_moved_only(&c0, &c1, which));
    CHECK_EQ(pull(f->p.b, f->p.now).len, 0); /* no reply of any kind */
    CHECK_EQ(braid_assoc_status_get(f->p.b, f->idb, &s1), 0);
    CHECK(same_status(&s0, &s1));
    CHECK_EQ(drain_events(f->p.b), 0);
    if (check_failed_ != before)
        fprintf(stderr, "  (blind %s, tag 0x%08x)\n", what, vtag);
}

#define BAD_VTAG offsetof(braid_counters, drop_bad_vtag)

/* Tags a blind attacker might try: anything but the right one. */
static void wrong_tags(const fix *f, uint32_t out[4])
{
    out[0] = f->sb.local_vtag ^ 0x00010000u; /* near miss */
    out[1] = f->sb.peer_vtag;                /* the other direction's tag */
    out[2] = 0;                              /* no tag at all */
    out[3] = ~f->sb.local_vtag;
}

/* ---- 1. blind attacks with wrong tags (§8.5, §8.5.1) ---- */

static void test_blind_abort(void)
{
    fix f;
    fix_up(&f, 100);
    uint32_t wt[4];
    wrong_tags(&f, wt);
    braid_chunk ab = chunk(BRAID_CHUNK_ABORT, 0);
    braid_chunk abc = tlv_chunk(BRAID_CHUNK_ABORT, 0, user_abort_cause, 8);
    for (int i = 0; i < 4; i++) {
        blind(&f, wt[i], &ab, 1, BAD_VTAG, "ABORT T=0");
        blind(&f, wt[i], &abc, 1, BAD_VTAG, "ABORT T=0 with cause");
    }
    /* §8.5.1 B: with the T bit the tag must be the peer's tag; B's own tag
     * (right without T) and others are wrong */
    ab.flags = abc.flags = BRAID_FLAG_T;
    blind(&f, f.sb.local_vtag, &ab, 1, BAD_VTAG, "ABORT T=1 own tag");
    blind(&f, f.sb.local_vtag, &abc, 1, BAD_VTAG, "ABORT T=1 own tag with cause");
    blind(&f, wt[0], &ab, 1, BAD_VTAG, "ABORT T=1 near miss");
    blind(&f, wt[3], &ab, 1, BAD_VTAG, "ABORT T=1 random");
    blind(&f, 0, &ab, 1, BAD_VTAG, "ABORT T=1 zero");
    data_both_ways(&f, "blind ABORTs");

    /* control: the right tag, T clear, tears it down (§9.1) and is never
     * answered */
    ab.flags = 0;
    inject_a(&f.p, f.p.b, f.sb.local_vtag, &ab, 1);
    braid_assoc_status st;
    CHECK_EQ(braid_assoc_status_get(f.p.b, f.idb, &st), BRAID_ERR_NOTFOUND);
    CHECK_EQ(count_events(f.p.b, BRAID_EV_ASSOC_CHANGE, BRAID_COMM_LOST), 1);
    CHECK_EQ(pull(f.p.b, f.p.now).len, 0);
    fix_down(&f);
}

static void test_reflected_abort_accepted(void)
{
    /* §8.5.1 B: T bit set and the tag equal to the peer's tag (the sender
     * had no TCB and reflected our tag): accepted */
    fix f;
    fix_up(&f, 101);
    braid_chunk ab = chunk(BRAID_CHUNK_ABORT, BRAID_FLAG_T);
    inject_a(&f.p, f.p.b, f.sb.peer_vtag, &ab, 1);
    braid_assoc_status st;
    CHECK_EQ(braid_assoc_status_get(f.p.b, f.idb, &st), BRAID_ERR_NOTFOUND);
    CHECK_EQ(count_events(f.p.b, BRAID_EV_ASSOC_CHANGE, BRAID_COMM_LOST), 1);
    CHECK_EQ(pull(f.p.b, f.p.now).len, 0);
    fix_down(&f);
}

static braid_chunk shutdown_chunk(const fix *f)
{
    /* acknowledges exactly what B has sent: nothing new */
    braid_assoc_status st;
    braid_assoc_status_get(f->p.b, f->idb, &st);
    braid_chunk c = chunk(BRAID_CHUNK_SHUTDOWN, 0);
    c.u.tsn.tsn = st.next_tsn - 1;
    return c;
}

static void test_blind_shutdown(void)
{
    fix f;
    fix_up(&f, 102);
    uint32_t wt[4];
    wrong_tags(&f, wt);
    braid_chunk sd = shutdown_chunk(&f);
    for (int i = 0; i < 4; i++)
        blind(&f, wt[i], &sd, 1, BAD_VTAG, "SHUTDOWN");
    data_both_ways(&f, "blind SHUTDOWNs");

    /* control: the right tag starts the shutdown (§9.2): SHUTDOWN ACK */
    sd = shutdown_chunk(&f);
    inject_a(&f.p, f.p.b, f.sb.local_vtag, &sd, 1);
    braid_assoc_status st;
    CHECK_EQ(braid_assoc_status_get(f.p.b, f.idb, &st), 0);
    CHECK_EQ(st.state, BRAID_STATE_SHUTDOWN_ACK_SENT);
    CHECK_EQ(count_events(f.p.b, BRAID_EV_SHUTDOWN, -1), 1);
    out_pkt o = pull(f.p.b, f.p.now);
    CHECK_EQ(o.type, BRAID_CHUNK_SHUTDOWN_ACK);
    CHECK_EQ(o.h.vtag, f.sb.peer_vtag);
    fix_down(&f);
}

static void test_blind_shutdown_ack(void)
{
    fix f;
    fix_up(&f, 103);
    uint32_t wt[4];
    wrong_tags(&f, wt);
    /* B closes; its SHUTDOWN is lost, so B waits in SHUTDOWN-SENT */
    CHECK_EQ(braid_assoc_shutdown(f.p.b, f.idb, f.p.now), 0);
    out_pkt o = pull(f.p.b, f.p.now);
    CHECK_EQ(o.type, BRAID_CHUNK_SHUTDOWN);
    braid_chunk sa = chunk(BRAID_CHUNK_SHUTDOWN_ACK, 0);
    for (int i = 0; i < 4; i++)
        blind(&f, wt[i], &sa, 1, BAD_VTAG, "SHUTDOWN ACK");
    braid_assoc_status st;
    CHECK_EQ(braid_assoc_status_get(f.p.b, f.idb, &st), 0);
    CHECK_EQ(st.state, BRAID_STATE_SHUTDOWN_SENT);
    /* the real peer still completes the close: T2 resends SHUTDOWN */
    pump(&f.p, 30);
    CHECK_EQ(count_events(f.p.a, BRAID_EV_ASSOC_CHANGE, BRAID_SHUTDOWN_COMP), 1);
    CHECK_EQ(count_events(f.p.b, BRAID_EV_ASSOC_CHANGE, BRAID_SHUTDOWN_COMP), 1);
    fix_down(&f);

    /* control: the right tag ends it at once: SHUTDOWN COMPLETE, T clear */
    fix_up(&f, 104);
    CHECK_EQ(braid_assoc_shutdown(f.p.b, f.idb, f.p.now), 0);
    CHECK_EQ(pull(f.p.b, f.p.now).type, BRAID_CHUNK_SHUTDOWN);
    inject_a(&f.p, f.p.b, f.sb.local_vtag, &sa, 1);
    o = pull(f.p.b, f.p.now);
    CHECK_EQ(o.type, BRAID_CHUNK_SHUTDOWN_COMPLETE);
    CHECK_EQ(o.flags & BRAID_FLAG_T, 0);
    CHECK_EQ(o.h.vtag, f.sb.peer_vtag);
    CHECK_EQ(count_events(f.p.b, BRAID_EV_ASSOC_CHANGE, BRAID_SHUTDOWN_COMP), 1);
    CHECK_EQ(braid_assoc_status_get(f.p.b, f.idb, &st), BRAID_ERR_NOTFOUND);
    fix_down(&f);
}

static void blind_shutdown_completes(fix *f, const char *where)
{
    uint32_t wt[4];
    wrong_tags(f, wt);
    braid_chunk sc = chunk(BRAID_CHUNK_SHUTDOWN_COMPLETE, 0);
    for (int i = 0; i < 4; i++) {
        if (wt[i] == f->sb.peer_vtag)
            continue; /* with T=1 that one is right */
        sc.flags = 0;
        blind(f, wt[i], &sc, 1, BAD_VTAG, where);
        sc.flags = BRAID_FLAG_T;
        blind(f, wt[i], &sc, 1, BAD_VTAG, where);
    }
    sc.flags = 0; /* the peer's tag without the T bit */
    blind(f, f->sb.peer_vtag, &sc, 1, BAD_VTAG, where);
    sc.flags = BRAID_FLAG_T; /* our own tag with the T bit */
    blind(f, f->sb.local_vtag, &sc, 1, BAD_VTAG, where);
}

/* Puts B in SHUTDOWN-ACK-SENT with a right-tag SHUTDOWN, as if from A. */
static void to_shutdown_ack_sent(fix *f)
{
    braid_chunk sd = shutdown_chunk(f);
    inject_a(&f->p, f->p.b, f->sb.local_vtag, &sd, 1);
    CHECK_EQ(pull(f->p.b, f->p.now).type, BRAID_CHUNK_SHUTDOWN_ACK);
    braid_assoc_status st;
    CHECK_EQ(braid_assoc_status_get(f->p.b, f->idb, &st), 0);
    CHECK_EQ(st.state, BRAID_STATE_SHUTDOWN_ACK_SENT);
    drain_events(f->p.b);
}

static void test_blind_shutdown_complete(void)
{
    fix f;
    fix_up(&f, 105);
    blind_shutdown_completes(&f, "SHUTDOWN COMPLETE in ESTABLISHED");
    data_both_ways(&f, "blind SHUTDOWN COMPLETEs");
    /* where SHUTDOWN COMPLETE would act (§8.5.1 C): still refused */
    to_shutdown_ack_sent(&f);
    blind_shutdown_completes(&f, "SHUTDOWN COMPLETE in SHUTDOWN-ACK-SENT");
    /* control: the right tag, T clear, closes it */
    braid_chunk sc = chunk(BRAID_CHUNK_SHUTDOWN_COMPLETE, 0);
    inject_a(&f.p, f.p.b, f.sb.local_vtag, &sc, 1);
    braid_assoc_status st;
    CHECK_EQ(braid_assoc_status_get(f.p.b, f.idb, &st), BRAID_ERR_NOTFOUND);
    CHECK_EQ(count_events(f.p.b, BRAID_EV_ASSOC_CHANGE, BRAID_SHUTDOWN_COMP), 1);
    CHECK_EQ(pull(f.p.b, f.p.now).len, 0);
    fix_down(&f);

    /* §8.5.1 C: T bit and the peer's tag (reflected) is accepted too */
    fix_up(&f, 106);
    to_shutdown_ack_sent(&f);
    sc.flags = BRAID_FLAG_T;
    inject_a(&f.p, f.p.b, f.sb.peer_vtag, &sc, 1);
    CHECK_EQ(braid_assoc_status_get(f.p.b, f.idb, &st), BRAID_ERR_NOTFOUND);
    CHECK_EQ(count_events(f.p.b, BRAID_EV_ASSOC_CHANGE, BRAID_SHUTDOWN_COMP), 1);
    fix_down(&f);
}

static void test_blind_data(void)
{
    fix f;
    fix_up(&f, 107);
    uint32_t wt[4];
    wrong_tags(&f, wt);
    braid_assoc_status st;
    CHECK_EQ(braid_assoc_status_get(f.p.b, f.idb, &st), 0);
    /* the TSN A will use next: accepted, it would shadow A's real message */
    uint32_t tsn = st.cum_tsn + 1;
    /* stream 3 is unused so far: an accepted forgery would be delivered */
    braid_chunk d[2] = {data_chunk(tsn, 3, "EVIL one"), data_chunk(tsn + 1, 3, "EVIL two")};
    for (int i = 0; i < 4; i++) {
        blind(&f, wt[i], d, 1, BAD_VTAG, "DATA");
        blind(&f, wt[i], d, 2, BAD_VTAG, "two DATA");
    }
    data_both_ways(&f, "blind DATA"); /* no EVIL delivered, A's message intact */

    /* control: the right tag delivers it and is acknowledged */
    CHECK_EQ(braid_assoc_status_get(f.p.b, f.idb, &st), 0);
    braid_chunk ok = data_chunk(st.cum_tsn + 1, 3, "control message");
    inject_a(&f.p, f.p.b, f.sb.local_vtag, &ok, 1);
    CHECK_EQ(received(f.p.b, f.p.now, "control message", NULL), 1);
    out_pkt o;
    for (int k = 0; k < 4; k++) { /* the delayed SACK (§6.2); a HEARTBEAT may be due first */
        f.p.now = braid_endpoint_next_expiry(f.p.b);
        braid_endpoint_handle_expiry(f.p.b, f.p.now);
        o = pull(f.p.b, f.p.now);
        if (o.type == BRAID_CHUNK_SACK)
            break;
    }
    CHECK_EQ(o.type, BRAID_CHUNK_SACK);
    braid_chunk c;
    CHECK_EQ(first_chunk(&o, &c), 0);
    CHECK_EQ(c.u.sack.cum_tsn, st.cum_tsn + 1);
    fix_down(&f);
}

/* B sends a message whose packet is lost: one TSN outstanding. */
static void b_sends_lost(fix *f, const char *msg)
{
    braid_send_info si = {2, 9, 0, 0, 0};
    CHECK_EQ(braid_assoc_send(f->p.b, f->idb, &si, msg, strlen(msg), f->p.now), 0);
    out_pkt o = pull(f->p.b, f->p.now);
    CHECK_EQ(o.type, BRAID_CHUNK_DATA);
    braid_assoc_status st;
    CHECK_EQ(braid_assoc_status_get(f->p.b, f->idb, &st), 0);
    CHECK_EQ(st.unacked, 1);
}

static void test_blind_sack(void)
{
    fix f;
    fix_up(&f, 108);
    uint32_t wt[4];
    wrong_tags(&f, wt);
    b_sends_lost(&f, "lost then retransmitted");
    braid_assoc_status st;
    CHECK_EQ(braid_assoc_status_get(f.p.b, f.idb, &st), 0);
    /* acknowledge everything with a huge window; far beyond; close the window */
    braid_chunk s_all = sack_chunk(st.next_tsn - 1, 0xffffffffu);
    braid_chunk s_far = sack_chunk(st.next_tsn + 100000, 0xffffffffu);
    braid_chunk s_zero = sack_chunk(st.next_tsn - 2, 0);
    for (int i = 0; i < 4; i++) {
        blind(&f, wt[i], &s_all, 1, BAD_VTAG, "SACK acking everything");
        blind(&f, wt[i], &s_far, 1, BAD_VTAG, "SACK beyond what was sent");
        blind(&f, wt[i], &s_zero, 1, BAD_VTAG, "SACK with zero window");
    }
    /* the lost message is still retransmitted (T3) and arrives */
    data_both_ways(&f, "blind SACKs");
    CHECK_EQ(received(f.p.a, f.p.now, "lost then retransmitted", NULL), 0); /* read above */

    /* control: the right tag does acknowledge the outstanding TSN */
    b_sends_lost(&f, "acked by the control SACK");
    CHECK_EQ(braid_assoc_status_get(f.p.b, f.idb, &st), 0);
    braid_chunk s = sack_chunk(st.next_tsn - 1, 1234567);
    inject_a(&f.p, f.p.b, f.sb.local_vtag, &s, 1);
    braid_assoc_status st2;
    CHECK_EQ(braid_assoc_status_get(f.p.b, f.idb, &st2), 0);
    CHECK_EQ(st2.unacked, 0);
    CHECK_EQ(st2.peer_rwnd, 1234567);
    fix_down(&f);
}

static void test_blind_heartbeat(void)
{
    fix f;
    fix_up(&f, 109);
    uint32_t wt[4];
    wrong_tags(&f, wt);
    braid_chunk hb = hb_chunk(BRAID_CHUNK_HEARTBEAT, hb_info, sizeof hb_info);
    for (int i = 0; i < 4; i++)
        blind(&f, wt[i], &hb, 1, BAD_VTAG, "HEARTBEAT");
    data_both_ways(&f, "blind HEARTBEATs");
    /* control: the right tag is answered, info echoed (§8.3) */
    inject_a(&f.p, f.p.b, f.sb.local_vtag, &hb, 1);
    out_pkt o = pull(f.p.b, f.p.now);
    CHECK_EQ(o.type, BRAID_CHUNK_HEARTBEAT_ACK);
    CHECK_EQ(o.h.vtag, f.sb.peer_vtag);
    braid_chunk c;
    CHECK_EQ(first_chunk(&o, &c), 0);
    CHECK_EQ(c.u.hb.info_len, sizeof hb_info);
    CHECK_MEM(c.u.hb.info, hb_info, sizeof hb_info);
    fix_down(&f);
}

static void test_blind_heartbeat_ack(void)
{
    fix f;
    fix_up(&f, 110);
    uint32_t wt[4];
    wrong_tags(&f, wt);
    /* run B's timers alone until it sends a HEARTBEAT; keep its info */
    uint8_t info[64];
    size_t info_len = 0;
    for (int i = 0; i < 10 && !info_len; i++) {
        uint64_t t = braid_endpoint_next_expiry(f.p.b);
        if (t == BRAID_TIME_NEVER)
            break;
        if (t > f.p.now)
            f.p.now = t;
        braid_endpoint_handle_expiry(f.p.b, f.p.now);
        for (out_pkt o = pull(f.p.b, f.p.now); o.len > 0; o = pull(f.p.b, f.p.now)) {
            braid_chunk c;
            if (o.type == BRAID_CHUNK_HEARTBEAT && first_chunk(&o, &c) == 0 &&
                c.u.hb.info_len <= sizeof info) {
                memcpy(info, c.u.hb.info, c.u.hb.info_len);
                info_len = c.u.hb.info_len;
            }
        }
    }
    CHECK(info_len > 0);
    drain_events(f.p.b);
    f.p.now += 3000000000ull; /* an answer now gives a 3 s RTT sample */
    braid_chunk ack = hb_chunk(BRAID_CHUNK_HEARTBEAT_ACK, info, info_len);
    for (int i = 0; i < 4; i++)
        blind(&f, wt[i], &ack, 1, BAD_VTAG, "HEARTBEAT ACK, genuine info");
    /* forged contents, even with the right tag: the nonce does not match */
    uint8_t forged[64];
    memcpy(forged, info, info_len);
    forged[6] ^= 0x40;
    braid_chunk fa = hb_chunk(BRAID_CHUNK_HEARTBEAT_ACK, forged, info_len);
    blind(&f, wt[0], &fa, 1, BAD_VTAG, "HEARTBEAT ACK, forged info");
    blind(&f, f.sb.local_vtag, &fa, 1, offsetof(braid_counters, drop_bad_hb_ack),
          "HEARTBEAT ACK, right tag, forged info");
    /* control: the genuine answer with the right tag is taken (RTT sample) */
    braid_assoc_status s0, s1;
    CHECK_EQ(braid_assoc_status_get(f.p.b, f.idb, &s0), 0);
    inject_a(&f.p, f.p.b, f.sb.local_vtag, &ack, 1);
    CHECK_EQ(braid_assoc_status_get(f.p.b, f.idb, &s1), 0);
    CHECK(s1.paths[0].srtt_ns != s0.paths[0].srtt_ns);
    data_both_ways(&f, "blind HEARTBEAT ACKs");
    fix_down(&f);
}

/* §8.5.1 A: an INIT's packet has tag 0 and the INIT alone (§6.10). */
static void test_init_tag_rules(void)
{
    fix f;
    fix_up(&f, 111);
    braid_chunk in = init_chunk(0x5eed);
    blind(&f, f.sb.local_vtag, &in, 1, BAD_VTAG, "INIT with B's tag");
    blind(&f, 0x12345678, &in, 1, BAD_VTAG, "INIT with a random tag");
    braid_chunk hb = hb_chunk(BRAID_CHUNK_HEARTBEAT, hb_info, sizeof hb_info);
    braid_chunk init_hb[2] = {in, hb}, hb_init[2] = {hb, in};
    blind(&f, 0, init_hb, 2, BAD_VTAG, "INIT bundled with HEARTBEAT");
    blind(&f, 0, hb_init, 2, BAD_VTAG, "HEARTBEAT bundled with INIT");
    data_both_ways(&f, "INITs with bad tags");
    /* control: INIT alone with tag 0 is answered (§5.2.2), association kept */
    braid_assoc_status s0, s1;
    CHECK_EQ(braid_assoc_status_get(f.p.b, f.idb, &s0), 0);
    inject_a(&f.p, f.p.b, 0, &in, 1);
    out_pkt o = pull(f.p.b, f.p.now);
    CHECK_EQ(o.type, BRAID_CHUNK_INIT_ACK);
    CHECK_EQ(o.h.vtag, 0x5eed);
    CHECK_EQ(braid_assoc_status_get(f.p.b, f.idb, &s1), 0);
    CHECK(same_status(&s0, &s1));
    fix_down(&f);

    /* and without an association */
    pair p;
    CHECK_EQ(pair_init(&p, 112, 1), 0);
    braid_counters c0, c1;
    braid_endpoint_counters(p.b, &c0);
    inject_a(&p, p.b, 0x77, &in, 1);
    inject_a(&p, p.b, 0, init_hb, 2);
    inject_a(&p, p.b, 0, hb_init, 2);
    CHECK_EQ(pull(p.b, p.now).len, 0);
    CHECK_EQ(braid_next_assoc(p.b, 0), 0);
    braid_endpoint_counters(p.b, &c1);
    /* a tag on an INIT; tag 0 on anything but a lone INIT (§8.5.1 A, §6.10) */
    CHECK_EQ(c1.drop_bad_vtag - c0.drop_bad_vtag, 3);
    CHECK_EQ(c1.drop_ootb, c0.drop_ootb);
    CHECK_EQ(c1.ootb_aborts_sent, c0.ootb_aborts_sent);
    inject_a(&p, p.b, 0, &in, 1); /* control */
    CHECK_EQ(pull(p.b, p.now).type, BRAID_CHUNK_INIT_ACK);
    braid_endpoint_free(p.a);
    braid_endpoint_free(p.b);
}

/* §8.5, §8.5.1 B: a packet is accepted or discarded whole: a chunk with a
 * bad tag later in the packet discards what came before it too. */
static void test_whole_packet_discarded(void)
{
    fix f;
    fix_up(&f, 113);
    braid_assoc_status st;
    CHECK_EQ(braid_assoc_status_get(f.p.b, f.idb, &st), 0);
    braid_chunk hb = hb_chunk(BRAID_CHUNK_HEARTBEAT, hb_info, sizeof hb_info);
    braid_chunk ab = chunk(BRAID_CHUNK_ABORT, BRAID_FLAG_T);
    braid_chunk hb_ab[2] = {hb, ab};
    braid_chunk d_ab[2] = {data_chunk(st.cum_tsn + 1, 3, "EVIL sneaks in"), ab};
    /* B's own tag with an ABORT whose T bit says "the peer's tag" */
    blind(&f, f.sb.local_vtag, hb_ab, 2, BAD_VTAG, "HEARTBEAT then ABORT T=1");
    blind(&f, f.sb.local_vtag, d_ab, 2, BAD_VTAG, "DATA then ABORT T=1");
    /* the peer's tag: fine for the ABORT, not for what precedes it */
    ab.flags = BRAID_FLAG_T;
    blind(&f, f.sb.peer_vtag, hb_ab, 2, BAD_VTAG, "HEARTBEAT then reflected ABORT");
    data_both_ways(&f, "mixed-tag packets");
    fix_down(&f);
}

/* RFC 6951 §5.4: a blind packet from the peer's IP but another UDP port
 * must not move the association's encapsulation port (it would redirect
 * all of B's traffic); a packet with the right tag does. */
static void test_blind_udp_port_redirect(void)
{
    fix f;
    fix_up(&f, 114);
    braid_addr evil = f.p.addr_a;
    evil.udp_port = 666;
    uint32_t wt[4];
    wrong_tags(&f, wt);
    braid_chunk hb = hb_chunk(BRAID_CHUNK_HEARTBEAT, hb_info, sizeof hb_info);
    braid_chunk ab = chunk(BRAID_CHUNK_ABORT, BRAID_FLAG_T);
    braid_chunk hb_ab[2] = {hb, ab};
    for (int i = 0; i < 4; i++)
        inject_from(&f.p, f.p.b, &evil, wt[i], &hb, 1);
    inject_from(&f.p, f.p.b, &evil, f.sb.local_vtag, hb_ab, 2); /* fails on its 2nd chunk */
    CHECK_EQ(pull(f.p.b, f.p.now).len, 0);
    braid_assoc_status st;
    CHECK_EQ(braid_assoc_status_get(f.p.b, f.idb, &st), 0);
    CHECK_EQ(st.paths[0].addr.udp_port, f.p.addr_a.udp_port);
    braid_send_info si = {2, 9, 0, 0, 0};
    CHECK_EQ(braid_assoc_send(f.p.b, f.idb, &si, "where to?", 9, f.p.now), 0);
    out_pkt o = pull(f.p.b, f.p.now);
    CHECK_EQ(o.type, BRAID_CHUNK_DATA);
    CHECK_EQ(o.path.remote.udp_port, f.p.addr_a.udp_port);
    braid_path in = {o.path.remote, o.path.local};
    braid_endpoint_read_pkt(f.p.a, &in, o.raw, (size_t)o.len, f.p.now);
    settle(&f.p);
    CHECK_EQ(received(f.p.a, f.p.now, "where to?", NULL), 1);
    data_both_ways(&f, "blind packets from another UDP port");
    /* control: with the right tag the new port is learned (a NAT rebind) */
    inject_from(&f.p, f.p.b, &evil, f.sb.local_vtag, &hb, 1);
    o = pull(f.p.b, f.p.now);
    CHECK_EQ(o.type, BRAID_CHUNK_HEARTBEAT_ACK);
    CHECK_EQ(o.path.remote.udp_port, 666);
    CHECK_EQ(braid_assoc_status_get(f.p.b, f.idb, &st), 0);
    CHECK_EQ(st.paths[0].addr.udp_port, 666);
    fix_down(&f);
}

/* ---- 2. out-of-the-blue packets (§8.4) ---- */

typedef struct ootb_case {
    const char *name;
    uint32_t vtag;
    braid_chunk cs[4];
    int n;
    uint8_t reply;       /* chunk type expected, 0: none */
    uint8_t reply_flags; /* T bit expected */
    uint32_t reply_vtag;
    size_t counter; /* the discard counter that moves */
} ootb_case;

/* Feeds one OOTB packet to a fresh endpoint with no association and checks
 * the exact reply: one chunk, ports swapped, to the sender, tag, T bit, and
 * never bigger than the packet that caused it. */
static void ootb_check(pair *p, const ootb_case *k)
{
    int before = check_failed_;
    braid_counters c0, c1;
    braid_endpoint_counters(p->b, &c0);
    size_t in_len = inject_a(p, p->b, k->vtag, k->cs, k->n);
    braid_endpoint_counters(p->b, &c1);
    out_pkt o = pull(p->b, p->now);
    if (!k->reply) {
        CHECK_EQ(o.len, 0);
        CHECK_EQ(c1.ootb_aborts_sent, c0.ootb_aborts_sent);
    } else {
        CHECK(o.len > 0);
        CHECK_EQ(o.n_chunks, 1);
        CHECK_EQ(o.type, k->reply);
        CHECK_EQ(o.flags & BRAID_FLAG_T, k->reply_flags);
        CHECK_EQ(o.h.vtag, k->reply_vtag);
        CHECK_EQ(o.h.src_port, PB);
        CHECK_EQ(o.h.dst_port, PA);
        CHECK(braid_addr_equal_ip(&o.path.remote, &p->addr_a));
        CHECK(braid_addr_equal_ip(&o.path.local, &p->addr_b));
        CHECK(braid_pkt_checksum_ok(o.raw, (size_t)o.len));
        if (k->reply == BRAID_CHUNK_INIT_ACK)
            CHECK(o.len <= BRAID_RESP_MAX_LEN); /* bounded; see test_no_amplification */
        else
            CHECK((size_t)o.len <= in_len); /* no amplification */
        CHECK_EQ(c1.ootb_aborts_sent - c0.ootb_aborts_sent, k->reply == BRAID_CHUNK_ABORT);
    }
    CHECK_EQ(pull(p->b, p->now).len, 0);    /* one reply at most */
    CHECK_EQ(braid_next_assoc(p->b, 0), 0); /* and no state */
    if (k->counter != NO_COUNTER) {
        uint64_t a = *(const uint64_t *)(const void *)((const uint8_t *)&c0 + k->counter);
        uint64_t b = *(const uint64_t *)(const void *)((const uint8_t *)&c1 + k->counter);
        CHECK_EQ(b - a, 1);
    }
    if (check_failed_ != before)
        fprintf(stderr, "  (OOTB case: %s)\n", k->name);
}

#define OOTB offsetof(braid_counters, drop_ootb)

static void test_ootb_rules(void)
{
    pair p;
    CHECK_EQ(pair_init(&p, 120, 1), 0);
    uint8_t junk[80];
    memset(junk, 0x5a, sizeof junk);
    braid_chunk ce = chunk(BRAID_CHUNK_COOKIE_ECHO, 0);
    ce.u.cookie.cookie = junk;
    ce.u.cookie.cookie_len = sizeof junk;
    braid_chunk d = data_chunk(1, 0, "hello?");
    braid_chunk hb = hb_chunk(BRAID_CHUNK_HEARTBEAT, hb_info, sizeof hb_info);
    braid_chunk hba = hb_chunk(BRAID_CHUNK_HEARTBEAT_ACK, hb_info, sizeof hb_info);
    braid_chunk ab = chunk(BRAID_CHUNK_ABORT, 0), abt = chunk(BRAID_CHUNK_ABORT, BRAID_FLAG_T);
    braid_chunk sa = chunk(BRAID_CHUNK_SHUTDOWN_ACK, 0);
    braid_chunk sc = chunk(BRAID_CHUNK_SHUTDOWN_COMPLETE, 0);
    braid_chunk sct = chunk(BRAID_CHUNK_SHUTDOWN_COMPLETE, BRAID_FLAG_T);
    braid_chunk stale = tlv_chunk(BRAID_CHUNK_ERROR, 0, stale_cause, 8);
    braid_chunk stale2 = tlv_chunk(BRAID_CHUNK_ERROR, 0, two_causes, 16);
    braid_chunk err = tlv_chunk(BRAID_CHUNK_ERROR, 0, two_causes, 8);
    braid_chunk cack = chunk(BRAID_CHUNK_COOKIE_ACK, 0);
    braid_chunk sd = chunk(BRAID_CHUNK_SHUTDOWN, 0);
    braid_chunk sk = sack_chunk(5, 1000);
    braid_chunk in = init_chunk(0xc0ffee);
    braid_chunk ia = init_chunk(0xbeef);
    ia.type = BRAID_CHUNK_INIT_ACK;
    const ootb_case cases[] = {
        /* item 1: non-unicast source/destination: N/A, UDP encapsulation
         * only ever sees unicast peers */
        /* item 2: anything with an ABORT anywhere: silence */
        {"2: ABORT", 0x21, {ab}, 1, 0, 0, 0, OOTB},
        {"2: ABORT T=1", 0x22, {abt}, 1, 0, 0, 0, OOTB},
        {"2: DATA, ABORT", 0x23, {d, ab}, 2, 0, 0, 0, OOTB},
        {"2: SHUTDOWN ACK, ABORT", 0x24, {sa, ab}, 2, 0, 0, 0, OOTB},
        {"2: COOKIE ECHO, ABORT", 0x25, {ce, ab}, 2, 0, 0, 0, OOTB},
        {"2: ERROR, HEARTBEAT, ABORT", 0x26, {err, hb, abt}, 3, 0, 0, 0, OOTB},
        /* item 3: INIT with tag 0: INIT ACK to the Initiate Tag, stateless */
        {"3: INIT", 0, {in}, 1, BRAID_CHUNK_INIT_ACK, 0, 0xc0ffee, NO_COUNTER},
        /* item 4: COOKIE ECHO first: §5.1; a bad cookie gets nothing */
        {"4: bad COOKIE ECHO", 0x41, {ce}, 1, 0, 0, 0, offsetof(braid_counters, drop_bad_cookie)},
        {"4: bad COOKIE ECHO, DATA",
         0x42,
         {ce, d},
         2,
         0,
         0,
         0,
         offsetof(braid_counters, drop_bad_cookie)},
        /* item 5: SHUTDOWN ACK: SHUTDOWN COMPLETE, T bit, the packet's tag */
        {"5: SHUTDOWN ACK", 0x51, {sa}, 1, BRAID_CHUNK_SHUTDOWN_COMPLETE, BRAID_FLAG_T, 0x51, OOTB},
        {"5: DATA, SHUTDOWN ACK",
         0x52,
         {d, sa},
         2,
         BRAID_CHUNK_SHUTDOWN_COMPLETE,
         BRAID_FLAG_T,
         0x52,
         OOTB},
        /* item 6: SHUTDOWN COMPLETE: silence */
        {"6: SHUTDOWN COMPLETE", 0x61, {sc}, 1, 0, 0, 0, OOTB},
        {"6: SHUTDOWN COMPLETE T=1", 0x62, {sct}, 1, 0, 0, 0, OOTB},
        {"6: HEARTBEAT, SHUTDOWN COMPLETE", 0x63, {hb, sc}, 2, 0, 0, 0, OOTB},
        /* item 7: Stale Cookie ERROR, COOKIE ACK: silence */
        {"7: ERROR Stale Cookie", 0x71, {stale}, 1, 0, 0, 0, OOTB},
        {"7: ERROR with Stale Cookie second", 0x72, {stale2}, 1, 0, 0, 0, OOTB},
        {"7: COOKIE ACK", 0x73, {cack}, 1, 0, 0, 0, OOTB},
        {"7: COOKIE ACK, DATA", 0x74, {cack, d}, 2, 0, 0, 0, OOTB},
        /* item 8: anything else: ABORT, T bit, the packet's tag */
        {"8: DATA", 0x81, {d}, 1, BRAID_CHUNK_ABORT, BRAID_FLAG_T, 0x81, OOTB},
        {"8: SACK", 0x82, {sk}, 1, BRAID_CHUNK_ABORT, BRAID_FLAG_T, 0x82, OOTB},
        {"8: HEARTBEAT", 0x83, {hb}, 1, BRAID_CHUNK_ABORT, BRAID_FLAG_T, 0x83, OOTB},
        {"8: HEARTBEAT ACK", 0x84, {hba}, 1, BRAID_CHUNK_ABORT, BRAID_FLAG_T, 0x84, OOTB},
        {"8: SHUTDOWN", 0x85, {sd}, 1, BRAID_CHUNK_ABORT, BRAID_FLAG_T, 0x85, OOTB},
        {"8: ERROR (other cause)", 0x86, {err}, 1, BRAID_CHUNK_ABORT, BRAID_FLAG_T, 0x86, OOTB},
        {"8: INIT ACK", 0x87, {ia}, 1, BRAID_CHUNK_ABORT, BRAID_FLAG_T, 0x87, OOTB},
        {"8: DATA, COOKIE ECHO", 0x88, {d, ce}, 2, BRAID_CHUNK_ABORT, BRAID_FLAG_T, 0x88, OOTB},
        /* §8.5.1 A: tag 0 is for a lone INIT only: discarded, not answered */
        {"8.5.1 A: DATA with tag 0", 0, {d}, 1, 0, 0, 0, BAD_VTAG},
        {"8.5.1 A: SHUTDOWN ACK with tag 0", 0, {sa}, 1, 0, 0, 0, BAD_VTAG},
        {"8.5.1 A: INIT with a tag", 0x99, {in}, 1, 0, 0, 0, BAD_VTAG},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        ootb_check(&p, &cases[i]);
    braid_endpoint_free(p.a);
    braid_endpoint_free(p.b);
    CHECK_EQ(p.eb.live, 0);
}

/* §8.4 item 3: a closed endpoint (not accepting) answers INIT with ABORT,
 * the Initiate Tag and the T bit clear. */
static void test_ootb_init_not_listening(void)
{
    pair p;
    CHECK_EQ(pair_init(&p, 121, 1), 0);
    braid_endpoint_set_accept(p.b, 0);
    ootb_case k = {
        "3: INIT, not listening", 0, {init_chunk(0xfeed)}, 1, BRAID_CHUNK_ABORT, 0, 0xfeed, OOTB};
    int before = check_failed_;
    braid_counters c0, c1;
    braid_endpoint_counters(p.b, &c0);
    size_t in_len = inject_a(&p, p.b, k.vtag, k.cs, 1);
    braid_endpoint_counters(p.b, &c1);
    out_pkt o = pull(p.b, p.now);
    CHECK_EQ(o.type, BRAID_CHUNK_ABORT);
    CHECK_EQ(o.flags & BRAID_FLAG_T, 0);
    CHECK_EQ(o.h.vtag, 0xfeed);
    CHECK((size_t)o.len <= in_len);
    CHECK_EQ(c1.drop_ootb - c0.drop_ootb, 1);
    CHECK_EQ(pull(p.b, p.now).len, 0);
    if (check_failed_ != before)
        fprintf(stderr, "  (%s)\n", k.name);
    braid_endpoint_free(p.a);
    braid_endpoint_free(p.b);
}

/* ---- 3. no amplification, no loops, bounded replies ---- */

static void test_no_amplification(void)
{
    pair p;
    CHECK_EQ(pair_init(&p, 130, 1), 0);
    /* every chunk type, alone, smallest form: the reply (if any) is one
     * chunk and no bigger than the packet */
    for (unsigned t = 0; t < 256; t++) {
        if (t == BRAID_CHUNK_INIT)
            continue;
        uint8_t pkt[64];
        braid_pkt_builder b;
        braid_pkt_begin(&b, pkt, sizeof pkt, sizeof pkt, PA, PB, 0xa5a5a5a5u);
        pkt[12] = (uint8_t)t, pkt[13] = 0, pkt[14] = 0, pkt[15] = 4; /* header-only chunk */
        b.w.off = 16;
        size_t len = braid_pkt_finish(&b);
        braid_path path = {p.addr_b, p.addr_a};
        braid_endpoint_read_pkt(p.b, &path, pkt, len, p.now);
        out_pkt o = pull(p.b, p.now);
        CHECK((size_t)(o.len > 0 ? o.len : 0) <= len);
        CHECK(o.n_chunks <= 1);
        if (o.len > 0)
            CHECK(o.type == BRAID_CHUNK_ABORT || o.type == BRAID_CHUNK_SHUTDOWN_COMPLETE);
        if (t == BRAID_CHUNK_ABORT || t == BRAID_CHUNK_SHUTDOWN_COMPLETE)
            CHECK_EQ(o.len, 0);
        CHECK_EQ(pull(p.b, p.now).len, 0);
        if ((o.len > 0 && (size_t)o.len > len) || o.n_chunks > 1)
            fprintf(stderr, "  (chunk type %u)\n", t);
    }
    /* INIT -> INIT ACK is the one reply bigger than its cause (it carries
     * the cookie); the worst INIT (8 addresses, reportable unknown
     * parameters filling the report buffer) still gets at most
     * BRAID_RESP_MAX_LEN */
    size_t small_in, small_out, big_in, big_out;
    {
        braid_chunk in = init_chunk(0x1111);
        uint8_t pkt[64];
        small_in = build(pkt, sizeof pkt, PA, PB, 0, &in, 1);
        braid_path path = {p.addr_b, p.addr_a};
        braid_endpoint_read_pkt(p.b, &path, pkt, small_in, p.now);
        out_pkt o = pull(p.b, p.now);
        CHECK_EQ(o.type, BRAID_CHUNK_INIT_ACK);
        small_out = (size_t)o.len;
    }
    {
        uint8_t params[8 * 8 + 4 * 36], *w = params;
        for (int i = 0; i < 8; i++, w += 8) {
            w[0] = 0, w[1] = BRAID_PARAM_IPV4, w[2] = 0, w[3] = 8;
            w[4] = 10, w[5] = 0, w[6] = 0, w[7] = (uint8_t)(i + 1);
        }
        for (int i = 0; i < 4; i++, w += 36) { /* 0xbf..: skip and report */
            memset(w, 0x33, 36);
            w[0] = 0xbf, w[1] = (uint8_t)(0x10 + i), w[2] = 0, w[3] = 36;
        }
        braid_chunk in = init_chunk(0x2222);
        in.u.init.params = params;
        in.u.init.params_len = sizeof params;
        uint8_t pkt[512];
        big_in = build(pkt, sizeof pkt, PA, PB, 0, &in, 1);
        braid_path path = {p.addr_b, p.addr_a};
        braid_endpoint_read_pkt(p.b, &path, pkt, big_in, p.now);
        out_pkt o = pull(p.b, p.now);
        CHECK_EQ(o.type, BRAID_CHUNK_INIT_ACK);
        big_out = (size_t)o.len;
    }
    CHECK(small_out <= BRAID_RESP_MAX_LEN);
    CHECK(big_out <= BRAID_RESP_MAX_LEN);
    printf("  INIT %zu -> INIT ACK %zu bytes; worst INIT %zu -> %zu (bound %d)\n", small_in,
           small_out, big_in, big_out, BRAID_RESP_MAX_LEN);
    CHECK_EQ(braid_next_assoc(p.b, 0), 0);
    braid_endpoint_free(p.a);
    braid_endpoint_free(p.b);
}

/* Relays packets between two endpoints that have no association with each
 * other, starting with `first` fed to A as if from B; returns how many
 * packets they exchanged before falling silent (or 100: a loop). */
static int relay(pair *p, const braid_chunk *first, int n, uint32_t vtag)
{
    uint8_t buf[2048];
    size_t len = build(buf, sizeof buf, PB, PA, vtag, first, n);
    braid_path path = {p->addr_a, p->addr_b};
    braid_endpoint_read_pkt(p->a, &path, buf, len, p->now);
    int exchanged = 0;
    for (int r = 0; r < 100; r++) {
        int moved = 0, k;
        braid_path out;
        while ((k = braid_endpoint_write_pkt(p->a, &out, buf, sizeof buf, p->now)) > 0) {
            braid_path in = {out.remote, out.local};
            braid_endpoint_read_pkt(p->b, &in, buf, (size_t)k, p->now);
            moved++;
        }
        while ((k = braid_endpoint_write_pkt(p->b, &out, buf, sizeof buf, p->now)) > 0) {
            braid_path in = {out.remote, out.local};
            braid_endpoint_read_pkt(p->a, &in, buf, (size_t)k, p->now);
            moved++;
        }
        if (!moved)
            return exchanged;
        exchanged += moved;
    }
    return 100;
}

static void test_no_loops(void)
{
    pair p;
    CHECK_EQ(pair_init(&p, 131, 1), 0);
    braid_counters a0, b0, a1, b1;
    braid_endpoint_counters(p.a, &a0);
    braid_endpoint_counters(p.b, &b0);
    /* A answers DATA with an ABORT; B, with no association, stays silent */
    braid_chunk d = data_chunk(1, 0, "ping");
    CHECK_EQ(relay(&p, &d, 1, 0x1234), 1);
    braid_endpoint_counters(p.a, &a1);
    braid_endpoint_counters(p.b, &b1);
    CHECK_EQ(a1.ootb_aborts_sent - a0.ootb_aborts_sent, 1);
    CHECK_EQ(b1.ootb_aborts_sent, b0.ootb_aborts_sent);
    CHECK_EQ(b1.drop_ootb - b0.drop_ootb, 1);
    /* SHUTDOWN ACK -> SHUTDOWN COMPLETE -> silence */
    braid_chunk sa = chunk(BRAID_CHUNK_SHUTDOWN_ACK, 0);
    CHECK_EQ(relay(&p, &sa, 1, 0x2345), 1);
    /* INIT -> INIT ACK -> (no association at B) ABORT -> silence */
    braid_chunk in = init_chunk(0x3456);
    CHECK_EQ(relay(&p, &in, 1, 0), 2);
    /* a stray INIT ACK, HEARTBEAT, unknown chunk: one ABORT, then silence */
    braid_chunk ia = init_chunk(0x4567);
    ia.type = BRAID_CHUNK_INIT_ACK;
    CHECK_EQ(relay(&p, &ia, 1, 0x4567), 1);
    braid_chunk hb = hb_chunk(BRAID_CHUNK_HEARTBEAT, hb_info, sizeof hb_info);
    CHECK_EQ(relay(&p, &hb, 1, 0x5678), 1);
    CHECK_EQ(braid_next_assoc(p.a, 0), 0);
    CHECK_EQ(braid_next_assoc(p.b, 0), 0);
    braid_endpoint_free(p.a);
    braid_endpoint_free(p.b);
    CHECK_EQ(p.ea.live, 0);
    CHECK_EQ(p.eb.live, 0);
}

static void test_reply_ring_bound(void)
{
    pair p;
    CHECK_EQ(pair_init(&p, 132, 1), 0);
    braid_counters c0, c1;
    braid_endpoint_counters(p.b, &c0);
    long live = p.eb.live;
    const int burst = 3 * BRAID_RESP_QUEUE + 7;
    braid_chunk d = data_chunk(1, 0, "flood");
    for (int i = 0; i < burst; i++) {
        uint8_t buf[128];
        size_t len = build(buf, sizeof buf, (uint16_t)(1000 + i), PB, 0x1000u + (uint32_t)i, &d, 1);
        braid_path path = {p.addr_b, p.addr_a};
        path.remote.udp_port = (uint16_t)(20000 + i);
        braid_endpoint_read_pkt(p.b, &path, buf, len, p.now);
    }
    braid_endpoint_counters(p.b, &c1);
    CHECK_EQ(p.eb.live, live); /* no memory taken */
    CHECK_EQ(c1.drop_ootb - c0.drop_ootb, burst);
    CHECK_EQ(c1.ootb_aborts_sent - c0.ootb_aborts_sent, BRAID_RESP_QUEUE);
    CHECK_EQ(c1.drop_resp_full - c0.drop_resp_full, burst - BRAID_RESP_QUEUE);
    int replies = 0;
    uint32_t expect = 0x1000u;
    for (out_pkt o = pull(p.b, p.now); o.len > 0; o = pull(p.b, p.now)) {
        CHECK_EQ(o.type, BRAID_CHUNK_ABORT);
        CHECK_EQ(o.h.vtag, expect); /* the first ones, in order */
        CHECK_EQ(o.path.remote.udp_port, 20000 + (expect - 0x1000u));
        expect++;
        replies++;
    }
    CHECK_EQ(replies, BRAID_RESP_QUEUE);
    /* drained: the next one is answered again */
    inject_a(&p, p.b, 0x4242, &d, 1);
    out_pkt o = pull(p.b, p.now);
    CHECK_EQ(o.type, BRAID_CHUNK_ABORT);
    CHECK_EQ(o.h.vtag, 0x4242);
    braid_endpoint_free(p.a);
    braid_endpoint_free(p.b);
}

/* ---- 4. SHUTDOWN ACK while the association is being set up (§8.5.1 E) ---- */

/* Feeds A a packet as if from B (B's address and port, to A's port). */
static size_t inject_to_a(pair *p, uint32_t vtag, const braid_chunk *cs, int n)
{
    uint8_t buf[2048];
    size_t len = build(buf, sizeof buf, PB, PA, vtag, cs, n);
    CHECK(len > 0);
    braid_path path = {p->addr_a, p->addr_b};
    braid_endpoint_read_pkt(p->a, &path, buf, len, p->now);
    return len;
}

/* Hands a packet one endpoint emitted to the other. */
static void deliver(braid_endpoint *to, const out_pkt *o, uint64_t now)
{
    braid_path in = {o->path.remote, o->path.local};
    braid_endpoint_read_pkt(to, &in, o->raw, (size_t)o->len, now);
}

/* A (connecting, in `state`) gets a SHUTDOWN ACK from B's address with tag
 * vtag: §8.5.1 E makes it an OOTB packet, so §8.4 item 5 applies: exactly
 * one SHUTDOWN COMPLETE, T bit set, the received packet's tag, ports
 * swapped, to the sender; counted drop_ootb; the attempt is untouched. */
static void sa_in_cookie_state(pair *p, braid_assoc_id id, braid_state state, uint32_t vtag,
                               const char *what)
{
    int before = check_failed_;
    braid_assoc_status s0, s1;
    CHECK_EQ(braid_assoc_status_get(p->a, id, &s0), 0);
    CHECK_EQ(s0.state, state);
    braid_counters c0, c1;
    braid_endpoint_counters(p->a, &c0);
    braid_chunk sa = chunk(BRAID_CHUNK_SHUTDOWN_ACK, 0);
    size_t in_len = inject_to_a(p, vtag, &sa, 1);
    braid_endpoint_counters(p->a, &c1);
    CHECK_EQ(c1.drop_ootb - c0.drop_ootb, 1);
    CHECK_EQ(c1.drop_no_state, c0.drop_no_state);
    CHECK_EQ(c1.drop_bad_vtag, c0.drop_bad_vtag);
    out_pkt o = pull(p->a, p->now);
    CHECK(o.len > 0);
    CHECK_EQ(o.n_chunks, 1);
    CHECK_EQ(o.type, BRAID_CHUNK_SHUTDOWN_COMPLETE);
    CHECK_EQ(o.flags, BRAID_FLAG_T);
    CHECK_EQ(o.h.vtag, vtag);
    CHECK_EQ(o.h.src_port, PA);
    CHECK_EQ(o.h.dst_port, PB);
    CHECK(braid_addr_equal_ip(&o.path.remote, &p->addr_b));
    CHECK_EQ(o.path.remote.udp_port, p->addr_b.udp_port);
    CHECK(braid_addr_equal_ip(&o.path.local, &p->addr_a));
    CHECK(braid_pkt_checksum_ok(o.raw, (size_t)o.len));
    CHECK((size_t)o.len <= in_len);      /* no amplification */
    CHECK_EQ(pull(p->a, p->now).len, 0); /* that reply only */
    CHECK_EQ(braid_assoc_status_get(p->a, id, &s1), 0);
    CHECK_EQ(s1.state, state); /* the attempt goes on */
    CHECK_EQ(s1.local_vtag, s0.local_vtag);
    CHECK_EQ(s1.peer_vtag, s0.peer_vtag);
    CHECK_EQ(drain_events(p->a), 0);
    if (check_failed_ != before)
        fprintf(stderr, "  (SHUTDOWN ACK in %s)\n", what);
}

/* A replaces its endpoint as after a restart: same address and port, no
 * association. */
static void restart_a(pair *p)
{
    braid_endpoint_free(p->a);
    CHECK_EQ(p->ea.live, 0);
    braid_hooks h = {t_alloc, t_free, t_random, t_mac, NULL, &p->ea, NULL, NULL, NULL, 0};
    braid_settings s;
    braid_settings_default(&s);
    s.local_port = PA;
    s.local_addrs[0] = p->addr_a;
    s.n_local_addrs = 1;
    s.nodelay = 1;
    CHECK_EQ(braid_endpoint_new(&p->a, &s, &h), 0);
}

/* RFC 9260 §8.5.1 E, §8.4 item 5: a SHUTDOWN ACK arriving in COOKIE-WAIT or
 * COOKIE-ECHOED is answered as out of the blue, whatever its tag, and the
 * handshake still completes. Then the case the rule exists for: the peer
 * is stuck in SHUTDOWN-ACK-SENT of an association we lost in a restart and
 * answers our new INIT with its SHUTDOWN ACK (§9.2); our SHUTDOWN COMPLETE
 * lets it close, and the new association comes up. */
static void test_shutdown_ack_in_cookie_states(void)
{
    pair p;
    CHECK_EQ(pair_init(&p, 140, 1), 0);
    braid_connect_opts co = {PB, 4, 4};
    braid_assoc_id ida;
    CHECK_EQ(braid_assoc_connect(p.a, &p.addr_b, 1, &co, p.now, &ida), 0);
    out_pkt init = pull(p.a, p.now);
    CHECK_EQ(init.type, BRAID_CHUNK_INIT);
    braid_assoc_status st;
    CHECK_EQ(braid_assoc_status_get(p.a, ida, &st), 0);
    /* COOKIE-WAIT: a stale tag (an earlier association's), and A's own */
    sa_in_cookie_state(&p, ida, BRAID_STATE_COOKIE_WAIT, 0x01d5a0d0u, "COOKIE-WAIT, other tag");
    sa_in_cookie_state(&p, ida, BRAID_STATE_COOKIE_WAIT, st.local_vtag, "COOKIE-WAIT, own tag");
    /* the handshake goes on: INIT -> INIT ACK -> COOKIE-ECHOED */
    deliver(p.b, &init, p.now);
    out_pkt ia = pull(p.b, p.now);
    CHECK_EQ(ia.type, BRAID_CHUNK_INIT_ACK);
    deliver(p.a, &ia, p.now);
    out_pkt ce = pull(p.a, p.now);
    CHECK_EQ(ce.type, BRAID_CHUNK_COOKIE_ECHO);
    CHECK_EQ(braid_assoc_status_get(p.a, ida, &st), 0);
    /* COOKIE-ECHOED: a stale tag, A's own, B's (now known) */
    sa_in_cookie_state(&p, ida, BRAID_STATE_COOKIE_ECHOED, 0x01d5a0d0u, "COOKIE-ECHOED, other tag");
    sa_in_cookie_state(&p, ida, BRAID_STATE_COOKIE_ECHOED, st.local_vtag, "COOKIE-ECHOED, own tag");
    sa_in_cookie_state(&p, ida, BRAID_STATE_COOKIE_ECHOED, st.peer_vtag, "COOKIE-ECHOED, peer tag");
    /* ... and completes: COOKIE ECHO -> COOKIE ACK, both ESTABLISHED */
    deliver(p.b, &ce, p.now);
    out_pkt ca = pull(p.b, p.now);
    CHECK_EQ(ca.type, BRAID_CHUNK_COOKIE_ACK);
    deliver(p.a, &ca, p.now);
    CHECK_EQ(braid_assoc_status_get(p.a, ida, &st), 0);
    CHECK_EQ(st.state, BRAID_STATE_ESTABLISHED);
    CHECK_EQ(count_events(p.a, BRAID_EV_ASSOC_CHANGE, BRAID_COMM_UP), 1);
    braid_assoc_id idb = braid_next_assoc(p.b, 0);
    braid_assoc_status sb;
    CHECK_EQ(braid_assoc_status_get(p.b, idb, &sb), 0);
    CHECK_EQ(sb.state, BRAID_STATE_ESTABLISHED);
    CHECK_EQ(sb.peer_vtag, st.local_vtag);
    CHECK_EQ(count_events(p.b, BRAID_EV_ASSOC_CHANGE, BRAID_COMM_UP), 1);
    /* once ESTABLISHED a SHUTDOWN ACK is no longer OOTB: right tag, no
     * SHUTDOWN sent: ignored (drop_no_state), nothing sent */
    braid_counters c0, c1;
    braid_endpoint_counters(p.a, &c0);
    braid_chunk sa = chunk(BRAID_CHUNK_SHUTDOWN_ACK, 0);
    inject_to_a(&p, st.local_vtag, &sa, 1);
    braid_endpoint_counters(p.a, &c1);
    CHECK_EQ(c1.drop_no_state - c0.drop_no_state, 1);
    CHECK_EQ(c1.drop_ootb, c0.drop_ootb);
    CHECK_EQ(pull(p.a, p.now).len, 0);

    /* the restart case: A closes, B's SHUTDOWN ACK is lost, A restarts */
    CHECK_EQ(braid_assoc_shutdown(p.a, ida, p.now), 0);
    out_pkt sd = pull(p.a, p.now);
    CHECK_EQ(sd.type, BRAID_CHUNK_SHUTDOWN);
    deliver(p.b, &sd, p.now);
    CHECK_EQ(pull(p.b, p.now).type, BRAID_CHUNK_SHUTDOWN_ACK); /* lost */
    CHECK_EQ(braid_assoc_status_get(p.b, idb, &sb), 0);
    CHECK_EQ(sb.state, BRAID_STATE_SHUTDOWN_ACK_SENT);
    uint32_t old_a_tag = st.local_vtag;
    restart_a(&p);
    drain_events(p.b);
    CHECK_EQ(braid_assoc_connect(p.a, &p.addr_b, 1, &co, p.now, &ida), 0);
    init = pull(p.a, p.now);
    CHECK_EQ(init.type, BRAID_CHUNK_INIT);
    deliver(p.b, &init, p.now);
    /* §9.2: B, in SHUTDOWN-ACK-SENT, answers the INIT with SHUTDOWN ACK
     * under A's old tag */
    out_pkt sack = pull(p.b, p.now);
    CHECK_EQ(sack.type, BRAID_CHUNK_SHUTDOWN_ACK);
    CHECK_EQ(sack.h.vtag, old_a_tag);
    braid_endpoint_counters(p.a, &c0);
    deliver(p.a, &sack, p.now);
    braid_endpoint_counters(p.a, &c1);
    CHECK_EQ(c1.drop_ootb - c0.drop_ootb, 1);
    out_pkt scomp = pull(p.a, p.now);
    CHECK_EQ(scomp.type, BRAID_CHUNK_SHUTDOWN_COMPLETE);
    CHECK_EQ(scomp.flags, BRAID_FLAG_T);
    CHECK_EQ(scomp.h.vtag, old_a_tag);
    /* §8.5.1 C: T bit and B's peer tag: B accepts it and closes */
    deliver(p.b, &scomp, p.now);
    CHECK_EQ(count_events(p.b, BRAID_EV_ASSOC_CHANGE, BRAID_SHUTDOWN_COMP), 1);
    CHECK_EQ(braid_assoc_status_get(p.b, idb, &sb), BRAID_ERR_NOTFOUND);
    /* A's T1-init resends the INIT (§5.1 A); this time it is accepted */
    uint64_t t0 = p.now;
    for (int r = 0; r < 30; r++) {
        pump(&p, 1);
        if (braid_assoc_status_get(p.a, ida, &st) == 0 && st.state == BRAID_STATE_ESTABLISHED)
            break;
    }
    CHECK(p.now - t0 <= 1500000000ull); /* after one T1 expiry (RTO.Initial 1 s) */
    CHECK_EQ(braid_assoc_status_get(p.a, ida, &st), 0);
    CHECK_EQ(st.state, BRAID_STATE_ESTABLISHED);
    CHECK_EQ(count_events(p.a, BRAID_EV_ASSOC_CHANGE, BRAID_COMM_UP), 1);
    idb = braid_next_assoc(p.b, 0);
    CHECK_EQ(braid_assoc_status_get(p.b, idb, &sb), 0);
    CHECK_EQ(sb.state, BRAID_STATE_ESTABLISHED);
    CHECK_EQ(sb.peer_vtag, st.local_vtag);
    CHECK_EQ(count_events(p.b, BRAID_EV_ASSOC_CHANGE, BRAID_COMM_UP), 1);
    /* and carries data */
    braid_send_info si = {1, 9, 0, 0, 0};
    CHECK_EQ(braid_assoc_send(p.a, ida, &si, "after restart", 13, p.now), 0);
    pump(&p, 10);
    CHECK_EQ(received(p.b, p.now, "after restart", NULL), 1);
    braid_endpoint_free(p.a);
    braid_endpoint_free(p.b);
    CHECK_EQ(p.ea.live, 0);
    CHECK_EQ(p.eb.live, 0);
}

int main(void)
{
    RUN(test_blind_abort);
    RUN(test_reflected_abort_accepted);
    RUN(test_blind_shutdown);
    RUN(test_blind_shutdown_ack);
    RUN(test_blind_shutdown_complete);
    RUN(test_blind_data);
    RUN(test_blind_sack);
    RUN(test_blind_heartbeat);
    RUN(test_blind_heartbeat_ack);
    RUN(test_init_tag_rules);
    RUN(test_whole_packet_discarded);
    RUN(test_blind_udp_port_redirect);
    RUN(test_ootb_rules);
    RUN(test_ootb_init_not_listening);
    RUN(test_no_amplification);
    RUN(test_no_loops);
    RUN(test_reply_ring_bound);
    RUN(test_shutdown_ack_in_cookie_states);
    return CHECK_REPORT();
}
