/* FORWARD TSN (RFC 3758 §3.2) and I-FORWARD-TSN (RFC 8260 §2.3.1) tests. */
#include "check.h"
#include "core/wire/chunk.h"
#include "core/wire/fwdtsn.h"

static int parse_one(const uint8_t *buf, size_t len, braid_chunk *c)
{
    braid_chunk_iter it;
    braid_chunk_view v;
    braid_chunk_iter_init_bare(&it, buf, len);
    int rc = braid_chunk_iter_next(&it, &v);
    if (rc != 1)
        return rc < 0 ? rc : -1000;
    return braid_chunk_parse(&v, c);
}

static const char *describe(const braid_chunk *c, char *buf, size_t cap)
{
    braid_sbuf s;
    braid_sbuf_init(&s, buf, cap);
    braid_chunk_describe(&s, c);
    return buf;
}

static const uint8_t fwd_pkt[] = {
    0xc0, 0x00, 0x00, 0x10, /* type 192, flags 0, length 16 */
    0x00, 0x00, 0x01, 0x00, /* New Cumulative TSN 256 */
    0x00, 0x01, 0x00, 0x05, /* Stream 1, SSN 5 */
    0xff, 0xff, 0xff, 0xfe, /* Stream 65535, SSN 65534 */
};

static void test_fwdtsn_vector(void)
{
    braid_chunk c;
    memset(&c, 0xa5, sizeof c);
    CHECK_EQ(parse_one(fwd_pkt, sizeof fwd_pkt, &c), 0);
    CHECK_EQ(c.type, BRAID_CHUNK_FORWARD_TSN);
    CHECK_EQ(c.flags, 0);
    CHECK_EQ(c.u.fwdtsn.new_cum_tsn, 256);
    CHECK_EQ(c.u.fwdtsn.n, 2);
    CHECK(c.u.fwdtsn.entries == fwd_pkt + 8);
    uint16_t sid, ssn;
    braid_fwdtsn_entry(&c.u.fwdtsn, 0, &sid, &ssn);
    CHECK_EQ(sid, 1);
    CHECK_EQ(ssn, 5);
    braid_fwdtsn_entry(&c.u.fwdtsn, 1, &sid, &ssn);
    CHECK_EQ(sid, 65535);
    CHECK_EQ(ssn, 65534);
    char d[256];
    CHECK_STR(describe(&c, d, sizeof d),
              "FORWARD_TSN(flags=0x00 new_cum_tsn=256 n=2 sid=1 ssn=5 sid=65535 ssn=65534)");
    uint8_t out[64];
    braid_wr w;
    braid_wr_init(&w, out, sizeof out);
    CHECK_EQ(braid_chunk_write(&w, &c), 0);
    CHECK_EQ(w.off, sizeof fwd_pkt);
    CHECK_MEM(out, fwd_pkt, sizeof fwd_pkt);

    /* no entries */
    const uint8_t bare[] = {0xc0, 0x00, 0x00, 0x08, 0xff, 0xff, 0xff, 0xff};
    CHECK_EQ(parse_one(bare, sizeof bare, &c), 0);
    CHECK_EQ(c.u.fwdtsn.new_cum_tsn, 0xffffffff);
    CHECK_EQ(c.u.fwdtsn.n, 0);
    CHECK_STR(describe(&c, d, sizeof d), "FORWARD_TSN(flags=0x00 new_cum_tsn=4294967295 n=0)");
}

static void test_fwdtsn_arrays(void)
{
    const uint16_t pairs[] = {1, 5, 65535, 65534};
    uint8_t out[64];
    braid_wr w;
    braid_wr_init(&w, out, sizeof out);
    CHECK_EQ(braid_fwdtsn_write_arrays(&w, 256, pairs, 2), 0);
    CHECK_EQ(w.off, sizeof fwd_pkt);
    CHECK_MEM(out, fwd_pkt, sizeof fwd_pkt);

    braid_wr_init(&w, out, sizeof out);
    CHECK_EQ(braid_fwdtsn_write_arrays(&w, 9, NULL, 0), 0);
    const uint8_t bare[] = {0xc0, 0, 0, 8, 0, 0, 0, 9};
    CHECK_EQ(w.off, sizeof bare);
    CHECK_MEM(out, bare, sizeof bare);

    braid_wr_init(&w, out, sizeof out);
    CHECK_EQ(braid_fwdtsn_write_arrays(&w, 9, NULL, 1), BRAID_ERR_INVAL);
    CHECK_EQ(w.off, 0);
}

static void test_fwdtsn_roundtrip(void)
{
    uint16_t pairs[2 * 20];
    for (uint16_t i = 0; i < 20; i++) {
        pairs[2 * i] = (uint16_t)(i * 7);
        pairs[2 * i + 1] = (uint16_t)(65535 - i);
    }
    uint8_t a[128], b[128];
    braid_wr w;
    braid_wr_init(&w, a, sizeof a);
    CHECK_EQ(braid_fwdtsn_write_arrays(&w, 0x7fffffff, pairs, 20), 0);
    size_t n = w.off;
    CHECK_EQ(n, 8 + 4 * 20);
    braid_chunk c;
    CHECK_EQ(parse_one(a, n, &c), 0);
    CHECK_EQ(c.u.fwdtsn.new_cum_tsn, 0x7fffffff);
    CHECK_EQ(c.u.fwdtsn.n, 20);
    for (size_t i = 0; i < 20; i++) {
        uint16_t sid, ssn;
        braid_fwdtsn_entry(&c.u.fwdtsn, i, &sid, &ssn);
        CHECK_EQ(sid, pairs[2 * i]);
        CHECK_EQ(ssn, pairs[2 * i + 1]);
    }
    braid_wr_init(&w, b, sizeof b);
    CHECK_EQ(braid_chunk_write(&w, &c), 0);
    CHECK_EQ(w.off, n);
    CHECK_MEM(a, b, n);
}

static void test_fwdtsn_malformed(void)
{
    braid_chunk c;
    const uint8_t empty[] = {0xc0, 0, 0, 4};
    CHECK_EQ(parse_one(empty, sizeof empty, &c), BRAID_ERR_CHUNK_VALUE);
    const uint8_t short_tsn[] = {0xc0, 0, 0, 7, 0, 0, 1, 0};
    CHECK_EQ(parse_one(short_tsn, sizeof short_tsn, &c), BRAID_ERR_CHUNK_VALUE);
    /* partial entries: 2 and 6 bytes after the TSN */
    const uint8_t half[] = {0xc0, 0, 0, 10, 0, 0, 1, 0, 0, 1, 0, 0};
    CHECK_EQ(parse_one(half, sizeof half, &c), BRAID_ERR_CHUNK_VALUE);
    const uint8_t one_half[] = {0xc0, 0, 0, 14, 0, 0, 1, 0, 0, 1, 0, 5, 0, 2, 0, 0};
    CHECK_EQ(parse_one(one_half, sizeof one_half, &c), BRAID_ERR_CHUNK_VALUE);
}

static void test_fwdtsn_nospace(void)
{
    braid_chunk c;
    CHECK_EQ(parse_one(fwd_pkt, sizeof fwd_pkt, &c), 0);
    const uint16_t pairs[] = {1, 5, 65535, 65534};
    uint8_t out[64];
    braid_wr w;
    for (size_t cap = 0; cap < sizeof fwd_pkt; cap++) {
        braid_wr_init(&w, out, cap);
        CHECK_EQ(braid_chunk_write(&w, &c), BRAID_ERR_NOSPACE);
        CHECK_EQ(w.off, 0);
        CHECK(!w.err);
        braid_wr_init(&w, out, cap);
        CHECK_EQ(braid_fwdtsn_write_arrays(&w, 256, pairs, 2), BRAID_ERR_NOSPACE);
        CHECK_EQ(w.off, 0);
        CHECK(!w.err);
    }
    /* more entries than the 16-bit Chunk Length can hold: (65535-8)/4 */
    static uint16_t many[2 * 16400];
    static uint8_t big[70000];
    braid_wr_init(&w, big, sizeof big);
    CHECK_EQ(braid_fwdtsn_write_arrays(&w, 0, many, 16382), BRAID_ERR_NOSPACE);
    CHECK_EQ(w.off, 0);
    CHECK(!w.err);
    CHECK_EQ(braid_fwdtsn_write_arrays(&w, 0, many, 16381), 0);
    CHECK_EQ(w.off, 8 + 4 * 16381);
    c.u.fwdtsn.n = 16382;
    c.u.fwdtsn.entries = big;
    braid_wr_init(&w, big + 0, 10);
    CHECK_EQ(braid_chunk_write(&w, &c), BRAID_ERR_NOSPACE);
    CHECK_EQ(w.off, 0);
}

static const uint8_t ifwd_pkt[] = {
    0xc2, 0x00, 0x00, 0x18, /* type 194, flags 0, length 24 */
    0x00, 0x00, 0x00, 0x64, /* New Cumulative TSN 100 */
    0x00, 0x02, 0x00, 0x01, /* Stream 2, U */
    0x00, 0x00, 0x00, 0x09, /* MID 9 */
    0x00, 0x03, 0x00, 0x00, /* Stream 3, ordered */
    0xff, 0xff, 0xff, 0xff, /* MID 2^32-1 */
};

static void test_ifwdtsn_vector(void)
{
    braid_chunk c;
    memset(&c, 0xa5, sizeof c);
    CHECK_EQ(parse_one(ifwd_pkt, sizeof ifwd_pkt, &c), 0);
    CHECK_EQ(c.type, BRAID_CHUNK_IFORWARD_TSN);
    CHECK_EQ(c.flags, 0);
    CHECK_EQ(c.u.fwdtsn.new_cum_tsn, 100);
    CHECK_EQ(c.u.fwdtsn.n, 2);
    CHECK(c.u.fwdtsn.entries == ifwd_pkt + 8);
    uint16_t sid;
    int u;
    uint32_t mid;
    braid_ifwdtsn_entry(&c.u.fwdtsn, 0, &sid, &u, &mid);
    CHECK_EQ(sid, 2);
    CHECK_EQ(u, 1);
    CHECK_EQ(mid, 9);
    braid_ifwdtsn_entry(&c.u.fwdtsn, 1, &sid, &u, &mid);
    CHECK_EQ(sid, 3);
    CHECK_EQ(u, 0);
    CHECK_EQ(mid, 0xffffffff);
    char d[256];
    CHECK_STR(describe(&c, d, sizeof d),
              "I_FORWARD_TSN(flags=0x00 new_cum_tsn=100 n=2 sid=2 u=1 mid=9 sid=3 u=0 "
              "mid=4294967295)");
    uint8_t out[64];
    braid_wr w;
    braid_wr_init(&w, out, sizeof out);
    CHECK_EQ(braid_chunk_write(&w, &c), 0);
    CHECK_EQ(w.off, sizeof ifwd_pkt);
    CHECK_MEM(out, ifwd_pkt, sizeof ifwd_pkt);

    /* Reserved bits set: ignored on parse, written back as 0. */
    uint8_t res[sizeof ifwd_pkt];
    memcpy(res, ifwd_pkt, sizeof res);
    res[1] = 0x5a; /* flags kept as-is */
    res[10] = 0xff;
    res[11] = 0xff; /* reserved all ones, U set */
    res[18] = 0x80;
    res[19] = 0x02; /* reserved bits, U clear */
    CHECK_EQ(parse_one(res, sizeof res, &c), 0);
    CHECK_EQ(c.flags, 0x5a);
    braid_ifwdtsn_entry(&c.u.fwdtsn, 0, &sid, &u, &mid);
    CHECK_EQ(sid, 2);
    CHECK_EQ(u, 1);
    CHECK_EQ(mid, 9);
    braid_ifwdtsn_entry(&c.u.fwdtsn, 1, &sid, &u, &mid);
    CHECK_EQ(sid, 3);
    CHECK_EQ(u, 0);
    CHECK_STR(describe(&c, d, sizeof d),
              "I_FORWARD_TSN(flags=0x5a new_cum_tsn=100 n=2 sid=2 u=1 mid=9 sid=3 u=0 "
              "mid=4294967295)");
    braid_wr_init(&w, out, sizeof out);
    CHECK_EQ(braid_chunk_write(&w, &c), 0);
    CHECK_EQ(w.off, sizeof ifwd_pkt);
    CHECK_EQ(out[1], 0x5a);
    CHECK_MEM(out + 2, ifwd_pkt + 2, sizeof ifwd_pkt - 2);
}

static void test_ifwdtsn_arrays(void)
{
    const uint16_t sids[] = {2, 3};
    const uint8_t unordered[] = {7, 0}; /* any nonzero means U */
    const uint32_t mids[] = {9, 0xffffffff};
    uint8_t out[64];
    braid_wr w;
    braid_wr_init(&w, out, sizeof out);
    CHECK_EQ(braid_ifwdtsn_write_arrays(&w, 100, sids, unordered, mids, 2), 0);
    CHECK_EQ(w.off, sizeof ifwd_pkt);
    CHECK_MEM(out, ifwd_pkt, sizeof ifwd_pkt);

    braid_wr_init(&w, out, sizeof out);
    CHECK_EQ(braid_ifwdtsn_write_arrays(&w, 5, NULL, NULL, NULL, 0), 0);
    const uint8_t bare[] = {0xc2, 0, 0, 8, 0, 0, 0, 5};
    CHECK_EQ(w.off, sizeof bare);
    CHECK_MEM(out, bare, sizeof bare);
    braid_chunk c;
    CHECK_EQ(parse_one(out, w.off, &c), 0);
    CHECK_EQ(c.u.fwdtsn.n, 0);

    braid_wr_init(&w, out, sizeof out);
    CHECK_EQ(braid_ifwdtsn_write_arrays(&w, 5, sids, NULL, mids, 1), BRAID_ERR_INVAL);
    CHECK_EQ(braid_ifwdtsn_write_arrays(&w, 5, NULL, unordered, mids, 1), BRAID_ERR_INVAL);
    CHECK_EQ(braid_ifwdtsn_write_arrays(&w, 5, sids, unordered, NULL, 1), BRAID_ERR_INVAL);
    CHECK_EQ(w.off, 0);

    /* round trip of many entries */
    uint16_t s2[30];
    uint8_t u2[30];
    uint32_t m2[30];
    for (uint16_t i = 0; i < 30; i++) {
        s2[i] = (uint16_t)(1000 + i);
        u2[i] = (uint8_t)(i & 1);
        m2[i] = 0x10000u * i + 3;
    }
    uint8_t a[512], b[512];
    braid_wr_init(&w, a, sizeof a);
    CHECK_EQ(braid_ifwdtsn_write_arrays(&w, 0xdeadbeef, s2, u2, m2, 30), 0);
    size_t n = w.off;
    CHECK_EQ(n, 8 + 8 * 30);
    CHECK_EQ(parse_one(a, n, &c), 0);
    CHECK_EQ(c.u.fwdtsn.new_cum_tsn, 0xdeadbeef);
    CHECK_EQ(c.u.fwdtsn.n, 30);
    for (size_t i = 0; i < 30; i++) {
        uint16_t sid;
        int u;
        uint32_t mid;
        braid_ifwdtsn_entry(&c.u.fwdtsn, i, &sid, &u, &mid);
        CHECK_EQ(sid, s2[i]);
        CHECK_EQ(u, u2[i]);
        CHECK_EQ(mid, m2[i]);
    }
    braid_wr_init(&w, b, sizeof b);
    CHECK_EQ(braid_chunk_write(&w, &c), 0);
    CHECK_EQ(w.off, n);
    CHECK_MEM(a, b, n);
}

static void test_ifwdtsn_malformed(void)
{
    braid_chunk c;
    const uint8_t empty[] = {0xc2, 0, 0, 4};
    CHECK_EQ(parse_one(empty, sizeof empty, &c), BRAID_ERR_CHUNK_VALUE);
    const uint8_t short_tsn[] = {0xc2, 0, 0, 6, 0, 0, 0, 0};
    CHECK_EQ(parse_one(short_tsn, sizeof short_tsn, &c), BRAID_ERR_CHUNK_VALUE);
    /* a FORWARD TSN sized entry (4 bytes) is not an I-FORWARD-TSN entry */
    const uint8_t four[] = {0xc2, 0, 0, 12, 0, 0, 1, 0, 0, 1, 0, 1};
    CHECK_EQ(parse_one(four, sizeof four, &c), BRAID_ERR_CHUNK_VALUE);
    /* 12 bytes of entries: one and a half */
    const uint8_t twelve[] = {0xc2, 0, 0, 20, 0, 0, 1, 0, 0, 1, 0, 1, 0, 0, 0, 1, 0, 2, 0, 0};
    CHECK_EQ(parse_one(twelve, sizeof twelve, &c), BRAID_ERR_CHUNK_VALUE);
}

static void test_ifwdtsn_nospace(void)
{
    braid_chunk c;
    CHECK_EQ(parse_one(ifwd_pkt, sizeof ifwd_pkt, &c), 0);
    const uint16_t sids[] = {2, 3};
    const uint8_t unordered[] = {1, 0};
    const uint32_t mids[] = {9, 0xffffffff};
    uint8_t out[64];
    braid_wr w;
    for (size_t cap = 0; cap < sizeof ifwd_pkt; cap++) {
        braid_wr_init(&w, out, cap);
        CHECK_EQ(braid_chunk_write(&w, &c), BRAID_ERR_NOSPACE);
        CHECK_EQ(w.off, 0);
        CHECK(!w.err);
        braid_wr_init(&w, out, cap);
        CHECK_EQ(braid_ifwdtsn_write_arrays(&w, 100, sids, unordered, mids, 2), BRAID_ERR_NOSPACE);
        CHECK_EQ(w.off, 0);
        CHECK(!w.err);
    }
    /* more entries than the 16-bit Chunk Length can hold: (65535-8)/8 = 8190 */
    static uint16_t s[8200];
    static uint8_t u[8200];
    static uint32_t m[8200];
    static uint8_t big[70000];
    braid_wr_init(&w, big, sizeof big);
    CHECK_EQ(braid_ifwdtsn_write_arrays(&w, 0, s, u, m, 8191), BRAID_ERR_NOSPACE);
    CHECK_EQ(w.off, 0);
    CHECK_EQ(braid_ifwdtsn_write_arrays(&w, 0, s, u, m, 8190), 0);
    CHECK_EQ(w.off, 8 + 8 * 8190);
}

int main(void)
{
    RUN(test_fwdtsn_vector);
    RUN(test_fwdtsn_arrays);
    RUN(test_fwdtsn_roundtrip);
    RUN(test_fwdtsn_malformed);
    RUN(test_fwdtsn_nospace);
    RUN(test_ifwdtsn_vector);
    RUN(test_ifwdtsn_arrays);
    RUN(test_ifwdtsn_malformed);
    RUN(test_ifwdtsn_nospace);
    return CHECK_REPORT();
}
