/* INIT and INIT ACK (src/core/wire/init.c), through the chunk dispatcher. */
#include "check.h"
#include "core/wire/chunk.h"
#include "core/wire/init.h"
#include "core/wire/tlv.h"

/* Frames the first chunk of b[0..n) and decodes it. */
static int parse1(const uint8_t *b, size_t n, braid_chunk *c)
{
    braid_chunk_iter it;
    braid_chunk_view v;
    braid_chunk_iter_init_bare(&it, b, n);
    int rc = braid_chunk_iter_next(&it, &v);
    if (rc <= 0)
        return rc == 0 ? -1000 : rc;
    return braid_chunk_parse(&v, c);
}

static const char *desc(const braid_chunk *c, char *buf, size_t cap)
{
    braid_sbuf s;
    braid_sbuf_init(&s, buf, cap);
    braid_chunk_describe(&s, c);
    return buf;
}

/* INIT with an IPv4 Address and a Supported Address Types parameter whose
 * padding is left out of the chunk length (RFC 9260 §3.2). */
static const uint8_t init_vec[] = {
    1,    0,    0,    34,                 /* type, flags, length */
    0x12, 0x34, 0x56, 0x78,               /* Initiate Tag */
    0,    0,    0xff, 0xff,               /* a_rwnd */
    0,    10,   0,    11,                 /* OS, MIS */
    0xaa, 0xbb, 0xcc, 0xdd,               /* Initial TSN */
    0,    5,    0,    8,    192, 0, 2, 1, /* IPv4 Address */
    0,    12,   0,    6,    0,   5, 0, 0, /* Supported Address Types + pad */
};

/* INIT ACK with a State Cookie and Forward-TSN-Supported. */
static const uint8_t init_ack_vec[] = {
    2,    0, 0,    32,                           /* type, flags, length */
    0,    0, 0,    1,                            /* Initiate Tag */
    0,    0, 0x05, 0xdc,                         /* a_rwnd = 1500 */
    0,    1, 0,    1,                            /* OS, MIS */
    0,    0, 0,    0,                            /* Initial TSN */
    0,    7, 0,    8,    0xc0, 0x0c, 0x1e, 0x00, /* State Cookie */
    0xc0, 0, 0,    4,                            /* Forward-TSN-Supported */
};

static void test_init_vector(void)
{
    braid_chunk c;
    char buf[512];
    CHECK_EQ(parse1(init_vec, sizeof init_vec, &c), 0);
    CHECK_EQ(c.type, BRAID_CHUNK_INIT);
    CHECK_EQ(c.flags, 0);
    CHECK_EQ(c.u.init.init_tag, 0x12345678);
    CHECK_EQ(c.u.init.a_rwnd, 65535);
    CHECK_EQ(c.u.init.os, 10);
    CHECK_EQ(c.u.init.mis, 11);
    CHECK_EQ(c.u.init.initial_tsn, 0xaabbccdd);
    CHECK(c.u.init.params == init_vec + 20);
    CHECK_EQ(c.u.init.params_len, 14);
    CHECK_STR(desc(&c, buf, sizeof buf),
              "INIT(flags=0x00 init_tag=305419896 a_rwnd=65535 os=10 mis=11 "
              "initial_tsn=2864434397 params=[IPv4 Address{addr=192.0.2.1}; "
              "Supported Address Types{n=1 types=5}])");

    braid_tlv t;
    CHECK_EQ(braid_init_find_param(&c.u.init, BRAID_PARAM_SUPPORTED_ADDR_TYPES, &t), 1);
    CHECK_EQ(t.type, BRAID_PARAM_SUPPORTED_ADDR_TYPES);
    CHECK_EQ(t.length, 6);
    CHECK_EQ(t.value_len, 2);
    CHECK(t.value == init_vec + 32);
    CHECK_EQ(braid_init_find_param(&c.u.init, BRAID_PARAM_IPV4, &t), 1);
    CHECK(t.raw == init_vec + 20);
    CHECK_EQ(braid_init_find_param(&c.u.init, BRAID_PARAM_STATE_COOKIE, &t), 0);

    /* write(parse(x)) == x */
    uint8_t out[64];
    braid_wr w;
    braid_wr_init(&w, out, sizeof out);
    CHECK_EQ(braid_chunk_write(&w, &c), 0);
    CHECK_EQ(w.off, sizeof init_vec);
    CHECK_MEM(out, init_vec, sizeof init_vec);
}

static void test_init_ack_vector(void)
{
    braid_chunk c;
    char buf[512];
    CHECK_EQ(parse1(init_ack_vec, sizeof init_ack_vec, &c), 0);
    CHECK_EQ(c.type, BRAID_CHUNK_INIT_ACK);
    CHECK_EQ(c.flags, 0);
    CHECK_EQ(c.u.init.init_tag, 1);
    CHECK_EQ(c.u.init.a_rwnd, 1500);
    CHECK_EQ(c.u.init.os, 1);
    CHECK_EQ(c.u.init.mis, 1);
    CHECK_EQ(c.u.init.initial_tsn, 0);
    CHECK(c.u.init.params == init_ack_vec + 20);
    CHECK_EQ(c.u.init.params_len, 12);
    CHECK_STR(desc(&c, buf, sizeof buf),
              "INIT_ACK(flags=0x00 init_tag=1 a_rwnd=1500 os=1 mis=1 initial_tsn=0 "
              "params=[State Cookie{len=4 cookie=c00c1e00}; Forward-TSN-Supported{}])");

    braid_tlv t;
    CHECK_EQ(braid_init_find_param(&c.u.init, BRAID_PARAM_STATE_COOKIE, &t), 1);
    CHECK_EQ(t.value_len, 4);
    CHECK(t.value == init_ack_vec + 24);

    uint8_t out[64];
    braid_wr w;
    braid_wr_init(&w, out, sizeof out);
    CHECK_EQ(braid_chunk_write(&w, &c), 0);
    CHECK_EQ(w.off, sizeof init_ack_vec);
    CHECK_MEM(out, init_ack_vec, sizeof init_ack_vec);
}

/* Builds the parameter list: IPv6 address, Supported Extensions, Cookie. */
static size_t build_params(uint8_t *buf, size_t cap)
{
    braid_wr w;
    braid_param p;
    braid_wr_init(&w, buf, cap);
    memset(&p, 0, sizeof p);
    p.type = BRAID_PARAM_IPV6;
    p.u.addr.len = 16;
    p.u.addr.bytes[0] = 0xfe;
    p.u.addr.bytes[1] = 0x80;
    p.u.addr.bytes[15] = 1;
    CHECK_EQ(braid_param_write(&w, &p), 0);
    static const uint8_t ext[] = {BRAID_CHUNK_RECONFIG, BRAID_CHUNK_FORWARD_TSN,
                                  BRAID_CHUNK_ASCONF};
    memset(&p, 0, sizeof p);
    p.type = BRAID_PARAM_SUPPORTED_EXT;
    p.u.bytes.p = ext;
    p.u.bytes.len = sizeof ext;
    CHECK_EQ(braid_param_write(&w, &p), 0);
    static const uint8_t cookie[] = {1, 2, 3, 4, 5};
    memset(&p, 0, sizeof p);
    p.type = BRAID_PARAM_STATE_COOKIE;
    p.u.bytes.p = cookie;
    p.u.bytes.len = sizeof cookie;
    CHECK_EQ(braid_param_write(&w, &p), 0);
    CHECK(!w.err);
    return w.off;
}

static void test_roundtrip(void)
{
    uint8_t params[128];
    size_t plen = build_params(params, sizeof params);
    CHECK_EQ(plen, 20 + 8 + 9); /* 20, 7 padded to 8, 9 unpadded */

    const uint8_t types[] = {BRAID_CHUNK_INIT, BRAID_CHUNK_INIT_ACK};
    for (size_t i = 0; i < 2; i++) {
        braid_chunk in, out;
        memset(&in, 0, sizeof in);
        in.type = types[i];
        in.flags = 0xa5; /* reserved, but kept as-is */
        in.u.init.init_tag = 0xfffffffe;
        in.u.init.a_rwnd = 0x7fffffff;
        in.u.init.os = 65535;
        in.u.init.mis = 1;
        in.u.init.initial_tsn = 0xffffffff;
        in.u.init.params = params;
        in.u.init.params_len = plen;

        uint8_t buf[128];
        braid_wr w;
        braid_wr_init(&w, buf, sizeof buf);
        CHECK_EQ(braid_chunk_write(&w, &in), 0);
        CHECK_EQ(w.off, braid_pad4(20 + plen));
        CHECK_EQ(buf[0], types[i]);
        CHECK_EQ(buf[1], 0xa5);
        CHECK_EQ(braid_load16(buf + 2), 20 + plen);
        CHECK_MEM(buf + 20, params, plen);
        for (size_t k = 20 + plen; k < w.off; k++)
            CHECK_EQ(buf[k], 0);

        CHECK_EQ(parse1(buf, w.off, &out), 0);
        CHECK_EQ(out.type, types[i]);
        CHECK_EQ(out.flags, 0xa5);
        CHECK_EQ(out.u.init.init_tag, 0xfffffffe);
        CHECK_EQ(out.u.init.a_rwnd, 0x7fffffff);
        CHECK_EQ(out.u.init.os, 65535);
        CHECK_EQ(out.u.init.mis, 1);
        CHECK_EQ(out.u.init.initial_tsn, 0xffffffff);
        CHECK_EQ(out.u.init.params_len, plen);
        CHECK_MEM(out.u.init.params, params, plen);

        char d1[512], d2[512];
        desc(&in, d1, sizeof d1);
        desc(&out, d2, sizeof d2);
        CHECK_STR(d1, d2);
        CHECK(strstr(d2, "flags=0xa5 init_tag=4294967294 a_rwnd=2147483647 os=65535 mis=1 "
                         "initial_tsn=4294967295 params=[IPv6 Address{addr=fe80:0:0:0:0:0:0:1}; "
                         "Supported Extensions{n=3 chunks=130,192,193}; "
                         "State Cookie{len=5 cookie=0102030405}])") != NULL);
    }

    /* no parameters at all (an INIT may have none) */
    braid_chunk in, out;
    memset(&in, 0, sizeof in);
    in.type = BRAID_CHUNK_INIT;
    in.u.init.init_tag = 7;
    in.u.init.a_rwnd = 1500;
    in.u.init.os = 1;
    in.u.init.mis = 2;
    uint8_t buf[32];
    braid_wr w;
    braid_wr_init(&w, buf, sizeof buf);
    CHECK_EQ(braid_chunk_write(&w, &in), 0);
    CHECK_EQ(w.off, 20);
    CHECK_EQ(parse1(buf, w.off, &out), 0);
    CHECK_EQ(out.u.init.params_len, 0);
    char d[256];
    CHECK_STR(desc(&out, d, sizeof d),
              "INIT(flags=0x00 init_tag=7 a_rwnd=1500 os=1 mis=2 initial_tsn=0 params=[])");
}

typedef struct bad {
    const uint8_t *b;
    size_t n;
    int err;
} bad;

#define V(...) ((const uint8_t[]){__VA_ARGS__}), sizeof((const uint8_t[]){__VA_ARGS__})
/* the fixed part with tag, a_rwnd, OS, MIS picked by the case */
#define FIXED(tag, rwnd_hi, rwnd_lo, os, mis)                                                      \
    0, 0, 0, tag, 0, 0, rwnd_hi, rwnd_lo, 0, os, 0, mis, 0, 0, 0, 0

static void test_malformed(void)
{
    const bad bs[] = {
        /* RFC 9260 §3.3.2 / §3.3.3: 16 bytes of fixed fields */
        {V(1, 0, 0, 4), BRAID_ERR_CHUNK_VALUE},
        {V(1, 0, 0, 19, 0, 0, 0, 1, 0, 0, 0x05, 0xdc, 0, 1, 0, 1, 0, 0, 0, 0),
         BRAID_ERR_CHUNK_VALUE},
        {V(2, 0, 0, 16, 0, 0, 0, 1, 0, 0, 0x05, 0xdc, 0, 1, 0, 1), BRAID_ERR_CHUNK_VALUE},
        {V(2, 0, 0, 4), BRAID_ERR_CHUNK_VALUE},
        /* Initiate Tag 0 */
        {V(1, 0, 0, 20, FIXED(0, 0x05, 0xdc, 1, 1)), BRAID_ERR_INIT_ZERO_TAG},
        {V(2, 0, 0, 28, FIXED(0, 0x05, 0xdc, 1, 1), 0, 7, 0, 8, 1, 2, 3, 4),
         BRAID_ERR_INIT_ZERO_TAG},
        /* a_rwnd below 1500 */
        {V(1, 0, 0, 20, FIXED(1, 0x05, 0xdb, 1, 1)), BRAID_ERR_INIT_RWND},
        {V(1, 0, 0, 20, FIXED(1, 0, 0, 1, 1)), BRAID_ERR_INIT_RWND},
        {V(2, 0, 0, 28, FIXED(1, 0x05, 0xdb, 1, 1), 0, 7, 0, 8, 1, 2, 3, 4), BRAID_ERR_INIT_RWND},
        /* OS or MIS 0 */
        {V(1, 0, 0, 20, FIXED(1, 0x05, 0xdc, 0, 1)), BRAID_ERR_INIT_STREAMS},
        {V(1, 0, 0, 20, FIXED(1, 0x05, 0xdc, 1, 0)), BRAID_ERR_INIT_STREAMS},
        {V(2, 0, 0, 28, FIXED(1, 0x05, 0xdc, 0, 1), 0, 7, 0, 8, 1, 2, 3, 4),
         BRAID_ERR_INIT_STREAMS},
        {V(2, 0, 0, 28, FIXED(1, 0x05, 0xdc, 1, 0), 0, 7, 0, 8, 1, 2, 3, 4),
         BRAID_ERR_INIT_STREAMS},
        /* parameter framing (RFC 9260 §3.2.1) */
        {V(1, 0, 0, 24, FIXED(1, 0x05, 0xdc, 1, 1), 0, 5, 0, 0), BRAID_ERR_PARAM_LEN},
        {V(1, 0, 0, 24, FIXED(1, 0x05, 0xdc, 1, 1), 0, 5, 0, 3), BRAID_ERR_PARAM_LEN},
        {V(1, 0, 0, 28, FIXED(1, 0x05, 0xdc, 1, 1), 0, 5, 0, 12, 1, 2, 3, 4),
         BRAID_ERR_PARAM_OVERRUN},
        {V(1, 0, 0, 22, FIXED(1, 0x05, 0xdc, 1, 1), 0, 5, 0, 0), BRAID_ERR_PARAM_OVERRUN},
        {V(1, 0, 0, 26, FIXED(1, 0x05, 0xdc, 1, 1), 0, 7, 0, 5, 1, 0, 0, 0),
         BRAID_ERR_PARAM_PADDING},
        {V(2, 0, 0, 24, FIXED(1, 0x05, 0xdc, 1, 1), 0, 7, 0, 0), BRAID_ERR_PARAM_LEN},
        {V(2, 0, 0, 36, FIXED(1, 0x05, 0xdc, 1, 1), 0, 7, 0, 8, 1, 2, 3, 4, 0, 5, 0, 12, 1, 2, 3,
           4),
         BRAID_ERR_PARAM_OVERRUN},
        {V(2, 0, 0, 34, FIXED(1, 0x05, 0xdc, 1, 1), 0, 7, 0, 5, 1, 0, 0, 0, 0, 7, 0, 5, 9, 0, 0, 0),
         BRAID_ERR_PARAM_PADDING},
        /* RFC 9260 §3.3.3: State Cookie is mandatory in INIT ACK */
        {V(2, 0, 0, 20, FIXED(1, 0x05, 0xdc, 1, 1)), BRAID_ERR_MISSING_PARAM},
        {V(2, 0, 0, 28, FIXED(1, 0x05, 0xdc, 1, 1), 0, 5, 0, 8, 1, 2, 3, 4),
         BRAID_ERR_MISSING_PARAM},
    };
    for (size_t i = 0; i < sizeof bs / sizeof bs[0]; i++) {
        braid_chunk c;
        int rc = parse1(bs[i].b, bs[i].n, &c);
        CHECK_EQ(rc, bs[i].err);
        if (rc != bs[i].err)
            fprintf(stderr, "  malformed case %zu\n", i);
    }
}

static void test_accepted_edges(void)
{
    braid_chunk c;
    char buf[512];
    /* a_rwnd exactly 1500, and a State Cookie that is not the first parameter */
    static const uint8_t ack[] = {
        2,    0, 0, 33, FIXED(9, 0x05, 0xdc, 1, 1), 0, 5, 0, 8, 10, 0, 0, 1, 0, 7, 0, 5,
        0xee, 0, 0, 0};
    CHECK_EQ(parse1(ack, sizeof ack, &c), 0);
    CHECK_EQ(c.u.init.a_rwnd, 1500);
    CHECK_EQ(c.u.init.params_len, 13);

    /* the codec does not decode parameter values: an IPv4 parameter of the
     * wrong size and an unknown type pass parse, describe shows the problem */
    static const uint8_t init[] = {
        1, 0, 0, 30, FIXED(9, 0x05, 0xdc, 1, 1), 0x80, 0x0f, 0, 4, 0, 5, 0, 6, 1, 2, 0, 0};
    CHECK_EQ(parse1(init, sizeof init, &c), 0);
    CHECK_EQ(c.u.init.params_len, 10);
    CHECK_STR(
        desc(&c, buf, sizeof buf),
        "INIT(flags=0x00 init_tag=9 a_rwnd=1500 os=1 mis=1 initial_tsn=0 "
        "params=[UNKNOWN{type=32783 len=0 value=}; IPv4 Address!parameter value has the wrong "
        "size])");
    braid_tlv t;
    CHECK_EQ(braid_init_find_param(&c.u.init, BRAID_PARAM_IPV4, &t), 1);
    CHECK_EQ(t.value_len, 2);

    /* the same rules for an INIT ACK whose cookie follows a bad-value parameter */
    static const uint8_t ack2[] = {
        2, 0, 0, 33, FIXED(9, 0x05, 0xdc, 1, 1), 0, 9, 0, 5, 1, 0, 0, 0, 0, 7, 0, 5, 0xee, 0, 0, 0};
    CHECK_EQ(parse1(ack2, sizeof ack2, &c), 0);
    CHECK_EQ(braid_init_find_param(&c.u.init, BRAID_PARAM_STATE_COOKIE, &t), 1);
    CHECK_EQ(t.value_len, 1);

    /* nonzero reserved flags are accepted and kept */
    static const uint8_t flagged[] = {1, 0xff, 0, 20, FIXED(9, 0x05, 0xdc, 1, 1)};
    CHECK_EQ(parse1(flagged, sizeof flagged, &c), 0);
    CHECK_EQ(c.flags, 0xff);
    CHECK_STR(desc(&c, buf, sizeof buf),
              "INIT(flags=0xff init_tag=9 a_rwnd=1500 os=1 mis=1 initial_tsn=0 params=[])");
}

static void test_find_param_errors(void)
{
    static const uint8_t bad_list[] = {0, 5, 0, 8, 1, 2, 3, 4, 0, 6, 0, 0};
    braid_init_chunk ic;
    memset(&ic, 0, sizeof ic);
    ic.params = bad_list;
    ic.params_len = sizeof bad_list;
    braid_tlv t;
    /* found before the broken TLV */
    CHECK_EQ(braid_init_find_param(&ic, BRAID_PARAM_IPV4, &t), 1);
    CHECK_EQ(t.value_len, 4);
    /* the search reaches the broken TLV */
    CHECK_EQ(braid_init_find_param(&ic, BRAID_PARAM_STATE_COOKIE, &t), BRAID_ERR_PARAM_LEN);
    ic.params_len = 10;
    CHECK_EQ(braid_init_find_param(&ic, BRAID_PARAM_STATE_COOKIE, &t), BRAID_ERR_PARAM_OVERRUN);
    ic.params = NULL;
    ic.params_len = 0;
    CHECK_EQ(braid_init_find_param(&ic, BRAID_PARAM_IPV4, &t), 0);
}

static void test_nospace(void)
{
    braid_chunk c;
    uint8_t out[64];
    braid_wr w;
    CHECK_EQ(parse1(init_vec, sizeof init_vec, &c), 0);
    /* every size short of the padded chunk fails and leaves w untouched */
    for (size_t cap = 0; cap < sizeof init_vec; cap++) {
        braid_wr_init(&w, out, cap);
        CHECK_EQ(braid_chunk_write(&w, &c), BRAID_ERR_NOSPACE);
        CHECK_EQ(w.off, 0);
        CHECK(!w.err);
    }
    braid_wr_init(&w, out, sizeof init_vec);
    CHECK_EQ(braid_chunk_write(&w, &c), 0);

    CHECK_EQ(parse1(init_ack_vec, sizeof init_ack_vec, &c), 0);
    braid_wr_init(&w, out, 19);
    CHECK_EQ(braid_chunk_write(&w, &c), BRAID_ERR_NOSPACE);
    CHECK_EQ(w.off, 0);

    /* a parameter list too long for the 16-bit Chunk Length */
    static uint8_t big[70000];
    static uint8_t bigout[70100];
    memset(&c, 0, sizeof c);
    c.type = BRAID_CHUNK_INIT;
    c.u.init.init_tag = 1;
    c.u.init.a_rwnd = 1500;
    c.u.init.os = 1;
    c.u.init.mis = 1;
    c.u.init.params = big;
    c.u.init.params_len = 65536 - 20;
    braid_wr_init(&w, bigout, sizeof bigout);
    CHECK_EQ(braid_chunk_write(&w, &c), BRAID_ERR_NOSPACE);
    CHECK_EQ(w.off, 0);
    c.u.init.params_len = 65535 - 20;
    CHECK_EQ(braid_chunk_write(&w, &c), 0);
    CHECK_EQ(w.off, 65536);
}

static void test_ops_table(void)
{
    CHECK(braid_chunk_ops_find(BRAID_CHUNK_INIT) == &braid_ops_init);
    CHECK(braid_chunk_ops_find(BRAID_CHUNK_INIT_ACK) == &braid_ops_init_ack);
    CHECK_STR(braid_chunk_name(BRAID_CHUNK_INIT), "INIT");
    CHECK_STR(braid_chunk_name(BRAID_CHUNK_INIT_ACK), "INIT_ACK");
}

int main(void)
{
    RUN(test_init_vector);
    RUN(test_init_ack_vector);
    RUN(test_roundtrip);
    RUN(test_malformed);
    RUN(test_accepted_edges);
    RUN(test_find_param_errors);
    RUN(test_nospace);
    RUN(test_ops_table);
    return CHECK_REPORT();
}
