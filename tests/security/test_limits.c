/*
 * Resource limits against a hostile or careless peer (issue #7): what each
 * endpoint holds is measured with a byte-counting allocator.
 *
 * - a receiver that never reads: bounded by rcvbuf (a_rwnd goes to 0, more
 *   DATA is dropped and counted, RFC 9260 §6.2); the sender by sndbuf
 *   (send returns BRAID_ERR_AGAIN);
 * - 1-byte DATA chunks, and gap-filling chunks below a far TSN: still
 *   bounded by rcvbuf (each chunk charged at least BRAID_RX_MIN_CHARGE);
 * - a peer offering 65535 streams: a few KiB after the handshake, DATA on
 *   stream 65534 works;
 * - endless fragments of one message (with and without a partial delivery
 *   point) and open messages on 1000 streams: bounded, delivered partially
 *   where §6.9 allows, the excess dropped and counted;
 * - associations: max_assocs and max_assocs_per_peer refuse the COOKIE ECHO
 *   with an ABORT (Out of Resource) and count drop_assoc_limit;
 * - HEARTBEAT, SACK, ERROR and unknown-chunk storms while the application
 *   neither sends nor polls: replies and events stay bounded.
 */
#include "core/rx/reasm.h"
#include "sec_pair.h"

#define KB 1024

static void small_bufs(braid_settings *a, braid_settings *b)
{
    a->sndbuf = 64 * KB;
    b->rcvbuf = 64 * KB;
}

static uint32_t b_cum(spair *s)
{
    int ok;
    return st_of(s->p.b, s->idb, &ok).cum_tsn;
}

static uint32_t b_rwnd(spair *s)
{
    int ok;
    return st_of(s->p.b, s->idb, &ok).local_rwnd;
}

/* ---- a receiver that never reads ---- */

static void test_never_reading_receiver(void)
{
    spair s;
    CHECK_EQ(sp_init(&s, 20, small_bufs), 0);
    CHECK_EQ(sp_up(&s, 4, 4), 0);
    long base_a = s.ma.bytes, base_b = s.mb.bytes;
    uint8_t msg[1000];
    memset(msg, 'x', sizeof msg);
    braid_send_info si = {0, 1, 0, 0, 0};
    long sent = 0, again = 0;
    for (int i = 0; i < 2000; i++) {
        int rc = braid_assoc_send(s.p.a, s.ida, &si, msg, sizeof msg, s.p.now);
        if (rc == 0)
            sent++;
        else if (rc == BRAID_ERR_AGAIN)
            again++;
        else
            CHECK_EQ(rc, 0);
        pump(&s.p, 2);
    }
    pump(&s.p, 50);
    /* the receiver holds its window's worth and advertises 0 */
    CHECK(b_rwnd(&s) < sizeof msg); /* no room for another message */
    CHECK(again > 0);               /* the sender was told to wait */
    long held_b = s.mb.peak - base_b, held_a = s.ma.peak - base_a;
    printf("  %ld sent, %ld refused: receiver holds at most %ld B (rcvbuf 64 KiB), sender %ld B "
           "(sndbuf 64 KiB)\n",
           sent, again, held_b, held_a);
    /* 1000-byte chunks cost their payload plus a record each */
    CHECK(held_b <= 64 * KB * 5 / 4);
    CHECK(held_a <= 64 * KB * 5 / 4 + 16 * KB);
    CHECK_EQ(braid_assoc_send_space(s.p.a, s.ida) < sizeof msg, 1);
    /* a message larger than the whole send buffer can never fit */
    static uint8_t big[65 * KB];
    CHECK_EQ(braid_assoc_send(s.p.a, s.ida, &si, big, sizeof big, s.p.now), BRAID_ERR_MSGSIZE);
    /* more DATA past the closed window: dropped, counted, SACK at once */
    braid_counters c0 = ctr(s.p.b);
    uint32_t cum = b_cum(&s);
    braid_chunk d = mk_data(cum + 1, 0, 0, BE, msg, sizeof msg);
    to_b(&s, &d, 1);
    CHECK_EQ(ctr(s.p.b).drop_rwnd_full - c0.drop_rwnd_full, 1);
    out_pkt o = pull(s.p.b, s.p.now);
    CHECK(o.has_sack);
    CHECK_EQ(o.cum, cum);
    CHECK(o.a_rwnd < sizeof msg);
    CHECK_EQ(b_cum(&s), cum);
    sp_free(&s);
}

/* ---- chunks that cost more than their bytes ---- */

static void test_tiny_chunk_flood(void)
{
    spair s;
    CHECK_EQ(sp_init(&s, 21, small_bufs), 0);
    CHECK_EQ(sp_up(&s, 4, 4), 0);
    long base = s.mb.bytes;
    uint32_t tsn = b_cum(&s) + 1;
    braid_counters c0 = ctr(s.p.b);
    /* 160,000 unordered 1-byte messages, 80 chunks a packet */
    braid_chunk cs[80];
    for (int k = 0; k < 2000; k++) {
        for (int i = 0; i < 80; i++)
            cs[i] = mk_data(tsn++, 0, 0, BE | BRAID_DATA_FLAG_U, "z", 1);
        to_b(&s, cs, 80);
        discard_output(s.p.b, s.p.now);
    }
    long held = s.mb.peak - base;
    braid_counters c1 = ctr(s.p.b);
    uint64_t full = c1.drop_rwnd_full - c0.drop_rwnd_full;
    uint64_t far = c1.drop_out_of_window - c0.drop_out_of_window;
    printf("  160000 1-byte chunks: %llu dropped (window full), %llu (too far above the cum "
           "ack), peak %ld B (rcvbuf 64 KiB)\n",
           (unsigned long long)full, (unsigned long long)far, held);
    CHECK(held <= 2 * 64 * KB);
    /* taken: what costs up to twice the buffer (the payload count is far
     * from full) */
    CHECK_EQ(full + far, 160000 - 2 * 64 * KB / BRAID_RX_MIN_CHARGE);
    CHECK_EQ(b_rwnd(&s), 0);
    /* reading frees it all and opens the window again */
    CHECK(read_all(s.p.b, s.p.now, NULL) > 0);
    CHECK_EQ(b_rwnd(&s), 64 * KB);
    CHECK(s.mb.bytes - base < 8 * KB);
    sp_free(&s);
}

/* The other side of the charge: an honest sender that keeps to the window
 * B advertises, counting payload bytes as RFC 9260 §6.2.1 says, with small
 * pieces (a sender packing messages into full packets makes them) loses
 * nothing, though each piece costs B more than its bytes. */
static void test_small_pieces_within_window(void)
{
    spair s;
    CHECK_EQ(sp_init(&s, 23, small_bufs), 0);
    CHECK_EQ(sp_up(&s, 4, 4), 0);
    uint32_t tsn = b_cum(&s) + 1, acked = tsn - 1;
    uint32_t a_rwnd = 64 * KB; /* from the handshake */
    braid_counters c0 = ctr(s.p.b);
    static const uint8_t piece[100] = {0};
    unsigned sent = 0;
    for (int round = 0; round < 400; round++) {
        /* §6.1 B: send only while the payload in flight fits a_rwnd */
        size_t inflight = (size_t)(tsn - 1 - acked) * sizeof piece;
        if (inflight + 5 * sizeof piece > a_rwnd)
            break;
        braid_chunk cs[5];
        for (int i = 0; i < 5; i++)
            cs[i] = mk_data(tsn++, 0, 0, BE | BRAID_DATA_FLAG_U, piece, sizeof piece);
        to_b(&s, cs, 5);
        sent += 5;
        for (out_pkt o = pull(s.p.b, s.p.now); o.len > 0; o = pull(s.p.b, s.p.now))
            if (o.has_sack) {
                acked = o.cum;
                a_rwnd = o.a_rwnd; /* §6.2.1 D iv */
            }
    }
    braid_counters c1 = ctr(s.p.b);
    CHECK(sent >= 250); /* the charge closes the window early, not at once */
    CHECK_EQ(c1.drop_rwnd_full - c0.drop_rwnd_full, 0);
    CHECK_EQ(b_cum(&s), tsn - 1);
    size_t got = 0;
    CHECK_EQ(read_all(s.p.b, s.p.now, &got), (int)sent);
    CHECK_EQ(got, sent * sizeof piece);
    sp_free(&s);
}

static void test_gap_fill_flood(void)
{
    spair s;
    CHECK_EQ(sp_init(&s, 22, small_bufs), 0);
    CHECK_EQ(sp_up(&s, 4, 4), 0);
    long base = s.mb.bytes;
    uint32_t cum = b_cum(&s);
    static uint8_t pl[1200];
    memset(pl, 'g', sizeof pl);
    braid_counters c0 = ctr(s.p.b);
    /* a far TSN first, then every TSN below it, 1200 bytes each: all of
     * them fill gaps, none is "above the highest TSN received" */
    braid_chunk d = mk_data(cum + 60000, 0, 0, BE | BRAID_DATA_FLAG_U, pl, 1);
    to_b(&s, &d, 1);
    for (uint32_t t = cum + 59999; t != cum; t--) {
        d = mk_data(t, 0, 0, BE | BRAID_DATA_FLAG_U, pl, sizeof pl);
        to_b(&s, &d, 1);
        if ((t & 63) == 0)
            discard_output(s.p.b, s.p.now);
    }
    discard_output(s.p.b, s.p.now);
    long held = s.mb.peak - base;
    braid_counters c1 = ctr(s.p.b);
    printf("  59999 gap-filling 1200-byte chunks: %llu dropped, peak %ld B (rcvbuf 64 KiB)\n",
           (unsigned long long)(c1.drop_rwnd_full - c0.drop_rwnd_full), held);
    CHECK(held <= 3 * 64 * KB);
    CHECK(c1.drop_rwnd_full - c0.drop_rwnd_full > 59000);
    /* the lowest missing TSN was taken (it is what lets data go up) */
    CHECK_EQ(b_cum(&s), cum + 1);
    sp_free(&s);
}

/* ---- 65535 streams ---- */

static void many_streams(braid_settings *a, braid_settings *b)
{
    a->outbound_streams = 65535;
    a->max_inbound_streams = 65535;
    (void)b;
}

static void test_65535_streams(void)
{
    spair s;
    CHECK_EQ(sp_init(&s, 23, many_streams), 0);
    long base = s.mb.bytes;
    CHECK_EQ(sp_up(&s, 65535, 65535), 0);
    CHECK_EQ(s.sb.in_streams, 65535);
    long assoc_bytes = s.mb.bytes - base;
    printf("  peer with OS=MIS=65535: the association holds %ld B\n", assoc_bytes);
    CHECK(assoc_bytes < 16 * KB); /* stream state is made on first use */
    braid_send_info si = {65534, 7, 0, 0, 0};
    CHECK_EQ(braid_assoc_send(s.p.a, s.ida, &si, "last stream", 11, s.p.now), 0);
    pump(&s.p, 10);
    uint8_t buf[64];
    braid_recv_info ri;
    CHECK_EQ(braid_endpoint_recv(s.p.b, &ri, buf, sizeof buf, s.p.now), 11);
    CHECK_EQ(ri.sid, 65534);
    CHECK_EQ(ri.ppid, 7);
    CHECK(s.mb.bytes - base < 16 * KB);
    sp_free(&s);
}

/* ---- endless fragments ---- */

/* Reads all B has (and its events, as an application does); returns the
 * bytes, *eor set on an end of record. */
static size_t read_pieces(spair *s, int *eor)
{
    drain_events(s->p.b);
    static uint8_t buf[70000];
    braid_recv_info ri;
    size_t got = 0;
    int r;
    while ((r = braid_endpoint_recv(s->p.b, &ri, buf, sizeof buf, s->p.now)) > 0) {
        got += (size_t)r;
        if (ri.flags & BRAID_RECV_EOR)
            *eor = 1;
    }
    return got;
}

/* The attacker sends n middle fragments of a message on stream 0 (the
 * first one B when `first`), 1200 bytes each, with consecutive TSNs; when
 * `reader`, the user reads before each. Returns the bytes read. */
static size_t endless(spair *s, uint32_t *tsn, int n, int first, int reader, int *eor)
{
    static uint8_t pl[1200];
    memset(pl, 'f', sizeof pl);
    size_t got = 0;
    for (int i = 0; i < n; i++) {
        if (reader)
            got += read_pieces(s, eor);
        uint8_t fl = first && i == 0 ? BRAID_DATA_FLAG_B : 0;
        braid_chunk d = mk_data((*tsn)++, 0, 0, fl, pl, sizeof pl);
        to_b(s, &d, 1);
        discard_output(s->p.b, s->p.now);
    }
    if (reader)
        got += read_pieces(s, eor);
    return got;
}

static void test_endless_fragments(void)
{
    spair s;
    CHECK_EQ(sp_init(&s, 24, small_bufs), 0);
    CHECK_EQ(sp_up(&s, 4, 4), 0);
    long base = s.mb.bytes;
    uint32_t tsn = b_cum(&s) + 1;
    braid_counters c0 = ctr(s.p.b);
    int eor = 0;
    /* nobody reads: the window closes, the rest is dropped */
    endless(&s, &tsn, 500, 1, 0, &eor);
    braid_counters c1 = ctr(s.p.b);
    long held = s.mb.peak - base;
    printf("  500 fragments unread: %llu dropped, peak %ld B\n",
           (unsigned long long)(c1.drop_rwnd_full - c0.drop_rwnd_full), held);
    CHECK(c1.drop_rwnd_full - c0.drop_rwnd_full >= 440);
    CHECK(held <= 64 * KB * 5 / 4);
    CHECK_EQ(b_rwnd(&s) < 1200, 1);
    /* the buffer is full of one message: partial delivery (§6.9) starts */
    CHECK_EQ(braid_assoc_readable(s.p.b, s.idb), 1);
    /* from now on the user reads: pieces keep coming, never an end */
    tsn = b_cum(&s) + 1; /* continue after what was taken */
    s.mb.peak = s.mb.bytes;
    size_t got = endless(&s, &tsn, 2000, 0, 1, &eor);
    printf("  then 2000 more, read as they come: %zu B read, peak %ld B\n", got, s.mb.peak - base);
    CHECK_EQ(got, 2000 * 1200 + (500 - (c1.drop_rwnd_full - c0.drop_rwnd_full)) * 1200);
    CHECK_EQ(eor, 0);
    CHECK(s.mb.peak - base <= 64 * KB * 5 / 4);
    sp_free(&s);
}

static void pd_point_4k(braid_settings *a, braid_settings *b)
{
    small_bufs(a, b);
    b->pd_point = 4096;
}

static void test_endless_fragments_pd_point(void)
{
    spair s;
    CHECK_EQ(sp_init(&s, 25, pd_point_4k), 0);
    CHECK_EQ(sp_up(&s, 4, 4), 0);
    uint32_t tsn = b_cum(&s) + 1;
    int eor = 0;
    /* 4 fragments: 4800 contiguous bytes >= pd_point: readable already */
    endless(&s, &tsn, 4, 1, 0, &eor);
    CHECK_EQ(braid_assoc_readable(s.p.b, s.idb), 1);
    CHECK(b_rwnd(&s) > 32 * KB); /* long before the window closed */
    long base = s.mb.bytes;
    s.mb.peak = base;
    size_t got = endless(&s, &tsn, 3000, 0, 1, &eor);
    CHECK(got >= 3000 * 1200);
    CHECK_EQ(eor, 0);
    printf("  pd_point 4096: %zu B read as they came, peak %ld B\n", got, s.mb.peak - base);
    CHECK(s.mb.peak - base <= 16 * KB); /* read as it comes */
    braid_counters c = ctr(s.p.b);
    CHECK_EQ(c.drop_rwnd_full, 0);
    sp_free(&s);
}

static void test_open_messages_on_1000_streams(void)
{
    spair s;
    CHECK_EQ(sp_init(&s, 26, small_bufs), 0);
    CHECK_EQ(sp_up(&s, 1000, 1000), 0);
    CHECK_EQ(s.sb.in_streams, 1000);
    long base = s.mb.bytes;
    uint32_t tsn = b_cum(&s) + 1;
    static uint8_t pl[1000];
    memset(pl, 'o', sizeof pl);
    braid_counters c0 = ctr(s.p.b);
    /* a first fragment on each stream, 3 rounds: nothing ever completes */
    for (int round = 0; round < 3; round++)
        for (uint16_t sid = 0; sid < 1000; sid++) {
            braid_chunk d = mk_data(tsn++, sid, (uint16_t)round, BRAID_DATA_FLAG_B, pl, sizeof pl);
            to_b(&s, &d, 1);
            discard_output(s.p.b, s.p.now);
        }
    braid_counters c1 = ctr(s.p.b);
    long held = s.mb.peak - base;
    printf("  3000 open messages on 1000 streams: %llu dropped, peak %ld B\n",
           (unsigned long long)(c1.drop_rwnd_full - c0.drop_rwnd_full), held);
    CHECK(c1.drop_rwnd_full - c0.drop_rwnd_full >= 2900);
    CHECK(held <= 2 * 64 * KB);
    sp_free(&s);
}

/* ---- association limits ---- */

static braid_chunk init_chunk(uint32_t tag)
{
    braid_chunk c = mk_chunk(BRAID_CHUNK_INIT, 0);
    c.u.init.init_tag = tag;
    c.u.init.a_rwnd = 65536;
    c.u.init.os = 10;
    c.u.init.mis = 10;
    c.u.init.initial_tsn = tag;
    return c;
}

/* A full handshake by hand from (ip .last, port) to B; returns the first
 * chunk type of B's answer to the COOKIE ECHO, and its cause in *cause. */
static int hand_connect(spair *s, uint8_t last, uint16_t port, uint16_t *cause)
{
    braid_addr from;
    mkaddr(&from, last, 10001);
    braid_chunk c = init_chunk(0x1000u + port);
    inject(s->p.b, &from, &s->p.addr_b, port, PB, 0, &c, 1, s->p.now);
    static uint8_t out[2048];
    braid_path op;
    int n = braid_endpoint_write_pkt(s->p.b, &op, out, sizeof out, s->p.now);
    if (n <= 0)
        return -1;
    braid_chunk_iter it;
    braid_chunk_view v;
    braid_chunk_iter_init(&it, out, (size_t)n);
    braid_chunk ack;
    if (braid_chunk_iter_next(&it, &v) <= 0 || v.type != BRAID_CHUNK_INIT_ACK ||
        braid_chunk_parse(&v, &ack) < 0)
        return -2;
    braid_tlv_iter ti;
    braid_tlv t;
    braid_tlv_iter_init(&ti, ack.u.init.params, ack.u.init.params_len);
    uint8_t ck[512];
    size_t ck_len = 0;
    while (braid_tlv_iter_next(&ti, &t) > 0)
        if (t.type == BRAID_PARAM_STATE_COOKIE && t.value_len <= sizeof ck) {
            memcpy(ck, t.value, t.value_len);
            ck_len = t.value_len;
        }
    braid_chunk e = mk_chunk(BRAID_CHUNK_COOKIE_ECHO, 0);
    e.u.cookie.cookie = ck;
    e.u.cookie.cookie_len = ck_len;
    inject(s->p.b, &from, &s->p.addr_b, port, PB, ack.u.init.init_tag, &e, 1, s->p.now);
    out_pkt o = pull(s->p.b, s->p.now);
    *cause = o.cause[0];
    discard_output(s->p.b, s->p.now);
    return o.types[0];
}

static int n_assocs(braid_endpoint *ep)
{
    int n = 0;
    for (braid_assoc_id id = braid_next_assoc(ep, 0); id; id = braid_next_assoc(ep, id))
        n++;
    return n;
}

static void limits_4_2(braid_settings *a, braid_settings *b)
{
    (void)a;
    b->max_assocs = 4;
    b->max_assocs_per_peer = 2;
}

static void test_assoc_limits(void)
{
    spair s;
    CHECK_EQ(sp_init(&s, 27, limits_4_2), 0);
    uint16_t cause = 0;
    /* two from 127.0.0.7 (different ports), the third refused */
    CHECK_EQ(hand_connect(&s, 7, 7001, &cause), BRAID_CHUNK_COOKIE_ACK);
    CHECK_EQ(hand_connect(&s, 7, 7002, &cause), BRAID_CHUNK_COOKIE_ACK);
    braid_counters c0 = ctr(s.p.b);
    CHECK_EQ(hand_connect(&s, 7, 7003, &cause), BRAID_CHUNK_ABORT);
    CHECK_EQ(cause, BRAID_CAUSE_OUT_OF_RESOURCE);
    CHECK_EQ(ctr(s.p.b).drop_assoc_limit - c0.drop_assoc_limit, 1);
    CHECK_EQ(n_assocs(s.p.b), 2);
    /* another address still gets in, up to max_assocs in all */
    CHECK_EQ(hand_connect(&s, 8, 7001, &cause), BRAID_CHUNK_COOKIE_ACK);
    CHECK_EQ(hand_connect(&s, 9, 7001, &cause), BRAID_CHUNK_COOKIE_ACK);
    CHECK_EQ(hand_connect(&s, 10, 7001, &cause), BRAID_CHUNK_ABORT);
    CHECK_EQ(cause, BRAID_CAUSE_OUT_OF_RESOURCE);
    CHECK_EQ(ctr(s.p.b).drop_assoc_limit - c0.drop_assoc_limit, 2);
    CHECK_EQ(n_assocs(s.p.b), 4);
    sp_free(&s);

    /* the defaults: 64 per peer address */
    CHECK_EQ(sp_init(&s, 28, NULL), 0);
    int up = 0, refused = 0;
    for (uint16_t port = 1; port <= 100; port++) {
        int r = hand_connect(&s, 7, (uint16_t)(20000 + port), &cause);
        up += r == BRAID_CHUNK_COOKIE_ACK;
        refused += r == BRAID_CHUNK_ABORT;
    }
    CHECK_EQ(up, 64);
    CHECK_EQ(refused, 36);
    CHECK_EQ(n_assocs(s.p.b), 64);
    sp_free(&s);
}

/* ---- storms while the application does nothing ---- */

static void few_events(braid_settings *a, braid_settings *b)
{
    (void)a;
    b->max_events = 100;
}

static void test_storms(void)
{
    spair s;
    CHECK_EQ(sp_init(&s, 29, few_events), 0);
    CHECK_EQ(sp_up(&s, 4, 4), 0);
    uint8_t info[8] = {0, 1, 0, 8, 1, 2, 3, 4}; /* Heartbeat Info parameter */
    braid_chunk hb = mk_chunk(BRAID_CHUNK_HEARTBEAT, 0);
    hb.u.hb.info = info + 4;
    hb.u.hb.info_len = 4;
    /* 10000 HEARTBEATs, output never pulled: nothing queues up */
    long before = s.mb.bytes;
    for (int i = 0; i < 10000; i++)
        to_b(&s, &hb, 1);
    CHECK_EQ(s.mb.bytes, before);
    int pkts = 0, acks = 0;
    out_pkt o;
    while ((o = pull(s.p.b, s.p.now)).len > 0) {
        pkts++;
        acks += find_chunk(&o, BRAID_CHUNK_HEARTBEAT_ACK) >= 0;
    }
    CHECK_EQ(acks, 1);
    CHECK(pkts <= 2);

    /* 10000 copies of a valid SACK into A: no growth, no reply */
    braid_chunk sk = mk_chunk(BRAID_CHUNK_SACK, 0);
    sk.u.sack.cum_tsn = s.sa.next_tsn - 1;
    sk.u.sack.a_rwnd = 65536;
    before = s.ma.bytes;
    for (int i = 0; i < 10000; i++)
        to_a(&s, &sk, 1);
    CHECK_EQ(s.ma.bytes, before);
    CHECK_EQ(discard_output(s.p.a, s.p.now), 0);

    /* 10000 ERRORs while the application polls no events: at most
     * max_events notifications are kept, the rest counted */
    uint8_t cause[8] = {0, BRAID_CAUSE_INVALID_STREAM, 0, 8, 0, 9, 0, 0};
    braid_chunk er = mk_chunk(BRAID_CHUNK_ERROR, 0);
    er.u.tlvs.tlvs = cause;
    er.u.tlvs.tlvs_len = 8;
    braid_counters c0 = ctr(s.p.b);
    before = s.mb.bytes;
    for (int i = 0; i < 10000; i++)
        to_b(&s, &er, 1);
    CHECK(s.mb.bytes - before <= 100 * (long)sizeof(braid_event) * 2);
    CHECK_EQ(ctr(s.p.b).drop_event_full - c0.drop_event_full, 9900);
    CHECK_EQ(count_events(s.p.b, BRAID_EV_REMOTE_ERROR, -1), 100);

    /* 10000 unknown chunks asking for a report: one report pending */
    uint8_t v4[4] = {1, 2, 3, 4};
    braid_chunk unk = mk_chunk(0xff, 0);
    unk.u.raw.value = v4;
    unk.u.raw.value_len = 4;
    before = s.mb.bytes;
    for (int i = 0; i < 10000; i++)
        to_b(&s, &unk, 1);
    CHECK_EQ(s.mb.bytes, before);
    pkts = 0;
    int errs = 0;
    while ((o = pull(s.p.b, s.p.now)).len > 0) {
        pkts++;
        errs += find_chunk(&o, BRAID_CHUNK_ERROR) >= 0;
    }
    CHECK_EQ(errs, 1);
    CHECK(pkts <= 2);
    int ok;
    CHECK_EQ(st_of(s.p.b, s.idb, &ok).state, BRAID_STATE_ESTABLISHED);
    sp_free(&s);
}

int main(void)
{
    RUN(test_never_reading_receiver);
    RUN(test_tiny_chunk_flood);
    RUN(test_small_pieces_within_window);
    RUN(test_gap_fill_flood);
    RUN(test_65535_streams);
    RUN(test_endless_fragments);
    RUN(test_endless_fragments_pd_point);
    RUN(test_open_messages_on_1000_streams);
    RUN(test_assoc_limits);
    RUN(test_storms);
    return CHECK_REPORT();
}
