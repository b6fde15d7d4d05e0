/*
 * FORWARD TSN (RFC 3758 §3.2) and I-FORWARD-TSN (RFC 8260 §2.3.1) entry
 * accessors and array-based writers for the association layer. The decoded
 * braid_fwdtsn_chunk (chunk.h) keeps its n entries as raw big-endian bytes in
 * the packet; these helpers read them.
 */
#ifndef BRAID_WIRE_FWDTSN_H
#define BRAID_WIRE_FWDTSN_H

#include "chunk.h"

#define BRAID_FWDTSN_ENTRY_LEN 4  /* Stream u16, Stream Sequence u16 */
#define BRAID_IFWDTSN_ENTRY_LEN 8 /* Stream u16, Reserved:15 U:1, MID u32 */

/* Entry i (0 <= i < f->n) of a parsed FORWARD TSN chunk. */
void braid_fwdtsn_entry(const braid_fwdtsn_chunk *f, size_t i, uint16_t *sid, uint16_t *ssn);

/* Entry i (0 <= i < f->n) of a parsed I-FORWARD-TSN chunk. *unordered is 1
 * when the U bit is set (the MID is of unordered messages), else 0. The
 * reserved bits are ignored (RFC 8260 §2.3.1). */
void braid_ifwdtsn_entry(const braid_fwdtsn_chunk *f, size_t i, uint16_t *sid, int *unordered,
                         uint32_t *mid);

/*
 * Append a whole FORWARD TSN / I-FORWARD-TSN chunk (flags 0) to w.
 * sid_ssn: 2 * n u16 values (sid0, ssn0, sid1, ssn1, ...).
 * sids, unordered (nonzero = U bit set), mids: n entries each.
 * Arrays may be NULL when n is 0. Returns 0; BRAID_ERR_NOSPACE if w is too
 * small or the chunk would exceed the 16-bit Chunk Length (w is then left as
 * it was on entry, err clear; if w->err was already set on entry it stays
 * set); BRAID_ERR_INVAL for a NULL array with n > 0.
 */
int braid_fwdtsn_write_arrays(braid_wr *w, uint32_t new_cum_tsn, const uint16_t *sid_ssn, size_t n);
int braid_ifwdtsn_write_arrays(braid_wr *w, uint32_t new_cum_tsn, const uint16_t *sids,
                               const uint8_t *unordered, const uint32_t *mids, size_t n);

#endif
