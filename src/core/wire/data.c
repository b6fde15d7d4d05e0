/*
 * DATA (RFC 9260 §3.3.1) and I-DATA (RFC 8260 §2.1). Both decode into
 * braid_data_chunk; the chunk type says which layout applies.
 *
 * DATA, RFC 9260 §3.3.1:
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |   Type = 0    |  Res  |I|U|B|E|            Length             |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                              TSN                              |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |      Stream Identifier S      |   Stream Sequence Number n    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                  Payload Protocol Identifier                  |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * \                                                               \
 * /                 User Data (seq n of Stream S)                 /
 * \                                                               \
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * I-DATA, RFC 8260 §2.1:
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |   Type = 64   |  Res  |I|U|B|E|       Length = Variable       |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                              TSN                              |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |        Stream Identifier      |           Reserved            |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                      Message Identifier                       |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |    Payload Protocol Identifier / Fragment Sequence Number     |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * \                                                               \
 * /                           User Data                           /
 * \                                                               \
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * The flags byte (Res, I, U, B, E) is kept as-is in braid_chunk.flags.
 * The payload is not copied: it points into the packet.
 *
 * DATA is the hot path. The writers check the room for the whole padded
 * chunk once, then store the header with its final length (no placeholder
 * and patch), copy the payload with exactly one memcpy and zero only the
 * 0..3 padding bytes. The result is byte-for-byte what braid_chunk_begin /
 * braid_chunk_end would produce.
 */
#include "chunk.h"

#include <inttypes.h>
#include <string.h>

#define DATA_FIXED 12  /* TSN, SID, SSN, PPID: RFC 9260 §3.3.1 */
#define IDATA_FIXED 16 /* TSN, SID, Reserved, MID, PPID/FSN: RFC 8260 §2.1 */

static int data_parse(const braid_chunk_view *v, braid_chunk *out)
{
    braid_data_chunk *d = &out->u.data;
    /* RFC 9260 §3.3.1: the value holds TSN, SID, SSN and PPID (12 bytes). */
    if (v->value_len < DATA_FIXED)
        return BRAID_ERR_CHUNK_VALUE;
    /* RFC 9260 §3.3.1: Length is 16 + L where L MUST be greater than 0;
     * §6.2: a DATA chunk with no user data is answered with "No User Data". */
    if (v->value_len == DATA_FIXED)
        return BRAID_ERR_DATA_EMPTY;
    const uint8_t *q = v->value;
    d->tsn = braid_load32(q);
    d->sid = braid_load16(q + 4);
    d->ssn = braid_load16(q + 6);
    d->ppid = braid_load32(q + 8);
    d->mid = 0; /* I-DATA only */
    d->fsn = 0; /* I-DATA only */
    d->payload = q + DATA_FIXED;
    d->payload_len = v->value_len - DATA_FIXED;
    return 0;
}

static int idata_parse(const braid_chunk_view *v, braid_chunk *out)
{
    braid_data_chunk *d = &out->u.data;
    /* RFC 8260 §2.1: the I-DATA header is 20 bytes, 16 of them after the
     * chunk header (TSN, SID, Reserved, MID, PPID/FSN). */
    if (v->value_len < IDATA_FIXED)
        return BRAID_ERR_CHUNK_VALUE;
    /* RFC 8260 §2.1 (Length as for DATA), RFC 9260 §3.3.1 / §6.2: the user
     * data must not be empty. */
    if (v->value_len == IDATA_FIXED)
        return BRAID_ERR_DATA_EMPTY;
    const uint8_t *q = v->value;
    d->tsn = braid_load32(q);
    d->sid = braid_load16(q + 4);
    /* q + 6: Reserved, RFC 8260 §2.1: MUST be ignored by the receiver. */
    d->ssn = 0; /* DATA only */
    d->mid = braid_load32(q + 8);
    /* RFC 8260 §2.1: the field holds the PPID when the B bit is set (the
     * FSN is then implicitly 0), the FSN otherwise. */
    if (out->flags & BRAID_DATA_FLAG_B) {
        d->ppid = braid_load32(q + 12);
        d->fsn = 0;
    } else {
        d->ppid = 0;
        d->fsn = braid_load32(q + 12);
    }
    d->payload = q + IDATA_FIXED;
    d->payload_len = v->value_len - IDATA_FIXED;
    return 0;
}

/*
 * Reserves the whole padded chunk (header + fixed + payload + padding) and
 * writes the chunk header with its final length. Returns the start of the
 * fixed part, or NULL with w->err set if it does not fit.
 */
static uint8_t *data_reserve(braid_wr *w, const braid_chunk *c, size_t fixed)
{
    size_t payload_len = c->u.data.payload_len;
    if (payload_len > UINT16_MAX - BRAID_CHUNK_HEADER_LEN - fixed) {
        w->err = true; /* the Length field cannot express it */
        return NULL;
    }
    size_t len = BRAID_CHUNK_HEADER_LEN + fixed + payload_len;
    /* Same padding rule as braid_chunk_end: to the next multiple of 4 of
     * the writer offset (RFC 9260 §3.3.1: at most 3 bytes). */
    size_t pad = (4 - ((w->off + len) & 3)) & 3;
    if (!braid_wr_need(w, len + pad))
        return NULL;
    uint8_t *p = w->p + w->off;
    p[0] = c->type;
    p[1] = c->flags;
    braid_store16(p + 2, (uint16_t)len);
    uint8_t *end = p + len;
    for (size_t i = 0; i < pad; i++)
        end[i] = 0;
    w->off += len + pad;
    return p + BRAID_CHUNK_HEADER_LEN;
}

static int data_write(braid_wr *w, const braid_chunk *c)
{
    const braid_data_chunk *d = &c->u.data;
    /* RFC 9260 §6.2: an endpoint SHOULD NOT send a DATA chunk with no user
     * data; §3.3.1: L MUST be greater than 0. */
    if (d->payload_len == 0)
        return BRAID_ERR_DATA_EMPTY;
    uint8_t *q = data_reserve(w, c, DATA_FIXED);
    if (!q)
        return BRAID_ERR_NOSPACE;
    braid_store32(q, d->tsn);
    braid_store16(q + 4, d->sid);
    braid_store16(q + 6, d->ssn);
    braid_store32(q + 8, d->ppid);
    memcpy(q + DATA_FIXED, d->payload, d->payload_len);
    return 0;
}

static int idata_write(braid_wr *w, const braid_chunk *c)
{
    const braid_data_chunk *d = &c->u.data;
    /* RFC 8260 §2.1 with RFC 9260 §6.2: no empty user data. */
    if (d->payload_len == 0)
        return BRAID_ERR_DATA_EMPTY;
    uint8_t *q = data_reserve(w, c, IDATA_FIXED);
    if (!q)
        return BRAID_ERR_NOSPACE;
    braid_store32(q, d->tsn);
    braid_store16(q + 4, d->sid);
    braid_store16(q + 6, 0); /* Reserved: RFC 8260 §2.1, MUST be set to 0 */
    braid_store32(q + 8, d->mid);
    /* RFC 8260 §2.1: PPID when B is set, FSN otherwise. */
    braid_store32(q + 12, (c->flags & BRAID_DATA_FLAG_B) ? d->ppid : d->fsn);
    memcpy(q + IDATA_FIXED, d->payload, d->payload_len);
    return 0;
}

static void data_describe(braid_sbuf *s, const braid_chunk *c)
{
    const braid_data_chunk *d = &c->u.data;
    braid_sbuf_printf(
        s, "flags=0x%02x tsn=%" PRIu32 " sid=%u ssn=%u ppid=%" PRIu32 " len=%zu data=", c->flags,
        d->tsn, d->sid, d->ssn, d->ppid, d->payload_len);
    braid_sbuf_hex(s, d->payload, d->payload_len, 64);
}

static void idata_describe(braid_sbuf *s, const braid_chunk *c)
{
    const braid_data_chunk *d = &c->u.data;
    braid_sbuf_printf(s, "flags=0x%02x tsn=%" PRIu32 " sid=%u mid=%" PRIu32, c->flags, d->tsn,
                      d->sid, d->mid);
    if (c->flags & BRAID_DATA_FLAG_B)
        braid_sbuf_printf(s, " ppid=%" PRIu32, d->ppid);
    else
        braid_sbuf_printf(s, " fsn=%" PRIu32, d->fsn);
    braid_sbuf_printf(s, " len=%zu data=", d->payload_len);
    braid_sbuf_hex(s, d->payload, d->payload_len, 64);
}

const braid_chunk_ops braid_ops_data = {BRAID_CHUNK_DATA, "DATA", data_parse, data_write,
                                        data_describe};
const braid_chunk_ops braid_ops_idata = {BRAID_CHUNK_IDATA, "I_DATA", idata_parse, idata_write,
                                         idata_describe};
