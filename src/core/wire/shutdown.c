/*
 * SHUTDOWN (RFC 9260 §3.3.8), SHUTDOWN ACK (RFC 9260 §3.3.9) and
 * SHUTDOWN COMPLETE (RFC 9260 §3.3.13).
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |   Type = 7    |  Chunk Flags  |          Length = 8           |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                      Cumulative TSN Ack                       |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |   Type = 8    |  Chunk Flags  |          Length = 4           |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |   Type = 14   |  Reserved   |T|          Length = 4           |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * T bit (SHUTDOWN COMPLETE, BRAID_FLAG_T): the Verification Tag is
 * reflected (RFC 9260 §3.3.13); kept in braid_chunk.flags.
 *
 * Bytes beyond the fixed part are accepted, ignored and not re-encoded.
 */
#include <inttypes.h>

#include "chunk.h"

static int shutdown_parse(const braid_chunk_view *v, braid_chunk *out)
{
    /* RFC 9260 §3.3.8: the value is the 32-bit Cumulative TSN Ack. */
    if (v->value_len < 4)
        return BRAID_ERR_CHUNK_VALUE;
    out->u.tsn.tsn = braid_load32(v->value);
    return 0;
}

static int shutdown_write(braid_wr *w, const braid_chunk *c)
{
    size_t start = braid_chunk_begin(w, c->type, c->flags);
    braid_wr_u32(w, c->u.tsn.tsn);
    return braid_chunk_end(w, start);
}

static void shutdown_describe(braid_sbuf *s, const braid_chunk *c)
{
    braid_sbuf_printf(s, "flags=0x%02x cum_tsn=%" PRIu32, c->flags, c->u.tsn.tsn);
}

/* SHUTDOWN ACK (§3.3.9) and SHUTDOWN COMPLETE (§3.3.13) have no value
 * (Length = 4); anything after the header is ignored. */
static int empty_parse(const braid_chunk_view *v, braid_chunk *out)
{
    (void)v;
    out->u.raw.value = NULL;
    out->u.raw.value_len = 0;
    return 0;
}

static int empty_write(braid_wr *w, const braid_chunk *c)
{
    size_t start = braid_chunk_begin(w, c->type, c->flags);
    return braid_chunk_end(w, start);
}

static void empty_describe(braid_sbuf *s, const braid_chunk *c)
{
    braid_sbuf_printf(s, "flags=0x%02x", c->flags);
}

const braid_chunk_ops braid_ops_shutdown = {BRAID_CHUNK_SHUTDOWN, "SHUTDOWN", shutdown_parse,
                                            shutdown_write, shutdown_describe};
const braid_chunk_ops braid_ops_shutdown_ack = {BRAID_CHUNK_SHUTDOWN_ACK, "SHUTDOWN_ACK",
                                                empty_parse, empty_write, empty_describe};
const braid_chunk_ops braid_ops_shutdown_complete = {BRAID_CHUNK_SHUTDOWN_COMPLETE,
                                                     "SHUTDOWN_COMPLETE", empty_parse,
                                                     empty_write, empty_describe};
