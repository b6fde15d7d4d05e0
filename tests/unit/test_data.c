/* DATA (RFC 9260 §3.3.1) and I-DATA (RFC 8260 §2.1) codec tests. */
#include "check.h"
#include "core/wire/chunk.h"

/* Frames buf as one bare chunk and decodes it; returns the parse result
 * (or the framing error). */
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

static void test_data_vector(void)
{
    /* RFC 9260 §3.3.1, written by hand: flags U|B|E, length 16 + 5, 3 bytes
     * of padding. */
    const uint8_t pkt[] = {
        0x00, 0x07, 0x00, 0x15,               /* type 0, flags UBE, length 21 */
        0x01, 0x02, 0x03, 0x04,               /* TSN */
        0x00, 0x05, 0x12, 0x34,               /* SID 5, SSN 0x1234 */
        0xde, 0xad, 0xbe, 0xef,               /* PPID */
        'h',  'e',  'l',  'l',  'o', 0, 0, 0, /* user data + padding */
    };
    braid_chunk c;
    memset(&c, 0xa5, sizeof c);
    CHECK_EQ(parse_one(pkt, sizeof pkt, &c), 0);
    CHECK_EQ(c.type, BRAID_CHUNK_DATA);
    CHECK_EQ(c.flags, BRAID_DATA_FLAG_U | BRAID_DATA_FLAG_B | BRAID_DATA_FLAG_E);
    CHECK_EQ(c.u.data.tsn, 0x01020304);
    CHECK_EQ(c.u.data.sid, 5);
    CHECK_EQ(c.u.data.ssn, 0x1234);
    CHECK_EQ(c.u.data.ppid, 0xdeadbeef);
    CHECK_EQ(c.u.data.mid, 0);
    CHECK_EQ(c.u.data.fsn, 0);
    CHECK_EQ(c.u.data.payload_len, 5);
    CHECK(c.u.data.payload == pkt + 16); /* points into the packet */
    char d[256];
    CHECK_STR(describe(&c, d, sizeof d),
              "DATA(flags=0x07 tsn=16909060 sid=5 ssn=4660 ppid=3735928559 len=5 data=68656c6c6f)");

    /* write(parse(x)) == x */
    uint8_t out[64];
    memset(out, 0xff, sizeof out);
    braid_wr w;
    braid_wr_init(&w, out, sizeof out);
    CHECK_EQ(braid_chunk_write(&w, &c), 0);
    CHECK_EQ(w.off, sizeof pkt);
    CHECK_MEM(out, pkt, sizeof pkt);
}

static void test_data_roundtrip(void)
{
    const uint8_t payload[] = {1, 2, 3, 4, 5, 6, 7, 8};
    for (size_t n = 1; n <= sizeof payload; n++) {
        braid_chunk c = {.type = BRAID_CHUNK_DATA, .flags = BRAID_DATA_FLAG_I | BRAID_DATA_FLAG_B};
        c.u.data.tsn = 0xfffffffe;
        c.u.data.sid = 65535;
        c.u.data.ssn = 7;
        c.u.data.ppid = 51; /* WebRTC string */
        c.u.data.payload = payload;
        c.u.data.payload_len = n;
        uint8_t buf[64];
        memset(buf, 0xff, sizeof buf);
        braid_wr w;
        braid_wr_init(&w, buf, sizeof buf);
        CHECK_EQ(braid_chunk_write(&w, &c), 0);
        CHECK_EQ(w.off, braid_pad4(16 + n));
        CHECK_EQ(braid_load16(buf + 2), 16 + n); /* length excludes padding */
        for (size_t i = 16 + n; i < w.off; i++)
            CHECK_EQ(buf[i], 0); /* padding is zero */
        braid_chunk d;
        CHECK_EQ(parse_one(buf, w.off, &d), 0);
        CHECK_EQ(d.type, BRAID_CHUNK_DATA);
        CHECK_EQ(d.flags, BRAID_DATA_FLAG_I | BRAID_DATA_FLAG_B);
        CHECK_EQ(d.u.data.tsn, 0xfffffffe);
        CHECK_EQ(d.u.data.sid, 65535);
        CHECK_EQ(d.u.data.ssn, 7);
        CHECK_EQ(d.u.data.ppid, 51);
        CHECK_EQ(d.u.data.payload_len, n);
        CHECK_MEM(d.u.data.payload, payload, n);
    }
}

static void test_data_unaligned_writer(void)
{
    /* Padding goes to the next multiple of 4 of the writer offset, as
     * braid_chunk_end does. */
    const uint8_t payload[] = {9};
    braid_chunk c = {.type = BRAID_CHUNK_DATA, .flags = 3};
    c.u.data.payload = payload;
    c.u.data.payload_len = 1;
    uint8_t buf[32];
    braid_wr w;
    braid_wr_init(&w, buf, sizeof buf);
    w.off = 2;
    CHECK_EQ(braid_chunk_write(&w, &c), 0);
    CHECK_EQ(w.off, 20); /* 2 + 17 -> 19, padded to 20 */
}

static void test_data_malformed(void)
{
    braid_chunk c;
    /* value of 11 bytes: fixed part incomplete (RFC 9260 §3.3.1) */
    const uint8_t short_val[] = {0, 3, 0, 15, 0, 0, 0, 1, 0, 1, 0, 1, 0, 0, 0, 0};
    CHECK_EQ(parse_one(short_val, sizeof short_val, &c), BRAID_ERR_CHUNK_VALUE);
    /* no value at all */
    const uint8_t bare[] = {0, 3, 0, 4};
    CHECK_EQ(parse_one(bare, sizeof bare, &c), BRAID_ERR_CHUNK_VALUE);
    /* length 16: no user data (RFC 9260 §6.2) */
    const uint8_t empty[] = {0, 3, 0, 16, 0, 0, 0, 1, 0, 1, 0, 1, 0, 0, 0, 0};
    CHECK_EQ(parse_one(empty, sizeof empty, &c), BRAID_ERR_DATA_EMPTY);
}

static void test_data_write_errors(void)
{
    const uint8_t payload[5] = {1, 2, 3, 4, 5};
    braid_chunk c = {.type = BRAID_CHUNK_DATA, .flags = 3};
    c.u.data.payload = payload;
    c.u.data.payload_len = sizeof payload;
    uint8_t buf[64];
    braid_wr w;
    /* needs 24 bytes (21 + 3 padding) */
    for (size_t cap = 0; cap < 24; cap++) {
        braid_wr_init(&w, buf, cap);
        CHECK_EQ(braid_chunk_write(&w, &c), BRAID_ERR_NOSPACE);
        CHECK_EQ(w.off, 0);
        CHECK(!w.err);
    }
    braid_wr_init(&w, buf, 24);
    CHECK_EQ(braid_chunk_write(&w, &c), 0);
    /* RFC 9260 §6.2: never send DATA with no user data */
    c.u.data.payload_len = 0;
    braid_wr_init(&w, buf, sizeof buf);
    CHECK_EQ(braid_chunk_write(&w, &c), BRAID_ERR_DATA_EMPTY);
    CHECK_EQ(w.off, 0);
    /* too big for the 16-bit length */
    static uint8_t big[70000];
    static uint8_t bigbuf[70100];
    c.u.data.payload = big;
    c.u.data.payload_len = 65535 - 16 + 1;
    braid_wr_init(&w, bigbuf, sizeof bigbuf);
    CHECK_EQ(braid_chunk_write(&w, &c), BRAID_ERR_NOSPACE);
    c.u.data.payload_len = 65535 - 16;
    CHECK_EQ(braid_chunk_write(&w, &c), 0);
    CHECK_EQ(braid_load16(bigbuf + 2), 65535);
    CHECK_EQ(w.off, 65536);
}

static void test_idata_vector(void)
{
    /* RFC 8260 §2.1, B bit set: the last header word is the PPID. */
    const uint8_t b_pkt[] = {
        0x40, 0x0a, 0x00, 0x16, /* type 64, flags I|B, length 22 */
        0x00, 0x00, 0x00, 0x2a, /* TSN 42 */
        0x00, 0x03, 0xab, 0xcd, /* SID 3, reserved (ignored) */
        0x00, 0x01, 0x00, 0x00, /* MID 65536 */
        0x00, 0x00, 0x00, 0x35, /* PPID 53 */
        0xca, 0xfe, 0x00, 0x00, /* user data + padding */
    };
    braid_chunk c;
    memset(&c, 0xa5, sizeof c);
    CHECK_EQ(parse_one(b_pkt, sizeof b_pkt, &c), 0);
    CHECK_EQ(c.type, BRAID_CHUNK_IDATA);
    CHECK_EQ(c.flags, BRAID_DATA_FLAG_I | BRAID_DATA_FLAG_B);
    CHECK_EQ(c.u.data.tsn, 42);
    CHECK_EQ(c.u.data.sid, 3);
    CHECK_EQ(c.u.data.ssn, 0);
    CHECK_EQ(c.u.data.mid, 65536);
    CHECK_EQ(c.u.data.ppid, 53);
    CHECK_EQ(c.u.data.fsn, 0);
    CHECK_EQ(c.u.data.payload_len, 2);
    CHECK(c.u.data.payload == b_pkt + 20);
    char d[256];
    CHECK_STR(describe(&c, d, sizeof d),
              "I_DATA(flags=0x0a tsn=42 sid=3 mid=65536 ppid=53 len=2 data=cafe)");
    /* Re-encoding writes the reserved field as 0. */
    uint8_t out[64];
    braid_wr w;
    braid_wr_init(&w, out, sizeof out);
    CHECK_EQ(braid_chunk_write(&w, &c), 0);
    CHECK_EQ(w.off, sizeof b_pkt);
    CHECK_MEM(out, b_pkt, 10);
    CHECK_EQ(out[10], 0);
    CHECK_EQ(out[11], 0);
    CHECK_MEM(out + 12, b_pkt + 12, sizeof b_pkt - 12);

    /* B bit clear: the last header word is the FSN. */
    const uint8_t m_pkt[] = {
        0x40, 0x05, 0x00, 0x15, /* type 64, flags U|E, length 21 */
        0x80, 0x00, 0x00, 0x00, /* TSN */
        0x01, 0x00, 0x00, 0x00, /* SID 256, reserved */
        0x00, 0x00, 0x00, 0x07, /* MID 7 */
        0x00, 0x00, 0x00, 0x02, /* FSN 2 */
        0x99, 0x00, 0x00, 0x00, /* user data + padding */
    };
    memset(&c, 0xa5, sizeof c);
    CHECK_EQ(parse_one(m_pkt, sizeof m_pkt, &c), 0);
    CHECK_EQ(c.flags, BRAID_DATA_FLAG_U | BRAID_DATA_FLAG_E);
    CHECK_EQ(c.u.data.tsn, 0x80000000u);
    CHECK_EQ(c.u.data.sid, 256);
    CHECK_EQ(c.u.data.ssn, 0);
    CHECK_EQ(c.u.data.mid, 7);
    CHECK_EQ(c.u.data.ppid, 0);
    CHECK_EQ(c.u.data.fsn, 2);
    CHECK_EQ(c.u.data.payload_len, 1);
    CHECK_EQ(c.u.data.payload[0], 0x99);
    CHECK_STR(describe(&c, d, sizeof d),
              "I_DATA(flags=0x05 tsn=2147483648 sid=256 mid=7 fsn=2 len=1 data=99)");
    braid_wr_init(&w, out, sizeof out);
    CHECK_EQ(braid_chunk_write(&w, &c), 0);
    CHECK_EQ(w.off, sizeof m_pkt);
    CHECK_MEM(out, m_pkt, sizeof m_pkt);
}

static void test_idata_roundtrip(void)
{
    const uint8_t payload[] = "interleaved";
    for (int b = 0; b < 2; b++) {
        braid_chunk c = {.type = BRAID_CHUNK_IDATA, .flags = (uint8_t)(b ? BRAID_DATA_FLAG_B : 0)};
        c.u.data.tsn = 1000;
        c.u.data.sid = 9;
        c.u.data.mid = 0xffffffff;
        c.u.data.ppid = b ? 50 : 0;
        c.u.data.fsn = b ? 0 : 12345;
        c.u.data.payload = payload;
        c.u.data.payload_len = sizeof payload - 1;
        uint8_t buf[64];
        braid_wr w;
        braid_wr_init(&w, buf, sizeof buf);
        CHECK_EQ(braid_chunk_write(&w, &c), 0);
        CHECK_EQ(w.off, braid_pad4(20 + sizeof payload - 1));
        braid_chunk d;
        CHECK_EQ(parse_one(buf, w.off, &d), 0);
        CHECK_EQ(d.type, BRAID_CHUNK_IDATA);
        CHECK_EQ(d.flags, c.flags);
        CHECK_EQ(d.u.data.tsn, 1000);
        CHECK_EQ(d.u.data.sid, 9);
        CHECK_EQ(d.u.data.mid, 0xffffffff);
        CHECK_EQ(d.u.data.ppid, c.u.data.ppid);
        CHECK_EQ(d.u.data.fsn, c.u.data.fsn);
        CHECK_EQ(d.u.data.payload_len, sizeof payload - 1);
        CHECK_MEM(d.u.data.payload, payload, sizeof payload - 1);
    }
}

static void test_idata_malformed(void)
{
    braid_chunk c;
    /* value of 15 bytes: fixed part incomplete (RFC 8260 §2.1) */
    const uint8_t short_val[] = {64, 3, 0, 19, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0};
    CHECK_EQ(parse_one(short_val, sizeof short_val, &c), BRAID_ERR_CHUNK_VALUE);
    /* a DATA header with one byte of data (value 13) is too short for I-DATA */
    const uint8_t data_sized[] = {64, 3, 0, 17, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 1, 0x55, 0, 0, 0};
    CHECK_EQ(parse_one(data_sized, sizeof data_sized, &c), BRAID_ERR_CHUNK_VALUE);
    /* length 20: no user data */
    const uint8_t empty[] = {64, 3, 0, 20, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0};
    CHECK_EQ(parse_one(empty, sizeof empty, &c), BRAID_ERR_DATA_EMPTY);
}

static void test_idata_write_errors(void)
{
    const uint8_t payload[3] = {1, 2, 3};
    braid_chunk c = {.type = BRAID_CHUNK_IDATA, .flags = 3};
    c.u.data.payload = payload;
    c.u.data.payload_len = sizeof payload;
    uint8_t buf[64];
    braid_wr w;
    for (size_t cap = 0; cap < 24; cap++) {
        braid_wr_init(&w, buf, cap);
        CHECK_EQ(braid_chunk_write(&w, &c), BRAID_ERR_NOSPACE);
        CHECK_EQ(w.off, 0);
    }
    braid_wr_init(&w, buf, 24);
    CHECK_EQ(braid_chunk_write(&w, &c), 0);
    c.u.data.payload_len = 0;
    braid_wr_init(&w, buf, sizeof buf);
    CHECK_EQ(braid_chunk_write(&w, &c), BRAID_ERR_DATA_EMPTY);
}

static void test_data_describe_long(void)
{
    /* payload hex is cut at 64 bytes */
    uint8_t payload[65];
    memset(payload, 0x11, sizeof payload);
    braid_chunk c = {.type = BRAID_CHUNK_DATA, .flags = 0};
    c.u.data.payload = payload;
    c.u.data.payload_len = sizeof payload;
    char d[512];
    describe(&c, d, sizeof d);
    char want[512];
    int k = snprintf(want, sizeof want, "DATA(flags=0x00 tsn=0 sid=0 ssn=0 ppid=0 len=65 data=");
    for (int i = 0; i < 64; i++)
        k += snprintf(want + k, sizeof want - (size_t)k, "11");
    snprintf(want + k, sizeof want - (size_t)k, "...)");
    CHECK_STR(d, want);
}

int main(void)
{
    RUN(test_data_vector);
    RUN(test_data_roundtrip);
    RUN(test_data_unaligned_writer);
    RUN(test_data_malformed);
    RUN(test_data_write_errors);
    RUN(test_idata_vector);
    RUN(test_idata_roundtrip);
    RUN(test_idata_malformed);
    RUN(test_idata_write_errors);
    RUN(test_data_describe_long);
    return CHECK_REPORT();
}
