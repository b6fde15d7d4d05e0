/*
 * Protocol violations on an established association (issue #7): each gets
 * the RFC's answer, never a crash or unbounded memory.
 *
 * - SACK for a TSN never sent, by its cum ack or a gap block: ABORT with
 *   Protocol Violation (RFC 9260 §12.4 MUST, cause §3.3.10.13);
 * - gap blocks with start > end or start 0: ignored, counted; overlapping
 *   or unsorted blocks: taken as the TSNs they name (§3.3.4); 16000 blocks
 *   or 16000 duplicate TSNs: processed in bounded time;
 * - a SACK whose cum ack went backward: dropped as out of order (§6.2.1 D i);
 * - DATA beyond what a SACK can express / the window: dropped, counted
 *   (§6.2, §3.3.4); DATA below the cum ack: a duplicate, reported (§6.2);
 * - DATA with no user data: ABORT "No User Data" (§6.2, §3.3.10.9);
 * - DATA on a stream not negotiated: ERROR "Invalid Stream Identifier", the
 *   TSN acknowledged, the data discarded (§6.5);
 * - chunk lengths that lie: the packet or chunk is discarded and counted
 *   (§3.2); padding bytes are ignored (§3.2).
 */
#include "sec_pair.h"

/* A sends n messages of 100 bytes that never reach B; returns the first
 * TSN. A then has TSNs first .. first + n - 1 outstanding. */
static uint32_t send_lost(spair *s, int n)
{
    int ok;
    braid_assoc_status st = st_of(s->p.a, s->ida, &ok);
    uint32_t first = st.next_tsn;
    uint8_t msg[100];
    memset(msg, 'm', sizeof msg);
    braid_send_info si = {0, 1, 0, 0, 0};
    for (int i = 0; i < n; i++)
        CHECK_EQ(braid_assoc_send(s->p.a, s->ida, &si, msg, sizeof msg, s->p.now), 0);
    discard_output(s->p.a, s->p.now);
    st = st_of(s->p.a, s->ida, &ok);
    CHECK_EQ(st.next_tsn, first + (uint32_t)n);
    CHECK_EQ(st.unacked, (uint32_t)n);
    return first;
}

static braid_chunk sack(uint32_t cum, uint32_t rwnd, const uint8_t *gaps, uint16_t n_gaps,
                        const uint8_t *dups, uint16_t n_dups)
{
    braid_chunk c = mk_chunk(BRAID_CHUNK_SACK, 0);
    c.u.sack.cum_tsn = cum;
    c.u.sack.a_rwnd = rwnd;
    c.u.sack.gaps = gaps;
    c.u.sack.n_gaps = n_gaps;
    c.u.sack.dups = dups;
    c.u.sack.n_dups = n_dups;
    return c;
}

static void put_gap(uint8_t *g, size_t i, uint16_t start, uint16_t end)
{
    braid_store16(g + 4 * i, start);
    braid_store16(g + 4 * i + 2, end);
}

static uint32_t flight_a(spair *s)
{
    int ok;
    braid_assoc_status st = st_of(s->p.a, s->ida, &ok);
    return ok ? st.paths[0].flight : 0xffffffffu;
}

/* A must have answered with ABORT + Protocol Violation and ended. */
static void expect_pv_abort(spair *s, braid_counters before)
{
    out_pkt o = pull(s->p.a, s->p.now);
    CHECK_EQ(o.types[0], BRAID_CHUNK_ABORT);
    CHECK_EQ(o.cause[0], BRAID_CAUSE_PROTOCOL_VIOLATION);
    CHECK_EQ(o.h.vtag, s->sa.peer_vtag);
    CHECK_EQ(count_events(s->p.a, BRAID_EV_ASSOC_CHANGE, BRAID_COMM_LOST), 1);
    int ok;
    st_of(s->p.a, s->ida, &ok);
    CHECK(!ok);
    CHECK_EQ(ctr(s->p.a).drop_protocol_violation - before.drop_protocol_violation, 1);
}

static void test_sack_cum_beyond_sent(void)
{
    spair s;
    CHECK_EQ(sp_init(&s, 1, NULL), 0);
    CHECK_EQ(sp_up(&s, 4, 4), 0);
    uint32_t t = send_lost(&s, 10);
    /* a valid SACK first: half acknowledged, the association goes on */
    braid_chunk c = sack(t + 4, 100000, NULL, 0, NULL, 0);
    to_a(&s, &c, 1);
    int ok;
    CHECK_EQ(st_of(s.p.a, s.ida, &ok).unacked, 5);
    CHECK_EQ(pull(s.p.a, s.p.now).types[0] != BRAID_CHUNK_ABORT, 1);
    /* cum ack = the next TSN, one past the highest sent: §12.4 */
    braid_counters c0 = ctr(s.p.a);
    c = sack(t + 10, 100000, NULL, 0, NULL, 0);
    to_a(&s, &c, 1);
    expect_pv_abort(&s, c0);
    sp_free(&s);
}

static void test_sack_gap_beyond_sent(void)
{
    spair s;
    CHECK_EQ(sp_init(&s, 2, NULL), 0);
    CHECK_EQ(sp_up(&s, 4, 4), 0);
    uint32_t t = send_lost(&s, 10);
    /* cum t-1, block 2..11 = t+1 .. t+10: t+10 was never sent */
    uint8_t g[4];
    put_gap(g, 0, 2, 11);
    braid_counters c0 = ctr(s.p.a);
    braid_chunk c = sack(t - 1, 100000, g, 1, NULL, 0);
    to_a(&s, &c, 1);
    expect_pv_abort(&s, c0);
    sp_free(&s);

    /* the same in block #301 of 301 (past those acted upon): still seen */
    CHECK_EQ(sp_init(&s, 3, NULL), 0);
    CHECK_EQ(sp_up(&s, 4, 4), 0);
    t = send_lost(&s, 10);
    static uint8_t many[301 * 4];
    for (size_t i = 0; i < 300; i++)
        put_gap(many, i, 2, 3);
    put_gap(many, 300, 5, 40);
    c0 = ctr(s.p.a);
    c = sack(t - 1, 100000, many, 301, NULL, 0);
    to_a(&s, &c, 1);
    expect_pv_abort(&s, c0);
    sp_free(&s);
}

static void test_sack_malformed_blocks(void)
{
    spair s;
    CHECK_EQ(sp_init(&s, 4, NULL), 0);
    CHECK_EQ(sp_up(&s, 4, 4), 0);
    uint32_t t = send_lost(&s, 10);
    CHECK_EQ(flight_a(&s), 1000);
    /* start > end and start 0 name no TSN above the cum ack: ignored and
     * counted; the valid block beside them (t+1 .. t+2) is applied */
    uint8_t g[12];
    put_gap(g, 0, 0, 1);
    put_gap(g, 1, 2, 3);
    put_gap(g, 2, 7, 5);
    braid_counters c0 = ctr(s.p.a);
    braid_chunk c = sack(t - 1, 100000, g, 3, NULL, 0);
    to_a(&s, &c, 1);
    CHECK_EQ(ctr(s.p.a).drop_malformed - c0.drop_malformed, 2);
    CHECK_EQ(ctr(s.p.a).drop_protocol_violation, c0.drop_protocol_violation);
    CHECK_EQ(flight_a(&s), 800);
    int ok;
    CHECK_EQ(st_of(s.p.a, s.ida, &ok).state, BRAID_STATE_ESTABLISHED);
    out_pkt o = pull(s.p.a, s.p.now);
    CHECK(find_chunk(&o, BRAID_CHUNK_ABORT) < 0);
    sp_free(&s);
}

static void test_sack_overlapping_blocks(void)
{
    spair s;
    CHECK_EQ(sp_init(&s, 5, NULL), 0);
    CHECK_EQ(sp_up(&s, 4, 4), 0);
    uint32_t t = send_lost(&s, 10);
    /* unsorted and overlapping: together t+1 .. t+5 */
    uint8_t g[12];
    put_gap(g, 0, 4, 6);
    put_gap(g, 1, 2, 5);
    put_gap(g, 2, 3, 3);
    braid_counters c0 = ctr(s.p.a);
    braid_chunk c = sack(t - 1, 100000, g, 3, NULL, 0);
    to_a(&s, &c, 1);
    CHECK_EQ(flight_a(&s), 500);
    CHECK_EQ(ctr(s.p.a).drop_protocol_violation, c0.drop_protocol_violation);
    /* then everything: the association carries on */
    c = sack(t + 9, 100000, NULL, 0, NULL, 0);
    to_a(&s, &c, 1);
    int ok;
    braid_assoc_status st = st_of(s.p.a, s.ida, &ok);
    CHECK_EQ(st.state, BRAID_STATE_ESTABLISHED);
    CHECK_EQ(st.unacked, 0);
    CHECK_EQ(flight_a(&s), 0);
    sp_free(&s);
}

static void test_sack_huge_lists(void)
{
    spair s;
    CHECK_EQ(sp_init(&s, 6, NULL), 0);
    CHECK_EQ(sp_up(&s, 4, 4), 0);
    uint32_t t = send_lost(&s, 10);
    /* 16000 gap blocks (64 KB of them), all naming t+1 .. t+2 */
    static uint8_t g[16000 * 4];
    for (size_t i = 0; i < 16000; i++)
        put_gap(g, i, 2, 3);
    long peak0 = s.ma.peak;
    braid_chunk c = sack(t - 1, 100000, g, 16000, NULL, 0);
    CHECK_EQ(to_a(&s, &c, 1), 0);
    CHECK_EQ(flight_a(&s), 800);
    CHECK_EQ(s.ma.peak, peak0); /* nothing allocated for them */
    /* 16000 duplicate TSNs: the cum ack still counts */
    static uint8_t d[16000 * 4];
    for (size_t i = 0; i < 16000; i++)
        braid_store32(d + 4 * i, t - 5);
    c = sack(t + 4, 100000, NULL, 0, d, 16000);
    CHECK_EQ(to_a(&s, &c, 1), 0);
    int ok;
    braid_assoc_status st = st_of(s.p.a, s.ida, &ok);
    CHECK_EQ(st.state, BRAID_STATE_ESTABLISHED);
    CHECK_EQ(st.unacked, 5);
    CHECK_EQ(s.ma.peak, peak0);
    sp_free(&s);
}

static void test_sack_cum_backward(void)
{
    spair s;
    CHECK_EQ(sp_init(&s, 7, NULL), 0);
    CHECK_EQ(sp_up(&s, 4, 4), 0);
    uint32_t t = send_lost(&s, 10);
    braid_chunk c = sack(t + 5, 100000, NULL, 0, NULL, 0);
    to_a(&s, &c, 1);
    int ok;
    braid_assoc_status st0 = st_of(s.p.a, s.ida, &ok);
    CHECK_EQ(st0.unacked, 4);
    /* older than the cum ack point: out of order, its a_rwnd of 0 unused */
    braid_counters c0 = ctr(s.p.a);
    c = sack(t + 2, 0, NULL, 0, NULL, 0);
    to_a(&s, &c, 1);
    braid_assoc_status st1 = st_of(s.p.a, s.ida, &ok);
    CHECK_EQ(st1.peer_rwnd, st0.peer_rwnd);
    CHECK_EQ(st1.unacked, 4);
    CHECK_EQ(st1.state, BRAID_STATE_ESTABLISHED);
    CHECK_EQ(ctr(s.p.a).drop_stale_sack - c0.drop_stale_sack, 1);
    sp_free(&s);
}

/* ---- DATA ---- */

static uint32_t b_cum(spair *s)
{
    int ok;
    return st_of(s->p.b, s->idb, &ok).cum_tsn;
}

static void test_data_outside_window(void)
{
    spair s;
    CHECK_EQ(sp_init(&s, 8, NULL), 0);
    CHECK_EQ(sp_up(&s, 4, 4), 0);
    uint32_t cum = b_cum(&s);
    /* beyond what a Gap Ack Block can name (16-bit offsets, §3.3.4) and
     * beyond the window: dropped and counted, never acknowledged */
    braid_counters c0 = ctr(s.p.b);
    braid_chunk d = mk_data(cum + 70000, 0, 0, BE, "far", 3);
    to_b(&s, &d, 1);
    d = mk_data(cum + 0x7fffffffu, 0, 0, BE, "half", 4);
    to_b(&s, &d, 1);
    CHECK_EQ(ctr(s.p.b).drop_out_of_window - c0.drop_out_of_window, 2);
    discard_output(s.p.b, s.p.now);
    /* the next in-sequence chunk: SACK with no gap (nothing far was kept) */
    d = mk_data(cum + 1, 0, 0, BE | BRAID_DATA_FLAG_I, "near", 4);
    to_b(&s, &d, 1);
    out_pkt o = pull(s.p.b, s.p.now);
    CHECK(o.has_sack);
    CHECK_EQ(o.cum, cum + 1);
    CHECK_EQ(o.n_gaps, 0);
    size_t bytes = 0;
    CHECK_EQ(read_all(s.p.b, s.p.now, &bytes), 1);
    CHECK_EQ(bytes, 4);
    sp_free(&s);
}

static void test_data_old_tsn(void)
{
    spair s;
    CHECK_EQ(sp_init(&s, 9, NULL), 0);
    CHECK_EQ(sp_up(&s, 4, 4), 0);
    uint32_t cum = b_cum(&s);
    for (uint32_t i = 1; i <= 3; i++) {
        braid_chunk d = mk_data(cum + i, 0, (uint16_t)(i - 1), BE, "abc", 3);
        to_b(&s, &d, 1);
    }
    discard_output(s.p.b, s.p.now);
    CHECK_EQ(read_all(s.p.b, s.p.now, NULL), 3);
    /* long before the cum ack: a duplicate, reported at once (§6.2) */
    braid_counters c0 = ctr(s.p.b);
    braid_chunk d = mk_data(cum - 1000, 0, 0, BE, "old", 3);
    to_b(&s, &d, 1);
    out_pkt o = pull(s.p.b, s.p.now);
    CHECK(o.has_sack);
    CHECK_EQ(o.cum, cum + 3);
    CHECK_EQ(o.n_dups, 1);
    CHECK_EQ(o.dup0, cum - 1000);
    CHECK_EQ(ctr(s.p.b).dup_tsns_in - c0.dup_tsns_in, 1);
    CHECK_EQ(read_all(s.p.b, s.p.now, NULL), 0);
    sp_free(&s);
}

static void test_data_no_user_data(void)
{
    spair s;
    CHECK_EQ(sp_init(&s, 10, NULL), 0);
    CHECK_EQ(sp_up(&s, 4, 4), 0);
    uint32_t cum = b_cum(&s);
    uint8_t raw[16] = {BRAID_CHUNK_DATA, 0x03, 0, 16};
    braid_store32(raw + 4, cum + 1);
    braid_counters c0 = ctr(s.p.b);
    to_b_raw(&s, raw, sizeof raw);
    out_pkt o = pull(s.p.b, s.p.now);
    CHECK_EQ(o.types[0], BRAID_CHUNK_ABORT);
    CHECK_EQ(o.cause[0], BRAID_CAUSE_NO_USER_DATA);
    CHECK_EQ(o.cause_val[0], cum + 1); /* §3.3.10.9: the TSN */
    CHECK_EQ(o.h.vtag, s.sb.peer_vtag);
    CHECK_EQ(count_events(s.p.b, BRAID_EV_ASSOC_CHANGE, BRAID_COMM_LOST), 1);
    CHECK_EQ(ctr(s.p.b).drop_protocol_violation - c0.drop_protocol_violation, 1);
    sp_free(&s);
}

static void test_data_invalid_stream(void)
{
    spair s;
    CHECK_EQ(sp_init(&s, 11, NULL), 0);
    CHECK_EQ(sp_up(&s, 4, 4), 0);
    CHECK_EQ(s.sb.in_streams, 4);
    uint32_t cum = b_cum(&s);
    braid_counters c0 = ctr(s.p.b);
    braid_chunk d = mk_data(cum + 1, 4, 0, BE, "bad sid", 7);
    to_b(&s, &d, 1);
    out_pkt o = pull(s.p.b, s.p.now);
    int e = find_chunk(&o, BRAID_CHUNK_ERROR);
    CHECK(e >= 0);
    if (e >= 0) {
        CHECK_EQ(o.cause[e], BRAID_CAUSE_INVALID_STREAM);
        CHECK_EQ(o.cause_val[e] >> 16, 4); /* §3.3.10.1: the stream id */
    }
    CHECK(o.has_sack);
    CHECK_EQ(o.cum, cum + 1); /* acknowledged ... */
    CHECK_EQ(read_all(s.p.b, s.p.now, NULL), 0); /* ... and discarded */
    CHECK_EQ(ctr(s.p.b).drop_bad_stream - c0.drop_bad_stream, 1);
    /* stream 65535 too, and then a valid stream works */
    d = mk_data(cum + 2, 65535, 0, BE, "bad sid", 7);
    to_b(&s, &d, 1);
    d = mk_data(cum + 3, 3, 0, BE, "good", 4);
    to_b(&s, &d, 1);
    size_t bytes = 0;
    CHECK_EQ(read_all(s.p.b, s.p.now, &bytes), 1);
    CHECK_EQ(bytes, 4);
    CHECK_EQ(ctr(s.p.b).drop_bad_stream - c0.drop_bad_stream, 2);
    CHECK_EQ(b_cum(&s), cum + 3);
    sp_free(&s);
}

/* ---- lengths that lie ---- */

/* Feeds raw chunk bytes to B; checks one drop_malformed more, nothing
 * delivered, no ABORT sent and the association still up. */
static void expect_malformed(spair *s, const uint8_t *raw, size_t n, uint32_t vtag, int line)
{
    braid_counters c0 = ctr(s->p.b);
    inject_raw(s->p.b, &s->p.addr_a, &s->p.addr_b, PA, PB, vtag, raw, n, s->p.now);
    braid_counters c1 = ctr(s->p.b);
    if (c1.drop_malformed - c0.drop_malformed != 1)
        fprintf(stderr, "  (case at line %d)\n", line);
    CHECK_EQ(c1.drop_malformed - c0.drop_malformed, 1);
    CHECK_EQ(read_all(s->p.b, s->p.now, NULL), 0);
    out_pkt o;
    while ((o = pull(s->p.b, s->p.now)).len > 0)
        CHECK(find_chunk(&o, BRAID_CHUNK_ABORT) < 0);
    int ok;
    CHECK_EQ(st_of(s->p.b, s->idb, &ok).state, BRAID_STATE_ESTABLISHED);
    CHECK_EQ(count_events(s->p.b, BRAID_EV_REMOTE_ERROR, -1), 0);
}

static void test_lying_lengths(void)
{
    spair s;
    CHECK_EQ(sp_init(&s, 12, NULL), 0);
    CHECK_EQ(sp_up(&s, 4, 4), 0);
    uint32_t cum = b_cum(&s), tag = s.sb.local_vtag;
    uint8_t raw[64];

    /* DATA whose length runs past the packet */
    memset(raw, 0, sizeof raw);
    raw[0] = BRAID_CHUNK_DATA, raw[1] = 3, raw[3] = 100;
    braid_store32(raw + 4, cum + 1);
    memcpy(raw + 16, "data", 4);
    expect_malformed(&s, raw, 20, tag, __LINE__);
    /* chunk length 2 (below the header) and 0 */
    raw[3] = 2;
    expect_malformed(&s, raw, 20, tag, __LINE__);
    raw[3] = 0;
    expect_malformed(&s, raw, 20, tag, __LINE__);
    /* a valid DATA then 2 stray bytes: the whole packet goes */
    raw[3] = 20;
    expect_malformed(&s, raw, 22, tag, __LINE__);
    /* DATA of length 12: shorter than its fixed part (not "no user data") */
    raw[3] = 12;
    expect_malformed(&s, raw, 12, tag, __LINE__);
    /* SACK claiming 10 gap blocks, carrying 2 */
    memset(raw, 0, sizeof raw);
    raw[0] = BRAID_CHUNK_SACK, raw[3] = 24;
    braid_store32(raw + 4, s.sa.next_tsn - 1);
    braid_store32(raw + 8, 65536);
    braid_store16(raw + 12, 10);
    expect_malformed(&s, raw, 24, tag, __LINE__);
    /* SACK shorter than its fixed part */
    raw[3] = 8;
    expect_malformed(&s, raw, 8, tag, __LINE__);
    /* SHUTDOWN without its cumulative TSN ack */
    memset(raw, 0, sizeof raw);
    raw[0] = BRAID_CHUNK_SHUTDOWN, raw[3] = 4;
    expect_malformed(&s, raw, 4, tag, __LINE__);
    /* HEARTBEAT without its Heartbeat Info parameter: no HEARTBEAT ACK */
    raw[0] = BRAID_CHUNK_HEARTBEAT;
    expect_malformed(&s, raw, 4, tag, __LINE__);
    /* HEARTBEAT whose info parameter runs past the chunk */
    raw[3] = 12;
    raw[5] = 1, raw[7] = 40;
    expect_malformed(&s, raw, 12, tag, __LINE__);
    /* ERROR whose cause runs past the chunk: no REMOTE_ERROR event */
    memset(raw, 0, sizeof raw);
    raw[0] = BRAID_CHUNK_ERROR, raw[3] = 8;
    raw[5] = 1, raw[7] = 200;
    expect_malformed(&s, raw, 8, tag, __LINE__);
    /* INIT shorter than its fixed part (tag 0, as INIT must have) */
    memset(raw, 0, sizeof raw);
    raw[0] = BRAID_CHUNK_INIT, raw[3] = 12;
    braid_store32(raw + 4, 0x12345678);
    expect_malformed(&s, raw, 12, 0, __LINE__);

    /* padding bytes that are not zero are ignored (§3.2): delivered */
    memset(raw, 0, sizeof raw);
    raw[0] = BRAID_CHUNK_DATA, raw[1] = 3, raw[3] = 17;
    braid_store32(raw + 4, cum + 1);
    raw[16] = 'p';
    raw[17] = raw[18] = raw[19] = 0xff;
    braid_counters c0 = ctr(s.p.b);
    to_b_raw(&s, raw, 20);
    size_t bytes = 0;
    CHECK_EQ(read_all(s.p.b, s.p.now, &bytes), 1);
    CHECK_EQ(bytes, 1);
    CHECK_EQ(ctr(s.p.b).drop_malformed, c0.drop_malformed);
    CHECK_EQ(b_cum(&s), cum + 1);
    sp_free(&s);
}

int main(void)
{
    RUN(test_sack_cum_beyond_sent);
    RUN(test_sack_gap_beyond_sent);
    RUN(test_sack_malformed_blocks);
    RUN(test_sack_overlapping_blocks);
    RUN(test_sack_huge_lists);
    RUN(test_sack_cum_backward);
    RUN(test_data_outside_window);
    RUN(test_data_old_tsn);
    RUN(test_data_no_user_data);
    RUN(test_data_invalid_stream);
    RUN(test_lying_lengths);
    return CHECK_REPORT();
}
