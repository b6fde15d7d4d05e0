/*
 * Per-path RTO estimation (RFC 9260 §6.3.1) and congestion control
 * (RFC 9260 §7.2) behind a small interface, so other algorithms can be added.
 */
#ifndef BRAID_CC_CC_H
#define BRAID_CC_CC_H

#include <stdbool.h>
#include <stdint.h>

typedef struct braid_rtt {
    uint64_t srtt, rttvar, rto; /* ns */
    uint64_t rto_min, rto_max;
    bool measured;
} braid_rtt;

void braid_rtt_init(braid_rtt *r, uint64_t rto_initial, uint64_t rto_min, uint64_t rto_max);
/* RFC 9260 §6.3.1 C2/C3: a new measurement R. */
void braid_rtt_sample(braid_rtt *r, uint64_t rtt);
/* RFC 9260 §6.3.3 E2: RTO = min(RTO * 2, RTO.max). */
void braid_rtt_backoff(braid_rtt *r);

typedef struct braid_cc {
    uint32_t cwnd, ssthresh, partial_bytes_acked;
    uint32_t mtu;
} braid_cc;

typedef struct braid_cc_ops {
    const char *name;
    void (*init)(braid_cc *c, uint32_t mtu, uint32_t peer_rwnd);
    /* bytes newly acknowledged for this path by one SACK; cum_advanced: the
     * SACK moved the cumulative TSN ack point; flight_before: bytes in flight
     * on the path before the SACK. */
    void (*on_ack)(braid_cc *c, uint32_t bytes, bool cum_advanced, uint32_t flight_before,
                   bool in_fast_recovery);
    void (*on_fast_retransmit)(braid_cc *c);
    void (*on_timeout)(braid_cc *c);
    /* called once per RTO while the path sends no data */
    void (*on_idle)(braid_cc *c);
} braid_cc_ops;

extern const braid_cc_ops braid_cc_rfc9260;

#endif
