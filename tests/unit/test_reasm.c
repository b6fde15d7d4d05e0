/* Reassembly and ordered delivery (RFC 9260 §6.5, §6.6, §6.9; RFC 8260 §2.1;
 * RFC 3758 §3.6) tests. */
#include <stdlib.h>

#include "check.h"
#include "core/rx/reasm.h"
#include "core/util/serial.h"

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
    /* fragments read to their end are freed at once: "0123" and "456" */
    CHECK_EQ(braid_reasm_bytes(&r), 5);
    CHECK_EQ(braid_rx_msg_read(m, buf, sizeof buf), 3);
    CHECK_MEM(buf, "9ab", 3);
    CHECK_EQ(braid_rx_msg_read(m, buf, sizeof buf), 0);
    CHECK_EQ(m->read_off, 12);
    CHECK(braid_rx_msg_done(m));
    CHECK_EQ(braid_reasm_bytes(&r), 0);
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

/* ---- partial delivery (RFC 9260 §6.9, RFC 6458 §8.1.20, §8.1.21) ---- */

/* Reads up to cap bytes of the next readable message as "sid/ssn:bytes"
 * (I-DATA: "sid/mid:bytes", unordered with a 'u' prefix), with a '$' when
 * that read ended the message (which is then released); "" when nothing is
 * readable. */
static const char *piece(braid_reasm *r, size_t cap)
{
    static char out[4096];
    braid_rx_msg *m = braid_reasm_peek(r);
    if (!m)
        return "";
    char data[2048];
    if (cap > sizeof data - 1)
        cap = sizeof data - 1;
    size_t n = braid_rx_msg_read(m, data, cap);
    data[n] = 0;
    CHECK(n > 0 || m->len == 0);
    bool done = braid_rx_msg_done(m);
    snprintf(out, sizeof out, "%s%u/%lu:%s%s", m->unordered ? "u" : "", m->sid,
             r->idata ? (unsigned long)m->mid : (unsigned long)m->ssn, data, done ? "$" : "");
    if (done)
        braid_reasm_release(r);
    return out;
}

/* Appends sep (unless at the start) and s to out (cap bytes, *off used);
 * false once it is full. */
static bool append(char *out, size_t cap, size_t *off, const char *sep, const char *s)
{
    int k = snprintf(out + *off, cap - *off, "%s%s", *off ? sep : "", s);
    if (k < 0 || (size_t)k >= cap - *off)
        return false;
    *off += (size_t)k;
    return true;
}

/* Every readable piece of at most cap bytes, separated by spaces. */
static const char *pieces(braid_reasm *r, size_t cap)
{
    static char all[8192];
    size_t off = 0;
    all[0] = 0;
    const char *p;
    /* stops when full: a piece that repeats forever is caught in piece() */
    while (*(p = piece(r, cap)) && append(all, sizeof all, &off, " ", p))
        ;
    return all;
}

/* A message larger than the (simulated) buffer: delivered in pieces once the
 * caller signals pressure; the window reopens as the pieces are read. */
static void test_pd_pressure(void)
{
    reset_counts();
    braid_reasm r;
    CHECK_EQ(braid_reasm_init(&r, &mem, 2, false), 0);
    CHECK_EQ(add(&r, 1, 0, 0, B, "aaaa"), 0);
    CHECK_EQ(add(&r, 2, 0, 0, 0, "bbbb"), 0);
    braid_reasm_pressure(&r, false);
    CHECK(braid_reasm_peek(&r) == NULL);
    braid_reasm_pressure(&r, true); /* the buffer of 8 is full */
    braid_rx_msg *m = braid_reasm_peek(&r);
    CHECK(m != NULL);
    if (!m)
        return;
    CHECK(m->partial);
    CHECK_EQ(m->len, 8);
    CHECK_EQ(m->tsn, 1);
    CHECK_EQ(m->ppid, 1000);
    CHECK_EQ(braid_reasm_ready_count(&r), 1);
    CHECK_STR(piece(&r, 3), "0/0:aaa");
    CHECK_EQ(braid_reasm_bytes(&r), 8); /* no fragment read to its end yet */
    CHECK_STR(piece(&r, 3), "0/0:abb");
    CHECK_EQ(braid_reasm_bytes(&r), 4); /* "aaaa" freed */
    CHECK(!braid_rx_msg_done(m));
    CHECK_STR(piece(&r, 100), "0/0:bb");
    CHECK_EQ(braid_reasm_bytes(&r), 0);
    /* nothing to read now: not readable, and release keeps it */
    CHECK(braid_reasm_peek(&r) == NULL);
    CHECK(!braid_reasm_readable(&r));
    braid_reasm_release(&r);
    CHECK_EQ(braid_reasm_ready_count(&r), 1);
    /* in order: appended; beyond a gap: held; the gap filled: both */
    CHECK_EQ(add(&r, 3, 0, 0, 0, "cccc"), 0);
    CHECK(braid_reasm_peek(&r) == m);
    CHECK_EQ(m->len, 12);
    CHECK_EQ(add(&r, 5, 0, 0, E, "ee"), 0);
    CHECK_EQ(m->len, 12);
    CHECK(m->partial);
    CHECK_EQ(braid_reasm_bytes(&r), 6);
    CHECK_STR(piece(&r, 2), "0/0:cc");
    CHECK_EQ(add(&r, 4, 0, 0, 0, "dddd"), 0);
    CHECK(!m->partial);
    CHECK_EQ(m->len, 18);
    /* a duplicate of a fragment it already has is discarded */
    CHECK_EQ(braid_reasm_bytes(&r), 10);
    CHECK_EQ(add(&r, 3, 0, 0, 0, "cccc"), 0);
    CHECK_EQ(braid_reasm_bytes(&r), 10);
    CHECK_STR(pieces(&r, 100), "0/0:ccddddee$");
    CHECK_EQ(braid_reasm_ready_count(&r), 0);
    CHECK_EQ(braid_reasm_bytes(&r), 0);
    /* a late copy of a fragment of the finished message is discarded */
    CHECK_EQ(add(&r, 4, 0, 0, 0, "dddd"), 0);
    CHECK_EQ(braid_reasm_bytes(&r), 0);
    /* without pressure a message is delivered whole */
    braid_reasm_pressure(&r, false);
    CHECK_EQ(add(&r, 6, 0, 1, B, "12"), 0);
    CHECK_EQ(add(&r, 7, 0, 1, E, "34"), 0);
    CHECK_EQ(add(&r, 8, 1, 0, BE, "x"), 0);
    CHECK_STR(pieces(&r, 100), "0/1:1234$ 1/0:x$");
    braid_reasm_free(&r);
    CHECK(!braid_reasm_pd_aborted(&r));
    check_no_leak();
}

/* RFC 6458 §8.1.21: the partial delivery point starts it without pressure,
 * and never splits a message no longer than the point. */
static void test_pd_point(void)
{
    reset_counts();
    braid_reasm r;
    CHECK_EQ(braid_reasm_init(&r, &mem, 3, false), 0);
    braid_reasm_set_pd_point(&r, 6);
    CHECK_EQ(add(&r, 1, 0, 0, B, "abc"), 0);
    CHECK(braid_reasm_peek(&r) == NULL);
    CHECK_EQ(add(&r, 2, 0, 0, 0, "def"), 0); /* 6 contiguous bytes */
    CHECK_STR(piece(&r, 100), "0/0:abcdef");
    CHECK_EQ(add(&r, 3, 0, 0, E, "gh"), 0);
    CHECK_STR(piece(&r, 100), "0/0:gh$");
    /* 6 bytes in all: whole; 7 bytes with 4 contiguous before the end: whole */
    CHECK_EQ(add(&r, 4, 0, 1, B, "abc"), 0);
    CHECK_EQ(add(&r, 5, 0, 1, E, "def"), 0);
    CHECK_EQ(add(&r, 6, 0, 2, B, "abc"), 0);
    CHECK_EQ(add(&r, 7, 0, 2, 0, "d"), 0);
    CHECK_EQ(add(&r, 8, 0, 2, E, "efg"), 0);
    CHECK_STR(pieces(&r, 100), "0/1:abcdef$ 0/2:abcdefg$");
    /* a point lowered below what is already held starts it at once */
    braid_reasm_set_pd_point(&r, 0);
    CHECK_EQ(add(&r, 9, 1, 0, B, "0123456789"), 0);
    CHECK(braid_reasm_peek(&r) == NULL);
    braid_reasm_set_pd_point(&r, 5);
    CHECK_STR(pieces(&r, 4), "1/0:0123 1/0:4567 1/0:89");
    CHECK_EQ(add(&r, 10, 1, 0, E, "!"), 0);
    CHECK_STR(pieces(&r, 100), "1/0:!$");
    /* unordered too */
    CHECK_EQ(add(&r, 11, 2, 0, U | B, "uuuuu"), 0);
    CHECK_STR(pieces(&r, 100), "u2/0:uuuuu");
    CHECK_EQ(add(&r, 12, 2, 0, U | E, "v"), 0);
    CHECK_STR(pieces(&r, 100), "u2/0:v$");
    braid_reasm_free(&r);
    check_no_leak();
}

/* An ordered message is delivered partially only when it is next in its
 * stream (RFC 9260 §6.6), and from its B fragment on. */
static void test_pd_ordered_waits(void)
{
    reset_counts();
    braid_reasm r;
    CHECK_EQ(braid_reasm_init(&r, &mem, 3, false), 0);
    /* SSN 0 lacks its B (TSN 1); SSN 1 has 8 contiguous bytes */
    CHECK_EQ(add(&r, 2, 0, 0, 0, "m0"), 0);
    CHECK_EQ(add(&r, 4, 0, 1, B, "b1b1"), 0);
    CHECK_EQ(add(&r, 5, 0, 1, 0, "m1m1"), 0);
    braid_reasm_pressure(&r, true);
    CHECK(braid_reasm_peek(&r) == NULL);
    /* SSN 0's B arrives: it goes first; SSN 1 waits behind it */
    CHECK_EQ(add(&r, 1, 0, 0, B, "b0"), 0);
    CHECK_STR(pieces(&r, 100), "0/0:b0m0");
    CHECK(braid_reasm_peek(&r) == NULL);
    CHECK_EQ(add(&r, 3, 0, 0, E, "e0"), 0);
    /* SSN 0 ends: SSN 1, next now, starts */
    CHECK_STR(pieces(&r, 100), "0/0:e0$ 0/1:b1b1m1m1");
    CHECK_EQ(add(&r, 6, 0, 1, E, "e1"), 0);
    CHECK_STR(pieces(&r, 100), "0/1:e1$");
    /* a message becomes next when the one before it is delivered whole */
    braid_reasm_pressure(&r, false);
    braid_reasm_set_pd_point(&r, 4);
    CHECK_EQ(add(&r, 21, 2, 1, B, "1111"), 0);
    CHECK_EQ(add(&r, 22, 2, 1, 0, "2222"), 0);
    CHECK(braid_reasm_peek(&r) == NULL);
    CHECK_EQ(add(&r, 20, 2, 0, BE, "z"), 0);
    CHECK_STR(pieces(&r, 100), "2/0:z$ 2/1:11112222");
    CHECK_EQ(add(&r, 23, 2, 1, E, "3"), 0);
    /* SSN 2 complete while SSN 1 is read: it waits for SSN 1 */
    CHECK_EQ(add(&r, 24, 2, 2, BE, "next"), 0);
    CHECK_STR(pieces(&r, 100), "2/1:3$ 2/2:next$");
    braid_reasm_free(&r);
    check_no_leak();
}

/* RFC 6458 §8.1.20 level 0: while a message is delivered partially nothing
 * else is handed out, and only one is delivered partially at a time. */
static void test_pd_blocks_others(void)
{
    reset_counts();
    braid_reasm r;
    CHECK_EQ(braid_reasm_init(&r, &mem, 3, false), 0);
    braid_reasm_pressure(&r, true);
    CHECK_EQ(add(&r, 1, 0, 0, B, "big1"), 0);
    CHECK_EQ(add(&r, 4, 1, 0, BE, "s1"), 0);
    CHECK_EQ(add(&r, 5, 2, 0, U | BE, "u2"), 0);
    /* an eligible message while one is partial: it waits its turn */
    CHECK_EQ(add(&r, 6, 1, 1, B, "p"), 0);
    CHECK_EQ(add(&r, 7, 1, 1, 0, "q"), 0);
    CHECK_EQ(braid_reasm_ready_count(&r), 3);
    CHECK_STR(pieces(&r, 100), "0/0:big1");
    CHECK(braid_reasm_peek(&r) == NULL); /* s1 and u2 are complete but wait */
    CHECK(!braid_reasm_readable(&r));
    CHECK_EQ(add(&r, 2, 0, 0, 0, "more"), 0);
    CHECK_STR(pieces(&r, 100), "0/0:more");
    CHECK_EQ(add(&r, 3, 0, 0, E, "!"), 0);
    /* the partial one ends; then the others in the order they became
     * deliverable, then the next partial one */
    CHECK_STR(pieces(&r, 100), "0/0:!$ 1/0:s1$ u2/0:u2$ 1/1:pq");
    CHECK_EQ(add(&r, 8, 1, 1, E, "r"), 0);
    CHECK_STR(pieces(&r, 100), "1/1:r$");
    CHECK_EQ(braid_reasm_bytes(&r), 0);
    braid_reasm_free(&r);
    check_no_leak();
}

/* RFC 3758 §3.6 / RFC 8260 §2.3.1: FORWARD TSN that skips the rest of a
 * partial message aborts it (RFC 6458 §6.1.7). */
static void test_pd_forward_abort(void)
{
    reset_counts();
    braid_reasm r;
    CHECK_EQ(braid_reasm_init(&r, &mem, 2, false), 0);
    braid_reasm_pressure(&r, true);
    CHECK_EQ(add(&r, 1, 0, 0, B, "aa"), 0);
    CHECK_EQ(add(&r, 2, 0, 0, 0, "bb"), 0);
    CHECK_EQ(add(&r, 4, 0, 0, 0, "dd"), 0); /* beyond the gap at TSN 3 */
    CHECK_EQ(add(&r, 6, 1, 0, BE, "ok"), 0);
    CHECK_STR(pieces(&r, 100), "0/0:aabb");
    CHECK_EQ(braid_reasm_bytes(&r), 4);
    /* not past its next TSN (3): nothing happens */
    CHECK_EQ(braid_reasm_forward(&r, 2, NULL, 0), 0);
    CHECK(!braid_reasm_pd_aborted(&r));
    CHECK(braid_reasm_peek(&r) == NULL);
    const uint16_t skip[] = {0, 0};
    CHECK_EQ(braid_reasm_forward(&r, 5, skip, 1), 0);
    CHECK(braid_reasm_pd_aborted(&r));
    CHECK(!braid_reasm_pd_aborted(&r)); /* reported once */
    CHECK_STR(pieces(&r, 100), "1/0:ok$");
    CHECK_EQ(braid_reasm_bytes(&r), 0);     /* "dd" went with it */
    CHECK_EQ(add(&r, 3, 0, 0, 0, "cc"), 0); /* late: discarded */
    CHECK_EQ(braid_reasm_bytes(&r), 0);
    /* unordered: by TSN alone */
    CHECK_EQ(add(&r, 10, 0, 0, U | B, "u1"), 0);
    CHECK_EQ(add(&r, 11, 0, 0, U, "u2"), 0);
    CHECK_STR(piece(&r, 3), "u0/0:u1u");
    CHECK_EQ(braid_reasm_forward(&r, 12, NULL, 0), 0);
    CHECK(braid_reasm_pd_aborted(&r));
    CHECK(braid_reasm_peek(&r) == NULL);
    CHECK_EQ(braid_reasm_ready_count(&r), 0);
    /* ordered: listed by SSN (its TSNs not yet passed) */
    CHECK_EQ(add(&r, 20, 1, 1, B, "x"), 0);
    CHECK_STR(pieces(&r, 100), "1/1:x");
    const uint16_t skip_old[] = {1, 0};
    CHECK_EQ(braid_reasm_forward(&r, 12, skip_old, 1), 0); /* an earlier SSN */
    CHECK(!braid_reasm_pd_aborted(&r));
    const uint16_t skip1[] = {1, 1};
    CHECK_EQ(braid_reasm_forward(&r, 12, skip1, 1), 0);
    CHECK(braid_reasm_pd_aborted(&r));
    /* the stream goes on after it; a complete partial message is not aborted */
    CHECK_EQ(add(&r, 22, 1, 2, B, "y"), 0);
    CHECK_STR(pieces(&r, 100), "1/2:y");
    CHECK_EQ(add(&r, 23, 1, 2, E, "z"), 0);
    CHECK_EQ(braid_reasm_forward(&r, 30, NULL, 0), 0);
    CHECK(!braid_reasm_pd_aborted(&r));
    CHECK_STR(pieces(&r, 100), "1/2:z$");
    braid_reasm_free(&r);
    check_no_leak();

    /* I-DATA: aborted only when its MID is listed */
    reset_counts();
    CHECK_EQ(braid_reasm_init(&r, &mem, 2, true), 0);
    braid_reasm_pressure(&r, true);
    CHECK_EQ(add_i(&r, 1, 0, 0, 7, B, "ab"), 0);
    CHECK_EQ(add_i(&r, 3, 0, 0, 1, 0, "cd"), 0);
    CHECK_EQ(add_i(&r, 7, 0, 0, 3, E, "gh"), 0); /* beyond the gap at FSN 2 */
    CHECK_STR(pieces(&r, 100), "0/0:abcd");
    /* new_cum passes all three, but MID 0 is not listed: it stays */
    CHECK_EQ(braid_reasm_iforward(&r, 8, NULL, NULL, NULL, 0), 0);
    CHECK(!braid_reasm_pd_aborted(&r));
    CHECK_EQ(add_i(&r, 9, 0, 0, 2, 0, "ef"), 0);
    CHECK_STR(pieces(&r, 100), "0/0:efgh$");
    CHECK_EQ(add_i(&r, 10, 0, 1, 7, B, "x"), 0);
    CHECK_EQ(add_i(&r, 12, 0, 1, 2, 0, "z"), 0);
    CHECK_STR(pieces(&r, 100), "0/1:x");
    const uint16_t sids[] = {1, 0, 0};
    const uint8_t uns[] = {0, 1, 0};
    const uint32_t mids[] = {5, 1, 0};
    /* other stream, unordered MID 1, an earlier MID: not it */
    CHECK_EQ(braid_reasm_iforward(&r, 12, sids, uns, mids, 3), 0);
    CHECK(!braid_reasm_pd_aborted(&r));
    const uint32_t mids1[] = {5, 1, 1};
    CHECK_EQ(braid_reasm_iforward(&r, 12, sids, uns, mids1, 3), 0);
    CHECK(braid_reasm_pd_aborted(&r));
    CHECK_EQ(braid_reasm_bytes(&r), 0);
    CHECK_EQ(add_i(&r, 13, 0, 2, 7, BE, "two"), 0);
    CHECK_STR(pieces(&r, 100), "0/2:two$");
    /* unordered I-DATA, listed with the U bit */
    CHECK_EQ(add_i(&r, 14, 1, 4, 7, U | B, "uu"), 0);
    CHECK_STR(pieces(&r, 100), "u1/4:uu");
    const uint16_t sid1[] = {1};
    const uint8_t u1[] = {1};
    const uint32_t mid4[] = {4};
    CHECK_EQ(braid_reasm_iforward(&r, 14, sid1, u1, mid4, 1), 0);
    CHECK(braid_reasm_pd_aborted(&r));
    braid_reasm_free(&r);
    check_no_leak();
}

/* The association ends under a partial delivery. */
static void test_pd_end(void)
{
    reset_counts();
    braid_reasm r;
    CHECK_EQ(braid_reasm_init(&r, &mem, 2, false), 0);
    braid_reasm_pressure(&r, true);
    CHECK_EQ(add(&r, 1, 0, 0, B, "aa"), 0);
    CHECK_EQ(add(&r, 3, 0, 0, 0, "cc"), 0);
    CHECK_EQ(add(&r, 5, 1, 0, BE, "kept"), 0);
    CHECK_STR(pieces(&r, 1), "0/0:a 0/0:a");
    /* abort_pd: the complete message behind it becomes readable */
    braid_reasm_abort_pd(&r);
    CHECK(braid_reasm_pd_aborted(&r));
    CHECK(braid_reasm_readable(&r));
    CHECK_STR(pieces(&r, 100), "1/0:kept$");
    CHECK_EQ(braid_reasm_bytes(&r), 0);
    braid_reasm_abort_pd(&r); /* none: nothing happens */
    CHECK(!braid_reasm_pd_aborted(&r));
    /* free with a partial message, read or not */
    CHECK_EQ(add(&r, 10, 1, 1, B, "bb"), 0);
    CHECK(braid_reasm_readable(&r));
    braid_reasm_free(&r);
    CHECK(braid_reasm_pd_aborted(&r));
    check_no_leak();
}

/* Allocation failure at every allocation of a scenario with partial
 * delivery: every failed add is repeated (a retransmission) and the pieces
 * read come out the same. */
static const char *pd_nomem_scenario(long fail_at, int *nomems)
{
    static char out[1024];
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
        int op; /* 0: add; 1: pressure on; 2: read 3 bytes; 3: FORWARD TSN */
    } ops[] = {
        /* 0/0: TSN 1-5, 4 lost and abandoned; 290/0: 6; u1/0: 7-9; 2/0:
         * 10-12; 0/1: 13-15 */
        {1, 0, 0, B, "ab", 0},  {2, 0, 0, 0, "cd", 0},   {0, 0, 0, 0, "", 1},
        {0, 0, 0, 0, "", 2},    {6, 290, 0, BE, "x", 0}, {7, 1, 0, U | B, "uu", 0},
        {0, 0, 0, 0, "", 2},    {3, 0, 0, 0, "ef", 0},   {9, 1, 0, U | E, "ww", 0},
        {0, 0, 0, 0, "", 2},    {5, 0, 0, E, "gh", 0},   {0, 0, 0, 0, "", 2},
        {10, 2, 0, B, "p", 0},  {11, 2, 0, 0, "q", 0},   {0, 0, 0, 0, "", 3},
        {0, 0, 0, 0, "", 2},    {8, 1, 0, U, "vv", 0},   {0, 0, 0, 0, "", 2},
        {12, 2, 0, E, "r", 0},  {13, 0, 1, B, "ij", 0},  {15, 0, 1, E, "mn", 0},
        {14, 0, 1, 0, "kl", 0},
    };
    size_t off = 0;
    out[0] = 0;
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        const char *p = "";
        switch (ops[i].op) {
        case 0:
            while ((rc = add(&r, ops[i].tsn, ops[i].sid, ops[i].ssn, ops[i].flags, ops[i].p)) ==
                   BRAID_ERR_NOMEM)
                (*nomems)++;
            CHECK_EQ(rc, 0);
            break;
        case 1: braid_reasm_pressure(&r, true); break;
        case 2: p = pieces(&r, 3); break;
        case 3: {
            /* skips the rest of 0/0 (TSN 4-5) */
            const uint16_t skip[] = {0, 0};
            while ((rc = braid_reasm_forward(&r, 5, skip, 1)) == BRAID_ERR_NOMEM)
                (*nomems)++;
            CHECK_EQ(rc, 0);
            p = braid_reasm_pd_aborted(&r) ? "ABORT" : "";
            break;
        }
        }
        if (*p)
            append(out, sizeof out, &off, " | ", p);
    }
    append(out, sizeof out, &off, " | ", pieces(&r, 100));
    braid_reasm_free(&r);
    check_no_leak();
    return out;
}

static void test_pd_alloc_failure(void)
{
    int nomems;
    char want[1024];
    snprintf(want, sizeof want, "%s", pd_nomem_scenario(0, &nomems));
    /* after the abort the oldest waiting one (u1/0) goes first, then 2/0 */
    CHECK_STR(want, "0/0:abc 0/0:d | 0/0:ef | ABORT | 290/0:x$ u1/0:uu | u1/0:vvw u1/0:w$ "
                    "2/0:pq | 2/0:r$ 0/1:ijklmn$");
    CHECK_EQ(nomems, 0);
    long total = cnt.attempts;
    CHECK(total > 10);
    for (long n = 1; n <= total; n++) {
        CHECK_STR(pd_nomem_scenario(n, &nomems), want);
        CHECK_EQ(nomems, 1);
    }
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

/* Fills msgs and chunks (fragments in TSN order, then reordered within a
 * window of 40); returns the number of chunks. */
static size_t gen_chunks(bool idata)
{
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
    return nch;
}

static void random_run(bool idata, uint32_t seed)
{
    rng_state = seed;
    reset_counts();
    size_t nch = gen_chunks(idata);
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

/*
 * The same traffic through a receive buffer of buf bytes, accepted as the
 * engine does (RFC 9260 §6.2): a chunk above the highest TSN received that
 * does not fit the window is dropped (and comes again later, as a
 * retransmission) unless it is what the partial delivery needs; pressure is
 * signalled when the window cannot take a full fragment and nothing can be
 * read. The reader takes pieces of 1..8 bytes. Exactly once, byte-exact, in
 * order per stream, one message at a time (RFC 6458 §8.1.20 level 0), EOR
 * on the last piece only, and no stall.
 */
static long pd_drops, pd_needed;

static void random_pd_run(bool idata, uint32_t seed, size_t buf, size_t pd_point, long *pds)
{
    enum { MAXFRAG = 16 };
    rng_state = seed;
    reset_counts();
    size_t nch = gen_chunks(idata);
    static size_t ring[RCHUNKS];
    size_t head = 0, count = nch;
    for (size_t i = 0; i < nch; i++)
        ring[i] = i;
    braid_reasm r;
    CHECK_EQ(braid_reasm_init(&r, &mem, RSTREAMS, idata), 0);
    braid_reasm_set_pd_point(&r, pd_point);
    uint32_t highest = 0, expect_ordered[RSTREAMS] = {0};
    bool any = false;
    int cur = -1; /* the message being read */
    size_t delivered = 0;
    long steps = 0;
    while (delivered < RMSG && steps++ < 4000000) {
        if (count && rnd() % 4) {
            size_t ci = ring[head];
            head = (head + 1) % nch;
            count--;
            rchunk *ch = &chunks[ci];
            size_t held = braid_reasm_bytes(&r);
            size_t rwnd = held >= buf ? 0 : buf - held;
            bool above = !any || braid_tsn_gt(ch->c.tsn, highest);
            bool needed = braid_reasm_pd_needs(&r, &ch->c, ch->flags, idata);
            if (rwnd < ch->c.payload_len && above && !needed) {
                ring[(head + count) % nch] = ci; /* dropped: sent again later */
                count++;
                pd_drops++;
            } else {
                if (rwnd < ch->c.payload_len && above)
                    pd_needed++;
                CHECK_EQ(braid_reasm_add(&r, &ch->c, ch->flags, idata), 0);
                if (above)
                    highest = ch->c.tsn;
                any = true;
            }
        } else {
            braid_rx_msg *m = braid_reasm_peek(&r);
            if (!m) {
                CHECK(count > 0); /* else nothing can ever be read: stalled */
                if (!count)
                    break;
            } else {
                int mi = (int)m->ppid;
                CHECK(mi >= 0 && mi < RMSG);
                if (mi < 0 || mi >= RMSG)
                    break;
                rmsg *want = &msgs[mi];
                if (m->read_off == 0) { /* its first piece */
                    CHECK_EQ(cur, -1);
                    CHECK(!want->delivered);
                    want->delivered = true;
                    cur = mi;
                    CHECK_EQ(m->sid, want->sid);
                    CHECK_EQ(m->unordered, want->unordered);
                    CHECK_EQ(idata ? m->mid : m->ssn, want->seq);
                    if (!want->unordered) {
                        CHECK_EQ(want->seq, expect_ordered[want->sid]);
                        expect_ordered[want->sid]++;
                    }
                    if (m->partial)
                        (*pds)++;
                }
                CHECK_EQ(mi, cur);
                CHECK(m->len <= want->len);
                if (!m->partial)
                    CHECK_EQ(m->len, want->len);
                uint8_t tmp[8];
                size_t n = braid_rx_msg_read(m, tmp, 1 + rnd() % 8);
                CHECK(n > 0);
                CHECK(m->read_off <= want->len);
                if (n && m->read_off <= want->len)
                    CHECK_MEM(tmp, want->data + m->read_off - n, n);
                if (braid_rx_msg_done(m)) {
                    CHECK_EQ(m->read_off, want->len);
                    braid_reasm_release(&r);
                    delivered++;
                    cur = -1;
                }
            }
        }
        size_t held = braid_reasm_bytes(&r);
        braid_reasm_pressure(&r, (held >= buf || buf - held < MAXFRAG) && !braid_reasm_peek(&r));
    }
    CHECK_EQ(delivered, RMSG);
    CHECK_EQ(count, 0);
    CHECK_EQ(braid_reasm_bytes(&r), 0);
    braid_reasm_free(&r);
    CHECK(!braid_reasm_pd_aborted(&r));
    check_no_leak();
}

static void test_random_pd(void)
{
    static const size_t bufs[] = {24, 48, 160}, points[] = {0, 0, 10, 40};
    long pds = 0;
    for (uint32_t s = 1; s <= 24; s++) {
        size_t buf = bufs[s % 3], point = points[s % 4];
        random_pd_run(false, 0x2468aceu * s, buf, point, &pds);
        random_pd_run(true, 0x13579bdu * s, buf, point, &pds);
    }
    CHECK(pds > 100); /* partial delivery did happen, often */
    CHECK(pd_needed > 0);
    printf("  %ld partial deliveries, %ld chunks dropped for the window, %ld taken past it\n", pds,
           pd_drops, pd_needed);
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
    RUN(test_pd_pressure);
    RUN(test_pd_point);
    RUN(test_pd_ordered_waits);
    RUN(test_pd_blocks_others);
    RUN(test_pd_forward_abort);
    RUN(test_pd_end);
    RUN(test_pd_alloc_failure);
    RUN(test_random_pd);
    return CHECK_REPORT();
}
