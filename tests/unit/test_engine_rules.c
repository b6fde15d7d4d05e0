/*
 * Protocol rules checked with hand-made packets: out-of-the-blue handling
 * (RFC 9260 §8.4), verification tags and the T bit (§8.5, §8.5.1), INIT
 * validation (§3.3.2), unknown chunk types (§3.2), invalid streams (§6.5),
 * empty DATA (§6.2), bogus SACKs, forged and duplicated cookies, collisions
 * (§5.2.1, §5.2.4 B/D) and peer restart (§5.2.4 A).
 */
#include "check.h"
#include "core/wire/chunk.h"
#include "core/wire/pkt.h"
#include "core/wire/tlv.h"
#include "engine_pair.h"
#include "pkt_probe.h"

#define PA 5000
#define PB 6000

static braid_chunk chunk(uint8_t type, uint8_t flags)
{
    braid_chunk c;
    memset(&c, 0, sizeof c);
    c.type = type;
    c.flags = flags;
    return c;
}

static braid_chunk data_chunk(uint32_t tsn, uint16_t sid, uint16_t ssn, const char *s)
{
    braid_chunk c = chunk(BRAID_CHUNK_DATA, BRAID_DATA_FLAG_B | BRAID_DATA_FLAG_E);
    c.u.data.tsn = tsn;
    c.u.data.sid = sid;
    c.u.data.ssn = ssn;
    c.u.data.ppid = 1;
    c.u.data.payload = (const uint8_t *)s;
    c.u.data.payload_len = strlen(s);
    return c;
}

/* ---- out of the blue (§8.4) ---- */

static void test_ootb(void)
{
    pair p;
    CHECK_EQ(pair_init(&p, 40, 1), 0);
    uint64_t now = p.now;
    braid_counters c0, c1;
    braid_endpoint_counters(p.b, &c0);

    /* item 8: anything else is answered by ABORT, reflected tag, T bit set */
    braid_chunk d = data_chunk(1, 0, 0, "hi");
    CHECK(inject(p.b, &p.addr_a, &p.addr_b, PA, PB, 0x11223344, &d, 1, now) < 0);
    out_pkt o = pull(p.b, now);
    CHECK_EQ(o.type, BRAID_CHUNK_ABORT);
    CHECK_EQ(o.flags & BRAID_FLAG_T, BRAID_FLAG_T);
    CHECK_EQ(o.h.vtag, 0x11223344);
    CHECK_EQ(o.h.src_port, PB);
    CHECK_EQ(o.h.dst_port, PA);
    CHECK(o.len <= 64); /* never larger than needed: no amplification */

    /* item 2: an OOTB ABORT is silently discarded */
    braid_chunk ab = chunk(BRAID_CHUNK_ABORT, 0);
    inject(p.b, &p.addr_a, &p.addr_b, PA, PB, 0x55, &ab, 1, now);
    CHECK_EQ(pull(p.b, now).len, 0);

    /* item 5: SHUTDOWN ACK -> SHUTDOWN COMPLETE, T bit, the packet's tag */
    braid_chunk sa = chunk(BRAID_CHUNK_SHUTDOWN_ACK, 0);
    inject(p.b, &p.addr_a, &p.addr_b, PA, PB, 0x66, &sa, 1, now);
    o = pull(p.b, now);
    CHECK_EQ(o.type, BRAID_CHUNK_SHUTDOWN_COMPLETE);
    CHECK_EQ(o.flags & BRAID_FLAG_T, BRAID_FLAG_T);
    CHECK_EQ(o.h.vtag, 0x66);

    /* item 6: SHUTDOWN COMPLETE is discarded */
    braid_chunk sc = chunk(BRAID_CHUNK_SHUTDOWN_COMPLETE, 0);
    inject(p.b, &p.addr_a, &p.addr_b, PA, PB, 0x77, &sc, 1, now);
    CHECK_EQ(pull(p.b, now).len, 0);

    /* item 7: an ERROR with Stale Cookie is discarded */
    uint8_t cause[8] = {0, BRAID_CAUSE_STALE_COOKIE, 0, 8, 0, 0, 1, 0};
    braid_chunk er = chunk(BRAID_CHUNK_ERROR, 0);
    er.u.tlvs.tlvs = cause;
    er.u.tlvs.tlvs_len = 8;
    inject(p.b, &p.addr_a, &p.addr_b, PA, PB, 0x88, &er, 1, now);
    CHECK_EQ(pull(p.b, now).len, 0);

    /* wrong destination port and a bad checksum: dropped, counted */
    inject(p.b, &p.addr_a, &p.addr_b, PA, 7777, 0, &d, 1, now);
    CHECK_EQ(pull(p.b, now).len, 0);
    uint8_t raw[16] = {0x13, 0x88, 0x17, 0x70, 0, 0, 0, 0, 1, 2, 3, 4, 11, 0, 0, 4};
    braid_path path = {p.addr_b, p.addr_a};
    CHECK_EQ(braid_endpoint_read_pkt(p.b, &path, raw, sizeof raw, now), BRAID_ERR_CHECKSUM);
    braid_endpoint_counters(p.b, &c1);
    CHECK_EQ(c1.drop_bad_crc - c0.drop_bad_crc, 1);
    CHECK(c1.drop_ootb - c0.drop_ootb >= 4);
    braid_endpoint_free(p.a);
    braid_endpoint_free(p.b);
    CHECK_EQ(p.eb.live, 0);
}

/* ---- INIT validation (§3.3.2, §8.5.1 A) ---- */

static braid_chunk init_chunk(uint32_t tag, uint16_t os, uint16_t mis)
{
    braid_chunk c = chunk(BRAID_CHUNK_INIT, 0);
    c.u.init.init_tag = tag;
    c.u.init.a_rwnd = 65536;
    c.u.init.os = os;
    c.u.init.mis = mis;
    c.u.init.initial_tsn = 1;
    return c;
}

static void test_init_rules(void)
{
    pair p;
    CHECK_EQ(pair_init(&p, 41, 1), 0);
    uint64_t now = p.now;
    braid_chunk in = init_chunk(0xabc, 5, 5);
    /* a good INIT gets an INIT ACK to the INIT's tag, and no state */
    inject(p.b, &p.addr_a, &p.addr_b, PA, PB, 0, &in, 1, now);
    out_pkt o = pull(p.b, now);
    CHECK_EQ(o.type, BRAID_CHUNK_INIT_ACK);
    CHECK_EQ(o.h.vtag, 0xabc);
    braid_assoc_status st;
    CHECK_EQ(braid_assoc_status_get(p.b, 1, &st), BRAID_ERR_NOTFOUND);
    /* packet tag not 0: discarded (§8.5.1 A) */
    inject(p.b, &p.addr_a, &p.addr_b, PA, PB, 5, &in, 1, now);
    CHECK_EQ(pull(p.b, now).len, 0);
    /* INIT bundled with another chunk: discarded */
    braid_chunk two[2] = {in, chunk(BRAID_CHUNK_COOKIE_ACK, 0)};
    inject(p.b, &p.addr_a, &p.addr_b, PA, PB, 0, two, 2, now);
    CHECK_EQ(pull(p.b, now).len, 0);
    /* OS = 0: ABORT with the Initiate Tag (§3.3.2) */
    braid_chunk bad = init_chunk(0xdef, 0, 5);
    inject(p.b, &p.addr_a, &p.addr_b, PA, PB, 0, &bad, 1, now);
    o = pull(p.b, now);
    CHECK_EQ(o.type, BRAID_CHUNK_ABORT);
    CHECK_EQ(o.h.vtag, 0xdef);
    /* Initiate Tag 0: silently discarded */
    bad = init_chunk(0, 5, 5);
    inject(p.b, &p.addr_a, &p.addr_b, PA, PB, 0, &bad, 1, now);
    CHECK_EQ(pull(p.b, now).len, 0);
    /* a forged COOKIE ECHO: no association, counted */
    uint8_t junk[80];
    memset(junk, 0x5a, sizeof junk);
    braid_chunk ce = chunk(BRAID_CHUNK_COOKIE_ECHO, 0);
    ce.u.cookie.cookie = junk;
    ce.u.cookie.cookie_len = sizeof junk;
    inject(p.b, &p.addr_a, &p.addr_b, PA, PB, 0x1234, &ce, 1, now);
    CHECK_EQ(pull(p.b, now).len, 0);
    braid_counters c;
    braid_endpoint_counters(p.b, &c);
    CHECK_EQ(c.drop_bad_cookie, 1);
    braid_endpoint_free(p.a);
    braid_endpoint_free(p.b);
    CHECK_EQ(p.eb.live, 0);
}

/* ---- Host Name Address (RFC 9260 §3.3.2.1.4) ---- */

/* An INIT or INIT ACK with a Host Name Address: its receiver MUST send
 * ABORT; the INIT leaves no state, the INIT ACK ends the attempt. */
static void test_host_name_address(void)
{
    pair p;
    CHECK_EQ(pair_init(&p, 43, 1), 0);
    /* Host Name Address "example.org" (type 11, 4 + 12 bytes) */
    static const uint8_t host[] = {0,   11,  0,   16,  'e', 'x', 'a', 'm',
                                   'p', 'l', 'e', '.', 'o', 'r', 'g', 0};
    braid_chunk in = init_chunk(0x4455, 5, 5);
    in.u.init.params = host;
    in.u.init.params_len = sizeof host;
    braid_counters c0, c1;
    braid_endpoint_counters(p.b, &c0);
    inject(p.b, &p.addr_a, &p.addr_b, PA, PB, 0, &in, 1, p.now);
    out_pkt o = pull(p.b, p.now);
    CHECK_EQ(o.type, BRAID_CHUNK_ABORT);
    CHECK_EQ(o.flags & 1, 0); /* T bit clear: the INIT's own tag */
    CHECK_EQ(o.h.vtag, 0x4455);
    CHECK_EQ(o.h.src_port, PB);
    CHECK_EQ(o.h.dst_port, PA);
    CHECK_EQ(pull(p.b, p.now).len, 0);
    braid_endpoint_counters(p.b, &c1);
    CHECK_EQ(c1.drop_malformed - c0.drop_malformed, 1);
    braid_assoc_status st;
    CHECK_EQ(braid_assoc_status_get(p.b, 3, &st), BRAID_ERR_NOTFOUND);
    CHECK_EQ(count_events(p.b, BRAID_EV_NONE, -1), 0);

    /* A in COOKIE-WAIT receives an INIT ACK with one */
    braid_connect_opts co = {PB, 4, 4};
    braid_assoc_id id = 0;
    CHECK_EQ(braid_assoc_connect(p.a, &p.addr_b, 1, &co, p.now, &id), 0);
    o = pull(p.a, p.now);
    CHECK_EQ(o.type, BRAID_CHUNK_INIT);
    braid_chunk_iter it;
    braid_chunk_view v;
    braid_chunk init;
    braid_chunk_iter_init(&it, o.raw, (size_t)o.len);
    CHECK(braid_chunk_iter_next(&it, &v) > 0);
    CHECK_EQ(braid_chunk_parse(&v, &init), 0);
    uint8_t params[16 + 12];
    memcpy(params, host, sizeof host);
    static const uint8_t cookie[] = {0, 7, 0, 12, 1, 2, 3, 4, 5, 6, 7, 8};
    memcpy(params + sizeof host, cookie, sizeof cookie);
    braid_chunk ia = init_chunk(0x6677, 5, 5);
    ia.type = BRAID_CHUNK_INIT_ACK;
    ia.u.init.params = params;
    ia.u.init.params_len = sizeof params;
    inject(p.a, &p.addr_b, &p.addr_a, PB, PA, init.u.init.init_tag, &ia, 1, p.now);
    o = pull(p.a, p.now);
    CHECK_EQ(o.type, BRAID_CHUNK_ABORT);
    CHECK_EQ(o.h.vtag, 0x6677); /* the INIT ACK's Initiate Tag */
    CHECK_EQ(o.n_chunks, 1);    /* no COOKIE ECHO */
    CHECK_EQ(count_events(p.a, BRAID_EV_ASSOC_CHANGE, BRAID_CANT_STR_ASSOC), 1);
    CHECK_EQ(braid_assoc_status_get(p.a, id, &st), BRAID_ERR_NOTFOUND);
    braid_endpoint_free(p.a);
    braid_endpoint_free(p.b);
    CHECK_EQ(p.ea.live, 0);
    CHECK_EQ(p.eb.live, 0);
}

/* ---- Cookie Preservative cap (RFC 9260 §3.3.2.1.3, §5.2.6) ---- */

/* Sends B an INIT asking for `preserve_ms` more cookie life, then echoes
 * the cookie `age` later; returns the first chunk type of B's answer. */
static uint8_t echo_after(pair *p, uint32_t preserve_ms, uint64_t age)
{
    uint8_t cp[8] = {0, 9, 0, 8};
    braid_store32(cp + 4, preserve_ms);
    braid_chunk in = init_chunk(0x1357, 5, 5);
    in.u.init.params = cp;
    in.u.init.params_len = sizeof cp;
    inject(p->b, &p->addr_a, &p->addr_b, PA, PB, 0, &in, 1, p->now);
    out_pkt o = pull(p->b, p->now);
    CHECK_EQ(o.type, BRAID_CHUNK_INIT_ACK);
    braid_chunk_iter it;
    braid_chunk_view v;
    braid_chunk ia;
    braid_chunk_iter_init(&it, o.raw, (size_t)o.len);
    if (braid_chunk_iter_next(&it, &v) <= 0 || braid_chunk_parse(&v, &ia) < 0)
        return 0;
    braid_tlv_iter ti;
    braid_tlv t;
    braid_chunk ce = chunk(BRAID_CHUNK_COOKIE_ECHO, 0);
    braid_tlv_iter_init(&ti, ia.u.init.params, ia.u.init.params_len);
    while (braid_tlv_iter_next(&ti, &t) > 0)
        if (t.type == BRAID_PARAM_STATE_COOKIE) {
            ce.u.cookie.cookie = t.value;
            ce.u.cookie.cookie_len = t.value_len;
        }
    CHECK(ce.u.cookie.cookie_len > 0);
    static uint8_t ck[512]; /* the INIT ACK's bytes are reused by the next pull */
    memcpy(ck, ce.u.cookie.cookie, ce.u.cookie.cookie_len);
    ce.u.cookie.cookie = ck;
    p->now += age;
    inject(p->b, &p->addr_a, &p->addr_b, PA, PB, ia.u.init.init_tag, &ce, 1, p->now);
    o = pull(p->b, p->now);
    return o.type;
}

/* A peer may ask for 2^32 ms (49 days) more; braid grants at most 60 s. */
static void test_cookie_preservative_cap(void)
{
    pair p;
    CHECK_EQ(pair_init(&p, 44, 1), 0);
    braid_settings cfg;
    braid_endpoint_get_settings(p.b, &cfg);
    uint64_t life = cfg.valid_cookie_life_ns;
    /* within Valid.Cookie.Life + 60 s: accepted */
    CHECK_EQ(echo_after(&p, 0xffffffffu, life + 59 * 1000000000ull), BRAID_CHUNK_COOKIE_ACK);
    /* past it: Stale Cookie, however much was asked */
    braid_counters c0, c1;
    braid_endpoint_counters(p.b, &c0);
    CHECK_EQ(echo_after(&p, 0xffffffffu, life + 61 * 1000000000ull), BRAID_CHUNK_ERROR);
    braid_endpoint_counters(p.b, &c1);
    CHECK_EQ(c1.drop_stale_cookie - c0.drop_stale_cookie, 1);
    braid_endpoint_free(p.a);
    braid_endpoint_free(p.b);
    CHECK_EQ(p.eb.live, 0);
}

/* ---- an established pair ---- */

static braid_assoc_id up(pair *p, braid_assoc_status *sa, braid_assoc_status *sb,
                         braid_assoc_id *idb)
{
    braid_connect_opts o = {PB, 4, 4};
    braid_assoc_id id = 0;
    CHECK_EQ(braid_assoc_connect(p->a, &p->addr_b, 1, &o, p->now, &id), 0);
    pump(p, 20);
    CHECK_EQ(braid_assoc_status_get(p->a, id, sa), 0);
    *idb = 0;
    for (braid_assoc_id i = 1; i < 10 && !*idb; i++)
        if (braid_assoc_status_get(p->b, i, sb) == 0)
            *idb = i;
    count_events(p->a, BRAID_EV_NONE, -1);
    count_events(p->b, BRAID_EV_NONE, -1);
    return id;
}

static int recv_all(braid_endpoint *ep, uint64_t now)
{
    uint8_t buf[256];
    braid_recv_info ri;
    int n = 0;
    while (braid_endpoint_recv(ep, &ri, buf, sizeof buf, now) >= 0)
        n++;
    return n;
}

static void test_vtag_rules(void)
{
    pair p;
    CHECK_EQ(pair_init(&p, 42, 1), 0);
    braid_assoc_status sa, sb;
    braid_assoc_id idb;
    braid_assoc_id ida = up(&p, &sa, &sb, &idb);
    uint32_t tag_b = sb.local_vtag; /* what B expects */
    uint32_t peer_tsn = 0;
    (void)ida;
    /* the next TSN A would use: B's cum + 1; find it by asking for a SACK later */
    braid_counters c0, c1;
    braid_endpoint_counters(p.b, &c0);
    /* DATA with a wrong tag: dropped (§8.5) */
    braid_chunk d = data_chunk(sa.local_vtag, 0, 0, "x");
    inject(p.b, &p.addr_a, &p.addr_b, PA, PB, tag_b ^ 1, &d, 1, p.now);
    braid_endpoint_counters(p.b, &c1);
    CHECK_EQ(c1.drop_bad_vtag - c0.drop_bad_vtag, 1);
    CHECK_EQ(recv_all(p.b, p.now), 0);
    (void)peer_tsn;
    /* ABORT: T bit with B's own tag is wrong, T clear with the peer's tag is wrong */
    braid_chunk ab = chunk(BRAID_CHUNK_ABORT, BRAID_FLAG_T);
    inject(p.b, &p.addr_a, &p.addr_b, PA, PB, tag_b, &ab, 1, p.now);
    ab.flags = 0;
    inject(p.b, &p.addr_a, &p.addr_b, PA, PB, sb.peer_vtag, &ab, 1, p.now);
    /* SHUTDOWN COMPLETE with the right tag outside SHUTDOWN-ACK-SENT: ignored */
    braid_chunk sc = chunk(BRAID_CHUNK_SHUTDOWN_COMPLETE, 0);
    inject(p.b, &p.addr_a, &p.addr_b, PA, PB, tag_b, &sc, 1, p.now);
    braid_assoc_status st;
    CHECK_EQ(braid_assoc_status_get(p.b, idb, &st), 0);
    CHECK_EQ(st.state, BRAID_STATE_ESTABLISHED);
    /* ABORT with the T bit and the peer's tag (as if A had lost its TCB): accepted */
    ab.flags = BRAID_FLAG_T;
    inject(p.b, &p.addr_a, &p.addr_b, PA, PB, sb.peer_vtag, &ab, 1, p.now);
    CHECK_EQ(braid_assoc_status_get(p.b, idb, &st), BRAID_ERR_NOTFOUND);
    CHECK_EQ(count_events(p.b, BRAID_EV_ASSOC_CHANGE, BRAID_COMM_LOST), 1);
    braid_endpoint_free(p.a);
    braid_endpoint_free(p.b);
    CHECK_EQ(p.ea.live, 0);
    CHECK_EQ(p.eb.live, 0);
}

/* What B acknowledges next tells us A's next TSN. */
static uint32_t next_tsn_of_a(pair *p, braid_assoc_id ida)
{
    braid_send_info si = {0, 1, 0, 0, 0};
    CHECK_EQ(braid_assoc_send(p->a, ida, &si, "probe", 5, p->now), 0);
    pump(p, 10);
    uint8_t buf[64];
    braid_recv_info ri;
    CHECK_EQ(braid_endpoint_recv(p->b, &ri, buf, sizeof buf, p->now), 5);
    return ri.tsn + 1;
}

static void test_bad_data(void)
{
    pair p;
    CHECK_EQ(pair_init(&p, 43, 1), 0);
    braid_assoc_status sa, sb;
    braid_assoc_id idb;
    braid_assoc_id ida = up(&p, &sa, &sb, &idb);
    uint32_t tsn = next_tsn_of_a(&p, ida);
    count_events(p.b, BRAID_EV_NONE, -1);
    /* unknown chunk types around DATA (§3.2): 0x7f stops and reports,
     * 0xbf is skipped, 0xff is skipped and reported */
    uint8_t raw_val[4] = {1, 2, 3, 4};
    braid_chunk skip = chunk(0xbf, 0), skip_rep = chunk(0xff, 0);
    skip.u.raw.value = skip_rep.u.raw.value = raw_val;
    skip.u.raw.value_len = skip_rep.u.raw.value_len = 4;
    braid_chunk cs[3] = {skip, skip_rep, data_chunk(tsn, 1, 0, "after unknown")};
    inject(p.b, &p.addr_a, &p.addr_b, PA, PB, sb.local_vtag, cs, 3, p.now);
    CHECK_EQ(recv_all(p.b, p.now), 1); /* the DATA after them was processed */
    /* (what else is due may come first: a HEARTBEAT, a SACK) */
    int saw_unrec = 0;
    for (int k = 0; k < 8; k++) {
        out_pkt o = pull(p.b, p.now);
        if (o.len <= 0)
            break;
        for (unsigned i = 0; i < o.n_chunks && i < 8; i++)
            saw_unrec += o.types[i] == BRAID_CHUNK_ERROR;
    }
    CHECK_EQ(saw_unrec, 1); /* one ERROR (Unrecognized Chunk Type) */
    braid_chunk stop = chunk(0x7f, 0);
    stop.u.raw.value = raw_val;
    stop.u.raw.value_len = 4;
    braid_chunk cs2[2] = {stop, data_chunk(tsn + 1, 1, 1, "never")};
    inject(p.b, &p.addr_a, &p.addr_b, PA, PB, sb.local_vtag, cs2, 2, p.now);
    CHECK_EQ(recv_all(p.b, p.now), 0); /* processing stopped at the 0x7f chunk */
    out_pkt o = pull(p.b, p.now);
    CHECK_EQ(o.type, BRAID_CHUNK_ERROR);
    CHECK_EQ(o.first_cause, BRAID_CAUSE_UNRECOGNIZED_CHUNK);

    /* a stream that was not negotiated (4 streams): ERROR Invalid Stream
     * Identifier, and the TSN is acknowledged (§6.5) */
    braid_chunk bad_sid = data_chunk(tsn + 1, 9, 0, "bad stream");
    inject(p.b, &p.addr_a, &p.addr_b, PA, PB, sb.local_vtag, &bad_sid, 1, p.now);
    CHECK_EQ(recv_all(p.b, p.now), 0);
    o = pull(p.b, p.now);
    int saw_err = 0, saw_sack = 0;
    for (unsigned i = 0; i < o.n_chunks && i < 8; i++) {
        saw_err += o.types[i] == BRAID_CHUNK_ERROR;
        saw_sack += o.types[i] == BRAID_CHUNK_SACK;
    }
    CHECK_EQ(saw_err, 1);
    CHECK_EQ(saw_sack, 1);
    braid_counters cb;
    braid_endpoint_counters(p.b, &cb);
    CHECK_EQ(cb.drop_bad_stream, 1);

    /* DATA without user data: ABORT with No User Data (§6.2) */
    uint8_t empty_data[16] = {0, 0x03, 0, 16};
    braid_store32(empty_data + 4, tsn + 2);
    uint8_t pkt[64];
    braid_pkt_builder b;
    braid_pkt_begin(&b, pkt, sizeof pkt, sizeof pkt, PA, PB, sb.local_vtag);
    memcpy(pkt + 12, empty_data, 16);
    b.w.off = 28;
    size_t len = braid_pkt_finish(&b);
    braid_path path = {p.addr_b, p.addr_a};
    braid_endpoint_read_pkt(p.b, &path, pkt, len, p.now);
    o = pull(p.b, p.now);
    CHECK_EQ(o.type, BRAID_CHUNK_ABORT);
    CHECK_EQ(o.first_cause, BRAID_CAUSE_NO_USER_DATA);
    CHECK_EQ(o.h.vtag, sb.peer_vtag);
    braid_endpoint_free(p.a);
    braid_endpoint_free(p.b);
    CHECK_EQ(p.ea.live, 0);
    CHECK_EQ(p.eb.live, 0);
}

static void test_sack_for_unsent(void)
{
    pair p;
    CHECK_EQ(pair_init(&p, 44, 1), 0);
    braid_assoc_status sa, sb;
    braid_assoc_id idb;
    up(&p, &sa, &sb, &idb);
    /* B sends A a SACK acknowledging far beyond anything A sent */
    braid_chunk s = chunk(BRAID_CHUNK_SACK, 0);
    s.u.sack.cum_tsn = 0x7fffffff;
    s.u.sack.a_rwnd = 65536;
    inject(p.a, &p.addr_b, &p.addr_a, PB, PA, sa.local_vtag, &s, 1, p.now);
    out_pkt o = pull(p.a, p.now);
    CHECK_EQ(o.type, BRAID_CHUNK_ABORT);
    CHECK_EQ(o.first_cause, BRAID_CAUSE_PROTOCOL_VIOLATION);
    CHECK_EQ(count_events(p.a, BRAID_EV_ASSOC_CHANGE, BRAID_COMM_LOST), 1);
    braid_endpoint_free(p.a);
    braid_endpoint_free(p.b);
    CHECK_EQ(p.ea.live, 0);
    CHECK_EQ(p.eb.live, 0);
}

/* ---- collisions and restart (§5.2) ---- */

static void test_simultaneous_open(void)
{
    pair p;
    CHECK_EQ(pair_init(&p, 45, 1), 0);
    braid_connect_opts oa = {PB, 3, 3}, ob = {PA, 3, 3};
    braid_assoc_id ida, idb;
    CHECK_EQ(braid_assoc_connect(p.a, &p.addr_b, 1, &oa, p.now, &ida), 0);
    CHECK_EQ(braid_assoc_connect(p.b, &p.addr_a, 1, &ob, p.now, &idb), 0);
    pump(&p, 40);
    braid_assoc_status sa, sb;
    CHECK_EQ(braid_assoc_status_get(p.a, ida, &sa), 0);
    CHECK_EQ(braid_assoc_status_get(p.b, idb, &sb), 0);
    CHECK_EQ(sa.state, BRAID_STATE_ESTABLISHED);
    CHECK_EQ(sb.state, BRAID_STATE_ESTABLISHED);
    /* one association: each side's peer tag is the other's local tag */
    CHECK_EQ(sa.peer_vtag, sb.local_vtag);
    CHECK_EQ(sb.peer_vtag, sa.local_vtag);
    CHECK_EQ(count_events(p.a, BRAID_EV_ASSOC_CHANGE, BRAID_COMM_UP), 1);
    CHECK_EQ(count_events(p.b, BRAID_EV_ASSOC_CHANGE, BRAID_COMM_UP), 1);
    braid_send_info si = {1, 9, 0, 0, 0};
    CHECK_EQ(braid_assoc_send(p.a, ida, &si, "both ways", 9, p.now), 0);
    pump(&p, 10);
    CHECK_EQ(recv_all(p.b, p.now), 1);
    braid_endpoint_free(p.a);
    braid_endpoint_free(p.b);
    CHECK_EQ(p.ea.live, 0);
    CHECK_EQ(p.eb.live, 0);
}

static void test_peer_restart(void)
{
    pair p;
    CHECK_EQ(pair_init(&p, 46, 1), 0);
    braid_assoc_status sa, sb;
    braid_assoc_id idb;
    up(&p, &sa, &sb, &idb);
    /* A crashes: a fresh endpoint with the same address and port connects */
    braid_endpoint_free(p.a);
    CHECK_EQ(p.ea.live, 0);
    braid_settings s;
    braid_settings_default(&s);
    s.local_port = PA;
    s.local_addrs[0] = p.addr_a;
    s.n_local_addrs = 1;
    s.nodelay = 1;
    braid_hooks h = {t_alloc, t_free, t_random, t_mac, NULL, &p.ea, NULL, NULL, NULL, 0};
    CHECK_EQ(braid_endpoint_new(&p.a, &s, &h), 0);
    braid_connect_opts o = {PB, 4, 4};
    braid_assoc_id ida2;
    CHECK_EQ(braid_assoc_connect(p.a, &p.addr_b, 1, &o, p.now, &ida2), 0);
    pump(&p, 20);
    braid_assoc_status sa2, sb2;
    CHECK_EQ(braid_assoc_status_get(p.a, ida2, &sa2), 0);
    CHECK_EQ(sa2.state, BRAID_STATE_ESTABLISHED);
    /* B kept its association (same id), now with the new tags: a RESTART */
    CHECK_EQ(braid_assoc_status_get(p.b, idb, &sb2), 0);
    CHECK_EQ(sb2.peer_vtag, sa2.local_vtag);
    CHECK_EQ(count_events(p.b, BRAID_EV_ASSOC_CHANGE, BRAID_RESTART), 1);
    braid_send_info si = {0, 9, 0, 0, 0};
    CHECK_EQ(braid_assoc_send(p.a, ida2, &si, "again", 5, p.now), 0);
    pump(&p, 10);
    CHECK_EQ(recv_all(p.b, p.now), 1);
    braid_endpoint_free(p.a);
    braid_endpoint_free(p.b);
    CHECK_EQ(p.ea.live, 0);
    CHECK_EQ(p.eb.live, 0);
}

int main(void)
{
    RUN(test_ootb);
    RUN(test_init_rules);
    RUN(test_host_name_address);
    RUN(test_cookie_preservative_cap);
    RUN(test_vtag_rules);
    RUN(test_bad_data);
    RUN(test_sack_for_unsent);
    RUN(test_simultaneous_open);
    RUN(test_peer_restart);
    return CHECK_REPORT();
}
