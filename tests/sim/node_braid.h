/*
 * A braid_endpoint as a simulator node, with test hooks:
 *   - a counting allocator (live bytes/allocations, peaks; checks the size
 *     given to free; can fail the Nth allocation or every one after N),
 *   - a seeded xoshiro256** generator for the random hook,
 *   - HMAC-SHA256 (OpenSSL) for the cookie MAC hook,
 *   - an optional log sink to stderr, prefixed with the node's name.
 */
#ifndef BRAID_TEST_NODE_BRAID_H
#define BRAID_TEST_NODE_BRAID_H

#include <stdbool.h>
#include <stdint.h>

#include "braid/braid.h"
#include "sim.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sim_alloc {
    uint64_t live_bytes, live_allocs;
    uint64_t peak_bytes, peak_allocs;
    uint64_t total_allocs; /* attempts, failed ones included */
    uint64_t total_bytes;
    uint64_t failed;      /* allocations refused on purpose */
    uint64_t bad_frees;   /* free with a size that differs from the allocation's */
    uint64_t fail_nth;    /* 0: off; else the fail_nth-th attempt (1-based) fails */
    uint64_t fail_after;  /* 0: off; else every attempt after the fail_after-th fails */
    uint64_t limit_bytes; /* 0: off; else allocations that would exceed it fail */
} sim_alloc;

/* The hook functions; user is a sim_alloc *. */
void *sim_alloc_alloc(void *user, size_t size);
void sim_alloc_free(void *user, void *ptr, size_t size);

typedef struct sim_braid_node sim_braid_node;

/* Called on every tick of the node (after each delivery/timer) with now. */
typedef void (*sim_braid_app_fn)(sim_braid_node *n, void *app, uint64_t now);

struct sim_braid_node {
    sim *sim;
    int id; /* sim node id */
    char name[32];
    braid_endpoint *ep; /* NULL after sim_braid_node_close() */
    braid_settings settings;
    braid_hooks hooks;
    sim_alloc mem;
    sim_rng rng;
    bool log; /* engine log lines to stderr */
    sim_braid_app_fn app_fn;
    void *app;
    int last_read_err; /* last negative braid_endpoint_read_pkt() result */
};

/*
 * Creates the node: sets up the hooks, creates the endpoint with settings
 * (local_addrs are the node's addresses in the simulation; at least one is
 * required) and adds it to s. The generator is seeded from the simulation
 * seed and the node's name. Returns 0 or a negative braid_error (*out is
 * NULL then; BRAID_ERR_INVAL if another node owns one of the addresses).
 */
int sim_braid_node_new(sim_braid_node **out, sim *s, const char *name, const braid_settings *st);
/* Same, with the allocator preset (e.g. fail_nth) before braid_endpoint_new. */
int sim_braid_node_new_ex(sim_braid_node **out, sim *s, const char *name, const braid_settings *st,
                          const sim_alloc *mem_preset);

void sim_braid_node_set_app(sim_braid_node *n, sim_braid_app_fn fn, void *app);

/* Frees the endpoint (the node stays in the simulation and ignores
 * packets from now on); n->mem then shows any leak. */
void sim_braid_node_close(sim_braid_node *n);
/* 0 live allocations and no bad frees (call after sim_braid_node_close). */
bool sim_braid_node_mem_ok(const sim_braid_node *n);
/* Closes if needed, detaches the node from the simulation and frees the
 * wrapper. Call before sim_free. */
void sim_braid_node_free(sim_braid_node *n);

#ifdef __cplusplus
}
#endif
#endif
