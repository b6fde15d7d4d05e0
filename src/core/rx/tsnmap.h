/*
 * TSN map: which DATA / I-DATA TSNs the receiver holds (RFC 9260 §6.2).
 *
 * State is the Cumulative TSN Ack point (every TSN <= cum has been received
 * or skipped by FORWARD TSN) plus a sorted array of disjoint, non-adjacent
 * [start, end] ranges of TSNs received above it: the Gap Ack Blocks of the
 * next SACK (RFC 9260 §3.3.4). TSNs compare in serial number arithmetic
 * (RFC 9260 §1.6), so everything works across the 2^32 wrap.
 *
 * Cost: marking a TSN is an O(log r) binary search (O(1) for the next TSN
 * after cum or after the highest range) plus a memmove only when a range is
 * created or removed. Memory is bounded by BRAID_TSNMAP_MAX_RANGES ranges.
 * The range array grows through braid_mem and never shrinks until free.
 */
#ifndef BRAID_RX_TSNMAP_H
#define BRAID_RX_TSNMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "braid/braid.h"
#include "core/util/mem.h"

/* At most this many gap ranges above cum (bounds memory against a peer that
 * sends every other TSN). Marking a TSN that needs one more fails with
 * BRAID_ERR_LIMIT; the caller drops the chunk (it is not acknowledged and
 * will be retransmitted). */
#define BRAID_TSNMAP_MAX_RANGES 1024
/* Duplicate TSNs listed in one SACK; further ones are only counted. */
#define BRAID_TSNMAP_MAX_DUPS 32

typedef struct braid_tsn_range {
    uint32_t start, end; /* inclusive */
} braid_tsn_range;

typedef struct braid_tsnmap {
    braid_mem mem;
    uint32_t cum;            /* Cumulative TSN Ack point */
    braid_tsn_range *ranges; /* sorted, disjoint, non-adjacent, all above cum + 1 */
    size_t n;                /* ranges in use */
    size_t cap;              /* ranges allocated */
    uint32_t dups[BRAID_TSNMAP_MAX_DUPS];
    size_t n_dups;    /* listed */
    size_t dup_total; /* noted since the last clear, listed or not */
} braid_tsnmap;

/* cum = the peer's Initial TSN - 1 (RFC 9260 §5.1). Never allocates. */
void braid_tsnmap_init(braid_tsnmap *m, const braid_mem *mem, uint32_t cum_tsn);
void braid_tsnmap_free(braid_tsnmap *m);

/* Records tsn as received. Returns 1 if it is new, 0 for a duplicate (<= cum
 * or already held), BRAID_ERR_NOMEM, or BRAID_ERR_LIMIT if it would need more
 * than BRAID_TSNMAP_MAX_RANGES ranges. On error the map is unchanged. */
int braid_tsnmap_mark(braid_tsnmap *m, uint32_t tsn);
/* Forgets tsn again (the caller could not store the chunk, so the peer must
 * retransmit it). Returns 1 if it was held, 0 if not, BRAID_ERR_NOMEM /
 * BRAID_ERR_LIMIT if a range must be split and there is no room, or
 * BRAID_ERR_INVAL if tsn is so far below cum that the map could not express
 * it. Undoing braid_tsnmap_mark of the same TSN right after it returned 1
 * never fails: the slot the split needs is the one the mark freed. */
int braid_tsnmap_unmark(braid_tsnmap *m, uint32_t tsn);
/* True if tsn <= cum or inside a range. */
bool braid_tsnmap_has(const braid_tsnmap *m, uint32_t tsn);
uint32_t braid_tsnmap_cum(const braid_tsnmap *m);
/* Highest TSN received (cum if none above). */
uint32_t braid_tsnmap_highest(const braid_tsnmap *m);
/* Number of gap ranges above cum (some may be too far to report). */
size_t braid_tsnmap_gap_count(const braid_tsnmap *m);
/* Gap Ack Blocks as SACK offsets from cum (RFC 9260 §3.3.4): out receives
 * start, end pairs (2 * max u16). Fills at most max blocks and returns how
 * many were written; stops at the first block whose end is more than 65535
 * above cum (it cannot be expressed in 16 bits). */
size_t braid_tsnmap_gaps(const braid_tsnmap *m, uint16_t *out, size_t max);
/* FORWARD TSN (RFC 3758 §3.6): cum := max(cum, new_cum), drops the ranges at
 * or below it, then absorbs a range adjacent to (or straddling) the new cum. */
void braid_tsnmap_forward(braid_tsnmap *m, uint32_t new_cum);

/* Duplicate TSN log for the next SACK (RFC 9260 §6.2, §3.3.4). Lists at most
 * BRAID_TSNMAP_MAX_DUPS; further ones are counted in dup_total only. */
void braid_tsnmap_note_dup(braid_tsnmap *m, uint32_t tsn);
/* Copies at most max listed duplicates into out; returns how many. */
size_t braid_tsnmap_dups(const braid_tsnmap *m, uint32_t *out, size_t max);
/* Duplicates noted since the last clear, including those not listed. */
size_t braid_tsnmap_dup_total(const braid_tsnmap *m);
void braid_tsnmap_clear_dups(braid_tsnmap *m);

#endif
