/*
 * Discards are logged (issue #12, diagnosis): with BRAID_LOG=debug and
 * BRAID_LOG_FILE, bad packets fed to an endpoint (bad CRC, wrong tag, an
 * INIT for a port nobody serves, a truncated chunk, ...) each leave one
 * "drop REASON counter=FIELD" line naming the sender, and the counter
 * moves; at info they leave none. Also the $BRAID_LOG values and the
 * reason table.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "engine_pair.h"

#include "core/wire/crc32c.h"
#include "io/io.h"

static char log_path[256];

/* The log file's text from offset *off on (the offset moves to its end). */
static char *log_since(long *off)
{
    static char buf[1 << 16];
    buf[0] = '\0';
    FILE *f = fopen(log_path, "r");
    if (!f)
        return buf;
    fseek(f, *off, SEEK_SET);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    *off = ftell(f);
    fclose(f);
    return buf;
}

static uint64_t ctr(braid_endpoint *ep, size_t off)
{
    braid_counters c;
    braid_endpoint_counters(ep, &c);
    uint64_t v;
    memcpy(&v, (const char *)&c + off, sizeof v);
    return v;
}
#define CTR(ep, f) ctr(ep, offsetof(braid_counters, f))

/* A packet: common header, then chunks as given (type, flags, value len),
 * the CRC32c set. Returns its length. */
static size_t mkpkt(uint8_t *p, uint16_t sport, uint16_t dport, uint32_t vtag, uint8_t type,
                    uint8_t flags, size_t vlen)
{
    memset(p, 0, 12 + 4 + vlen + 3);
    braid_store16(p, sport);
    braid_store16(p + 2, dport);
    braid_store32(p + 4, vtag);
    p[12] = type;
    p[13] = flags;
    braid_store16(p + 14, (uint16_t)(4 + vlen));
    size_t len = 12 + ((4 + vlen + 3) & ~(size_t)3);
    braid_pkt_set_checksum(p, len);
    return len;
}

/* An INIT's value: tag, a_rwnd, OS, MIS, initial TSN. */
static size_t mkinit(uint8_t *p, uint16_t sport, uint16_t dport)
{
    size_t len = mkpkt(p, sport, dport, 0, 1 /* INIT */, 0, 16);
    braid_store32(p + 16, 0x11223344);
    braid_store32(p + 20, 65536);
    braid_store16(p + 24, 10);
    braid_store16(p + 26, 10);
    braid_store32(p + 28, 1000);
    braid_pkt_set_checksum(p, len);
    return len;
}

static int has(const char *text, const char *want)
{
    if (strstr(text, want))
        return 1;
    fprintf(stderr, "missing log line part \"%s\" in:\n%s\n", want, text);
    return 0;
}

static void test_levels(void)
{
    CHECK_EQ(braid_io_log_parse(NULL, NULL), BRAID_LOG_OFF);
    CHECK_EQ(braid_io_log_parse("", NULL), BRAID_LOG_OFF);
    CHECK_EQ(braid_io_log_parse(NULL, "/tmp/x"), BRAID_LOG_INFO);
    CHECK_EQ(braid_io_log_parse("0", NULL), BRAID_LOG_OFF);
    CHECK_EQ(braid_io_log_parse("1", NULL), BRAID_LOG_INFO); /* as BRAID_LOG=1 always was */
    CHECK_EQ(braid_io_log_parse("2", NULL), BRAID_LOG_WARN);
    CHECK_EQ(braid_io_log_parse("3", NULL), BRAID_LOG_INFO);
    CHECK_EQ(braid_io_log_parse("4", NULL), BRAID_LOG_DEBUG);
    CHECK_EQ(braid_io_log_parse("error", NULL), BRAID_LOG_ERROR);
    CHECK_EQ(braid_io_log_parse("WARN", NULL), BRAID_LOG_WARN);
    CHECK_EQ(braid_io_log_parse("info", NULL), BRAID_LOG_INFO);
    CHECK_EQ(braid_io_log_parse("debug", NULL), BRAID_LOG_DEBUG);
    CHECK_EQ(braid_io_log_parse("yes", NULL), BRAID_LOG_INFO);
}

static void test_table(void)
{
    static const char *const fields[] = {
        "drop_bad_crc",      "drop_malformed",          "drop_ootb",
        "drop_bad_vtag",     "drop_no_state",           "drop_bad_cookie",
        "drop_stale_cookie", "drop_unknown_chunk",      "drop_out_of_window",
        "drop_assoc_limit",  "drop_rwnd_full",          "drop_resp_full",
        "drop_bad_stream",   "drop_protocol_violation", "drop_stale_sack",
        "drop_bad_hb_ack",   "drop_event_full",         "icmp_dropped"};
    for (unsigned r = 0; r < BRAID_DROP__COUNT; r++) {
        CHECK(braid_drop_name(r) && braid_drop_text(r) && braid_drop_counter(r));
        int known = 0;
        for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
            known |= braid_drop_counter(r) && !strcmp(braid_drop_counter(r), fields[i]);
        CHECK(known);
        for (unsigned q = 0; q < r; q++)
            CHECK(strcmp(braid_drop_name(q), braid_drop_name(r)) != 0);
    }
    CHECK(braid_drop_name(BRAID_DROP__COUNT) == NULL);
    CHECK_STR(braid_drop_name(BRAID_DROP_BAD_CRC), "bad_crc");
}

/* Two endpoints with braid_hooks_default (the real sink), up. */
static void pair_up(pair *p)
{
    memset(p, 0, sizeof *p);
    braid_hooks h;
    braid_hooks_default(&h);
    CHECK(h.log != NULL);
    CHECK_EQ(h.log_level, BRAID_LOG_DEBUG);
    braid_settings sa, sb;
    braid_settings_default(&sa);
    braid_settings_default(&sb);
    mkaddr(&p->addr_a, 1, 9899);
    mkaddr(&p->addr_b, 2, 9899);
    sa.local_port = 5000;
    sb.local_port = 5001;
    sa.local_addrs[0] = p->addr_a;
    sb.local_addrs[0] = p->addr_b;
    sa.n_local_addrs = sb.n_local_addrs = 1;
    CHECK_EQ(braid_endpoint_new(&p->a, &sa, &h), 0);
    CHECK_EQ(braid_endpoint_new(&p->b, &sb, &h), 0);
    p->now = 1000000000ull;
    braid_connect_opts o = {.peer_port = 5001};
    braid_assoc_id id;
    CHECK_EQ(braid_assoc_connect(p->a, &p->addr_b, 1, &o, p->now, &id), 0);
    pump(p, 20);
    CHECK_EQ(braid_assoc_state_get(p->a, id), BRAID_STATE_ESTABLISHED);
}

static void test_engine_drops(void)
{
    pair p;
    pair_up(&p);
    braid_assoc_id bid = braid_next_assoc(p.b, 0);
    braid_assoc_status st;
    CHECK_EQ(braid_assoc_status_get(p.b, bid, &st), 0);
    uint32_t tag = st.local_vtag; /* what A's packets to B carry */
    braid_path in = {p.addr_b, p.addr_a};
    long off = 0;
    log_since(&off);
    uint8_t pkt[256];
    size_t n;
    char want[160];

    /* bad CRC: a HEARTBEAT with the right tag, one bit flipped */
    n = mkpkt(pkt, 5000, 5001, tag, 4, 0, 8);
    pkt[n - 1] ^= 1;
    uint64_t before = CTR(p.b, drop_bad_crc);
    CHECK(braid_endpoint_read_pkt(p.b, &in, pkt, n, p.now) < 0);
    CHECK_EQ(CTR(p.b, drop_bad_crc), before + 1);
    char *t = log_since(&off);
    CHECK(has(t, "braid["));
    CHECK(has(t, "debug: drop bad_crc counter=drop_bad_crc from=127.0.0.1:9899 "
                 "to=127.0.0.2:9899 sport=5000 dport=5001"));

    /* wrong verification tag on the association's packet (§8.5) */
    n = mkpkt(pkt, 5000, 5001, tag ^ 0x5a5a, 4, 0, 8);
    before = CTR(p.b, drop_bad_vtag);
    braid_endpoint_read_pkt(p.b, &in, pkt, n, p.now);
    CHECK_EQ(CTR(p.b, drop_bad_vtag), before + 1);
    t = log_since(&off);
    snprintf(want, sizeof want, "drop bad_vtag counter=drop_bad_vtag from=127.0.0.1:9899");
    CHECK(has(t, want));
    snprintf(want, sizeof want, "vtag=0x%08x assoc=%u ours=0x%08x", tag ^ 0x5a5a, bid, tag);
    CHECK(has(t, want));

    /* a truncated chunk: its length runs past the packet */
    n = mkpkt(pkt, 5000, 5001, tag, 4, 0, 8);
    braid_store16(pkt + 14, 40);
    braid_pkt_set_checksum(pkt, n);
    before = CTR(p.b, drop_malformed);
    braid_endpoint_read_pkt(p.b, &in, pkt, n, p.now);
    CHECK_EQ(CTR(p.b, drop_malformed), before + 1);
    CHECK(has(log_since(&off), "drop chunk_framing counter=drop_malformed"));

    /* shorter than a common header */
    before = CTR(p.b, drop_malformed);
    braid_endpoint_read_pkt(p.b, &in, pkt, 8, p.now);
    CHECK_EQ(CTR(p.b, drop_malformed), before + 1);
    CHECK(has(log_since(&off), "drop header_short counter=drop_malformed"));

    /* an INIT for a port this endpoint does not serve */
    n = mkinit(pkt, 5000, 7777);
    before = CTR(p.b, drop_malformed);
    braid_endpoint_read_pkt(p.b, &in, pkt, n, p.now);
    CHECK_EQ(CTR(p.b, drop_malformed), before + 1);
    CHECK(has(log_since(&off), "drop bad_port counter=drop_malformed"));

    /* tag 0 on a packet that is not an INIT (§8.5.1 A) */
    n = mkpkt(pkt, 5000, 5001, 0, 4, 0, 8);
    before = CTR(p.b, drop_bad_vtag);
    braid_endpoint_read_pkt(p.b, &in, pkt, n, p.now);
    CHECK_EQ(CTR(p.b, drop_bad_vtag), before + 1);
    CHECK(has(log_since(&off), "drop zero_vtag counter=drop_bad_vtag"));

    /* from a stranger: out of the blue (§8.4 item 8), and a forged cookie */
    braid_addr x;
    mkaddr(&x, 9, 4000);
    braid_path ox = {p.addr_b, x};
    n = mkpkt(pkt, 6000, 5001, 0x1234, 4, 0, 8);
    before = CTR(p.b, drop_ootb);
    braid_endpoint_read_pkt(p.b, &ox, pkt, n, p.now);
    CHECK_EQ(CTR(p.b, drop_ootb), before + 1);
    CHECK(has(log_since(&off), "drop ootb counter=drop_ootb from=127.0.0.9:4000"));
    n = mkpkt(pkt, 6000, 5001, 0x1234, 10 /* COOKIE ECHO */, 0, 40);
    before = CTR(p.b, drop_bad_cookie);
    braid_endpoint_read_pkt(p.b, &ox, pkt, n, p.now);
    CHECK_EQ(CTR(p.b, drop_bad_cookie), before + 1);
    CHECK(has(log_since(&off), "drop cookie_mac counter=drop_bad_cookie"));

    /* an unknown chunk type inside the association (§3.2) */
    n = mkpkt(pkt, 5000, 5001, tag, 0x7f, 0, 4);
    before = CTR(p.b, drop_unknown_chunk);
    braid_endpoint_read_pkt(p.b, &in, pkt, n, p.now);
    CHECK_EQ(CTR(p.b, drop_unknown_chunk), before + 1);
    CHECK(has(log_since(&off), "drop unknown_chunk counter=drop_unknown_chunk"));

    /* the association's own count */
    braid_assoc_stats as;
    CHECK_EQ(braid_assoc_stats_peek(p.b, bid, &as), 0);
    CHECK(as.drops >= 2);

    /* ICMP about nothing of ours */
    braid_icmp ic = {BRAID_ICMP_UNREACH, 0};
    before = CTR(p.b, icmp_dropped);
    braid_endpoint_icmp(p.b, &ox, &ic, pkt, 4, p.now);
    CHECK_EQ(CTR(p.b, icmp_dropped), before + 1);
    CHECK(has(log_since(&off), "drop icmp_short counter=icmp_dropped"));

    braid_endpoint_free(p.a);
    braid_endpoint_free(p.b);
}

/* The refuser's case: an endpoint answering for every port, accepting
 * nothing (the sockets layer's, for ports no socket serves) gets an INIT:
 * ABORT (§8.4 item 3), and the line says so. */
static void test_init_refused(void)
{
    braid_hooks h;
    braid_hooks_default(&h);
    braid_settings s;
    braid_settings_default(&s);
    s.local_port = 1;
    s.serve_any_port = 1;
    braid_endpoint *r;
    CHECK_EQ(braid_endpoint_new(&r, &s, &h), 0);
    braid_endpoint_set_accept(r, 0);
    braid_addr me, peer;
    mkaddr(&me, 2, 9899);
    mkaddr(&peer, 1, 40000);
    braid_path in = {me, peer};
    uint8_t pkt[128];
    size_t n = mkinit(pkt, 5000, 7777);
    long off = 0;
    log_since(&off);
    braid_endpoint_read_pkt(r, &in, pkt, n, 1000);
    CHECK_EQ(CTR(r, drop_ootb), 1);
    CHECK(has(log_since(&off), "drop init_refused counter=drop_ootb from=127.0.0.1:40000 "
                               "to=127.0.0.2:9899 sport=5000 dport=7777 vtag=0x00000000 "
                               "chunk=INIT"));
    braid_path out;
    uint8_t buf[256];
    CHECK(braid_endpoint_write_pkt(r, &out, buf, sizeof buf, 1000) > 0); /* the ABORT */
    CHECK_EQ(buf[12], 6);
    braid_endpoint_free(r);
}

/* Below debug: counted, not logged. */
static void test_quiet_below_debug(void)
{
    setenv("BRAID_LOG", "info", 1);
    braid_hooks h;
    braid_hooks_default(&h);
    CHECK_EQ(h.log_level, BRAID_LOG_INFO);
    braid_settings s;
    braid_settings_default(&s);
    s.local_port = 5001;
    braid_endpoint *ep;
    CHECK_EQ(braid_endpoint_new(&ep, &s, &h), 0);
    braid_addr me, peer;
    mkaddr(&me, 2, 9899);
    mkaddr(&peer, 1, 40000);
    braid_path in = {me, peer};
    uint8_t pkt[64];
    size_t n = mkpkt(pkt, 5000, 5001, 1, 4, 0, 8);
    pkt[n - 1] ^= 1;
    long off = 0;
    log_since(&off);
    braid_endpoint_read_pkt(ep, &in, pkt, n, 1000);
    CHECK_EQ(CTR(ep, drop_bad_crc), 1);
    CHECK(strstr(log_since(&off), "drop ") == NULL);
    braid_endpoint_free(ep);
    setenv("BRAID_LOG", "debug", 1);
    braid_hooks_default(&h);
}

/* A transport's discard: an in-process send to nobody. */
static void test_io_drop(void)
{
    braid_io *io;
    braid_addr a;
    mkaddr(&a, 1, 0);
    CHECK_EQ(braid_io_open(&io, BRAID_IO_INPROC, 4, &a, 1, 0), 0);
    uint8_t data[32] = {0};
    braid_io_pkt p;
    memset(&p, 0, sizeof p);
    p.data = data;
    p.len = sizeof data;
    mkaddr(&p.path.remote, 77, 5555);
    long off = 0;
    log_since(&off);
    CHECK_EQ(braid_io_send(io, &p, 1), 1);
    braid_io_stats st;
    braid_io_get_stats(io, &st);
    CHECK_EQ(st.drop_queue, 1);
    CHECK(has(log_since(&off), "drop inproc_queue counter=drop_queue transport=inproc:"));
    braid_io_close(io);
}

int main(void)
{
    snprintf(log_path, sizeof log_path, "%s/braid-drop-log.%d",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (int)getpid());
    unlink(log_path);
    setenv("BRAID_LOG", "debug", 1);
    setenv("BRAID_LOG_FILE", log_path, 1);
    RUN(test_levels);
    RUN(test_table);
    RUN(test_engine_drops);
    RUN(test_init_refused);
    RUN(test_quiet_below_debug);
    RUN(test_io_drop);
    unlink(log_path);
    return CHECK_REPORT();
}
