/* TSN map (RFC 9260 §6.2, §3.3.4; FORWARD TSN RFC 3758 §3.6) tests. */
#include <stdlib.h>

#include "check.h"
#include "core/rx/tsnmap.h"

/* Counting allocator that can fail the Nth allocation (1-based; 0: never). */
typedef struct counting {
    long allocs, frees, live_bytes, fail_at;
} counting;

static void *c_alloc(void *user, size_t size)
{
    counting *c = user;
    if (c->fail_at && c->allocs + 1 == c->fail_at) {
        c->fail_at = 0;
        return NULL;
    }
    c->allocs++;
    c->live_bytes += (long)size;
    return malloc(size);
}

static void c_free(void *user, void *ptr, size_t size)
{
    counting *c = user;
    c->frees++;
    c->live_bytes -= (long)size;
    free(ptr);
}

static counting cnt;
static const braid_mem mem = {c_alloc, c_free, &cnt};

static void reset_counts(void)
{
    memset(&cnt, 0, sizeof cnt);
}

static void check_no_leak(void)
{
    CHECK_EQ(cnt.allocs, cnt.frees);
    CHECK_EQ(cnt.live_bytes, 0);
}

/* Gap blocks as "s-e s-e ..." for compact assertions. */
static const char *gaps_str(const braid_tsnmap *m, char *buf, size_t cap)
{
    uint16_t g[64];
    size_t n = braid_tsnmap_gaps(m, g, 32);
    size_t off = 0;
    buf[0] = 0;
    for (size_t i = 0; i < n && off < cap; i++)
        off +=
            (size_t)snprintf(buf + off, cap - off, "%s%u-%u", i ? " " : "", g[2 * i], g[2 * i + 1]);
    return buf;
}

static void test_in_order(void)
{
    reset_counts();
    braid_tsnmap m;
    braid_tsnmap_init(&m, &mem, 99);
    CHECK_EQ(braid_tsnmap_cum(&m), 99);
    CHECK_EQ(braid_tsnmap_highest(&m), 99);
    for (uint32_t t = 100; t < 200; t++)
        CHECK_EQ(braid_tsnmap_mark(&m, t), 1);
    CHECK_EQ(braid_tsnmap_cum(&m), 199);
    CHECK_EQ(braid_tsnmap_highest(&m), 199);
    CHECK_EQ(braid_tsnmap_gap_count(&m), 0);
    CHECK(braid_tsnmap_has(&m, 150));
    CHECK(braid_tsnmap_has(&m, 199));
    CHECK(!braid_tsnmap_has(&m, 200));
    CHECK_EQ(cnt.allocs, 0); /* in-order data never allocates */
    braid_tsnmap_free(&m);
    check_no_leak();
}

static void test_gaps(void)
{
    reset_counts();
    char b[256];
    braid_tsnmap m;
    /* RFC 9260 §3.3.4 example: cum 12, received 14, 15, 17 -> blocks 2-3, 5-5 */
    braid_tsnmap_init(&m, &mem, 10);
    CHECK_EQ(braid_tsnmap_mark(&m, 11), 1);
    CHECK_EQ(braid_tsnmap_mark(&m, 12), 1);
    CHECK_EQ(braid_tsnmap_mark(&m, 17), 1);
    CHECK_EQ(braid_tsnmap_mark(&m, 14), 1);
    CHECK_EQ(braid_tsnmap_mark(&m, 15), 1);
    CHECK_EQ(braid_tsnmap_cum(&m), 12);
    CHECK_EQ(braid_tsnmap_highest(&m), 17);
    CHECK_EQ(braid_tsnmap_gap_count(&m), 2);
    CHECK_STR(gaps_str(&m, b, sizeof b), "2-3 5-5");
    CHECK(braid_tsnmap_has(&m, 14));
    CHECK(!braid_tsnmap_has(&m, 13));
    CHECK(!braid_tsnmap_has(&m, 16));
    CHECK(!braid_tsnmap_has(&m, 18));

    /* max limits the blocks written */
    uint16_t g[4] = {0};
    CHECK_EQ(braid_tsnmap_gaps(&m, g, 1), 1);
    CHECK_EQ(g[0], 2);
    CHECK_EQ(g[1], 3);
    CHECK_EQ(g[2], 0);
    CHECK_EQ(braid_tsnmap_gaps(&m, g, 0), 0);

    /* a new range below, between and above existing ones */
    CHECK_EQ(braid_tsnmap_mark(&m, 30), 1);
    CHECK_EQ(braid_tsnmap_mark(&m, 20), 1);
    CHECK_STR(gaps_str(&m, b, sizeof b), "2-3 5-5 8-8 18-18");
    CHECK_EQ(braid_tsnmap_highest(&m), 30);
    braid_tsnmap_free(&m);
    check_no_leak();
}

static void test_fill_holes(void)
{
    reset_counts();
    char b[256];
    braid_tsnmap m;
    braid_tsnmap_init(&m, &mem, 0);
    /* 2, 4, 6, 8 -> four ranges */
    for (uint32_t t = 2; t <= 8; t += 2)
        CHECK_EQ(braid_tsnmap_mark(&m, t), 1);
    CHECK_STR(gaps_str(&m, b, sizeof b), "2-2 4-4 6-6 8-8");
    /* 5 joins 4 and 6 */
    CHECK_EQ(braid_tsnmap_mark(&m, 5), 1);
    CHECK_STR(gaps_str(&m, b, sizeof b), "2-2 4-6 8-8");
    /* 7 joins 4-6 and 8 */
    CHECK_EQ(braid_tsnmap_mark(&m, 7), 1);
    CHECK_STR(gaps_str(&m, b, sizeof b), "2-2 4-8");
    /* 9 extends the last range, 3 extends a range downwards */
    CHECK_EQ(braid_tsnmap_mark(&m, 9), 1);
    CHECK_STR(gaps_str(&m, b, sizeof b), "2-2 4-9");
    CHECK_EQ(braid_tsnmap_mark(&m, 3), 1);
    CHECK_STR(gaps_str(&m, b, sizeof b), "2-9");
    CHECK_EQ(braid_tsnmap_cum(&m), 0);
    /* 1 advances cum through the whole range */
    CHECK_EQ(braid_tsnmap_mark(&m, 1), 1);
    CHECK_EQ(braid_tsnmap_cum(&m), 9);
    CHECK_EQ(braid_tsnmap_gap_count(&m), 0);
    CHECK_STR(gaps_str(&m, b, sizeof b), "");
    /* a range touching the start grows down to cum + 2 only */
    CHECK_EQ(braid_tsnmap_mark(&m, 12), 1);
    CHECK_EQ(braid_tsnmap_mark(&m, 11), 1);
    CHECK_STR(gaps_str(&m, b, sizeof b), "2-3");
    CHECK_EQ(braid_tsnmap_mark(&m, 10), 1);
    CHECK_EQ(braid_tsnmap_cum(&m), 12);
    CHECK_EQ(braid_tsnmap_gap_count(&m), 0);
    braid_tsnmap_free(&m);
    check_no_leak();
}

static void test_duplicates(void)
{
    reset_counts();
    braid_tsnmap m;
    braid_tsnmap_init(&m, &mem, 1000);
    CHECK_EQ(braid_tsnmap_mark(&m, 1000), 0); /* == cum */
    CHECK_EQ(braid_tsnmap_mark(&m, 500), 0);  /* below cum */
    CHECK_EQ(braid_tsnmap_mark(&m, 1001), 1);
    CHECK_EQ(braid_tsnmap_mark(&m, 1001), 0);
    CHECK_EQ(braid_tsnmap_mark(&m, 1005), 1);
    CHECK_EQ(braid_tsnmap_mark(&m, 1006), 1);
    CHECK_EQ(braid_tsnmap_mark(&m, 1007), 1);
    CHECK_EQ(braid_tsnmap_mark(&m, 1005), 0); /* range start */
    CHECK_EQ(braid_tsnmap_mark(&m, 1006), 0); /* inside */
    CHECK_EQ(braid_tsnmap_mark(&m, 1007), 0); /* range end */
    /* 2^31 above cum is "below" in serial arithmetic (RFC 9260 §1.6) */
    CHECK_EQ(braid_tsnmap_mark(&m, 1001u + 0x80000000u), 0);
    CHECK_EQ(braid_tsnmap_cum(&m), 1001);
    CHECK_EQ(braid_tsnmap_gap_count(&m), 1);
    CHECK(braid_tsnmap_has(&m, 7));
    braid_tsnmap_free(&m);
    check_no_leak();
}

static void test_wrap(void)
{
    reset_counts();
    char b[256];
    braid_tsnmap m;
    braid_tsnmap_init(&m, &mem, 0xfffffffdu);
    CHECK_EQ(braid_tsnmap_mark(&m, 0xfffffffeu), 1);
    CHECK_EQ(braid_tsnmap_mark(&m, 1), 1); /* gap: 0xffffffff, 0 */
    CHECK_EQ(braid_tsnmap_mark(&m, 2), 1);
    CHECK_EQ(braid_tsnmap_cum(&m), 0xfffffffeu);
    CHECK_EQ(braid_tsnmap_highest(&m), 2);
    CHECK_STR(gaps_str(&m, b, sizeof b), "3-4");
    CHECK(!braid_tsnmap_has(&m, 0xffffffffu));
    CHECK(!braid_tsnmap_has(&m, 0));
    CHECK(braid_tsnmap_has(&m, 1));
    CHECK(braid_tsnmap_has(&m, 0xfffffff0u));
    CHECK_EQ(braid_tsnmap_mark(&m, 0), 1); /* joins 1-2 from below */
    CHECK_STR(gaps_str(&m, b, sizeof b), "2-4");
    CHECK_EQ(braid_tsnmap_mark(&m, 0xffffffffu), 1);
    CHECK_EQ(braid_tsnmap_cum(&m), 2);
    CHECK_EQ(braid_tsnmap_gap_count(&m), 0);
    CHECK_EQ(braid_tsnmap_mark(&m, 0xffffffffu), 0);
    braid_tsnmap_free(&m);
    check_no_leak();
}

static void test_far_gap(void)
{
    reset_counts();
    char b[256];
    braid_tsnmap m;
    braid_tsnmap_init(&m, &mem, 0);
    CHECK_EQ(braid_tsnmap_mark(&m, 10), 1);
    CHECK_EQ(braid_tsnmap_mark(&m, 65535), 1);
    CHECK_EQ(braid_tsnmap_mark(&m, 65536), 1); /* same range, end beyond u16 */
    CHECK_EQ(braid_tsnmap_mark(&m, 70000), 1);
    CHECK_EQ(braid_tsnmap_gap_count(&m), 3);
    /* gaps() stops at the first block that does not fit */
    CHECK_STR(gaps_str(&m, b, sizeof b), "10-10");
    CHECK_EQ(braid_tsnmap_mark(&m, 1), 1);
    CHECK_STR(gaps_str(&m, b, sizeof b), "9-9 65534-65535");
    braid_tsnmap_free(&m);
    check_no_leak();
}

static void test_forward(void)
{
    reset_counts();
    char b[256];
    braid_tsnmap m;
    braid_tsnmap_init(&m, &mem, 100);
    CHECK_EQ(braid_tsnmap_mark(&m, 103), 1);
    CHECK_EQ(braid_tsnmap_mark(&m, 104), 1);
    CHECK_EQ(braid_tsnmap_mark(&m, 108), 1);
    CHECK_EQ(braid_tsnmap_mark(&m, 110), 1);
    CHECK_EQ(braid_tsnmap_mark(&m, 111), 1);
    CHECK_STR(gaps_str(&m, b, sizeof b), "3-4 8-8 10-11");
    /* stale: no change */
    braid_tsnmap_forward(&m, 99);
    braid_tsnmap_forward(&m, 100);
    CHECK_EQ(braid_tsnmap_cum(&m), 100);
    /* drop 103-104, land next to 108? no: 105 leaves a hole at 106-107 */
    braid_tsnmap_forward(&m, 105);
    CHECK_EQ(braid_tsnmap_cum(&m), 105);
    CHECK_STR(gaps_str(&m, b, sizeof b), "3-3 5-6");
    /* adjacent: 107 absorbs 108 */
    braid_tsnmap_forward(&m, 107);
    CHECK_EQ(braid_tsnmap_cum(&m), 108);
    CHECK_STR(gaps_str(&m, b, sizeof b), "2-3");
    /* straddling: new cum inside 110-111 */
    CHECK_EQ(braid_tsnmap_mark(&m, 113), 1);
    braid_tsnmap_forward(&m, 110);
    CHECK_EQ(braid_tsnmap_cum(&m), 111);
    CHECK_STR(gaps_str(&m, b, sizeof b), "2-2");
    /* far beyond everything */
    braid_tsnmap_forward(&m, 1000);
    CHECK_EQ(braid_tsnmap_cum(&m), 1000);
    CHECK_EQ(braid_tsnmap_gap_count(&m), 0);
    CHECK_EQ(braid_tsnmap_highest(&m), 1000);
    /* across the wrap */
    braid_tsnmap_free(&m);
    braid_tsnmap_init(&m, &mem, 0xfffffff0u);
    CHECK_EQ(braid_tsnmap_mark(&m, 3), 1);
    CHECK_EQ(braid_tsnmap_mark(&m, 5), 1);
    braid_tsnmap_forward(&m, 2);
    CHECK_EQ(braid_tsnmap_cum(&m), 3);
    CHECK_STR(gaps_str(&m, b, sizeof b), "2-2");
    braid_tsnmap_free(&m);
    check_no_leak();
}

static void test_unmark(void)
{
    reset_counts();
    char b[256];
    braid_tsnmap m;
    braid_tsnmap_init(&m, &mem, 0);
    /* undo each kind of mark */
    CHECK_EQ(braid_tsnmap_mark(&m, 1), 1);
    CHECK_EQ(braid_tsnmap_unmark(&m, 1), 1);
    CHECK_EQ(braid_tsnmap_cum(&m), 0);
    CHECK_EQ(braid_tsnmap_mark(&m, 3), 1);
    CHECK_EQ(braid_tsnmap_mark(&m, 5), 1);
    CHECK_EQ(braid_tsnmap_mark(&m, 4), 1); /* merges */
    CHECK_STR(gaps_str(&m, b, sizeof b), "3-5");
    CHECK_EQ(braid_tsnmap_unmark(&m, 4), 1); /* splits again */
    CHECK_STR(gaps_str(&m, b, sizeof b), "3-3 5-5");
    CHECK_EQ(braid_tsnmap_unmark(&m, 4), 0);
    CHECK_EQ(braid_tsnmap_mark(&m, 2), 1);
    CHECK_STR(gaps_str(&m, b, sizeof b), "2-3 5-5");
    CHECK_EQ(braid_tsnmap_unmark(&m, 2), 1);
    CHECK_EQ(braid_tsnmap_mark(&m, 6), 1);
    CHECK_EQ(braid_tsnmap_unmark(&m, 6), 1);
    CHECK_STR(gaps_str(&m, b, sizeof b), "3-3 5-5");
    CHECK_EQ(braid_tsnmap_mark(&m, 4), 1);
    CHECK_EQ(braid_tsnmap_mark(&m, 2), 1);
    CHECK_EQ(braid_tsnmap_mark(&m, 1), 1); /* absorbs 2-5 */
    CHECK_EQ(braid_tsnmap_cum(&m), 5);
    CHECK_EQ(braid_tsnmap_unmark(&m, 1), 1);
    CHECK_EQ(braid_tsnmap_cum(&m), 0);
    CHECK_STR(gaps_str(&m, b, sizeof b), "2-5");
    CHECK_EQ(braid_tsnmap_unmark(&m, 5), 1);
    CHECK_STR(gaps_str(&m, b, sizeof b), "2-4");
    CHECK(!braid_tsnmap_has(&m, 5));
    braid_tsnmap_free(&m);
    check_no_leak();
}

static void test_dups(void)
{
    reset_counts();
    braid_tsnmap m;
    braid_tsnmap_init(&m, &mem, 0);
    uint32_t out[BRAID_TSNMAP_MAX_DUPS + 8];
    CHECK_EQ(braid_tsnmap_dups(&m, out, 8), 0);
    braid_tsnmap_note_dup(&m, 19);
    braid_tsnmap_note_dup(&m, 19);
    braid_tsnmap_note_dup(&m, 7);
    CHECK_EQ(braid_tsnmap_dups(&m, out, 8), 3);
    CHECK_EQ(out[0], 19);
    CHECK_EQ(out[1], 19);
    CHECK_EQ(out[2], 7);
    CHECK_EQ(braid_tsnmap_dups(&m, out, 2), 2);
    CHECK_EQ(braid_tsnmap_dup_total(&m), 3);
    braid_tsnmap_clear_dups(&m);
    CHECK_EQ(braid_tsnmap_dups(&m, out, 8), 0);
    CHECK_EQ(braid_tsnmap_dup_total(&m), 0);
    for (uint32_t i = 0; i < BRAID_TSNMAP_MAX_DUPS + 5; i++)
        braid_tsnmap_note_dup(&m, 1000 + i);
    CHECK_EQ(braid_tsnmap_dups(&m, out, BRAID_TSNMAP_MAX_DUPS + 8), BRAID_TSNMAP_MAX_DUPS);
    CHECK_EQ(out[0], 1000);
    CHECK_EQ(out[BRAID_TSNMAP_MAX_DUPS - 1], 1000 + BRAID_TSNMAP_MAX_DUPS - 1);
    CHECK_EQ(braid_tsnmap_dup_total(&m), BRAID_TSNMAP_MAX_DUPS + 5);
    braid_tsnmap_clear_dups(&m);
    CHECK_EQ(braid_tsnmap_dups(&m, out, 8), 0);
    braid_tsnmap_free(&m);
    check_no_leak();
}

static void test_range_cap(void)
{
    reset_counts();
    braid_tsnmap m;
    braid_tsnmap_init(&m, &mem, 0);
    /* every other TSN: one range each */
    for (uint32_t i = 0; i < BRAID_TSNMAP_MAX_RANGES; i++)
        CHECK_EQ(braid_tsnmap_mark(&m, 2 + 2 * i), 1);
    CHECK_EQ(braid_tsnmap_gap_count(&m), BRAID_TSNMAP_MAX_RANGES);
    uint32_t last = 2 * BRAID_TSNMAP_MAX_RANGES;
    CHECK_EQ(braid_tsnmap_highest(&m), last);
    /* one more range: refused, nothing changes */
    CHECK_EQ(braid_tsnmap_mark(&m, last + 2), BRAID_ERR_LIMIT);
    CHECK_EQ(braid_tsnmap_gap_count(&m), BRAID_TSNMAP_MAX_RANGES);
    CHECK(!braid_tsnmap_has(&m, last + 2));
    CHECK_EQ(braid_tsnmap_highest(&m), last);
    /* growing an existing range or merging still works */
    CHECK_EQ(braid_tsnmap_mark(&m, last + 1), 1);
    CHECK_EQ(braid_tsnmap_mark(&m, 5), 1); /* joins 4 and 6 */
    CHECK_EQ(braid_tsnmap_gap_count(&m), BRAID_TSNMAP_MAX_RANGES - 1);
    CHECK_EQ(braid_tsnmap_mark(&m, last + 3), 1);
    CHECK_EQ(braid_tsnmap_mark(&m, last + 5), BRAID_ERR_LIMIT);
    /* 1 makes cum advance over 2, freeing one */
    CHECK_EQ(braid_tsnmap_mark(&m, 1), 1);
    CHECK_EQ(braid_tsnmap_cum(&m), 2);
    CHECK_EQ(braid_tsnmap_mark(&m, last + 5), 1);
    braid_tsnmap_free(&m);
    check_no_leak();
}

static void test_nomem(void)
{
    reset_counts();
    char b[256];
    braid_tsnmap m;
    braid_tsnmap_init(&m, &mem, 0);
    cnt.fail_at = 1;
    CHECK_EQ(braid_tsnmap_mark(&m, 5), BRAID_ERR_NOMEM);
    CHECK_EQ(braid_tsnmap_gap_count(&m), 0);
    CHECK(!braid_tsnmap_has(&m, 5));
    CHECK_EQ(braid_tsnmap_mark(&m, 1), 1); /* no allocation needed */
    for (uint32_t t = 3; t < 3 + 2 * 8; t += 2)
        CHECK_EQ(braid_tsnmap_mark(&m, t), 1); /* fills the first 8 slots */
    cnt.fail_at = cnt.allocs + 1;              /* growing fails */
    CHECK_EQ(braid_tsnmap_mark(&m, 100), BRAID_ERR_NOMEM);
    CHECK_EQ(braid_tsnmap_gap_count(&m), 8);
    CHECK_STR(gaps_str(&m, b, sizeof b), "2-2 4-4 6-6 8-8 10-10 12-12 14-14 16-16");
    CHECK_EQ(braid_tsnmap_mark(&m, 100), 1);
    CHECK_EQ(braid_tsnmap_gap_count(&m), 9);
    braid_tsnmap_free(&m);
    check_no_leak();
}

/* xorshift32: deterministic */
static uint32_t rng_state;
static uint32_t rnd(void)
{
    uint32_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return rng_state = x;
}

/* Random marks, forwards and unmarks against a bitset over a window that
 * starts just below the 2^32 wrap. */
static void test_random(void)
{
    reset_counts();
    enum { W = 4096 };
    static uint8_t ref[W]; /* ref[i]: TSN base + i received */
    const uint32_t base = 0xfffff000u;
    for (int round = 0; round < 20; round++) {
        rng_state = 0x9e3779b9u + (uint32_t)round * 7919u;
        memset(ref, 0, sizeof ref);
        braid_tsnmap m;
        braid_tsnmap_init(&m, &mem, base - 1);
        size_t ref_cum = 0; /* number of leading received TSNs */
        for (int step = 0; step < 6000; step++) {
            uint32_t r = rnd();
            uint32_t i = (uint32_t)(ref_cum + (r >> 8) % 400);
            if (i >= W)
                i = W - 1;
            uint32_t tsn = base + i;
            if ((r & 0xff) < 4) {
                /* FORWARD TSN to a random point near cum */
                for (uint32_t k = 0; k <= i; k++)
                    ref[k] = 1;
                braid_tsnmap_forward(&m, tsn);
            } else if ((r & 0xff) < 20) {
                int had = ref[i];
                int rc = braid_tsnmap_mark(&m, tsn);
                if (rc == 1) {
                    CHECK(!had);
                    CHECK_EQ(braid_tsnmap_unmark(&m, tsn), 1);
                } else {
                    CHECK_EQ(rc, 0);
                    CHECK(had);
                }
            } else {
                int rc = braid_tsnmap_mark(&m, tsn);
                CHECK_EQ(rc, ref[i] ? 0 : 1);
                ref[i] = 1;
            }
            while (ref_cum < W && ref[ref_cum])
                ref_cum++;
            CHECK_EQ(braid_tsnmap_cum(&m), base + (uint32_t)ref_cum - 1);
            if (step % 97 == 0) {
                /* full comparison: has(), gaps and highest */
                size_t hi = 0;
                for (size_t k = 0; k < W; k++) {
                    if (ref[k])
                        hi = k + 1;
                    if (braid_tsnmap_has(&m, base + (uint32_t)k) != (ref[k] != 0)) {
                        CHECK(0);
                        break;
                    }
                }
                CHECK_EQ(braid_tsnmap_highest(&m), base + (uint32_t)hi - 1);
                uint16_t g[2 * 256];
                size_t ng = braid_tsnmap_gaps(&m, g, 256);
                size_t want = 0;
                for (size_t k = ref_cum; k < W; k++) {
                    if (ref[k] && !ref[k - 1]) {
                        size_t e = k;
                        while (e + 1 < W && ref[e + 1])
                            e++;
                        if (want < ng) {
                            CHECK_EQ(g[2 * want], k + 1 - ref_cum);
                            CHECK_EQ(g[2 * want + 1], e + 1 - ref_cum);
                        }
                        want++;
                    }
                }
                CHECK_EQ(ng, want < 256 ? want : 256);
                CHECK_EQ(braid_tsnmap_gap_count(&m), want);
            }
        }
        braid_tsnmap_free(&m);
    }
    check_no_leak();
}

int main(void)
{
    RUN(test_in_order);
    RUN(test_gaps);
    RUN(test_fill_holes);
    RUN(test_duplicates);
    RUN(test_wrap);
    RUN(test_far_gap);
    RUN(test_forward);
    RUN(test_unmark);
    RUN(test_dups);
    RUN(test_range_cap);
    RUN(test_nomem);
    RUN(test_random);
    return CHECK_REPORT();
}
