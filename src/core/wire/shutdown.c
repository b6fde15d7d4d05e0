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

static void shutdown_describe(braid_sbuf *s, const braid_chunk *c)
{
    braid_sbuf_printf(s, "flags=0x%02x cum_tsn=%" PRIu32, c->flags, c->u.tsn.tsn);
}

/* SHUTDOWN ACK (§3.3.9) and SHUTDOWN COMPLETE (§3.3.13) have no value
 * (Length = 4); anything after the header is ignored. */

const braid_chunk_ops braid_ops_shutdown = {BRAID_CHUNK_SHUTDOWN, "SHUTDOWN", braid_chunk_parse_tsn,
                                            braid_chunk_write_tsn, shutdown_describe};
const braid_chunk_ops braid_ops_shutdown_ack = {BRAID_CHUNK_SHUTDOWN_ACK, "SHUTDOWN_ACK",
                                                braid_chunk_parse_empty, braid_chunk_write_empty,
                                                braid_chunk_describe_flags};
const braid_chunk_ops braid_ops_shutdown_complete = {
    BRAID_CHUNK_SHUTDOWN_COMPLETE, "SHUTDOWN_COMPLETE", braid_chunk_parse_empty,
    braid_chunk_write_empty, braid_chunk_describe_flags};
