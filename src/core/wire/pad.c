/*
 * Padding Chunk (PAD, type 0x84), RFC 4820 §3.
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Type = 0x84   |   Flags=0     |             Length            |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                                                               |
 * \                         Padding Data                          /
 * /                                                               \
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * RFC 4820 §3: the Padding Data MUST be ignored by the receiver, so only
 * its length is kept; it is written as zero bytes. Any length (0 included)
 * is accepted.
 */
#include "chunk.h"

static int pad_parse(const braid_chunk_view *v, braid_chunk *out)
{
    /* RFC 4820 §3: the receiver ignores the Padding Data. */
    out->u.pad.pad_len = v->value_len;
    return 0;
}

static int pad_write(braid_wr *w, const braid_chunk *c)
{
    size_t start = braid_chunk_begin(w, c->type, c->flags);
    braid_wr_zero(w, c->u.pad.pad_len);
    return braid_chunk_end(w, start);
}

static void pad_describe(braid_sbuf *s, const braid_chunk *c)
{
    braid_sbuf_printf(s, "flags=0x%02x pad_len=%zu", c->flags, c->u.pad.pad_len);
}

const braid_chunk_ops braid_ops_pad = {BRAID_CHUNK_PAD, "PAD", pad_parse, pad_write, pad_describe};
