/*
 * Reassembly and ordered delivery of received user messages (RFC 9260 §6.5,
 * §6.6, §6.9; I-DATA: RFC 8260 §2.1; FORWARD TSN: RFC 3758 §3.6, RFC 8260
 * §2.3.1).
 *
 * Every accepted chunk is copied into one allocation (fragment header +
 * payload; the first fragment of a message also carries the braid_rx_msg
 * header, so completing a message never allocates). Incomplete fragments wait
 * in a per-stream list (ordered and unordered apart) sorted by TSN (DATA) or
 * by (MID, FSN) (I-DATA). A complete message goes to the ready queue at once
 * if it is unordered or the next in its stream's order, else into the
 * stream's sorted waiting list. The ready queue holds messages in the order
 * they became deliverable.
 *
 * Streams are found through a two-level table (<= 256 leaf pointers, leaves
 * of <= 256 stream pointers) whose leaves and stream records are allocated
 * on first use, so a peer offering 65535 streams costs at most 2 KiB up front.
 *
 * Cost: a chunk arriving in order on its stream is O(1) (plus one pass over
 * a message's fragments when it completes); an out-of-order chunk walks that
 * stream's pending fragments once. FORWARD TSN walks everything pending.
 */
#ifndef BRAID_RX_REASM_H
#define BRAID_RX_REASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "braid/braid.h"
#include "core/util/mem.h"
#include "core/wire/chunk.h"

typedef struct braid_rx_frag braid_rx_frag;     /* private */
typedef struct braid_rx_stream braid_rx_stream; /* private */

/* A complete message ready for the user. For DATA, mid == ssn; for I-DATA,
 * ssn is the low 16 bits of mid. */
typedef struct braid_rx_msg braid_rx_msg;
struct braid_rx_msg {
    braid_rx_msg *next;
    uint16_t sid;
    uint16_t ssn;
    uint32_t mid;
    uint32_t ppid;
    uint32_t tsn; /* of the first fragment */
    bool unordered;
    size_t len;      /* total payload bytes */
    size_t read_off; /* bytes already copied out */
    /* private: the fragment chain and the read cursor */
    braid_rx_frag *frags_;
    braid_rx_frag *rd_frag_;
    size_t rd_pos_;
};

typedef struct braid_reasm {
    braid_mem mem;
    bool idata;
    uint16_t n_streams;
    braid_rx_stream ***leaves; /* (n_streams + 255) / 256 leaf pointers */
    size_t n_leaves;
    braid_rx_stream *streams; /* every stream record allocated so far */
    braid_rx_msg *ready_head, *ready_tail;
    size_t ready_count;
    size_t bytes; /* payload bytes held: incomplete, waiting and ready */
} braid_reasm;

/* idata: I-DATA was negotiated (RFC 8260 §2.2.1). Allocates only the leaf
 * pointer table. Returns 0 or BRAID_ERR_NOMEM. */
int braid_reasm_init(braid_reasm *r, const braid_mem *mem, uint16_t n_in_streams, bool idata);
/* Frees everything held, including messages not yet released. */
void braid_reasm_free(braid_reasm *r);

/*
 * Takes one DATA / I-DATA chunk (flags = chunk flags: B/E/U from chunk.h) and
 * copies its payload. The caller has already dropped duplicate TSNs (tsnmap)
 * and checked sid < n_in_streams. Returns 0, BRAID_ERR_NOMEM (nothing
 * changed: treat the chunk as not received), or BRAID_ERR_INVAL (sid out of
 * range, or idata differs from the mode given to init). A chunk that can
 * never be delivered (an ordered message whose SSN/MID was already delivered
 * or skipped, or a second fragment with the same I-DATA MID and FSN) is
 * discarded and 0 returned.
 */
int braid_reasm_add(braid_reasm *r, const braid_data_chunk *c, uint8_t flags, bool idata);

/* Next message in delivery order, or NULL. It stays owned by reasm until
 * braid_reasm_release. */
braid_rx_msg *braid_reasm_peek(braid_reasm *r);
/* Copies up to cap bytes of m starting at read_off into buf and advances
 * read_off. Returns the bytes copied (0 once everything was read). */
size_t braid_rx_msg_read(braid_rx_msg *m, void *buf, size_t cap);
/* Removes the message returned by peek (head of the ready queue) and frees it. */
void braid_reasm_release(braid_reasm *r);

/* Payload bytes held (incomplete + waiting + ready), for a_rwnd (RFC 9260 §6.2). */
size_t braid_reasm_bytes(const braid_reasm *r);
size_t braid_reasm_ready_count(const braid_reasm *r);

/*
 * FORWARD TSN (RFC 3758 §3.6), DATA mode only: drops incomplete fragments
 * with TSN <= new_cum (and fragments left without their first one); then for
 * each (sid, ssn) pair of sid_ssn (2 * n values) delivers that stream's
 * waiting messages with SSN <= ssn, moves its next expected SSN past ssn and
 * delivers what is now in order. Entries with sid out of range are ignored.
 * Returns 0, BRAID_ERR_NOMEM (a listed stream's record could not be
 * allocated; nothing changed), or BRAID_ERR_INVAL in I-DATA mode.
 */
int braid_reasm_forward(braid_reasm *r, uint32_t new_cum, const uint16_t *sid_ssn, size_t n);
/*
 * I-FORWARD-TSN (RFC 8260 §2.3.1), I-DATA mode only: the same with 32-bit
 * MIDs; entry i is (sids[i], unordered[i] != 0, mids[i]) as read by
 * braid_ifwdtsn_entry. For unordered entries, incomplete unordered messages
 * of the stream with MID <= mids[i] are dropped. Returns 0, BRAID_ERR_NOMEM
 * (nothing changed) or BRAID_ERR_INVAL in DATA mode.
 */
int braid_reasm_iforward(braid_reasm *r, uint32_t new_cum, const uint16_t *sids,
                         const uint8_t *unordered, const uint32_t *mids, size_t n);

#endif
