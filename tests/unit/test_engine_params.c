/*
 * Unrecognized parameters in INIT and INIT ACK (RFC 9260 §3.2.1, §3.2.2):
 * the upper two bits of the type say stop (00, 01) or skip (10, 11), and
 * report (01, 11) or not; in all four cases the INIT is answered with an
 * INIT ACK and the INIT ACK with a COOKIE ECHO. A report goes into the
 * INIT ACK as an Unrecognized Parameter (type 8, §3.3.3.1.2), or into an
 * ERROR chunk with an Unrecognized Parameters cause (§3.3.10.8) bundled
 * after the COOKIE ECHO.
 *
 * The Adaptation Layer Indication (RFC 5061 §4.2.6) is the known parameter
 * around the unknown one: whether it was processed shows in the
 * BRAID_EV_ADAPTATION event once the association is up.
 */
#include "check.h"
#include "core/wire/chunk.h"
#include "core/wire/pkt.h"
#include "core/wire/tlv.h"
#include "engine_pair.h"
#include "pkt_probe.h"

#define PA 5000
#define PB 6000

/* One unknown parameter of each kind; 0x4ABC has an odd length (6) so its
 * report must keep the original length and leave the padding out. */
static const uint8_t P00[] = {0x0a, 0xbc, 0, 8, 1, 2, 3, 4};
static const uint8_t P01[] = {0x4a, 0xbc, 0, 6, 0xaa, 0xbb, 0, 0};
static const uint8_t P10[] = {0x8a, 0xbc, 0, 8, 5, 6, 7, 8};
static const uint8_t P11[] = {0xca, 0xbc, 0, 8, 9, 10, 11, 12};
/* Adaptation Layer Indication 0x11223344 */
static const uint8_t ADAPT[] = {0xc0, 0x06, 0, 8, 0x11, 0x22, 0x33, 0x44};

typedef struct plist {
    uint8_t b[1600];
    size_t len;
} plist;

static void padd(plist *l, const uint8_t *p, size_t n)
{
    memcpy(l->b + l->len, p, n);
    l->len += n;
}

static braid_chunk chunk(uint8_t type, uint8_t flags)
{
    braid_chunk c;
    memset(&c, 0, sizeof c);
    c.type = type;
    c.flags = flags;
    return c;
}

static braid_chunk init_chunk(uint8_t type, uint32_t tag, const plist *l)
{
    braid_chunk c = chunk(type, 0);
    c.u.init.init_tag = tag;
    c.u.init.a_rwnd = 65536;
    c.u.init.os = 5;
    c.u.init.mis = 5;
    c.u.init.initial_tsn = 1;
    c.u.init.params = l->b;
    c.u.init.params_len = l->len;
    return c;
}

/* The first chunk of o parsed (INIT ACK, COOKIE ECHO, ...). */
static int first_chunk(const out_pkt *o, braid_chunk *c)
{
    braid_chunk_iter it;
    braid_chunk_view v;
    braid_chunk_iter_init(&it, o->raw, (size_t)o->len);
    if (braid_chunk_iter_next(&it, &v) <= 0)
        return -1;
    return braid_chunk_parse(&v, c);
}

/* What an INIT ACK carries that the tests look at. */
typedef struct ack_info {
    uint32_t init_tag;
    uint8_t cookie[512];
    size_t cookie_len;
    unsigned n_unrec;    /* Unrecognized Parameter parameters */
    uint8_t unrec[4][64]; /* their values (the reported TLVs) */
    size_t unrec_len[4];
} ack_info;

static int read_init_ack(const out_pkt *o, ack_info *ai)
{
    memset(ai, 0, sizeof *ai);
    braid_chunk c;
    if (o->len <= 0 || o->type != BRAID_CHUNK_INIT_ACK || first_chunk(o, &c) < 0)
        return -1;
    ai->init_tag = c.u.init.init_tag;
    braid_tlv_iter ti;
    braid_tlv t;
    braid_tlv_iter_init(&ti, c.u.init.params, c.u.init.params_len);
    while (braid_tlv_iter_next(&ti, &t) > 0) {
        if (t.type == BRAID_PARAM_STATE_COOKIE && t.value_len <= sizeof ai->cookie) {
            memcpy(ai->cookie, t.value, t.value_len);
            ai->cookie_len = t.value_len;
        }
        if (t.type == BRAID_PARAM_UNRECOGNIZED && ai->n_unrec < 4 && t.value_len <= 64) {
            memcpy(ai->unrec[ai->n_unrec], t.value, t.value_len);
            ai->unrec_len[ai->n_unrec++] = t.value_len;
        }
    }
    return 0;
}

/* Counts COMM_UP and ADAPTATION events (draining the queue). */
static void up_events(braid_endpoint *ep, int *up, int *adapt)
{
    braid_event ev;
    *up = *adapt = 0;
    while (braid_poll_event(ep, &ev)) {
        if (ev.type == BRAID_EV_ASSOC_CHANGE && ev.u.assoc_change.state == BRAID_COMM_UP)
            ++*up;
        if (ev.type == BRAID_EV_ADAPTATION && ev.u.adaptation_ind == 0x11223344)
            ++*adapt;
        braid_event_release(ep, &ev);
    }
}

/* B gets an INIT with these parameters from A's address; returns 0 and
 * what its INIT ACK says (-1: no INIT ACK), then echoes the cookie: *adapt
 * is the number of Adaptation Layer Indication events once up (-1: the
 * association did not come up). */
static int init_to_b(const plist *l, ack_info *ai, int *adapt)
{
    pair p;
    CHECK_EQ(pair_init(&p, 60, 1), 0);
    braid_chunk in = init_chunk(BRAID_CHUNK_INIT, 0x5151, l);
    inject(p.b, &p.addr_a, &p.addr_b, PA, PB, 0, &in, 1, p.now);
    out_pkt o = pull(p.b, p.now);
    int rc = read_init_ack(&o, ai);
    *adapt = -1;
    if (rc == 0) {
        CHECK_EQ(o.h.vtag, 0x5151);
        CHECK(ai->cookie_len > 0);
        braid_chunk ce = chunk(BRAID_CHUNK_COOKIE_ECHO, 0);
        ce.u.cookie.cookie = ai->cookie;
        ce.u.cookie.cookie_len = ai->cookie_len;
        inject(p.b, &p.addr_a, &p.addr_b, PA, PB, ai->init_tag, &ce, 1, p.now);
        o = pull(p.b, p.now);
        CHECK_EQ(o.type, BRAID_CHUNK_COOKIE_ACK);
        int up;
        up_events(p.b, &up, adapt);
        if (up != 1)
            *adapt = -1;
    }
    braid_endpoint_free(p.a);
    braid_endpoint_free(p.b);
    CHECK_EQ(p.eb.live, 0);
    return rc;
}

/* ---- INIT (§3.2.1, §3.2.2: reports in the INIT ACK) ---- */

static void test_init_stop_00(void)
{
    ack_info ai;
    int up;
    /* before the known parameter: INIT ACK, no report, the Adaptation
     * Layer Indication after it is not processed */
    plist l = {{0}, 0};
    padd(&l, P00, sizeof P00);
    padd(&l, ADAPT, sizeof ADAPT);
    CHECK_EQ(init_to_b(&l, &ai, &up), 0);
    CHECK_EQ(ai.n_unrec, 0);
    CHECK_EQ(up, 0);
    /* after it: the indication was processed before the stop */
    l.len = 0;
    padd(&l, ADAPT, sizeof ADAPT);
    padd(&l, P00, sizeof P00);
    CHECK_EQ(init_to_b(&l, &ai, &up), 0);
    CHECK_EQ(ai.n_unrec, 0);
    CHECK_EQ(up, 1);
}

static void test_init_stop_report_01(void)
{
    ack_info ai;
    int up;
    /* before: INIT ACK with the parameter in an Unrecognized Parameter,
     * complete with type and length (6, the padding left out) */
    plist l = {{0}, 0};
    padd(&l, P01, sizeof P01);
    padd(&l, ADAPT, sizeof ADAPT);
    CHECK_EQ(init_to_b(&l, &ai, &up), 0);
    CHECK_EQ(ai.n_unrec, 1);
    CHECK_EQ(ai.unrec_len[0], 6);
    CHECK_MEM(ai.unrec[0], P01, 6);
    CHECK_EQ(up, 0);
    /* after */
    l.len = 0;
    padd(&l, ADAPT, sizeof ADAPT);
    padd(&l, P01, 6); /* last parameter, unpadded */
    CHECK_EQ(init_to_b(&l, &ai, &up), 0);
    CHECK_EQ(ai.n_unrec, 1);
    CHECK_EQ(ai.unrec_len[0], 6);
    CHECK_MEM(ai.unrec[0], P01, 6);
    CHECK_EQ(up, 1);
    /* nothing after the stop is processed, not even a parameter that asks
     * to be reported */
    l.len = 0;
    padd(&l, P01, sizeof P01);
    padd(&l, P11, sizeof P11);
    CHECK_EQ(init_to_b(&l, &ai, &up), 0);
    CHECK_EQ(ai.n_unrec, 1);
    CHECK_MEM(ai.unrec[0], P01, 6);
}

static void test_init_skip_10_11(void)
{
    ack_info ai;
    int up;
    /* 10: skipped, nothing reported, the rest processed */
    plist l = {{0}, 0};
    padd(&l, P10, sizeof P10);
    padd(&l, ADAPT, sizeof ADAPT);
    CHECK_EQ(init_to_b(&l, &ai, &up), 0);
    CHECK_EQ(ai.n_unrec, 0);
    CHECK_EQ(up, 1);
    /* 11: skipped and reported; two of them, both reported in order, and a
     * 01 after them reported too (then the stop) */
    l.len = 0;
    padd(&l, P11, sizeof P11);
    padd(&l, ADAPT, sizeof ADAPT);
    padd(&l, P11, sizeof P11);
    padd(&l, P01, sizeof P01);
    padd(&l, P11, sizeof P11);
    CHECK_EQ(init_to_b(&l, &ai, &up), 0);
    CHECK_EQ(ai.n_unrec, 3);
    CHECK_EQ(ai.unrec_len[0], 8);
    CHECK_MEM(ai.unrec[0], P11, 8);
    CHECK_MEM(ai.unrec[1], P11, 8);
    CHECK_EQ(ai.unrec_len[2], 6);
    CHECK_MEM(ai.unrec[2], P01, 6);
    CHECK_EQ(up, 1);
}

/* More to report than the INIT ACK can hold (eight IPv6 addresses of
 * ours take room too): the INIT ACK still goes, with what fits (§6.10: an
 * implementation may leave Unrecognized Parameters out). */
static void test_init_report_overflow(void)
{
    pair p;
    CHECK_EQ(pair_init(&p, 63, 1), 0);
    braid_endpoint_free(p.b);
    braid_settings s;
    braid_settings_default(&s);
    s.local_port = PB;
    s.n_local_addrs = BRAID_MAX_ADDRS;
    for (unsigned i = 0; i < BRAID_MAX_ADDRS; i++) {
        memset(&s.local_addrs[i], 0, sizeof s.local_addrs[i]);
        s.local_addrs[i].family = 6;
        s.local_addrs[i].ip[0] = 0x20;
        s.local_addrs[i].ip[1] = 0x01;
        s.local_addrs[i].ip[15] = (uint8_t)(i + 1);
    }
    braid_hooks h = {t_alloc, t_free, t_random, t_mac, NULL, &p.eb, NULL, NULL, NULL, 0};
    CHECK_EQ(braid_endpoint_new(&p.b, &s, &h), 0);
    plist l = {{0}, 0};
    uint8_t big[64];
    memset(big, 0x77, sizeof big);
    big[0] = 0xca;
    big[1] = 0xbd;
    big[2] = 0;
    big[3] = sizeof big;
    for (int i = 0; i < 7; i++)
        padd(&l, big, sizeof big);
    braid_chunk in = init_chunk(BRAID_CHUNK_INIT, 0x5151, &l);
    inject(p.b, &p.addr_a, &p.addr_b, PA, PB, 0, &in, 1, p.now);
    out_pkt o = pull(p.b, p.now);
    ack_info ai;
    CHECK_EQ(read_init_ack(&o, &ai), 0);
    CHECK(ai.cookie_len > 0);
    CHECK(ai.n_unrec >= 1);
    CHECK(ai.n_unrec < 7);
    CHECK(o.len <= 512);
    braid_endpoint_free(p.a);
    braid_endpoint_free(p.b);
    CHECK_EQ(p.eb.live, 0);
}

/* ---- INIT ACK (§3.2.2: reports in an ERROR after the COOKIE ECHO) ---- */

typedef struct echo_info {
    int ok;              /* a COOKIE ECHO came */
    unsigned n_chunks;   /* in its packet */
    int has_error;       /* an ERROR chunk bundled after it */
    uint16_t cause;      /* its first cause */
    uint8_t causes[128]; /* the ERROR's causes */
    size_t causes_len;
    int adaptation; /* ADAPTATION events once up (-1: not up) */
} echo_info;

static const uint8_t COOKIE_P[] = {0, 7, 0, 12, 1, 2, 3, 4, 5, 6, 7, 8};

/* A connects to B; a hand-made INIT ACK with these parameters comes back;
 * what A answers, and (after a COOKIE ACK) whether the indication was taken. */
static echo_info init_ack_to_a(const plist *l)
{
    echo_info e;
    memset(&e, 0, sizeof e);
    e.adaptation = -1;
    pair p;
    CHECK_EQ(pair_init(&p, 62, 1), 0);
    braid_connect_opts co = {PB, 4, 4};
    braid_assoc_id id = 0;
    CHECK_EQ(braid_assoc_connect(p.a, &p.addr_b, 1, &co, p.now, &id), 0);
    out_pkt o = pull(p.a, p.now);
    CHECK_EQ(o.type, BRAID_CHUNK_INIT);
    braid_chunk init;
    CHECK_EQ(first_chunk(&o, &init), 0);
    uint32_t tag_a = init.u.init.init_tag;
    braid_chunk ia = init_chunk(BRAID_CHUNK_INIT_ACK, 0x7788, l);
    inject(p.a, &p.addr_b, &p.addr_a, PB, PA, tag_a, &ia, 1, p.now);
    o = pull(p.a, p.now);
    if (o.type == BRAID_CHUNK_COOKIE_ECHO) {
        e.ok = 1;
        CHECK_EQ(o.h.vtag, 0x7788);
        e.n_chunks = o.n_chunks;
        int ei = find_chunk(&o, BRAID_CHUNK_ERROR);
        if (ei > 0) {
            e.has_error = 1;
            e.cause = o.cause[ei];
            braid_chunk_iter it;
            braid_chunk_view v;
            braid_chunk_iter_init(&it, o.raw, (size_t)o.len);
            while (braid_chunk_iter_next(&it, &v) > 0)
                if (v.type == BRAID_CHUNK_ERROR && v.value_len <= sizeof e.causes) {
                    memcpy(e.causes, v.value, v.value_len);
                    e.causes_len = v.value_len;
                }
        }
        /* a retransmitted COOKIE ECHO does not repeat the report */
        p.now = braid_endpoint_next_expiry(p.a);
        braid_endpoint_handle_expiry(p.a, p.now);
        out_pkt r = pull(p.a, p.now);
        CHECK_EQ(r.type, BRAID_CHUNK_COOKIE_ECHO);
        CHECK_EQ(find_chunk(&r, BRAID_CHUNK_ERROR), -1);
        braid_chunk ca = chunk(BRAID_CHUNK_COOKIE_ACK, 0);
        inject(p.a, &p.addr_b, &p.addr_a, PB, PA, tag_a, &ca, 1, p.now);
        braid_assoc_status st;
        CHECK_EQ(braid_assoc_status_get(p.a, id, &st), 0);
        CHECK_EQ(st.state, BRAID_STATE_ESTABLISHED);
        e.adaptation = count_events(p.a, BRAID_EV_ADAPTATION, -1);
    }
    braid_endpoint_free(p.a);
    braid_endpoint_free(p.b);
    CHECK_EQ(p.ea.live, 0);
    return e;
}

static void test_init_ack_stop_00(void)
{
    /* before the known parameter (and before the State Cookie, which is
     * mandatory and still taken): COOKIE ECHO alone, indication ignored */
    plist l = {{0}, 0};
    padd(&l, P00, sizeof P00);
    padd(&l, COOKIE_P, sizeof COOKIE_P);
    padd(&l, ADAPT, sizeof ADAPT);
    echo_info e = init_ack_to_a(&l);
    CHECK_EQ(e.ok, 1);
    CHECK_EQ(e.has_error, 0);
    CHECK_EQ(e.n_chunks, 1);
    CHECK_EQ(e.adaptation, 0);
    /* after it */
    l.len = 0;
    padd(&l, COOKIE_P, sizeof COOKIE_P);
    padd(&l, ADAPT, sizeof ADAPT);
    padd(&l, P00, sizeof P00);
    e = init_ack_to_a(&l);
    CHECK_EQ(e.ok, 1);
    CHECK_EQ(e.has_error, 0);
    CHECK_EQ(e.adaptation, 1);
}

static void test_init_ack_stop_report_01(void)
{
    /* before: COOKIE ECHO first, then an ERROR with an Unrecognized
     * Parameters cause holding the TLV as received */
    plist l = {{0}, 0};
    padd(&l, COOKIE_P, sizeof COOKIE_P);
    padd(&l, P01, sizeof P01);
    padd(&l, ADAPT, sizeof ADAPT);
    echo_info e = init_ack_to_a(&l);
    CHECK_EQ(e.ok, 1);
    CHECK_EQ(e.has_error, 1);
    CHECK_EQ(e.cause, BRAID_CAUSE_UNRECOGNIZED_PARAMS);
    CHECK_EQ(e.causes_len, 4 + 6);
    CHECK_EQ(braid_load16(e.causes + 2), 4 + 6);
    CHECK_MEM(e.causes + 4, P01, 6);
    CHECK_EQ(e.adaptation, 0);
    /* after; and the State Cookie after the stop is still taken */
    l.len = 0;
    padd(&l, ADAPT, sizeof ADAPT);
    padd(&l, P01, sizeof P01);
    padd(&l, P11, sizeof P11); /* not processed: not reported */
    padd(&l, COOKIE_P, sizeof COOKIE_P);
    e = init_ack_to_a(&l);
    CHECK_EQ(e.ok, 1);
    CHECK_EQ(e.has_error, 1);
    CHECK_EQ(e.causes_len, 4 + 6);
    CHECK_MEM(e.causes + 4, P01, 6);
    CHECK_EQ(e.adaptation, 1);
}

static void test_init_ack_skip_10_11(void)
{
    plist l = {{0}, 0};
    padd(&l, P10, sizeof P10);
    padd(&l, COOKIE_P, sizeof COOKIE_P);
    padd(&l, ADAPT, sizeof ADAPT);
    echo_info e = init_ack_to_a(&l);
    CHECK_EQ(e.ok, 1);
    CHECK_EQ(e.has_error, 0);
    CHECK_EQ(e.adaptation, 1);
    /* 11 twice and a 01: one cause with the three TLVs, each padded but the
     * last (§3.3.10.8) */
    l.len = 0;
    padd(&l, P11, sizeof P11);
    padd(&l, COOKIE_P, sizeof COOKIE_P);
    padd(&l, P11, sizeof P11);
    padd(&l, ADAPT, sizeof ADAPT);
    padd(&l, P01, sizeof P01);
    e = init_ack_to_a(&l);
    CHECK_EQ(e.ok, 1);
    CHECK_EQ(e.has_error, 1);
    CHECK_EQ(e.cause, BRAID_CAUSE_UNRECOGNIZED_PARAMS);
    CHECK_EQ(braid_load16(e.causes + 2), 4 + 8 + 8 + 6);
    CHECK_MEM(e.causes + 4, P11, 8);
    CHECK_MEM(e.causes + 12, P11, 8);
    CHECK_MEM(e.causes + 20, P01, 6);
    CHECK_EQ(e.adaptation, 1);
}

/* A State Cookie so large that the ERROR does not fit after the COOKIE
 * ECHO: it goes on its own, once the COOKIE ACK has come (§3.2.2). */
static void test_init_ack_report_deferred(void)
{
    pair p;
    CHECK_EQ(pair_init(&p, 64, 1), 0);
    braid_connect_opts co = {PB, 4, 4};
    braid_assoc_id id = 0;
    CHECK_EQ(braid_assoc_connect(p.a, &p.addr_b, 1, &co, p.now, &id), 0);
    out_pkt o = pull(p.a, p.now);
    braid_chunk init;
    CHECK_EQ(first_chunk(&o, &init), 0);
    uint32_t tag_a = init.u.init.init_tag;
    static plist l;
    l.len = 0;
    size_t clen = 1452 - 12 - 4 - 8; /* the COOKIE ECHO leaves 8 bytes */
    uint8_t ck[4];
    braid_store16(ck, BRAID_PARAM_STATE_COOKIE);
    braid_store16(ck + 2, (uint16_t)(4 + clen));
    padd(&l, ck, 4);
    memset(l.b + l.len, 0x3c, clen);
    l.len += clen;
    padd(&l, P11, sizeof P11);
    CHECK(l.len <= sizeof l.b);
    braid_chunk ia = init_chunk(BRAID_CHUNK_INIT_ACK, 0x7788, &l);
    inject(p.a, &p.addr_b, &p.addr_a, PB, PA, tag_a, &ia, 1, p.now);
    o = pull(p.a, p.now);
    CHECK_EQ(o.type, BRAID_CHUNK_COOKIE_ECHO);
    CHECK_EQ(o.n_chunks, 1);
    CHECK_EQ(pull(p.a, p.now).len, 0); /* nothing before the COOKIE ACK */
    braid_chunk ca = chunk(BRAID_CHUNK_COOKIE_ACK, 0);
    inject(p.a, &p.addr_b, &p.addr_a, PB, PA, tag_a, &ca, 1, p.now);
    o = pull(p.a, p.now);
    CHECK_EQ(o.type, BRAID_CHUNK_ERROR);
    CHECK_EQ(o.h.vtag, 0x7788);
    CHECK_EQ(o.first_cause, BRAID_CAUSE_UNRECOGNIZED_PARAMS);
    CHECK_EQ(pull(p.a, p.now).len, 0); /* once */
    braid_endpoint_free(p.a);
    braid_endpoint_free(p.b);
    CHECK_EQ(p.ea.live, 0);
}

int main(void)
{
    RUN(test_init_stop_00);
    RUN(test_init_stop_report_01);
    RUN(test_init_skip_10_11);
    RUN(test_init_report_overflow);
    RUN(test_init_ack_stop_00);
    RUN(test_init_ack_stop_report_01);
    RUN(test_init_ack_skip_10_11);
    RUN(test_init_ack_report_deferred);
    return CHECK_REPORT();
}
