/*
 * Error causes carried in ABORT (RFC 9260 §3.3.7), ERROR (§3.3.10) and
 * ASCONF-ACK Error Cause Indications (RFC 5061 §4.2.3). Every cause is a
 * TLV (RFC 9260 §3.3.10, framing in tlv.c):
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |          Cause Code           |         Cause Length          |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * /                  Cause-Specific Information                   /
 * \                                                               \
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Cause-Specific Information by code:
 *
 *  1 Invalid Stream Identifier (RFC 9260 §3.3.10.1), Cause Length = 8
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |       Stream Identifier       |          (Reserved)           |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 *  2 Missing Mandatory Parameter (§3.3.10.2), Cause Length = 8 + N * 2
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                 Number of missing params = N                  |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     Missing Param Type #1     |     Missing Param Type #2     |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |    Missing Param Type #N-1    |     Missing Param Type #N     |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 *  3 Stale Cookie (§3.3.10.3), Cause Length = 8
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                 Measure of Staleness (usec.)                  |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 *  4 Out of Resource (§3.3.10.4), Cause Length = 4: no information
 *  5 Unresolvable Address (§3.3.10.5): the address (or Host Name) TLV
 *  6 Unrecognized Chunk Type (§3.3.10.6): the unrecognized chunk, from
 *    its Chunk Type byte, with Chunk Flags and Chunk Length
 *  7 Invalid Mandatory Parameter (§3.3.10.7), Cause Length = 4
 *  8 Unrecognized Parameters (§3.3.10.8): the unrecognized parameter TLVs
 *
 *  9 No User Data (§3.3.10.9), Cause Length = 8
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                              TSN                              |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * 10 Cookie Received While Shutting Down (§3.3.10.10), Cause Length = 4
 * 11 Restart of an Association with New Addresses (§3.3.10.11): the new
 *    address TLVs, exact copies from the INIT
 * 12 User-Initiated Abort (§3.3.10.12): Upper Layer Abort Reason (opaque)
 * 13 Protocol Violation (§3.3.10.13): Additional Information (opaque)
 *
 * 0x00A0 Request to Delete Last Remaining IP Address, 0x00A1 Operation
 * Refused Due to Resource Shortage, 0x00A2 Request to Delete Source IP
 * Address, 0x00A3 Association Aborted due to illegal ASCONF-ACK, 0x00A4
 * Request refused - no authorization (RFC 5061 §5.2): a copy of the TLV
 * concerned, kept as bytes.
 *
 * 0x0105 Unsupported HMAC Identifier (RFC 4895 §4.1), Cause Length = 6
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |         HMAC Identifier       |             Padding           |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Unknown codes are kept as bytes. Where a fixed-size cause carries more
 * bytes than its layout, or an empty one carries some, the extra bytes are
 * ignored and not re-encoded (the RFC gives no rule against them, except
 * where an exact length is required below).
 */
#include <inttypes.h>

#include "cause.h"
#include "tlv.h"

static void set_bytes(braid_cause *out, const uint8_t *p, size_t n)
{
    out->u.bytes.p = p;
    out->u.bytes.len = n;
}

int braid_cause_parse(const braid_tlv *t, braid_cause *out)
{
    const uint8_t *v = t->value;
    size_t n = t->value_len;
    out->code = t->type;
    switch (t->type) {
    case BRAID_CAUSE_INVALID_STREAM:
        /* RFC 9260 §3.3.10.1: Cause Length = 8 (SID + Reserved). */
        if (n != 4)
            return BRAID_ERR_PARAM_VALUE;
        out->u.sid = braid_load16(v);
        return 0;
    case BRAID_CAUSE_MISSING_PARAM: {
        /* RFC 9260 §3.3.10.2: a 32-bit count N, then N 16-bit types
         * (Cause Length = 8 + N * 2). */
        if (n < 4)
            return BRAID_ERR_PARAM_VALUE;
        uint32_t count = braid_load32(v);
        if ((n - 4) / 2 < count)
            return BRAID_ERR_PARAM_VALUE;
        out->u.missing.n = count;
        out->u.missing.p = v + 4;
        return 0;
    }
    case BRAID_CAUSE_STALE_COOKIE:
        /* RFC 9260 §3.3.10.3: Cause Length = 8 (Measure of Staleness). */
        if (n != 4)
            return BRAID_ERR_PARAM_VALUE;
        out->u.staleness_us = braid_load32(v);
        return 0;
    case BRAID_CAUSE_NO_USER_DATA:
        /* RFC 9260 §3.3.10.9: Cause Length = 8 (TSN). */
        if (n != 4)
            return BRAID_ERR_PARAM_VALUE;
        out->u.tsn = braid_load32(v);
        return 0;
    case BRAID_CAUSE_OUT_OF_RESOURCE:    /* RFC 9260 §3.3.10.4: Cause Length = 4 */
    case BRAID_CAUSE_INVALID_PARAM:      /* RFC 9260 §3.3.10.7: Cause Length = 4 */
    case BRAID_CAUSE_COOKIE_IN_SHUTDOWN: /* RFC 9260 §3.3.10.10: Cause Length = 4 */
        set_bytes(out, NULL, 0);         /* extra bytes ignored */
        return 0;
    case BRAID_CAUSE_UNRESOLVABLE_ADDR:
        /* RFC 9260 §3.3.10.5: the complete address parameter TLV. */
        if (n < 4)
            return BRAID_ERR_PARAM_VALUE;
        set_bytes(out, v, n);
        return 0;
    case BRAID_CAUSE_UNRECOGNIZED_CHUNK:
        /* RFC 9260 §3.3.10.6: the chunk with its Type, Flags and Length. */
        if (n < BRAID_CHUNK_HEADER_LEN)
            return BRAID_ERR_PARAM_VALUE;
        set_bytes(out, v, n);
        return 0;
    case BRAID_CAUSE_UNRECOGNIZED_PARAMS: /* RFC 9260 §3.3.10.8: parameter TLVs */
    case BRAID_CAUSE_RESTART_NEW_ADDRS: { /* RFC 9260 §3.3.10.11: address TLVs */
        /* RFC 9260 §3.2.1: the TLVs are framed like any parameter. */
        int rc = braid_tlv_list_check(v, n);
        if (rc < 0)
            return rc;
        set_bytes(out, v, n);
        return 0;
    }
    case BRAID_CAUSE_UNSUPPORTED_HMAC:
        /* RFC 4895 §4.1: a 16-bit HMAC Identifier (Cause Length = 6). */
        if (n < 2)
            return BRAID_ERR_PARAM_VALUE;
        out->u.hmac_id = braid_load16(v);
        return 0;
    default:
        /* RFC 9260 §3.3.10.12, §3.3.10.13 (opaque information), RFC 5061
         * §5.2 (the TLV concerned) and unknown codes: any bytes. */
        set_bytes(out, v, n);
        return 0;
    }
}

int braid_cause_write(braid_wr *w, const braid_cause *c)
{
    size_t n_missing = 0;
    if (c->code == BRAID_CAUSE_MISSING_PARAM) {
        n_missing = c->u.missing.n;
        uint32_t count = (uint32_t)n_missing;
        if (count != n_missing || n_missing > SIZE_MAX / 2)
            return BRAID_ERR_INVAL;
    }
    size_t start = braid_tlv_begin(w, c->code);
    switch (c->code) {
    case BRAID_CAUSE_INVALID_STREAM:
        braid_wr_u16(w, c->u.sid);
        braid_wr_u16(w, 0); /* RFC 9260 §3.3.10.1: Reserved, 0 on transmit */
        break;
    case BRAID_CAUSE_MISSING_PARAM:
        braid_wr_u32(w, (uint32_t)n_missing);
        braid_wr_bytes(w, c->u.missing.p, 2 * n_missing);
        break;
    case BRAID_CAUSE_STALE_COOKIE: braid_wr_u32(w, c->u.staleness_us); break;
    case BRAID_CAUSE_NO_USER_DATA: braid_wr_u32(w, c->u.tsn); break;
    case BRAID_CAUSE_OUT_OF_RESOURCE:
    case BRAID_CAUSE_INVALID_PARAM:
    case BRAID_CAUSE_COOKIE_IN_SHUTDOWN: break; /* Cause Length = 4 */
    case BRAID_CAUSE_UNSUPPORTED_HMAC:
        /* RFC 4895 §4.1: Cause Length = 6; the 2 bytes of padding are the
         * TLV padding, written before the next TLV or by braid_chunk_end. */
        braid_wr_u16(w, c->u.hmac_id);
        break;
    default: braid_wr_bytes(w, c->u.bytes.p, c->u.bytes.len); break;
    }
    return braid_tlv_end(w, start);
}

int braid_cause_write_user_abort(braid_wr *w, const void *reason, size_t len)
{
    braid_cause c;
    c.code = BRAID_CAUSE_USER_ABORT;
    c.u.bytes.p = reason;
    c.u.bytes.len = len;
    return braid_cause_write(w, &c);
}

int braid_cause_write_protocol_violation(braid_wr *w, const char *text)
{
    braid_cause c;
    c.code = BRAID_CAUSE_PROTOCOL_VIOLATION;
    c.u.bytes.p = (const uint8_t *)text;
    c.u.bytes.len = text ? strlen(text) : 0;
    return braid_cause_write(w, &c);
}

const char *braid_cause_name(uint16_t code)
{
    switch (code) {
    case BRAID_CAUSE_INVALID_STREAM: return "Invalid Stream Identifier";
    case BRAID_CAUSE_MISSING_PARAM: return "Missing Mandatory Parameter";
    case BRAID_CAUSE_STALE_COOKIE: return "Stale Cookie";
    case BRAID_CAUSE_OUT_OF_RESOURCE: return "Out of Resource";
    case BRAID_CAUSE_UNRESOLVABLE_ADDR: return "Unresolvable Address";
    case BRAID_CAUSE_UNRECOGNIZED_CHUNK: return "Unrecognized Chunk Type";
    case BRAID_CAUSE_INVALID_PARAM: return "Invalid Mandatory Parameter";
    case BRAID_CAUSE_UNRECOGNIZED_PARAMS: return "Unrecognized Parameters";
    case BRAID_CAUSE_NO_USER_DATA: return "No User Data";
    case BRAID_CAUSE_COOKIE_IN_SHUTDOWN: return "Cookie Received While Shutting Down";
    case BRAID_CAUSE_RESTART_NEW_ADDRS: return "Restart of an Association with New Addresses";
    case BRAID_CAUSE_USER_ABORT: return "User-Initiated Abort";
    case BRAID_CAUSE_PROTOCOL_VIOLATION: return "Protocol Violation";
    case BRAID_CAUSE_DELETE_LAST_ADDR: return "Request to Delete Last Remaining IP Address";
    case BRAID_CAUSE_RESOURCE_SHORTAGE: return "Operation Refused Due to Resource Shortage";
    case BRAID_CAUSE_DELETE_SOURCE_ADDR: return "Request to Delete Source IP Address";
    case BRAID_CAUSE_ILLEGAL_ASCONF_ACK: return "Association Aborted due to illegal ASCONF-ACK";
    case BRAID_CAUSE_NO_AUTHORIZATION: return "Request refused - no authorization";
    case BRAID_CAUSE_UNSUPPORTED_HMAC: return "Unsupported HMAC Identifier";
    default: return "UNKNOWN";
    }
}

#define TEXT_MAX 64

/* Opaque text in quotes: printable ASCII as is, anything else (and the
 * quote and backslash) as \xNN; at most TEXT_MAX bytes, then "...". */
static void describe_text(braid_sbuf *s, const uint8_t *p, size_t n)
{
    size_t k = n < TEXT_MAX ? n : TEXT_MAX;
    braid_sbuf_printf(s, "\"");
    for (size_t i = 0; i < k; i++) {
        uint8_t ch = p[i];
        if (ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\')
            braid_sbuf_printf(s, "%c", (char)ch);
        else
            braid_sbuf_printf(s, "\\x%02x", ch);
    }
    braid_sbuf_printf(s, "\"");
    if (n > TEXT_MAX)
        braid_sbuf_printf(s, "...");
}

static void describe_bytes(braid_sbuf *s, const char *key, const braid_bytes *b)
{
    braid_sbuf_printf(s, "len=%zu %s=", b->len, key);
    braid_sbuf_hex(s, b->p, b->len, 64);
}

void braid_cause_describe(braid_sbuf *s, const braid_cause *c)
{
    braid_sbuf_printf(s, "%s{", braid_cause_name(c->code));
    switch (c->code) {
    case BRAID_CAUSE_INVALID_STREAM: braid_sbuf_printf(s, "sid=%u", (unsigned)c->u.sid); break;
    case BRAID_CAUSE_MISSING_PARAM:
        braid_sbuf_printf(s, "n=%zu types=[", c->u.missing.n);
        for (size_t i = 0; i < c->u.missing.n && !s->cut; i++)
            braid_sbuf_printf(s, "%s%u", i ? "," : "",
                              (unsigned)braid_load16(c->u.missing.p + 2 * i));
        braid_sbuf_printf(s, "]");
        break;
    case BRAID_CAUSE_STALE_COOKIE:
        braid_sbuf_printf(s, "staleness_us=%" PRIu32, c->u.staleness_us);
        break;
    case BRAID_CAUSE_NO_USER_DATA: braid_sbuf_printf(s, "tsn=%" PRIu32, c->u.tsn); break;
    case BRAID_CAUSE_OUT_OF_RESOURCE:
    case BRAID_CAUSE_INVALID_PARAM:
    case BRAID_CAUSE_COOKIE_IN_SHUTDOWN: break;
    case BRAID_CAUSE_UNRESOLVABLE_ADDR: describe_bytes(s, "addr", &c->u.bytes); break;
    case BRAID_CAUSE_UNRECOGNIZED_CHUNK: describe_bytes(s, "chunk", &c->u.bytes); break;
    case BRAID_CAUSE_UNRECOGNIZED_PARAMS: describe_bytes(s, "params", &c->u.bytes); break;
    case BRAID_CAUSE_RESTART_NEW_ADDRS: describe_bytes(s, "addrs", &c->u.bytes); break;
    case BRAID_CAUSE_USER_ABORT:
        braid_sbuf_printf(s, "len=%zu reason=", c->u.bytes.len);
        describe_text(s, c->u.bytes.p, c->u.bytes.len);
        break;
    case BRAID_CAUSE_PROTOCOL_VIOLATION:
        braid_sbuf_printf(s, "len=%zu info=", c->u.bytes.len);
        describe_text(s, c->u.bytes.p, c->u.bytes.len);
        break;
    case BRAID_CAUSE_DELETE_LAST_ADDR:
    case BRAID_CAUSE_RESOURCE_SHORTAGE:
    case BRAID_CAUSE_DELETE_SOURCE_ADDR:
    case BRAID_CAUSE_ILLEGAL_ASCONF_ACK:
    case BRAID_CAUSE_NO_AUTHORIZATION: describe_bytes(s, "tlv", &c->u.bytes); break;
    case BRAID_CAUSE_UNSUPPORTED_HMAC:
        braid_sbuf_printf(s, "hmac_id=%u", (unsigned)c->u.hmac_id);
        break;
    default:
        braid_sbuf_printf(s, "code=%u ", (unsigned)c->code);
        describe_bytes(s, "value", &c->u.bytes);
        break;
    }
    braid_sbuf_printf(s, "}");
}

/* "; "-separated; a framing error appends "!<error>", a cause whose value
 * is malformed appends "<name>!<error>"; either stops the list. */
void braid_causes_describe(braid_sbuf *s, const uint8_t *p, size_t len)
{
    braid_tlv_iter it;
    braid_tlv t;
    braid_cause c;
    int rc;
    bool first = true;
    braid_tlv_iter_init(&it, p, len);
    while ((rc = braid_tlv_iter_next(&it, &t)) != 0) {
        if (!first)
            braid_sbuf_printf(s, "; ");
        first = false;
        if (rc < 0) {
            braid_sbuf_printf(s, "!%s", braid_strerror(rc));
            return;
        }
        rc = braid_cause_parse(&t, &c);
        if (rc < 0) {
            braid_sbuf_printf(s, "%s!%s", braid_cause_name(t.type), braid_strerror(rc));
            return;
        }
        braid_cause_describe(s, &c);
    }
}
