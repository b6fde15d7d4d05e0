/*
 * INIT (RFC 9260 §3.3.2) and INIT ACK (RFC 9260 §3.3.3).
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Type = 1 or 2 |  Chunk Flags  |      Chunk Length             |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                         Initiate Tag                          |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |          Advertised Receiver Window Credit (a_rwnd)           |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Number of Outbound Streams   |   Number of Inbound Streams   |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                          Initial TSN                          |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * \                                                               \
 * /              Optional/Variable-Length Parameters              /
 * \                                                               \
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * The parameters are kept raw (params/params_len): parse checks their TLV
 * framing only; what to do with each one, unknown or malformed ones included
 * (RFC 9260 §3.2.1), is the association layer's decision. write copies them
 * verbatim after the fixed part.
 */
#include <inttypes.h>

#include "init.h"

#define INIT_FIXED_LEN 16

int braid_init_find_param(const braid_init_chunk *c, uint16_t type, braid_tlv *out)
{
    braid_tlv_iter it;
    braid_tlv t;
    int rc;
    braid_tlv_iter_init(&it, c->params, c->params_len);
    while ((rc = braid_tlv_iter_next(&it, &t)) > 0) {
        if (t.type == type) {
            *out = t;
            return 1;
        }
    }
    return rc;
}

/* The fixed part and the parameter framing, common to INIT and INIT ACK.
 * Each rule is stated identically in §3.3.2 (INIT) and §3.3.3 (INIT ACK). */
static int init_parse(const braid_chunk_view *v, braid_chunk *out)
{
    braid_init_chunk *c = &out->u.init;
    /* RFC 9260 §3.3.2 / §3.3.3: 16 bytes of fixed-length fields */
    if (v->value_len < INIT_FIXED_LEN)
        return BRAID_ERR_CHUNK_VALUE;
    braid_rd r;
    braid_rd_init(&r, v->value, v->value_len);
    c->init_tag = braid_rd_u32(&r);
    c->a_rwnd = braid_rd_u32(&r);
    c->os = braid_rd_u16(&r);
    c->mis = braid_rd_u16(&r);
    c->initial_tsn = braid_rd_u32(&r);
    c->params = v->value + INIT_FIXED_LEN;
    c->params_len = v->value_len - INIT_FIXED_LEN;

    /* RFC 9260 §3.3.2 / §3.3.3: the Initiate Tag MUST NOT be 0 */
    if (c->init_tag == 0)
        return BRAID_ERR_INIT_ZERO_TAG;
    /* RFC 9260 §3.3.2 / §3.3.3: a_rwnd MUST NOT be smaller than 1500 */
    if (c->a_rwnd < 1500)
        return BRAID_ERR_INIT_RWND;
    /* RFC 9260 §3.3.2 / §3.3.3: OS and MIS: the value 0 MUST NOT be used */
    if (c->os == 0 || c->mis == 0)
        return BRAID_ERR_INIT_STREAMS;
    /* RFC 9260 §3.3.2.1 / §3.3.3.1: TLVs per §3.2.1 after the fixed fields */
    return braid_tlv_list_check(c->params, c->params_len);
}

static int init_ack_parse(const braid_chunk_view *v, braid_chunk *out)
{
    int rc = init_parse(v, out);
    if (rc < 0)
        return rc;
    /* RFC 9260 §3.3.3: the State Cookie parameter is mandatory in INIT ACK */
    braid_tlv t;
    rc = braid_init_find_param(&out->u.init, BRAID_PARAM_STATE_COOKIE, &t);
    if (rc < 0)
        return rc;
    return rc == 1 ? 0 : BRAID_ERR_MISSING_PARAM;
}

static int init_write_type(braid_wr *w, uint8_t type, const braid_chunk *c)
{
    const braid_init_chunk *ic = &c->u.init;
    size_t start = braid_chunk_begin(w, type, c->flags);
    braid_wr_u32(w, ic->init_tag);
    braid_wr_u32(w, ic->a_rwnd);
    braid_wr_u16(w, ic->os);
    braid_wr_u16(w, ic->mis);
    braid_wr_u32(w, ic->initial_tsn);
    braid_wr_bytes(w, ic->params, ic->params_len);
    return braid_chunk_end(w, start);
}

static int init_write(braid_wr *w, const braid_chunk *c)
{
    return init_write_type(w, BRAID_CHUNK_INIT, c);
}

static int init_ack_write(braid_wr *w, const braid_chunk *c)
{
    return init_write_type(w, BRAID_CHUNK_INIT_ACK, c);
}

static void init_describe(braid_sbuf *s, const braid_chunk *c)
{
    const braid_init_chunk *ic = &c->u.init;
    braid_sbuf_printf(s,
                      "flags=0x%02x init_tag=%" PRIu32 " a_rwnd=%" PRIu32
                      " os=%u mis=%u initial_tsn=%" PRIu32 " params=[",
                      c->flags, ic->init_tag, ic->a_rwnd, (unsigned)ic->os, (unsigned)ic->mis,
                      ic->initial_tsn);
    braid_params_describe(s, ic->params, ic->params_len);
    braid_sbuf_printf(s, "]");
}

const braid_chunk_ops braid_ops_init = {
    BRAID_CHUNK_INIT, "INIT", init_parse, init_write, init_describe,
};
const braid_chunk_ops braid_ops_init_ack = {
    BRAID_CHUNK_INIT_ACK, "INIT_ACK", init_ack_parse, init_ack_write, init_describe,
};
