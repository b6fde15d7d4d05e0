/*
 * TLV framing shared by parameters (RFC 9260 §3.2.1) and error causes
 * (RFC 9260 §3.3.10).
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |        Parameter Type         |       Parameter Length        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * \                                                               \
 * /                       Parameter Value                         /
 * \                                                               \
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
#include "tlv.h"

void braid_tlv_iter_init(braid_tlv_iter *it, const uint8_t *p, size_t len)
{
    it->p = p;
    it->len = len;
    it->off = 0;
}

int braid_tlv_iter_next(braid_tlv_iter *it, braid_tlv *t)
{
    size_t left = it->len - it->off;
    if (left == 0)
        return 0;
    if (left < 4)
        return BRAID_ERR_PARAM_OVERRUN; /* a header cut by the end of the chunk */
    const uint8_t *q = it->p + it->off;
    uint16_t length = braid_load16(q + 2);
    if (length < 4)
        return BRAID_ERR_PARAM_LEN; /* includes 0, which would never advance */
    if (length > left)
        return BRAID_ERR_PARAM_OVERRUN;
    size_t padded = braid_pad4(length);
    /* RFC 9260 §3.2.1: padding of the last parameter may be left out of the
     * chunk; any other parameter must be followed by its padding. */
    if (padded > left && length != left)
        return BRAID_ERR_PARAM_PADDING;
    t->type = braid_load16(q);
    t->length = length;
    t->value = q + 4;
    t->value_len = (size_t)length - 4;
    t->raw = q;
    it->off += padded > left ? left : padded;
    return 1;
}

int braid_tlv_list_check(const uint8_t *p, size_t len)
{
    braid_tlv_iter it;
    braid_tlv t;
    int rc;
    braid_tlv_iter_init(&it, p, len);
    while ((rc = braid_tlv_iter_next(&it, &t)) > 0)
        ;
    return rc;
}

/* A TLV starts 4-byte aligned: the padding of the previous one is written
 * here, so the last TLV of a chunk ends unpadded and the chunk length leaves
 * its padding out, as RFC 9260 §3.2 asks. */
size_t braid_tlv_begin(braid_wr *w, uint16_t type)
{
    braid_wr_pad4(w);
    size_t start = w->off;
    braid_wr_u16(w, type);
    braid_wr_u16(w, 0);
    return start;
}

int braid_tlv_end(braid_wr *w, size_t start)
{
    return braid_wr_close_len16(w, start) ? 0 : BRAID_ERR_NOSPACE;
}

int braid_tlv_write(braid_wr *w, uint16_t type, const uint8_t *value, size_t len)
{
    size_t start = braid_tlv_begin(w, type);
    braid_wr_bytes(w, value, len);
    return braid_tlv_end(w, start);
}
