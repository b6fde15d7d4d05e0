/*
 * Parameters: decoding, encoding and text of every parameter type in tlv.h.
 *
 * Framing (type, length, value, padding) is RFC 9260 §3.2.1 and lives in
 * tlv.c; this file decodes the value of each type:
 *
 *   RFC 9260 §3.3.5        Heartbeat Info (1)          opaque sender info
 *   RFC 9260 §3.3.2.1.1    IPv4 Address (5)            4-byte address
 *   RFC 9260 §3.3.2.1.2    IPv6 Address (6)            16-byte address
 *   RFC 9260 §3.3.3.1.1    State Cookie (7)            opaque cookie
 *   RFC 9260 §3.3.3.1.2    Unrecognized Parameter (8)  a whole parameter TLV
 *   RFC 9260 §3.3.2.1.3    Cookie Preservative (9)     u32 increment, ms
 *   RFC 9260 §3.3.2.1.4    Host Name Address (11)      name incl. NUL
 *   RFC 9260 §3.3.2.1.5    Supported Address Types(12) n x u16 type
 *   RFC 9260 Appendix A    ECN Capable (0x8000)        empty
 *   RFC 4895 §3.1..§3.3    Random (0x8002), Chunk List (0x8003),
 *                          Requested HMAC Algorithm (0x8004)
 *   RFC 4820 §4            Padding (0x8005)            padding bytes
 *   RFC 5061 §4.2.7        Supported Extensions (0x8008)  n x u8 chunk type
 *   RFC 3758 §3.1          Forward-TSN-Supported (0xC000) empty
 *   RFC 5061 §4.2.1..6     Add IP (0xC001), Delete IP (0xC002), Error Cause
 *                          Indication (0xC003), Set Primary (0xC004), Success
 *                          Indication (0xC005), Adaptation Layer Ind. (0xC006)
 *   RFC 6525 §4.1..§4.6    RE-CONFIG request/response parameters (13..18)
 *
 * Layouts (the common 4-byte Type/Length header is drawn once):
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |        Parameter Type         |       Parameter Length        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * IPv4 Address (5), Length = 8:
 * |                         IPv4 Address                          |
 * IPv6 Address (6), Length = 20:
 * |                     IPv6 Address (128 bits)                   |
 * Cookie Preservative (9), Length = 8:
 * |         Suggested Cookie Life-Span Increment (msec.)          |
 * Supported Address Types (12):
 * |        Address Type #1        |        Address Type #2        | ...
 * Heartbeat Info (1) / State Cookie (7) / Host Name (11) / Random (0x8002)
 * / Padding (0x8005):
 * /                     opaque bytes, variable                    /
 * Unrecognized Parameter (8):
 * /                Unrecognized Parameter (a TLV)                 /
 * Chunk List (0x8003) / Supported Extensions (0x8008):
 * |  Chunk Type 1 |  Chunk Type 2 |  Chunk Type 3 | ...
 * Requested HMAC Algorithm (0x8004):
 * |        HMAC Identifier 1      |        HMAC Identifier 2      | ...
 * ECN Capable (0x8000) / Forward-TSN-Supported (0xC000), Length = 4: no value
 *
 * Add IP (0xC001) / Delete IP (0xC002) / Set Primary (0xC004),
 * Length = 8 + address parameter length:
 * |                  ASCONF-Request Correlation ID                |
 * /                       Address Parameter                       /
 * Error Cause Indication (0xC003):
 * |                  ASCONF-Request Correlation ID                |
 * /                  Error Cause(s) (zero or more)                /
 * Success Indication (0xC005), Length = 8:
 * |                  ASCONF-Request Correlation ID                |
 * Adaptation Layer Indication (0xC006), Length = 8:
 * |                   Adaptation Code Point                       |
 *
 * Outgoing SSN Reset Request (13), Length = 16 + 2 * N:
 * |           Re-configuration Request Sequence Number            |
 * |           Re-configuration Response Sequence Number           |
 * |                 Sender's Last Assigned TSN                    |
 * |  Stream Number 1 (optional)   |  Stream Number 2 (optional)   | ...
 * Incoming SSN Reset Request (14), Length = 8 + 2 * N:
 * |           Re-configuration Request Sequence Number            |
 * |  Stream Number 1 (optional)   |  Stream Number 2 (optional)   | ...
 * SSN/TSN Reset Request (15), Length = 8:
 * |           Re-configuration Request Sequence Number            |
 * Re-configuration Response (16), Length = 12 or 20:
 * |           Re-configuration Response Sequence Number           |
 * |                            Result                             |
 * |                 Sender's Next TSN (optional)                  |
 * |                Receiver's Next TSN (optional)                 |
 * Add Outgoing Streams (17) / Add Incoming Streams (18), Length = 12:
 * |           Re-configuration Request Sequence Number            |
 * |     Number of new streams     |            Reserved           |
 */
#include <inttypes.h>
#include <string.h>

#include "tlv.h"

/* Lists longer than this are cut with "..." in describe output. */
#define LIST_MAX 64

static int parse_bytes(const braid_tlv *t, braid_param *out)
{
    out->u.bytes.p = t->value;
    out->u.bytes.len = t->value_len;
    return 0;
}

static int parse_u16s(const braid_tlv *t, braid_param *out)
{
    if (t->value_len % 2 != 0)
        return BRAID_ERR_PARAM_VALUE;
    out->u.u16s.n = t->value_len / 2;
    out->u.u16s.p = t->value;
    return 0;
}

static int parse_u32(const braid_tlv *t, braid_param *out)
{
    if (t->value_len != 4)
        return BRAID_ERR_PARAM_VALUE;
    out->u.u32 = braid_load32(t->value);
    return 0;
}

/* RFC 5061 §4.2.1, §4.2.2, §4.2.4: correlation id then exactly one address
 * parameter, an IPv4 (length 8) or IPv6 (length 20) Address parameter. */
static int parse_asconf_addr(const braid_tlv *t, braid_param *out)
{
    if (t->value_len < 4 + 8)
        return BRAID_ERR_PARAM_VALUE;
    const uint8_t *a = t->value + 4;
    size_t alen = t->value_len - 4;
    uint16_t atype = braid_load16(a);
    uint16_t alength = braid_load16(a + 2);
    bool ok = (atype == BRAID_PARAM_IPV4 && alength == 8 && alen == 8) ||
              (atype == BRAID_PARAM_IPV6 && alength == 20 && alen == 20);
    if (!ok)
        return BRAID_ERR_PARAM_VALUE;
    out->u.asconf.corr_id = braid_load32(t->value);
    out->u.asconf.inner.p = a;
    out->u.asconf.inner.len = alen;
    return 0;
}

int braid_param_parse(const braid_tlv *t, braid_param *out)
{
    memset(out, 0, sizeof *out);
    out->type = t->type;
    const uint8_t *v = t->value;
    size_t n = t->value_len;

    switch (t->type) {
    case BRAID_PARAM_IPV4:
        /* RFC 9260 §3.3.2.1.1: Length = 8, a 32-bit address */
        if (n != 4)
            return BRAID_ERR_PARAM_VALUE;
        out->u.addr.len = 4;
        memcpy(out->u.addr.bytes, v, 4);
        return 0;
    case BRAID_PARAM_IPV6:
        /* RFC 9260 §3.3.2.1.2: Length = 20, a 128-bit address */
        if (n != 16)
            return BRAID_ERR_PARAM_VALUE;
        out->u.addr.len = 16;
        memcpy(out->u.addr.bytes, v, 16);
        return 0;
    case BRAID_PARAM_COOKIE_PRESERVATIVE: /* RFC 9260 §3.3.2.1.3: Length = 8 */
    case BRAID_PARAM_SUCCESS_IND:         /* RFC 5061 §4.2.5: Length = 8 */
    case BRAID_PARAM_ADAPTATION: /* RFC 5061 §4.2.6: Length = 8 */ return parse_u32(t, out);
    case BRAID_PARAM_SUPPORTED_ADDR_TYPES:
        /* RFC 9260 §3.3.2.1.5: a list of 16-bit address types */
        return parse_u16s(t, out);
    case BRAID_PARAM_HMAC_ALGO:
        /* RFC 4895 §3.3: one or more 16-bit HMAC Identifiers */
        if (n < 2)
            return BRAID_ERR_PARAM_VALUE;
        return parse_u16s(t, out);
    case BRAID_PARAM_HOST_NAME:
        /* RFC 9260 §3.3.2.1.4: at least the NUL terminator is included */
    case BRAID_PARAM_STATE_COOKIE:
        /* RFC 9260 §3.3.3.1.1: the cookie carries state and a MAC; never empty */
    case BRAID_PARAM_RANDOM:
        /* RFC 4895 §3.1: a random number, not empty */
        if (n < 1)
            return BRAID_ERR_PARAM_VALUE;
        return parse_bytes(t, out);
    case BRAID_PARAM_UNRECOGNIZED:
        /* RFC 9260 §3.3.3.1.2: carries the unrecognized parameter TLV, so at
         * least its 4-byte header */
        if (n < 4)
            return BRAID_ERR_PARAM_VALUE;
        return parse_bytes(t, out);
    case BRAID_PARAM_ECN_CAPABLE:           /* RFC 9260 Appendix A: Length = 4 */
    case BRAID_PARAM_FORWARD_TSN_SUPPORTED: /* RFC 3758 §3.1: Length = 4 */
        if (n != 0)
            return BRAID_ERR_PARAM_VALUE;
        return parse_bytes(t, out);
    case BRAID_PARAM_HEARTBEAT_INFO: /* RFC 9260 §3.3.5: opaque, any size */
    case BRAID_PARAM_CHUNK_LIST:     /* RFC 4895 §3.2: one chunk type per byte */
    case BRAID_PARAM_PADDING:        /* RFC 4820 §4: padding of any size */
    case BRAID_PARAM_SUPPORTED_EXT:  /* RFC 5061 §4.2.7: one chunk type per byte */
        return parse_bytes(t, out);
    case BRAID_PARAM_ADD_IP: /* RFC 5061 §4.2.1 */
    case BRAID_PARAM_DEL_IP: /* RFC 5061 §4.2.2 */
    case BRAID_PARAM_SET_PRIMARY: /* RFC 5061 §4.2.4 */ return parse_asconf_addr(t, out);
    case BRAID_PARAM_ERROR_CAUSE_IND: {
        /* RFC 5061 §4.2.3: correlation id, then zero or more error causes */
        if (n < 4)
            return BRAID_ERR_PARAM_VALUE;
        int rc = braid_tlv_list_check(v + 4, n - 4);
        if (rc < 0)
            return rc;
        out->u.asconf.corr_id = braid_load32(v);
        out->u.asconf.inner.p = v + 4;
        out->u.asconf.inner.len = n - 4;
        return 0;
    }
    case BRAID_PARAM_OUT_SSN_RESET:
        /* RFC 6525 §4.1: Length = 16 + 2 * N */
        if (n < 12 || (n - 12) % 2 != 0)
            return BRAID_ERR_PARAM_VALUE;
        out->u.reset.req_seq = braid_load32(v);
        out->u.reset.resp_seq = braid_load32(v + 4);
        out->u.reset.last_tsn = braid_load32(v + 8);
        out->u.reset.n_streams = (n - 12) / 2;
        out->u.reset.streams = v + 12;
        return 0;
    case BRAID_PARAM_IN_SSN_RESET:
        /* RFC 6525 §4.2: Length = 8 + 2 * N */
        if (n < 4 || (n - 4) % 2 != 0)
            return BRAID_ERR_PARAM_VALUE;
        out->u.reset.req_seq = braid_load32(v);
        out->u.reset.n_streams = (n - 4) / 2;
        out->u.reset.streams = v + 4;
        return 0;
    case BRAID_PARAM_SSN_TSN_RESET:
        /* RFC 6525 §4.3: Length = 8 */
        if (n != 4)
            return BRAID_ERR_PARAM_VALUE;
        out->u.reset.req_seq = braid_load32(v);
        return 0;
    case BRAID_PARAM_RECONFIG_RESP:
        /* RFC 6525 §4.4: Length = 12, or 20 with both next-TSN fields */
        if (n != 8 && n != 16)
            return BRAID_ERR_PARAM_VALUE;
        out->u.resp.resp_seq = braid_load32(v);
        out->u.resp.result = braid_load32(v + 4);
        out->u.resp.has_tsns = n == 16;
        if (n == 16) {
            out->u.resp.sender_next_tsn = braid_load32(v + 8);
            out->u.resp.receiver_next_tsn = braid_load32(v + 12);
        }
        return 0;
    case BRAID_PARAM_ADD_OUT_STREAMS: /* RFC 6525 §4.5: Length = 12 */
    case BRAID_PARAM_ADD_IN_STREAMS:  /* RFC 6525 §4.6: Length = 12 */
        if (n != 8)
            return BRAID_ERR_PARAM_VALUE;
        out->u.add.req_seq = braid_load32(v);
        out->u.add.n_new = braid_load16(v + 4);
        /* the Reserved field is ignored on receipt */
        return 0;
    default:
        /* Unknown type: kept as bytes; RFC 9260 §3.2.1 actions are the
         * association layer's decision. */
        return parse_bytes(t, out);
    }
}

int braid_param_write(braid_wr *w, const braid_param *p)
{
    size_t start = braid_tlv_begin(w, p->type);
    switch (p->type) {
    case BRAID_PARAM_IPV4: braid_wr_bytes(w, p->u.addr.bytes, 4); break;
    case BRAID_PARAM_IPV6: braid_wr_bytes(w, p->u.addr.bytes, 16); break;
    case BRAID_PARAM_COOKIE_PRESERVATIVE:
    case BRAID_PARAM_SUCCESS_IND:
    case BRAID_PARAM_ADAPTATION: braid_wr_u32(w, p->u.u32); break;
    case BRAID_PARAM_SUPPORTED_ADDR_TYPES:
    case BRAID_PARAM_HMAC_ALGO:
        if (p->u.u16s.n > UINT16_MAX) {
            w->err = true;
            break;
        }
        braid_wr_bytes(w, p->u.u16s.p, p->u.u16s.n * 2);
        break;
    case BRAID_PARAM_ADD_IP:
    case BRAID_PARAM_DEL_IP:
    case BRAID_PARAM_SET_PRIMARY:
    case BRAID_PARAM_ERROR_CAUSE_IND:
        braid_wr_u32(w, p->u.asconf.corr_id);
        braid_wr_bytes(w, p->u.asconf.inner.p, p->u.asconf.inner.len);
        break;
    case BRAID_PARAM_OUT_SSN_RESET:
    case BRAID_PARAM_IN_SSN_RESET:
        braid_wr_u32(w, p->u.reset.req_seq);
        if (p->type == BRAID_PARAM_OUT_SSN_RESET) {
            braid_wr_u32(w, p->u.reset.resp_seq);
            braid_wr_u32(w, p->u.reset.last_tsn);
        }
        if (p->u.reset.n_streams > UINT16_MAX) {
            w->err = true;
            break;
        }
        braid_wr_bytes(w, p->u.reset.streams, p->u.reset.n_streams * 2);
        break;
    case BRAID_PARAM_SSN_TSN_RESET: braid_wr_u32(w, p->u.reset.req_seq); break;
    case BRAID_PARAM_RECONFIG_RESP:
        braid_wr_u32(w, p->u.resp.resp_seq);
        braid_wr_u32(w, p->u.resp.result);
        if (p->u.resp.has_tsns) {
            braid_wr_u32(w, p->u.resp.sender_next_tsn);
            braid_wr_u32(w, p->u.resp.receiver_next_tsn);
        }
        break;
    case BRAID_PARAM_ADD_OUT_STREAMS:
    case BRAID_PARAM_ADD_IN_STREAMS:
        braid_wr_u32(w, p->u.add.req_seq);
        braid_wr_u16(w, p->u.add.n_new);
        braid_wr_u16(w, 0); /* RFC 6525 §4.5, §4.6: Reserved, sent as 0 */
        break;
    default:
        /* all bytes-valued types, known and unknown */
        braid_wr_bytes(w, p->u.bytes.p, p->u.bytes.len);
        break;
    }
    return braid_tlv_end(w, start);
}

const char *braid_param_name(uint16_t type)
{
    switch (type) {
    case BRAID_PARAM_HEARTBEAT_INFO: return "Heartbeat Info";
    case BRAID_PARAM_IPV4: return "IPv4 Address";
    case BRAID_PARAM_IPV6: return "IPv6 Address";
    case BRAID_PARAM_STATE_COOKIE: return "State Cookie";
    case BRAID_PARAM_UNRECOGNIZED: return "Unrecognized Parameter";
    case BRAID_PARAM_COOKIE_PRESERVATIVE: return "Cookie Preservative";
    case BRAID_PARAM_HOST_NAME: return "Host Name Address";
    case BRAID_PARAM_SUPPORTED_ADDR_TYPES: return "Supported Address Types";
    case BRAID_PARAM_OUT_SSN_RESET: return "Outgoing SSN Reset Request";
    case BRAID_PARAM_IN_SSN_RESET: return "Incoming SSN Reset Request";
    case BRAID_PARAM_SSN_TSN_RESET: return "SSN/TSN Reset Request";
    case BRAID_PARAM_RECONFIG_RESP: return "Re-configuration Response";
    case BRAID_PARAM_ADD_OUT_STREAMS: return "Add Outgoing Streams Request";
    case BRAID_PARAM_ADD_IN_STREAMS: return "Add Incoming Streams Request";
    case BRAID_PARAM_ECN_CAPABLE: return "ECN Capable";
    case BRAID_PARAM_RANDOM: return "Random";
    case BRAID_PARAM_CHUNK_LIST: return "Chunk List";
    case BRAID_PARAM_HMAC_ALGO: return "Requested HMAC Algorithm";
    case BRAID_PARAM_PADDING: return "Padding";
    case BRAID_PARAM_SUPPORTED_EXT: return "Supported Extensions";
    case BRAID_PARAM_FORWARD_TSN_SUPPORTED: return "Forward-TSN-Supported";
    case BRAID_PARAM_ADD_IP: return "Add IP Address";
    case BRAID_PARAM_DEL_IP: return "Delete IP Address";
    case BRAID_PARAM_ERROR_CAUSE_IND: return "Error Cause Indication";
    case BRAID_PARAM_SET_PRIMARY: return "Set Primary Address";
    case BRAID_PARAM_SUCCESS_IND: return "Success Indication";
    case BRAID_PARAM_ADAPTATION: return "Adaptation Layer Indication";
    default: return "UNKNOWN";
    }
}

/* ---- describe ---- */

static void put_bytes(braid_sbuf *s, const char *key, const uint8_t *p, size_t n)
{
    braid_sbuf_printf(s, "len=%zu %s=", n, key);
    braid_sbuf_hex(s, p, n, 64);
}

/* n big-endian u16 at p, comma-separated, decimal. */
static void put_u16_list(braid_sbuf *s, const char *key, const uint8_t *p, size_t n)
{
    braid_sbuf_printf(s, "n=%zu %s=", n, key);
    for (size_t i = 0; i < n && i < LIST_MAX; i++)
        braid_sbuf_printf(s, "%s%u", i ? "," : "", braid_load16(p + 2 * i));
    if (n > LIST_MAX)
        braid_sbuf_printf(s, ",...");
}

/* n bytes at p (chunk types), comma-separated, decimal. */
static void put_u8_list(braid_sbuf *s, const char *key, const uint8_t *p, size_t n)
{
    braid_sbuf_printf(s, "n=%zu %s=", n, key);
    for (size_t i = 0; i < n && i < LIST_MAX; i++)
        braid_sbuf_printf(s, "%s%u", i ? "," : "", p[i]);
    if (n > LIST_MAX)
        braid_sbuf_printf(s, ",...");
}

/* An address as text: dotted quad, or eight uncompressed hex groups. */
static void put_addr(braid_sbuf *s, const uint8_t *a, size_t len)
{
    if (len == 4) {
        braid_sbuf_printf(s, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
    } else if (len == 16) {
        for (size_t i = 0; i < 8; i++)
            braid_sbuf_printf(s, "%s%x", i ? ":" : "", braid_load16(a + 2 * i));
    } else {
        braid_sbuf_hex(s, a, len, 64);
    }
}

/* The address TLV inside Add IP / Delete IP / Set Primary: shown as an
 * address when it is a well-formed IPv4/IPv6 parameter, else as hex. */
static void put_addr_tlv(braid_sbuf *s, const uint8_t *p, size_t n)
{
    if (n >= 4) {
        uint16_t type = braid_load16(p);
        uint16_t length = braid_load16(p + 2);
        if (type == BRAID_PARAM_IPV4 && length == 8 && n == 8) {
            braid_sbuf_printf(s, "addr=");
            put_addr(s, p + 4, 4);
            return;
        }
        if (type == BRAID_PARAM_IPV6 && length == 20 && n == 20) {
            braid_sbuf_printf(s, "addr=");
            put_addr(s, p + 4, 16);
            return;
        }
    }
    put_bytes(s, "addr_tlv", p, n);
}

void braid_param_describe(braid_sbuf *s, const braid_param *p)
{
    braid_sbuf_printf(s, "%s{", braid_param_name(p->type));
    switch (p->type) {
    case BRAID_PARAM_IPV4:
        braid_sbuf_printf(s, "addr=");
        put_addr(s, p->u.addr.bytes, 4);
        break;
    case BRAID_PARAM_IPV6:
        braid_sbuf_printf(s, "addr=");
        put_addr(s, p->u.addr.bytes, 16);
        break;
    case BRAID_PARAM_COOKIE_PRESERVATIVE:
        braid_sbuf_printf(s, "increment_ms=%" PRIu32, p->u.u32);
        break;
    case BRAID_PARAM_SUCCESS_IND: braid_sbuf_printf(s, "corr_id=%" PRIu32, p->u.u32); break;
    case BRAID_PARAM_ADAPTATION: braid_sbuf_printf(s, "indication=%" PRIu32, p->u.u32); break;
    case BRAID_PARAM_SUPPORTED_ADDR_TYPES:
        put_u16_list(s, "types", p->u.u16s.p, p->u.u16s.n);
        break;
    case BRAID_PARAM_HMAC_ALGO: put_u16_list(s, "hmac_ids", p->u.u16s.p, p->u.u16s.n); break;
    case BRAID_PARAM_CHUNK_LIST:
    case BRAID_PARAM_SUPPORTED_EXT: put_u8_list(s, "chunks", p->u.bytes.p, p->u.bytes.len); break;
    case BRAID_PARAM_ECN_CAPABLE:
    case BRAID_PARAM_FORWARD_TSN_SUPPORTED:
        if (p->u.bytes.len) /* only for hand-built values; parse rejects it */
            put_bytes(s, "value", p->u.bytes.p, p->u.bytes.len);
        break;
    case BRAID_PARAM_HEARTBEAT_INFO: put_bytes(s, "info", p->u.bytes.p, p->u.bytes.len); break;
    case BRAID_PARAM_STATE_COOKIE: put_bytes(s, "cookie", p->u.bytes.p, p->u.bytes.len); break;
    case BRAID_PARAM_HOST_NAME: put_bytes(s, "name", p->u.bytes.p, p->u.bytes.len); break;
    case BRAID_PARAM_UNRECOGNIZED: put_bytes(s, "param", p->u.bytes.p, p->u.bytes.len); break;
    case BRAID_PARAM_RANDOM: put_bytes(s, "random", p->u.bytes.p, p->u.bytes.len); break;
    case BRAID_PARAM_PADDING: put_bytes(s, "padding", p->u.bytes.p, p->u.bytes.len); break;
    case BRAID_PARAM_ADD_IP:
    case BRAID_PARAM_DEL_IP:
    case BRAID_PARAM_SET_PRIMARY:
        braid_sbuf_printf(s, "corr_id=%" PRIu32 " ", p->u.asconf.corr_id);
        put_addr_tlv(s, p->u.asconf.inner.p, p->u.asconf.inner.len);
        break;
    case BRAID_PARAM_ERROR_CAUSE_IND:
        braid_sbuf_printf(s, "corr_id=%" PRIu32 " causes=[", p->u.asconf.corr_id);
        braid_causes_describe(s, p->u.asconf.inner.p, p->u.asconf.inner.len);
        braid_sbuf_printf(s, "]");
        break;
    case BRAID_PARAM_OUT_SSN_RESET:
        braid_sbuf_printf(s, "req_seq=%" PRIu32 " resp_seq=%" PRIu32 " last_tsn=%" PRIu32 " ",
                          p->u.reset.req_seq, p->u.reset.resp_seq, p->u.reset.last_tsn);
        put_u16_list(s, "streams", p->u.reset.streams, p->u.reset.n_streams);
        break;
    case BRAID_PARAM_IN_SSN_RESET:
        braid_sbuf_printf(s, "req_seq=%" PRIu32 " ", p->u.reset.req_seq);
        put_u16_list(s, "streams", p->u.reset.streams, p->u.reset.n_streams);
        break;
    case BRAID_PARAM_SSN_TSN_RESET:
        braid_sbuf_printf(s, "req_seq=%" PRIu32, p->u.reset.req_seq);
        break;
    case BRAID_PARAM_RECONFIG_RESP:
        braid_sbuf_printf(s, "resp_seq=%" PRIu32 " result=%" PRIu32, p->u.resp.resp_seq,
                          p->u.resp.result);
        if (p->u.resp.has_tsns)
            braid_sbuf_printf(s, " sender_next_tsn=%" PRIu32 " receiver_next_tsn=%" PRIu32,
                              p->u.resp.sender_next_tsn, p->u.resp.receiver_next_tsn);
        break;
    case BRAID_PARAM_ADD_OUT_STREAMS:
    case BRAID_PARAM_ADD_IN_STREAMS:
        braid_sbuf_printf(s, "req_seq=%" PRIu32 " n_new=%u", p->u.add.req_seq,
                          (unsigned)p->u.add.n_new);
        break;
    default:
        braid_sbuf_printf(s, "type=%u ", (unsigned)p->type);
        put_bytes(s, "value", p->u.bytes.p, p->u.bytes.len);
        break;
    }
    braid_sbuf_printf(s, "}");
}

void braid_params_describe(braid_sbuf *s, const uint8_t *p, size_t len)
{
    braid_tlv_iter it;
    braid_tlv t;
    braid_param prm;
    braid_tlv_iter_init(&it, p, len);
    for (bool first = true;; first = false) {
        int rc = braid_tlv_iter_next(&it, &t);
        if (rc == 0)
            return;
        if (!first)
            braid_sbuf_printf(s, "; ");
        /* a framing error appends "!<error>", a parameter whose value is
         * malformed "<name>!<error>" (as braid_causes_describe does); either
         * ends the list */
        if (rc < 0) {
            braid_sbuf_printf(s, "!%s", braid_strerror(rc));
            return;
        }
        rc = braid_param_parse(&t, &prm);
        if (rc < 0) {
            braid_sbuf_printf(s, "%s!%s", braid_param_name(t.type), braid_strerror(rc));
            return;
        }
        braid_param_describe(s, &prm);
    }
}
