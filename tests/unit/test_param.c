/* Parameters (src/core/wire/param.c): every type of tlv.h. */
#include "check.h"
#include "core/wire/tlv.h"

#define V(...) ((const uint8_t[]){__VA_ARGS__}), sizeof((const uint8_t[]){__VA_ARGS__})

/* Frames the first TLV of b[0..n) and decodes it. */
static int parse1(const uint8_t *b, size_t n, braid_param *p)
{
    braid_tlv_iter it;
    braid_tlv t;
    braid_tlv_iter_init(&it, b, n);
    int rc = braid_tlv_iter_next(&it, &t);
    if (rc <= 0)
        return rc == 0 ? -1000 : rc;
    return braid_param_parse(&t, p);
}

static const char *desc(const braid_param *p, char *buf, size_t cap)
{
    braid_sbuf s;
    braid_sbuf_init(&s, buf, cap);
    braid_param_describe(&s, p);
    return buf;
}

/* Writes p, then decodes the result into *out. */
static int roundtrip(const braid_param *p, braid_param *out, uint8_t *buf, size_t cap)
{
    braid_wr w;
    braid_wr_init(&w, buf, cap);
    int rc = braid_param_write(&w, p);
    if (rc < 0)
        return rc;
    return parse1(buf, w.off, out);
}

/* ---- fixed vectors: decode, describe exactly, re-encode to the same bytes ---- */

typedef struct vec {
    const uint8_t *b;
    size_t n;
    const char *desc;
} vec;

static void test_vectors_describe_and_reencode(void)
{
    const vec vs[] = {
        {V(0, 1, 0, 6, 0xaa, 0xbb), "Heartbeat Info{len=2 info=aabb}"},
        {V(0, 1, 0, 4), "Heartbeat Info{len=0 info=}"},
        {V(0, 5, 0, 8, 192, 0, 2, 1), "IPv4 Address{addr=192.0.2.1}"},
        {V(0, 6, 0, 20, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0xfe, 0x80, 0, 1),
         "IPv6 Address{addr=2001:db8:0:0:0:0:fe80:1}"},
        {V(0, 7, 0, 7, 1, 2, 3), "State Cookie{len=3 cookie=010203}"},
        {V(0, 8, 0, 8, 0x80, 0x0a, 0, 4), "Unrecognized Parameter{len=4 param=800a0004}"},
        {V(0, 9, 0, 8, 0, 0, 0x03, 0xe8), "Cookie Preservative{increment_ms=1000}"},
        {V(0, 11, 0, 9, 'a', '.', 'b', 'c', 0), "Host Name Address{len=5 name=612e626300}"},
        {V(0, 12, 0, 8, 0, 5, 0, 6), "Supported Address Types{n=2 types=5,6}"},
        {V(0, 12, 0, 4), "Supported Address Types{n=0 types=}"},
        {V(0, 13, 0, 20, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 4, 0, 5),
         "Outgoing SSN Reset Request{req_seq=1 resp_seq=2 last_tsn=3 n=2 streams=4,5}"},
        {V(0, 13, 0, 16, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3),
         "Outgoing SSN Reset Request{req_seq=1 resp_seq=2 last_tsn=3 n=0 streams=}"},
        {V(0, 14, 0, 10, 0, 0, 0, 1, 0, 7), "Incoming SSN Reset Request{req_seq=1 n=1 streams=7}"},
        {V(0, 15, 0, 8, 0, 0, 0, 42), "SSN/TSN Reset Request{req_seq=42}"},
        {V(0, 16, 0, 12, 0, 0, 0, 9, 0, 0, 0, 1), "Re-configuration Response{resp_seq=9 result=1}"},
        {V(0, 16, 0, 20, 0, 0, 0, 9, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 2, 0),
         "Re-configuration Response{resp_seq=9 result=1 sender_next_tsn=256 "
         "receiver_next_tsn=512}"},
        {V(0, 17, 0, 12, 0, 0, 0, 5, 0, 3, 0, 0),
         "Add Outgoing Streams Request{req_seq=5 n_new=3}"},
        {V(0, 18, 0, 12, 0, 0, 0, 6, 1, 0, 0, 0),
         "Add Incoming Streams Request{req_seq=6 n_new=256}"},
        {V(0x80, 0, 0, 4), "ECN Capable{}"},
        {V(0x80, 2, 0, 8, 1, 2, 3, 4), "Random{len=4 random=01020304}"},
        {V(0x80, 3, 0, 6, 0x00, 0xc1), "Chunk List{n=2 chunks=0,193}"},
        {V(0x80, 3, 0, 4), "Chunk List{n=0 chunks=}"},
        {V(0x80, 4, 0, 8, 0, 1, 0, 3), "Requested HMAC Algorithm{n=2 hmac_ids=1,3}"},
        {V(0x80, 5, 0, 8, 0, 0, 0, 0), "Padding{len=4 padding=00000000}"},
        {V(0x80, 8, 0, 7, 0x82, 0xc0, 0xc1), "Supported Extensions{n=3 chunks=130,192,193}"},
        {V(0xc0, 0, 0, 4), "Forward-TSN-Supported{}"},
        {V(0xc0, 1, 0, 16, 0, 0, 0, 7, 0, 5, 0, 8, 10, 0, 0, 1),
         "Add IP Address{corr_id=7 addr=10.0.0.1}"},
        {V(0xc0, 2, 0, 28, 0, 0, 0, 8, 0, 6, 0, 20, 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
           0xab, 0xcd),
         "Delete IP Address{corr_id=8 addr=fe80:0:0:0:0:0:0:abcd}"},
        {V(0xc0, 4, 0, 16, 0xff, 0xff, 0xff, 0xff, 0, 5, 0, 8, 127, 0, 0, 1),
         "Set Primary Address{corr_id=4294967295 addr=127.0.0.1}"},
        {V(0xc0, 5, 0, 8, 0, 0, 1, 0), "Success Indication{corr_id=256}"},
        {V(0xc0, 6, 0, 8, 0x12, 0x34, 0x56, 0x78),
         "Adaptation Layer Indication{indication=305419896}"},
        {V(0x12, 0x34, 0, 6, 0xde, 0xad), "UNKNOWN{type=4660 len=2 value=dead}"},
        {V(0xff, 0xff, 0, 4), "UNKNOWN{type=65535 len=0 value=}"},
    };
    for (size_t i = 0; i < sizeof vs / sizeof vs[0]; i++) {
        braid_param p;
        char buf[512];
        uint8_t out[64];
        int rc = parse1(vs[i].b, vs[i].n, &p);
        CHECK_EQ(rc, 0);
        if (rc != 0) {
            fprintf(stderr, "  vector %zu (%s)\n", i, vs[i].desc);
            continue;
        }
        CHECK_STR(desc(&p, buf, sizeof buf), vs[i].desc);
        braid_wr w;
        braid_wr_init(&w, out, sizeof out);
        CHECK_EQ(braid_param_write(&w, &p), 0);
        CHECK_EQ(w.off, vs[i].n);
        CHECK_MEM(out, vs[i].b, vs[i].n);
    }
}

/* ---- fixed vectors: every field ---- */

static void test_fields_addresses(void)
{
    braid_param p;
    CHECK_EQ(parse1(V(0, 5, 0, 8, 192, 0, 2, 1), &p), 0);
    CHECK_EQ(p.type, BRAID_PARAM_IPV4);
    CHECK_EQ(p.u.addr.len, 4);
    CHECK_MEM(p.u.addr.bytes, ((const uint8_t[]){192, 0, 2, 1}), 4);

    const uint8_t a6[] = {0x20, 0x01, 0x0d, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    CHECK_EQ(
        parse1(V(0, 6, 0, 20, 0x20, 0x01, 0x0d, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12), &p),
        0);
    CHECK_EQ(p.type, BRAID_PARAM_IPV6);
    CHECK_EQ(p.u.addr.len, 16);
    CHECK_MEM(p.u.addr.bytes, a6, 16);
    char buf[128];
    CHECK_STR(desc(&p, buf, sizeof buf), "IPv6 Address{addr=2001:db8:102:304:506:708:90a:b0c}");

    /* an address parameter as the last TLV of a chunk, unpadded, works too */
    CHECK_EQ(parse1(V(0, 5, 0, 8, 10, 1, 2, 3, 0, 6), &p), 0);
    CHECK_MEM(p.u.addr.bytes, ((const uint8_t[]){10, 1, 2, 3}), 4);
}

static void test_fields_scalars(void)
{
    braid_param p;
    CHECK_EQ(parse1(V(0, 9, 0, 8, 0x01, 0x02, 0x03, 0x04), &p), 0);
    CHECK_EQ(p.type, BRAID_PARAM_COOKIE_PRESERVATIVE);
    CHECK_EQ(p.u.u32, 0x01020304);
    CHECK_EQ(parse1(V(0xc0, 5, 0, 8, 0xde, 0xad, 0xbe, 0xef), &p), 0);
    CHECK_EQ(p.type, BRAID_PARAM_SUCCESS_IND);
    CHECK_EQ(p.u.u32, 0xdeadbeef);
    CHECK_EQ(parse1(V(0xc0, 6, 0, 8, 0, 0, 0, 1), &p), 0);
    CHECK_EQ(p.type, BRAID_PARAM_ADAPTATION);
    CHECK_EQ(p.u.u32, 1);
}

static void test_fields_bytes(void)
{
    braid_param p;
    const uint8_t hb[] = {0, 1, 0, 7, 9, 8, 7};
    CHECK_EQ(parse1(hb, sizeof hb, &p), 0);
    CHECK_EQ(p.type, BRAID_PARAM_HEARTBEAT_INFO);
    CHECK_EQ(p.u.bytes.len, 3);
    CHECK(p.u.bytes.p == hb + 4);

    const uint8_t sc[] = {0, 7, 0, 5, 0x77};
    CHECK_EQ(parse1(sc, sizeof sc, &p), 0);
    CHECK_EQ(p.type, BRAID_PARAM_STATE_COOKIE);
    CHECK_EQ(p.u.bytes.len, 1);
    CHECK(p.u.bytes.p == sc + 4);

    const uint8_t hn[] = {0, 11, 0, 8, 'h', 'o', 's', 0};
    CHECK_EQ(parse1(hn, sizeof hn, &p), 0);
    CHECK_EQ(p.type, BRAID_PARAM_HOST_NAME);
    CHECK_EQ(p.u.bytes.len, 4);
    CHECK_MEM(p.u.bytes.p, "hos", 4);

    const uint8_t un[] = {0, 8, 0, 9, 0x80, 0x0b, 0, 5, 0xaa};
    CHECK_EQ(parse1(un, sizeof un, &p), 0);
    CHECK_EQ(p.type, BRAID_PARAM_UNRECOGNIZED);
    CHECK_EQ(p.u.bytes.len, 5);
    CHECK(p.u.bytes.p == un + 4);

    CHECK_EQ(parse1(V(0x80, 0, 0, 4), &p), 0);
    CHECK_EQ(p.type, BRAID_PARAM_ECN_CAPABLE);
    CHECK_EQ(p.u.bytes.len, 0);
    CHECK_EQ(parse1(V(0xc0, 0, 0, 4), &p), 0);
    CHECK_EQ(p.type, BRAID_PARAM_FORWARD_TSN_SUPPORTED);
    CHECK_EQ(p.u.bytes.len, 0);

    const uint8_t rnd[] = {0x80, 2,  0,  36, 1,  2,  3,  4,  5,  6,  7,  8,
                           9,    10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20,
                           21,   22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
    CHECK_EQ(parse1(rnd, sizeof rnd, &p), 0);
    CHECK_EQ(p.type, BRAID_PARAM_RANDOM);
    CHECK_EQ(p.u.bytes.len, 32);
    CHECK(p.u.bytes.p == rnd + 4);

    const uint8_t cl[] = {0x80, 3, 0, 5, 0xc1};
    CHECK_EQ(parse1(cl, sizeof cl, &p), 0);
    CHECK_EQ(p.type, BRAID_PARAM_CHUNK_LIST);
    CHECK_EQ(p.u.bytes.len, 1);
    CHECK_EQ(p.u.bytes.p[0], 0xc1);

    const uint8_t pad[] = {0x80, 5, 0, 6, 0, 0};
    CHECK_EQ(parse1(pad, sizeof pad, &p), 0);
    CHECK_EQ(p.type, BRAID_PARAM_PADDING);
    CHECK_EQ(p.u.bytes.len, 2);

    const uint8_t ext[] = {0x80, 8, 0, 6, 0x82, 0xc0};
    CHECK_EQ(parse1(ext, sizeof ext, &p), 0);
    CHECK_EQ(p.type, BRAID_PARAM_SUPPORTED_EXT);
    CHECK_EQ(p.u.bytes.len, 2);
    CHECK_EQ(p.u.bytes.p[0], 0x82);
    CHECK_EQ(p.u.bytes.p[1], 0xc0);

    const uint8_t unk[] = {0x40, 0x01, 0, 5, 0x11};
    CHECK_EQ(parse1(unk, sizeof unk, &p), 0);
    CHECK_EQ(p.type, 0x4001);
    CHECK_EQ(p.u.bytes.len, 1);
    CHECK(p.u.bytes.p == unk + 4);
}

static void test_fields_u16_lists(void)
{
    braid_param p;
    const uint8_t sat[] = {0, 12, 0, 10, 0, 5, 0, 6, 0, 11};
    CHECK_EQ(parse1(sat, sizeof sat, &p), 0);
    CHECK_EQ(p.type, BRAID_PARAM_SUPPORTED_ADDR_TYPES);
    CHECK_EQ(p.u.u16s.n, 3);
    CHECK(p.u.u16s.p == sat + 4);
    CHECK_EQ(braid_load16(p.u.u16s.p + 4), 11);

    const uint8_t hm[] = {0x80, 4, 0, 6, 0, 3};
    CHECK_EQ(parse1(hm, sizeof hm, &p), 0);
    CHECK_EQ(p.type, BRAID_PARAM_HMAC_ALGO);
    CHECK_EQ(p.u.u16s.n, 1);
    CHECK_EQ(braid_load16(p.u.u16s.p), 3);
}

static void test_fields_asconf(void)
{
    braid_param p;
    const uint8_t add[] = {0xc0, 1, 0, 16, 0, 0, 1, 2, 0, 5, 0, 8, 10, 0, 0, 1};
    CHECK_EQ(parse1(add, sizeof add, &p), 0);
    CHECK_EQ(p.type, BRAID_PARAM_ADD_IP);
    CHECK_EQ(p.u.asconf.corr_id, 0x102);
    CHECK_EQ(p.u.asconf.inner.len, 8);
    CHECK(p.u.asconf.inner.p == add + 8);

    const uint8_t del[] = {0xc0, 2, 0, 28, 0, 0, 0, 3, 0, 6, 0, 20, 1, 2,
                           3,    4, 5, 6,  7, 8, 9, 1, 2, 3, 4, 5,  6, 7};
    CHECK_EQ(parse1(del, sizeof del, &p), 0);
    CHECK_EQ(p.type, BRAID_PARAM_DEL_IP);
    CHECK_EQ(p.u.asconf.corr_id, 3);
    CHECK_EQ(p.u.asconf.inner.len, 20);
    CHECK(p.u.asconf.inner.p == del + 8);

    const uint8_t sp[] = {0xc0, 4, 0, 16, 0, 0, 0, 4, 0, 5, 0, 8, 1, 1, 1, 1};
    CHECK_EQ(parse1(sp, sizeof sp, &p), 0);
    CHECK_EQ(p.type, BRAID_PARAM_SET_PRIMARY);
    CHECK_EQ(p.u.asconf.corr_id, 4);
    CHECK_EQ(p.u.asconf.inner.len, 8);

    /* Error Cause Indication: two causes, the last one unpadded */
    const uint8_t eci[] = {0xc0, 3, 0, 21, 0, 0, 0, 5, 0, 0xa0, 0, 8, 0, 5, 0, 4, 0, 1, 0, 5, 0};
    CHECK_EQ(parse1(eci, sizeof eci, &p), 0);
    CHECK_EQ(p.type, BRAID_PARAM_ERROR_CAUSE_IND);
    CHECK_EQ(p.u.asconf.corr_id, 5);
    CHECK_EQ(p.u.asconf.inner.len, 13);
    CHECK(p.u.asconf.inner.p == eci + 8);
    char buf[256];
    const char *d = desc(&p, buf, sizeof buf);
    CHECK(strncmp(d, "Error Cause Indication{corr_id=5 causes=[", 41) == 0);
    CHECK(d[strlen(d) - 2] == ']' && d[strlen(d) - 1] == '}');
    uint8_t out[32];
    braid_wr w;
    braid_wr_init(&w, out, sizeof out);
    CHECK_EQ(braid_param_write(&w, &p), 0);
    CHECK_EQ(w.off, sizeof eci);
    CHECK_MEM(out, eci, sizeof eci);

    /* no causes at all */
    CHECK_EQ(parse1(V(0xc0, 3, 0, 8, 0, 0, 0, 6), &p), 0);
    CHECK_EQ(p.u.asconf.corr_id, 6);
    CHECK_EQ(p.u.asconf.inner.len, 0);
}

static void test_fields_reconfig(void)
{
    braid_param p;
    const uint8_t out_r[] = {0, 13, 0, 22, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 4, 0, 5, 0, 6};
    CHECK_EQ(parse1(out_r, sizeof out_r, &p), 0);
    CHECK_EQ(p.type, BRAID_PARAM_OUT_SSN_RESET);
    CHECK_EQ(p.u.reset.req_seq, 1);
    CHECK_EQ(p.u.reset.resp_seq, 2);
    CHECK_EQ(p.u.reset.last_tsn, 3);
    CHECK_EQ(p.u.reset.n_streams, 3);
    CHECK(p.u.reset.streams == out_r + 16);
    CHECK_EQ(braid_load16(p.u.reset.streams + 4), 6);

    const uint8_t in_r[] = {0, 14, 0, 12, 0xff, 0, 0, 1, 0, 9, 0, 10};
    CHECK_EQ(parse1(in_r, sizeof in_r, &p), 0);
    CHECK_EQ(p.type, BRAID_PARAM_IN_SSN_RESET);
    CHECK_EQ(p.u.reset.req_seq, 0xff000001);
    CHECK_EQ(p.u.reset.n_streams, 2);
    CHECK_EQ(braid_load16(p.u.reset.streams), 9);
    CHECK_EQ(braid_load16(p.u.reset.streams + 2), 10);

    CHECK_EQ(parse1(V(0, 15, 0, 8, 0, 0, 0, 77), &p), 0);
    CHECK_EQ(p.type, BRAID_PARAM_SSN_TSN_RESET);
    CHECK_EQ(p.u.reset.req_seq, 77);
    CHECK_EQ(p.u.reset.n_streams, 0);

    CHECK_EQ(parse1(V(0, 16, 0, 12, 0, 0, 0, 8, 0, 0, 0, 6), &p), 0);
    CHECK_EQ(p.type, BRAID_PARAM_RECONFIG_RESP);
    CHECK_EQ(p.u.resp.resp_seq, 8);
    CHECK_EQ(p.u.resp.result, 6);
    CHECK(!p.u.resp.has_tsns);
    CHECK_EQ(parse1(V(0, 16, 0, 20, 0, 0, 0, 8, 0, 0, 0, 1, 0, 0, 0, 100, 0, 0, 0, 200), &p), 0);
    CHECK(p.u.resp.has_tsns);
    CHECK_EQ(p.u.resp.sender_next_tsn, 100);
    CHECK_EQ(p.u.resp.receiver_next_tsn, 200);

    /* Reserved is ignored on receipt and written back as 0 */
    CHECK_EQ(parse1(V(0, 17, 0, 12, 0, 0, 0, 3, 0xff, 0xfe, 0xab, 0xcd), &p), 0);
    CHECK_EQ(p.type, BRAID_PARAM_ADD_OUT_STREAMS);
    CHECK_EQ(p.u.add.req_seq, 3);
    CHECK_EQ(p.u.add.n_new, 0xfffe);
    uint8_t out[16];
    braid_wr w;
    braid_wr_init(&w, out, sizeof out);
    CHECK_EQ(braid_param_write(&w, &p), 0);
    CHECK_EQ(w.off, 12);
    CHECK_MEM(out, ((const uint8_t[]){0, 17, 0, 12, 0, 0, 0, 3, 0xff, 0xfe, 0, 0}), 12);

    CHECK_EQ(parse1(V(0, 18, 0, 12, 0, 0, 0, 4, 0, 1, 0, 0), &p), 0);
    CHECK_EQ(p.type, BRAID_PARAM_ADD_IN_STREAMS);
    CHECK_EQ(p.u.add.req_seq, 4);
    CHECK_EQ(p.u.add.n_new, 1);
}

/* ---- round trips from hand-built values ---- */

static void test_roundtrip(void)
{
    uint8_t buf[128];
    braid_param in, out;
    const uint8_t blob[] = {0xca, 0xfe, 0xba, 0xbe, 0x01};

    memset(&in, 0, sizeof in);
    in.type = BRAID_PARAM_IPV4;
    in.u.addr.len = 4;
    memcpy(in.u.addr.bytes, (const uint8_t[]){172, 16, 0, 9}, 4);
    CHECK_EQ(roundtrip(&in, &out, buf, sizeof buf), 0);
    CHECK_EQ(out.type, BRAID_PARAM_IPV4);
    CHECK_EQ(out.u.addr.len, 4);
    CHECK_MEM(out.u.addr.bytes, in.u.addr.bytes, 4);
    CHECK_EQ(braid_load16(buf + 2), 8);

    memset(&in, 0, sizeof in);
    in.type = BRAID_PARAM_IPV6;
    in.u.addr.len = 16;
    for (int i = 0; i < 16; i++)
        in.u.addr.bytes[i] = (uint8_t)(0xf0 + i);
    CHECK_EQ(roundtrip(&in, &out, buf, sizeof buf), 0);
    CHECK_EQ(out.u.addr.len, 16);
    CHECK_MEM(out.u.addr.bytes, in.u.addr.bytes, 16);
    CHECK_EQ(braid_load16(buf + 2), 20);

    const uint16_t u32_types[] = {BRAID_PARAM_COOKIE_PRESERVATIVE, BRAID_PARAM_SUCCESS_IND,
                                  BRAID_PARAM_ADAPTATION};
    for (size_t i = 0; i < 3; i++) {
        memset(&in, 0, sizeof in);
        in.type = u32_types[i];
        in.u.u32 = 0x80000001u + (uint32_t)i;
        CHECK_EQ(roundtrip(&in, &out, buf, sizeof buf), 0);
        CHECK_EQ(out.type, u32_types[i]);
        CHECK_EQ(out.u.u32, in.u.u32);
        CHECK_EQ(braid_load16(buf + 2), 8);
    }

    const uint16_t byte_types[] = {
        BRAID_PARAM_HEARTBEAT_INFO, BRAID_PARAM_STATE_COOKIE,  BRAID_PARAM_UNRECOGNIZED,
        BRAID_PARAM_HOST_NAME,      BRAID_PARAM_RANDOM,        BRAID_PARAM_CHUNK_LIST,
        BRAID_PARAM_PADDING,        BRAID_PARAM_SUPPORTED_EXT, 0x7777};
    for (size_t i = 0; i < sizeof byte_types / sizeof byte_types[0]; i++) {
        memset(&in, 0, sizeof in);
        in.type = byte_types[i];
        in.u.bytes.p = blob;
        in.u.bytes.len = sizeof blob;
        CHECK_EQ(roundtrip(&in, &out, buf, sizeof buf), 0);
        CHECK_EQ(out.type, byte_types[i]);
        CHECK_EQ(out.u.bytes.len, sizeof blob);
        CHECK_MEM(out.u.bytes.p, blob, sizeof blob);
        CHECK_EQ(braid_load16(buf + 2), 9);
    }

    const uint16_t empty_types[] = {BRAID_PARAM_ECN_CAPABLE, BRAID_PARAM_FORWARD_TSN_SUPPORTED};
    for (size_t i = 0; i < 2; i++) {
        memset(&in, 0, sizeof in);
        in.type = empty_types[i];
        CHECK_EQ(roundtrip(&in, &out, buf, sizeof buf), 0);
        CHECK_EQ(out.type, empty_types[i]);
        CHECK_EQ(out.u.bytes.len, 0);
        CHECK_EQ(braid_load16(buf + 2), 4);
    }

    const uint8_t list[] = {0, 5, 0, 6, 0x80, 0x01};
    const uint16_t list_types[] = {BRAID_PARAM_SUPPORTED_ADDR_TYPES, BRAID_PARAM_HMAC_ALGO};
    for (size_t i = 0; i < 2; i++) {
        memset(&in, 0, sizeof in);
        in.type = list_types[i];
        in.u.u16s.n = 3;
        in.u.u16s.p = list;
        CHECK_EQ(roundtrip(&in, &out, buf, sizeof buf), 0);
        CHECK_EQ(out.type, list_types[i]);
        CHECK_EQ(out.u.u16s.n, 3);
        CHECK_MEM(out.u.u16s.p, list, 6);
    }

    const uint8_t v4tlv[] = {0, 5, 0, 8, 10, 9, 8, 7};
    const uint16_t asconf_types[] = {BRAID_PARAM_ADD_IP, BRAID_PARAM_DEL_IP,
                                     BRAID_PARAM_SET_PRIMARY};
    for (size_t i = 0; i < 3; i++) {
        memset(&in, 0, sizeof in);
        in.type = asconf_types[i];
        in.u.asconf.corr_id = 99;
        in.u.asconf.inner.p = v4tlv;
        in.u.asconf.inner.len = sizeof v4tlv;
        CHECK_EQ(roundtrip(&in, &out, buf, sizeof buf), 0);
        CHECK_EQ(out.type, asconf_types[i]);
        CHECK_EQ(out.u.asconf.corr_id, 99);
        CHECK_EQ(out.u.asconf.inner.len, 8);
        CHECK_MEM(out.u.asconf.inner.p, v4tlv, 8);
        CHECK_EQ(braid_load16(buf + 2), 16);
    }

    const uint8_t causes[] = {0, 13, 0, 6, 'x', 'y'};
    memset(&in, 0, sizeof in);
    in.type = BRAID_PARAM_ERROR_CAUSE_IND;
    in.u.asconf.corr_id = 12345;
    in.u.asconf.inner.p = causes;
    in.u.asconf.inner.len = sizeof causes;
    CHECK_EQ(roundtrip(&in, &out, buf, sizeof buf), 0);
    CHECK_EQ(out.u.asconf.corr_id, 12345);
    CHECK_EQ(out.u.asconf.inner.len, sizeof causes);
    CHECK_MEM(out.u.asconf.inner.p, causes, sizeof causes);

    const uint8_t streams[] = {0, 1, 0, 2};
    memset(&in, 0, sizeof in);
    in.type = BRAID_PARAM_OUT_SSN_RESET;
    in.u.reset.req_seq = 10;
    in.u.reset.resp_seq = 11;
    in.u.reset.last_tsn = 0xfffffff0u;
    in.u.reset.n_streams = 2;
    in.u.reset.streams = streams;
    CHECK_EQ(roundtrip(&in, &out, buf, sizeof buf), 0);
    CHECK_EQ(out.u.reset.req_seq, 10);
    CHECK_EQ(out.u.reset.resp_seq, 11);
    CHECK_EQ(out.u.reset.last_tsn, 0xfffffff0u);
    CHECK_EQ(out.u.reset.n_streams, 2);
    CHECK_MEM(out.u.reset.streams, streams, 4);
    CHECK_EQ(braid_load16(buf + 2), 20);

    memset(&in, 0, sizeof in);
    in.type = BRAID_PARAM_IN_SSN_RESET;
    in.u.reset.req_seq = 20;
    in.u.reset.n_streams = 1;
    in.u.reset.streams = streams + 2;
    CHECK_EQ(roundtrip(&in, &out, buf, sizeof buf), 0);
    CHECK_EQ(out.u.reset.req_seq, 20);
    CHECK_EQ(out.u.reset.n_streams, 1);
    CHECK_EQ(braid_load16(out.u.reset.streams), 2);
    CHECK_EQ(braid_load16(buf + 2), 10);

    memset(&in, 0, sizeof in);
    in.type = BRAID_PARAM_SSN_TSN_RESET;
    in.u.reset.req_seq = 30;
    CHECK_EQ(roundtrip(&in, &out, buf, sizeof buf), 0);
    CHECK_EQ(out.u.reset.req_seq, 30);
    CHECK_EQ(braid_load16(buf + 2), 8);

    memset(&in, 0, sizeof in);
    in.type = BRAID_PARAM_RECONFIG_RESP;
    in.u.resp.resp_seq = 40;
    in.u.resp.result = 4;
    CHECK_EQ(roundtrip(&in, &out, buf, sizeof buf), 0);
    CHECK_EQ(out.u.resp.resp_seq, 40);
    CHECK_EQ(out.u.resp.result, 4);
    CHECK(!out.u.resp.has_tsns);
    CHECK_EQ(braid_load16(buf + 2), 12);
    in.u.resp.has_tsns = true;
    in.u.resp.sender_next_tsn = 41;
    in.u.resp.receiver_next_tsn = 42;
    CHECK_EQ(roundtrip(&in, &out, buf, sizeof buf), 0);
    CHECK(out.u.resp.has_tsns);
    CHECK_EQ(out.u.resp.sender_next_tsn, 41);
    CHECK_EQ(out.u.resp.receiver_next_tsn, 42);
    CHECK_EQ(braid_load16(buf + 2), 20);

    const uint16_t add_types[] = {BRAID_PARAM_ADD_OUT_STREAMS, BRAID_PARAM_ADD_IN_STREAMS};
    for (size_t i = 0; i < 2; i++) {
        memset(&in, 0, sizeof in);
        in.type = add_types[i];
        in.u.add.req_seq = 50;
        in.u.add.n_new = 65535;
        CHECK_EQ(roundtrip(&in, &out, buf, sizeof buf), 0);
        CHECK_EQ(out.type, add_types[i]);
        CHECK_EQ(out.u.add.req_seq, 50);
        CHECK_EQ(out.u.add.n_new, 65535);
        CHECK_EQ(braid_load16(buf + 2), 12);
    }
}

/* ---- malformed values ---- */

typedef struct bad {
    const uint8_t *b;
    size_t n;
    int err;
} bad;

static void test_bad_sizes(void)
{
    const int PV = BRAID_ERR_PARAM_VALUE;
    const bad bs[] = {
        /* RFC 9260 §3.3.2.1.1 / §3.3.2.1.2 */
        {V(0, 5, 0, 7, 1, 2, 3), PV},
        {V(0, 5, 0, 12, 1, 2, 3, 4, 5, 6, 7, 8), PV},
        {V(0, 6, 0, 8, 1, 2, 3, 4), PV},
        {V(0, 6, 0, 24, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), PV},
        /* State Cookie, Host Name, Unrecognized */
        {V(0, 7, 0, 4), PV},
        {V(0, 11, 0, 4), PV},
        {V(0, 8, 0, 7, 0, 1, 0), PV},
        {V(0, 8, 0, 4), PV},
        /* Cookie Preservative == 4 */
        {V(0, 9, 0, 7, 0, 0, 0), PV},
        {V(0, 9, 0, 12, 0, 0, 0, 0, 0, 0, 0, 0), PV},
        /* Supported Address Types: even */
        {V(0, 12, 0, 7, 0, 5, 0), PV},
        /* RFC 6525 §4.1 */
        {V(0, 13, 0, 15, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0), PV},
        {V(0, 13, 0, 17, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0), PV},
        /* §4.2 */
        {V(0, 14, 0, 7, 0, 0, 0), PV},
        {V(0, 14, 0, 9, 0, 0, 0, 1, 0), PV},
        /* §4.3 */
        {V(0, 15, 0, 7, 0, 0, 0), PV},
        {V(0, 15, 0, 10, 0, 0, 0, 1, 0, 2), PV},
        /* §4.4: 8 or 16 */
        {V(0, 16, 0, 8, 0, 0, 0, 1), PV},
        {V(0, 16, 0, 16, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1), PV},
        {V(0, 16, 0, 24, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1), PV},
        /* §4.5, §4.6: == 8 */
        {V(0, 17, 0, 8, 0, 0, 0, 1), PV},
        {V(0, 17, 0, 16, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0), PV},
        {V(0, 18, 0, 10, 0, 0, 0, 1, 0, 1), PV},
        {V(0, 18, 0, 14, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0), PV},
        /* ECN Capable, Forward-TSN-Supported: empty */
        {V(0x80, 0, 0, 5, 0), PV},
        {V(0xc0, 0, 0, 8, 0, 0, 0, 0), PV},
        /* RFC 4895 §3.1 Random: not empty; §3.3 HMAC: even, >= 2 */
        {V(0x80, 2, 0, 4), PV},
        {V(0x80, 4, 0, 4), PV},
        {V(0x80, 4, 0, 7, 0, 1, 0), PV},
        {V(0x80, 4, 0, 5, 1), PV},
        /* RFC 5061 §4.2.1, §4.2.2, §4.2.4: correlation id + IPv4/IPv6 parameter */
        {V(0xc0, 1, 0, 8, 0, 0, 0, 1), PV},                          /* no address */
        {V(0xc0, 1, 0, 11, 0, 0, 0, 1, 0, 5, 0), PV},                /* cut address */
        {V(0xc0, 1, 0, 16, 0, 0, 0, 1, 0, 7, 0, 8, 1, 2, 3, 4), PV}, /* not an address */
        {V(0xc0, 2, 0, 16, 0, 0, 0, 1, 0, 5, 0, 9, 1, 2, 3, 4), PV}, /* IPv4 len 9 */
        {V(0xc0, 2, 0, 16, 0, 0, 0, 1, 0, 6, 0, 8, 1, 2, 3, 4), PV}, /* IPv6 len 8 */
        {V(0xc0, 4, 0, 20, 0, 0, 0, 1, 0, 5, 0, 8, 1, 2, 3, 4, 0, 0, 0, 0), PV}, /* trailer */
        {V(0xc0, 4, 0, 28, 0, 0, 0, 1, 0, 5, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
         PV}, /* IPv4 len 20 */
        /* §4.2.3 Error Cause Indication: correlation id, then framed causes */
        {V(0xc0, 3, 0, 7, 0, 0, 0), PV},
        {V(0xc0, 3, 0, 12, 0, 0, 0, 1, 0, 1, 0, 2), BRAID_ERR_PARAM_LEN},
        {V(0xc0, 3, 0, 12, 0, 0, 0, 1, 0, 1, 0, 9), BRAID_ERR_PARAM_OVERRUN},
        {V(0xc0, 3, 0, 10, 0, 0, 0, 1, 0, 1), BRAID_ERR_PARAM_OVERRUN},
        {V(0xc0, 3, 0, 14, 0, 0, 0, 1, 0, 1, 0, 5, 0, 0), BRAID_ERR_PARAM_PADDING},
        /* §4.2.5, §4.2.6: == 4 */
        {V(0xc0, 5, 0, 7, 0, 0, 0), PV},
        {V(0xc0, 5, 0, 12, 0, 0, 0, 0, 0, 0, 0, 0), PV},
        {V(0xc0, 6, 0, 4), PV},
        {V(0xc0, 6, 0, 9, 0, 0, 0, 0, 0), PV},
    };
    for (size_t i = 0; i < sizeof bs / sizeof bs[0]; i++) {
        braid_param p;
        int rc = parse1(bs[i].b, bs[i].n, &p);
        CHECK_EQ(rc, bs[i].err);
        if (rc != bs[i].err)
            fprintf(stderr, "  bad vector %zu (type 0x%02x%02x)\n", i, bs[i].b[0], bs[i].b[1]);
    }
}

static void test_nospace(void)
{
    /* decoded values point into these, so they must outlive each check */
    static const uint8_t v6[] = {0, 6, 0, 20, 1,  2,  3,  4,  5,  6,
                                 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    static const uint8_t out_r[] = {0, 13, 0, 20, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 4, 0, 5};
    static const uint8_t resp[] = {0, 16, 0, 20, 0, 0, 0, 9, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 2, 0};
    static const uint8_t add[] = {0, 17, 0, 12, 0, 0, 0, 5, 0, 3, 0, 0};
    static const uint8_t cookie[] = {0, 7, 0, 7, 1, 2, 3};
    static const uint8_t addip[] = {0xc0, 1, 0, 16, 0, 0, 0, 7, 0, 5, 0, 8, 10, 0, 0, 1};
    static const uint8_t cookie1[] = {0, 7, 0, 5, 1};
    braid_param p;
    uint8_t buf[32];
    braid_wr w;
    CHECK_EQ(parse1(v6, sizeof v6, &p), 0);
    braid_wr_init(&w, buf, 19);
    CHECK_EQ(braid_param_write(&w, &p), BRAID_ERR_NOSPACE);
    braid_wr_init(&w, buf, 20);
    CHECK_EQ(braid_param_write(&w, &p), 0);

    CHECK_EQ(parse1(out_r, sizeof out_r, &p), 0);
    braid_wr_init(&w, buf, 18);
    CHECK_EQ(braid_param_write(&w, &p), BRAID_ERR_NOSPACE);

    CHECK_EQ(parse1(resp, sizeof resp, &p), 0);
    braid_wr_init(&w, buf, 16);
    CHECK_EQ(braid_param_write(&w, &p), BRAID_ERR_NOSPACE);

    CHECK_EQ(parse1(add, sizeof add, &p), 0);
    braid_wr_init(&w, buf, 10);
    CHECK_EQ(braid_param_write(&w, &p), BRAID_ERR_NOSPACE);

    CHECK_EQ(parse1(cookie, sizeof cookie, &p), 0);
    braid_wr_init(&w, buf, 3);
    CHECK_EQ(braid_param_write(&w, &p), BRAID_ERR_NOSPACE);

    CHECK_EQ(parse1(addip, sizeof addip, &p), 0);
    braid_wr_init(&w, buf, 15);
    CHECK_EQ(braid_param_write(&w, &p), BRAID_ERR_NOSPACE);

    /* the padding in front of a second TLV counts too */
    CHECK_EQ(parse1(cookie1, sizeof cookie1, &p), 0);
    braid_wr_init(&w, buf, 12);
    CHECK_EQ(braid_param_write(&w, &p), 0);
    CHECK_EQ(w.off, 5);
    CHECK_EQ(braid_param_write(&w, &p), BRAID_ERR_NOSPACE);
}

static void test_names(void)
{
    const struct {
        uint16_t type;
        const char *name;
    } ns[] = {
        {BRAID_PARAM_HEARTBEAT_INFO, "Heartbeat Info"},
        {BRAID_PARAM_IPV4, "IPv4 Address"},
        {BRAID_PARAM_IPV6, "IPv6 Address"},
        {BRAID_PARAM_STATE_COOKIE, "State Cookie"},
        {BRAID_PARAM_UNRECOGNIZED, "Unrecognized Parameter"},
        {BRAID_PARAM_COOKIE_PRESERVATIVE, "Cookie Preservative"},
        {BRAID_PARAM_HOST_NAME, "Host Name Address"},
        {BRAID_PARAM_SUPPORTED_ADDR_TYPES, "Supported Address Types"},
        {BRAID_PARAM_OUT_SSN_RESET, "Outgoing SSN Reset Request"},
        {BRAID_PARAM_IN_SSN_RESET, "Incoming SSN Reset Request"},
        {BRAID_PARAM_SSN_TSN_RESET, "SSN/TSN Reset Request"},
        {BRAID_PARAM_RECONFIG_RESP, "Re-configuration Response"},
        {BRAID_PARAM_ADD_OUT_STREAMS, "Add Outgoing Streams Request"},
        {BRAID_PARAM_ADD_IN_STREAMS, "Add Incoming Streams Request"},
        {BRAID_PARAM_ECN_CAPABLE, "ECN Capable"},
        {BRAID_PARAM_RANDOM, "Random"},
        {BRAID_PARAM_CHUNK_LIST, "Chunk List"},
        {BRAID_PARAM_HMAC_ALGO, "Requested HMAC Algorithm"},
        {BRAID_PARAM_PADDING, "Padding"},
        {BRAID_PARAM_SUPPORTED_EXT, "Supported Extensions"},
        {BRAID_PARAM_FORWARD_TSN_SUPPORTED, "Forward-TSN-Supported"},
        {BRAID_PARAM_ADD_IP, "Add IP Address"},
        {BRAID_PARAM_DEL_IP, "Delete IP Address"},
        {BRAID_PARAM_ERROR_CAUSE_IND, "Error Cause Indication"},
        {BRAID_PARAM_SET_PRIMARY, "Set Primary Address"},
        {BRAID_PARAM_SUCCESS_IND, "Success Indication"},
        {BRAID_PARAM_ADAPTATION, "Adaptation Layer Indication"},
        {2, "UNKNOWN"},
        {0x8001, "UNKNOWN"},
    };
    for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++)
        CHECK_STR(braid_param_name(ns[i].type), ns[i].name);
}

static const char *list_desc(const uint8_t *p, size_t n, char *buf, size_t cap)
{
    braid_sbuf s;
    braid_sbuf_init(&s, buf, cap);
    braid_params_describe(&s, p, n);
    return buf;
}

static void test_params_describe(void)
{
    char buf[512];
    CHECK_STR(list_desc(NULL, 0, buf, sizeof buf), "");
    CHECK_STR(list_desc(V(0, 5, 0, 8, 192, 0, 2, 1, 0, 12, 0, 6, 0, 5), buf, sizeof buf),
              "IPv4 Address{addr=192.0.2.1}; Supported Address Types{n=1 types=5}");
    CHECK_STR(list_desc(V(0, 7, 0, 5, 0xee, 0, 0, 0, 0xc0, 0, 0, 4), buf, sizeof buf),
              "State Cookie{len=1 cookie=ee}; Forward-TSN-Supported{}");
    /* a value error stops the list */
    CHECK_STR(list_desc(V(0, 5, 0, 8, 192, 0, 2, 1, 0, 5, 0, 6, 1, 2, 0, 0, 0xc0, 0, 0, 4), buf,
                        sizeof buf),
              "IPv4 Address{addr=192.0.2.1}; IPv4 Address!parameter value has the wrong size");
    /* framing errors */
    CHECK_STR(list_desc(V(0, 5, 0, 0), buf, sizeof buf), "!parameter length below its header");
    CHECK_STR(list_desc(V(0xc0, 0, 0, 4, 0, 5, 0, 12, 1, 2, 3, 4), buf, sizeof buf),
              "Forward-TSN-Supported{}; !parameter runs past the end of its chunk");
    CHECK_STR(list_desc(V(0, 7, 0, 5, 1, 0), buf, sizeof buf), "!parameter padding missing");
    /* a cut buffer stays NUL-terminated */
    char small[8];
    CHECK_STR(list_desc(V(0, 5, 0, 8, 192, 0, 2, 1), small, sizeof small), "IPv4 Ad");
}

static void test_describe_odd_values(void)
{
    /* describe copes with hand-built values parse would never produce */
    char buf[256];
    braid_param p;
    memset(&p, 0, sizeof p);
    p.type = BRAID_PARAM_ADD_IP;
    p.u.asconf.corr_id = 1;
    const uint8_t notaddr[] = {0, 9, 0, 8, 1, 2, 3, 4};
    p.u.asconf.inner.p = notaddr;
    p.u.asconf.inner.len = sizeof notaddr;
    CHECK_STR(desc(&p, buf, sizeof buf),
              "Add IP Address{corr_id=1 len=8 addr_tlv=0009000801020304}");
    memset(&p, 0, sizeof p);
    p.type = BRAID_PARAM_ECN_CAPABLE;
    p.u.bytes.p = notaddr;
    p.u.bytes.len = 2;
    CHECK_STR(desc(&p, buf, sizeof buf), "ECN Capable{len=2 value=0009}");

    /* long lists are cut after 64 entries */
    uint8_t many[4 + 2 * 70];
    memset(many, 0, sizeof many);
    braid_store16(many, BRAID_PARAM_SUPPORTED_ADDR_TYPES);
    braid_store16(many + 2, (uint16_t)sizeof many);
    CHECK_EQ(parse1(many, sizeof many, &p), 0);
    CHECK_EQ(p.u.u16s.n, 70);
    const char *d = desc(&p, buf, sizeof buf);
    CHECK(strncmp(d, "Supported Address Types{n=70 types=0,0,", 39) == 0);
    CHECK(strcmp(d + strlen(d) - 8, "0,0,...}") == 0);
}

int main(void)
{
    RUN(test_vectors_describe_and_reencode);
    RUN(test_fields_addresses);
    RUN(test_fields_scalars);
    RUN(test_fields_bytes);
    RUN(test_fields_u16_lists);
    RUN(test_fields_asconf);
    RUN(test_fields_reconfig);
    RUN(test_roundtrip);
    RUN(test_bad_sizes);
    RUN(test_nospace);
    RUN(test_names);
    RUN(test_params_describe);
    RUN(test_describe_odd_values);
    return CHECK_REPORT();
}
