/*
 * Application model: deterministic messages, verified on receipt.
 */
#include "traffic.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct traffic {
    traffic_config cfg;
    braid_endpoint *tx_ep, *rx_ep;
    braid_assoc_id assoc;
    /* sender */
    uint64_t next_idx;
    bool all_queued;
    bool shutdown_called;
    bool tx_stopped; /* a hard send error: no more sending */
    uint8_t *txbuf;
    /* receiver */
    uint8_t *seen; /* one byte per message index */
    size_t seen_cap;
    uint64_t *last_ordered; /* per stream: index + 1 of the last ordered delivery */
    uint8_t *rbuf;          /* a message being assembled from pieces */
    size_t rbuf_cap, rbuf_len;
    bool discarding; /* piece overflowed rbuf: skip to EOR */
    traffic_verdict v;
};

/* ---- message model ---- */

static uint64_t mix(uint64_t seed, uint64_t index, uint64_t salt)
{
    uint64_t st = seed ^ (index * 0x9e3779b97f4a7c15ull) ^ (salt * 0xc2b2ae3d27d4eb4full);
    sim_splitmix64(&st);
    return sim_splitmix64(&st);
}

static uint16_t n_streams(const traffic_config *c)
{
    return c->n_streams ? c->n_streams : 1;
}

traffic_msg traffic_msg_props(const traffic_config *c, uint64_t index)
{
    sim_rng r;
    sim_rng_seed(&r, mix(c->seed, index, 1));
    traffic_msg m;
    m.size = c->size_min + (size_t)sim_rng_below(&r, (uint64_t)(c->size_max - c->size_min) + 1);
    m.sid = (uint16_t)sim_rng_below(&r, n_streams(c));
    m.unordered = sim_rng_double(&r) < c->unordered;
    return m;
}

static size_t index_len(size_t size)
{
    return size >= 8 ? 8 : 4;
}

/* Message bodies are windows into one 64 KiB pseudo-random pattern, at an
 * offset derived from (seed, index): filling and checking cost a memcpy /
 * memcmp, and two different messages (or a shifted body) never match. */
#define PATTERN_SIZE 65536u
static uint8_t pattern[2 * PATTERN_SIZE];

static const uint8_t *pattern_bytes(void)
{
    static bool ready = false;
    if (!ready) {
        sim_rng r;
        sim_rng_seed(&r, 0x6272616964ull); /* "braid" */
        sim_rng_bytes(&r, pattern, PATTERN_SIZE);
        memcpy(pattern + PATTERN_SIZE, pattern, PATTERN_SIZE); /* wrap-free reads */
        ready = true;
    }
    return pattern;
}

/* Walks the body of message index in pieces: fn(piece, offset, n). */
static bool body_walk(const traffic_config *c, uint64_t index, size_t il, size_t size,
                      bool (*fn)(const uint8_t *piece, uint8_t *buf, size_t off, size_t n),
                      uint8_t *buf)
{
    const uint8_t *p = pattern_bytes();
    size_t start = (size_t)(mix(c->seed, index, 2) % PATTERN_SIZE);
    for (size_t off = il; off < size;) {
        size_t n = size - off < PATTERN_SIZE ? size - off : PATTERN_SIZE;
        if (!fn(p + (start + off) % PATTERN_SIZE, buf, off, n))
            return false;
        off += n;
    }
    return true;
}

static bool piece_copy(const uint8_t *piece, uint8_t *buf, size_t off, size_t n)
{
    memcpy(buf + off, piece, n);
    return true;
}

static bool piece_cmp(const uint8_t *piece, uint8_t *buf, size_t off, size_t n)
{
    return memcmp(buf + off, piece, n) == 0;
}

void traffic_msg_fill(const traffic_config *c, uint64_t index, uint8_t *buf, size_t size)
{
    size_t il = index_len(size);
    for (size_t i = 0; i < il; i++)
        buf[i] = (uint8_t)(index >> (8 * (il - 1 - i)));
    body_walk(c, index, il, size, piece_copy, buf);
}

static bool content_ok(const traffic_config *c, uint64_t index, const uint8_t *buf, size_t size)
{
    return body_walk(c, index, index_len(size), size, piece_cmp, (uint8_t *)(uintptr_t)buf);
}

/* ---- life cycle ---- */

traffic *traffic_new(const traffic_config *cfg)
{
    if (cfg->size_min < TRAFFIC_MIN_MSG || cfg->size_max < cfg->size_min ||
        (cfg->n_msgs == 0 && cfg->total_bytes == 0))
        return NULL;
    traffic *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->cfg = *cfg;
    t->txbuf = malloc(cfg->size_max);
    t->rbuf_cap = cfg->size_max + 64;
    t->rbuf = malloc(t->rbuf_cap);
    t->last_ordered = calloc(n_streams(cfg), sizeof *t->last_ordered);
    if (!t->txbuf || !t->rbuf || !t->last_ordered) {
        traffic_free(t);
        return NULL;
    }
    return t;
}

void traffic_free(traffic *t)
{
    if (!t)
        return;
    free(t->txbuf);
    free(t->rbuf);
    free(t->seen);
    free(t->last_ordered);
    free(t);
}

void traffic_attach(traffic *t, braid_endpoint *sender, braid_assoc_id assoc,
                    braid_endpoint *receiver)
{
    t->tx_ep = sender;
    t->assoc = assoc;
    t->rx_ep = receiver;
}

/* ---- events ---- */

static void poll_events(traffic *t, braid_endpoint *ep, bool sender, uint64_t now)
{
    braid_event ev;
    while (braid_poll_event(ep, &ev) > 0) {
        switch (ev.type) {
        case BRAID_EV_ASSOC_CHANGE:
            switch (ev.u.assoc_change.state) {
            case BRAID_COMM_UP:
                if (sender) {
                    t->v.tx_up = true;
                    t->v.tx_up_at = now;
                    if (t->assoc == 0)
                        t->assoc = ev.assoc;
                } else {
                    t->v.rx_up = true;
                    t->v.rx_up_at = now;
                }
                break;
            case BRAID_COMM_LOST:
            case BRAID_CANT_STR_ASSOC: t->v.comm_lost = true; break;
            case BRAID_RESTART: t->v.restarts++; break;
            case BRAID_SHUTDOWN_COMP:
                if (sender)
                    t->v.tx_closed = true;
                else
                    t->v.rx_closed = true;
                if (t->v.tx_closed && t->v.rx_closed)
                    t->v.closed_at = now;
                break;
            }
            break;
        case BRAID_EV_SEND_FAILED: t->v.send_failed_events++; break;
        default: break;
        }
        braid_event_release(ep, &ev);
    }
}

/* ---- sender ---- */

static bool limits_reached(const traffic *t)
{
    return (t->cfg.n_msgs && t->v.sent_msgs >= t->cfg.n_msgs) ||
           (t->cfg.total_bytes && t->v.sent_bytes >= t->cfg.total_bytes);
}

static void send_error(traffic *t, int rc)
{
    t->v.send_errors++;
    t->v.last_send_error = rc;
    t->tx_stopped = true;
}

void traffic_sender_tick(traffic *t, uint64_t now)
{
    if (!t->tx_ep)
        return;
    poll_events(t, t->tx_ep, true, now);
    /* Messages are queued once the association is up (COMM_UP): the
     * stream count is only known then. */
    if (t->assoc == 0 || !t->v.tx_up || t->tx_stopped || t->v.comm_lost)
        return;
    while (!t->all_queued) {
        if (limits_reached(t)) {
            t->all_queued = true;
            break;
        }
        traffic_msg m = traffic_msg_props(&t->cfg, t->next_idx);
        traffic_msg_fill(&t->cfg, t->next_idx, t->txbuf, m.size);
        braid_send_info info;
        memset(&info, 0, sizeof info);
        info.sid = m.sid;
        info.ppid = t->cfg.ppid;
        info.flags = m.unordered ? BRAID_SEND_UNORDERED : 0;
        info.context = (uint32_t)t->next_idx;
        int rc = braid_assoc_send(t->tx_ep, t->assoc, &info, t->txbuf, m.size, now);
        if (rc == BRAID_ERR_AGAIN)
            return;
        if (rc < 0) {
            send_error(t, rc);
            return;
        }
        t->next_idx++;
        t->v.sent_msgs++;
        t->v.sent_bytes += m.size;
    }
    if (t->cfg.shutdown && !t->shutdown_called) {
        t->shutdown_called = true;
        int rc = braid_assoc_shutdown(t->tx_ep, t->assoc, now);
        if (rc < 0)
            send_error(t, rc);
    }
}

/* ---- receiver ---- */

static int mark_seen(traffic *t, uint64_t idx)
{
    if (idx >= t->seen_cap) {
        size_t cap = t->seen_cap ? t->seen_cap : 1024;
        while (cap <= idx)
            cap *= 2;
        uint8_t *s = realloc(t->seen, cap);
        if (!s)
            return -1;
        memset(s + t->seen_cap, 0, cap - t->seen_cap);
        t->seen = s;
        t->seen_cap = cap;
    }
    if (t->seen[idx])
        return 1;
    t->seen[idx] = 1;
    return 0;
}

static void verify(traffic *t, const braid_recv_info *info, const uint8_t *buf, size_t len,
                   uint64_t now)
{
    if (len < TRAFFIC_MIN_MSG) {
        t->v.corrupt++;
        return;
    }
    uint64_t idx = 0;
    size_t il = index_len(len);
    for (size_t i = 0; i < il; i++)
        idx = idx << 8 | buf[i];
    /* Never sent (the sender counts before the peer can see it). */
    if (idx >= t->v.sent_msgs) {
        t->v.corrupt++;
        return;
    }
    traffic_msg m = traffic_msg_props(&t->cfg, idx);
    if (len != m.size || !content_ok(&t->cfg, idx, buf, len)) {
        t->v.corrupt++;
        return;
    }
    bool unordered = (info->flags & BRAID_RECV_UNORDERED) != 0;
    if (info->sid != m.sid || info->ppid != t->cfg.ppid || unordered != m.unordered)
        t->v.wrong_meta++;
    int seen = mark_seen(t, idx);
    if (seen != 0) {
        if (seen > 0)
            t->v.duplicates++;
        return;
    }
    t->v.delivered_msgs++;
    t->v.delivered_bytes += len;
    t->v.last_delivery_at = now;
    if (!m.unordered) {
        uint64_t *last = &t->last_ordered[m.sid];
        if (idx + 1 <= *last)
            t->v.out_of_order++;
        else
            *last = idx + 1;
    }
}

void traffic_receiver_tick(traffic *t, uint64_t now)
{
    if (!t->rx_ep)
        return;
    poll_events(t, t->rx_ep, false, now);
    for (;;) {
        braid_recv_info info;
        memset(&info, 0, sizeof info);
        size_t room = t->rbuf_cap - t->rbuf_len;
        if (room == 0) {
            /* Longer than any message sent: corrupt; skip to its end. */
            t->v.corrupt++;
            t->rbuf_len = 0;
            t->discarding = true;
            room = t->rbuf_cap;
        }
        int rc = braid_endpoint_recv(t->rx_ep, &info, t->rbuf + t->rbuf_len, room, now);
        if (rc < 0)
            break; /* BRAID_ERR_AGAIN: nothing more */
        t->rbuf_len += (size_t)rc;
        if (!(info.flags & BRAID_RECV_EOR)) {
            if (rc == 0)
                break; /* no progress: do not spin */
            continue;
        }
        if (t->discarding)
            t->discarding = false;
        else
            verify(t, &info, t->rbuf, t->rbuf_len, now);
        t->rbuf_len = 0;
    }
    /* Data may have come with events queued after it. */
    poll_events(t, t->rx_ep, false, now);
}

void traffic_sender_app(sim_braid_node *n, void *t, uint64_t now)
{
    (void)n;
    traffic_sender_tick(t, now);
}

void traffic_receiver_app(sim_braid_node *n, void *t, uint64_t now)
{
    (void)n;
    traffic_receiver_tick(t, now);
}

/* ---- verdict ---- */

bool traffic_done(void *arg)
{
    const traffic *t = arg;
    if (t->v.comm_lost || t->tx_stopped)
        return true;
    if (!t->all_queued || t->v.delivered_msgs < t->v.sent_msgs)
        return false;
    return !t->cfg.shutdown || (t->v.tx_closed && t->v.rx_closed);
}

void traffic_verdict_get(const traffic *t, traffic_verdict *v)
{
    *v = t->v;
    v->missing = t->v.sent_msgs > t->v.delivered_msgs ? t->v.sent_msgs - t->v.delivered_msgs : 0;
}

bool traffic_ok(const traffic *t, char *why, size_t cap)
{
    traffic_verdict v;
    traffic_verdict_get(t, &v);
    const char *r = NULL;
    char tmp[128];
    if (v.send_errors) {
        snprintf(tmp, sizeof tmp, "send error: %s", braid_strerror(v.last_send_error));
        r = tmp;
    } else if (v.comm_lost) {
        r = "association lost";
    } else if (!v.tx_up || !v.rx_up) {
        r = "association never came up";
    } else if (v.corrupt) {
        r = "corrupt messages";
    } else if (v.wrong_meta) {
        r = "wrong stream/ppid/unordered flag";
    } else if (v.duplicates) {
        r = "duplicate deliveries";
    } else if (v.out_of_order) {
        r = "out-of-order deliveries";
    } else if (!t->all_queued) {
        r = "not everything was sent";
    } else if (v.missing) {
        r = "messages missing";
    } else if (t->cfg.shutdown && !(v.tx_closed && v.rx_closed)) {
        r = "shutdown did not complete";
    }
    if (why && cap)
        snprintf(why, cap, "%s", r ? r : "ok");
    return r == NULL;
}
