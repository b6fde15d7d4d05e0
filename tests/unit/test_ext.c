/* Extension chunks: AUTH (RFC 4895 §5.1), RE-CONFIG (RFC 6525 §3.1),
 * ASCONF and ASCONF-ACK (RFC 5061 §4.1.1, §4.1.2). */
#include "check.h"
#include "core/wire/auth.h"
#include "core/wire/chunk.h"
#include "core/wire/tlv.h"

/* Frames the single chunk in buf and decodes it through the dispatcher. */
static int parse1(const uint8_t *buf, size_t len, braid_chunk *c)
{
    braid_chunk_iter it;
    braid_chunk_view v;
    braid_chunk_iter_init_bare(&it, buf, len);
    int rc = braid_chunk_iter_next(&it, &v);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return -1000; /* no chunk: a bug in the test vector */
    return braid_chunk_parse(&v, c);
}

static const char *describe(const braid_chunk *c, char *buf, size_t cap)
{
    braid_sbuf s;
    braid_sbuf_init(&s, buf, cap);
    braid_chunk_describe(&s, c);
    return buf;
}

static int starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* write(parse(x)) == x byte for byte, and the fuzzer's property
 * describe(parse(x)) == describe(parse(write(parse(x)))). */
static void check_reencode(const uint8_t *x, size_t len)
{
    braid_chunk a, b;
    uint8_t out[256];
    char da[512], db[512];
    CHECK_EQ(parse1(x, len, &a), 0);
    braid_wr w;
    braid_wr_init(&w, out, sizeof out);
    CHECK_EQ(braid_chunk_write(&w, &a), 0);
    CHECK_EQ(w.off, len);
    CHECK_MEM(out, x, len);
    CHECK_EQ(parse1(out, w.off, &b), 0);
    CHECK_STR(describe(&a, da, sizeof da), describe(&b, db, sizeof db));
}

/* The writer fails with NOSPACE for every capacity below the full size and
 * leaves the writer rolled back. */
static void check_nospace(const braid_chunk *c, size_t full)
{
    uint8_t out[256];
    for (size_t cap = 0; cap < full; cap++) {
        braid_wr w;
        braid_wr_init(&w, out, cap);
        CHECK_EQ(braid_chunk_write(&w, c), BRAID_ERR_NOSPACE);
        CHECK_EQ(w.off, 0);
        CHECK(!w.err);
    }
    braid_wr w;
    braid_wr_init(&w, out, full);
    CHECK_EQ(braid_chunk_write(&w, c), 0);
    CHECK_EQ(w.off, full);
}

/* ---------------- AUTH ---------------- */

static void test_auth_vector(void)
{
    /* HMAC-SHA-1 (HMAC Identifier 1, RFC 4895 §3.3): 20-byte HMAC, length 28 */
    const uint8_t x[] = {0x0f, 0x00, 0x00, 0x1c, 0x00, 0x02, 0x00, 0x01, 0x00, 0x01,
                         0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b,
                         0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13};
    braid_chunk c;
    CHECK_EQ(parse1(x, sizeof x, &c), 0);
    CHECK_EQ(c.type, BRAID_CHUNK_AUTH);
    CHECK_EQ(c.flags, 0);
    CHECK_EQ(c.u.auth.key_id, 2);
    CHECK_EQ(c.u.auth.hmac_id, 1);
    CHECK_EQ(c.u.auth.hmac_len, 20);
    CHECK(c.u.auth.hmac == x + 8);
    CHECK(c.u.auth.hmac == x + braid_auth_hmac_offset());
    check_reencode(x, sizeof x);

    /* empty HMAC (length 8) and a 3-byte one (length 11, padded to 12);
     * reserved flags are kept (RFC 4895 §5.1: ignored on receipt) */
    const uint8_t empty[] = {0x0f, 0xa5, 0x00, 0x08, 0xff, 0xff, 0x00, 0x03};
    CHECK_EQ(parse1(empty, sizeof empty, &c), 0);
    CHECK_EQ(c.flags, 0xa5);
    CHECK_EQ(c.u.auth.key_id, 0xffff);
    CHECK_EQ(c.u.auth.hmac_id, 3);
    CHECK_EQ(c.u.auth.hmac_len, 0);
    check_reencode(empty, sizeof empty);
    const uint8_t odd[] = {0x0f, 0x00, 0x00, 0x0b, 0x00, 0x00, 0x00, 0x03, 0xaa, 0xbb, 0xcc, 0x00};
    CHECK_EQ(parse1(odd, sizeof odd, &c), 0);
    CHECK_EQ(c.u.auth.hmac_len, 3);
    CHECK_MEM(c.u.auth.hmac, odd + 8, 3);
    check_reencode(odd, sizeof odd);
}

static void test_auth_roundtrip(void)
{
    const uint8_t hmac[32] = {0xde, 0xad, 0xbe, 0xef, [31] = 0x42};
    braid_chunk c = {.type = BRAID_CHUNK_AUTH, .flags = 0};
    c.u.auth.key_id = 0x1234;
    c.u.auth.hmac_id = 3; /* SHA-256 */
    c.u.auth.hmac = hmac;
    c.u.auth.hmac_len = sizeof hmac;
    uint8_t out[64];
    braid_wr w;
    braid_wr_init(&w, out, sizeof out);
    CHECK_EQ(braid_chunk_write(&w, &c), 0);
    CHECK_EQ(w.off, 40);
    const uint8_t head[] = {0x0f, 0x00, 0x00, 0x28, 0x12, 0x34, 0x00, 0x03};
    CHECK_MEM(out, head, sizeof head);
    CHECK_MEM(out + braid_auth_hmac_offset(), hmac, sizeof hmac);
    braid_chunk d;
    CHECK_EQ(parse1(out, w.off, &d), 0);
    CHECK_EQ(d.u.auth.key_id, 0x1234);
    CHECK_EQ(d.u.auth.hmac_id, 3);
    CHECK_EQ(d.u.auth.hmac_len, 32);
    CHECK_MEM(d.u.auth.hmac, hmac, 32);

    /* an odd-length HMAC gets the chunk padding, not counted in the length */
    c.u.auth.hmac_len = 5;
    braid_wr_init(&w, out, sizeof out);
    CHECK_EQ(braid_chunk_write(&w, &c), 0);
    CHECK_EQ(w.off, 16);
    CHECK_EQ(braid_load16(out + 2), 13);
    CHECK_EQ(out[13], 0);
    CHECK_EQ(out[14], 0);
    CHECK_EQ(out[15], 0);
}

static void test_auth_malformed(void)
{
    braid_chunk c;
    /* RFC 4895 §5.1: no room for the two identifiers */
    const uint8_t none[] = {0x0f, 0x00, 0x00, 0x04};
    CHECK_EQ(parse1(none, sizeof none, &c), BRAID_ERR_CHUNK_VALUE);
    const uint8_t three[] = {0x0f, 0x00, 0x00, 0x07, 0x00, 0x01, 0x00, 0x00};
    CHECK_EQ(parse1(three, sizeof three, &c), BRAID_ERR_CHUNK_VALUE);
}

static void test_auth_nospace(void)
{
    const uint8_t hmac[20] = {1};
    braid_chunk c = {.type = BRAID_CHUNK_AUTH};
    c.u.auth.hmac = hmac;
    c.u.auth.hmac_len = sizeof hmac;
    check_nospace(&c, 28);
}

static void test_auth_describe(void)
{
    const uint8_t x[] = {0x0f, 0x00, 0x00, 0x0c, 0x00, 0x01, 0x00, 0x03, 0xde, 0xad, 0xbe, 0xef};
    braid_chunk c;
    char buf[256];
    CHECK_EQ(parse1(x, sizeof x, &c), 0);
    CHECK_STR(describe(&c, buf, sizeof buf),
              "AUTH(flags=0x00 key_id=1 hmac_id=3 hmac_len=4 hmac=deadbeef)");
    const uint8_t empty[] = {0x0f, 0x81, 0x00, 0x08, 0x00, 0x00, 0x00, 0x01};
    CHECK_EQ(parse1(empty, sizeof empty, &c), 0);
    CHECK_STR(describe(&c, buf, sizeof buf),
              "AUTH(flags=0x81 key_id=0 hmac_id=1 hmac_len=0 hmac=)");
    CHECK_EQ(braid_auth_hmac_offset(), 8);
}

/* ---------------- RE-CONFIG ---------------- */

/* Outgoing SSN Reset Request (RFC 6525 §4.1), one stream: length 18. */
#define OUT_RESET_1                                                                                \
    0x00, 0x0d, 0x00, 0x12, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,      \
        0x03, 0x00, 0x07
/* Incoming SSN Reset Request (RFC 6525 §4.2), no streams: length 8. */
#define IN_RESET_0 0x00, 0x0e, 0x00, 0x08, 0x00, 0x00, 0x00, 0x04

static void test_reconfig_vector(void)
{
    /* one parameter: chunk length 4 + 18 = 22, padded to 24 */
    const uint8_t one[] = {0x82, 0x00, 0x00, 0x16, OUT_RESET_1, 0x00, 0x00};
    braid_chunk c;
    CHECK_EQ(parse1(one, sizeof one, &c), 0);
    CHECK_EQ(c.type, BRAID_CHUNK_RECONFIG);
    CHECK(c.u.tlvs.tlvs == one + 4);
    CHECK_EQ(c.u.tlvs.tlvs_len, 18);
    braid_tlv_iter it;
    braid_tlv t;
    braid_tlv_iter_init(&it, c.u.tlvs.tlvs, c.u.tlvs.tlvs_len);
    CHECK_EQ(braid_tlv_iter_next(&it, &t), 1);
    CHECK_EQ(t.type, BRAID_PARAM_OUT_SSN_RESET);
    CHECK_EQ(t.length, 18);
    CHECK_EQ(braid_tlv_iter_next(&it, &t), 0);
    check_reencode(one, sizeof one);

    /* two parameters (RFC 6525 §3.1: Outgoing + Incoming SSN Reset): the
     * first carries its padding, the chunk length is 4 + 20 + 8 = 32 */
    const uint8_t two[] = {0x82, 0x00, 0x00, 0x20, OUT_RESET_1, 0x00, 0x00, IN_RESET_0};
    CHECK_EQ(parse1(two, sizeof two, &c), 0);
    CHECK(c.u.tlvs.tlvs == two + 4);
    CHECK_EQ(c.u.tlvs.tlvs_len, 28);
    braid_tlv_iter_init(&it, c.u.tlvs.tlvs, c.u.tlvs.tlvs_len);
    CHECK_EQ(braid_tlv_iter_next(&it, &t), 1);
    CHECK_EQ(t.type, BRAID_PARAM_OUT_SSN_RESET);
    CHECK_EQ(braid_tlv_iter_next(&it, &t), 1);
    CHECK_EQ(t.type, BRAID_PARAM_IN_SSN_RESET);
    CHECK_EQ(t.length, 8);
    CHECK_EQ(braid_tlv_iter_next(&it, &t), 0);
    check_reencode(two, sizeof two);

    /* reserved flags are kept */
    const uint8_t flags[] = {0x82, 0x3c, 0x00, 0x0c, IN_RESET_0};
    CHECK_EQ(parse1(flags, sizeof flags, &c), 0);
    CHECK_EQ(c.flags, 0x3c);
    check_reencode(flags, sizeof flags);
}

static void test_reconfig_roundtrip(void)
{
    const uint8_t params[] = {OUT_RESET_1};
    braid_chunk c = {.type = BRAID_CHUNK_RECONFIG, .flags = 0};
    c.u.tlvs.tlvs = params;
    c.u.tlvs.tlvs_len = sizeof params;
    uint8_t out[64];
    braid_wr w;
    braid_wr_init(&w, out, sizeof out);
    CHECK_EQ(braid_chunk_write(&w, &c), 0);
    const uint8_t want[] = {0x82, 0x00, 0x00, 0x16, OUT_RESET_1, 0x00, 0x00};
    CHECK_EQ(w.off, sizeof want);
    CHECK_MEM(out, want, sizeof want);
    braid_chunk d;
    CHECK_EQ(parse1(out, w.off, &d), 0);
    CHECK_EQ(d.u.tlvs.tlvs_len, sizeof params);
    CHECK_MEM(d.u.tlvs.tlvs, params, sizeof params);
}

static void test_reconfig_malformed(void)
{
    braid_chunk c;
    /* RFC 6525 §3.1: at least one parameter */
    const uint8_t empty[] = {0x82, 0x00, 0x00, 0x04};
    CHECK_EQ(parse1(empty, sizeof empty, &c), BRAID_ERR_CHUNK_VALUE);
    /* RFC 6525 §3.1: at most two */
    const uint8_t three[] = {0x82, 0x00, 0x00, 0x1c, IN_RESET_0, IN_RESET_0, IN_RESET_0};
    CHECK_EQ(parse1(three, sizeof three, &c), BRAID_ERR_CHUNK_VALUE);
    /* framing errors of the parameter list */
    const uint8_t short_len[] = {0x82, 0x00, 0x00, 0x08, 0x00, 0x0e, 0x00, 0x03};
    CHECK_EQ(parse1(short_len, sizeof short_len, &c), BRAID_ERR_PARAM_LEN);
    const uint8_t zero_len[] = {0x82, 0x00, 0x00, 0x08, 0x00, 0x0e, 0x00, 0x00};
    CHECK_EQ(parse1(zero_len, sizeof zero_len, &c), BRAID_ERR_PARAM_LEN);
    const uint8_t overrun[] = {0x82, 0x00, 0x00, 0x0c, 0x00, 0x0e, 0x00, 0x0c, 0, 0, 0, 4};
    CHECK_EQ(parse1(overrun, sizeof overrun, &c), BRAID_ERR_PARAM_OVERRUN);
    const uint8_t cut_hdr[] = {0x82, 0x00, 0x00, 0x0e, IN_RESET_0, 0x00, 0x0e, 0x00, 0x00};
    CHECK_EQ(parse1(cut_hdr, sizeof cut_hdr, &c), BRAID_ERR_PARAM_OVERRUN);
    /* a 5-byte parameter followed by one byte of its 3-byte padding */
    const uint8_t nopad[] = {0x82, 0x00, 0x00, 0x0a, 0x00, 0x0e,
                             0x00, 0x05, 0xaa, 0x00, 0x00, 0x00};
    CHECK_EQ(parse1(nopad, sizeof nopad, &c), BRAID_ERR_PARAM_PADDING);
}

static void test_reconfig_nospace(void)
{
    const uint8_t params[] = {OUT_RESET_1, 0x00, 0x00, IN_RESET_0};
    braid_chunk c = {.type = BRAID_CHUNK_RECONFIG};
    c.u.tlvs.tlvs = params;
    c.u.tlvs.tlvs_len = sizeof params;
    check_nospace(&c, 32);
}

static void test_reconfig_describe(void)
{
    const uint8_t x[] = {0x82, 0x00, 0x00, 0x0c, IN_RESET_0};
    braid_chunk c;
    char buf[512];
    CHECK_EQ(parse1(x, sizeof x, &c), 0);
    describe(&c, buf, sizeof buf);
    /* The parameter text comes from param.c (braid_params_describe); only
     * the frame around it is checked here. */
    CHECK(starts_with(buf, "RE_CONFIG(flags=0x00 params=["));
    CHECK(ends_with(buf, "])"));
}

/* ---------------- ASCONF / ASCONF-ACK ---------------- */

#define IPV4_10_0_0_1 0x00, 0x05, 0x00, 0x08, 10, 0, 0, 1
#define IPV6_2001_DB8_1                                                                            \
    0x00, 0x06, 0x00, 0x14, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1
/* Add IP Address (RFC 5061 §4.2.1), correlation id 0x11, address 10.0.0.2 */
#define ADD_IP_10_0_0_2 0xc0, 0x01, 0x00, 0x10, 0, 0, 0, 0x11, 0x00, 0x05, 0x00, 0x08, 10, 0, 0, 2
/* Success Indication (RFC 5061 §4.2.5), correlation id 0x11 */
#define SUCCESS_0x11 0xc0, 0x05, 0x00, 0x08, 0, 0, 0, 0x11

static void test_asconf_vector(void)
{
    /* length 4 + 4 + 8 + 16 = 32 */
    const uint8_t x[] = {0xc1, 0x00, 0x00, 0x20,          0x12,
                         0x34, 0x56, 0x78, IPV4_10_0_0_1, ADD_IP_10_0_0_2};
    braid_chunk c;
    CHECK_EQ(parse1(x, sizeof x, &c), 0);
    CHECK_EQ(c.type, BRAID_CHUNK_ASCONF);
    CHECK_EQ(c.flags, 0);
    CHECK_EQ(c.u.asconf.serial, 0x12345678);
    CHECK(c.u.asconf.params == x + 8);
    CHECK_EQ(c.u.asconf.params_len, 24);
    braid_tlv_iter it;
    braid_tlv t;
    braid_tlv_iter_init(&it, c.u.asconf.params, c.u.asconf.params_len);
    CHECK_EQ(braid_tlv_iter_next(&it, &t), 1);
    CHECK_EQ(t.type, BRAID_PARAM_IPV4);
    CHECK_EQ(t.value_len, 4);
    CHECK_EQ(braid_tlv_iter_next(&it, &t), 1);
    CHECK_EQ(t.type, BRAID_PARAM_ADD_IP);
    CHECK_EQ(t.length, 16);
    CHECK_EQ(braid_tlv_iter_next(&it, &t), 0);
    check_reencode(x, sizeof x);

    /* IPv6 address parameter, nothing after it; reserved flags kept */
    const uint8_t v6[] = {0xc1, 0x81, 0x00, 0x1c, 0xff, 0xff, 0xff, 0xff, IPV6_2001_DB8_1};
    CHECK_EQ(parse1(v6, sizeof v6, &c), 0);
    CHECK_EQ(c.flags, 0x81);
    CHECK_EQ(c.u.asconf.serial, 0xffffffff);
    CHECK(c.u.asconf.params == v6 + 8);
    CHECK_EQ(c.u.asconf.params_len, 20);
    check_reencode(v6, sizeof v6);
}

static void test_asconf_ack_vector(void)
{
    const uint8_t bare[] = {0x80, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x07};
    braid_chunk c;
    CHECK_EQ(parse1(bare, sizeof bare, &c), 0);
    CHECK_EQ(c.type, BRAID_CHUNK_ASCONF_ACK);
    CHECK_EQ(c.u.asconf.serial, 7);
    CHECK_EQ(c.u.asconf.params_len, 0);
    check_reencode(bare, sizeof bare);

    const uint8_t x[] = {0x80, 0x00, 0x00, 0x10, 0x00, 0x00, 0x01, 0x00, SUCCESS_0x11};
    CHECK_EQ(parse1(x, sizeof x, &c), 0);
    CHECK_EQ(c.u.asconf.serial, 256);
    CHECK(c.u.asconf.params == x + 8);
    CHECK_EQ(c.u.asconf.params_len, 8);
    braid_tlv t;
    braid_tlv_iter it;
    braid_tlv_iter_init(&it, c.u.asconf.params, c.u.asconf.params_len);
    CHECK_EQ(braid_tlv_iter_next(&it, &t), 1);
    CHECK_EQ(t.type, BRAID_PARAM_SUCCESS_IND);
    check_reencode(x, sizeof x);

    /* an ASCONF-ACK needs no address parameter: it may start with anything */
    const uint8_t any[] = {0x80, 0x00, 0x00, 0x0c, 0, 0, 0, 1, 0x00, 0x0e, 0x00, 0x04};
    CHECK_EQ(parse1(any, sizeof any, &c), 0);
}

static void test_asconf_roundtrip(void)
{
    const uint8_t params[] = {IPV6_2001_DB8_1, ADD_IP_10_0_0_2};
    braid_chunk c = {.type = BRAID_CHUNK_ASCONF, .flags = 0};
    c.u.asconf.serial = 0xcafef00d;
    c.u.asconf.params = params;
    c.u.asconf.params_len = sizeof params;
    uint8_t out[64];
    braid_wr w;
    braid_wr_init(&w, out, sizeof out);
    CHECK_EQ(braid_chunk_write(&w, &c), 0);
    const uint8_t want[] = {
        0xc1, 0x00, 0x00, 0x2c, 0xca, 0xfe, 0xf0, 0x0d, IPV6_2001_DB8_1, ADD_IP_10_0_0_2};
    CHECK_EQ(w.off, sizeof want);
    CHECK_MEM(out, want, sizeof want);
    braid_chunk d;
    CHECK_EQ(parse1(out, w.off, &d), 0);
    CHECK_EQ(d.u.asconf.serial, 0xcafef00d);
    CHECK_EQ(d.u.asconf.params_len, sizeof params);
    CHECK_MEM(d.u.asconf.params, params, sizeof params);

    const uint8_t resp[] = {SUCCESS_0x11};
    c.type = BRAID_CHUNK_ASCONF_ACK;
    c.u.asconf.serial = 9;
    c.u.asconf.params = resp;
    c.u.asconf.params_len = sizeof resp;
    braid_wr_init(&w, out, sizeof out);
    CHECK_EQ(braid_chunk_write(&w, &c), 0);
    const uint8_t want_ack[] = {0x80, 0x00, 0x00, 0x10, 0, 0, 0, 9, SUCCESS_0x11};
    CHECK_EQ(w.off, sizeof want_ack);
    CHECK_MEM(out, want_ack, sizeof want_ack);
    CHECK_EQ(parse1(out, w.off, &d), 0);
    CHECK_EQ(d.u.asconf.serial, 9);
    CHECK_EQ(d.u.asconf.params_len, 8);

    /* no parameters at all */
    c.u.asconf.params = NULL;
    c.u.asconf.params_len = 0;
    braid_wr_init(&w, out, sizeof out);
    CHECK_EQ(braid_chunk_write(&w, &c), 0);
    const uint8_t want_bare[] = {0x80, 0x00, 0x00, 0x08, 0, 0, 0, 9};
    CHECK_EQ(w.off, sizeof want_bare);
    CHECK_MEM(out, want_bare, sizeof want_bare);
}

static void test_asconf_malformed(void)
{
    braid_chunk c;
    /* RFC 5061 §4.1.1 / §4.1.2: no room for the Sequence Number */
    const uint8_t none[] = {0xc1, 0x00, 0x00, 0x04};
    CHECK_EQ(parse1(none, sizeof none, &c), BRAID_ERR_CHUNK_VALUE);
    const uint8_t three[] = {0xc1, 0x00, 0x00, 0x07, 0, 0, 1, 0};
    CHECK_EQ(parse1(three, sizeof three, &c), BRAID_ERR_CHUNK_VALUE);
    const uint8_t ack_none[] = {0x80, 0x00, 0x00, 0x04};
    CHECK_EQ(parse1(ack_none, sizeof ack_none, &c), BRAID_ERR_CHUNK_VALUE);
    const uint8_t ack_three[] = {0x80, 0x00, 0x00, 0x07, 0, 0, 1, 0};
    CHECK_EQ(parse1(ack_three, sizeof ack_three, &c), BRAID_ERR_CHUNK_VALUE);

    /* RFC 5061 §4.1.1: the Address Parameter is mandatory and comes first */
    const uint8_t no_addr[] = {0xc1, 0x00, 0x00, 0x08, 0, 0, 0, 1};
    CHECK_EQ(parse1(no_addr, sizeof no_addr, &c), BRAID_ERR_MISSING_PARAM);
    const uint8_t addip_first[] = {0xc1, 0x00, 0x00, 0x18, 0, 0, 0, 1, ADD_IP_10_0_0_2};
    CHECK_EQ(parse1(addip_first, sizeof addip_first, &c), BRAID_ERR_MISSING_PARAM);
    const uint8_t addr_second[] = {0xc1, 0x00, 0x00, 0x18, 0, 0, 0, 1, SUCCESS_0x11, IPV4_10_0_0_1};
    CHECK_EQ(parse1(addr_second, sizeof addr_second, &c), BRAID_ERR_MISSING_PARAM);

    /* RFC 9260 §3.3.2.1.1 / §3.3.2.1.2: address parameters have fixed sizes */
    const uint8_t v4_long[] = {0xc1, 0x00, 0x00, 0x14, 0, 0, 0, 1, 0x00, 0x05,
                               0x00, 0x0c, 10,   0,    0, 1, 0, 0, 0,    0};
    CHECK_EQ(parse1(v4_long, sizeof v4_long, &c), BRAID_ERR_PARAM_VALUE);
    const uint8_t v4_short[] = {0xc1, 0x00, 0x00, 0x0c, 0, 0, 0, 1, 0x00, 0x05, 0x00, 0x04};
    CHECK_EQ(parse1(v4_short, sizeof v4_short, &c), BRAID_ERR_PARAM_VALUE);
    const uint8_t v6_short[] = {0xc1, 0x00, 0x00, 0x10, 0,    0,    0,    1,
                                0x00, 0x06, 0x00, 0x08, 0x20, 0x01, 0x0d, 0xb8};
    CHECK_EQ(parse1(v6_short, sizeof v6_short, &c), BRAID_ERR_PARAM_VALUE);

    /* framing of the parameter list, ASCONF and ASCONF-ACK alike */
    const uint8_t bad_len[] = {0xc1, 0x00, 0x00, 0x0c, 0, 0, 0, 1, 0x00, 0x05, 0x00, 0x02};
    CHECK_EQ(parse1(bad_len, sizeof bad_len, &c), BRAID_ERR_PARAM_LEN);
    const uint8_t over[] = {0xc1, 0x00, 0x00, 0x10, 0,  0, 0, 1,
                            0x00, 0x05, 0x00, 0x0c, 10, 0, 0, 1};
    CHECK_EQ(parse1(over, sizeof over, &c), BRAID_ERR_PARAM_OVERRUN);
    const uint8_t trailing[] = {0xc1, 0x00,          0x00, 0x12, 0,    0,   0,
                                1,    IPV4_10_0_0_1, 0x00, 0x05, 0x00, 0x00};
    CHECK_EQ(parse1(trailing, sizeof trailing, &c), BRAID_ERR_PARAM_OVERRUN);
    const uint8_t ack_zero[] = {0x80, 0x00, 0x00, 0x0c, 0, 0, 0, 1, 0xc0, 0x05, 0x00, 0x00};
    CHECK_EQ(parse1(ack_zero, sizeof ack_zero, &c), BRAID_ERR_PARAM_LEN);
    const uint8_t ack_over[] = {0x80, 0x00, 0x00, 0x0c, 0, 0, 0, 1, 0xc0, 0x05, 0x00, 0x08};
    CHECK_EQ(parse1(ack_over, sizeof ack_over, &c), BRAID_ERR_PARAM_OVERRUN);
    const uint8_t ack_nopad[] = {0x80, 0x00, 0x00, 0x0e, 0,    0,    0,    1,
                                 0xc0, 0x05, 0x00, 0x05, 0xaa, 0x00, 0x00, 0x00};
    CHECK_EQ(parse1(ack_nopad, sizeof ack_nopad, &c), BRAID_ERR_PARAM_PADDING);
}

static void test_asconf_nospace(void)
{
    const uint8_t params[] = {IPV4_10_0_0_1, ADD_IP_10_0_0_2};
    braid_chunk c = {.type = BRAID_CHUNK_ASCONF};
    c.u.asconf.serial = 1;
    c.u.asconf.params = params;
    c.u.asconf.params_len = sizeof params;
    check_nospace(&c, 32);
    c.type = BRAID_CHUNK_ASCONF_ACK;
    c.u.asconf.params_len = 0;
    check_nospace(&c, 8);
}

static void test_asconf_describe(void)
{
    braid_chunk c;
    char buf[512];
    const uint8_t ack[] = {0x80, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x07};
    CHECK_EQ(parse1(ack, sizeof ack, &c), 0);
    CHECK_STR(describe(&c, buf, sizeof buf), "ASCONF_ACK(flags=0x00 serial=7 params=[])");
    /* With parameters, their text comes from param.c; only the frame and
     * the fields decoded here are checked. */
    const uint8_t x[] = {0xc1, 0x00, 0x00, 0x10, 0x12, 0x34, 0x56, 0x78, IPV4_10_0_0_1};
    CHECK_EQ(parse1(x, sizeof x, &c), 0);
    describe(&c, buf, sizeof buf);
    CHECK(starts_with(buf, "ASCONF(flags=0x00 serial=305419896 params=["));
    CHECK(ends_with(buf, "])"));
    const uint8_t ack2[] = {0x80, 0x00, 0x00, 0x10, 0xff, 0xff, 0xff, 0xfe, SUCCESS_0x11};
    CHECK_EQ(parse1(ack2, sizeof ack2, &c), 0);
    describe(&c, buf, sizeof buf);
    CHECK(starts_with(buf, "ASCONF_ACK(flags=0x00 serial=4294967294 params=["));
    CHECK(ends_with(buf, "])"));
}

int main(void)
{
    RUN(test_auth_vector);
    RUN(test_auth_roundtrip);
    RUN(test_auth_malformed);
    RUN(test_auth_nospace);
    RUN(test_auth_describe);
    RUN(test_reconfig_vector);
    RUN(test_reconfig_roundtrip);
    RUN(test_reconfig_malformed);
    RUN(test_reconfig_nospace);
    RUN(test_reconfig_describe);
    RUN(test_asconf_vector);
    RUN(test_asconf_ack_vector);
    RUN(test_asconf_roundtrip);
    RUN(test_asconf_malformed);
    RUN(test_asconf_nospace);
    RUN(test_asconf_describe);
    return CHECK_REPORT();
}
