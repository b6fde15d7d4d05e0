/*
 * Application model for the simulator: one sender queuing messages on an
 * association with braid_send and one receiver draining braid_recv and
 * braid_poll_event, checking every message.
 *
 * Message i is fully determined by (seed, i): its size (uniform in
 * [size_min, size_max]), stream (uniform in [0, n_streams)), whether it is
 * unordered (probability `unordered`) and its bytes. The index is carried in
 * the first 8 bytes (big-endian; 4 bytes for messages of 4..7 bytes), the
 * rest is pseudo-random from (seed, i), so the receiver verifies each message
 * without storing what was sent.
 *
 * Verdicts: each message delivered exactly once (duplicates, missing),
 * byte-exact (corrupt: wrong length or bytes; wrong_meta: wrong stream, PPID
 * or unordered flag), and for ordered messages in send order per stream
 * (out_of_order).
 *
 * One traffic object is one direction of one association: the sender's
 * endpoint and the receiver's endpoint must not have their events polled by
 * anybody else (the ticks below consume them).
 */
#ifndef BRAID_TEST_TRAFFIC_H
#define BRAID_TEST_TRAFFIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "braid/braid.h"
#include "node_braid.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TRAFFIC_MIN_MSG 4

typedef struct traffic_config {
    uint64_t seed;        /* content seed */
    uint64_t n_msgs;      /* stop after this many messages (0: no count limit) */
    uint64_t total_bytes; /* stop once this many bytes are queued (0: no limit) */
    size_t size_min;      /* >= TRAFFIC_MIN_MSG */
    size_t size_max;      /* >= size_min */
    uint16_t n_streams;   /* streams used, 0 counts as 1 */
    double unordered;     /* fraction of unordered messages, 0..1 */
    uint32_t ppid;
    bool shutdown; /* braid_shutdown once everything is queued; done then
                    * also waits for SHUTDOWN_COMP on both sides */
} traffic_config;

typedef struct traffic_verdict {
    uint64_t sent_msgs, sent_bytes;           /* accepted by braid_send */
    uint64_t delivered_msgs, delivered_bytes; /* distinct, verified messages */
    uint64_t duplicates, corrupt, wrong_meta, out_of_order;
    uint64_t missing;     /* sent - delivered (filled by traffic_verdict_get) */
    uint64_t send_errors; /* braid_send/braid_shutdown failures other than AGAIN */
    int last_send_error;
    uint64_t send_failed_events, restarts;
    bool tx_up, rx_up;           /* COMM_UP seen on each side */
    bool tx_closed, rx_closed;   /* SHUTDOWN_COMP seen */
    bool comm_lost;              /* COMM_LOST or CANT_STR_ASSOC on either side */
    uint64_t tx_up_at, rx_up_at; /* times of COMM_UP */
    uint64_t last_delivery_at;
    uint64_t closed_at; /* when both sides were closed */
} traffic_verdict;

typedef struct traffic traffic;

/* NULL on bad config (sizes) or allocation failure. */
traffic *traffic_new(const traffic_config *cfg);
void traffic_free(traffic *t);

/* The endpoints and the sender's association (from braid_connect; 0 if it
 * should be taken from the sender's COMM_UP event). */
void traffic_attach(traffic *t, braid_endpoint *sender, braid_assoc_id assoc,
                    braid_endpoint *receiver);

/* Ticks: call from the nodes' on_tick (or use the sim_braid_app_fn adapters). */
void traffic_sender_tick(traffic *t, uint64_t now);
void traffic_receiver_tick(traffic *t, uint64_t now);
void traffic_sender_app(sim_braid_node *n, void *t, uint64_t now);
void traffic_receiver_app(sim_braid_node *n, void *t, uint64_t now);

/* For sim_run: true when everything was queued and delivered (and, with
 * shutdown, both sides closed), or when the association failed. */
bool traffic_done(void *t);

void traffic_verdict_get(const traffic *t, traffic_verdict *v);
/* true when the run passed; otherwise why (one line) in why[cap]. */
bool traffic_ok(const traffic *t, char *why, size_t cap);

/* Message i's properties and bytes (exposed for tests). */
typedef struct traffic_msg {
    size_t size;
    uint16_t sid;
    bool unordered;
} traffic_msg;
traffic_msg traffic_msg_props(const traffic_config *cfg, uint64_t index);
void traffic_msg_fill(const traffic_config *cfg, uint64_t index, uint8_t *buf, size_t size);

#ifdef __cplusplus
}
#endif
#endif
