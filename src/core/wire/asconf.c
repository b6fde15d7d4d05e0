/*
 * ASCONF (RFC 5061 §4.1.1) and ASCONF-ACK (RFC 5061 §4.1.2) chunks.
 *
 * ASCONF, Address Configuration Change Chunk:
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Type = 0xC1   |  Chunk Flags  |      Chunk Length             |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                       Sequence Number                         |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                      Address Parameter                        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                     ASCONF Parameter #1                       |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * \                                                               \
 * /                             ....                              /
 * \                                                               \
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                     ASCONF Parameter #N                       |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Address Parameter: an IPv4 (type 5, length 8) or IPv6 (type 6, length 20)
 * Address Parameter (RFC 9260 §3.3.2.1.1, §3.3.2.1.2) used to find the
 * association. ASCONF Parameters: Add IP Address 0xC001, Delete IP Address
 * 0xC002, Set Primary Address 0xC004, ... (RFC 5061 §4.2), decoded by
 * param.c. The decoded form keeps the Address Parameter as the first TLV of
 * params.
 *
 * ASCONF-ACK, Address Configuration Acknowledgment Chunk:
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Type = 0x80   |  Chunk Flags  |      Chunk Length             |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                       Sequence Number                         |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                 ASCONF Parameter Response #1                  |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * \                                                               \
 * /                             ....                              /
 * \                                                               \
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                 ASCONF Parameter Response #N                  |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * ASCONF Parameter Responses: Success Indication 0xC005 and Error Cause
 * Indication 0xC003 (RFC 5061 §4.2.5, §4.2.3); zero or more of them.
 *
 * Chunk Flags of both: reserved, kept as-is.
 */
#include <inttypes.h>

#include "chunk.h"
#include "tlv.h"

#define ASCONF_FIXED_LEN 4 /* Sequence Number */

/* Shared part: the Sequence Number and the framing of the TLVs after it. */
static int asconf_common_parse(const braid_chunk_view *v, braid_chunk *out)
{
    /* RFC 5061 §4.1.1, §4.1.2: both chunks start with a 32-bit Sequence Number. */
    if (v->value_len < ASCONF_FIXED_LEN)
        return BRAID_ERR_CHUNK_VALUE;
    const uint8_t *params = v->value + ASCONF_FIXED_LEN;
    size_t params_len = v->value_len - ASCONF_FIXED_LEN;
    /* RFC 5061 §4.1.1, §4.1.2: the rest is TLVs (RFC 9260 §3.2.1). */
    int rc = braid_tlv_list_check(params, params_len);
    if (rc < 0)
        return rc;
    out->u.asconf.serial = braid_load32(v->value);
    out->u.asconf.params = params;
    out->u.asconf.params_len = params_len;
    return 0;
}

static int asconf_parse(const braid_chunk_view *v, braid_chunk *out)
{
    int rc = asconf_common_parse(v, out);
    if (rc < 0)
        return rc;
    braid_tlv_iter it;
    braid_tlv addr;
    braid_tlv_iter_init(&it, out->u.asconf.params, out->u.asconf.params_len);
    /* RFC 5061 §4.1.1: the Sequence Number is followed by an Address
     * Parameter (IPv4 or IPv6), which is mandatory. */
    if (braid_tlv_iter_next(&it, &addr) <= 0)
        return BRAID_ERR_MISSING_PARAM;
    if (addr.type == BRAID_PARAM_IPV4) {
        /* RFC 9260 §3.3.2.1.1: IPv4 Address Parameter length is 8. */
        if (addr.value_len != 4)
            return BRAID_ERR_PARAM_VALUE;
    } else if (addr.type == BRAID_PARAM_IPV6) {
        /* RFC 9260 §3.3.2.1.2: IPv6 Address Parameter length is 20. */
        if (addr.value_len != 16)
            return BRAID_ERR_PARAM_VALUE;
    } else {
        return BRAID_ERR_MISSING_PARAM;
    }
    return 0;
}

static int asconf_ack_parse(const braid_chunk_view *v, braid_chunk *out)
{
    /* RFC 5061 §4.1.2: zero or more ASCONF Parameter Responses. */
    return asconf_common_parse(v, out);
}

/* The TLVs (for ASCONF, the Address Parameter first) are copied verbatim. */
static int asconf_write(braid_wr *w, const braid_chunk *c)
{
    const braid_asconf_chunk *a = &c->u.asconf;
    size_t start = braid_chunk_begin(w, c->type, c->flags);
    braid_wr_u32(w, a->serial);
    braid_wr_bytes(w, a->params, a->params_len);
    return braid_chunk_end(w, start);
}

static void asconf_describe(braid_sbuf *s, const braid_chunk *c)
{
    const braid_asconf_chunk *a = &c->u.asconf;
    braid_sbuf_printf(s, "flags=0x%02x serial=%" PRIu32 " params=[", c->flags, a->serial);
    braid_params_describe(s, a->params, a->params_len);
    braid_sbuf_printf(s, "]");
}

const braid_chunk_ops braid_ops_asconf = {BRAID_CHUNK_ASCONF, "ASCONF", asconf_parse, asconf_write,
                                          asconf_describe};
const braid_chunk_ops braid_ops_asconf_ack = {BRAID_CHUNK_ASCONF_ACK, "ASCONF_ACK",
                                              asconf_ack_parse, asconf_write, asconf_describe};
