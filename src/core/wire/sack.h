/*
 * SACK (RFC 9260 §3.3.4) accessors and an array-based writer for the
 * association layer. The decoded braid_sack_chunk (chunk.h) keeps the Gap Ack
 * Blocks and Duplicate TSNs as raw big-endian bytes in the packet; these
 * helpers read them.
 *
 * Gap Ack Block Start/End are OFFSETS relative to the Cumulative TSN Ack, not
 * TSNs (RFC 9260 §3.3.4): the block acknowledges the TSNs from
 * cum_tsn + start to cum_tsn + end inclusive (serial arithmetic, mod 2^32).
 */
#ifndef BRAID_WIRE_SACK_H
#define BRAID_WIRE_SACK_H

#include "chunk.h"

/* Fixed part of the SACK value: Cumulative TSN Ack, a_rwnd, Number of Gap
 * Ack Blocks, Number of Duplicate TSNs. */
#define BRAID_SACK_FIXED_LEN 12

/* Gap Ack Block i (0 <= i < s->n_gaps) of a parsed SACK: *start and *end are
 * offsets from s->cum_tsn. */
void braid_sack_gap(const braid_sack_chunk *s, size_t i, uint16_t *start, uint16_t *end);

/* Duplicate TSN i (0 <= i < s->n_dups) of a parsed SACK. */
uint32_t braid_sack_dup(const braid_sack_chunk *s, size_t i);

/*
 * Appends a whole SACK chunk (flags 0, RFC 9260 §3.3.4) to w.
 * gaps: 2 * n_gaps u16 values (start0, end0, start1, end1, ...), each an
 * offset from cum_tsn; dups: n_dups TSNs. Either array may be NULL when its
 * count is 0. Returns 0; BRAID_ERR_NOSPACE if w is too small or the chunk
 * would exceed the 16-bit Chunk Length (w is then left as it was on entry,
 * err clear; if w->err was already set on entry it stays set); BRAID_ERR_INVAL
 * for a NULL array with a nonzero count.
 */
int braid_sack_write_arrays(braid_wr *w, uint32_t cum_tsn, uint32_t a_rwnd, const uint16_t *gaps,
                            uint16_t n_gaps, const uint32_t *dups, uint16_t n_dups);

#endif
