/*
 * FORWARD TSN (RFC 3758 §3.2) and I-FORWARD-TSN (RFC 8260 §2.3.1). Both
 * decode into braid_fwdtsn_chunk; the chunk type says which entry layout
 * applies. Entries stay raw in the packet; fwdtsn.h reads them.
 *
 * FORWARD TSN, RFC 3758 §3.2:
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |   Type = 192  |  Flags = 0x00 |        Length = Variable      |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                      New Cumulative TSN                       |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |         Stream-1              |       Stream Sequence-1       |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * \                                                               /
 * /                                                               \
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |         Stream-N              |       Stream Sequence-N       |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * I-FORWARD-TSN, RFC 8260 §2.3.1:
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |   Type = 194  | Flags = 0x00  |      Length = Variable        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                       New Cumulative TSN                      |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |       Stream Identifier       |          Reserved           |U|
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                       Message Identifier                      |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * \                                                               \
 * /                                                               /
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |       Stream Identifier       |          Reserved           |U|
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                       Message Identifier                      |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * The flags byte is kept as-is in braid_chunk.flags. The I-FORWARD-TSN
 * reserved bits are ignored on receipt and written as 0 (RFC 8260 §2.3.1),
 * so they are neither preserved nor described.
 */
#include "fwdtsn.h"

#include <inttypes.h>

#define FWDTSN_FIXED 4   /* New Cumulative TSN */
#define IFWDTSN_U 0x0001 /* U bit: lowest bit of the second u16 of an entry */

static int fwdtsn_parse_common(const braid_chunk_view *v, braid_chunk *out, size_t entry_len)
{
    braid_fwdtsn_chunk *f = &out->u.fwdtsn;
    /* RFC 3758 §3.2 / RFC 8260 §2.3.1: the New Cumulative TSN is mandatory. */
    if (v->value_len < FWDTSN_FIXED)
        return BRAID_ERR_CHUNK_VALUE;
    /* RFC 3758 §3.2: (Stream, Stream Sequence) entries of 4 bytes;
     * RFC 8260 §2.3.1: (Stream, Reserved/U, MID) entries of 8 bytes. A
     * partial entry is malformed. */
    size_t rest = v->value_len - FWDTSN_FIXED;
    if (rest % entry_len != 0)
        return BRAID_ERR_CHUNK_VALUE;
    f->new_cum_tsn = braid_load32(v->value);
    f->n = rest / entry_len;
    f->entries = v->value + FWDTSN_FIXED;
    return 0;
}

static int fwdtsn_parse(const braid_chunk_view *v, braid_chunk *out)
{
    return fwdtsn_parse_common(v, out, BRAID_FWDTSN_ENTRY_LEN);
}

static int ifwdtsn_parse(const braid_chunk_view *v, braid_chunk *out)
{
    return fwdtsn_parse_common(v, out, BRAID_IFWDTSN_ENTRY_LEN);
}

/* The most entries a chunk of entry_len-byte entries can hold within the
 * 16-bit Chunk Length. */
static size_t max_entries(size_t entry_len)
{
    return (UINT16_MAX - BRAID_CHUNK_HEADER_LEN - FWDTSN_FIXED) / entry_len;
}

static int fwdtsn_write(braid_wr *w, const braid_chunk *c)
{
    const braid_fwdtsn_chunk *f = &c->u.fwdtsn;
    if (f->n > max_entries(BRAID_FWDTSN_ENTRY_LEN)) {
        w->err = true;
        return BRAID_ERR_NOSPACE;
    }
    if (f->n && !f->entries)
        return BRAID_ERR_INVAL;
    size_t start = braid_chunk_begin(w, c->type, c->flags);
    braid_wr_u32(w, f->new_cum_tsn);
    /* (Stream, Stream Sequence) pairs have no reserved bits: copy as-is. */
    braid_wr_bytes(w, f->entries, f->n * BRAID_FWDTSN_ENTRY_LEN);
    return braid_chunk_end(w, start);
}

static int ifwdtsn_write(braid_wr *w, const braid_chunk *c)
{
    const braid_fwdtsn_chunk *f = &c->u.fwdtsn;
    if (f->n > max_entries(BRAID_IFWDTSN_ENTRY_LEN)) {
        w->err = true;
        return BRAID_ERR_NOSPACE;
    }
    if (f->n && !f->entries)
        return BRAID_ERR_INVAL;
    size_t start = braid_chunk_begin(w, c->type, c->flags);
    braid_wr_u32(w, f->new_cum_tsn);
    for (size_t i = 0; i < f->n; i++) {
        uint16_t sid;
        int u;
        uint32_t mid;
        braid_ifwdtsn_entry(f, i, &sid, &u, &mid);
        braid_wr_u16(w, sid);
        /* RFC 8260 §2.3.1: Reserved MUST be set to 0 by the sender. */
        braid_wr_u16(w, u ? IFWDTSN_U : 0);
        braid_wr_u32(w, mid);
    }
    return braid_chunk_end(w, start);
}

static void fwdtsn_describe(braid_sbuf *s, const braid_chunk *c)
{
    const braid_fwdtsn_chunk *f = &c->u.fwdtsn;
    braid_sbuf_printf(s, "flags=0x%02x new_cum_tsn=%" PRIu32 " n=%zu", c->flags, f->new_cum_tsn,
                      f->n);
    for (size_t i = 0; i < f->n; i++) {
        uint16_t sid, ssn;
        braid_fwdtsn_entry(f, i, &sid, &ssn);
        braid_sbuf_printf(s, " sid=%u ssn=%u", sid, ssn);
    }
}

static void ifwdtsn_describe(braid_sbuf *s, const braid_chunk *c)
{
    const braid_fwdtsn_chunk *f = &c->u.fwdtsn;
    braid_sbuf_printf(s, "flags=0x%02x new_cum_tsn=%" PRIu32 " n=%zu", c->flags, f->new_cum_tsn,
                      f->n);
    for (size_t i = 0; i < f->n; i++) {
        uint16_t sid;
        int u;
        uint32_t mid;
        braid_ifwdtsn_entry(f, i, &sid, &u, &mid);
        braid_sbuf_printf(s, " sid=%u u=%d mid=%" PRIu32, sid, u, mid);
    }
}

void braid_fwdtsn_entry(const braid_fwdtsn_chunk *f, size_t i, uint16_t *sid, uint16_t *ssn)
{
    const uint8_t *q = f->entries + i * BRAID_FWDTSN_ENTRY_LEN;
    *sid = braid_load16(q);
    *ssn = braid_load16(q + 2);
}

void braid_ifwdtsn_entry(const braid_fwdtsn_chunk *f, size_t i, uint16_t *sid, int *unordered,
                         uint32_t *mid)
{
    const uint8_t *q = f->entries + i * BRAID_IFWDTSN_ENTRY_LEN;
    *sid = braid_load16(q);
    /* RFC 8260 §2.3.1: the reserved bits MUST be ignored by the receiver. */
    *unordered = (braid_load16(q + 2) & IFWDTSN_U) != 0;
    *mid = braid_load32(q + 4);
}

/* Shared tail of the array writers: roll w back on failure. */
static int finish(braid_wr *w, size_t mark, size_t start)
{
    int rc = braid_chunk_end(w, start);
    if (rc < 0) {
        w->off = mark;
        w->err = false;
    }
    return rc;
}

int braid_fwdtsn_write_arrays(braid_wr *w, uint32_t new_cum_tsn, const uint16_t *sid_ssn, size_t n)
{
    if (n && !sid_ssn)
        return BRAID_ERR_INVAL;
    if (w->err || n > max_entries(BRAID_FWDTSN_ENTRY_LEN))
        return BRAID_ERR_NOSPACE;
    size_t mark = w->off;
    /* RFC 3758 §3.2: Flags set to all zeros on transmit. */
    size_t start = braid_chunk_begin(w, BRAID_CHUNK_FORWARD_TSN, 0);
    braid_wr_u32(w, new_cum_tsn);
    for (size_t i = 0; i < 2 * n; i++)
        braid_wr_u16(w, sid_ssn[i]);
    return finish(w, mark, start);
}

int braid_ifwdtsn_write_arrays(braid_wr *w, uint32_t new_cum_tsn, const uint16_t *sids,
                               const uint8_t *unordered, const uint32_t *mids, size_t n)
{
    if (n && (!sids || !unordered || !mids))
        return BRAID_ERR_INVAL;
    if (w->err || n > max_entries(BRAID_IFWDTSN_ENTRY_LEN))
        return BRAID_ERR_NOSPACE;
    size_t mark = w->off;
    /* RFC 8260 §2.3.1: Flags (as for FORWARD TSN) and Reserved set to 0. */
    size_t start = braid_chunk_begin(w, BRAID_CHUNK_IFORWARD_TSN, 0);
    braid_wr_u32(w, new_cum_tsn);
    for (size_t i = 0; i < n; i++) {
        braid_wr_u16(w, sids[i]);
        braid_wr_u16(w, unordered[i] ? IFWDTSN_U : 0);
        braid_wr_u32(w, mids[i]);
    }
    return finish(w, mark, start);
}

const braid_chunk_ops braid_ops_forward_tsn = {BRAID_CHUNK_FORWARD_TSN, "FORWARD_TSN", fwdtsn_parse,
                                               fwdtsn_write, fwdtsn_describe};
const braid_chunk_ops braid_ops_iforward_tsn = {BRAID_CHUNK_IFORWARD_TSN, "I_FORWARD_TSN",
                                                ifwdtsn_parse, ifwdtsn_write, ifwdtsn_describe};
