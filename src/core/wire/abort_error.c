/*
 * ABORT (RFC 9260 §3.3.7) and ERROR (RFC 9260 §3.3.10): a list of error
 * causes (decoded one by one in cause.c).
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |   Type = 6    |  Reserved   |T|            Length             |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * \                                                               \
 * /                   zero or more Error Causes                   /
 * \                                                               \
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |   Type = 9    |  Chunk Flags  |            Length             |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * \                                                               \
 * /                    one or more Error Causes                   /
 * \                                                               \
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * T bit (ABORT, BRAID_FLAG_T): set when the Verification Tag is reflected
 * (RFC 9260 §3.3.7); kept in braid_chunk.flags like every flag.
 *
 * Parse checks the framing of the cause list only; the value of each cause
 * is checked by braid_cause_parse when it is used or described.
 */
#include "chunk.h"
#include "tlv.h"

static int causes_parse(const braid_chunk_view *v, braid_chunk *out)
{
    /* RFC 9260 §3.3.10: error causes use the TLV format of §3.2.1. */
    int rc = braid_tlv_list_check(v->value, v->value_len);
    if (rc < 0)
        return rc;
    /* RFC 9260 §3.3.10: an ERROR chunk contains one or more error causes
     * (an ABORT may carry zero, §3.3.7). */
    if (v->type == BRAID_CHUNK_ERROR && v->value_len == 0)
        return BRAID_ERR_CHUNK_VALUE;
    out->u.tlvs.tlvs = v->value;
    out->u.tlvs.tlvs_len = v->value_len;
    return 0;
}

static int causes_write(braid_wr *w, const braid_chunk *c)
{
    /* RFC 9260 §3.3.10: one or more error causes in an ERROR chunk. */
    if (c->type == BRAID_CHUNK_ERROR && c->u.tlvs.tlvs_len == 0)
        return BRAID_ERR_INVAL;
    size_t start = braid_chunk_begin(w, c->type, c->flags);
    braid_wr_bytes(w, c->u.tlvs.tlvs, c->u.tlvs.tlvs_len);
    return braid_chunk_end(w, start);
}

static void causes_describe(braid_sbuf *s, const braid_chunk *c)
{
    braid_sbuf_printf(s, "flags=0x%02x causes=[", c->flags);
    braid_causes_describe(s, c->u.tlvs.tlvs, c->u.tlvs.tlvs_len);
    braid_sbuf_printf(s, "]");
}

const braid_chunk_ops braid_ops_abort = {BRAID_CHUNK_ABORT, "ABORT", causes_parse, causes_write,
                                         causes_describe};
const braid_chunk_ops braid_ops_error = {BRAID_CHUNK_ERROR, "ERROR", causes_parse, causes_write,
                                         causes_describe};
