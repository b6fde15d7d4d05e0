/*
 * HEARTBEAT (RFC 9260 §3.3.5) and HEARTBEAT ACK (RFC 9260 §3.3.6).
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Type = 4 or 5 |  Chunk Flags  |   Heartbeat (Ack) Length      |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * \                                                               \
 * /          Heartbeat Information TLV (Variable-Length)          /
 * \                                                               \
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Heartbeat Information TLV (RFC 9260 §3.3.5):
 *
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |    Heartbeat Info Type = 1    |        HB Info Length         |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * /                Sender-Specific Heartbeat Info                 /
 * \                                                               \
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * The decoded form keeps the Sender-Specific Heartbeat Info (the value of
 * the type-1 TLV); write wraps it back in a type-1 TLV. Bytes after the
 * Heartbeat Info TLV are ignored and not re-encoded.
 */
#include "chunk.h"
#include "tlv.h"

static int hb_parse(const braid_chunk_view *v, braid_chunk *out)
{
    braid_tlv_iter it;
    braid_tlv t;
    braid_tlv_iter_init(&it, v->value, v->value_len);
    int rc = braid_tlv_iter_next(&it, &t);
    if (rc < 0)
        return rc; /* RFC 9260 §3.2.1: TLV framing */
    /* RFC 9260 §3.3.5, §3.3.6: the Heartbeat Info parameter (type 1) is
     * mandatory and is the value of the chunk. */
    if (rc == 0 || t.type != BRAID_PARAM_HEARTBEAT_INFO)
        return BRAID_ERR_MISSING_PARAM;
    out->u.hb.info = t.value;
    out->u.hb.info_len = t.value_len;
    return 0;
}

static int hb_write(braid_wr *w, const braid_chunk *c)
{
    size_t start = braid_chunk_begin(w, c->type, c->flags);
    int rc = braid_tlv_write(w, BRAID_PARAM_HEARTBEAT_INFO, c->u.hb.info, c->u.hb.info_len);
    if (rc < 0)
        return rc;
    return braid_chunk_end(w, start);
}

static void hb_describe(braid_sbuf *s, const braid_chunk *c)
{
    braid_sbuf_printf(s, "flags=0x%02x info_len=%zu info=", c->flags, c->u.hb.info_len);
    braid_sbuf_hex(s, c->u.hb.info, c->u.hb.info_len, 64);
}

const braid_chunk_ops braid_ops_heartbeat = {BRAID_CHUNK_HEARTBEAT, "HEARTBEAT", hb_parse, hb_write,
                                             hb_describe};
const braid_chunk_ops braid_ops_heartbeat_ack = {BRAID_CHUNK_HEARTBEAT_ACK, "HEARTBEAT_ACK",
                                                 hb_parse, hb_write, hb_describe};
