/*
 * RTO calculation (RFC 9260 §6.3.1) and the RFC 9260 §7.2 congestion
 * control: slow start, congestion avoidance with partial_bytes_acked, and
 * the reactions to fast retransmit and T3-rtx expiry.
 */
#include "cc.h"

void braid_rtt_init(braid_rtt *r, uint64_t rto_initial, uint64_t rto_min, uint64_t rto_max)
{
    r->srtt = r->rttvar = 0;
    r->rto = rto_initial; /* RFC 9260 §6.3.1 C1 */
    r->rto_min = rto_min;
    r->rto_max = rto_max;
    r->measured = false;
}

static void rto_clamp(braid_rtt *r)
{
    if (r->rto < r->rto_min) /* RFC 9260 §6.3.1 C6 */
        r->rto = r->rto_min;
    if (r->rto > r->rto_max) /* C7 */
        r->rto = r->rto_max;
}

void braid_rtt_sample(braid_rtt *r, uint64_t rtt)
{
    if (!r->measured) {
        /* RFC 9260 §6.3.1 C2: SRTT = R, RTTVAR = R/2 */
        r->srtt = rtt;
        r->rttvar = rtt / 2;
        r->measured = true;
    } else {
        /* C3: RTO.Alpha = 1/8, RTO.Beta = 1/4 */
        uint64_t diff = r->srtt > rtt ? r->srtt - rtt : rtt - r->srtt;
        r->rttvar = r->rttvar - r->rttvar / 4 + diff / 4;
        r->srtt = r->srtt - r->srtt / 8 + rtt / 8;
    }
    /* G1: RTTVAR of 0 is replaced by the clock granularity (1 ms here). */
    if (r->rttvar == 0)
        r->rttvar = 1000000;
    r->rto = r->srtt + 4 * r->rttvar;
    rto_clamp(r);
}

void braid_rtt_backoff(braid_rtt *r)
{
    r->rto = r->rto > r->rto_max / 2 ? r->rto_max : r->rto * 2; /* §6.3.3 E2 */
    rto_clamp(r);
}

static uint32_t max32(uint32_t a, uint32_t b) { return a > b ? a : b; }
static uint32_t min32(uint32_t a, uint32_t b) { return a < b ? a : b; }

static void rfc_init(braid_cc *c, uint32_t mtu, uint32_t peer_rwnd)
{
    c->mtu = mtu;
    /* RFC 9260 §7.2.1: initial cwnd = min(4*MTU, max(2*MTU, 4404)) */
    c->cwnd = min32(4 * mtu, max32(2 * mtu, 4404));
    /* ssthresh MAY be arbitrarily high, e.g. the peer's rwnd */
    c->ssthresh = peer_rwnd ? peer_rwnd : UINT32_MAX / 2;
    c->partial_bytes_acked = 0;
}

static void rfc_on_ack(braid_cc *c, uint32_t bytes, bool cum_advanced, uint32_t flight_before,
                       bool in_fast_recovery)
{
    if (bytes == 0 || in_fast_recovery) /* §7.2.1, §7.2.4: no growth in fast recovery */
        return;
    if (c->cwnd <= c->ssthresh) {
        /* §7.2.1 slow start: only when the cum ack advances and the window
         * was fully used; at most one MTU per SACK. */
        if (cum_advanced && flight_before >= c->cwnd)
            c->cwnd += min32(bytes, c->mtu);
        return;
    }
    /* §7.2.2 congestion avoidance */
    c->partial_bytes_acked += bytes;
    if (c->partial_bytes_acked >= c->cwnd && flight_before >= c->cwnd) {
        c->partial_bytes_acked -= c->cwnd;
        c->cwnd += c->mtu;
    }
}

static void rfc_on_fast_retransmit(braid_cc *c)
{
    /* §7.2.3 */
    c->ssthresh = max32(c->cwnd / 2, 4 * c->mtu);
    c->cwnd = c->ssthresh;
    c->partial_bytes_acked = 0;
}

static void rfc_on_timeout(braid_cc *c)
{
    /* §7.2.3: ssthresh = max(cwnd/2, 4*MTU), cwnd = 1*MTU */
    c->ssthresh = max32(c->cwnd / 2, 4 * c->mtu);
    c->cwnd = c->mtu;
    c->partial_bytes_acked = 0;
}

static void rfc_on_idle(braid_cc *c)
{
    /* §7.2.1: an idle destination's cwnd decays to max(cwnd/2, 4*MTU) per RTO */
    c->cwnd = max32(c->cwnd / 2, 4 * c->mtu);
}

const braid_cc_ops braid_cc_rfc9260 = {"rfc9260", rfc_init, rfc_on_ack, rfc_on_fast_retransmit,
                                       rfc_on_timeout, rfc_on_idle};
