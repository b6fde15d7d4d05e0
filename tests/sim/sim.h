/*
 * A deterministic network simulator for sans-I/O endpoints.
 *
 * Modelled after ngtcp2's examples/sim and picoquic's sim_link: a virtual
 * clock in nanoseconds, one event heap ordered by (time, insertion sequence),
 * nodes that own addresses, and one-way links between address pairs with
 * delay, rate (serialisation + FIFO queue with tail drop), MTU, loss,
 * duplication, reordering, jitter, blackout windows and a packet filter.
 *
 * Determinism: every random draw comes from a xoshiro256** generator seeded
 * through splitmix64 from the simulation seed (one generator per link, one
 * for the simulation itself); every tie is broken by insertion order. Nothing
 * depends on the wall clock or on the addresses malloc returns, so the same
 * seed gives the same packet bytes at the same virtual times.
 *
 * The event loop, for every event that touches a node (a packet delivered to
 * it, its timer, a scheduled callback, or the start of sim_run):
 *   1. read_pkt (delivery) or handle_expiry (timer),
 *   2. on_tick (the application: send, receive, poll events),
 *   3. write_pkt until it returns 0, each packet put on the link chosen by
 *      (path.local -> path.remote),
 *   4. next_expiry, (re)arming the node's single timer event.
 */
#ifndef BRAID_TEST_SIM_H
#define BRAID_TEST_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "braid/braid.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SIM_MS 1000000ull
#define SIM_US 1000ull
#define SIM_SEC 1000000000ull
#define SIM_MAX_PKT 65536 /* largest packet a node may write */
#define SIM_MAX_BLACKOUTS 4

/* ---- PRNG: xoshiro256** seeded with splitmix64 ---- */

typedef struct sim_rng {
    uint64_t s[4];
} sim_rng;

uint64_t sim_splitmix64(uint64_t *state);
void sim_rng_seed(sim_rng *r, uint64_t seed);
uint64_t sim_rng_next(sim_rng *r);
/* Uniform in [0, 1) with 53 bits. */
double sim_rng_double(sim_rng *r);
/* Uniform in [0, n) (n > 0), without modulo bias. */
uint64_t sim_rng_below(sim_rng *r, uint64_t n);
void sim_rng_bytes(sim_rng *r, uint8_t *out, size_t len);

/* The seed to use: BRAID_SIM_SEED from the environment when set (decimal or
 * 0x hex), else dflt. */
uint64_t sim_seed(uint64_t dflt);
/* Prints "replay with BRAID_SIM_SEED=N" to stderr. */
void sim_print_replay(uint64_t seed);

/* ---- nodes ---- */

typedef struct sim_node_ops {
    /* A packet arrived; path->local is the receiving address, path->remote the
     * sender's. The return value is only counted (negative: rx_errors). */
    int (*read_pkt)(void *node, const braid_path *path, const uint8_t *pkt, size_t len,
                    uint64_t now);
    /* The next packet to send: its length, 0 when none, negative on error. */
    int (*write_pkt)(void *node, braid_path *path, uint8_t *buf, size_t cap, uint64_t now);
    /* The earliest timer deadline, BRAID_TIME_NEVER when none. */
    uint64_t (*next_expiry)(void *node);
    void (*handle_expiry)(void *node, uint64_t now);
    /* Application hook after every delivery/timer/callback; may be NULL. */
    void (*on_tick)(void *node, uint64_t now);
} sim_node_ops;

typedef struct sim_node_stats {
    uint64_t rx_pkts, rx_bytes, rx_errors; /* rx_errors: read_pkt returned < 0 */
    uint64_t tx_pkts, tx_bytes, tx_errors; /* tx_errors: write_pkt returned < 0 */
    uint64_t unroutable;                   /* written to an address no link serves */
    uint64_t timer_fires;
} sim_node_stats;

/* ---- links ---- */

typedef struct sim_link sim_link;

/* Returns true to drop the packet. */
typedef bool (*sim_filter_fn)(void *user, const uint8_t *pkt, size_t len, uint64_t now);

typedef struct sim_window {
    uint64_t start, end; /* [start, end) */
} sim_window;

/*
 * A packet's fate on a link, in this order (four random draws per packet
 * whatever happens, so one packet's fate never shifts the next ones' draws):
 *   offered inside a blackout window -> blackout_drops
 *   longer than mtu                  -> mtu_drops
 *   filter returns true              -> filtered
 *   queue full (rate_bps only)       -> queue_drops; else serialised after
 *                                       the packets before it
 *   loss                             -> lost (it used link capacity)
 *   would arrive inside a blackout   -> blackout_drops
 *   arrival = departure + delay + jitter, never before the previous FIFO
 *   packet; with probability reorder + reorder_delay_ns instead (and no FIFO
 *   clamp) -> reordered; with probability dup a second copy arrives right
 *   after the first -> duplicated.
 */
typedef struct sim_link_config {
    uint64_t delay_ns;  /* one-way propagation delay */
    uint64_t rate_bps;  /* 0: unlimited (no serialisation, no queue) */
    size_t queue_bytes; /* bytes accepted but not yet serialised (incl. the one on
                         * the wire); a packet that does not fit is tail-dropped.
                         * 0: unlimited. Only with rate_bps. */
    size_t overhead;    /* bytes added to each packet for rate and queue
                         * accounting (e.g. 28 for IPv4 + UDP); not for mtu */
    size_t mtu;         /* largest packet (as written by the node) that passes;
                         * 0: unlimited */
    double loss;        /* probability a packet is lost (after the queue) */
    double dup;         /* probability a delivered packet arrives twice */
    double reorder;     /* probability a packet is held reorder_delay_ns longer */
    uint64_t reorder_delay_ns;
    uint64_t jitter_ns;                     /* uniform extra delay in [0, jitter_ns]; FIFO kept */
    sim_window blackout[SIM_MAX_BLACKOUTS]; /* nothing in or out during these */
    unsigned n_blackouts;
    sim_filter_fn filter; /* may be NULL */
    void *filter_user;
} sim_link_config;

typedef struct sim_link_stats {
    uint64_t sent;        /* offered to the link (every packet, whatever its fate) */
    uint64_t delivered;   /* handed to the receiving node, duplicates included */
    uint64_t lost;        /* random loss */
    uint64_t duplicated;  /* extra copies made */
    uint64_t reordered;   /* packets given the reorder delay */
    uint64_t queue_drops; /* tail drops */
    uint64_t mtu_drops;
    uint64_t filtered; /* dropped by the filter hook */
    uint64_t blackout_drops;
    uint64_t unroutable; /* no node owns the destination address */
    uint64_t bytes_sent, bytes_delivered;
    size_t max_queue; /* largest backlog seen, bytes (incl. overhead) */
} sim_link_stats;

/* ---- the simulation ---- */

typedef struct sim sim;

typedef enum sim_stop {
    SIM_STOP_DONE = 0, /* done() returned true */
    SIM_STOP_UNTIL,    /* the next event lies past until_ns (clock set to until_ns) */
    SIM_STOP_IDLE,     /* no events left */
    SIM_STOP_LIVELOCK, /* too many events at one instant (a timer that never moves) */
} sim_stop;

const char *sim_stop_name(sim_stop why);

/* NULL on allocation failure. seed feeds every generator (see sim_seed()). */
sim *sim_new(uint64_t seed);
/* Frees the simulation and every packet still in flight; nodes' contexts are
 * the caller's. */
void sim_free(sim *s);

uint64_t sim_now(const sim *s);
uint64_t sim_get_seed(const sim *s);
/* The simulation's generator, for applications. */
sim_rng *sim_get_rng(sim *s);
/* A seed derived from the simulation seed and a tag (for node generators). */
uint64_t sim_derive_seed(const sim *s, uint64_t tag);

/* Adds a node; returns its id (>= 0) or a negative braid_error. ctx is passed
 * to every op. */
int sim_add_node(sim *s, const sim_node_ops *ops, void *ctx);
/* Gives a node an address; BRAID_ERR_INVAL if another node owns it,
 * BRAID_ERR_LIMIT past BRAID_MAX_ADDRS. */
int sim_node_add_addr(sim *s, int node, const braid_addr *addr);
const sim_node_stats *sim_node_get_stats(const sim *s, int node);
/* Makes a node inert: no more calls into ctx, its addresses are released
 * (packets to them count as unroutable), its timer is cancelled. The id stays
 * taken. For freeing a node's context before sim_free. */
void sim_node_detach(sim *s, int node);
/* Runs steps 2-4 above for a node now (e.g. after the caller queued data
 * from outside the event loop). */
void sim_kick(sim *s, int node);

/* A one-way link from -> to. NULL if one already exists for that pair or on
 * allocation failure. Addresses match on family, IP and UDP port. cfg may be
 * NULL (a perfect link with no delay). */
sim_link *sim_add_link(sim *s, const braid_addr *from, const braid_addr *to,
                       const sim_link_config *cfg);
/* The same config both ways; returns 0 or BRAID_ERR_NOMEM/INVAL. */
int sim_add_link_pair(sim *s, const braid_addr *a, const braid_addr *b, const sim_link_config *cfg,
                      sim_link **ab, sim_link **ba);
sim_link *sim_find_link(const sim *s, const braid_addr *from, const braid_addr *to);
/* Replaces the config from now on (packets in flight keep their fate). */
void sim_link_set_config(sim_link *l, const sim_link_config *cfg);
const sim_link_config *sim_link_get_config(const sim_link *l);
const sim_link_stats *sim_link_get_stats(const sim_link *l);
unsigned sim_link_count(const sim *s);
sim_link *sim_link_at(const sim *s, unsigned i);
const braid_addr *sim_link_from(const sim_link *l);
const braid_addr *sim_link_to(const sim_link *l);

/* Packets written to an address no link serves, over all nodes. */
uint64_t sim_unroutable(const sim *s);

/* Calls fn(arg, now) at time at (>= now), then runs steps 2-4 for every node. */
int sim_schedule(sim *s, uint64_t at, void (*fn)(void *arg, uint64_t now), void *arg);

/* Writes every packet as it is put on a link (before the link decides its
 * fate), time-stamped with virtual time, as UDP (RFC 6951) frames with the
 * addresses' ports. Returns 0 or a negative errno. NULL closes. */
int sim_set_pcap(sim *s, const char *path);

/* Trace of packet fates, for debugging and determinism checks. */
typedef enum sim_trace_kind {
    SIM_TR_SEND = 0, /* offered to a link */
    SIM_TR_DELIVER,
    SIM_TR_LOST,
    SIM_TR_QUEUE_DROP,
    SIM_TR_MTU_DROP,
    SIM_TR_FILTERED,
    SIM_TR_BLACKOUT,
    SIM_TR_UNROUTABLE,
} sim_trace_kind;
const char *sim_trace_kind_name(sim_trace_kind k);
typedef void (*sim_trace_fn)(void *user, uint64_t now, sim_trace_kind kind, const braid_addr *from,
                             const braid_addr *to, const uint8_t *pkt, size_t len);
void sim_set_trace(sim *s, sim_trace_fn fn, void *user);

/* FNV-1a over (time, link, bytes) of every delivery so far: equal for equal
 * runs. */
uint64_t sim_delivery_hash(const sim *s);

/* Runs events until done(arg) returns true (checked before each event; done
 * may be NULL), the next event lies past until_ns, no events remain, or a
 * livelock is detected. Events at exactly until_ns are run. */
sim_stop sim_run(sim *s, uint64_t until_ns, bool (*done)(void *arg), void *arg);

/* ---- filters ---- */

/* State for sim_filter_chunk: drops the first `count` packets that contain a
 * chunk of type `type` (e.g. BRAID_CHUNK_COOKIE_ECHO), passes everything else.
 *   sim_chunk_filter f = sim_filter_drop_first_chunk(BRAID_CHUNK_COOKIE_ECHO, 1);
 *   cfg.filter = sim_filter_chunk; cfg.filter_user = &f;
 */
typedef struct sim_chunk_filter {
    uint8_t type;
    uint64_t count;   /* how many to drop */
    uint64_t seen;    /* packets with the chunk seen */
    uint64_t dropped; /* of which dropped */
} sim_chunk_filter;

sim_chunk_filter sim_filter_drop_first_chunk(uint8_t type, uint64_t count);
bool sim_filter_chunk(void *user, const uint8_t *pkt, size_t len, uint64_t now);
/* 1 if pkt (an SCTP packet) holds a chunk of that type, parsing as far as the
 * chunks are well formed. */
bool sim_pkt_has_chunk(const uint8_t *pkt, size_t len, uint8_t type);

/* ---- addresses ---- */

/* IPv4 a.b.c.d with a UDP port. */
braid_addr sim_addr4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t udp_port);
bool sim_addr_eq(const braid_addr *x, const braid_addr *y);
/* "10.0.0.1:9899" into buf (at least 64 bytes). */
const char *sim_addr_str(const braid_addr *a, char *buf, size_t cap);

#ifdef __cplusplus
}
#endif
#endif
