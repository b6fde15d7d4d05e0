/* HEARTBEAT, HEARTBEAT ACK, ABORT, ERROR, SHUTDOWN, SHUTDOWN ACK, SHUTDOWN
 * COMPLETE, COOKIE ECHO, COOKIE ACK, ECNE, CWR and PAD codecs. */
#include "check.h"
#include "core/wire/cause.h"
#include "core/wire/chunk.h"
#include "core/wire/tlv.h"

#define NO_CHUNK (-999)

/* Parses the first chunk of a bare chunk list. */
static int parse_buf(const uint8_t *buf, size_t n, braid_chunk *c)
{
    braid_chunk_iter it;
    braid_chunk_view v;
    braid_chunk_iter_init_bare(&it, buf, n);
    int rc = braid_chunk_iter_next(&it, &v);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return NO_CHUNK;
    return braid_chunk_parse(&v, c);
}

static char desc_buf[2048];

static const char *describe(const braid_chunk *c)
{
    braid_sbuf s;
    braid_sbuf_init(&s, desc_buf, sizeof desc_buf);
    braid_chunk_describe(&s, c);
    return desc_buf;
}

/* Writes c into out (cap bytes); returns the length or a negative error. */
static long write_chunk(const braid_chunk *c, uint8_t *out, size_t cap)
{
    braid_wr w;
    braid_wr_init(&w, out, cap);
    int rc = braid_chunk_write(&w, c);
    if (rc < 0)
        return rc;
    return (long)w.off;
}

/* The fuzzer's property: describe(parse(x)) == describe(parse(write(parse(x)))),
 * and the expected description. */
static void check_stable(const uint8_t *buf, size_t n, const char *want)
{
    braid_chunk c, c2;
    CHECK_EQ(parse_buf(buf, n, &c), 0);
    char first[2048];
    snprintf(first, sizeof first, "%s", describe(&c));
    if (want)
        CHECK_STR(first, want);
    uint8_t out[2048];
    long len = write_chunk(&c, out, sizeof out);
    CHECK(len > 0);
    if (len <= 0)
        return;
    CHECK_EQ(parse_buf(out, (size_t)len, &c2), 0);
    CHECK_STR(describe(&c2), first);
}

/* Writing into every buffer shorter than the chunk fails with NOSPACE and
 * leaves the writer rolled back. */
static void check_nospace(const braid_chunk *c)
{
    uint8_t out[512];
    long full = write_chunk(c, out, sizeof out);
    CHECK(full > 0);
    for (long cap = 0; cap < full; cap++) {
        braid_wr w;
        braid_wr_init(&w, out, (size_t)cap);
        int rc = braid_chunk_write(&w, c);
        if (rc != BRAID_ERR_NOSPACE) {
            CHECK_EQ(rc, BRAID_ERR_NOSPACE);
            return;
        }
        if (w.off != 0 || w.err) {
            CHECK_EQ(w.off, 0);
            CHECK(!w.err);
            return;
        }
    }
    CHECK(1);
}

/* ---- HEARTBEAT / HEARTBEAT ACK ---- */

static void test_heartbeat_vector(void)
{
    /* RFC 9260 §3.3.5: chunk header, then a Heartbeat Info TLV (type 1). */
    const uint8_t hb[] = {4, 0, 0, 16, 0, 1, 0, 12, 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'};
    braid_chunk c;
    CHECK_EQ(parse_buf(hb, sizeof hb, &c), 0);
    CHECK_EQ(c.type, BRAID_CHUNK_HEARTBEAT);
    CHECK_EQ(c.flags, 0);
    CHECK_EQ(c.u.hb.info_len, 8);
    CHECK(c.u.hb.info == hb + 8);
    CHECK_MEM(c.u.hb.info, "abcdefgh", 8);
    check_stable(hb, sizeof hb, "HEARTBEAT(flags=0x00 info_len=8 info=6162636465666768)");

    uint8_t out[64];
    CHECK_EQ(write_chunk(&c, out, sizeof out), sizeof hb);
    CHECK_MEM(out, hb, sizeof hb);

    /* HEARTBEAT ACK (§3.3.6), flags kept, info of 5 bytes: the TLV is the
     * last in the chunk so its padding is outside the chunk length. */
    const uint8_t ack[] = {5, 0xa0, 0, 13, 0, 1, 0, 9, 1, 2, 3, 4, 5, 0, 0, 0};
    CHECK_EQ(parse_buf(ack, sizeof ack, &c), 0);
    CHECK_EQ(c.type, BRAID_CHUNK_HEARTBEAT_ACK);
    CHECK_EQ(c.flags, 0xa0);
    CHECK_EQ(c.u.hb.info_len, 5);
    CHECK_MEM(c.u.hb.info, ack + 8, 5);
    check_stable(ack, sizeof ack, "HEARTBEAT_ACK(flags=0xa0 info_len=5 info=0102030405)");
    CHECK_EQ(write_chunk(&c, out, sizeof out), sizeof ack);
    CHECK_MEM(out, ack, sizeof ack);

    /* Empty Heartbeat Info is framed correctly and accepted. */
    const uint8_t empty_info[] = {4, 0, 0, 8, 0, 1, 0, 4};
    CHECK_EQ(parse_buf(empty_info, sizeof empty_info, &c), 0);
    CHECK_EQ(c.u.hb.info_len, 0);
    check_stable(empty_info, sizeof empty_info, "HEARTBEAT(flags=0x00 info_len=0 info=)");

    /* Bytes after the Heartbeat Info TLV are ignored and not re-encoded. */
    const uint8_t trailing[] = {4, 0, 0, 16, 0, 1, 0, 8, 9, 8, 7, 6, 0, 9, 0, 4};
    CHECK_EQ(parse_buf(trailing, sizeof trailing, &c), 0);
    CHECK_EQ(c.u.hb.info_len, 4);
    CHECK_EQ(write_chunk(&c, out, sizeof out), 12);
    const uint8_t trimmed[] = {4, 0, 0, 12, 0, 1, 0, 8, 9, 8, 7, 6};
    CHECK_MEM(out, trimmed, sizeof trimmed);
    check_stable(trailing, sizeof trailing, "HEARTBEAT(flags=0x00 info_len=4 info=09080706)");
}

static void test_heartbeat_roundtrip(void)
{
    const uint8_t info[] = {0xde, 0xad, 0xbe, 0xef, 0x01, 0x02, 0x03};
    braid_chunk c = {.type = BRAID_CHUNK_HEARTBEAT_ACK, .flags = 0};
    c.u.hb.info = info;
    c.u.hb.info_len = sizeof info;
    uint8_t out[64];
    long len = write_chunk(&c, out, sizeof out);
    CHECK_EQ(len, 16); /* 4 + 4 + 7 = 15, padded */
    CHECK_EQ(braid_load16(out + 2), 15);
    CHECK_EQ(braid_load16(out + 4), BRAID_PARAM_HEARTBEAT_INFO);
    CHECK_EQ(braid_load16(out + 6), 11);
    braid_chunk d;
    CHECK_EQ(parse_buf(out, (size_t)len, &d), 0);
    CHECK_EQ(d.type, BRAID_CHUNK_HEARTBEAT_ACK);
    CHECK_EQ(d.u.hb.info_len, sizeof info);
    CHECK_MEM(d.u.hb.info, info, sizeof info);
    check_nospace(&c);
}

static void test_heartbeat_malformed(void)
{
    braid_chunk c;
    /* RFC 9260 §3.3.5: the Heartbeat Info parameter is mandatory. */
    const uint8_t none[] = {4, 0, 0, 4};
    CHECK_EQ(parse_buf(none, sizeof none, &c), BRAID_ERR_MISSING_PARAM);
    const uint8_t wrong_type[] = {4, 0, 0, 12, 0, 2, 0, 8, 1, 2, 3, 4};
    CHECK_EQ(parse_buf(wrong_type, sizeof wrong_type, &c), BRAID_ERR_MISSING_PARAM);
    const uint8_t ack_wrong_type[] = {5, 0, 0, 8, 0, 7, 0, 4};
    CHECK_EQ(parse_buf(ack_wrong_type, sizeof ack_wrong_type, &c), BRAID_ERR_MISSING_PARAM);
    /* TLV framing errors (RFC 9260 §3.2.1). */
    const uint8_t cut_header[] = {4, 0, 0, 6, 0, 1, 0, 0};
    CHECK_EQ(parse_buf(cut_header, sizeof cut_header, &c), BRAID_ERR_PARAM_OVERRUN);
    const uint8_t short_len[] = {4, 0, 0, 8, 0, 1, 0, 3};
    CHECK_EQ(parse_buf(short_len, sizeof short_len, &c), BRAID_ERR_PARAM_LEN);
    const uint8_t zero_len[] = {4, 0, 0, 8, 0, 1, 0, 0};
    CHECK_EQ(parse_buf(zero_len, sizeof zero_len, &c), BRAID_ERR_PARAM_LEN);
    const uint8_t overrun[] = {4, 0, 0, 12, 0, 1, 0, 9, 1, 2, 3, 4};
    CHECK_EQ(parse_buf(overrun, sizeof overrun, &c), BRAID_ERR_PARAM_OVERRUN);
    /* TLV of 5 bytes followed by only 1 of its 3 padding bytes. */
    const uint8_t nopad[] = {4, 0, 0, 10, 0, 1, 0, 5, 1, 0, 0, 0};
    CHECK_EQ(parse_buf(nopad, sizeof nopad, &c), BRAID_ERR_PARAM_PADDING);
}

/* ---- ABORT / ERROR ---- */

static void test_abort_vector(void)
{
    /* RFC 9260 §3.3.7: T bit set, one User-Initiated Abort cause (§3.3.10.12)
     * of 7 bytes, unpadded as the last TLV. */
    const uint8_t abort_t[] = {6, 1, 0, 11, 0, 12, 0, 7, 'b', 'y', 'e', 0};
    braid_chunk c;
    CHECK_EQ(parse_buf(abort_t, sizeof abort_t, &c), 0);
    CHECK_EQ(c.type, BRAID_CHUNK_ABORT);
    CHECK_EQ(c.flags, BRAID_FLAG_T);
    CHECK(c.u.tlvs.tlvs == abort_t + 4);
    CHECK_EQ(c.u.tlvs.tlvs_len, 7);
    check_stable(abort_t, sizeof abort_t,
                 "ABORT(flags=0x01 causes=[User-Initiated Abort{len=3 reason=\"bye\"}])");
    uint8_t out[64];
    CHECK_EQ(write_chunk(&c, out, sizeof out), sizeof abort_t);
    CHECK_MEM(out, abort_t, sizeof abort_t);

    /* RFC 9260 §3.3.7: zero causes. */
    const uint8_t empty[] = {6, 0, 0, 4};
    CHECK_EQ(parse_buf(empty, sizeof empty, &c), 0);
    CHECK_EQ(c.flags, 0);
    CHECK_EQ(c.u.tlvs.tlvs_len, 0);
    check_stable(empty, sizeof empty, "ABORT(flags=0x00 causes=[])");
}

static void test_error_vector(void)
{
    /* RFC 9260 §3.3.10: Invalid Stream Identifier (sid 5) and Stale Cookie
     * (1000 us). */
    const uint8_t err[] = {9, 0, 0, 20, 0, 1, 0, 8, 0, 5, 0, 0, 0, 3, 0, 8, 0, 0, 0x03, 0xe8};
    braid_chunk c;
    CHECK_EQ(parse_buf(err, sizeof err, &c), 0);
    CHECK_EQ(c.type, BRAID_CHUNK_ERROR);
    CHECK_EQ(c.flags, 0);
    CHECK(c.u.tlvs.tlvs == err + 4);
    CHECK_EQ(c.u.tlvs.tlvs_len, 16);
    check_stable(err, sizeof err,
                 "ERROR(flags=0x00 causes=[Invalid Stream Identifier{sid=5}; "
                 "Stale Cookie{staleness_us=1000}])");
    uint8_t out[64];
    CHECK_EQ(write_chunk(&c, out, sizeof out), sizeof err);
    CHECK_MEM(out, err, sizeof err);

    /* A cause whose value is malformed is framed fine: parse accepts the
     * chunk, describe reports the cause error. */
    const uint8_t bad_cause[] = {9, 0, 0, 10, 0, 1, 0, 6, 0, 5, 0, 0};
    CHECK_EQ(parse_buf(bad_cause, sizeof bad_cause, &c), 0);
    check_stable(bad_cause, sizeof bad_cause,
                 "ERROR(flags=0x00 causes=[Invalid Stream Identifier!parameter value has the "
                 "wrong size])");
}

static void test_abort_error_roundtrip(void)
{
    uint8_t causes[64];
    braid_wr cw;
    braid_wr_init(&cw, causes, sizeof causes);
    CHECK_EQ(braid_cause_write_protocol_violation(&cw, "bad"), 0);
    braid_cause nud = {.code = BRAID_CAUSE_NO_USER_DATA};
    nud.u.tsn = 77;
    CHECK_EQ(braid_cause_write(&cw, &nud), 0);
    CHECK(!cw.err);

    braid_chunk c = {.type = BRAID_CHUNK_ABORT, .flags = BRAID_FLAG_T};
    c.u.tlvs.tlvs = causes;
    c.u.tlvs.tlvs_len = cw.off;
    uint8_t out[128];
    long len = write_chunk(&c, out, sizeof out);
    CHECK_EQ(len, 4 + 8 + 8);
    braid_chunk d;
    CHECK_EQ(parse_buf(out, (size_t)len, &d), 0);
    CHECK_EQ(d.type, BRAID_CHUNK_ABORT);
    CHECK_EQ(d.flags, BRAID_FLAG_T);
    CHECK_EQ(d.u.tlvs.tlvs_len, cw.off);
    CHECK_MEM(d.u.tlvs.tlvs, causes, cw.off);
    CHECK_STR(describe(&d), "ABORT(flags=0x01 causes=[Protocol Violation{len=3 info=\"bad\"}; "
                            "No User Data{tsn=77}])");
    check_nospace(&c);

    c.type = BRAID_CHUNK_ERROR;
    c.flags = 0;
    len = write_chunk(&c, out, sizeof out);
    CHECK_EQ(len, 20);
    CHECK_EQ(parse_buf(out, (size_t)len, &d), 0);
    CHECK_EQ(d.type, BRAID_CHUNK_ERROR);
    CHECK_EQ(d.u.tlvs.tlvs_len, cw.off);
    check_nospace(&c);

    /* RFC 9260 §3.3.10: an ERROR chunk is never written without a cause. */
    c.u.tlvs.tlvs_len = 0;
    braid_wr w;
    braid_wr_init(&w, out, sizeof out);
    CHECK_EQ(braid_chunk_write(&w, &c), BRAID_ERR_INVAL);
    CHECK_EQ(w.off, 0);
    /* An ABORT may be. */
    c.type = BRAID_CHUNK_ABORT;
    CHECK_EQ(write_chunk(&c, out, sizeof out), 4);
}

static void test_abort_error_malformed(void)
{
    braid_chunk c;
    /* RFC 9260 §3.3.10: ERROR carries one or more causes. */
    const uint8_t empty_error[] = {9, 0, 0, 4};
    CHECK_EQ(parse_buf(empty_error, sizeof empty_error, &c), BRAID_ERR_CHUNK_VALUE);
    /* Cause list framing (RFC 9260 §3.2.1), for both chunk types. */
    for (uint8_t type = 6; type <= 9; type = (uint8_t)(type + 3)) {
        const uint8_t cut[] = {type, 0, 0, 6, 0, 4, 0, 0};
        CHECK_EQ(parse_buf(cut, sizeof cut, &c), BRAID_ERR_PARAM_OVERRUN);
        const uint8_t short_len[] = {type, 0, 0, 8, 0, 4, 0, 2};
        CHECK_EQ(parse_buf(short_len, sizeof short_len, &c), BRAID_ERR_PARAM_LEN);
        const uint8_t overrun[] = {type, 0, 0, 8, 0, 4, 0, 8};
        CHECK_EQ(parse_buf(overrun, sizeof overrun, &c), BRAID_ERR_PARAM_OVERRUN);
        /* 5-byte cause followed by only 1 of its 3 padding bytes. */
        const uint8_t nopad[] = {type, 0, 0, 10, 0, 12, 0, 5, 'x', 0, 0, 0};
        CHECK_EQ(parse_buf(nopad, sizeof nopad, &c), BRAID_ERR_PARAM_PADDING);
        /* a good cause followed by a broken one */
        const uint8_t second_bad[] = {type, 0, 0, 12, 0, 4, 0, 4, 0, 10, 0, 0};
        CHECK_EQ(parse_buf(second_bad, sizeof second_bad, &c), BRAID_ERR_PARAM_LEN);
    }
}

/* ---- SHUTDOWN family ---- */

static void test_shutdown(void)
{
    /* RFC 9260 §3.3.8 */
    const uint8_t sd[] = {7, 0, 0, 8, 0x12, 0x34, 0x56, 0x78};
    braid_chunk c;
    CHECK_EQ(parse_buf(sd, sizeof sd, &c), 0);
    CHECK_EQ(c.type, BRAID_CHUNK_SHUTDOWN);
    CHECK_EQ(c.flags, 0);
    CHECK_EQ(c.u.tsn.tsn, 0x12345678);
    check_stable(sd, sizeof sd, "SHUTDOWN(flags=0x00 cum_tsn=305419896)");
    uint8_t out[64];
    CHECK_EQ(write_chunk(&c, out, sizeof out), sizeof sd);
    CHECK_MEM(out, sd, sizeof sd);

    /* longer than 8: accepted, extra bytes not re-encoded */
    const uint8_t longer[] = {7, 0x80, 0, 12, 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4};
    CHECK_EQ(parse_buf(longer, sizeof longer, &c), 0);
    CHECK_EQ(c.flags, 0x80);
    CHECK_EQ(c.u.tsn.tsn, 0xffffffffu);
    CHECK_EQ(write_chunk(&c, out, sizeof out), 8);
    const uint8_t canon[] = {7, 0x80, 0, 8, 0xff, 0xff, 0xff, 0xff};
    CHECK_MEM(out, canon, sizeof canon);
    check_stable(longer, sizeof longer, "SHUTDOWN(flags=0x80 cum_tsn=4294967295)");

    /* RFC 9260 §3.3.8: the Cumulative TSN Ack is mandatory. */
    const uint8_t empty[] = {7, 0, 0, 4};
    CHECK_EQ(parse_buf(empty, sizeof empty, &c), BRAID_ERR_CHUNK_VALUE);
    const uint8_t three[] = {7, 0, 0, 7, 1, 2, 3, 0};
    CHECK_EQ(parse_buf(three, sizeof three, &c), BRAID_ERR_CHUNK_VALUE);

    braid_chunk w = {.type = BRAID_CHUNK_SHUTDOWN, .flags = 0};
    w.u.tsn.tsn = 99;
    long len = write_chunk(&w, out, sizeof out);
    CHECK_EQ(len, 8);
    CHECK_EQ(parse_buf(out, (size_t)len, &c), 0);
    CHECK_EQ(c.u.tsn.tsn, 99);
    check_nospace(&w);
}

static void test_shutdown_ack_complete(void)
{
    braid_chunk c;
    uint8_t out[64];
    /* RFC 9260 §3.3.9 */
    const uint8_t ack[] = {8, 0, 0, 4};
    CHECK_EQ(parse_buf(ack, sizeof ack, &c), 0);
    CHECK_EQ(c.type, BRAID_CHUNK_SHUTDOWN_ACK);
    CHECK_EQ(c.flags, 0);
    check_stable(ack, sizeof ack, "SHUTDOWN_ACK(flags=0x00)");
    CHECK_EQ(write_chunk(&c, out, sizeof out), 4);
    CHECK_MEM(out, ack, 4);
    /* extra value bytes ignored and not re-encoded */
    const uint8_t ack_extra[] = {8, 0, 0, 8, 1, 2, 3, 4};
    CHECK_EQ(parse_buf(ack_extra, sizeof ack_extra, &c), 0);
    CHECK_EQ(write_chunk(&c, out, sizeof out), 4);
    CHECK_MEM(out, ack, 4);
    check_stable(ack_extra, sizeof ack_extra, "SHUTDOWN_ACK(flags=0x00)");
    check_nospace(&c);

    /* RFC 9260 §3.3.13: T bit */
    const uint8_t sc[] = {14, 1, 0, 4};
    CHECK_EQ(parse_buf(sc, sizeof sc, &c), 0);
    CHECK_EQ(c.type, BRAID_CHUNK_SHUTDOWN_COMPLETE);
    CHECK_EQ(c.flags, BRAID_FLAG_T);
    check_stable(sc, sizeof sc, "SHUTDOWN_COMPLETE(flags=0x01)");
    CHECK_EQ(write_chunk(&c, out, sizeof out), 4);
    CHECK_MEM(out, sc, 4);
    const uint8_t sc_extra[] = {14, 0, 0, 6, 0xaa, 0xbb, 0, 0};
    CHECK_EQ(parse_buf(sc_extra, sizeof sc_extra, &c), 0);
    CHECK_EQ(c.flags, 0);
    CHECK_EQ(write_chunk(&c, out, sizeof out), 4);
    check_stable(sc_extra, sizeof sc_extra, "SHUTDOWN_COMPLETE(flags=0x00)");
    check_nospace(&c);
}

/* ---- COOKIE ECHO / COOKIE ACK ---- */

static void test_cookie(void)
{
    braid_chunk c;
    uint8_t out[64];
    /* RFC 9260 §3.3.11: a 5-byte cookie, chunk padded to 12 */
    const uint8_t echo[] = {10, 0, 0, 9, 0xc0, 0x0c, 0x1e, 0x00, 0x01, 0, 0, 0};
    CHECK_EQ(parse_buf(echo, sizeof echo, &c), 0);
    CHECK_EQ(c.type, BRAID_CHUNK_COOKIE_ECHO);
    CHECK_EQ(c.flags, 0);
    CHECK_EQ(c.u.cookie.cookie_len, 5);
    CHECK(c.u.cookie.cookie == echo + 4);
    check_stable(echo, sizeof echo, "COOKIE_ECHO(flags=0x00 cookie_len=5 cookie=c00c1e0001)");
    CHECK_EQ(write_chunk(&c, out, sizeof out), sizeof echo);
    CHECK_MEM(out, echo, sizeof echo);
    check_nospace(&c);

    const uint8_t cookie[] = {1, 2, 3, 4, 5, 6, 7, 8};
    braid_chunk w = {.type = BRAID_CHUNK_COOKIE_ECHO, .flags = 0};
    w.u.cookie.cookie = cookie;
    w.u.cookie.cookie_len = sizeof cookie;
    long len = write_chunk(&w, out, sizeof out);
    CHECK_EQ(len, 12);
    CHECK_EQ(parse_buf(out, (size_t)len, &c), 0);
    CHECK_EQ(c.u.cookie.cookie_len, 8);
    CHECK_MEM(c.u.cookie.cookie, cookie, 8);

    /* RFC 9260 §3.3.11: empty cookie rejected on parse and on write */
    const uint8_t empty[] = {10, 0, 0, 4};
    CHECK_EQ(parse_buf(empty, sizeof empty, &c), BRAID_ERR_CHUNK_VALUE);
    w.u.cookie.cookie_len = 0;
    CHECK_EQ(write_chunk(&w, out, sizeof out), BRAID_ERR_INVAL);

    /* RFC 9260 §3.3.12 */
    const uint8_t ack[] = {11, 0, 0, 4};
    CHECK_EQ(parse_buf(ack, sizeof ack, &c), 0);
    CHECK_EQ(c.type, BRAID_CHUNK_COOKIE_ACK);
    check_stable(ack, sizeof ack, "COOKIE_ACK(flags=0x00)");
    CHECK_EQ(write_chunk(&c, out, sizeof out), 4);
    CHECK_MEM(out, ack, 4);
    const uint8_t ack_extra[] = {11, 0x10, 0, 5, 9, 0, 0, 0};
    CHECK_EQ(parse_buf(ack_extra, sizeof ack_extra, &c), 0);
    CHECK_EQ(write_chunk(&c, out, sizeof out), 4);
    const uint8_t ack_canon[] = {11, 0x10, 0, 4};
    CHECK_MEM(out, ack_canon, 4);
    check_stable(ack_extra, sizeof ack_extra, "COOKIE_ACK(flags=0x10)");
    check_nospace(&c);
}

/* ---- ECNE / CWR ---- */

static void test_ecn(void)
{
    braid_chunk c;
    uint8_t out[64];
    /* RFC 4960 Appendix A: Lowest TSN Number */
    const uint8_t ecne[] = {12, 0, 0, 8, 0, 0, 0x01, 0x00};
    CHECK_EQ(parse_buf(ecne, sizeof ecne, &c), 0);
    CHECK_EQ(c.type, BRAID_CHUNK_ECNE);
    CHECK_EQ(c.u.tsn.tsn, 256);
    check_stable(ecne, sizeof ecne, "ECNE(flags=0x00 lowest_tsn=256)");
    CHECK_EQ(write_chunk(&c, out, sizeof out), 8);
    CHECK_MEM(out, ecne, 8);
    check_nospace(&c);

    const uint8_t cwr[] = {13, 0, 0, 8, 0x80, 0, 0, 1};
    CHECK_EQ(parse_buf(cwr, sizeof cwr, &c), 0);
    CHECK_EQ(c.type, BRAID_CHUNK_CWR);
    CHECK_EQ(c.u.tsn.tsn, 0x80000001u);
    check_stable(cwr, sizeof cwr, "CWR(flags=0x00 lowest_tsn=2147483649)");
    CHECK_EQ(write_chunk(&c, out, sizeof out), 8);
    CHECK_MEM(out, cwr, 8);
    check_nospace(&c);

    /* longer accepted, extra not re-encoded */
    const uint8_t longer[] = {13, 0, 0, 9, 0, 0, 0, 5, 0xee, 0, 0, 0};
    CHECK_EQ(parse_buf(longer, sizeof longer, &c), 0);
    CHECK_EQ(c.u.tsn.tsn, 5);
    CHECK_EQ(write_chunk(&c, out, sizeof out), 8);
    check_stable(longer, sizeof longer, "CWR(flags=0x00 lowest_tsn=5)");

    const uint8_t short_ecne[] = {12, 0, 0, 6, 0, 1, 0, 0};
    CHECK_EQ(parse_buf(short_ecne, sizeof short_ecne, &c), BRAID_ERR_CHUNK_VALUE);
    const uint8_t empty_cwr[] = {13, 0, 0, 4};
    CHECK_EQ(parse_buf(empty_cwr, sizeof empty_cwr, &c), BRAID_ERR_CHUNK_VALUE);
}

/* ---- PAD ---- */

static void test_pad(void)
{
    braid_chunk c;
    uint8_t out[64];
    /* RFC 4820 §3: padding data ignored by the receiver, written as zeros */
    const uint8_t pad[] = {0x84, 0, 0, 10, 0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0xfa, 0, 0};
    CHECK_EQ(parse_buf(pad, sizeof pad, &c), 0);
    CHECK_EQ(c.type, BRAID_CHUNK_PAD);
    CHECK_EQ(c.flags, 0);
    CHECK_EQ(c.u.pad.pad_len, 6);
    check_stable(pad, sizeof pad, "PAD(flags=0x00 pad_len=6)");
    CHECK_EQ(write_chunk(&c, out, sizeof out), 12);
    const uint8_t zeros[] = {0x84, 0, 0, 10, 0, 0, 0, 0, 0, 0, 0, 0};
    CHECK_MEM(out, zeros, sizeof zeros);
    check_nospace(&c);

    const uint8_t empty[] = {0x84, 0, 0, 4};
    CHECK_EQ(parse_buf(empty, sizeof empty, &c), 0);
    CHECK_EQ(c.u.pad.pad_len, 0);
    check_stable(empty, sizeof empty, "PAD(flags=0x00 pad_len=0)");

    braid_chunk w = {.type = BRAID_CHUNK_PAD, .flags = 0};
    w.u.pad.pad_len = 40;
    long len = write_chunk(&w, out, sizeof out);
    CHECK_EQ(len, 44);
    CHECK_EQ(parse_buf(out, (size_t)len, &c), 0);
    CHECK_EQ(c.u.pad.pad_len, 40);
    /* a PAD that cannot fit a chunk length */
    w.u.pad.pad_len = 70000;
    uint8_t big[70100];
    CHECK_EQ(write_chunk(&w, big, sizeof big), BRAID_ERR_NOSPACE);
}

static void test_names(void)
{
    CHECK_STR(braid_chunk_name(BRAID_CHUNK_HEARTBEAT), "HEARTBEAT");
    CHECK_STR(braid_chunk_name(BRAID_CHUNK_HEARTBEAT_ACK), "HEARTBEAT_ACK");
    CHECK_STR(braid_chunk_name(BRAID_CHUNK_ABORT), "ABORT");
    CHECK_STR(braid_chunk_name(BRAID_CHUNK_ERROR), "ERROR");
    CHECK_STR(braid_chunk_name(BRAID_CHUNK_SHUTDOWN), "SHUTDOWN");
    CHECK_STR(braid_chunk_name(BRAID_CHUNK_SHUTDOWN_ACK), "SHUTDOWN_ACK");
    CHECK_STR(braid_chunk_name(BRAID_CHUNK_SHUTDOWN_COMPLETE), "SHUTDOWN_COMPLETE");
    CHECK_STR(braid_chunk_name(BRAID_CHUNK_COOKIE_ECHO), "COOKIE_ECHO");
    CHECK_STR(braid_chunk_name(BRAID_CHUNK_COOKIE_ACK), "COOKIE_ACK");
    CHECK_STR(braid_chunk_name(BRAID_CHUNK_ECNE), "ECNE");
    CHECK_STR(braid_chunk_name(BRAID_CHUNK_CWR), "CWR");
    CHECK_STR(braid_chunk_name(BRAID_CHUNK_PAD), "PAD");
}

int main(void)
{
    RUN(test_heartbeat_vector);
    RUN(test_heartbeat_roundtrip);
    RUN(test_heartbeat_malformed);
    RUN(test_abort_vector);
    RUN(test_error_vector);
    RUN(test_abort_error_roundtrip);
    RUN(test_abort_error_malformed);
    RUN(test_shutdown);
    RUN(test_shutdown_ack_complete);
    RUN(test_cookie);
    RUN(test_ecn);
    RUN(test_pad);
    RUN(test_names);
    return CHECK_REPORT();
}
