/*
 * Handshake attacks (RFC 9260 §5.1.3, §5.1.5, §5.2.4):
 * - an INIT flood from 1,000,000 random addresses and ports gets INIT ACKs
 *   and leaves no association state: the endpoint's memory stays flat;
 * - a forged cookie (bad MAC), an expired one (Stale Cookie error), one
 *   replayed after the association is up (no second association), and one
 *   made by another endpoint's secret are all refused.
 */
#include "check.h"
#include "core/wire/chunk.h"
#include "core/wire/pkt.h"
#include "core/wire/tlv.h"
#include "engine_pair.h"

static braid_chunk init_chunk(uint32_t tag)
{
    braid_chunk c;
    memset(&c, 0, sizeof c);
    c.type = BRAID_CHUNK_INIT;
    c.u.init.init_tag = tag;
    c.u.init.a_rwnd = 65536;
    c.u.init.os = 10;
    c.u.init.mis = 10;
    c.u.init.initial_tsn = tag;
    return c;
}

static size_t build(uint8_t *buf, size_t cap, uint16_t sport, uint16_t dport, uint32_t vtag,
                    const braid_chunk *c)
{
    braid_pkt_builder b;
    braid_pkt_begin(&b, buf, cap, cap, sport, dport, vtag);
    braid_pkt_add(&b, c);
    return braid_pkt_finish(&b);
}

static int n_assocs(braid_endpoint *ep)
{
    int n = 0;
    for (braid_assoc_id id = braid_next_assoc(ep, 0); id; id = braid_next_assoc(ep, id))
        n++;
    return n;
}

static void test_init_flood(void)
{
    pair p;
    CHECK_EQ(pair_init(&p, 70, 1), 0);
    uint8_t pkt[256], out[2048];
    uint64_t rng = 0x1234567;
    long live_before = p.eb.live;
    long live_max = live_before;
    long answered = 0;
    for (long i = 0; i < 1000000; i++) {
        rng = rng * 6364136223846793005ull + 1442695040888963407ull;
        braid_addr from;
        memset(&from, 0, sizeof from);
        from.family = 4;
        braid_store32(from.ip, (uint32_t)(rng >> 32));
        from.udp_port = (uint16_t)(rng >> 16);
        braid_chunk c = init_chunk((uint32_t)rng | 1);
        size_t len = build(pkt, sizeof pkt, (uint16_t)(1 + (rng >> 8) % 65000), 6000, 0, &c);
        braid_path path = {p.addr_b, from};
        braid_endpoint_read_pkt(p.b, &path, pkt, len, p.now);
        braid_path op;
        int n = braid_endpoint_write_pkt(p.b, &op, out, sizeof out, p.now);
        if (n > 0 && out[12] == BRAID_CHUNK_INIT_ACK)
            answered++;
        if (p.eb.live > live_max)
            live_max = p.eb.live;
    }
    CHECK_EQ(answered, 1000000);   /* each INIT answered (stateless) */
    CHECK_EQ(n_assocs(p.b), 0);     /* and no association exists */
    CHECK_EQ(live_max, live_before); /* not one allocation stayed, or even happened */
    printf("  1000000 INITs: %ld INIT ACKs, 0 associations, memory flat (%ld allocations)\n",
           answered, live_max);
    braid_endpoint_free(p.a);
    braid_endpoint_free(p.b);
    CHECK_EQ(p.eb.live, 0);
}

/* Runs INIT -> INIT ACK by hand from a fake client on A's address and
 * returns the cookie the server issued. */
static size_t get_cookie(pair *p, uint32_t tag, uint8_t *cookie, size_t cap)
{
    uint8_t pkt[256], out[2048];
    braid_chunk c = init_chunk(tag);
    size_t len = build(pkt, sizeof pkt, 5000, 6000, 0, &c);
    braid_path path = {p->addr_b, p->addr_a};
    braid_endpoint_read_pkt(p->b, &path, pkt, len, p->now);
    braid_path op;
    int n = braid_endpoint_write_pkt(p->b, &op, out, sizeof out, p->now);
    if (n <= 0)
        return 0;
    braid_chunk_iter it;
    braid_chunk_view v;
    braid_chunk_iter_init(&it, out, (size_t)n);
    if (braid_chunk_iter_next(&it, &v) <= 0 || v.type != BRAID_CHUNK_INIT_ACK)
        return 0;
    braid_chunk ack;
    if (braid_chunk_parse(&v, &ack) < 0)
        return 0;
    braid_tlv_iter ti;
    braid_tlv t;
    braid_tlv_iter_init(&ti, ack.u.init.params, ack.u.init.params_len);
    while (braid_tlv_iter_next(&ti, &t) > 0)
        if (t.type == BRAID_PARAM_STATE_COOKIE && t.value_len <= cap) {
            memcpy(cookie, t.value, t.value_len);
            return t.value_len;
        }
    return 0;
}

/* Sends a COOKIE ECHO; returns the first chunk type of B's answer (0: none). */
static int echo_cookie(pair *p, uint32_t vtag, const uint8_t *cookie, size_t len)
{
    uint8_t pkt[512], out[2048];
    braid_chunk c;
    memset(&c, 0, sizeof c);
    c.type = BRAID_CHUNK_COOKIE_ECHO;
    c.u.cookie.cookie = cookie;
    c.u.cookie.cookie_len = len;
    size_t n = build(pkt, sizeof pkt, 5000, 6000, vtag, &c);
    braid_path path = {p->addr_b, p->addr_a};
    braid_endpoint_read_pkt(p->b, &path, pkt, n, p->now);
    braid_path op;
    int r = braid_endpoint_write_pkt(p->b, &op, out, sizeof out, p->now);
    return r > 12 ? out[12] : 0;
}

static void test_cookie_attacks(void)
{
    pair p;
    CHECK_EQ(pair_init(&p, 71, 1), 0);
    uint8_t ck[256];
    size_t len = get_cookie(&p, 0xabcdef, ck, sizeof ck);
    CHECK(len > 32);
    uint32_t tag = braid_load32(ck + 20); /* the cookie's local tag (B's) */
    braid_counters c0, c1;
    braid_endpoint_counters(p.b, &c0);

    /* forged: one bit of the MAC flipped */
    uint8_t bad[256];
    memcpy(bad, ck, len);
    bad[len - 1] ^= 1;
    CHECK_EQ(echo_cookie(&p, tag, bad, len), 0);
    /* forged: a field changed (the MAC no longer matches) */
    memcpy(bad, ck, len);
    bad[40] ^= 0xff;
    CHECK_EQ(echo_cookie(&p, tag, bad, len), 0);
    CHECK_EQ(n_assocs(p.b), 0);

    /* another endpoint's secret: B2 issues a cookie, B refuses it */
    pair q;
    CHECK_EQ(pair_init(&q, 72, 1), 0);
    uint8_t other[256];
    size_t olen = get_cookie(&q, 0x1111, other, sizeof other);
    CHECK(olen > 32);
    CHECK_EQ(echo_cookie(&p, braid_load32(other + 20), other, olen), 0);
    CHECK_EQ(n_assocs(p.b), 0);
    braid_endpoint_counters(p.b, &c1);
    CHECK_EQ(c1.drop_bad_cookie - c0.drop_bad_cookie, 3);

    /* expired: 61 s later (Valid.Cookie.Life 60 s) -> ERROR Stale Cookie */
    uint64_t t0 = p.now;
    p.now += 61000000000ull;
    CHECK_EQ(echo_cookie(&p, tag, ck, len), BRAID_CHUNK_ERROR);
    CHECK_EQ(n_assocs(p.b), 0);
    p.now = t0;

    /* the genuine cookie works once ... */
    CHECK_EQ(echo_cookie(&p, tag, ck, len), BRAID_CHUNK_COOKIE_ACK);
    CHECK_EQ(n_assocs(p.b), 1);
    /* ... and replayed later it makes no second association (§5.2.4 D:
     * COOKIE ACK again, same association) */
    p.now += 1000000000ull;
    int r = echo_cookie(&p, tag, ck, len);
    CHECK(r == BRAID_CHUNK_COOKIE_ACK || r == 0);
    CHECK_EQ(n_assocs(p.b), 1);

    braid_endpoint_free(p.a);
    braid_endpoint_free(p.b);
    braid_endpoint_free(q.a);
    braid_endpoint_free(q.b);
    CHECK_EQ(p.eb.live, 0);
}

int main(void)
{
    RUN(test_init_flood);
    RUN(test_cookie_attacks);
    return CHECK_REPORT();
}
