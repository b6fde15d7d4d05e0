/*
 * SACK, Selective Acknowledgement (RFC 9260 §3.3.4).
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |   Type = 3    |  Chunk Flags  |         Chunk Length          |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                      Cumulative TSN Ack                       |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |          Advertised Receiver Window Credit (a_rwnd)           |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Number of Gap Ack Blocks = N  |  Number of Duplicate TSNs = M |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |    Gap Ack Block #1 Start     |     Gap Ack Block #1 End      |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * /                                                               /
 * \                              ...                              \
 * /                                                               /
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |    Gap Ack Block #N Start     |     Gap Ack Block #N End      |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                        Duplicate TSN 1                        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * /                                                               /
 * \                              ...                              \
 * /                                                               /
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                        Duplicate TSN M                        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Gap Ack Block Start/End are offsets from the Cumulative TSN Ack (§3.3.4):
 * the block covers TSNs cum_tsn + start .. cum_tsn + end. The decoded form
 * keeps the blocks and duplicates as raw bytes in the packet; sack.h reads
 * them. Bytes after the last duplicate TSN are accepted and ignored (not
 * re-encoded).
 */
#include "sack.h"

#include <inttypes.h>

static int sack_parse(const braid_chunk_view *v, braid_chunk *out)
{
    braid_sack_chunk *s = &out->u.sack;
    /* RFC 9260 §3.3.4: the SACK MUST contain Cumulative TSN Ack, a_rwnd,
     * Number of Gap Ack Blocks and Number of Duplicate TSNs (12 bytes). */
    if (v->value_len < BRAID_SACK_FIXED_LEN)
        return BRAID_ERR_CHUNK_VALUE;
    const uint8_t *q = v->value;
    s->cum_tsn = braid_load32(q);
    s->a_rwnd = braid_load32(q + 4);
    s->n_gaps = braid_load16(q + 8);
    s->n_dups = braid_load16(q + 10);
    /* RFC 9260 §3.3.4: N Gap Ack Blocks of 4 bytes, then M Duplicate TSNs of
     * 4 bytes, must all be present. */
    size_t need = BRAID_SACK_FIXED_LEN + 4 * (size_t)s->n_gaps + 4 * (size_t)s->n_dups;
    if (v->value_len < need)
        return BRAID_ERR_CHUNK_VALUE;
    s->gaps = q + BRAID_SACK_FIXED_LEN;
    s->dups = s->gaps + 4 * (size_t)s->n_gaps;
    return 0;
}

static int sack_write(braid_wr *w, const braid_chunk *c)
{
    const braid_sack_chunk *s = &c->u.sack;
    if ((s->n_gaps && !s->gaps) || (s->n_dups && !s->dups))
        return BRAID_ERR_INVAL;
    size_t start = braid_chunk_begin(w, BRAID_CHUNK_SACK, c->flags);
    braid_wr_u32(w, s->cum_tsn);
    braid_wr_u32(w, s->a_rwnd);
    braid_wr_u16(w, s->n_gaps);
    braid_wr_u16(w, s->n_dups);
    /* Already in wire order: copied as-is. */
    braid_wr_bytes(w, s->gaps, 4 * (size_t)s->n_gaps);
    braid_wr_bytes(w, s->dups, 4 * (size_t)s->n_dups);
    return braid_chunk_end(w, start);
}

static void sack_describe(braid_sbuf *s, const braid_chunk *c)
{
    const braid_sack_chunk *k = &c->u.sack;
    braid_sbuf_printf(s, "flags=0x%02x cum_tsn=%" PRIu32 " a_rwnd=%" PRIu32 " n_gaps=%u n_dups=%u",
                      c->flags, k->cum_tsn, k->a_rwnd, k->n_gaps, k->n_dups);
    /* Gap blocks as offsets from cum_tsn, RFC 9260 §3.3.4. */
    for (size_t i = 0; i < k->n_gaps; i++) {
        uint16_t a, b;
        braid_sack_gap(k, i, &a, &b);
        braid_sbuf_printf(s, " gap=%u-%u", a, b);
    }
    for (size_t i = 0; i < k->n_dups; i++)
        braid_sbuf_printf(s, " dup=%" PRIu32, braid_sack_dup(k, i));
}

void braid_sack_gap(const braid_sack_chunk *s, size_t i, uint16_t *start, uint16_t *end)
{
    const uint8_t *q = s->gaps + 4 * i;
    *start = braid_load16(q);
    *end = braid_load16(q + 2);
}

uint32_t braid_sack_dup(const braid_sack_chunk *s, size_t i)
{
    return braid_load32(s->dups + 4 * i);
}

int braid_sack_write_arrays(braid_wr *w, uint32_t cum_tsn, uint32_t a_rwnd, const uint16_t *gaps,
                            uint16_t n_gaps, const uint32_t *dups, uint16_t n_dups)
{
    if ((n_gaps && !gaps) || (n_dups && !dups))
        return BRAID_ERR_INVAL;
    if (w->err)
        return BRAID_ERR_NOSPACE;
    size_t mark = w->off;
    /* RFC 9260 §3.3.4: Chunk Flags all set to 0 on transmit. */
    size_t start = braid_chunk_begin(w, BRAID_CHUNK_SACK, 0);
    braid_wr_u32(w, cum_tsn);
    braid_wr_u32(w, a_rwnd);
    braid_wr_u16(w, n_gaps);
    braid_wr_u16(w, n_dups);
    for (size_t i = 0; i < 2 * (size_t)n_gaps; i++)
        braid_wr_u16(w, gaps[i]);
    for (size_t i = 0; i < n_dups; i++)
        braid_wr_u32(w, dups[i]);
    int rc = braid_chunk_end(w, start);
    if (rc < 0) {
        w->off = mark;
        w->err = false;
    }
    return rc;
}

const braid_chunk_ops braid_ops_sack = {BRAID_CHUNK_SACK, "SACK", sack_parse, sack_write,
                                        sack_describe};
