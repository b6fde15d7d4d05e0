/*
 * ECN Echo (ECNE, type 12) and Congestion Window Reduced (CWR, type 13).
 * RFC 9260 §3.2 reserves both types for ECN; the layouts are those of
 * RFC 4960 Appendix A (and RFC 2960 Appendix A):
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Chunk Type=12 | Flags=00000000|    Chunk Length = 8           |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                      Lowest TSN Number                        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Chunk Type=13 | Flags=00000000|    Chunk Length = 8           |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                      Lowest TSN Number                        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Bytes beyond the TSN are accepted, ignored and not re-encoded.
 */
#include <inttypes.h>

#include "chunk.h"

static void ecn_describe(braid_sbuf *s, const braid_chunk *c)
{
    braid_sbuf_printf(s, "flags=0x%02x lowest_tsn=%" PRIu32, c->flags, c->u.tsn.tsn);
}

const braid_chunk_ops braid_ops_ecne = {BRAID_CHUNK_ECNE, "ECNE", braid_chunk_parse_tsn,
                                        braid_chunk_write_tsn, ecn_describe};
const braid_chunk_ops braid_ops_cwr = {BRAID_CHUNK_CWR, "CWR", braid_chunk_parse_tsn,
                                       braid_chunk_write_tsn, ecn_describe};
