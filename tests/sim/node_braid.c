/*
 * A braid_endpoint as a simulator node, and the test hooks it runs with.
 */
#include "node_braid.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

/* ---- counting allocator ---- */

#define ALLOC_MAGIC 0xb7a1dc0ffee5a11cull

/* Each block starts with its size, so a free with the wrong size is caught. */
typedef union alloc_hdr {
    max_align_t align;
    struct {
        size_t size;
        uint64_t magic;
    } h;
} alloc_hdr;

void *sim_alloc_alloc(void *user, size_t size)
{
    sim_alloc *m = user;
    uint64_t nth = ++m->total_allocs;
    if ((m->fail_nth && nth == m->fail_nth) || (m->fail_after && nth > m->fail_after) ||
        (m->limit_bytes && m->live_bytes + size > m->limit_bytes) ||
        size > SIZE_MAX - sizeof(alloc_hdr)) {
        m->failed++;
        return NULL;
    }
    alloc_hdr *h = malloc(sizeof *h + size);
    if (!h)
        return NULL;
    h->h.size = size;
    h->h.magic = ALLOC_MAGIC;
    m->total_bytes += size;
    m->live_bytes += size;
    m->live_allocs++;
    if (m->live_bytes > m->peak_bytes)
        m->peak_bytes = m->live_bytes;
    if (m->live_allocs > m->peak_allocs)
        m->peak_allocs = m->live_allocs;
    return h + 1;
}

void sim_alloc_free(void *user, void *ptr, size_t size)
{
    sim_alloc *m = user;
    if (!ptr)
        return;
    alloc_hdr *h = (alloc_hdr *)ptr - 1;
    if (h->h.magic != ALLOC_MAGIC) {
        /* Not ours (or freed twice): do not touch it. */
        m->bad_frees++;
        fprintf(stderr, "sim_alloc: free of a block it did not allocate (%p)\n", ptr);
        return;
    }
    if (h->h.size != size) {
        m->bad_frees++;
        fprintf(stderr, "sim_alloc: free of a %zu-byte block with size %zu\n", h->h.size, size);
    }
    m->live_bytes -= h->h.size;
    m->live_allocs--;
    h->h.magic = 0;
    free(h);
}

/* ---- random and MAC hooks ---- */

static void rand_hook(void *user, uint8_t *out, size_t len)
{
    sim_braid_node *n = user;
    sim_rng_bytes(&n->rng, out, len);
}

static void mac_hook(void *user, const uint8_t key[32], const uint8_t *data, size_t len,
                     uint8_t out[32])
{
    (void)user;
    unsigned int out_len = 32;
    if (!HMAC(EVP_sha256(), key, 32, data, len, out, &out_len))
        memset(out, 0, 32);
}

static void log_hook(void *user, const char *line)
{
    sim_braid_node *n = user;
    if (n->log)
        fprintf(stderr, "[%.3f ms %s] %s\n", (double)sim_now(n->sim) / 1e6, n->name, line);
}

static void *alloc_hook(void *user, size_t size)
{
    sim_braid_node *n = user;
    return sim_alloc_alloc(&n->mem, size);
}

static void free_hook(void *user, void *ptr, size_t size)
{
    sim_braid_node *n = user;
    sim_alloc_free(&n->mem, ptr, size);
}

/* ---- node ops ---- */

static int op_read(void *ctx, const braid_path *path, const uint8_t *pkt, size_t len, uint64_t now)
{
    sim_braid_node *n = ctx;
    if (!n->ep)
        return 0;
    int rc = braid_endpoint_read_pkt(n->ep, path, pkt, len, now);
    if (rc < 0)
        n->last_read_err = rc;
    return rc;
}

static int op_write(void *ctx, braid_path *path, uint8_t *buf, size_t cap, uint64_t now)
{
    sim_braid_node *n = ctx;
    if (!n->ep)
        return 0;
    return braid_endpoint_write_pkt(n->ep, path, buf, cap, now);
}

static uint64_t op_next_expiry(void *ctx)
{
    sim_braid_node *n = ctx;
    if (!n->ep)
        return BRAID_TIME_NEVER;
    return braid_endpoint_next_expiry(n->ep);
}

static void op_handle_expiry(void *ctx, uint64_t now)
{
    sim_braid_node *n = ctx;
    if (n->ep)
        braid_endpoint_handle_expiry(n->ep, now);
}

static void op_tick(void *ctx, uint64_t now)
{
    sim_braid_node *n = ctx;
    if (n->ep && n->app_fn)
        n->app_fn(n, n->app, now);
}

static const sim_node_ops braid_node_ops = {
    .read_pkt = op_read,
    .write_pkt = op_write,
    .next_expiry = op_next_expiry,
    .handle_expiry = op_handle_expiry,
    .on_tick = op_tick,
};

static uint64_t name_hash(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (; *s; s++) {
        h ^= (uint8_t)*s;
        h *= 0x100000001b3ull;
    }
    return h;
}

int sim_braid_node_new_ex(sim_braid_node **out, sim *s, const char *name, const braid_settings *st,
                          const sim_alloc *mem_preset)
{
    *out = NULL;
    if (!st || st->n_local_addrs == 0 || st->n_local_addrs > BRAID_MAX_ADDRS)
        return BRAID_ERR_INVAL;
    sim_braid_node *n = calloc(1, sizeof *n);
    if (!n)
        return BRAID_ERR_NOMEM;
    n->sim = s;
    snprintf(n->name, sizeof n->name, "%s", name ? name : "node");
    n->settings = *st;
    if (mem_preset)
        n->mem = *mem_preset;
    sim_rng_seed(&n->rng, sim_derive_seed(s, name_hash(n->name)));
    n->hooks.alloc = alloc_hook;
    n->hooks.free = free_hook;
    n->hooks.random = rand_hook;
    n->hooks.mac = mac_hook;
    n->hooks.log = log_hook;
    n->hooks.log_level = BRAID_LOG_INFO; /* (drops: formatted only when asked for) */
    n->hooks.user = n;

    /* In the simulation first (inert while ep is NULL), so an address
     * clash is found before the endpoint exists. */
    int rc = sim_add_node(s, &braid_node_ops, n);
    if (rc < 0) {
        free(n);
        return rc;
    }
    n->id = rc;
    for (unsigned i = 0; i < st->n_local_addrs && rc >= 0; i++)
        rc = sim_node_add_addr(s, n->id, &st->local_addrs[i]);
    if (rc >= 0)
        rc = braid_endpoint_new(&n->ep, &n->settings, &n->hooks);
    if (rc < 0) {
        n->ep = NULL;
        sim_node_detach(s, n->id);
        free(n);
        return rc;
    }
    *out = n;
    return 0;
}

int sim_braid_node_new(sim_braid_node **out, sim *s, const char *name, const braid_settings *st)
{
    return sim_braid_node_new_ex(out, s, name, st, NULL);
}

void sim_braid_node_set_app(sim_braid_node *n, sim_braid_app_fn fn, void *app)
{
    n->app_fn = fn;
    n->app = app;
}

void sim_braid_node_close(sim_braid_node *n)
{
    if (n && n->ep) {
        braid_endpoint_free(n->ep);
        n->ep = NULL;
    }
}

bool sim_braid_node_mem_ok(const sim_braid_node *n)
{
    return n->mem.live_allocs == 0 && n->mem.live_bytes == 0 && n->mem.bad_frees == 0;
}

void sim_braid_node_free(sim_braid_node *n)
{
    if (!n)
        return;
    sim_braid_node_close(n);
    sim_node_detach(n->sim, n->id);
    free(n);
}
