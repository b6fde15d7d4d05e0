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
 * Partial delivery (RFC 9260 §6.9; RFC 6458 §8.1.21 partial delivery point,
 * §8.1.20 fragment interleave level 0, §6.1.7 partial delivery event): a
 * message that is unordered or next in its stream's order, and whose
 * fragments from the first (B) one on are contiguous, can be handed out
 * before it is complete: once that contiguous length reaches the partial
 * delivery point, or under pressure (the receive buffer is full and nothing
 * else can be read). Its contiguous fragments then leave the pending list,
 * become the message's chain and the message joins the ready queue;
 * fragments that continue it are appended as they arrive. At most one message
 * is under partial delivery at a time, and nothing queued behind it is handed
 * out until it has been read to its end (interleave level 0). Starting or
 * continuing a partial delivery never allocates.
 *
 * Reading frees each fragment as soon as it has been copied out, so
 * braid_reasm_bytes (the advertised window) drops while the user reads.
 *
 * Streams are found through a two-level table (<= 256 leaf pointers, leaves
 * of <= 256 stream pointers) whose leaves and stream records are allocated
 * on first use, so a peer offering 65535 streams costs at most 2 KiB up front.
 *
 * Cost: a chunk arriving in order on its stream is O(1) (plus one pass over
 * a message's fragments when it completes); an out-of-order chunk walks that
 * stream's pending fragments once. FORWARD TSN walks everything pending, and
 * so does the search for a message to deliver partially when pressure is
 * signalled while no partial delivery is running.
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
struct braid_reasm;

/* A message ready for the user: complete, or under partial delivery. For
 * DATA, mid == ssn; for I-DATA, ssn is the low 16 bits of mid. */
typedef struct braid_rx_msg braid_rx_msg;
struct braid_rx_msg {
    braid_rx_msg *next;
    uint16_t sid;
    uint16_t ssn;
    uint32_t mid;
    uint32_t ppid;
    uint32_t tsn; /* of the first fragment */
    bool unordered;
    /* under partial delivery and its last fragment has not arrived: more
     * bytes will follow (len grows) */
    bool partial;
    size_t len;      /* payload bytes received so far (the total once !partial) */
    size_t read_off; /* bytes already copied out */
    /* private: the fragment chain (the B fragment, which holds this header,
     * then the fragments not read yet), its last fragment, the read cursor
     * and the owner (reading frees fragments) */
    braid_rx_frag *frags_;
    braid_rx_frag *last_;
    braid_rx_frag *rd_frag_;
    size_t rd_pos_;
    struct braid_reasm *reasm_;
};

/* Must not be moved while it holds messages (they point back to it). */
typedef struct braid_reasm {
    braid_mem mem;
    bool idata;
    uint16_t n_streams;
    braid_rx_stream ***leaves; /* (n_streams + 255) / 256 leaf pointers */
    size_t n_leaves;
    braid_rx_stream *streams; /* every stream record allocated so far */
    braid_rx_msg *ready_head, *ready_tail;
    size_t ready_count;
    size_t bytes;  /* payload bytes held and not yet read */
    size_t charge; /* the same, each chunk counted as at least BRAID_RX_MIN_CHARGE */
    /* partial delivery */
    size_t pd_point;  /* 0: only under pressure */
    bool pressure;    /* as last signalled by braid_reasm_pressure */
    bool pd_aborted;  /* a partial delivery was aborted and not yet reported */
    braid_rx_msg *pd; /* the message under partial delivery (in the ready queue) */
    braid_rx_stream *pd_s;
    uint32_t pd_last_tsn, pd_last_fsn; /* of its last fragment so far */
    /* streams where a message became eligible while pd was busy */
    braid_rx_stream *pd_dirty;
} braid_reasm;

/* idata: I-DATA was negotiated (RFC 8260 §2.2.1). Allocates only the leaf
 * pointer table. Returns 0 or BRAID_ERR_NOMEM. */
int braid_reasm_init(braid_reasm *r, const braid_mem *mem, uint16_t n_in_streams, bool idata);
/* Frees everything held, including messages not yet released. If a message
 * under partial delivery had not been read to its end, braid_reasm_pd_aborted
 * then returns true (RFC 6458 §6.1.7: the association ended under it). */
void braid_reasm_free(braid_reasm *r);

/*
 * Takes one DATA / I-DATA chunk (flags = chunk flags: B/E/U from chunk.h) and
 * copies its payload. The caller has already dropped duplicate TSNs (tsnmap)
 * and checked sid < n_in_streams. Returns 0, BRAID_ERR_NOMEM (nothing
 * changed: treat the chunk as not received), or BRAID_ERR_INVAL (sid out of
 * range, or idata differs from the mode given to init). A chunk that can
 * never be delivered (an ordered message whose SSN/MID was already delivered
 * or skipped, or a second fragment with the same I-DATA MID and FSN) is
 * discarded and 0 returned. A chunk that continues the message under partial
 * delivery is appended to it, with the fragments held behind it that are now
 * contiguous.
 */
int braid_reasm_add(braid_reasm *r, const braid_data_chunk *c, uint8_t flags, bool idata);

/* Next message in delivery order, or NULL. While the head of the ready queue
 * is a partial message with nothing left to read, NULL: nothing behind it is
 * handed out before it ends (RFC 6458 §8.1.20, interleave level 0). It stays
 * owned by reasm until braid_reasm_release. */
braid_rx_msg *braid_reasm_peek(braid_reasm *r);
/* peek would return a message (for readiness queries). */
bool braid_reasm_readable(const braid_reasm *r);
/* Copies up to cap bytes of m starting at read_off into buf and advances
 * read_off; a fragment copied out to its end is freed at once (so
 * braid_reasm_bytes drops). Returns the bytes copied (0 when nothing more is
 * available now). */
size_t braid_rx_msg_read(braid_rx_msg *m, void *buf, size_t cap);
/* The same bytes braid_rx_msg_read would copy, left in place (MSG_PEEK). */
size_t braid_rx_msg_peek(const braid_rx_msg *m, void *buf, size_t cap);
/* True once m is complete and all of it has been read: the read that got
 * here returned its last piece (end of record). */
bool braid_rx_msg_done(const braid_rx_msg *m);
/* Removes the message returned by peek (head of the ready queue) and frees
 * it, with any bytes not read. A message that is still partial (its last
 * fragment has not arrived) is not removed: the call does nothing then. */
void braid_reasm_release(braid_reasm *r);

/* Payload bytes held and not yet read (incomplete + waiting + ready), for
 * a_rwnd (RFC 9260 §6.2). */
size_t braid_reasm_bytes(const braid_reasm *r);

/* What a held chunk costs against the receive buffer: its payload, but at
 * least BRAID_RX_MIN_CHARGE bytes, since each one also holds a fragment
 * record and an allocation. A peer sending 1-byte chunks would otherwise
 * make the memory held per byte of window ~100 times larger. Chunks of
 * this size or more (all full-sized ones) cost exactly their payload, as
 * the sender counts them (RFC 9260 §6.2.1). */
#define BRAID_RX_MIN_CHARGE 256
static inline size_t braid_rx_chunk_charge(size_t payload_len)
{
    return payload_len > BRAID_RX_MIN_CHARGE ? payload_len : BRAID_RX_MIN_CHARGE;
}
/* Sum of braid_rx_chunk_charge over the chunks held (fragments not read
 * yet): what the receive window is computed from. */
size_t braid_reasm_charge(const braid_reasm *r);
/* Messages in the ready queue, including one under partial delivery. */
size_t braid_reasm_ready_count(const braid_reasm *r);

/*
 * Partial delivery point (RFC 6458 §8.1.21): a message is delivered
 * partially once at least this many bytes of it, from its first fragment on,
 * are contiguous while it is still incomplete (so it is longer than bytes: a
 * message of at most bytes is never split by this rule). 0 (the default):
 * only under pressure.
 */
void braid_reasm_set_pd_point(braid_reasm *r, size_t bytes);
/*
 * full: the caller's receive buffer is full (it cannot take another chunk)
 * and nothing can be read to free it; !full: no longer. While full, the
 * oldest eligible message (lowest first TSN) is delivered partially with any
 * contiguous length, even below the partial delivery point: nothing else can
 * make progress (RFC 9260 §6.9: the receiver "SHOULD dispatch part of its
 * inbound message through a partial delivery API ... freeing some of its
 * receive buffer space so that the rest of the message can be received").
 */
void braid_reasm_pressure(braid_reasm *r, bool full);
/*
 * True if c (flags: its chunk flags) is the next fragment of the message
 * under partial delivery and everything received of that message has been
 * read. Such a chunk should be accepted even when the window is closed: the
 * window may be full of messages queued behind this one, which only its
 * completion can free. This lets at most one chunk past the window until the
 * user reads it.
 */
bool braid_reasm_pd_needs(const braid_reasm *r, const braid_data_chunk *c, uint8_t flags,
                          bool idata);
/* The association ended while a message was under partial delivery and
 * incomplete: it can never complete, so it is dropped (its partial delivery
 * is aborted) and what is queued behind it becomes readable. */
void braid_reasm_abort_pd(braid_reasm *r);
/* True once after a partial delivery was aborted (FORWARD TSN skipped the
 * rest of the message, braid_reasm_abort_pd, or braid_reasm_free ended it):
 * the caller reports SCTP_PARTIAL_DELIVERY_ABORTED (RFC 6458 §6.1.7). */
bool braid_reasm_pd_aborted(braid_reasm *r);

/*
 * FORWARD TSN (RFC 3758 §3.6), DATA mode only: drops incomplete fragments
 * with TSN <= new_cum (and fragments left without their first one); then for
 * each (sid, ssn) pair of sid_ssn (2 * n values) delivers that stream's
 * waiting messages with SSN <= ssn, moves its next expected SSN past ssn and
 * delivers what is now in order. Entries with sid out of range are ignored.
 * A partial message whose next missing TSN is <= new_cum, or (ordered) whose
 * stream is listed with its SSN or a later one, is dropped: its partial
 * delivery is aborted (braid_reasm_pd_aborted). Returns 0, BRAID_ERR_NOMEM
 * (a listed stream's record could not be allocated; nothing changed), or
 * BRAID_ERR_INVAL in I-DATA mode.
 */
int braid_reasm_forward(braid_reasm *r, uint32_t new_cum, const uint16_t *sid_ssn, size_t n);
/*
 * I-FORWARD-TSN (RFC 8260 §2.3.1), I-DATA mode only: the same with 32-bit
 * MIDs; entry i is (sids[i], unordered[i] != 0, mids[i]) as read by
 * braid_ifwdtsn_entry. For unordered entries, incomplete unordered messages
 * of the stream with MID <= mids[i] are dropped. A partial message is
 * aborted when an entry of its stream and kind lists its MID or a later one;
 * its fragments are exempt from the drop by TSN (fragments of one I-DATA
 * message need not have consecutive TSNs, so new_cum passing some of them
 * does not mean it was abandoned). Returns 0, BRAID_ERR_NOMEM (nothing
 * changed) or BRAID_ERR_INVAL in DATA mode.
 */
int braid_reasm_iforward(braid_reasm *r, uint32_t new_cum, const uint16_t *sids,
                         const uint8_t *unordered, const uint32_t *mids, size_t n);

#endif
