/* Reassembly and ordered delivery (RFC 9260 §6.5, §6.6, §6.9; RFC 8260 §2.1;
 * RFC 3758 §3.6) tests. */
#include <stdlib.h>

#include "check.h"
#include "core/rx/reasm.h"

/* Counting allocator that can fail the Nth allocation attempt (1-based; 0:
 * never). */
typedef struct counting {
    long attempts, allocs, frees, live_bytes, fail_at;
} counting;

static void *c_alloc(void *user, size_t size)
{
    counting *c = user;
    c->attempts++;
    if (c->fail_at && c->attempts == c->fail_at)
        return NULL;
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

enum { B = BRAID_DATA_FLAG_B, E = BRAID_DATA_FLAG_E, U = BRAID_DATA_FLAG_U, BE = B | E };

/* DATA chunk */
static int add(braid_reasm *r, uint32_t tsn, uint16_t sid, uint16_t ssn, int flags,
               const char *payload)
{
    braid_data_chunk c;
    memset(&c, 0, sizeof c);
    c.tsn = tsn;
    c.sid = sid;
    c.ssn = ssn;
    c.ppid = 1000u + sid;
    c.payload = (const uint8_t *)payload;
    c.payload_len = strlen(payload);
    return braid_reasm_add(r, &c, (uint8_t)flags, false);
}

/* I-DATA chunk: fsn is the FSN, or the PPID when B is set */
static int add_i(braid_reasm *r, uint32_t tsn, uint16_t sid, uint32_t mid, uint32_t fsn_ppid,
                 int flags, const char *payload)
{
    braid_data_chunk c;
    memset(&c, 0, sizeof c);
    c.tsn = tsn;
    c.sid = sid;
    c.mid = mid;
    if (flags & B)
        c.ppid = fsn_ppid;
    else
        c.fsn = fsn_ppid;
    c.payload = (const uint8_t *)payload;
    c.payload_len = strlen(payload);
    return braid_reasm_add(r, &c, (uint8_t)flags, true);
}

/* Reads and releases the next message as "sid/ssn:payload" (I-DATA:
 * "sid/mid:payload", unordered with a 'u' prefix); "" if none is ready. */
static const char *pop(braid_reasm *r, bool idata)
{
    static char out[4096];
    braid_rx_msg *m = braid_reasm_peek(r);
    if (!m)
        return "";
    char data[2048];
    size_t n = braid_rx_msg_read(m, data, sizeof data - 1);
    data[n] = 0;
    CHECK_EQ(n, m->len);
    CHECK_EQ(m->read_off, m->len);
    snprintf(out, sizeof out, "%s%u/%lu:%s", m->unordered ? "u" : "", m->sid,
             idata ? (unsigned long)m->mid : (unsigned long)m->ssn, data);
    braid_reasm_release(r);
    return out;
}

/* Every ready message, separated by spaces. */
static const char *pop_all(braid_reasm *r, bool idata)
{
    static char all[8192];
    size_t off = 0;
    all[0] = 0;
    const char *m;
    while (*(m = pop(r, idata)) && off < sizeof all)
        off += (size_t)snprintf(all + off, sizeof all - off, "%s%s", off ? " " : "", m);
    return all;
}

static void test_single_chunk(void)
{
    reset_counts();
    braid_reasm r;
    CHECK_EQ(braid_reasm_init(&r, &mem, 10, false), 0);
    CHECK(braid_reasm_peek(&r) == NULL);
    CHECK_EQ(add(&r, 100, 3, 0, BE, "hello"), 0);
    CHECK_EQ(add(&r, 101, 3, 1, BE, "world!"), 0);
    CHECK_EQ(braid_reasm_ready_count(&r), 2);
    CHECK_EQ(braid_reasm_bytes(&r), 11);
    braid_rx_msg *m = braid_reasm_peek(&r);
    CHECK(m != NULL);
    CHECK_EQ(m->sid, 3);
    CHECK_EQ(m->ssn, 0);
    CHECK_EQ(m->mid, 0);
    CHECK_EQ(m->ppid, 1003);
    CHECK_EQ(m->tsn, 100);
    CHECK(!m->unordered);
    CHECK_EQ(m->len, 5);
    CHECK_EQ(m->read_off, 0);
    CHECK_STR(pop(&r, false), "3/0:hello");
    CHECK_EQ(braid_reasm_bytes(&r), 6);
    CHECK_STR(pop(&r, false), "3/1:world!");
    CHECK_EQ(braid_reasm_bytes(&r), 0);
    CHECK_EQ(braid_reasm_ready_count(&r), 0);
    CHECK(braid_reasm_peek(&r) == NULL);
    braid_reasm_release(&r); /* nothing to release: no-op */
    /* wrong mode, stream out of range */
    CHECK_EQ(add(&r, 102, 10, 0, BE, "x"), BRAID_ERR_INVAL);
    CHECK_EQ(add_i(&r, 102, 0, 0, 0, BE, "x"), BRAID_ERR_INVAL);
    braid_reasm_free(&r);
    check_no_leak();
}

static void test_fragments_in_order(void)
{
    reset_counts();
    braid_reasm r;
    CHECK_EQ(braid_reasm_init(&r, &mem, 1, false), 0);
    CHECK_EQ(add(&r, 10, 0, 0, B, "abc"), 0);
    CHECK_EQ(add(&r, 11, 0, 0, 0, "def"), 0);
    CHECK(braid_reasm_peek(&r) == NULL);
    CHECK_EQ(braid_reasm_bytes(&r), 6);
    CHECK_EQ(add(&r, 12, 0, 0, E, "gh"), 0);
    braid_rx_msg *m = braid_reasm_peek(&r);
    CHECK(m != NULL);
    CHECK_EQ(m->len, 8);
    CHECK_EQ(m->tsn, 10);
    CHECK_EQ(m->ppid, 1000);
    CHECK_STR(pop(&r, false), "0/0:abcdefgh");
    /* two fragments, then B|E, then one more two-fragment message */
    CHECK_EQ(add(&r, 13, 0, 1, B, "1"), 0);
    CHECK_EQ(add(&r, 14, 0, 1, E, "2"), 0);
    CHECK_EQ(add(&r, 15, 0, 2, BE, "3"), 0);
    CHECK_EQ(add(&r, 16, 0, 3, B, "4"), 0);
    CHECK_EQ(add(&r, 17, 0, 3, E, "5"), 0);
    CHECK_STR(pop_all(&r, false), "0/1:12 0/2:3 0/3:45");
    CHECK_EQ(braid_reasm_bytes(&r), 0);
    braid_reasm_free(&r);
    check_no_leak();
}

/* Feeds a 5-fragment message in every order given by a permutation. */
static void test_fragments_out_of_order(void)
{
    reset_counts();
    static const char *parts[5] = {"Aa", "Bb", "Cc", "Dd", "Ee"};
    int perm[5] = {0, 1, 2, 3, 4};
    int count = 0;
    /* all 120 permutations (Heap's algorithm, iterative) */
    int c[5] = {0};
    for (int i = 0; i <= 5;) {
        braid_reasm r;
        CHECK_EQ(braid_reasm_init(&r, &mem, 4, false), 0);
        for (int k = 0; k < 5; k++) {
            int p = perm[k];
            int fl = (p == 0 ? B : 0) | (p == 4 ? E : 0);
            CHECK_EQ(add(&r, 0xfffffffeu + (uint32_t)p, 2, 0, fl, parts[p]), 0);
            if (k < 4)
                CHECK(braid_reasm_peek(&r) == NULL);
        }
        CHECK_STR(pop_all(&r, false), "2/0:AaBbCcDdEe");
        CHECK_EQ(braid_reasm_bytes(&r), 0);
        braid_reasm_free(&r);
        count++;
        /* next permutation */
        i = 0;
        while (i < 5) {
            if (c[i] < i) {
                int j = (i % 2 == 0) ? 0 : c[i];
                int t = perm[j];
                perm[j] = perm[i];
                perm[i] = t;
                c[i]++;
                break;
            }
            c[i] = 0;
            i++;
        }
        if (i == 5)
            break;
    }
    CHECK_EQ(count, 120);
    check_no_leak();
}

/* Partial messages nested in arrival: each one completes on its last
 * fragment, which arrives at the tail of the pending list. */
static void test_nested_runs(void)
{
    reset_counts();
    braid_reasm r;
    CHECK_EQ(braid_reasm_init(&r, &mem, 1, false), 0);
    /* SSN 0: TSN 5-7, SSN 1: TSN 8-10, SSN 2: TSN 11-12 (unordered pieces
     * on the same stream in between) */
    CHECK_EQ(add(&r, 5, 0, 0, B, "a"), 0);
    CHECK_EQ(add(&r, 6, 0, 0, 0, "b"), 0);
    CHECK_EQ(add(&r, 8, 0, 1, B, "d"), 0);
    CHECK_EQ(add(&r, 9, 0, 1, 0, "e"), 0);
    CHECK_EQ(add(&r, 11, 0, 2, B, "g"), 0);
    CHECK_EQ(add(&r, 12, 0, 2, E, "h"), 0);
    CHECK_EQ(add(&r, 10, 0, 1, E, "f"), 0);
    CHECK_EQ(braid_reasm_ready_count(&r), 0);
    CHECK_EQ(add(&r, 7, 0, 0, E, "c"), 0);
    CHECK_STR(pop_all(&r, false), "0/0:abc 0/1:def 0/2:gh");
    /* the same with I-DATA MIDs */
    braid_reasm_free(&r);
    CHECK_EQ(braid_reasm_init(&r, &mem, 1, true), 0);
    CHECK_EQ(add_i(&r, 1, 0, 0, 0, B, "a"), 0);
    CHECK_EQ(add_i(&r, 2, 0, 0, 1, 0, "b"), 0);
    CHECK_EQ(add_i(&r, 4, 0, 1, 0, B, "d"), 0);
    CHECK_EQ(add_i(&r, 5, 0, 1, 1, 0, "e"), 0);
    CHECK_EQ(add_i(&r, 7, 0, 2, 0, B, "g"), 0);
    CHECK_EQ(add_i(&r, 8, 0, 2, 1, E, "h"), 0);
    CHECK_EQ(add_i(&r, 6, 0, 1, 2, E, "f"), 0);
    CHECK_EQ(add_i(&r, 3, 0, 0, 2, E, "c"), 0);
    CHECK_STR(pop_all(&r, true), "0/0:abc 0/1:def 0/2:gh");
    braid_reasm_free(&r);
    check_no_leak();
}

static void test_interleaved_streams(void)
{
    reset_counts();
    braid_reasm r;
    CHECK_EQ(braid_reasm_init(&r, &mem, 600, false), 0);
    /* stream 1: TSN 1-3, stream 300: TSN 4-5, stream 599: TSN 6 (B|E);
     * arrival interleaves them */
    CHECK_EQ(add(&r, 4, 300, 0, B, "x1"), 0);
    CHECK_EQ(add(&r, 1, 1, 0, B, "a1"), 0);
    CHECK_EQ(add(&r, 6, 599, 0, BE, "z"), 0);
    CHECK_EQ(add(&r, 3, 1, 0, E, "a3"), 0);
    CHECK_EQ(add(&r, 5, 300, 0, E, "x2"), 0);
    CHECK_EQ(add(&r, 2, 1, 0, 0, "a2"), 0);
    /* delivered in the order they became complete */
    CHECK_STR(pop_all(&r, false), "599/0:z 300/0:x1x2 1/0:a1a2a3");
    braid_reasm_free(&r);
    check_no_leak();
}

static void test_ordered_waits(void)
{
    reset_counts();
    braid_reasm r;
    CHECK_EQ(braid_reasm_init(&r, &mem, 2, false), 0);
    /* SSN 2 and 1 complete before SSN 0 */
    CHECK_EQ(add(&r, 5, 0, 2, BE, "two"), 0);
    CHECK_EQ(add(&r, 3, 0, 1, B, "o"), 0);
    CHECK_EQ(add(&r, 4, 0, 1, E, "ne"), 0);
    CHECK_EQ(braid_reasm_ready_count(&r), 0);
    CHECK_EQ(braid_reasm_bytes(&r), 6);
    /* stream 1 is independent */
    CHECK_EQ(add(&r, 6, 1, 0, BE, "other"), 0);
    CHECK_STR(pop_all(&r, false), "1/0:other");
    CHECK_EQ(add(&r, 2, 0, 0, E, "ro"), 0);
    CHECK_EQ(braid_reasm_ready_count(&r), 0);
    CHECK_EQ(add(&r, 1, 0, 0, B, "ze"), 0);
    CHECK_EQ(braid_reasm_ready_count(&r), 3);
    CHECK_STR(pop_all(&r, false), "0/0:zero 0/1:one 0/2:two");
    /* an SSN already delivered is discarded */
    CHECK_EQ(add(&r, 7, 0, 1, BE, "again"), 0);
    CHECK_EQ(braid_reasm_ready_count(&r), 0);
    CHECK_EQ(braid_reasm_bytes(&r), 0);
    /* a second complete message with a waiting SSN is discarded */
    CHECK_EQ(add(&r, 8, 0, 5, BE, "five"), 0);
    CHECK_EQ(add(&r, 9, 0, 5, BE, "FIVE"), 0);
    CHECK_EQ(add(&r, 10, 0, 4, BE, "four"), 0);
    CHECK_EQ(braid_reasm_bytes(&r), 8);
    CHECK_EQ(add(&r, 11, 0, 3, BE, "three"), 0);
    CHECK_STR(pop_all(&r, false), "0/3:three 0/4:four 0/5:five");
    braid_reasm_free(&r);
    check_no_leak();
}

static void test_unordered_overtakes(void)
{
    reset_counts();
    braid_reasm r;
    CHECK_EQ(braid_reasm_init(&r, &mem, 1, false), 0);
    CHECK_EQ(add(&r, 1, 0, 0, B, "ord"), 0);
    CHECK_EQ(add(&r, 3, 0, 1, BE, "next"), 0); /* waits for SSN 0 */
    /* unordered: SSN not looked at, delivered when complete */
    CHECK_EQ(add(&r, 5, 0, 77, U | E, "-u2"), 0);
    CHECK_EQ(add(&r, 6, 0, 0, U | BE, "u3"), 0);
    CHECK_EQ(add(&r, 4, 0, 9, U | B, "u1"), 0);
    CHECK_STR(pop_all(&r, false), "u0/0:u3 u0/9:u1-u2");
    CHECK_EQ(add(&r, 2, 0, 0, E, "ered"), 0);
    CHECK_STR(pop_all(&r, false), "0/0:ordered 0/1:next");
    /* an unordered message with an old SSN is still delivered */
    CHECK_EQ(add(&r, 7, 0, 0, U | BE, "late"), 0);
    CHECK_STR(pop_all(&r, false), "u0/0:late");
    braid_reasm_free(&r);
    check_no_leak();
}

static void test_ssn_wrap(void)
{
    reset_counts();
    braid_reasm r;
    CHECK_EQ(braid_reasm_init(&r, &mem, 1, false), 0);
    uint32_t tsn = 1;
    for (uint32_t i = 0; i < 65534; i++) {
        CHECK_EQ(add(&r, tsn++, 0, (uint16_t)i, BE, "."), 0);
        braid_reasm_release(&r);
    }
    CHECK_EQ(braid_reasm_ready_count(&r), 0);
    /* 65534, 65535, 0, 1 arrive as 1, 0, 65535, 65534 */
    CHECK_EQ(add(&r, tsn + 3, 0, 1, BE, "s1"), 0);
    CHECK_EQ(add(&r, tsn + 2, 0, 0, BE, "s0"), 0);
    CHECK_EQ(add(&r, tsn + 1, 0, 65535, BE, "s65535"), 0);
    CHECK_EQ(braid_reasm_ready_count(&r), 0);
    CHECK_EQ(add(&r, tsn, 0, 65534, BE, "s65534"), 0);
    CHECK_STR(pop_all(&r, false), "0/65534:s65534 0/65535:s65535 0/0:s0 0/1:s1");
    braid_reasm_free(&r);
    check_no_leak();
}

static void test_idata(void)
{
    reset_counts();
    braid_reasm r;
    CHECK_EQ(braid_reasm_init(&r, &mem, 4, true), 0);
    CHECK_EQ(add(&r, 1, 0, 0, BE, "x"), BRAID_ERR_INVAL); /* DATA in I-DATA mode */
    /* ordered MID 1 complete first (FSN order 2, 0, 1), waits for MID 0 */
    CHECK_EQ(add_i(&r, 13, 1, 1, 2, E, "C"), 0);
    CHECK_EQ(add_i(&r, 11, 1, 1, 51, B, "A"), 0);
    CHECK_EQ(add_i(&r, 12, 1, 1, 1, 0, "B"), 0);
    CHECK_EQ(braid_reasm_ready_count(&r), 0);
    /* unordered MID 0 of the same stream: its own MID space, interleaved
     * with unordered MID 1 */
    CHECK_EQ(add_i(&r, 14, 1, 0, 60, U | B, "u0a"), 0);
    CHECK_EQ(add_i(&r, 15, 1, 1, 61, U | B, "u1a"), 0);
    CHECK_EQ(add_i(&r, 16, 1, 0, 1, U, "u0b"), 0);
    CHECK_EQ(add_i(&r, 17, 1, 1, 1, U | E, "u1b"), 0);
    CHECK_EQ(add_i(&r, 18, 1, 0, 2, U | E, "u0c"), 0);
    braid_rx_msg *m = braid_reasm_peek(&r);
    CHECK(m != NULL);
    CHECK_EQ(m->ppid, 61);
    CHECK_EQ(m->tsn, 15);
    CHECK_STR(pop_all(&r, true), "u1/1:u1au1b u1/0:u0au0bu0c");
    /* ordered MID 0: interleaved with stream 2 */
    CHECK_EQ(add_i(&r, 20, 1, 0, 50, B, "m0-"), 0);
    CHECK_EQ(add_i(&r, 21, 2, 0, 70, B, "s2-"), 0);
    CHECK_EQ(add_i(&r, 22, 1, 0, 1, E, "end"), 0);
    m = braid_reasm_peek(&r);
    CHECK(m != NULL);
    CHECK_EQ(m->ppid, 50);
    CHECK_EQ(m->tsn, 20);
    CHECK_EQ(m->mid, 0);
    CHECK_STR(pop_all(&r, true), "1/0:m0-end 1/1:ABC");
    CHECK_EQ(add_i(&r, 23, 2, 0, 1, E, "end"), 0);
    CHECK_STR(pop_all(&r, true), "2/0:s2-end");
    /* a missing FSN holds the message; a duplicate (MID, FSN) is dropped */
    CHECK_EQ(add_i(&r, 30, 3, 0, 1, B, "b"), 0);
    CHECK_EQ(add_i(&r, 31, 3, 0, 2, E, "e"), 0);
    CHECK_EQ(braid_reasm_ready_count(&r), 0);
    CHECK_EQ(add_i(&r, 32, 3, 0, 2, E, "E"), 0);
    CHECK_EQ(braid_reasm_bytes(&r), 2);
    CHECK_EQ(add_i(&r, 33, 3, 0, 1, 0, "m"), 0);
    CHECK_STR(pop_all(&r, true), "3/0:bme");
    braid_reasm_free(&r);
    check_no_leak();
}

static void test_partial_read(void)
{
    reset_counts();
    braid_reasm r;
    CHECK_EQ(braid_reasm_init(&r, &mem, 1, false), 0);
    CHECK_EQ(add(&r, 1, 0, 0, B, "0123"), 0);
    CHECK_EQ(add(&r, 2, 0, 0, 0, "456"), 0);
    CHECK_EQ(add(&r, 3, 0, 0, E, "789ab"), 0);
    braid_rx_msg *m = braid_reasm_peek(&r);
    CHECK(m != NULL);
    CHECK_EQ(m->len, 12);
    char buf[16];
    memset(buf, 0, sizeof buf);
    CHECK_EQ(braid_rx_msg_read(m, buf, 0), 0);
    CHECK_EQ(braid_rx_msg_read(m, buf, 1), 1);
    CHECK_MEM(buf, "0", 1);
    CHECK_EQ(m->read_off, 1);
    CHECK_EQ(braid_rx_msg_read(m, buf, 3), 3); /* to the end of fragment 1 */
    CHECK_MEM(buf, "123", 3);
    CHECK_EQ(braid_rx_msg_read(m, buf, 5), 5); /* across fragments */
    CHECK_MEM(buf, "45678", 5);
    CHECK_EQ(m->read_off, 9);
    CHECK_EQ(braid_reasm_bytes(&r), 12); /* held until released */
    CHECK_EQ(braid_rx_msg_read(m, buf, sizeof buf), 3);
    CHECK_MEM(buf, "9ab", 3);
    CHECK_EQ(braid_rx_msg_read(m, buf, sizeof buf), 0);
    CHECK_EQ(m->read_off, 12);
    braid_reasm_release(&r);
    CHECK_EQ(braid_reasm_bytes(&r), 0);
    braid_reasm_free(&r);
    check_no_leak();
}

static void test_bytes(void)
{
    reset_counts();
    braid_reasm r;
    CHECK_EQ(braid_reasm_init(&r, &mem, 3, false), 0);
    CHECK_EQ(braid_reasm_bytes(&r), 0);
    CHECK_EQ(add(&r, 1, 0, 0, B, "12345"), 0); /* incomplete */
    CHECK_EQ(braid_reasm_bytes(&r), 5);
    CHECK_EQ(add(&r, 5, 1, 1, BE, "123"), 0); /* waiting */
    CHECK_EQ(braid_reasm_bytes(&r), 8);
    CHECK_EQ(add(&r, 6, 2, 0, BE, "1234567"), 0); /* ready */
    CHECK_EQ(braid_reasm_bytes(&r), 15);
    CHECK_EQ(braid_reasm_ready_count(&r), 1);
    braid_reasm_release(&r);
    CHECK_EQ(braid_reasm_bytes(&r), 8);
    /* free() with incomplete and waiting data frees all of it */
    braid_reasm_free(&r);
    check_no_leak();
    /* and with ready messages not yet read */
    reset_counts();
    CHECK_EQ(braid_reasm_init(&r, &mem, 1, false), 0);
    CHECK_EQ(add(&r, 1, 0, 0, BE, "a"), 0);
    CHECK_EQ(add(&r, 2, 0, 1, B, "b"), 0);
    CHECK_EQ(add(&r, 3, 0, 1, E, "c"), 0);
    CHECK_EQ(braid_reasm_ready_count(&r), 2);
    braid_reasm_free(&r);
    check_no_leak();
}

static void test_forward(void)
{
    reset_counts();
    braid_reasm r;
    CHECK_EQ(braid_reasm_init(&r, &mem, 5, false), 0);
    /* stream 0: SSN 0 lost entirely (TSN 1), SSN 1 lost partly (TSN 2-4,
     * only 2 and 4 here), SSN 2 complete (TSN 5), SSN 4 complete (TSN 7) */
    CHECK_EQ(add(&r, 2, 0, 1, B, "p"), 0);
    CHECK_EQ(add(&r, 4, 0, 1, E, "q"), 0);
    CHECK_EQ(add(&r, 5, 0, 2, BE, "two"), 0);
    CHECK_EQ(add(&r, 7, 0, 4, BE, "four"), 0);
    /* stream 1: unordered message TSN 8-10 missing its B (TSN 8) */
    CHECK_EQ(add(&r, 9, 1, 0, U, "m"), 0);
    CHECK_EQ(add(&r, 10, 1, 0, U | E, "e"), 0);
    /* stream 2: a message above the forward point stays */
    CHECK_EQ(add(&r, 100, 2, 0, B, "keep"), 0);
    CHECK_EQ(braid_reasm_bytes(&r), 15);
    CHECK_EQ(braid_reasm_ready_count(&r), 0);

    /* FORWARD TSN to 4: stream 0 skipped up to SSN 1 */
    const uint16_t skip1[] = {0, 1};
    CHECK_EQ(braid_reasm_forward(&r, 4, skip1, 1), 0);
    CHECK_STR(pop_all(&r, false), "0/2:two");
    CHECK_EQ(braid_reasm_bytes(&r), 4 + 2 + 4); /* four, me, keep */
    /* FORWARD TSN to 8: TSN 9-10 lose their beginning; stream 0 listed with
     * SSN 3 (the SSN of TSN 6); stream 9 is out of range and ignored */
    const uint16_t skip2[] = {0, 3, 9, 5};
    CHECK_EQ(braid_reasm_forward(&r, 8, skip2, 2), 0);
    CHECK_STR(pop_all(&r, false), "0/4:four");
    CHECK_EQ(braid_reasm_bytes(&r), 4);
    /* stranded messages at or below the listed SSN are delivered */
    CHECK_EQ(add(&r, 20, 3, 1, BE, "s1"), 0);
    CHECK_EQ(add(&r, 22, 3, 3, BE, "s3"), 0);
    CHECK_EQ(add(&r, 23, 3, 4, BE, "s4"), 0);
    CHECK_EQ(add(&r, 25, 3, 6, BE, "s6"), 0);
    const uint16_t skip3[] = {3, 2};
    CHECK_EQ(braid_reasm_forward(&r, 21, skip3, 1), 0);
    CHECK_STR(pop_all(&r, false), "3/1:s1 3/3:s3 3/4:s4");
    /* a stale FORWARD TSN changes nothing */
    CHECK_EQ(braid_reasm_forward(&r, 21, skip3, 1), 0);
    CHECK_EQ(braid_reasm_ready_count(&r), 0);
    /* a chunk of a skipped SSN arriving late is discarded */
    CHECK_EQ(add(&r, 24, 3, 2, BE, "late"), 0);
    CHECK_EQ(braid_reasm_ready_count(&r), 0);
    CHECK_EQ(add(&r, 26, 3, 5, BE, "s5"), 0);
    CHECK_STR(pop_all(&r, false), "3/5:s5 3/6:s6");
    /* the kept message on stream 2 still completes */
    CHECK_EQ(add(&r, 101, 2, 0, E, "!"), 0);
    CHECK_STR(pop_all(&r, false), "2/0:keep!");
    CHECK_EQ(braid_reasm_bytes(&r), 0);
    /* wrong mode */
    CHECK_EQ(braid_reasm_iforward(&r, 30, NULL, NULL, NULL, 0), BRAID_ERR_INVAL);
    /* a forward listing a stream never used: later SSNs continue from there */
    const uint16_t skip4[] = {4, 9};
    CHECK_EQ(braid_reasm_forward(&r, 30, skip4, 1), 0);
    CHECK_EQ(add(&r, 31, 4, 5, BE, "old"), 0);
    CHECK_EQ(add(&r, 32, 4, 10, BE, "ten"), 0);
    CHECK_STR(pop_all(&r, false), "4/10:ten");
    braid_reasm_free(&r);
    check_no_leak();
}

static void test_iforward(void)
{
    reset_counts();
    braid_reasm r;
    CHECK_EQ(braid_reasm_init(&r, &mem, 2, true), 0);
    /* ordered: MID 0 partial (TSN 1 lost), MID 1 partial with fragments
     * above the forward point, MID 2 complete */
    CHECK_EQ(add_i(&r, 2, 0, 0, 1, E, "x"), 0);
    CHECK_EQ(add_i(&r, 3, 0, 1, 9, B, "y"), 0);
    CHECK_EQ(add_i(&r, 6, 0, 1, 2, E, "z"), 0);
    CHECK_EQ(add_i(&r, 7, 0, 2, 9, BE, "two"), 0);
    /* unordered on stream 1: MID 5 partial, MID 6 partial */
    CHECK_EQ(add_i(&r, 8, 1, 5, 9, U | B, "u5"), 0);
    CHECK_EQ(add_i(&r, 9, 1, 6, 9, U | B, "u6"), 0);
    CHECK_EQ(braid_reasm_bytes(&r), 10);
    const uint16_t sids[] = {0, 1};
    const uint8_t uns[] = {0, 1};
    const uint32_t mids[] = {1, 5};
    CHECK_EQ(braid_reasm_iforward(&r, 4, sids, uns, mids, 2), 0);
    /* MID 0 dropped by TSN, MID 1 (TSN 3 <= 4) dropped with its TSN 6
     * fragment, unordered MID 5 dropped by MID, MID 2 delivered */
    CHECK_STR(pop_all(&r, true), "0/2:two");
    CHECK_EQ(braid_reasm_bytes(&r), 2);
    CHECK_EQ(add_i(&r, 10, 1, 6, 1, U | E, "!"), 0);
    CHECK_STR(pop_all(&r, true), "u1/6:u6!");
    /* MID serial arithmetic across the wrap: two skips of < 2^31 each */
    const uint32_t mids2[] = {0x7fffffffu}, mids3[] = {0xfffffffeu};
    CHECK_EQ(braid_reasm_iforward(&r, 19, sids, uns, mids2, 1), 0);
    CHECK_EQ(braid_reasm_iforward(&r, 20, sids, uns, mids3, 1), 0);
    CHECK_EQ(add_i(&r, 22, 0, 0, 9, BE, "m0"), 0);
    CHECK_EQ(add_i(&r, 21, 0, 0xffffffffu, 9, BE, "mmax"), 0);
    CHECK_STR(pop_all(&r, true), "0/4294967295:mmax 0/0:m0");
    CHECK_EQ(braid_reasm_forward(&r, 30, NULL, 0), BRAID_ERR_INVAL); /* wrong mode */
    braid_reasm_free(&r);
    check_no_leak();
}

/* The scenario run under allocation failure: every add that fails with
 * BRAID_ERR_NOMEM is repeated (as a retransmission would be). */
static const char *nomem_scenario(long fail_at, int *nomems)
{
    braid_reasm r;
    reset_counts();
    cnt.fail_at = fail_at;
    *nomems = 0;
    int rc;
    while ((rc = braid_reasm_init(&r, &mem, 300, false)) == BRAID_ERR_NOMEM)
        (*nomems)++;
    CHECK_EQ(rc, 0);
    struct {
        uint32_t tsn;
        uint16_t sid, ssn;
        int flags;
        const char *p;
    } ch[] = {
        {3, 0, 1, BE, "one"}, {1, 0, 0, B, "ze"},     {5, 290, 0, B, "far"},  {2, 0, 0, E, "ro"},
        {7, 290, 0, E, "!"},  {6, 290, 0, 0, "-"},    {8, 1, 0, U | BE, "u"}, {10, 0, 2, E, "o"},
        {9, 0, 2, B, "tw"},   {11, 1, 5, U | B, "v"}, {12, 1, 5, U | E, "w"},
    };
    for (size_t i = 0; i < sizeof ch / sizeof ch[0]; i++) {
        while ((rc = add(&r, ch[i].tsn, ch[i].sid, ch[i].ssn, ch[i].flags, ch[i].p)) ==
               BRAID_ERR_NOMEM)
            (*nomems)++;
        CHECK_EQ(rc, 0);
    }
    const uint16_t skip[] = {2, 7};
    while ((rc = braid_reasm_forward(&r, 12, skip, 1)) == BRAID_ERR_NOMEM)
        (*nomems)++;
    CHECK_EQ(rc, 0);
    while ((rc = add(&r, 13, 2, 8, BE, "s8")) == BRAID_ERR_NOMEM)
        (*nomems)++;
    const char *out = pop_all(&r, false);
    braid_reasm_free(&r);
    check_no_leak();
    return out;
}

static void test_alloc_failure(void)
{
    int nomems;
    char want[512];
    snprintf(want, sizeof want, "%s", nomem_scenario(0, &nomems));
    CHECK_STR(want, "0/0:zero 0/1:one 290/0:far-! u1/0:u 0/2:two u1/5:vw 2/8:s8");
    CHECK_EQ(nomems, 0);
    long total = cnt.attempts;
    CHECK(total > 10);
    for (long n = 1; n <= total; n++) {
        CHECK_STR(nomem_scenario(n, &nomems), want);
        CHECK_EQ(nomems, 1);
    }
    /* init failure leaves nothing to free but free() is still safe */
    reset_counts();
    cnt.fail_at = 1;
    braid_reasm r;
    CHECK_EQ(braid_reasm_init(&r, &mem, 65535, false), BRAID_ERR_NOMEM);
    braid_reasm_free(&r);
    check_no_leak();
}

/* Memory stays small for many negotiated streams. */
static void test_lazy_streams(void)
{
    reset_counts();
    braid_reasm r;
    CHECK_EQ(braid_reasm_init(&r, &mem, 65535, false), 0);
    CHECK(cnt.live_bytes <= 256 * (long)sizeof(void *));
    CHECK_EQ(add(&r, 1, 65534, 0, BE, "hi"), 0);
    CHECK_EQ(add(&r, 2, 0, 0, BE, "lo"), 0);
    CHECK(cnt.live_bytes < 8 * 1024);
    CHECK_STR(pop_all(&r, false), "65534/0:hi 0/0:lo");
    braid_reasm_free(&r);
    check_no_leak();
}

/* ---- randomized against a reference ---- */

static uint32_t rng_state;
static uint32_t rnd(void)
{
    uint32_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return rng_state = x;
}

enum { RMSG = 400, RSTREAMS = 5, RCHUNKS = RMSG * 64 };

typedef struct rmsg {
    uint16_t sid;
    uint32_t seq; /* SSN / MID within its (stream, ordered/unordered) space */
    bool unordered;
    uint8_t data[64];
    size_t len;
    bool delivered;
} rmsg;

typedef struct rchunk {
    braid_data_chunk c;
    uint8_t flags;
    int msg;
} rchunk;

static rmsg msgs[RMSG];
static rchunk chunks[RCHUNKS];

static void random_run(bool idata, uint32_t seed)
{
    rng_state = seed;
    reset_counts();
    uint32_t next_seq[RSTREAMS][2] = {{0}};
    size_t nch = 0;
    /* messages and their fragments */
    int open[RMSG];
    size_t frag_off[RMSG];
    uint32_t fsn[RMSG];
    for (int i = 0; i < RMSG; i++) {
        rmsg *m = &msgs[i];
        m->sid = (uint16_t)(rnd() % RSTREAMS);
        m->unordered = rnd() % 4 == 0;
        m->seq = next_seq[m->sid][m->unordered]++;
        m->len = 1 + rnd() % 60;
        for (size_t k = 0; k < m->len; k++)
            m->data[k] = (uint8_t)rnd();
        m->delivered = false;
        open[i] = i;
        frag_off[i] = 0;
        fsn[i] = 0;
    }
    /* TSN order: DATA sends each message's fragments back to back; I-DATA
     * interleaves up to 3 messages at a time */
    uint32_t tsn = 0xffffff00u;
    int head = 0, active[3] = {-1, -1, -1};
    for (;;) {
        int slot = idata ? (int)(rnd() % 3) : 0;
        if (active[slot] < 0) {
            if (head == RMSG) {
                int any = -1;
                for (int s = 0; s < 3; s++)
                    if (active[s] >= 0)
                        any = s;
                if (any < 0)
                    break;
                slot = any;
            } else {
                active[slot] = open[head++];
            }
        }
        int mi = active[slot];
        rmsg *m = &msgs[mi];
        size_t fl = 1 + rnd() % 16;
        if (fl > m->len - frag_off[mi])
            fl = m->len - frag_off[mi];
        rchunk *ch = &chunks[nch++];
        memset(ch, 0, sizeof *ch);
        ch->msg = mi;
        ch->c.tsn = tsn++;
        ch->c.sid = m->sid;
        ch->c.ssn = (uint16_t)m->seq;
        ch->c.mid = m->seq;
        ch->c.payload = m->data + frag_off[mi];
        ch->c.payload_len = fl;
        ch->flags = (uint8_t)((frag_off[mi] == 0 ? B : 0) | (m->unordered ? U : 0));
        if (frag_off[mi] == 0)
            ch->c.ppid = (uint32_t)mi;
        else
            ch->c.fsn = fsn[mi];
        fsn[mi]++;
        frag_off[mi] += fl;
        if (frag_off[mi] == m->len) {
            ch->flags |= E;
            active[slot] = -1;
        }
    }
    /* reorder: random swaps within a window of 40 */
    for (size_t i = 0; i < nch; i++) {
        size_t j = i + rnd() % 40;
        if (j < nch) {
            rchunk t = chunks[i];
            chunks[i] = chunks[j];
            chunks[j] = t;
        }
    }
    braid_reasm r;
    CHECK_EQ(braid_reasm_init(&r, &mem, RSTREAMS, idata), 0);
    uint32_t expect_ordered[RSTREAMS] = {0};
    size_t bytes = 0, delivered = 0;
    for (size_t i = 0; i <= nch; i++) {
        if (i < nch) {
            CHECK_EQ(braid_reasm_add(&r, &chunks[i].c, chunks[i].flags, idata), 0);
            bytes += chunks[i].c.payload_len;
            CHECK_EQ(braid_reasm_bytes(&r), bytes);
        }
        /* read some (all at the end) */
        while ((i == nch || rnd() % 3) && braid_reasm_peek(&r)) {
            braid_rx_msg *m = braid_reasm_peek(&r);
            int mi = (int)m->ppid;
            CHECK(mi >= 0 && mi < RMSG);
            if (mi < 0 || mi >= RMSG)
                break;
            rmsg *want = &msgs[mi];
            CHECK(!want->delivered);
            want->delivered = true;
            CHECK_EQ(m->sid, want->sid);
            CHECK_EQ(m->unordered, want->unordered);
            CHECK_EQ(idata ? m->mid : m->ssn, want->seq);
            CHECK_EQ(m->len, want->len);
            if (!want->unordered) {
                CHECK_EQ(want->seq, expect_ordered[want->sid]);
                expect_ordered[want->sid]++;
            }
            uint8_t buf[64];
            size_t got = 0, step = 1 + rnd() % 8;
            for (size_t n; (n = braid_rx_msg_read(m, buf + got, step)) > 0;)
                got += n;
            CHECK_EQ(got, want->len);
            CHECK_MEM(buf, want->data, want->len);
            bytes -= m->len;
            braid_reasm_release(&r);
            delivered++;
        }
    }
    CHECK_EQ(delivered, RMSG);
    CHECK_EQ(braid_reasm_bytes(&r), 0);
    braid_reasm_free(&r);
    check_no_leak();
}

static void test_random(void)
{
    for (uint32_t s = 1; s <= 30; s++) {
        random_run(false, 0x1234567u * s);
        random_run(true, 0x7654321u * s);
    }
}

int main(void)
{
    RUN(test_single_chunk);
    RUN(test_fragments_in_order);
    RUN(test_fragments_out_of_order);
    RUN(test_nested_runs);
    RUN(test_interleaved_streams);
    RUN(test_ordered_waits);
    RUN(test_unordered_overtakes);
    RUN(test_ssn_wrap);
    RUN(test_idata);
    RUN(test_partial_read);
    RUN(test_bytes);
    RUN(test_forward);
    RUN(test_iforward);
    RUN(test_alloc_failure);
    RUN(test_lazy_streams);
    RUN(test_random);
    return CHECK_REPORT();
}
