/* Error causes (RFC 9260 §3.3.10, RFC 5061 §5.2, RFC 4895 §4.1). */
#include "check.h"
#include "core/wire/cause.h"
#include "core/wire/chunk.h"
#include "core/wire/tlv.h"

#define NO_TLV (-999)

static int parse_cause(const uint8_t *buf, size_t n, braid_cause *c)
{
    braid_tlv_iter it;
    braid_tlv t;
    braid_tlv_iter_init(&it, buf, n);
    int rc = braid_tlv_iter_next(&it, &t);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return NO_TLV;
    return braid_cause_parse(&t, c);
}

static char desc_buf[2048];

static const char *describe(const braid_cause *c)
{
    braid_sbuf s;
    braid_sbuf_init(&s, desc_buf, sizeof desc_buf);
    braid_cause_describe(&s, c);
    return desc_buf;
}

static const char *describe_list(const uint8_t *p, size_t n)
{
    braid_sbuf s;
    braid_sbuf_init(&s, desc_buf, sizeof desc_buf);
    braid_causes_describe(&s, p, n);
    return desc_buf;
}

static long write_cause(const braid_cause *c, uint8_t *out, size_t cap)
{
    braid_wr w;
    braid_wr_init(&w, out, cap);
    int rc = braid_cause_write(&w, c);
    if (rc < 0)
        return rc;
    CHECK(!w.err);
    return (long)w.off;
}

/* Parses buf, checks the description, checks that writing the decoded cause
 * gives canon (buf itself when canon is NULL) and that the written cause
 * describes the same. Every shorter output buffer gives NOSPACE. */
static void check_cause(const uint8_t *buf, size_t n, const char *want, const uint8_t *canon,
                        size_t canon_n)
{
    braid_cause c, d;
    if (!canon) {
        canon = buf;
        canon_n = n;
    }
    CHECK_EQ(parse_cause(buf, n, &c), 0);
    char first[2048];
    snprintf(first, sizeof first, "%s", describe(&c));
    CHECK_STR(first, want);
    uint8_t out[512];
    long len = write_cause(&c, out, sizeof out);
    CHECK_EQ(len, canon_n);
    if (len != (long)canon_n)
        return;
    CHECK_MEM(out, canon, canon_n);
    CHECK_EQ(parse_cause(out, (size_t)len, &d), 0);
    CHECK_EQ(d.code, c.code);
    CHECK_STR(describe(&d), first);
    for (long cap = 0; cap < len; cap++) {
        braid_wr w;
        braid_wr_init(&w, out, (size_t)cap);
        int rc = braid_cause_write(&w, &c);
        if (rc != BRAID_ERR_NOSPACE || !w.err) {
            CHECK_EQ(rc, BRAID_ERR_NOSPACE);
            CHECK(w.err);
            return;
        }
    }
}

static void test_invalid_stream(void)
{
    /* RFC 9260 §3.3.10.1: SID 7, Reserved ignored on receipt, 0 on transmit */
    const uint8_t v[] = {0, 1, 0, 8, 0, 7, 0xff, 0xff};
    const uint8_t canon[] = {0, 1, 0, 8, 0, 7, 0, 0};
    braid_cause c;
    CHECK_EQ(parse_cause(v, sizeof v, &c), 0);
    CHECK_EQ(c.code, BRAID_CAUSE_INVALID_STREAM);
    CHECK_EQ(c.u.sid, 7);
    check_cause(v, sizeof v, "Invalid Stream Identifier{sid=7}", canon, sizeof canon);

    const uint8_t short_v[] = {0, 1, 0, 6, 0, 7};
    CHECK_EQ(parse_cause(short_v, sizeof short_v, &c), BRAID_ERR_PARAM_VALUE);
    const uint8_t long_v[] = {0, 1, 0, 12, 0, 7, 0, 0, 0, 0, 0, 0};
    CHECK_EQ(parse_cause(long_v, sizeof long_v, &c), BRAID_ERR_PARAM_VALUE);
    const uint8_t empty[] = {0, 1, 0, 4};
    CHECK_EQ(parse_cause(empty, sizeof empty, &c), BRAID_ERR_PARAM_VALUE);

    braid_cause w = {.code = BRAID_CAUSE_INVALID_STREAM};
    w.u.sid = 65535;
    uint8_t out[16];
    CHECK_EQ(write_cause(&w, out, sizeof out), 8);
    CHECK_EQ(parse_cause(out, 8, &c), 0);
    CHECK_EQ(c.u.sid, 65535);
}

static void test_missing_param(void)
{
    /* RFC 9260 §3.3.10.2: N = 2, types 7 (State Cookie) and 9 */
    const uint8_t v[] = {0, 2, 0, 12, 0, 0, 0, 2, 0, 7, 0, 9};
    braid_cause c;
    CHECK_EQ(parse_cause(v, sizeof v, &c), 0);
    CHECK_EQ(c.code, BRAID_CAUSE_MISSING_PARAM);
    CHECK_EQ(c.u.missing.n, 2);
    CHECK(c.u.missing.p == v + 8);
    CHECK_EQ(braid_load16(c.u.missing.p), 7);
    CHECK_EQ(braid_load16(c.u.missing.p + 2), 9);
    check_cause(v, sizeof v, "Missing Mandatory Parameter{n=2 types=[7,9]}", NULL, 0);

    /* odd N: Cause Length 10, last TLV unpadded */
    const uint8_t odd[] = {0, 2, 0, 10, 0, 0, 0, 1, 0, 5};
    CHECK_EQ(parse_cause(odd, sizeof odd, &c), 0);
    CHECK_EQ(c.u.missing.n, 1);
    check_cause(odd, sizeof odd, "Missing Mandatory Parameter{n=1 types=[5]}", NULL, 0);

    /* N = 0 */
    const uint8_t none[] = {0, 2, 0, 8, 0, 0, 0, 0};
    check_cause(none, sizeof none, "Missing Mandatory Parameter{n=0 types=[]}", NULL, 0);

    /* more type bytes than N: extra ignored, not re-encoded */
    const uint8_t extra[] = {0, 2, 0, 12, 0, 0, 0, 1, 0, 7, 0, 9};
    const uint8_t extra_canon[] = {0, 2, 0, 10, 0, 0, 0, 1, 0, 7};
    check_cause(extra, sizeof extra, "Missing Mandatory Parameter{n=1 types=[7]}", extra_canon,
                sizeof extra_canon);

    const uint8_t no_count[] = {0, 2, 0, 6, 0, 0, 0, 0};
    CHECK_EQ(parse_cause(no_count, sizeof no_count, &c), BRAID_ERR_PARAM_VALUE);
    const uint8_t too_many[] = {0, 2, 0, 12, 0, 0, 0, 3, 0, 7, 0, 9};
    CHECK_EQ(parse_cause(too_many, sizeof too_many, &c), BRAID_ERR_PARAM_VALUE);
    const uint8_t huge[] = {0, 2, 0, 12, 0xff, 0xff, 0xff, 0xff, 0, 7, 0, 9};
    CHECK_EQ(parse_cause(huge, sizeof huge, &c), BRAID_ERR_PARAM_VALUE);
    const uint8_t half[] = {0, 2, 0, 11, 0, 0, 0, 2, 0, 7, 0};
    CHECK_EQ(parse_cause(half, sizeof half, &c), BRAID_ERR_PARAM_VALUE);

    /* write: a count that cannot be encoded is an invalid argument */
    if (sizeof(size_t) > 4) {
        braid_cause w = {.code = BRAID_CAUSE_MISSING_PARAM};
        w.u.missing.n = (size_t)UINT32_MAX + 1;
        w.u.missing.p = v;
        uint8_t out[16];
        braid_wr wr;
        braid_wr_init(&wr, out, sizeof out);
        CHECK_EQ(braid_cause_write(&wr, &w), BRAID_ERR_INVAL);
        CHECK_EQ(wr.off, 0);
    }
}

static void test_fixed_u32(void)
{
    braid_cause c;
    /* RFC 9260 §3.3.10.3: Measure of Staleness in microseconds */
    const uint8_t stale[] = {0, 3, 0, 8, 0, 0, 0x27, 0x10};
    CHECK_EQ(parse_cause(stale, sizeof stale, &c), 0);
    CHECK_EQ(c.code, BRAID_CAUSE_STALE_COOKIE);
    CHECK_EQ(c.u.staleness_us, 10000);
    check_cause(stale, sizeof stale, "Stale Cookie{staleness_us=10000}", NULL, 0);
    const uint8_t stale_short[] = {0, 3, 0, 7, 0, 0, 0x27};
    CHECK_EQ(parse_cause(stale_short, sizeof stale_short, &c), BRAID_ERR_PARAM_VALUE);
    const uint8_t stale_long[] = {0, 3, 0, 9, 0, 0, 0x27, 0x10, 0};
    CHECK_EQ(parse_cause(stale_long, sizeof stale_long, &c), BRAID_ERR_PARAM_VALUE);

    /* RFC 9260 §3.3.10.9: TSN */
    const uint8_t nud[] = {0, 9, 0, 8, 0xfe, 0xdc, 0xba, 0x98};
    CHECK_EQ(parse_cause(nud, sizeof nud, &c), 0);
    CHECK_EQ(c.code, BRAID_CAUSE_NO_USER_DATA);
    CHECK_EQ(c.u.tsn, 0xfedcba98u);
    check_cause(nud, sizeof nud, "No User Data{tsn=4275878552}", NULL, 0);
    const uint8_t nud_empty[] = {0, 9, 0, 4};
    CHECK_EQ(parse_cause(nud_empty, sizeof nud_empty, &c), BRAID_ERR_PARAM_VALUE);
    const uint8_t nud_long[] = {0, 9, 0, 12, 0, 0, 0, 1, 0, 0, 0, 2};
    CHECK_EQ(parse_cause(nud_long, sizeof nud_long, &c), BRAID_ERR_PARAM_VALUE);
}

static void test_empty_causes(void)
{
    braid_cause c;
    /* RFC 9260 §3.3.10.4, §3.3.10.7, §3.3.10.10: Cause Length = 4 */
    const uint8_t oor[] = {0, 4, 0, 4};
    CHECK_EQ(parse_cause(oor, sizeof oor, &c), 0);
    CHECK_EQ(c.code, BRAID_CAUSE_OUT_OF_RESOURCE);
    check_cause(oor, sizeof oor, "Out of Resource{}", NULL, 0);
    const uint8_t inv[] = {0, 7, 0, 4};
    CHECK_EQ(parse_cause(inv, sizeof inv, &c), 0);
    CHECK_EQ(c.code, BRAID_CAUSE_INVALID_PARAM);
    check_cause(inv, sizeof inv, "Invalid Mandatory Parameter{}", NULL, 0);
    const uint8_t cis[] = {0, 10, 0, 4};
    CHECK_EQ(parse_cause(cis, sizeof cis, &c), 0);
    CHECK_EQ(c.code, BRAID_CAUSE_COOKIE_IN_SHUTDOWN);
    check_cause(cis, sizeof cis, "Cookie Received While Shutting Down{}", NULL, 0);

    /* extra bytes ignored and not re-encoded */
    const uint8_t oor_extra[] = {0, 4, 0, 8, 1, 2, 3, 4};
    check_cause(oor_extra, sizeof oor_extra, "Out of Resource{}", oor, sizeof oor);
    const uint8_t inv_extra[] = {0, 7, 0, 5, 1};
    check_cause(inv_extra, sizeof inv_extra, "Invalid Mandatory Parameter{}", inv, sizeof inv);
    const uint8_t cis_extra[] = {0, 10, 0, 6, 1, 2};
    check_cause(cis_extra, sizeof cis_extra, "Cookie Received While Shutting Down{}", cis,
                sizeof cis);
}

static void test_tlv_holders(void)
{
    braid_cause c;
    /* RFC 9260 §3.3.10.5: an IPv4 Address parameter */
    const uint8_t unres[] = {0, 5, 0, 12, 0, 5, 0, 8, 10, 0, 0, 1};
    CHECK_EQ(parse_cause(unres, sizeof unres, &c), 0);
    CHECK_EQ(c.code, BRAID_CAUSE_UNRESOLVABLE_ADDR);
    CHECK(c.u.bytes.p == unres + 4);
    CHECK_EQ(c.u.bytes.len, 8);
    check_cause(unres, sizeof unres, "Unresolvable Address{len=8 addr=000500080a000001}", NULL, 0);
    const uint8_t unres_short[] = {0, 5, 0, 7, 0, 5, 0};
    CHECK_EQ(parse_cause(unres_short, sizeof unres_short, &c), BRAID_ERR_PARAM_VALUE);
    const uint8_t unres_empty[] = {0, 5, 0, 4};
    CHECK_EQ(parse_cause(unres_empty, sizeof unres_empty, &c), BRAID_ERR_PARAM_VALUE);

    /* RFC 9260 §3.3.10.6: an unrecognized chunk of type 0x4f */
    const uint8_t unchunk[] = {0, 6, 0, 9, 0x4f, 0x01, 0, 5, 0xaa};
    CHECK_EQ(parse_cause(unchunk, sizeof unchunk, &c), 0);
    CHECK_EQ(c.code, BRAID_CAUSE_UNRECOGNIZED_CHUNK);
    CHECK_EQ(c.u.bytes.len, 5);
    CHECK_EQ(c.u.bytes.p[0], 0x4f);
    check_cause(unchunk, sizeof unchunk, "Unrecognized Chunk Type{len=5 chunk=4f010005aa}", NULL,
                0);
    const uint8_t unchunk_short[] = {0, 6, 0, 7, 0x4f, 0, 0};
    CHECK_EQ(parse_cause(unchunk_short, sizeof unchunk_short, &c), BRAID_ERR_PARAM_VALUE);

    /* RFC 9260 §3.3.10.8: two unrecognized parameters */
    const uint8_t unparams[] = {0, 8, 0, 17, 0x80, 0x09, 0, 5, 1, 0, 0, 0, 0xc0, 0x07, 0, 5, 2};
    CHECK_EQ(parse_cause(unparams, sizeof unparams, &c), 0);
    CHECK_EQ(c.code, BRAID_CAUSE_UNRECOGNIZED_PARAMS);
    CHECK_EQ(c.u.bytes.len, 13);
    check_cause(unparams, sizeof unparams,
                "Unrecognized Parameters{len=13 params=80090005010000"
                "00c007000502}",
                NULL, 0);
    const uint8_t unparams_len[] = {0, 8, 0, 8, 0x80, 9, 0, 2};
    CHECK_EQ(parse_cause(unparams_len, sizeof unparams_len, &c), BRAID_ERR_PARAM_LEN);
    const uint8_t unparams_over[] = {0, 8, 0, 8, 0x80, 9, 0, 12};
    CHECK_EQ(parse_cause(unparams_over, sizeof unparams_over, &c), BRAID_ERR_PARAM_OVERRUN);
    const uint8_t unparams_cut[] = {0, 8, 0, 6, 0x80, 9};
    CHECK_EQ(parse_cause(unparams_cut, sizeof unparams_cut, &c), BRAID_ERR_PARAM_OVERRUN);
    const uint8_t unparams_pad[] = {0, 8, 0, 10, 0x80, 9, 0, 5, 1, 0};
    CHECK_EQ(parse_cause(unparams_pad, sizeof unparams_pad, &c), BRAID_ERR_PARAM_PADDING);

    /* RFC 9260 §3.3.10.11: new IPv4 addresses */
    const uint8_t restart[] = {0, 11, 0, 20, 0, 5, 0,   8,   192, 168,
                               1, 1,  0, 5,  0, 8, 192, 168, 1,   2};
    CHECK_EQ(parse_cause(restart, sizeof restart, &c), 0);
    CHECK_EQ(c.code, BRAID_CAUSE_RESTART_NEW_ADDRS);
    CHECK_EQ(c.u.bytes.len, 16);
    check_cause(restart, sizeof restart,
                "Restart of an Association with New Addresses{len=16 "
                "addrs=00050008c0a8010100050008c0a80102}",
                NULL, 0);
    const uint8_t restart_bad[] = {0, 11, 0, 12, 0, 5, 0, 0, 192, 168, 1, 1};
    CHECK_EQ(parse_cause(restart_bad, sizeof restart_bad, &c), BRAID_ERR_PARAM_LEN);
    const uint8_t restart_over[] = {0, 11, 0, 12, 0, 5, 0, 12, 192, 168, 1, 1};
    CHECK_EQ(parse_cause(restart_over, sizeof restart_over, &c), BRAID_ERR_PARAM_OVERRUN);
}

static void test_text_causes(void)
{
    braid_cause c;
    /* RFC 9260 §3.3.10.12: opaque reason, non-printables escaped */
    const uint8_t ua[] = {0, 12, 0, 10, 'h', 'i', 0, '"', '\\', 0x7f};
    CHECK_EQ(parse_cause(ua, sizeof ua, &c), 0);
    CHECK_EQ(c.code, BRAID_CAUSE_USER_ABORT);
    CHECK_EQ(c.u.bytes.len, 6);
    CHECK(c.u.bytes.p == ua + 4);
    check_cause(ua, sizeof ua, "User-Initiated Abort{len=6 reason=\"hi\\x00\\x22\\x5c\\x7f\"}",
                NULL, 0);
    const uint8_t ua_empty[] = {0, 12, 0, 4};
    check_cause(ua_empty, sizeof ua_empty, "User-Initiated Abort{len=0 reason=\"\"}", NULL, 0);

    /* RFC 9260 §3.3.10.13 */
    const uint8_t pv[] = {0, 13, 0, 11, 'b', 'a', 'd', ' ', 't', 's', 'n'};
    CHECK_EQ(parse_cause(pv, sizeof pv, &c), 0);
    CHECK_EQ(c.code, BRAID_CAUSE_PROTOCOL_VIOLATION);
    CHECK_EQ(c.u.bytes.len, 7);
    check_cause(pv, sizeof pv, "Protocol Violation{len=7 info=\"bad tsn\"}", NULL, 0);

    /* long text is cut at 64 bytes */
    uint8_t longv[4 + 70];
    longv[0] = 0;
    longv[1] = 13;
    longv[2] = 0;
    longv[3] = (uint8_t)sizeof longv;
    memset(longv + 4, 'a', 70);
    char want[128];
    snprintf(want, sizeof want, "Protocol Violation{len=70 info=\"%.64s\"...}",
             "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    check_cause(longv, sizeof longv, want, NULL, 0);
}

static void test_writers(void)
{
    uint8_t out[64];
    braid_wr w;
    braid_wr_init(&w, out, sizeof out);
    CHECK_EQ(braid_cause_write_user_abort(&w, "stop", 4), 0);
    CHECK_EQ(braid_cause_write_protocol_violation(&w, "x"), 0);
    CHECK_EQ(braid_cause_write_protocol_violation(&w, NULL), 0);
    CHECK_EQ(braid_cause_write_user_abort(&w, NULL, 0), 0);
    const uint8_t want[] = {0,   12, 0, 8, 's', 't', 'o', 'p', 0, 13, 0, 5,
                            'x', 0,  0, 0, 0,   13,  0,   4,   0, 12, 0, 4};
    CHECK_EQ(w.off, sizeof want);
    CHECK_MEM(out, want, sizeof want);
    CHECK_STR(describe_list(out, w.off),
              "User-Initiated Abort{len=4 reason=\"stop\"}; Protocol Violation{len=1 info=\"x\"}; "
              "Protocol Violation{len=0 info=\"\"}; User-Initiated Abort{len=0 reason=\"\"}");

    braid_wr_init(&w, out, 7);
    CHECK_EQ(braid_cause_write_user_abort(&w, "stop", 4), BRAID_ERR_NOSPACE);
    braid_wr_init(&w, out, 4);
    CHECK_EQ(braid_cause_write_protocol_violation(&w, "x"), BRAID_ERR_NOSPACE);
}

static void test_asconf_causes(void)
{
    /* RFC 5061 §5.2: each carries a copy of the TLV concerned */
    static const struct {
        uint16_t code;
        const char *name;
    } tab[] = {
        {BRAID_CAUSE_DELETE_LAST_ADDR, "Request to Delete Last Remaining IP Address"},
        {BRAID_CAUSE_RESOURCE_SHORTAGE, "Operation Refused Due to Resource Shortage"},
        {BRAID_CAUSE_DELETE_SOURCE_ADDR, "Request to Delete Source IP Address"},
        {BRAID_CAUSE_ILLEGAL_ASCONF_ACK, "Association Aborted due to illegal ASCONF-ACK"},
        {BRAID_CAUSE_NO_AUTHORIZATION, "Request refused - no authorization"},
    };
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++) {
        /* a Delete IP Address parameter: corr id 1, IPv4 10.0.0.2 */
        uint8_t v[] = {0, 0, 0, 20, 0xc0, 0x02, 0, 16, 0, 0, 0, 1, 0, 5, 0, 8, 10, 0, 0, 2};
        braid_store16(v, tab[i].code);
        braid_cause c;
        CHECK_EQ(parse_cause(v, sizeof v, &c), 0);
        CHECK_EQ(c.code, tab[i].code);
        CHECK_EQ(c.u.bytes.len, 16);
        CHECK(c.u.bytes.p == v + 4);
        char want[200];
        snprintf(want, sizeof want, "%s{len=16 tlv=c002001000000001000500080a000002}", tab[i].name);
        check_cause(v, sizeof v, want, NULL, 0);
        CHECK_STR(braid_cause_name(tab[i].code), tab[i].name);
        /* empty is accepted too */
        uint8_t e[] = {0, 0, 0, 4};
        braid_store16(e, tab[i].code);
        snprintf(want, sizeof want, "%s{len=0 tlv=}", tab[i].name);
        check_cause(e, sizeof e, want, NULL, 0);
    }
}

static void test_unsupported_hmac(void)
{
    braid_cause c;
    /* RFC 4895 §4.1: Cause Length 6, then 2 bytes of padding */
    const uint8_t v[] = {0x01, 0x05, 0, 6, 0, 3, 0, 0};
    CHECK_EQ(parse_cause(v, sizeof v, &c), 0);
    CHECK_EQ(c.code, BRAID_CAUSE_UNSUPPORTED_HMAC);
    CHECK_EQ(c.u.hmac_id, 3);
    check_cause(v, 6, "Unsupported HMAC Identifier{hmac_id=3}", NULL, 0);
    /* longer accepted (e.g. Cause Length 8 with the padding inside) */
    const uint8_t v8[] = {0x01, 0x05, 0, 8, 0, 1, 0, 0};
    const uint8_t v8_canon[] = {0x01, 0x05, 0, 6, 0, 1};
    check_cause(v8, sizeof v8, "Unsupported HMAC Identifier{hmac_id=1}", v8_canon, sizeof v8_canon);
    const uint8_t short_v[] = {0x01, 0x05, 0, 5, 0, 0, 0, 0};
    CHECK_EQ(parse_cause(short_v, sizeof short_v, &c), BRAID_ERR_PARAM_VALUE);
    const uint8_t empty[] = {0x01, 0x05, 0, 4};
    CHECK_EQ(parse_cause(empty, sizeof empty, &c), BRAID_ERR_PARAM_VALUE);

    /* In an ERROR chunk, the padding is written before the next cause and
     * after the last one by braid_chunk_end. */
    uint8_t out[64];
    braid_wr w;
    braid_wr_init(&w, out, sizeof out);
    size_t start = braid_chunk_begin(&w, BRAID_CHUNK_ERROR, 0);
    braid_cause h = {.code = BRAID_CAUSE_UNSUPPORTED_HMAC};
    h.u.hmac_id = 2;
    CHECK_EQ(braid_cause_write(&w, &h), 0);
    CHECK_EQ(braid_cause_write(&w, &h), 0);
    CHECK_EQ(braid_chunk_end(&w, start), 0);
    const uint8_t want[] = {9, 0, 0, 18, 1, 5, 0, 6, 0, 2, 0, 0, 1, 5, 0, 6, 0, 2, 0, 0};
    CHECK_EQ(w.off, sizeof want);
    CHECK_MEM(out, want, sizeof want);
}

static void test_unknown(void)
{
    braid_cause c;
    const uint8_t v[] = {0x12, 0x34, 0, 7, 1, 2, 3};
    CHECK_EQ(parse_cause(v, sizeof v, &c), 0);
    CHECK_EQ(c.code, 0x1234);
    CHECK_EQ(c.u.bytes.len, 3);
    CHECK(c.u.bytes.p == v + 4);
    check_cause(v, sizeof v, "UNKNOWN{code=4660 len=3 value=010203}", NULL, 0);
    const uint8_t e[] = {0, 14, 0, 4};
    check_cause(e, sizeof e, "UNKNOWN{code=14 len=0 value=}", NULL, 0);
    CHECK_STR(braid_cause_name(0x1234), "UNKNOWN");
    CHECK_STR(braid_cause_name(0), "UNKNOWN");
}

static void test_names(void)
{
    CHECK_STR(braid_cause_name(1), "Invalid Stream Identifier");
    CHECK_STR(braid_cause_name(2), "Missing Mandatory Parameter");
    CHECK_STR(braid_cause_name(3), "Stale Cookie");
    CHECK_STR(braid_cause_name(4), "Out of Resource");
    CHECK_STR(braid_cause_name(5), "Unresolvable Address");
    CHECK_STR(braid_cause_name(6), "Unrecognized Chunk Type");
    CHECK_STR(braid_cause_name(7), "Invalid Mandatory Parameter");
    CHECK_STR(braid_cause_name(8), "Unrecognized Parameters");
    CHECK_STR(braid_cause_name(9), "No User Data");
    CHECK_STR(braid_cause_name(10), "Cookie Received While Shutting Down");
    CHECK_STR(braid_cause_name(11), "Restart of an Association with New Addresses");
    CHECK_STR(braid_cause_name(12), "User-Initiated Abort");
    CHECK_STR(braid_cause_name(13), "Protocol Violation");
    CHECK_STR(braid_cause_name(0x105), "Unsupported HMAC Identifier");
}

static void test_causes_describe(void)
{
    CHECK_STR(describe_list(NULL, 0), "");
    const uint8_t two[] = {0, 3, 0, 8, 0, 0, 0, 1, 0, 4, 0, 4};
    CHECK_STR(describe_list(two, sizeof two), "Stale Cookie{staleness_us=1}; Out of Resource{}");
    /* framing error after a good cause */
    const uint8_t bad_frame[] = {0, 3, 0, 8, 0, 0, 0, 1, 0, 4, 0, 2};
    CHECK_STR(describe_list(bad_frame, sizeof bad_frame),
              "Stale Cookie{staleness_us=1}; !parameter length below its header");
    const uint8_t bad_first[] = {0, 3, 0, 9, 0, 0, 0, 1};
    CHECK_STR(describe_list(bad_first, sizeof bad_first),
              "!parameter runs past the end of its chunk");
    /* a cause whose value is malformed stops the list */
    const uint8_t bad_value[] = {0, 4, 0, 4, 0, 9, 0, 6, 0, 0, 0, 0, 0, 4, 0, 4};
    CHECK_STR(describe_list(bad_value, sizeof bad_value),
              "Out of Resource{}; No User Data!parameter value has the wrong size");
    const uint8_t bad_inner[] = {0, 8, 0, 8, 0x80, 9, 0, 3};
    CHECK_STR(describe_list(bad_inner, sizeof bad_inner),
              "Unrecognized Parameters!parameter length below its header");

    /* a small sbuf cuts the text and stays NUL-terminated */
    char small[16];
    braid_sbuf s;
    braid_sbuf_init(&s, small, sizeof small);
    braid_causes_describe(&s, two, sizeof two);
    CHECK(s.cut);
    CHECK_EQ(strlen(small), sizeof small - 1);
}

int main(void)
{
    RUN(test_invalid_stream);
    RUN(test_missing_param);
    RUN(test_fixed_u32);
    RUN(test_empty_causes);
    RUN(test_tlv_holders);
    RUN(test_text_causes);
    RUN(test_writers);
    RUN(test_asconf_causes);
    RUN(test_unsupported_hmac);
    RUN(test_unknown);
    RUN(test_names);
    RUN(test_causes_describe);
    return CHECK_REPORT();
}
