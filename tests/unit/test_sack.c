/* SACK (RFC 9260 §3.3.4) codec tests. */
#include "check.h"
#include "core/wire/chunk.h"
#include "core/wire/sack.h"

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

/* The example of RFC 9260 §3.3.4 (cum TSN 12, a_rwnd 4660, blocks 2-3 and
 * 5-5) plus two duplicates of TSN 19. */
static const uint8_t rfc_sack[] = {
    0x03, 0x00, 0x00, 0x20, /* type 3, flags 0, length 32 */
    0x00, 0x00, 0x00, 0x0c, /* Cumulative TSN Ack 12 */
    0x00, 0x00, 0x12, 0x34, /* a_rwnd 4660 */
    0x00, 0x02, 0x00, 0x02, /* 2 gap blocks, 2 duplicates */
    0x00, 0x02, 0x00, 0x03, /* block #1: 2..3 */
    0x00, 0x05, 0x00, 0x05, /* block #2: 5..5 */
    0x00, 0x00, 0x00, 0x13, /* dup 19 */
    0x00, 0x00, 0x00, 0x13, /* dup 19 */
};

static void test_sack_vector(void)
{
    braid_chunk c;
    memset(&c, 0xa5, sizeof c);
    CHECK_EQ(parse_one(rfc_sack, sizeof rfc_sack, &c), 0);
    CHECK_EQ(c.type, BRAID_CHUNK_SACK);
    CHECK_EQ(c.flags, 0);
    CHECK_EQ(c.u.sack.cum_tsn, 12);
    CHECK_EQ(c.u.sack.a_rwnd, 4660);
    CHECK_EQ(c.u.sack.n_gaps, 2);
    CHECK_EQ(c.u.sack.n_dups, 2);
    CHECK(c.u.sack.gaps == rfc_sack + 16);
    CHECK(c.u.sack.dups == rfc_sack + 24);
    uint16_t a, b;
    braid_sack_gap(&c.u.sack, 0, &a, &b);
    CHECK_EQ(a, 2);
    CHECK_EQ(b, 3);
    braid_sack_gap(&c.u.sack, 1, &a, &b);
    CHECK_EQ(a, 5);
    CHECK_EQ(b, 5);
    CHECK_EQ(braid_sack_dup(&c.u.sack, 0), 19);
    CHECK_EQ(braid_sack_dup(&c.u.sack, 1), 19);
    char d[256];
    CHECK_STR(describe(&c, d, sizeof d),
              "SACK(flags=0x00 cum_tsn=12 a_rwnd=4660 n_gaps=2 n_dups=2 gap=2-3 gap=5-5 dup=19 "
              "dup=19)");

    uint8_t out[64];
    braid_wr w;
    braid_wr_init(&w, out, sizeof out);
    CHECK_EQ(braid_chunk_write(&w, &c), 0);
    CHECK_EQ(w.off, sizeof rfc_sack);
    CHECK_MEM(out, rfc_sack, sizeof rfc_sack);
}

static void test_sack_write_arrays(void)
{
    const uint16_t gaps[] = {2, 3, 5, 5};
    const uint32_t dups[] = {19, 19};
    uint8_t out[64];
    braid_wr w;
    braid_wr_init(&w, out, sizeof out);
    CHECK_EQ(braid_sack_write_arrays(&w, 12, 4660, gaps, 2, dups, 2), 0);
    CHECK_EQ(w.off, sizeof rfc_sack);
    CHECK_MEM(out, rfc_sack, sizeof rfc_sack);

    /* no gaps, no dups, NULL arrays */
    braid_wr_init(&w, out, sizeof out);
    CHECK_EQ(braid_sack_write_arrays(&w, 0xffffffff, 0, NULL, 0, NULL, 0), 0);
    const uint8_t bare[] = {3, 0, 0, 16, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0};
    CHECK_EQ(w.off, sizeof bare);
    CHECK_MEM(out, bare, sizeof bare);
    braid_chunk c;
    CHECK_EQ(parse_one(out, w.off, &c), 0);
    CHECK_EQ(c.u.sack.cum_tsn, 0xffffffff);
    CHECK_EQ(c.u.sack.a_rwnd, 0);
    CHECK_EQ(c.u.sack.n_gaps, 0);
    CHECK_EQ(c.u.sack.n_dups, 0);
    char d[128];
    CHECK_STR(describe(&c, d, sizeof d),
              "SACK(flags=0x00 cum_tsn=4294967295 a_rwnd=0 n_gaps=0 n_dups=0)");

    /* only dups */
    braid_wr_init(&w, out, sizeof out);
    const uint32_t dup1[] = {0x01020304};
    CHECK_EQ(braid_sack_write_arrays(&w, 7, 1500, NULL, 0, dup1, 1), 0);
    CHECK_EQ(parse_one(out, w.off, &c), 0);
    CHECK_EQ(c.u.sack.n_gaps, 0);
    CHECK_EQ(c.u.sack.n_dups, 1);
    CHECK_EQ(braid_sack_dup(&c.u.sack, 0), 0x01020304);

    /* NULL array with a nonzero count */
    braid_wr_init(&w, out, sizeof out);
    CHECK_EQ(braid_sack_write_arrays(&w, 1, 1, NULL, 1, NULL, 0), BRAID_ERR_INVAL);
    CHECK_EQ(braid_sack_write_arrays(&w, 1, 1, NULL, 0, NULL, 1), BRAID_ERR_INVAL);
    CHECK_EQ(w.off, 0);
}

static void test_sack_roundtrip(void)
{
    uint16_t gaps[2 * 40];
    uint32_t dups[30];
    for (uint16_t i = 0; i < 40; i++) {
        gaps[2 * i] = (uint16_t)(2 + 3 * i);
        gaps[2 * i + 1] = (uint16_t)(3 + 3 * i);
    }
    for (uint32_t i = 0; i < 30; i++)
        dups[i] = 0xfffffff0u + i;
    uint8_t a[512], b[512];
    braid_wr w;
    braid_wr_init(&w, a, sizeof a);
    CHECK_EQ(braid_sack_write_arrays(&w, 0xfffffffa, 65536, gaps, 40, dups, 30), 0);
    size_t n = w.off;
    CHECK_EQ(n, 16 + 4 * 40 + 4 * 30);
    braid_chunk c;
    CHECK_EQ(parse_one(a, n, &c), 0);
    CHECK_EQ(c.u.sack.cum_tsn, 0xfffffffa);
    CHECK_EQ(c.u.sack.a_rwnd, 65536);
    CHECK_EQ(c.u.sack.n_gaps, 40);
    CHECK_EQ(c.u.sack.n_dups, 30);
    for (size_t i = 0; i < 40; i++) {
        uint16_t s, e;
        braid_sack_gap(&c.u.sack, i, &s, &e);
        CHECK_EQ(s, gaps[2 * i]);
        CHECK_EQ(e, gaps[2 * i + 1]);
    }
    for (size_t i = 0; i < 30; i++)
        CHECK_EQ(braid_sack_dup(&c.u.sack, i), dups[i]);
    /* dispatcher write of the decoded form gives the same bytes */
    braid_wr_init(&w, b, sizeof b);
    CHECK_EQ(braid_chunk_write(&w, &c), 0);
    CHECK_EQ(w.off, n);
    CHECK_MEM(a, b, n);

    /* flags are kept as-is */
    braid_chunk f = c;
    f.flags = 0x81;
    braid_wr_init(&w, b, sizeof b);
    CHECK_EQ(braid_chunk_write(&w, &f), 0);
    CHECK_EQ(b[1], 0x81);
    CHECK_EQ(parse_one(b, w.off, &c), 0);
    CHECK_EQ(c.flags, 0x81);
}

static void test_sack_malformed(void)
{
    braid_chunk c;
    /* fixed part of 11 bytes */
    const uint8_t short_fixed[] = {3, 0, 0, 15, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0};
    CHECK_EQ(parse_one(short_fixed, sizeof short_fixed, &c), BRAID_ERR_CHUNK_VALUE);
    const uint8_t empty[] = {3, 0, 0, 4};
    CHECK_EQ(parse_one(empty, sizeof empty, &c), BRAID_ERR_CHUNK_VALUE);
    /* one gap announced, none present */
    const uint8_t no_gap[] = {3, 0, 0, 16, 0, 0, 0, 1, 0, 0, 0, 1, 0, 1, 0, 0};
    CHECK_EQ(parse_one(no_gap, sizeof no_gap, &c), BRAID_ERR_CHUNK_VALUE);
    /* one gap and one dup announced, only the gap present */
    const uint8_t no_dup[] = {3, 0, 0, 20, 0, 0, 0, 1, 0, 0, 0, 1, 0, 1, 0, 1, 0, 1, 0, 2};
    CHECK_EQ(parse_one(no_dup, sizeof no_dup, &c), BRAID_ERR_CHUNK_VALUE);
    /* a dup cut short by 2 bytes */
    const uint8_t cut_dup[] = {3, 0, 0, 18, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0};
    CHECK_EQ(parse_one(cut_dup, sizeof cut_dup, &c), BRAID_ERR_CHUNK_VALUE);
    /* the largest counts with nothing behind them */
    const uint8_t huge[] = {3, 0, 0, 16, 0, 0, 0, 1, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff};
    CHECK_EQ(parse_one(huge, sizeof huge, &c), BRAID_ERR_CHUNK_VALUE);

    /* trailing bytes after the last dup are accepted and not re-encoded */
    const uint8_t extra[] = {3, 0, 0, 20, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 9, 9, 9, 9};
    CHECK_EQ(parse_one(extra, sizeof extra, &c), 0);
    CHECK_EQ(c.u.sack.n_gaps, 0);
    CHECK_EQ(c.u.sack.n_dups, 0);
    uint8_t out[32];
    braid_wr w;
    braid_wr_init(&w, out, sizeof out);
    CHECK_EQ(braid_chunk_write(&w, &c), 0);
    CHECK_EQ(w.off, 16);
}

static void test_sack_nospace(void)
{
    braid_chunk c;
    CHECK_EQ(parse_one(rfc_sack, sizeof rfc_sack, &c), 0);
    uint8_t out[64];
    braid_wr w;
    for (size_t cap = 0; cap < sizeof rfc_sack; cap++) {
        braid_wr_init(&w, out, cap);
        CHECK_EQ(braid_chunk_write(&w, &c), BRAID_ERR_NOSPACE);
        CHECK_EQ(w.off, 0);
        CHECK(!w.err);
    }
    const uint16_t gaps[] = {2, 3, 5, 5};
    const uint32_t dups[] = {19, 19};
    for (size_t cap = 0; cap < sizeof rfc_sack; cap++) {
        braid_wr_init(&w, out, cap);
        CHECK_EQ(braid_sack_write_arrays(&w, 12, 4660, gaps, 2, dups, 2), BRAID_ERR_NOSPACE);
        CHECK_EQ(w.off, 0); /* rolled back */
        CHECK(!w.err);
    }
    /* after a chunk already written, a failing one leaves it in place */
    braid_wr_init(&w, out, sizeof rfc_sack + 8);
    CHECK_EQ(braid_sack_write_arrays(&w, 1, 2, NULL, 0, NULL, 0), 0);
    CHECK_EQ(w.off, 16);
    CHECK_EQ(braid_sack_write_arrays(&w, 12, 4660, gaps, 2, dups, 2), BRAID_ERR_NOSPACE);
    CHECK_EQ(w.off, 16);
    CHECK(!w.err);
    /* a writer already in error stays so */
    w.err = true;
    CHECK_EQ(braid_sack_write_arrays(&w, 1, 2, NULL, 0, NULL, 0), BRAID_ERR_NOSPACE);
    CHECK(w.err);

    /* more than the 16-bit Chunk Length can hold */
    static uint32_t many[16384];
    static uint8_t big[70000];
    braid_wr_init(&w, big, sizeof big);
    CHECK_EQ(braid_sack_write_arrays(&w, 0, 0, NULL, 0, many, 16380), BRAID_ERR_NOSPACE);
    CHECK_EQ(w.off, 0);
    CHECK_EQ(braid_sack_write_arrays(&w, 0, 0, NULL, 0, many, 16379), 0);
    CHECK_EQ(w.off, 16 + 4 * 16379);
}

int main(void)
{
    RUN(test_sack_vector);
    RUN(test_sack_write_arrays);
    RUN(test_sack_roundtrip);
    RUN(test_sack_malformed);
    RUN(test_sack_nospace);
    return CHECK_REPORT();
}
