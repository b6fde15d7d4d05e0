/*
 * Send side of an association: user messages waiting to be sent, and the
 * DATA chunks outstanding (sent, not yet covered by the cumulative TSN ack).
 *
 * Outstanding chunks have consecutive TSNs, so they live in a ring indexed by
 * TSN: lookup is O(1), the cumulative ack pops from the front, and a SACK
 * costs O(gap blocks + chunks whose state changes) — never a scan of the
 * whole window. Gap blocks already applied by the previous SACK are skipped
 * by comparing with it.
 *
 * User data is copied once into a message; DATA chunks reference slices of
 * it, and the packet builder copies each slice once into the packet.
 */
#ifndef BRAID_TX_OUTQ_H
#define BRAID_TX_OUTQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "braid/braid.h"
#include "core/util/mem.h"

typedef struct braid_tx_msg {
    struct braid_tx_msg *next; /* send queue */
    uint32_t refs;             /* 1 while queued + chunks outstanding */
    uint16_t sid;
    uint16_t ssn;
    uint32_t mid;
    uint32_t ppid;
    uint32_t flags;   /* BRAID_SEND_* */
    uint32_t context;
    uint32_t len;
    uint32_t chunked; /* bytes already cut into DATA chunks */
    uint64_t lifetime_ns; /* as asked for (RFC 6458 §5.3.2 sinfo_timetolive); 0: none */
    uint64_t expires_at;  /* queued at + lifetime; BRAID_TIME_NEVER: never */
    uint8_t data[];
} braid_tx_msg;

enum {
    BRAID_TXC_FREE = 0,
    BRAID_TXC_INFLIGHT, /* sent, counted in the path's flight */
    BRAID_TXC_ACKED,    /* covered by a gap ack block */
    BRAID_TXC_RTX,      /* marked for retransmission (not in flight) */
};

typedef struct braid_tx_chunk {
    braid_tx_msg *msg;
    uint32_t off;
    uint16_t len;
    uint8_t flags; /* DATA B/E/U */
    uint8_t state;
    uint8_t dest;
    uint8_t nsent; /* transmissions so far */
    uint8_t miss;  /* miss indications, RFC 9260 §7.2.4 */
    bool fast_rtx; /* marked by fast retransmit (once per chunk) */
    uint64_t sent_at;
} braid_tx_chunk;

#define BRAID_OUTQ_MAX_DESTS 8
#define BRAID_OUTQ_MAX_GAPS 256

typedef struct braid_outq {
    braid_mem mem;
    braid_tx_msg *head, *tail; /* messages with bytes not yet chunked */
    uint32_t n_queued_msgs;
    size_t queued_bytes;   /* not yet chunked */
    size_t buffered_bytes; /* all message bytes held (for the send buffer limit) */
    uint64_t expiry_at;    /* no queued message with nothing cut expires before this
                            * (it may be early: braid_outq_expire makes it exact);
                            * BRAID_TIME_NEVER: none has a lifetime */
    /* outstanding ring: TSNs [base, next) */
    braid_tx_chunk *ring;
    uint32_t cap; /* power of two */
    uint32_t base, next;
    uint32_t inflight_bytes;
    uint32_t dest_flight[BRAID_OUTQ_MAX_DESTS]; /* bytes in flight per destination */
    uint32_t inflight_chunks;
    uint32_t n_rtx; /* chunks in state RTX */
    uint32_t rtx_hint; /* no RTX chunk below this TSN */
    /* streams */
    uint16_t n_streams;
    uint16_t ssn_cap; /* entries allocated in ssn_next */
    uint16_t *ssn_next;
    /* the gap blocks of the last SACK, as absolute TSN ranges */
    uint32_t prev_gaps[2 * BRAID_OUTQ_MAX_GAPS];
    uint32_t n_prev_gaps;
} braid_outq;

int braid_outq_init(braid_outq *q, const braid_mem *mem, uint16_t n_streams, uint32_t initial_tsn);
/* Frees everything; queued and outstanding messages are handed to cb first
 * (for SEND_FAILED events) when cb is not NULL. */
void braid_outq_free(braid_outq *q, void (*cb)(void *arg, const braid_tx_msg *m, bool sent),
                     void *arg);

/* Lowers the stream count once negotiated (RFC 9260 §5.1.1): queued
 * messages on streams >= n are removed and handed to cb. */
void braid_outq_limit_streams(braid_outq *q, uint16_t n,
                              void (*cb)(void *arg, const braid_tx_msg *m, bool sent), void *arg);

/* Queues a message (copies data) at now; info->lifetime_ns sets when it
 * expires. BRAID_ERR_NOMEM. */
int braid_outq_push(braid_outq *q, const braid_send_info *info, const void *data, size_t len,
                    uint64_t now);

/* Message lifetime (RFC 6458 §5.3.2 sinfo_timetolive) without PR-SCTP:
 * queued messages whose lifetime has passed by now and of which nothing was
 * cut into a DATA chunk yet are removed and handed to cb (sent false); a
 * message already (partly) sent stays reliable (RFC 3758 is not negotiated,
 * so no FORWARD TSN could tell the peer to skip it). Returns how many were
 * removed; q->expiry_at is exact afterwards. */
unsigned braid_outq_expire(braid_outq *q, uint64_t now,
                           void (*cb)(void *arg, const braid_tx_msg *m, bool sent), void *arg);

/* Cuts the next DATA chunk of at most max_payload bytes from the queue and
 * appends it to the outstanding ring with the next TSN. NULL when nothing is
 * queued or memory ran out (*err set). */
braid_tx_chunk *braid_outq_cut(braid_outq *q, size_t max_payload, uint32_t *tsn, int *err);
/* Size of the next chunk braid_outq_cut would produce (0 when empty). */
size_t braid_outq_peek_len(const braid_outq *q, size_t max_payload);

static inline braid_tx_chunk *braid_outq_at(const braid_outq *q, uint32_t tsn)
{
    return &q->ring[tsn & (q->cap - 1)];
}
static inline uint32_t braid_outq_outstanding(const braid_outq *q) { return q->next - q->base; }

/* Marks a chunk sent on dest at now (counts it in flight). */
void braid_outq_on_sent(braid_outq *q, braid_tx_chunk *c, unsigned dest, uint64_t now);

/* Lowest TSN marked for retransmission, or NULL. */
braid_tx_chunk *braid_outq_next_rtx(braid_outq *q, uint32_t *tsn);

typedef struct braid_sack_result {
    bool cum_advanced;
    uint32_t acked_bytes[BRAID_OUTQ_MAX_DESTS];   /* newly acknowledged, in flight before */
    uint32_t flight_before[BRAID_OUTQ_MAX_DESTS]; /* filled by the caller */
    uint32_t n_fast_rtx;                           /* chunks newly marked by fast retransmit */
    uint32_t highest_newly_acked;
    bool any_newly_acked;
    int rtt_dest; /* -1 when no RTT sample (Karn) */
    uint64_t rtt_sent_at;
    uint32_t msgs_done;
} braid_sack_result;

/*
 * Applies a SACK (RFC 9260 §6.2.1, §7.2.4). gaps holds n_gaps (start, end)
 * offsets from cum, in any order, possibly overlapping (sorted and merged
 * here). Returns 0, 1 if the SACK is older than the current cumulative ack
 * (ignored, §6.2.1 D i), or BRAID_ERR_INVAL when it acknowledges a TSN never
 * sent (a protocol violation, §12.4) or a block has start 0 or start > end.
 */
int braid_outq_sack(braid_outq *q, uint32_t cum, const uint16_t *gaps, size_t n_gaps,
                    bool in_fast_recovery, braid_sack_result *res);

/* T3-rtx expiry on dest (RFC 9260 §6.3.3 E3): marks its chunks for
 * retransmission; returns the bytes taken out of flight. */
uint32_t braid_outq_mark_dest(braid_outq *q, unsigned dest);
/* Bytes in flight on dest (kept up to date, O(1)). */
uint32_t braid_outq_flight_of(const braid_outq *q, unsigned dest);

#endif
