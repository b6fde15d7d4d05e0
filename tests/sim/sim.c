/*
 * The deterministic network simulator: event heap, nodes, links.
 * See sim.h for the model.
 */
#include "sim.h"
#include "core/wire/crc32c.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/wire/chunk.h"
#include "io/pcap.h"

/* More events than this at one virtual instant means something never lets
 * the clock move (a timer re-armed at now forever, a packet ping-pong over
 * zero-delay links). */
#define SIM_MAX_EVENTS_PER_INSTANT 10000000u
/* More packets than this from one write_pkt drain is a runaway node. */
#define SIM_MAX_DRAIN 1000000u

#define HEAP_NONE ((size_t)-1)

/* ------------------------------------------------------------------------
 * PRNG
 * ------------------------------------------------------------------------ */

uint64_t sim_splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

void sim_rng_seed(sim_rng *r, uint64_t seed)
{
    uint64_t st = seed;
    for (int i = 0; i < 4; i++)
        r->s[i] = sim_splitmix64(&st);
}

static inline uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t sim_rng_next(sim_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double sim_rng_double(sim_rng *r)
{
    return (double)(sim_rng_next(r) >> 11) * 0x1.0p-53;
}

uint64_t sim_rng_below(sim_rng *r, uint64_t n)
{
    if (n == 0)
        return 0;
    uint64_t limit = UINT64_MAX - UINT64_MAX % n; /* reject the biased tail */
    uint64_t x;
    do {
        x = sim_rng_next(r);
    } while (x >= limit);
    return x % n;
}

void sim_rng_bytes(sim_rng *r, uint8_t *out, size_t len)
{
    while (len > 0) {
        uint64_t x = sim_rng_next(r);
        for (int i = 0; i < 8 && len > 0; i++, len--) {
            *out++ = (uint8_t)x;
            x >>= 8;
        }
    }
}

uint64_t sim_seed(uint64_t dflt)
{
    const char *e = getenv("BRAID_SIM_SEED");
    if (!e || !*e)
        return dflt;
    char *end = NULL;
    unsigned long long v = strtoull(e, &end, 0);
    if (!end || *end != '\0') {
        fprintf(stderr, "BRAID_SIM_SEED=%s is not a number; using %llu\n", e,
                (unsigned long long)dflt);
        return dflt;
    }
    return (uint64_t)v;
}

void sim_print_replay(uint64_t seed)
{
    fprintf(stderr, "replay with BRAID_SIM_SEED=%llu\n", (unsigned long long)seed);
}

/* ------------------------------------------------------------------------
 * Addresses
 * ------------------------------------------------------------------------ */

braid_addr sim_addr4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t udp_port)
{
    braid_addr x;
    memset(&x, 0, sizeof x);
    x.family = 4;
    x.ip[0] = a;
    x.ip[1] = b;
    x.ip[2] = c;
    x.ip[3] = d;
    x.udp_port = udp_port;
    return x;
}

static size_t ip_len(const braid_addr *a)
{
    return a->family == 6 ? 16 : 4;
}

bool sim_addr_eq(const braid_addr *x, const braid_addr *y)
{
    return x->family == y->family && x->udp_port == y->udp_port &&
           memcmp(x->ip, y->ip, ip_len(x)) == 0;
}

static bool addr_unspecified(const braid_addr *a)
{
    if (a->family != 4 && a->family != 6)
        return true;
    for (size_t i = 0; i < ip_len(a); i++)
        if (a->ip[i])
            return false;
    return true;
}

const char *sim_addr_str(const braid_addr *a, char *buf, size_t cap)
{
    if (a->family == 4) {
        snprintf(buf, cap, "%u.%u.%u.%u:%u", a->ip[0], a->ip[1], a->ip[2], a->ip[3], a->udp_port);
    } else if (a->family == 6) {
        int n = snprintf(buf, cap, "[");
        for (int i = 0; i < 16 && n > 0 && (size_t)n < cap; i += 2)
            n += snprintf(buf + n, cap - (size_t)n, "%s%x", i ? ":" : "",
                          (unsigned)a->ip[i] << 8 | a->ip[i + 1]);
        if (n > 0 && (size_t)n < cap)
            snprintf(buf + n, cap - (size_t)n, "]:%u", a->udp_port);
    } else {
        snprintf(buf, cap, "(family %u)", a->family);
    }
    return buf;
}

/* ------------------------------------------------------------------------
 * Structures
 * ------------------------------------------------------------------------ */

enum { EV_DELIVER, EV_TIMER, EV_CALL };

typedef struct sim_node sim_node;

typedef struct sim_event {
    uint64_t time;
    uint64_t seq;
    size_t heap_idx;
    int kind;
    sim_link *link;               /* EV_DELIVER */
    size_t len;                   /* EV_DELIVER */
    sim_node *node;               /* EV_TIMER */
    void (*fn)(void *, uint64_t); /* EV_CALL */
    void *arg;
} sim_event;

/* EV_DELIVER events carry the packet after the event. */
typedef struct sim_pkt_event {
    sim_event ev; /* first: a sim_event * of kind EV_DELIVER points here */
    uint8_t data[];
} sim_pkt_event;

static uint8_t *ev_data(sim_event *e)
{
    return ((sim_pkt_event *)(void *)e)->data;
}

struct sim_node {
    int id;
    const sim_node_ops *ops;
    void *ctx;
    braid_addr addrs[BRAID_MAX_ADDRS];
    unsigned n_addrs;
    sim_event timer; /* embedded: kind EV_TIMER */
    sim_node_stats st;
};

typedef struct q_ent {
    uint64_t finish;
    size_t size;
} q_ent;

struct sim_link {
    unsigned idx;
    braid_addr from, to;
    sim_link_config cfg;
    sim_link_stats st;
    sim_rng rng;
    uint64_t busy_until;   /* end of serialisation of the last accepted packet */
    uint64_t last_arrival; /* latest arrival of a FIFO (not reordered) packet */
    q_ent *q;              /* ring of packets not yet fully serialised */
    size_t q_cap, q_head, q_n;
    size_t backlog;
};

struct sim {
    uint64_t seed;
    uint64_t now;
    uint64_t seq;
    sim_rng rng;
    sim_event **heap;
    size_t heap_n, heap_cap;
    sim_node **nodes;
    size_t n_nodes, nodes_cap;
    sim_link **links;
    size_t n_links, links_cap;
    uint64_t unroutable;
    uint64_t hash;
    bool livelock;
    bool have_pcap;
    braid_pcap pcap;
    sim_trace_fn trace;
    void *trace_user;
    uint8_t buf[SIM_MAX_PKT];
};

/* ------------------------------------------------------------------------
 * Event heap: binary min-heap on (time, seq), each event knows its index.
 * ------------------------------------------------------------------------ */

static bool ev_less(const sim_event *a, const sim_event *b)
{
    return a->time < b->time || (a->time == b->time && a->seq < b->seq);
}

static void heap_set(sim *s, size_t i, sim_event *e)
{
    s->heap[i] = e;
    e->heap_idx = i;
}

static void heap_up(sim *s, size_t i)
{
    sim_event *e = s->heap[i];
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!ev_less(e, s->heap[p]))
            break;
        heap_set(s, i, s->heap[p]);
        i = p;
    }
    heap_set(s, i, e);
}

static void heap_down(sim *s, size_t i)
{
    sim_event *e = s->heap[i];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= s->heap_n)
            break;
        if (c + 1 < s->heap_n && ev_less(s->heap[c + 1], s->heap[c]))
            c++;
        if (!ev_less(s->heap[c], e))
            break;
        heap_set(s, i, s->heap[c]);
        i = c;
    }
    heap_set(s, i, e);
}

static int heap_push(sim *s, sim_event *e)
{
    if (s->heap_n == s->heap_cap) {
        size_t cap = s->heap_cap ? s->heap_cap * 2 : 256;
        sim_event **h = realloc(s->heap, cap * sizeof *h);
        if (!h)
            return BRAID_ERR_NOMEM;
        s->heap = h;
        s->heap_cap = cap;
    }
    e->seq = s->seq++;
    heap_set(s, s->heap_n++, e);
    heap_up(s, s->heap_n - 1);
    return 0;
}

static void heap_remove(sim *s, sim_event *e)
{
    size_t i = e->heap_idx;
    if (i == HEAP_NONE)
        return;
    e->heap_idx = HEAP_NONE;
    s->heap_n--;
    if (i == s->heap_n)
        return;
    heap_set(s, i, s->heap[s->heap_n]);
    if (i > 0 && ev_less(s->heap[i], s->heap[(i - 1) / 2]))
        heap_up(s, i);
    else
        heap_down(s, i);
}

/* Moves an event already in the heap to a new time (new insertion order). */
static void heap_retime(sim *s, sim_event *e, uint64_t t)
{
    e->time = t;
    e->seq = s->seq++;
    size_t i = e->heap_idx;
    if (i > 0 && ev_less(e, s->heap[(i - 1) / 2]))
        heap_up(s, i);
    else
        heap_down(s, i);
}

/* ------------------------------------------------------------------------
 * Simulation object
 * ------------------------------------------------------------------------ */

sim *sim_new(uint64_t seed)
{
    sim *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->seed = seed;
    s->hash = 0xcbf29ce484222325ull;
    sim_rng_seed(&s->rng, sim_derive_seed(s, 0));
    return s;
}

void sim_free(sim *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->heap_n; i++)
        if (s->heap[i]->kind != EV_TIMER)
            free(s->heap[i]);
    free(s->heap);
    for (size_t i = 0; i < s->n_nodes; i++)
        free(s->nodes[i]);
    free(s->nodes);
    for (size_t i = 0; i < s->n_links; i++) {
        free(s->links[i]->q);
        free(s->links[i]);
    }
    free(s->links);
    if (s->have_pcap)
        braid_pcap_close(&s->pcap);
    free(s);
}

uint64_t sim_now(const sim *s)
{
    return s->now;
}

uint64_t sim_get_seed(const sim *s)
{
    return s->seed;
}

sim_rng *sim_get_rng(sim *s)
{
    return &s->rng;
}

uint64_t sim_derive_seed(const sim *s, uint64_t tag)
{
    uint64_t st = s->seed ^ (tag * 0xd1342543de82ef95ull);
    sim_splitmix64(&st);
    return sim_splitmix64(&st);
}

uint64_t sim_unroutable(const sim *s)
{
    return s->unroutable;
}

uint64_t sim_delivery_hash(const sim *s)
{
    return s->hash;
}

void sim_set_trace(sim *s, sim_trace_fn fn, void *user)
{
    s->trace = fn;
    s->trace_user = user;
}

int sim_set_pcap(sim *s, const char *path)
{
    if (s->have_pcap) {
        braid_pcap_close(&s->pcap);
        s->have_pcap = false;
    }
    if (!path)
        return 0;
    int rc = braid_pcap_open(&s->pcap, path);
    if (rc == 0)
        s->have_pcap = true;
    return rc;
}

const char *sim_stop_name(sim_stop why)
{
    switch (why) {
    case SIM_STOP_DONE: return "done";
    case SIM_STOP_UNTIL: return "time limit";
    case SIM_STOP_IDLE: return "idle";
    case SIM_STOP_LIVELOCK: return "livelock";
    }
    return "?";
}

const char *sim_trace_kind_name(sim_trace_kind k)
{
    switch (k) {
    case SIM_TR_SEND: return "send";
    case SIM_TR_DELIVER: return "deliver";
    case SIM_TR_LOST: return "lost";
    case SIM_TR_QUEUE_DROP: return "queue-drop";
    case SIM_TR_MTU_DROP: return "mtu-drop";
    case SIM_TR_FILTERED: return "filtered";
    case SIM_TR_BLACKOUT: return "blackout";
    case SIM_TR_UNROUTABLE: return "unroutable";
    }
    return "?";
}

static void trace(sim *s, sim_trace_kind k, const braid_addr *from, const braid_addr *to,
                  const uint8_t *pkt, size_t len)
{
    if (s->trace)
        s->trace(s->trace_user, s->now, k, from, to, pkt, len);
}

/* ------------------------------------------------------------------------
 * Nodes
 * ------------------------------------------------------------------------ */

int sim_add_node(sim *s, const sim_node_ops *ops, void *ctx)
{
    if (!ops || !ops->read_pkt || !ops->write_pkt)
        return BRAID_ERR_INVAL;
    if (s->n_nodes == s->nodes_cap) {
        size_t cap = s->nodes_cap ? s->nodes_cap * 2 : 8;
        sim_node **n = realloc(s->nodes, cap * sizeof *n);
        if (!n)
            return BRAID_ERR_NOMEM;
        s->nodes = n;
        s->nodes_cap = cap;
    }
    sim_node *n = calloc(1, sizeof *n);
    if (!n)
        return BRAID_ERR_NOMEM;
    n->id = (int)s->n_nodes;
    n->ops = ops;
    n->ctx = ctx;
    n->timer.kind = EV_TIMER;
    n->timer.node = n;
    n->timer.heap_idx = HEAP_NONE;
    s->nodes[s->n_nodes++] = n;
    return n->id;
}

static sim_node *node_get(const sim *s, int id)
{
    if (id < 0 || (size_t)id >= s->n_nodes)
        return NULL;
    return s->nodes[id];
}

static bool node_owns(const sim_node *n, const braid_addr *a)
{
    for (unsigned i = 0; i < n->n_addrs; i++)
        if (sim_addr_eq(&n->addrs[i], a))
            return true;
    return false;
}

static sim_node *addr_owner(const sim *s, const braid_addr *a)
{
    for (size_t i = 0; i < s->n_nodes; i++)
        if (node_owns(s->nodes[i], a))
            return s->nodes[i];
    return NULL;
}

int sim_node_add_addr(sim *s, int id, const braid_addr *addr)
{
    sim_node *n = node_get(s, id);
    if (!n || (addr->family != 4 && addr->family != 6))
        return BRAID_ERR_INVAL;
    sim_node *owner = addr_owner(s, addr);
    if (owner == n)
        return 0;
    if (owner)
        return BRAID_ERR_INVAL;
    if (n->n_addrs >= BRAID_MAX_ADDRS)
        return BRAID_ERR_LIMIT;
    n->addrs[n->n_addrs++] = *addr;
    return 0;
}

static int null_read(void *ctx, const braid_path *p, const uint8_t *pkt, size_t len, uint64_t now)
{
    (void)ctx, (void)p, (void)pkt, (void)len, (void)now;
    return 0;
}

static int null_write(void *ctx, braid_path *p, uint8_t *buf, size_t cap, uint64_t now)
{
    (void)ctx, (void)p, (void)buf, (void)cap, (void)now;
    return 0;
}

static const sim_node_ops null_ops = {.read_pkt = null_read, .write_pkt = null_write};

void sim_node_detach(sim *s, int id)
{
    sim_node *n = node_get(s, id);
    if (!n)
        return;
    heap_remove(s, &n->timer);
    n->ops = &null_ops;
    n->ctx = NULL;
    n->n_addrs = 0;
}

const sim_node_stats *sim_node_get_stats(const sim *s, int id)
{
    sim_node *n = node_get(s, id);
    return n ? &n->st : NULL;
}

/* ------------------------------------------------------------------------
 * Links
 * ------------------------------------------------------------------------ */

sim_link *sim_find_link(const sim *s, const braid_addr *from, const braid_addr *to)
{
    for (size_t i = 0; i < s->n_links; i++) {
        sim_link *l = s->links[i];
        if (sim_addr_eq(&l->from, from) && sim_addr_eq(&l->to, to))
            return l;
    }
    return NULL;
}

sim_link *sim_add_link(sim *s, const braid_addr *from, const braid_addr *to,
                       const sim_link_config *cfg)
{
    if (sim_find_link(s, from, to))
        return NULL;
    if (s->n_links == s->links_cap) {
        size_t cap = s->links_cap ? s->links_cap * 2 : 8;
        sim_link **ls = realloc(s->links, cap * sizeof *ls);
        if (!ls)
            return NULL;
        s->links = ls;
        s->links_cap = cap;
    }
    sim_link *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->idx = (unsigned)s->n_links;
    l->from = *from;
    l->to = *to;
    if (cfg)
        l->cfg = *cfg;
    if (l->cfg.n_blackouts > SIM_MAX_BLACKOUTS)
        l->cfg.n_blackouts = SIM_MAX_BLACKOUTS;
    sim_rng_seed(&l->rng, sim_derive_seed(s, 1000u + l->idx));
    s->links[s->n_links++] = l;
    return l;
}

int sim_add_link_pair(sim *s, const braid_addr *a, const braid_addr *b, const sim_link_config *cfg,
                      sim_link **ab, sim_link **ba)
{
    sim_link *x = sim_add_link(s, a, b, cfg);
    if (!x)
        return BRAID_ERR_INVAL;
    sim_link *y = sim_add_link(s, b, a, cfg);
    if (!y)
        return BRAID_ERR_INVAL;
    if (ab)
        *ab = x;
    if (ba)
        *ba = y;
    return 0;
}

void sim_link_set_config(sim_link *l, const sim_link_config *cfg)
{
    l->cfg = *cfg;
    if (l->cfg.n_blackouts > SIM_MAX_BLACKOUTS)
        l->cfg.n_blackouts = SIM_MAX_BLACKOUTS;
}

const sim_link_config *sim_link_get_config(const sim_link *l)
{
    return &l->cfg;
}

const sim_link_stats *sim_link_get_stats(const sim_link *l)
{
    return &l->st;
}

unsigned sim_link_count(const sim *s)
{
    return (unsigned)s->n_links;
}

sim_link *sim_link_at(const sim *s, unsigned i)
{
    return i < s->n_links ? s->links[i] : NULL;
}

const braid_addr *sim_link_from(const sim_link *l)
{
    return &l->from;
}

const braid_addr *sim_link_to(const sim_link *l)
{
    return &l->to;
}

static bool in_blackout(const sim_link *l, uint64_t t)
{
    for (unsigned i = 0; i < l->cfg.n_blackouts; i++)
        if (t >= l->cfg.blackout[i].start && t < l->cfg.blackout[i].end)
            return true;
    return false;
}

static int q_push(sim_link *l, uint64_t finish, size_t size)
{
    if (l->q_n == l->q_cap) {
        size_t cap = l->q_cap ? l->q_cap * 2 : 64;
        q_ent *q = malloc(cap * sizeof *q);
        if (!q)
            return BRAID_ERR_NOMEM;
        for (size_t i = 0; i < l->q_n; i++)
            q[i] = l->q[(l->q_head + i) % l->q_cap];
        free(l->q);
        l->q = q;
        l->q_cap = cap;
        l->q_head = 0;
    }
    l->q[(l->q_head + l->q_n) % l->q_cap] = (q_ent){finish, size};
    l->q_n++;
    l->backlog += size;
    return 0;
}

/* Forgets packets whose serialisation ended by now. */
static void q_drain(sim_link *l, uint64_t now)
{
    while (l->q_n > 0 && l->q[l->q_head].finish <= now) {
        l->backlog -= l->q[l->q_head].size;
        l->q_head = (l->q_head + 1) % l->q_cap;
        l->q_n--;
    }
}

static int schedule_delivery(sim *s, sim_link *l, const uint8_t *pkt, size_t len, uint64_t at)
{
    sim_pkt_event *pe = malloc(sizeof *pe + len);
    if (!pe)
        return BRAID_ERR_NOMEM;
    memset(pe, 0, sizeof *pe);
    sim_event *e = &pe->ev;
    e->time = at;
    e->kind = EV_DELIVER;
    e->link = l;
    e->len = len;
    e->heap_idx = HEAP_NONE;
    memcpy(pe->data, pkt, len);
    int rc = heap_push(s, e);
    if (rc < 0)
        free(pe);
    return rc;
}

/* Puts a packet on a link at s->now and decides its fate. */
static void link_offer(sim *s, sim_link *l, const uint8_t *pkt, size_t len)
{
    const sim_link_config *c = &l->cfg;
    uint64_t now = s->now;
    l->st.sent++;
    l->st.bytes_sent += len;
    trace(s, SIM_TR_SEND, &l->from, &l->to, pkt, len);

    /* A fixed number of draws per packet, whatever its fate, so one packet's
     * fate does not shift the random stream of the following ones. */
    double u_loss = sim_rng_double(&l->rng);
    double u_dup = sim_rng_double(&l->rng);
    double u_reorder = sim_rng_double(&l->rng);
    uint64_t r_jitter = sim_rng_next(&l->rng);

    if (in_blackout(l, now)) {
        l->st.blackout_drops++;
        trace(s, SIM_TR_BLACKOUT, &l->from, &l->to, pkt, len);
        return;
    }
    if (c->mtu && len > c->mtu) {
        l->st.mtu_drops++;
        trace(s, SIM_TR_MTU_DROP, &l->from, &l->to, pkt, len);
        return;
    }
    if (c->filter && c->filter(c->filter_user, pkt, len, now)) {
        l->st.filtered++;
        trace(s, SIM_TR_FILTERED, &l->from, &l->to, pkt, len);
        return;
    }
    uint64_t depart = now;
    if (c->rate_bps) {
        size_t wire = len + c->overhead;
        q_drain(l, now);
        if (c->queue_bytes && l->backlog + wire > c->queue_bytes) {
            l->st.queue_drops++;
            trace(s, SIM_TR_QUEUE_DROP, &l->from, &l->to, pkt, len);
            return;
        }
        uint64_t bits_ns = (uint64_t)wire * 8u * 1000000000u;
        uint64_t tx = (bits_ns + c->rate_bps - 1) / c->rate_bps;
        uint64_t start = l->busy_until > now ? l->busy_until : now;
        depart = start + tx;
        l->busy_until = depart;
        if (q_push(l, depart, wire) < 0)
            return;
        if (l->backlog > l->st.max_queue)
            l->st.max_queue = l->backlog;
    }
    uint64_t arrive = depart + c->delay_ns;
    /* Lost in flight: the packet used its share of the link first. */
    if (c->loss > 0 && u_loss < c->loss) {
        l->st.lost++;
        trace(s, SIM_TR_LOST, &l->from, &l->to, pkt, len);
        return;
    }
    /* A link that is down delivers nothing either. */
    if (in_blackout(l, arrive)) {
        l->st.blackout_drops++;
        trace(s, SIM_TR_BLACKOUT, &l->from, &l->to, pkt, len);
        return;
    }
    if (c->jitter_ns)
        arrive += r_jitter % (c->jitter_ns + 1);
    if (c->reorder > 0 && u_reorder < c->reorder) {
        arrive += c->reorder_delay_ns;
        l->st.reordered++;
    } else {
        /* Jitter never reorders: a packet arrives no earlier than the last
         * FIFO packet before it. */
        if (arrive < l->last_arrival)
            arrive = l->last_arrival;
        l->last_arrival = arrive;
    }
    if (schedule_delivery(s, l, pkt, len, arrive) < 0)
        return;
    if (c->dup > 0 && u_dup < c->dup) {
        l->st.duplicated++;
        schedule_delivery(s, l, pkt, len, arrive);
    }
}

static void pcap_write(sim *s, const sim_link *l, const uint8_t *pkt, size_t len)
{
    braid_pcap_path p;
    memset(&p, 0, sizeof p);
    p.family = l->from.family == 6 ? 6 : 4;
    memcpy(p.src_ip, l->from.ip, 16);
    memcpy(p.dst_ip, l->to.ip, 16);
    p.udp = l->from.udp_port != 0 || l->to.udp_port != 0;
    p.udp_sport = l->from.udp_port;
    p.udp_dport = l->to.udp_port;
    braid_pcap_write(&s->pcap, s->now, &p, pkt, len);
}

/* Chooses the link for a packet a node wrote: the exact (local, remote)
 * pair, or, when local is none of the node's addresses (unspecified), the
 * first link from one of its addresses to remote (source address selection). */
static sim_link *route(const sim *s, const sim_node *n, const braid_path *p)
{
    sim_link *l = sim_find_link(s, &p->local, &p->remote);
    if (l || (!addr_unspecified(&p->local) && node_owns(n, &p->local)))
        return l;
    for (unsigned i = 0; i < n->n_addrs; i++) {
        l = sim_find_link(s, &n->addrs[i], &p->remote);
        if (l)
            return l;
    }
    return NULL;
}

/* ------------------------------------------------------------------------
 * The event loop
 * ------------------------------------------------------------------------ */

static void drain(sim *s, sim_node *n)
{
    for (unsigned count = 0;; count++) {
        if (count >= SIM_MAX_DRAIN) {
            s->livelock = true;
            return;
        }
        braid_path p;
        memset(&p, 0, sizeof p);
        int rc = n->ops->write_pkt(n->ctx, &p, s->buf, sizeof s->buf, s->now);
        if (rc == 0)
            return;
        if (rc < 0 || (size_t)rc > sizeof s->buf) {
            n->st.tx_errors++;
            return;
        }
        size_t len = (size_t)rc;
        n->st.tx_pkts++;
        n->st.tx_bytes += len;
        sim_link *l = route(s, n, &p);
        if (!l) {
            n->st.unroutable++;
            s->unroutable++;
            trace(s, SIM_TR_UNROUTABLE, &p.local, &p.remote, s->buf, len);
            continue;
        }
        if (s->have_pcap)
            pcap_write(s, l, s->buf, len);
        link_offer(s, l, s->buf, len);
    }
}

static void rearm(sim *s, sim_node *n)
{
    uint64_t t = n->ops->next_expiry ? n->ops->next_expiry(n->ctx) : BRAID_TIME_NEVER;
    sim_event *e = &n->timer;
    if (t == BRAID_TIME_NEVER) {
        heap_remove(s, e);
        return;
    }
    if (t < s->now)
        t = s->now;
    if (e->heap_idx != HEAP_NONE) {
        if (e->time != t)
            heap_retime(s, e, t);
        return;
    }
    e->time = t;
    heap_push(s, e);
}

/* Steps 2-4: application, output, timer. */
static void touch(sim *s, sim_node *n)
{
    if (n->ops->on_tick)
        n->ops->on_tick(n->ctx, s->now);
    drain(s, n);
    rearm(s, n);
}

void sim_kick(sim *s, int id)
{
    sim_node *n = node_get(s, id);
    if (n)
        touch(s, n);
}

int sim_schedule(sim *s, uint64_t at, void (*fn)(void *arg, uint64_t now), void *arg)
{
    if (at < s->now)
        return BRAID_ERR_INVAL;
    sim_event *e = calloc(1, sizeof *e);
    if (!e)
        return BRAID_ERR_NOMEM;
    e->time = at;
    e->kind = EV_CALL;
    e->fn = fn;
    e->arg = arg;
    e->heap_idx = HEAP_NONE;
    int rc = heap_push(s, e);
    if (rc < 0)
        free(e);
    return rc;
}

static void hash_bytes(uint64_t *h, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++) {
        *h ^= b[i];
        *h *= 0x100000001b3ull;
    }
}

static void hash_u64(uint64_t *h, uint64_t v)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    hash_bytes(h, b, sizeof b);
}

static void deliver(sim *s, sim_event *e)
{
    sim_link *l = e->link;
    const uint8_t *data = ev_data(e);
    sim_node *n = addr_owner(s, &l->to);
    if (!n) {
        l->st.unroutable++;
        trace(s, SIM_TR_UNROUTABLE, &l->from, &l->to, data, e->len);
        return;
    }
    l->st.delivered++;
    l->st.bytes_delivered += e->len;
    hash_u64(&s->hash, s->now);
    hash_u64(&s->hash, l->idx);
    hash_u64(&s->hash, e->len);
    /* the packet's bytes enter the hash through their CRC32c (fast path) */
    hash_u64(&s->hash, braid_crc32c(data, e->len));
    trace(s, SIM_TR_DELIVER, &l->from, &l->to, data, e->len);
    n->st.rx_pkts++;
    n->st.rx_bytes += e->len;
    braid_path p;
    p.local = l->to;
    p.remote = l->from;
    if (n->ops->read_pkt(n->ctx, &p, data, e->len, s->now) < 0)
        n->st.rx_errors++;
    touch(s, n);
}

sim_stop sim_run(sim *s, uint64_t until_ns, bool (*done)(void *arg), void *arg)
{
    /* Whatever the caller did since the last run (connect, send) goes out. */
    for (size_t i = 0; i < s->n_nodes; i++)
        touch(s, s->nodes[i]);
    uint64_t same_instant = 0;
    for (;;) {
        if (s->livelock)
            return SIM_STOP_LIVELOCK;
        if (done && done(arg))
            return SIM_STOP_DONE;
        if (s->heap_n == 0)
            return SIM_STOP_IDLE;
        sim_event *e = s->heap[0];
        if (e->time > until_ns) {
            if (until_ns > s->now)
                s->now = until_ns;
            return SIM_STOP_UNTIL;
        }
        if (e->time > s->now) {
            s->now = e->time;
            same_instant = 0;
        } else if (++same_instant > SIM_MAX_EVENTS_PER_INSTANT) {
            s->livelock = true;
            return SIM_STOP_LIVELOCK;
        }
        heap_remove(s, e);
        switch (e->kind) {
        case EV_DELIVER:
            deliver(s, e);
            free(e);
            break;
        case EV_TIMER: {
            sim_node *n = e->node;
            n->st.timer_fires++;
            if (n->ops->handle_expiry)
                n->ops->handle_expiry(n->ctx, s->now);
            touch(s, n);
            break;
        }
        case EV_CALL:
            e->fn(e->arg, s->now);
            free(e);
            for (size_t i = 0; i < s->n_nodes; i++)
                touch(s, s->nodes[i]);
            break;
        }
    }
}

/* ------------------------------------------------------------------------
 * Filters
 * ------------------------------------------------------------------------ */

bool sim_pkt_has_chunk(const uint8_t *pkt, size_t len, uint8_t type)
{
    if (len < BRAID_COMMON_HEADER_LEN)
        return false;
    braid_chunk_iter it;
    braid_chunk_view v;
    braid_chunk_iter_init(&it, pkt, len);
    while (braid_chunk_iter_next(&it, &v) > 0)
        if (v.type == type)
            return true;
    return false;
}

sim_chunk_filter sim_filter_drop_first_chunk(uint8_t type, uint64_t count)
{
    sim_chunk_filter f;
    memset(&f, 0, sizeof f);
    f.type = type;
    f.count = count;
    return f;
}

bool sim_filter_chunk(void *user, const uint8_t *pkt, size_t len, uint64_t now)
{
    sim_chunk_filter *f = user;
    (void)now;
    if (!sim_pkt_has_chunk(pkt, len, f->type))
        return false;
    f->seen++;
    if (f->dropped < f->count) {
        f->dropped++;
        return true;
    }
    return false;
}
