/*
 * The network model of the simulator, with dummy nodes that send numbered
 * packets (no braid endpoint involved).
 */
#include "check.h"
#include "sim.h"

#include <stdlib.h>

#include "core/wire/chunk.h"
#include "core/wire/pkt.h"

static uint64_t seed_base;

/* ------------------------------------------------------------------------
 * A dummy node: sends numbered packets (4-byte big-endian number, then a
 * pattern) to one peer, either in bursts (burst()) or one every interval
 * from start; or a given list of packets. Logs what it receives.
 * ------------------------------------------------------------------------ */

#define MAX_RX 200000

typedef struct dnode {
    braid_addr addr, peer;
    bool unspecified_local; /* write path.local as all zeros */
    size_t pkt_len;
    uint32_t next_num;
    uint32_t pending; /* packets due now */
    /* periodic */
    uint64_t interval, next_at;
    uint32_t periodic_left;
    /* explicit packets */
    const uint8_t *const *pkts;
    const size_t *pkt_lens;
    size_t n_pkts, pkt_i;
    /* receive log */
    size_t rx_n;
    uint32_t *rx_num;
    uint32_t *rx_tag; /* bytes 4..7 (the vtag of an SCTP packet) */
    uint64_t *rx_time;
    size_t *rx_len;
    uint64_t hash;
    int id;
    /* a timer test: deadline and how it moves */
    uint64_t deadline;
    uint64_t deadline_on_rx; /* when nonzero, a received packet sets deadline */
    uint64_t fired_at[8];
    size_t n_fired;
    /* livelock test: next_expiry is always now */
    bool stuck;
    uint64_t now_seen;
} dnode;

static void dnode_init(dnode *d, braid_addr addr, braid_addr peer, size_t pkt_len)
{
    memset(d, 0, sizeof *d);
    d->addr = addr;
    d->peer = peer;
    d->pkt_len = pkt_len;
    d->hash = 0xcbf29ce484222325ull;
    d->rx_num = calloc(MAX_RX, sizeof *d->rx_num);
    d->rx_tag = calloc(MAX_RX, sizeof *d->rx_tag);
    d->rx_time = calloc(MAX_RX, sizeof *d->rx_time);
    d->rx_len = calloc(MAX_RX, sizeof *d->rx_len);
    d->deadline = BRAID_TIME_NEVER;
}

static void dnode_fini(dnode *d)
{
    free(d->rx_num);
    free(d->rx_tag);
    free(d->rx_time);
    free(d->rx_len);
}

static void hash_mix(uint64_t *h, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        *h ^= p[i];
        *h *= 0x100000001b3ull;
    }
}

static braid_addr A, B, C;

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int d_read(void *ctx, const braid_path *path, const uint8_t *pkt, size_t len, uint64_t now)
{
    dnode *d = ctx;
    CHECK(sim_addr_eq(&path->local, &d->addr) || sim_addr_eq(&path->local, &C));
    CHECK(sim_addr_eq(&path->remote, &d->peer) || sim_addr_eq(&path->remote, &A));
    uint8_t t[8];
    for (int i = 0; i < 8; i++)
        t[i] = (uint8_t)(now >> (8 * i));
    hash_mix(&d->hash, t, sizeof t);
    hash_mix(&d->hash, pkt, len);
    if (d->rx_n < MAX_RX) {
        d->rx_num[d->rx_n] = len >= 4 ? be32(pkt) : UINT32_MAX;
        d->rx_tag[d->rx_n] = len >= 8 ? be32(pkt + 4) : UINT32_MAX;
        d->rx_time[d->rx_n] = now;
        d->rx_len[d->rx_n] = len;
        d->rx_n++;
    }
    if (d->deadline_on_rx)
        d->deadline = d->deadline_on_rx;
    return 0;
}

static int d_write(void *ctx, braid_path *path, uint8_t *buf, size_t cap, uint64_t now)
{
    dnode *d = ctx;
    (void)now;
    path->local = d->addr;
    if (d->unspecified_local)
        memset(&path->local, 0, sizeof path->local);
    path->remote = d->peer;
    if (d->pkt_i < d->n_pkts) {
        size_t len = d->pkt_lens[d->pkt_i];
        memcpy(buf, d->pkts[d->pkt_i], len);
        d->pkt_i++;
        return (int)len;
    }
    if (d->pending == 0)
        return 0;
    d->pending--;
    size_t len = d->pkt_len < cap ? d->pkt_len : cap;
    uint32_t num = d->next_num++;
    for (size_t i = 0; i < len; i++)
        buf[i] = (uint8_t)(i < 4 ? num >> (8 * (3 - i)) : (num * 31u + i) & 0xff);
    return (int)len;
}

static uint64_t d_next_expiry(void *ctx)
{
    dnode *d = ctx;
    if (d->stuck)
        return d->now_seen;
    uint64_t t = d->deadline;
    if (d->periodic_left && d->next_at < t)
        t = d->next_at;
    return t;
}

static void d_handle_expiry(void *ctx, uint64_t now)
{
    dnode *d = ctx;
    d->now_seen = now;
    if (d->periodic_left && now >= d->next_at) {
        d->pending++;
        d->periodic_left--;
        d->next_at += d->interval;
    }
    if (now >= d->deadline) {
        if (d->n_fired < 8)
            d->fired_at[d->n_fired++] = now;
        d->deadline = BRAID_TIME_NEVER;
    }
}

static const sim_node_ops dnode_ops = {
    .read_pkt = d_read,
    .write_pkt = d_write,
    .next_expiry = d_next_expiry,
    .handle_expiry = d_handle_expiry,
};

/* Two dummy nodes a (A) and b (B), a link A -> B with cfg and a perfect link
 * B -> A. */
static sim *setup(uint64_t seed, dnode *a, dnode *b, const sim_link_config *cfg, size_t len,
                  sim_link **ab)
{
    sim *s = sim_new(seed);
    dnode_init(a, A, B, len);
    dnode_init(b, B, A, len);
    a->id = sim_add_node(s, &dnode_ops, a);
    b->id = sim_add_node(s, &dnode_ops, b);
    CHECK_EQ(sim_node_add_addr(s, a->id, &A), 0);
    CHECK_EQ(sim_node_add_addr(s, b->id, &B), 0);
    *ab = sim_add_link(s, &A, &B, cfg);
    CHECK(*ab != NULL);
    CHECK(sim_add_link(s, &B, &A, NULL) != NULL);
    return s;
}

static void teardown(sim *s, dnode *a, dnode *b)
{
    sim_free(s);
    dnode_fini(a);
    dnode_fini(b);
}

/* ------------------------------------------------------------------------ */

static void test_prng(void)
{
    sim_rng r1, r2;
    sim_rng_seed(&r1, 42);
    sim_rng_seed(&r2, 42);
    for (int i = 0; i < 100; i++)
        CHECK(sim_rng_next(&r1) == sim_rng_next(&r2));
    sim_rng_seed(&r2, 43);
    CHECK(sim_rng_next(&r1) != sim_rng_next(&r2));
    /* splitmix64 reference value for state 0 (Vigna's splitmix64.c). */
    uint64_t st = 0;
    CHECK(sim_splitmix64(&st) == 0xe220a8397b1dcdafull);
    for (int i = 0; i < 10000; i++) {
        double u = sim_rng_double(&r1);
        CHECK(u >= 0.0 && u < 1.0);
        uint64_t x = sim_rng_below(&r1, 7);
        if (x >= 7)
            CHECK(x < 7);
    }
}

/* Events fire in (time, insertion) order whatever the order of insertion. */
typedef struct order_log {
    uint64_t last_time;
    int last_tag;
    int n;
    int bad;
} order_log;

typedef struct order_ev {
    order_log *log;
    uint64_t time;
    int tag; /* insertion order */
} order_ev;

static void order_cb(void *arg, uint64_t now)
{
    order_ev *e = arg;
    order_log *l = e->log;
    if (now != e->time)
        l->bad++;
    if (l->n > 0 && (now < l->last_time || (now == l->last_time && e->tag < l->last_tag)))
        l->bad++;
    l->last_time = now;
    l->last_tag = e->tag;
    l->n++;
}

static void test_heap_order(void)
{
    enum { N = 5000 };
    sim *s = sim_new(1);
    static order_ev evs[N];
    order_log log;
    memset(&log, 0, sizeof log);
    sim_rng r;
    sim_rng_seed(&r, 7);
    for (int i = 0; i < N; i++) {
        evs[i].log = &log;
        evs[i].time = sim_rng_below(&r, 100) * SIM_MS; /* many ties */
        evs[i].tag = i;
        CHECK_EQ(sim_schedule(s, evs[i].time, order_cb, &evs[i]), 0);
    }
    CHECK_EQ(sim_run(s, UINT64_MAX, NULL, NULL), SIM_STOP_IDLE);
    CHECK_EQ(log.n, N);
    CHECK_EQ(log.bad, 0);
    sim_free(s);
}

/* Delay and rate: exact arrival times, with and without per-packet overhead. */
static void test_delay_rate(void)
{
    dnode a, b;
    sim_link *l;
    sim_link_config cfg = {.delay_ns = 10 * SIM_MS, .rate_bps = 8000000}; /* 1 byte per us */
    sim *s = setup(seed_base, &a, &b, &cfg, 1000, &l);
    a.pending = 5;
    CHECK_EQ(sim_run(s, UINT64_MAX, NULL, NULL), SIM_STOP_IDLE);
    CHECK_EQ(b.rx_n, 5);
    for (size_t i = 0; i < b.rx_n && i < 5; i++) {
        CHECK_EQ(b.rx_num[i], i);
        CHECK_EQ(b.rx_time[i], 10 * SIM_MS + (i + 1) * SIM_MS);
    }
    /* An idle link again: one packet takes 1 ms + 10 ms. */
    uint64_t t0 = 100 * SIM_MS;
    CHECK_EQ(sim_run(s, t0, NULL, NULL), SIM_STOP_IDLE);
    a.pending = 1;
    sim_kick(s, a.id);
    CHECK_EQ(sim_now(s), 15 * SIM_MS); /* idle does not move the clock */
    CHECK_EQ(sim_run(s, UINT64_MAX, NULL, NULL), SIM_STOP_IDLE);
    CHECK_EQ(b.rx_n, 6);
    CHECK_EQ(b.rx_time[5], 15 * SIM_MS + 11 * SIM_MS);
    CHECK_EQ(sim_link_get_stats(l)->delivered, 6);
    CHECK_EQ(sim_link_get_stats(l)->bytes_delivered, 6000);
    teardown(s, &a, &b);

    /* Overhead 28 bytes: 1028 us per packet; rate not a divisor: round up. */
    cfg.overhead = 28;
    cfg.rate_bps = 3000000; /* 1028 * 8 / 3e6 s = 2741.333 us -> 2741334 ns */
    s = setup(seed_base, &a, &b, &cfg, 1000, &l);
    a.pending = 2;
    sim_run(s, UINT64_MAX, NULL, NULL);
    CHECK_EQ(b.rx_n, 2);
    CHECK_EQ(b.rx_time[0], 10 * SIM_MS + 2741334);
    CHECK_EQ(b.rx_time[1], 10 * SIM_MS + 2 * 2741334);
    teardown(s, &a, &b);

    /* No rate: pure delay, all at once, in order. */
    cfg = (sim_link_config){.delay_ns = 3 * SIM_MS};
    s = setup(seed_base, &a, &b, &cfg, 100, &l);
    a.pending = 3;
    sim_run(s, UINT64_MAX, NULL, NULL);
    CHECK_EQ(b.rx_n, 3);
    for (size_t i = 0; i < 3; i++) {
        CHECK_EQ(b.rx_time[i], 3 * SIM_MS);
        CHECK_EQ(b.rx_num[i], i);
    }
    teardown(s, &a, &b);
}

static void burst_cb(void *arg, uint64_t now)
{
    dnode *d = arg;
    (void)now;
    d->pending += 3;
}

/* Tail drop: the queue holds queue_bytes of backlog (the packet on the wire
 * included); once it has drained, packets pass again. */
static void test_queue(void)
{
    dnode a, b;
    sim_link *l;
    sim_link_config cfg = {.delay_ns = SIM_MS, .rate_bps = 8000000, .queue_bytes = 5000};
    sim *s = setup(seed_base, &a, &b, &cfg, 1000, &l);
    a.pending = 10;
    CHECK_EQ(sim_schedule(s, 50 * SIM_MS, burst_cb, &a), 0);
    sim_run(s, UINT64_MAX, NULL, NULL);
    const sim_link_stats *st = sim_link_get_stats(l);
    CHECK_EQ(st->sent, 13);
    CHECK_EQ(st->queue_drops, 5);
    CHECK_EQ(st->delivered, 8);
    CHECK_EQ(st->max_queue, 5000);
    CHECK_EQ(b.rx_n, 8);
    /* The first five of the burst, then the three of the second burst. */
    for (size_t i = 0; i < 5; i++)
        CHECK_EQ(b.rx_num[i], i);
    CHECK_EQ(b.rx_num[5], 10);
    CHECK_EQ(b.rx_num[7], 12);
    CHECK_EQ(b.rx_time[5], 50 * SIM_MS + 2 * SIM_MS);
    teardown(s, &a, &b);

    /* A packet leaves the queue when its serialisation ends: at 1 ms exactly,
     * room for one more. */
    s = setup(seed_base, &a, &b, &cfg, 1000, &l);
    a.pending = 6; /* 5 fit, 1 dropped */
    sim_kick(s, a.id);
    CHECK_EQ(sim_link_get_stats(l)->queue_drops, 1);
    CHECK_EQ(sim_run(s, SIM_MS, NULL, NULL), SIM_STOP_UNTIL);
    CHECK_EQ(sim_now(s), SIM_MS);
    a.pending = 2; /* one fits (the first finished at 1 ms), one dropped */
    sim_kick(s, a.id);
    CHECK_EQ(sim_link_get_stats(l)->queue_drops, 2);
    sim_run(s, UINT64_MAX, NULL, NULL);
    CHECK_EQ(b.rx_n, 6);
    CHECK_EQ(b.rx_time[5], 7 * SIM_MS);
    teardown(s, &a, &b);
}

/* 100k packets with 1 % loss: within 5 sigma of 1000 (deterministic for a
 * given seed anyway). */
static void test_loss(void)
{
    dnode a, b;
    sim_link *l;
    sim_link_config cfg = {.delay_ns = SIM_MS, .loss = 0.01};
    sim *s = setup(seed_base, &a, &b, &cfg, 100, &l);
    a.pending = 100000;
    sim_run(s, UINT64_MAX, NULL, NULL);
    const sim_link_stats *st = sim_link_get_stats(l);
    CHECK_EQ(st->sent, 100000);
    CHECK(st->lost >= 843 && st->lost <= 1157);
    CHECK_EQ(st->delivered + st->lost, 100000);
    CHECK_EQ(b.rx_n, st->delivered);
    /* Survivors arrive in order, none twice. */
    size_t bad = 0;
    for (size_t i = 1; i < b.rx_n; i++)
        if (b.rx_num[i] <= b.rx_num[i - 1])
            bad++;
    CHECK_EQ(bad, 0);
    if (st->lost < 843 || st->lost > 1157)
        fprintf(stderr, "lost %llu of 100000\n", (unsigned long long)st->lost);
    teardown(s, &a, &b);

    /* loss 1: nothing arrives; loss 0: everything. */
    cfg.loss = 1.0;
    s = setup(seed_base, &a, &b, &cfg, 100, &l);
    a.pending = 1000;
    sim_run(s, UINT64_MAX, NULL, NULL);
    CHECK_EQ(b.rx_n, 0);
    CHECK_EQ(sim_link_get_stats(l)->lost, 1000);
    teardown(s, &a, &b);
}

/* Duplication and reordering happen, are counted, and match what the
 * receiver sees; jitter alone keeps FIFO order. */
static void test_dup_reorder_jitter(void)
{
    dnode a, b;
    sim_link *l;
    sim_link_config cfg = {
        .delay_ns = 5 * SIM_MS, .dup = 0.05, .reorder = 0.05, .reorder_delay_ns = SIM_MS};
    sim *s = setup(seed_base, &a, &b, &cfg, 200, &l);
    a.interval = 100 * SIM_US;
    a.periodic_left = 10000;
    sim_run(s, UINT64_MAX, NULL, NULL);
    const sim_link_stats *st = sim_link_get_stats(l);
    CHECK_EQ(st->sent, 10000);
    CHECK(st->duplicated > 300 && st->duplicated < 700);
    CHECK(st->reordered > 300 && st->reordered < 700);
    CHECK_EQ(st->delivered, 10000 + st->duplicated);
    CHECK_EQ(b.rx_n, st->delivered);
    /* Receiver-side view. */
    static uint8_t count[10000];
    memset(count, 0, sizeof count);
    size_t dups = 0, late = 0;
    uint32_t max = 0;
    for (size_t i = 0; i < b.rx_n; i++) {
        uint32_t n = b.rx_num[i];
        if (n >= 10000)
            continue;
        if (count[n]++)
            dups++;
        if (i > 0 && n < max)
            late++;
        if (n > max)
            max = n;
    }
    CHECK_EQ(dups, st->duplicated);
    CHECK(late > 0);
    size_t missing = 0;
    for (size_t i = 0; i < 10000; i++)
        missing += count[i] == 0;
    CHECK_EQ(missing, 0);
    teardown(s, &a, &b);

    /* Jitter: arrival times spread over [delay, delay + jitter] but order kept. */
    cfg = (sim_link_config){.delay_ns = 5 * SIM_MS, .jitter_ns = 3 * SIM_MS};
    s = setup(seed_base, &a, &b, &cfg, 200, &l);
    a.interval = 100 * SIM_US;
    a.periodic_left = 2000;
    sim_run(s, UINT64_MAX, NULL, NULL);
    CHECK_EQ(b.rx_n, 2000);
    size_t disorder = 0, delayed = 0, too_early = 0;
    for (size_t i = 0; i < b.rx_n; i++) {
        uint64_t sent_at = (uint64_t)b.rx_num[i] * 100 * SIM_US;
        if (b.rx_time[i] > sent_at + 5 * SIM_MS)
            delayed++;
        if (b.rx_time[i] < sent_at + 5 * SIM_MS)
            too_early++;
        if (i > 0 && (b.rx_num[i] <= b.rx_num[i - 1] || b.rx_time[i] < b.rx_time[i - 1]))
            disorder++;
    }
    CHECK_EQ(disorder, 0);
    CHECK_EQ(too_early, 0);
    CHECK(delayed > 1000);
    CHECK_EQ(sim_link_get_stats(l)->reordered, 0);
    teardown(s, &a, &b);
}

/* Blackout [100 ms, 200 ms) with 10 ms delay: a packet sent at t is dropped
 * iff t or t + 10 ms lies in the window, i.e. t in [90 ms, 200 ms). */
static void test_blackout(void)
{
    dnode a, b;
    sim_link *l;
    sim_link_config cfg = {.delay_ns = 10 * SIM_MS, .n_blackouts = 1};
    cfg.blackout[0] = (sim_window){100 * SIM_MS, 200 * SIM_MS};
    sim *s = setup(seed_base, &a, &b, &cfg, 100, &l);
    a.interval = SIM_MS;
    a.periodic_left = 300; /* packet k at k ms */
    sim_run(s, UINT64_MAX, NULL, NULL);
    const sim_link_stats *st = sim_link_get_stats(l);
    CHECK_EQ(st->sent, 300);
    CHECK_EQ(st->blackout_drops, 110);
    CHECK_EQ(b.rx_n, 190);
    static bool got[300];
    memset(got, 0, sizeof got);
    for (size_t i = 0; i < b.rx_n; i++)
        if (b.rx_num[i] < 300)
            got[b.rx_num[i]] = true;
    size_t wrong = 0;
    for (uint32_t k = 0; k < 300; k++)
        if (got[k] != (k < 90 || k >= 200))
            wrong++;
    CHECK_EQ(wrong, 0);
    teardown(s, &a, &b);
}

/* MTU: packets above it dropped and counted, at it pass. */
static void test_mtu(void)
{
    static const size_t sizes[] = {1000, 1200, 1201, 1500, 64};
    static uint8_t bufs[5][1500];
    const uint8_t *pkts[5];
    for (size_t i = 0; i < 5; i++) {
        memset(bufs[i], (int)i, sizeof bufs[i]);
        bufs[i][0] = bufs[i][1] = bufs[i][2] = 0;
        bufs[i][3] = (uint8_t)i;
        pkts[i] = bufs[i];
    }
    dnode a, b;
    sim_link *l;
    sim_link_config cfg = {.delay_ns = SIM_MS, .mtu = 1200};
    sim *s = setup(seed_base, &a, &b, &cfg, 0, &l);
    a.pkts = pkts;
    a.pkt_lens = sizes;
    a.n_pkts = 5;
    sim_run(s, UINT64_MAX, NULL, NULL);
    CHECK_EQ(sim_link_get_stats(l)->mtu_drops, 2);
    CHECK_EQ(b.rx_n, 3);
    CHECK_EQ(b.rx_len[0], 1000);
    CHECK_EQ(b.rx_len[1], 1200);
    CHECK_EQ(b.rx_len[2], 64);
    teardown(s, &a, &b);
}

/* Filter: drops exactly the first N packets holding a COOKIE ECHO, whatever
 * else they bundle; other packets pass. Packets are real SCTP packets. */
static size_t build_pkt(uint8_t *buf, size_t cap, uint32_t tag, bool data, bool cookie)
{
    braid_pkt_builder b;
    CHECK_EQ(braid_pkt_begin(&b, buf, cap, cap, 5000, 5001, tag), 0);
    static const uint8_t payload[] = "hello";
    static const uint8_t cookie_bytes[40] = {1, 2, 3, 4, 5};
    braid_chunk c;
    if (data) {
        memset(&c, 0, sizeof c);
        c.type = BRAID_CHUNK_DATA;
        c.flags = BRAID_DATA_FLAG_B | BRAID_DATA_FLAG_E;
        c.u.data.tsn = tag;
        c.u.data.payload = payload;
        c.u.data.payload_len = sizeof payload;
        CHECK_EQ(braid_pkt_add(&b, &c), 0);
    }
    if (cookie) {
        memset(&c, 0, sizeof c);
        c.type = BRAID_CHUNK_COOKIE_ECHO;
        c.u.cookie.cookie = cookie_bytes;
        c.u.cookie.cookie_len = sizeof cookie_bytes;
        CHECK_EQ(braid_pkt_add(&b, &c), 0);
    }
    return braid_pkt_finish(&b);
}

static void test_filter(void)
{
    /* data, cookie, data+cookie, data, cookie, cookie, data */
    static const bool has_data[] = {1, 0, 1, 1, 0, 0, 1};
    static const bool has_cookie[] = {0, 1, 1, 0, 1, 1, 0};
    enum { N = 7 };
    static uint8_t bufs[N][256];
    const uint8_t *pkts[N];
    size_t lens[N];
    for (size_t i = 0; i < N; i++) {
        /* The vtag (bytes 4..7) carries i + 1, so the receiver can tell
         * them apart. */
        lens[i] = build_pkt(bufs[i], sizeof bufs[i], (uint32_t)i + 1, has_data[i], has_cookie[i]);
        pkts[i] = bufs[i];
        CHECK(lens[i] > 12);
        CHECK(sim_pkt_has_chunk(bufs[i], lens[i], BRAID_CHUNK_COOKIE_ECHO) == has_cookie[i]);
    }
    CHECK(!sim_pkt_has_chunk(bufs[0], 5, BRAID_CHUNK_DATA)); /* truncated */

    sim_chunk_filter f = sim_filter_drop_first_chunk(BRAID_CHUNK_COOKIE_ECHO, 2);
    dnode a, b;
    sim_link *l;
    sim_link_config cfg = {.delay_ns = SIM_MS, .filter = sim_filter_chunk, .filter_user = &f};
    sim *s = setup(seed_base, &a, &b, &cfg, 0, &l);
    a.pkts = pkts;
    a.pkt_lens = lens;
    a.n_pkts = N;
    sim_run(s, UINT64_MAX, NULL, NULL);
    CHECK_EQ(sim_link_get_stats(l)->filtered, 2);
    CHECK_EQ(f.seen, 4);
    CHECK_EQ(f.dropped, 2);
    /* Delivered: packets 0, 3, 4, 5, 6 (1 and 2 were the first two cookies). */
    static const uint32_t want[] = {1, 4, 5, 6, 7};
    CHECK_EQ(b.rx_n, 5);
    for (size_t i = 0; i < b.rx_n && i < 5; i++) {
        CHECK_EQ(b.rx_tag[i], want[i]);
        CHECK_EQ(b.rx_len[i], lens[want[i] - 1]);
    }
    teardown(s, &a, &b);
}

/* The same seed gives the same trace; another seed another one. */
static uint64_t run_trace(uint64_t seed, uint64_t *sim_hash)
{
    dnode a, b;
    sim_link *l;
    sim_link_config cfg = {.delay_ns = 7 * SIM_MS,
                           .rate_bps = 20000000,
                           .queue_bytes = 30000,
                           .loss = 0.03,
                           .dup = 0.02,
                           .reorder = 0.03,
                           .reorder_delay_ns = 2 * SIM_MS,
                           .jitter_ns = 500 * SIM_US};
    sim *s = setup(seed, &a, &b, &cfg, 1200, &l);
    sim_link_set_config(sim_find_link(s, &B, &A), &cfg);
    a.interval = 200 * SIM_US;
    a.periodic_left = 3000;
    a.pending = 40; /* a burst to fill the queue */
    b.interval = 1 * SIM_MS;
    b.periodic_left = 500;
    sim_run(s, UINT64_MAX, NULL, NULL);
    uint64_t h = a.hash ^ (b.hash * 3);
    CHECK(sim_link_get_stats(l)->queue_drops > 0);
    *sim_hash = sim_delivery_hash(s);
    teardown(s, &a, &b);
    return h;
}

static void test_determinism(void)
{
    uint64_t sh1, sh2, sh3;
    uint64_t h1 = run_trace(seed_base, &sh1);
    uint64_t h2 = run_trace(seed_base, &sh2);
    uint64_t h3 = run_trace(seed_base + 1, &sh3);
    CHECK(h1 == h2);
    CHECK(sh1 == sh2);
    CHECK(h1 != h3);
    CHECK(sh1 != sh3);
}

/* Routing: no link to an address -> unroutable; an unspecified local address
 * is resolved to the node's own (source address selection); multihoming:
 * two links, chosen by the pair. */
static void test_routing(void)
{
    dnode a, b;
    sim_link *l;
    sim *s = setup(seed_base, &a, &b, NULL, 100, &l);
    /* A second address for b and a link A -> C with delay 5 ms. */
    CHECK_EQ(sim_node_add_addr(s, b.id, &C), 0);
    CHECK_EQ(sim_node_add_addr(s, a.id, &C), BRAID_ERR_INVAL); /* owned by b */
    sim_link_config slow = {.delay_ns = 5 * SIM_MS};
    sim_link *ac = sim_add_link(s, &A, &C, &slow);
    CHECK(ac != NULL);
    CHECK(sim_add_link(s, &A, &C, NULL) == NULL); /* duplicate pair */
    a.pending = 1;
    sim_run(s, UINT64_MAX, NULL, NULL);
    a.peer = C;
    a.pending = 1;
    sim_run(s, UINT64_MAX, NULL, NULL);
    a.unspecified_local = true;
    a.pending = 1;
    sim_run(s, UINT64_MAX, NULL, NULL);
    braid_addr nowhere = sim_addr4(192, 0, 2, 99, 9899);
    a.peer = nowhere;
    a.pending = 2;
    sim_run(s, UINT64_MAX, NULL, NULL);
    CHECK_EQ(b.rx_n, 3);
    CHECK_EQ(b.rx_time[0], 0);
    CHECK_EQ(b.rx_time[1], 5 * SIM_MS);
    CHECK_EQ(b.rx_time[2], 10 * SIM_MS);
    CHECK_EQ(sim_link_get_stats(l)->delivered, 1);
    CHECK_EQ(sim_link_get_stats(ac)->delivered, 2);
    CHECK_EQ(sim_unroutable(s), 2);
    CHECK_EQ(sim_node_get_stats(s, a.id)->unroutable, 2);
    CHECK_EQ(sim_node_get_stats(s, a.id)->tx_pkts, 5);
    /* Detached: packets to its addresses count as unroutable on the link. */
    sim_node_detach(s, b.id);
    a.peer = B;
    a.unspecified_local = false;
    a.pending = 1;
    sim_run(s, UINT64_MAX, NULL, NULL);
    CHECK_EQ(sim_link_get_stats(l)->unroutable, 1);
    CHECK_EQ(b.rx_n, 3);
    teardown(s, &a, &b);

    char buf[64];
    CHECK_STR(sim_addr_str(&A, buf, sizeof buf), "10.0.0.1:9899");
}

/* Timers: one pending timer per node, moved when the deadline changes. */
static void test_timers(void)
{
    dnode a, b;
    sim_link *l;
    sim_link_config cfg = {.delay_ns = 50 * SIM_MS};
    sim *s = setup(seed_base, &a, &b, &cfg, 100, &l);
    b.deadline = 100 * SIM_MS;
    b.deadline_on_rx = 60 * SIM_MS; /* the packet at 50 ms moves it earlier */
    a.pending = 1;
    sim_run(s, UINT64_MAX, NULL, NULL);
    CHECK_EQ(b.n_fired, 1);
    CHECK_EQ(b.fired_at[0], 60 * SIM_MS);
    CHECK_EQ(sim_node_get_stats(s, b.id)->timer_fires, 1);
    teardown(s, &a, &b);

    /* Later instead of earlier. */
    s = setup(seed_base, &a, &b, &cfg, 100, &l);
    b.deadline = 70 * SIM_MS;
    b.deadline_on_rx = 300 * SIM_MS;
    a.pending = 1;
    sim_run(s, UINT64_MAX, NULL, NULL);
    CHECK_EQ(b.n_fired, 1);
    CHECK_EQ(b.fired_at[0], 300 * SIM_MS);
    CHECK_EQ(sim_node_get_stats(s, b.id)->timer_fires, 1); /* no wake-up at 70 ms */
    teardown(s, &a, &b);
}

static bool done_after_3(void *arg)
{
    const dnode *d = arg;
    return d->rx_n >= 3;
}

/* sim_run's stop reasons. */
static void test_run_stops(void)
{
    dnode a, b;
    sim_link *l;
    sim_link_config cfg = {.delay_ns = SIM_MS};
    sim *s = setup(seed_base, &a, &b, &cfg, 100, &l);
    a.interval = 10 * SIM_MS;
    a.periodic_left = 10; /* k at 10k ms, arriving at 10k + 1 ms */
    CHECK_EQ(sim_run(s, 25 * SIM_MS, NULL, NULL), SIM_STOP_UNTIL);
    CHECK_EQ(sim_now(s), 25 * SIM_MS);
    CHECK_EQ(b.rx_n, 3);
    CHECK_EQ(sim_run(s, 31 * SIM_MS, NULL, NULL), SIM_STOP_UNTIL); /* at until: run */
    CHECK_EQ(b.rx_n, 4);
    CHECK_EQ(sim_run(s, UINT64_MAX, done_after_3, &b), SIM_STOP_DONE);
    CHECK_EQ(sim_run(s, UINT64_MAX, NULL, NULL), SIM_STOP_IDLE);
    CHECK_EQ(b.rx_n, 10);
    CHECK_EQ(sim_now(s), 91 * SIM_MS);
    teardown(s, &a, &b);

    /* A timer that never moves is a livelock, not a hang. */
    s = setup(seed_base, &a, &b, &cfg, 100, &l);
    a.stuck = true;
    CHECK_EQ(sim_run(s, UINT64_MAX, NULL, NULL), SIM_STOP_LIVELOCK);
    CHECK_STR(sim_stop_name(SIM_STOP_LIVELOCK), "livelock");
    teardown(s, &a, &b);
}

/* pcap: one record per packet put on a link, with virtual timestamps. */
static void test_pcap(void)
{
    const char *path = "test_sim_net.pcap";
    dnode a, b;
    sim_link *l;
    sim_link_config cfg = {.delay_ns = SIM_MS, .loss = 1.0};
    sim *s = setup(seed_base, &a, &b, &cfg, 100, &l);
    CHECK_EQ(sim_set_pcap(s, path), 0);
    a.interval = 1500 * SIM_US;
    a.periodic_left = 3;
    sim_run(s, UINT64_MAX, NULL, NULL);
    CHECK_EQ(sim_set_pcap(s, NULL), 0);
    teardown(s, &a, &b);
    FILE *f = fopen(path, "rb");
    CHECK(f != NULL);
    if (!f)
        return;
    uint8_t buf[4096];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    remove(path);
    size_t rec = 16 + 14 + 20 + 8 + 100;
    CHECK_EQ(n, 24 + 3 * rec);
    if (n != 24 + 3 * rec)
        return;
    /* Third record: t = 3 ms -> 0 s, 3000 us (little-endian). */
    const uint8_t *r = buf + 24 + 2 * rec;
    CHECK_EQ(r[0] | r[1] << 8, 0);
    CHECK_EQ(r[4] | r[5] << 8, 3000);
    /* UDP ports 9899 -> 9899 after Ethernet + IPv4. */
    CHECK_EQ(r[16 + 34] << 8 | r[16 + 35], 9899);
}

static void test_seed_env(void)
{
    /* sim_seed honours BRAID_SIM_SEED; setenv is POSIX, so only read here. */
    const char *e = getenv("BRAID_SIM_SEED");
    if (!e)
        CHECK(sim_seed(77) == 77);
    else
        CHECK(sim_seed(77) == strtoull(e, NULL, 0));
}

int main(void)
{
    seed_base = sim_seed(20240601);
    A = sim_addr4(10, 0, 0, 1, 9899);
    B = sim_addr4(10, 0, 0, 2, 9899);
    C = sim_addr4(10, 0, 1, 2, 9899);
    RUN(test_prng);
    RUN(test_heap_order);
    RUN(test_delay_rate);
    RUN(test_queue);
    RUN(test_loss);
    RUN(test_dup_reorder_jitter);
    RUN(test_blackout);
    RUN(test_mtu);
    RUN(test_filter);
    RUN(test_determinism);
    RUN(test_routing);
    RUN(test_timers);
    RUN(test_run_stops);
    RUN(test_pcap);
    RUN(test_seed_env);
    int rc = CHECK_REPORT();
    if (rc)
        sim_print_replay(seed_base);
    return rc;
}
