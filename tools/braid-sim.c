/*
 * braid-sim: two braid endpoints over the deterministic network simulator.
 *
 *   braid-sim [--scenario bulk|msgs|handshake] [--bytes 100M] [--msg-size N|MIN-MAX]
 *             [--rate 100mbit] [--rtt 20ms] [--loss P] [--dup P] [--reorder P]
 *             [--reorder-delay T] [--jitter T] [--queue BYTES] [--streams N]
 *             [--unordered] [--seed S] [--seeds N] [--max-time T] [--pcap FILE]
 *             [--json] [--log] [--trace]
 *
 * One run prints what was sent and delivered, the in-order and exactly-once
 * verdicts, retransmissions, simulated time, goodput over simulated time and
 * the CPU time used; --json adds one JSON object as the last line. --seeds N
 * runs N randomised lossy/reordering/duplicating scenarios (seeds S..S+N-1;
 * options given explicitly stay fixed) and ends with "N passed, M failed".
 * Exit status: 0 all passed, 1 a run failed, 2 bad usage.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "braid/braid.h"
#include "node_braid.h"
#include "sim.h"
#include "traffic.h"

#define CLIENT_PORT 40000
#define SERVER_PORT 5001
#define UDP_PORT 9899 /* RFC 6951 */

typedef enum { SC_BULK, SC_MSGS, SC_HANDSHAKE } scenario_kind;

static const char *const scenario_names[] = {"bulk", "msgs", "handshake"};

typedef struct options {
    scenario_kind kind;
    uint64_t bytes;
    size_t size_min, size_max;
    uint64_t rate_bps; /* 0: unlimited */
    uint64_t rtt_ns, jitter_ns, reorder_delay_ns;
    double loss, dup, reorder;
    size_t queue_bytes; /* 0: automatic */
    uint16_t streams;
    double unordered;
    uint64_t seed;
    uint64_t seeds; /* 0: one plain run */
    uint64_t max_time_ns;
    const char *pcap;
    bool json, log, trace;
    /* which were given explicitly (kept fixed by --seeds) */
    bool g_bytes, g_size, g_rate, g_rtt, g_jitter, g_loss, g_dup, g_reorder, g_streams, g_unordered;
} options;

typedef struct result {
    bool ok;
    char why[200];
    sim_stop stop;
    traffic_verdict v;
    braid_counters cc, sc; /* client, server */
    sim_link_stats up, down;
    uint64_t sim_ns;
    double cpu_s;
    uint64_t peak_client, peak_server;
    uint64_t leaked; /* live allocations after endpoint_free, both nodes */
} result;

/* ---- parsing ---- */

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static bool suffix_is(const char *s, const char *want)
{
    for (; *s && *want; s++, want++)
        if (lower((unsigned char)*s) != *want)
            return false;
    return *s == '\0' && *want == '\0';
}

/* 100M, 64K, 1G, 1500 (binary multiples: K = 1024). */
static bool parse_size(const char *s, uint64_t *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || v < 0)
        return false;
    double m = 1;
    if (*end == '\0' || suffix_is(end, "b"))
        m = 1;
    else if (suffix_is(end, "k") || suffix_is(end, "kb") || suffix_is(end, "kib"))
        m = 1024.0;
    else if (suffix_is(end, "m") || suffix_is(end, "mb") || suffix_is(end, "mib"))
        m = 1024.0 * 1024;
    else if (suffix_is(end, "g") || suffix_is(end, "gb") || suffix_is(end, "gib"))
        m = 1024.0 * 1024 * 1024;
    else
        return false;
    *out = (uint64_t)(v * m + 0.5);
    return true;
}

/* 100mbit, 1gbit, 500kbit, 64000 (bit/s); 0 or "unlimited": no limit. */
static bool parse_rate(const char *s, uint64_t *out)
{
    if (suffix_is(s, "unlimited") || suffix_is(s, "inf")) {
        *out = 0;
        return true;
    }
    char *end;
    double v = strtod(s, &end);
    if (end == s || v < 0)
        return false;
    double m;
    if (*end == '\0' || suffix_is(end, "bit") || suffix_is(end, "bps"))
        m = 1;
    else if (suffix_is(end, "k") || suffix_is(end, "kbit") || suffix_is(end, "kbps"))
        m = 1e3;
    else if (suffix_is(end, "m") || suffix_is(end, "mbit") || suffix_is(end, "mbps"))
        m = 1e6;
    else if (suffix_is(end, "g") || suffix_is(end, "gbit") || suffix_is(end, "gbps"))
        m = 1e9;
    else
        return false;
    *out = (uint64_t)(v * m + 0.5);
    return true;
}

/* 20ms, 1s, 500us, 100ns; a bare number is milliseconds. */
static bool parse_time(const char *s, uint64_t *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || v < 0)
        return false;
    double m;
    if (*end == '\0' || suffix_is(end, "ms"))
        m = 1e6;
    else if (suffix_is(end, "s"))
        m = 1e9;
    else if (suffix_is(end, "us"))
        m = 1e3;
    else if (suffix_is(end, "ns"))
        m = 1;
    else if (suffix_is(end, "min"))
        m = 60e9;
    else
        return false;
    *out = (uint64_t)(v * m + 0.5);
    return true;
}

/* 0.01 or 1%. */
static bool parse_prob(const char *s, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s)
        return false;
    if (*end == '%') {
        v /= 100;
        end++;
    }
    if (*end != '\0' || v < 0 || v > 1)
        return false;
    *out = v;
    return true;
}

static bool parse_u64(const char *s, uint64_t *out)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 0);
    if (end == s || *end != '\0')
        return false;
    *out = (uint64_t)v;
    return true;
}

/* N or MIN-MAX. */
static bool parse_msg_size(const char *s, size_t *min, size_t *max)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%s", s);
    char *dash = strchr(buf, '-');
    uint64_t a, b;
    if (dash) {
        *dash = '\0';
        if (!parse_size(buf, &a) || !parse_size(dash + 1, &b))
            return false;
    } else {
        if (!parse_size(buf, &a))
            return false;
        b = a;
    }
    if (a < TRAFFIC_MIN_MSG || b < a || b > (1u << 24))
        return false;
    *min = (size_t)a;
    *max = (size_t)b;
    return true;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: braid-sim [options]\n"
               "  --scenario bulk|msgs|handshake  traffic (default bulk)\n"
               "  --bytes SIZE          bytes to send (bulk 10M, msgs 1M; 100M, 64K, 1G)\n"
               "  --msg-size N|MIN-MAX  message size in bytes, >= 4 (bulk 16K, msgs 100)\n"
               "  --rate RATE           link rate each way (100mbit; 1gbit; unlimited)\n"
               "  --rtt TIME            round-trip time (20ms)\n"
               "  --loss P              loss probability each way (0.01 or 1%%)\n"
               "  --dup P               duplication probability\n"
               "  --reorder P           probability a packet is held back --reorder-delay\n"
               "  --reorder-delay TIME  (default max(1ms, jitter))\n"
               "  --jitter TIME         uniform extra delay, order kept\n"
               "  --queue SIZE          bottleneck queue (default max(64K, rate x rtt))\n"
               "  --streams N           streams used (1)\n"
               "  --unordered [P]       send unordered (all, or a fraction P)\n"
               "  --seed S              seed (default $BRAID_SIM_SEED or 1)\n"
               "  --seeds N             N randomised runs, seeds S..S+N-1\n"
               "  --max-time TIME       simulated time limit (600s)\n"
               "  --pcap FILE           write every packet (Wireshark: decode udp 9899 as sctp)\n"
               "  --json                one JSON object as the last line\n"
               "  --log                 engine log lines on stderr\n"
               "  --trace               every packet's fate on stderr\n");
}

static int parse_args(int argc, char **argv, options *o)
{
    memset(o, 0, sizeof *o);
    o->kind = SC_BULK;
    o->rate_bps = 100000000;
    o->rtt_ns = 20 * SIM_MS;
    o->streams = 1;
    o->seed = sim_seed(1);
    o->max_time_ns = 600 * SIM_SEC;
    for (int i = 1; i < argc; i++) {
        char *arg = argv[i];
        char *val = NULL;
        char *eq = strchr(arg, '=');
        char name[64];
        if (strncmp(arg, "--", 2) != 0) {
            fprintf(stderr, "braid-sim: unexpected argument %s\n", arg);
            return -1;
        }
        if (eq) {
            snprintf(name, sizeof name, "%.*s", (int)(eq - arg), arg);
            val = eq + 1;
        } else {
            snprintf(name, sizeof name, "%s", arg);
        }
#define FLAG(n) (strcmp(name, n) == 0)
#define NEED()                                                                                     \
    do {                                                                                           \
        if (!val) {                                                                                \
            if (i + 1 >= argc) {                                                                   \
                fprintf(stderr, "braid-sim: %s needs a value\n", name);                            \
                return -1;                                                                         \
            }                                                                                      \
            val = argv[++i];                                                                       \
        }                                                                                          \
    } while (0)
#define BAD()                                                                                      \
    do {                                                                                           \
        fprintf(stderr, "braid-sim: bad value for %s: %s\n", name, val);                           \
        return -1;                                                                                 \
    } while (0)
        uint64_t u;
        if (FLAG("--help") || FLAG("-h")) {
            usage(stdout);
            exit(0);
        } else if (FLAG("--scenario")) {
            NEED();
            if (strcmp(val, "bulk") == 0)
                o->kind = SC_BULK;
            else if (strcmp(val, "msgs") == 0)
                o->kind = SC_MSGS;
            else if (strcmp(val, "handshake") == 0)
                o->kind = SC_HANDSHAKE;
            else
                BAD();
        } else if (FLAG("--bytes")) {
            NEED();
            if (!parse_size(val, &o->bytes) || o->bytes == 0)
                BAD();
            o->g_bytes = true;
        } else if (FLAG("--msg-size")) {
            NEED();
            if (!parse_msg_size(val, &o->size_min, &o->size_max))
                BAD();
            o->g_size = true;
        } else if (FLAG("--rate")) {
            NEED();
            if (!parse_rate(val, &o->rate_bps))
                BAD();
            o->g_rate = true;
        } else if (FLAG("--rtt")) {
            NEED();
            if (!parse_time(val, &o->rtt_ns))
                BAD();
            o->g_rtt = true;
        } else if (FLAG("--jitter")) {
            NEED();
            if (!parse_time(val, &o->jitter_ns))
                BAD();
            o->g_jitter = true;
        } else if (FLAG("--reorder-delay")) {
            NEED();
            if (!parse_time(val, &o->reorder_delay_ns))
                BAD();
        } else if (FLAG("--loss")) {
            NEED();
            if (!parse_prob(val, &o->loss))
                BAD();
            o->g_loss = true;
        } else if (FLAG("--dup")) {
            NEED();
            if (!parse_prob(val, &o->dup))
                BAD();
            o->g_dup = true;
        } else if (FLAG("--reorder")) {
            NEED();
            if (!parse_prob(val, &o->reorder))
                BAD();
            o->g_reorder = true;
        } else if (FLAG("--queue")) {
            NEED();
            if (!parse_size(val, &u))
                BAD();
            o->queue_bytes = (size_t)u;
        } else if (FLAG("--streams")) {
            NEED();
            if (!parse_u64(val, &u) || u == 0 || u > 65535)
                BAD();
            o->streams = (uint16_t)u;
            o->g_streams = true;
        } else if (FLAG("--unordered")) {
            o->unordered = 1.0;
            /* an optional fraction */
            if (!val && i + 1 < argc && argv[i + 1][0] != '-' &&
                parse_prob(argv[i + 1], &o->unordered))
                i++;
            else if (val && !parse_prob(val, &o->unordered))
                BAD();
            o->g_unordered = true;
        } else if (FLAG("--seed")) {
            NEED();
            if (!parse_u64(val, &o->seed))
                BAD();
        } else if (FLAG("--seeds")) {
            NEED();
            if (!parse_u64(val, &o->seeds) || o->seeds == 0)
                BAD();
        } else if (FLAG("--max-time")) {
            NEED();
            if (!parse_time(val, &o->max_time_ns) || o->max_time_ns == 0)
                BAD();
        } else if (FLAG("--pcap")) {
            NEED();
            o->pcap = val;
        } else if (FLAG("--json")) {
            o->json = true;
        } else if (FLAG("--log")) {
            o->log = true;
        } else if (FLAG("--trace")) {
            o->trace = true;
        } else {
            fprintf(stderr, "braid-sim: unknown option %s\n", name);
            return -1;
        }
#undef FLAG
#undef NEED
#undef BAD
    }
    if (!o->g_bytes)
        o->bytes = o->kind == SC_BULK ? 10u << 20 : 1u << 20;
    if (!o->g_size) {
        o->size_min = o->size_max = o->kind == SC_BULK ? 16384 : 100;
    }
    return 0;
}

/* ---- one run ---- */

static double cpu_seconds(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return 0;
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static void trace_fn(void *user, uint64_t now, sim_trace_kind kind, const braid_addr *from,
                     const braid_addr *to, const uint8_t *pkt, size_t len)
{
    (void)user;
    (void)pkt;
    char a[64], b[64];
    fprintf(stderr, "%12.6f %-10s %s -> %s %zu bytes\n", (double)now / 1e9,
            sim_trace_kind_name(kind), sim_addr_str(from, a, sizeof a),
            sim_addr_str(to, b, sizeof b), len);
}

static void set_why(result *r, const char *fmt, const char *arg)
{
    if (r->ok || r->why[0] == '\0')
        snprintf(r->why, sizeof r->why, fmt, arg);
    r->ok = false;
}

static void run_one(const options *o, result *r)
{
    memset(r, 0, sizeof *r);
    r->ok = true;
    sim *s = sim_new(o->seed);
    if (!s) {
        set_why(r, "%s", "out of memory");
        return;
    }
    if (o->pcap) {
        int rc = sim_set_pcap(s, o->pcap);
        if (rc < 0)
            fprintf(stderr, "braid-sim: cannot write %s: %s\n", o->pcap, strerror(-rc));
    }
    if (o->trace)
        sim_set_trace(s, trace_fn, NULL);

    braid_addr caddr = sim_addr4(10, 0, 0, 1, UDP_PORT);
    braid_addr saddr = sim_addr4(10, 0, 0, 2, UDP_PORT);
    sim_link_config lc;
    memset(&lc, 0, sizeof lc);
    lc.delay_ns = o->rtt_ns / 2;
    lc.rate_bps = o->rate_bps;
    lc.overhead = 20 + 8; /* IPv4 + UDP */
    if (o->queue_bytes) {
        lc.queue_bytes = o->queue_bytes;
    } else if (o->rate_bps) {
        uint64_t bdp = o->rate_bps / 8 * o->rtt_ns / SIM_SEC;
        lc.queue_bytes = (size_t)(bdp > 65536 ? bdp : 65536);
    }
    lc.loss = o->loss;
    lc.dup = o->dup;
    lc.reorder = o->reorder;
    lc.jitter_ns = o->jitter_ns;
    lc.reorder_delay_ns =
        o->reorder_delay_ns ? o->reorder_delay_ns : (o->jitter_ns > SIM_MS ? o->jitter_ns : SIM_MS);
    sim_link *up = NULL, *down = NULL;
    sim_add_link_pair(s, &caddr, &saddr, &lc, &up, &down);

    braid_settings cs, ss;
    braid_settings_default(&cs);
    cs.local_port = CLIENT_PORT;
    cs.local_addrs[0] = caddr;
    cs.n_local_addrs = 1;
    braid_settings_default(&ss);
    ss.local_port = SERVER_PORT;
    ss.local_addrs[0] = saddr;
    ss.n_local_addrs = 1;

    sim_braid_node *cn = NULL, *sn = NULL;
    traffic *t = NULL;
    int rc = sim_braid_node_new(&cn, s, "client", &cs);
    if (rc < 0) {
        set_why(r, "client endpoint: %s", braid_strerror(rc));
        goto out;
    }
    rc = sim_braid_node_new(&sn, s, "server", &ss);
    if (rc < 0) {
        set_why(r, "server endpoint: %s", braid_strerror(rc));
        goto out;
    }
    cn->log = sn->log = o->log;

    traffic_config tc;
    memset(&tc, 0, sizeof tc);
    tc.seed = o->seed;
    if (o->kind == SC_HANDSHAKE)
        tc.n_msgs = 1;
    else
        tc.total_bytes = o->bytes;
    tc.size_min = o->size_min;
    tc.size_max = o->size_max;
    tc.n_streams = o->streams;
    tc.unordered = o->unordered;
    tc.ppid = 0x62726169; /* "brai" */
    tc.shutdown = true;
    t = traffic_new(&tc);
    if (!t) {
        set_why(r, "%s", "bad traffic configuration");
        goto out;
    }

    braid_connect_opts co;
    memset(&co, 0, sizeof co);
    co.peer_port = SERVER_PORT;
    co.outbound_streams = o->streams > cs.outbound_streams ? o->streams : 0;
    braid_assoc_id assoc = 0;
    rc = braid_assoc_connect(cn->ep, &saddr, 1, &co, sim_now(s), &assoc);
    if (rc < 0) {
        set_why(r, "braid_connect: %s", braid_strerror(rc));
        goto out;
    }
    traffic_attach(t, cn->ep, assoc, sn->ep);
    sim_braid_node_set_app(cn, traffic_sender_app, t);
    sim_braid_node_set_app(sn, traffic_receiver_app, t);

    double cpu0 = cpu_seconds();
    r->stop = sim_run(s, o->max_time_ns, traffic_done, t);
    r->cpu_s = cpu_seconds() - cpu0;
    r->sim_ns = sim_now(s);

    traffic_verdict_get(t, &r->v);
    char why[160];
    if (!traffic_ok(t, why, sizeof why)) {
        char full[200];
        snprintf(full, sizeof full, "%s (stopped: %s)", why, sim_stop_name(r->stop));
        set_why(r, "%s", full);
    }
    braid_endpoint_counters(cn->ep, &r->cc);
    braid_endpoint_counters(sn->ep, &r->sc);

out:
    if (up)
        r->up = *sim_link_get_stats(up);
    if (down)
        r->down = *sim_link_get_stats(down);
    if (cn) {
        sim_braid_node_close(cn);
        r->peak_client = cn->mem.peak_bytes;
        r->leaked += cn->mem.live_allocs + cn->mem.bad_frees;
    }
    if (sn) {
        sim_braid_node_close(sn);
        r->peak_server = sn->mem.peak_bytes;
        r->leaked += sn->mem.live_allocs + sn->mem.bad_frees;
    }
    if (r->leaked) {
        char n[32];
        snprintf(n, sizeof n, "%llu", (unsigned long long)r->leaked);
        set_why(r, "memory: %s allocations leaked or freed wrongly", n);
    }
    sim_braid_node_free(cn);
    sim_braid_node_free(sn);
    traffic_free(t);
    sim_free(s);
}

/* ---- output ---- */

static void fmt_rate(char *buf, size_t cap, double bps)
{
    if (bps <= 0)
        snprintf(buf, cap, "unlimited");
    else if (bps >= 1e9)
        snprintf(buf, cap, "%.3g gbit", bps / 1e9);
    else if (bps >= 1e6)
        snprintf(buf, cap, "%.3g mbit", bps / 1e6);
    else if (bps >= 1e3)
        snprintf(buf, cap, "%.3g kbit", bps / 1e3);
    else
        snprintf(buf, cap, "%.3g bit", bps);
}

static double goodput_bps(const result *r)
{
    uint64_t t = r->v.last_delivery_at;
    if (t == 0)
        return 0;
    return (double)r->v.delivered_bytes * 8.0 / ((double)t / 1e9);
}

static void json_str(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c < 0x20)
            printf("\\u%04x", c);
        else
            putchar(c);
    }
    putchar('"');
}

static const char *params_line(const options *o, char *buf, size_t cap)
{
    char rate[32];
    fmt_rate(rate, sizeof rate, (double)o->rate_bps);
    snprintf(buf, cap,
             "rate %s, rtt %.1f ms, loss %.2f%%, dup %.2f%%, reorder %.2f%%, jitter %.1f ms, "
             "streams %u, unordered %.0f%%, msg %zu-%zu B, %llu bytes",
             rate, (double)o->rtt_ns / 1e6, o->loss * 100, o->dup * 100, o->reorder * 100,
             (double)o->jitter_ns / 1e6, o->streams, o->unordered * 100, o->size_min, o->size_max,
             (unsigned long long)(o->kind == SC_HANDSHAKE ? o->size_max : o->bytes));
    return buf;
}

static void print_json(const options *o, const result *r)
{
    const traffic_verdict *v = &r->v;
    printf("{\"scenario\":\"%s\",\"seed\":%llu,\"ok\":%s,\"why\":", scenario_names[o->kind],
           (unsigned long long)o->seed, r->ok ? "true" : "false");
    json_str(r->ok ? "" : r->why);
    printf(",\"rate_bps\":%llu,\"rtt_ns\":%llu,\"loss\":%g,\"dup\":%g,\"reorder\":%g,"
           "\"jitter_ns\":%llu,\"streams\":%u,\"unordered\":%g,\"msg_size_min\":%zu,"
           "\"msg_size_max\":%zu",
           (unsigned long long)o->rate_bps, (unsigned long long)o->rtt_ns, o->loss, o->dup,
           o->reorder, (unsigned long long)o->jitter_ns, o->streams, o->unordered, o->size_min,
           o->size_max);
    printf(",\"sent_bytes\":%llu,\"sent_msgs\":%llu,\"delivered_bytes\":%llu,"
           "\"delivered_msgs\":%llu",
           (unsigned long long)v->sent_bytes, (unsigned long long)v->sent_msgs,
           (unsigned long long)v->delivered_bytes, (unsigned long long)v->delivered_msgs);
    printf(",\"in_order\":%s,\"exactly_once\":%s,\"duplicates\":%llu,\"missing\":%llu,"
           "\"corrupt\":%llu,\"wrong_meta\":%llu,\"out_of_order\":%llu",
           v->out_of_order == 0 ? "true" : "false",
           v->duplicates == 0 && v->missing == 0 && v->corrupt == 0 ? "true" : "false",
           (unsigned long long)v->duplicates, (unsigned long long)v->missing,
           (unsigned long long)v->corrupt, (unsigned long long)v->wrong_meta,
           (unsigned long long)v->out_of_order);
    printf(",\"retransmits\":%llu,\"fast_retransmits\":%llu,\"t3_expiries\":%llu",
           (unsigned long long)(r->cc.retransmits + r->sc.retransmits),
           (unsigned long long)(r->cc.fast_retransmits + r->sc.fast_retransmits),
           (unsigned long long)(r->cc.t3_expiries + r->sc.t3_expiries));
    printf(",\"pkts_client_to_server\":%llu,\"pkts_server_to_client\":%llu,"
           "\"link_lost\":%llu,\"link_duplicated\":%llu,\"link_reordered\":%llu,"
           "\"link_queue_drops\":%llu",
           (unsigned long long)r->up.sent, (unsigned long long)r->down.sent,
           (unsigned long long)(r->up.lost + r->down.lost),
           (unsigned long long)(r->up.duplicated + r->down.duplicated),
           (unsigned long long)(r->up.reordered + r->down.reordered),
           (unsigned long long)(r->up.queue_drops + r->down.queue_drops));
    printf(",\"handshake_ns\":%llu,\"sim_time_ns\":%llu,\"sim_time_s\":%.6f,\"goodput_bps\":%.0f,"
           "\"cpu_s\":%.3f,\"stop\":\"%s\",\"peak_mem_client\":%llu,\"peak_mem_server\":%llu,"
           "\"leaked\":%llu}\n",
           (unsigned long long)(v->tx_up ? v->tx_up_at : 0), (unsigned long long)r->sim_ns,
           (double)r->sim_ns / 1e9, goodput_bps(r), r->cpu_s, sim_stop_name(r->stop),
           (unsigned long long)r->peak_client, (unsigned long long)r->peak_server,
           (unsigned long long)r->leaked);
}

static void print_text(const options *o, const result *r)
{
    const traffic_verdict *v = &r->v;
    char buf[512], gp[32];
    printf("braid-sim %s, seed %llu: %s\n", scenario_names[o->kind], (unsigned long long)o->seed,
           params_line(o, buf, sizeof buf));
    printf("  sent          %llu bytes, %llu msgs\n", (unsigned long long)v->sent_bytes,
           (unsigned long long)v->sent_msgs);
    printf("  delivered     %llu bytes, %llu msgs\n", (unsigned long long)v->delivered_bytes,
           (unsigned long long)v->delivered_msgs);
    printf("  in-order      %s (out of order %llu)\n", v->out_of_order ? "NO" : "yes",
           (unsigned long long)v->out_of_order);
    printf("  exactly-once  %s (duplicates %llu, missing %llu, corrupt %llu, wrong meta %llu)\n",
           v->duplicates || v->missing || v->corrupt ? "NO" : "yes",
           (unsigned long long)v->duplicates, (unsigned long long)v->missing,
           (unsigned long long)v->corrupt, (unsigned long long)v->wrong_meta);
    printf("  retransmits   %llu (fast %llu, T3 expiries %llu)\n",
           (unsigned long long)(r->cc.retransmits + r->sc.retransmits),
           (unsigned long long)(r->cc.fast_retransmits + r->sc.fast_retransmits),
           (unsigned long long)(r->cc.t3_expiries + r->sc.t3_expiries));
    printf("  packets       client->server %llu (lost %llu, queue drops %llu), "
           "server->client %llu (lost %llu, queue drops %llu)\n",
           (unsigned long long)r->up.sent, (unsigned long long)r->up.lost,
           (unsigned long long)r->up.queue_drops, (unsigned long long)r->down.sent,
           (unsigned long long)r->down.lost, (unsigned long long)r->down.queue_drops);
    printf("  simulated     %.6f s (handshake %.3f ms, stopped: %s)\n", (double)r->sim_ns / 1e9,
           v->tx_up ? (double)v->tx_up_at / 1e6 : 0.0, sim_stop_name(r->stop));
    fmt_rate(gp, sizeof gp, goodput_bps(r));
    printf("  goodput       %s/s\n", goodput_bps(r) > 0 ? gp : "0 bit");
    printf("  cpu           %.3f s\n", r->cpu_s);
    printf("  memory        peak client %llu B, server %llu B; leaked %llu\n",
           (unsigned long long)r->peak_client, (unsigned long long)r->peak_server,
           (unsigned long long)r->leaked);
    printf("  verdict       %s%s\n", r->ok ? "PASS" : "FAIL: ", r->ok ? "" : r->why);
}

/* ---- randomised runs ---- */

static void randomise(options *o, uint64_t seed)
{
    sim_rng g;
    sim_rng_seed(&g, seed ^ 0x5eed5eed5eed5eedull);
    o->seed = seed;
    o->kind = SC_MSGS;
    if (!o->g_loss)
        o->loss = sim_rng_double(&g) * 0.05;
    if (!o->g_reorder)
        o->reorder = sim_rng_below(&g, 2) ? sim_rng_double(&g) * 0.05 : 0;
    if (!o->g_dup)
        o->dup = sim_rng_below(&g, 2) ? sim_rng_double(&g) * 0.02 : 0;
    if (!o->g_rtt)
        o->rtt_ns = (1 + sim_rng_below(&g, 200)) * SIM_MS;
    if (!o->g_jitter)
        o->jitter_ns = sim_rng_below(&g, 2) ? sim_rng_below(&g, o->rtt_ns / 4 + 1) : 0;
    if (!o->g_rate) {
        static const uint64_t rates[] = {1000000, 10000000, 100000000, 0};
        o->rate_bps = rates[sim_rng_below(&g, 4)];
    }
    if (!o->g_size) {
        o->size_min = TRAFFIC_MIN_MSG + (size_t)sim_rng_below(&g, 200);
        static const uint64_t spans[] = {0, 1000, 10000, 70000};
        o->size_max = o->size_min + (size_t)sim_rng_below(&g, spans[sim_rng_below(&g, 4)] + 1);
    }
    if (!o->g_streams)
        o->streams = (uint16_t)(1 + sim_rng_below(&g, 16));
    if (!o->g_unordered) {
        static const double fr[] = {0, 0.5, 1};
        o->unordered = fr[sim_rng_below(&g, 3)];
    }
    if (!o->g_bytes)
        o->bytes = 64 * 1024 + sim_rng_below(&g, 1024 * 1024);
}

int main(int argc, char **argv)
{
    options o;
    if (parse_args(argc, argv, &o) < 0) {
        usage(stderr);
        return 2;
    }
    if (o.seeds == 0) {
        result r;
        run_one(&o, &r);
        print_text(&o, &r);
        if (o.json)
            print_json(&o, &r);
        return r.ok ? 0 : 1;
    }

    if (o.pcap && o.seeds > 1) {
        fprintf(stderr, "braid-sim: --pcap ignored with --seeds > 1\n");
        o.pcap = NULL;
    }
    /* The options to repeat for a replay: all but --seed/--seeds. */
    char extra[1024] = "";
    size_t el = 0;
    for (int i = 1; i < argc && el < sizeof extra; i++) {
        const char *a = argv[i];
        bool takes_value = strchr(a, '=') == NULL;
        if (strncmp(a, "--seeds", 7) == 0 || strncmp(a, "--seed", 6) == 0) {
            if (takes_value)
                i++;
            continue;
        }
        int n = snprintf(extra + el, sizeof extra - el, " %s", a);
        if (n > 0)
            el += (size_t)n;
    }
    uint64_t passed = 0, failed = 0;
    for (uint64_t i = 0; i < o.seeds; i++) {
        options ro = o;
        randomise(&ro, o.seed + i);
        result r;
        run_one(&ro, &r);
        char buf[512];
        if (r.ok) {
            passed++;
            printf("seed %llu: ok (%s; %.3f s simulated, %.3f s cpu)\n",
                   (unsigned long long)ro.seed, params_line(&ro, buf, sizeof buf),
                   (double)r.sim_ns / 1e9, r.cpu_s);
        } else {
            failed++;
            printf("seed %llu: FAIL: %s (%s)\n  replay: braid-sim --seeds 1 --seed %llu%s\n",
                   (unsigned long long)ro.seed, r.why, params_line(&ro, buf, sizeof buf),
                   (unsigned long long)ro.seed, extra);
        }
        if (o.json)
            print_json(&ro, &r);
        fflush(stdout);
    }
    printf("%llu passed, %llu failed\n", (unsigned long long)passed, (unsigned long long)failed);
    return failed ? 1 : 0;
}
