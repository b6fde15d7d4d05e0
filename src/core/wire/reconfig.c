/*
 * RE-CONFIG chunk, RFC 6525 §3.1 (Re-configuration Chunk).
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Type = 130    |  Chunk Flags  |      Chunk Length             |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * \                                                               \
 * /                  Re-configuration Parameter                   /
 * \                                                               \
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * \                                                               \
 * /             Re-configuration Parameter (optional)             /
 * \                                                               \
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Chunk Flags: reserved, kept as-is. The parameters are the RFC 6525 §4
 * TLVs (Outgoing/Incoming SSN Reset Request 13/14, SSN/TSN Reset Request 15,
 * Re-configuration Response 16, Add Outgoing/Incoming Streams 17/18); they
 * are decoded by param.c. §3.1 allows one parameter or two (and lists which
 * pairs); which pairs are legal is left to the association layer, the codec
 * checks the framing and the count only.
 */
#include "chunk.h"
#include "tlv.h"

static int reconfig_parse(const braid_chunk_view *v, braid_chunk *out)
{
    /* RFC 6525 §3.1: the value is a list of parameters (RFC 9260 §3.2.1). */
    int rc = braid_tlv_list_check(v->value, v->value_len);
    if (rc < 0)
        return rc;
    braid_tlv_iter it;
    braid_tlv t;
    size_t n = 0;
    braid_tlv_iter_init(&it, v->value, v->value_len);
    while (braid_tlv_iter_next(&it, &t) > 0)
        n++;
    /* RFC 6525 §3.1: a RE-CONFIG chunk carries one or two parameters. */
    if (n < 1 || n > 2)
        return BRAID_ERR_CHUNK_VALUE;
    out->u.tlvs.tlvs = v->value;
    out->u.tlvs.tlvs_len = v->value_len;
    return 0;
}

/* The parameters are copied verbatim; the chunk padding follows them. */
static int reconfig_write(braid_wr *w, const braid_chunk *c)
{
    size_t start = braid_chunk_begin(w, c->type, c->flags);
    braid_wr_bytes(w, c->u.tlvs.tlvs, c->u.tlvs.tlvs_len);
    return braid_chunk_end(w, start);
}

static void reconfig_describe(braid_sbuf *s, const braid_chunk *c)
{
    braid_sbuf_printf(s, "flags=0x%02x params=[", c->flags);
    braid_params_describe(s, c->u.tlvs.tlvs, c->u.tlvs.tlvs_len);
    braid_sbuf_printf(s, "]");
}

const braid_chunk_ops braid_ops_reconfig = {BRAID_CHUNK_RECONFIG, "RE_CONFIG", reconfig_parse,
                                            reconfig_write, reconfig_describe};
