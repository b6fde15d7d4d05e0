/*
 * libFuzzer target: the association state machine, structure-aware.
 *
 * Two endpoints (A, B) talk back to back with a fixed clock and fixed
 * randomness. The first input byte picks a starting state reached by
 * scripted traffic (COOKIE-WAIT, COOKIE-ECHOED, ESTABLISHED idle or with
 * data in flight, SHUTDOWN-PENDING, SHUTDOWN-SENT/RECEIVED); the rest is a
 * program of operations: inject a valid chunk with fuzzed fields into B (as
 * if from A, with B's verification tag), inject raw bytes, call an API
 * function on either side, fire the next timer, or let real traffic flow.
 * CRC checking is switched off on B by a setting, so every mutation reaches
 * the chunk handlers. At the end both endpoints are freed and the counting
 * allocator must be back at zero (a leak aborts).
 */
#include <stdio.h>
#include <stdlib.h>

#include "core/wire/chunk.h"
#include "core/wire/pkt.h"
#include "core/wire/tlv.h"
#include "engine_pair.h"

#include "fuzz_input.h"

/* A TSN within 128 of base, either side (serial arithmetic wraps). */
static uint32_t near(uint32_t base, input *in) { return base + take8(in) - 128u; }

static void feed_b(pair *p, const uint8_t *pkt, size_t len)
{
    braid_path path = {p->addr_b, p->addr_a};
    braid_endpoint_read_pkt(p->b, &path, pkt, len, p->now);
}

/* One chunk of a type chosen by the input, fields from the input. */
static void inject_chunk(pair *p, input *in, uint32_t vtag, uint32_t peer_tsn, uint32_t my_tsn)
{
    static const uint8_t types[] = {
        BRAID_CHUNK_DATA,        BRAID_CHUNK_SACK,         BRAID_CHUNK_HEARTBEAT,
        BRAID_CHUNK_HEARTBEAT_ACK, BRAID_CHUNK_ABORT,      BRAID_CHUNK_SHUTDOWN,
        BRAID_CHUNK_SHUTDOWN_ACK, BRAID_CHUNK_ERROR,       BRAID_CHUNK_COOKIE_ECHO,
        BRAID_CHUNK_COOKIE_ACK,  BRAID_CHUNK_SHUTDOWN_COMPLETE, BRAID_CHUNK_INIT,
        BRAID_CHUNK_INIT_ACK,    BRAID_CHUNK_FORWARD_TSN,  0x3f, 0x7f, 0xbf, 0xff};
    uint8_t payload[256], tlvs[64];
    braid_chunk c;
    memset(&c, 0, sizeof c);
    c.type = types[take8(in) % sizeof types];
    c.flags = take8(in);
    size_t plen = take8(in);
    for (size_t i = 0; i < plen && i < sizeof payload; i++)
        payload[i] = take8(in);
    /* a TLV list of one cause / parameter with fuzzed contents */
    size_t tl = 4 + take8(in) % 16;
    braid_store16(tlvs, take16(in));
    braid_store16(tlvs + 2, (uint16_t)tl);
    for (size_t i = 4; i < tl; i++)
        tlvs[i] = take8(in);
    switch (c.type) {
    case BRAID_CHUNK_DATA:
        c.u.data.tsn = near(peer_tsn, in);
        c.u.data.sid = take8(in) % 12;
        c.u.data.ssn = take8(in) % 8;
        c.u.data.ppid = take32(in);
        c.u.data.payload = payload;
        c.u.data.payload_len = plen ? plen : 1;
        break;
    case BRAID_CHUNK_SACK: {
        static uint8_t gaps[16];
        c.u.sack.cum_tsn = near(my_tsn, in);
        c.u.sack.a_rwnd = take32(in);
        c.u.sack.n_gaps = take8(in) % 4;
        for (unsigned i = 0; i < 4u * c.u.sack.n_gaps; i++)
            gaps[i] = (uint8_t)(i % 2 ? take8(in) % 8 : 0);
        c.u.sack.gaps = gaps;
        c.u.sack.n_dups = 0;
        break;
    }
    case BRAID_CHUNK_SHUTDOWN:
    case BRAID_CHUNK_FORWARD_TSN:
        c.u.tsn.tsn = near(my_tsn, in);
        if (c.type == BRAID_CHUNK_FORWARD_TSN) {
            c.u.fwdtsn.new_cum_tsn = c.u.tsn.tsn;
            c.u.fwdtsn.n = 0;
        }
        break;
    case BRAID_CHUNK_HEARTBEAT:
    case BRAID_CHUNK_HEARTBEAT_ACK:
        c.u.hb.info = payload;
        c.u.hb.info_len = plen;
        break;
    case BRAID_CHUNK_ABORT:
    case BRAID_CHUNK_ERROR:
        c.u.tlvs.tlvs = tlvs;
        c.u.tlvs.tlvs_len = tl;
        break;
    case BRAID_CHUNK_COOKIE_ECHO:
        c.u.cookie.cookie = payload;
        c.u.cookie.cookie_len = plen ? plen : 1;
        break;
    case BRAID_CHUNK_INIT:
    case BRAID_CHUNK_INIT_ACK:
        c.u.init.init_tag = take32(in) | 1;
        c.u.init.a_rwnd = 1500 + take16(in);
        c.u.init.os = (uint16_t)(1 + take8(in));
        c.u.init.mis = (uint16_t)(1 + take8(in));
        c.u.init.initial_tsn = take32(in);
        c.u.init.params = tlvs;
        c.u.init.params_len = c.type == BRAID_CHUNK_INIT_ACK ? tl : (take8(in) & 1 ? tl : 0);
        if (c.type == BRAID_CHUNK_INIT_ACK)
            braid_store16(tlvs, BRAID_PARAM_STATE_COOKIE);
        break;
    default:
        c.u.raw.value = payload;
        c.u.raw.value_len = plen;
        break;
    }
    uint8_t pkt[1500];
    braid_pkt_builder b;
    uint32_t tag = (c.type == BRAID_CHUNK_INIT) ? 0 : vtag;
    if (take8(in) == 0xee)
        tag = take32(in); /* a wrong tag now and then */
    braid_pkt_begin(&b, pkt, sizeof pkt, sizeof pkt, 5000, 6000, tag);
    if (braid_pkt_add(&b, &c) == 0)
        feed_b(p, pkt, braid_pkt_finish(&b));
}

static void inject_raw(pair *p, input *in, uint32_t vtag)
{
    uint8_t pkt[600];
    size_t len = 12 + take8(in) * 2u;
    if (len > sizeof pkt)
        len = sizeof pkt;
    braid_store16(pkt, 5000);
    braid_store16(pkt + 2, 6000);
    braid_store32(pkt + 4, vtag);
    braid_store32(pkt + 8, 0);
    for (size_t i = 12; i < len; i++)
        pkt[i] = take8(in);
    feed_b(p, pkt, len);
}

static void api_call(pair *p, input *in, braid_assoc_id ida)
{
    braid_endpoint *ep = take8(in) & 1 ? p->b : p->a;
    braid_assoc_id id = ep == p->a ? ida : 3; /* B's first association id */
    uint8_t buf[3000];
    braid_send_info si = {(uint16_t)(take8(in) % 6), take32(in), take8(in) & 1, 0, 0};
    switch (take8(in) % 6) {
    case 0: {
        size_t len = 1 + take16(in) % sizeof buf;
        memset(buf, 0x5a, len);
        braid_assoc_send(ep, id, &si, buf, len, p->now);
        break;
    }
    case 1: {
        braid_recv_info ri;
        braid_endpoint_recv(ep, &ri, buf, 1 + take16(in) % sizeof buf, p->now);
        break;
    }
    case 2:
        braid_assoc_shutdown(ep, id, p->now);
        break;
    case 3:
        braid_assoc_abort(ep, id, "fuzz", 4, p->now);
        break;
    case 4: {
        braid_assoc_status st;
        braid_assoc_status_get(ep, id, &st);
        break;
    }
    default: {
        braid_event ev;
        while (braid_poll_event(ep, &ev))
            braid_event_release(ep, &ev);
        break;
    }
    }
}

static void fire_timer(pair *p)
{
    uint64_t ta = braid_endpoint_next_expiry(p->a), tb = braid_endpoint_next_expiry(p->b);
    uint64_t t = ta < tb ? ta : tb;
    if (t == BRAID_TIME_NEVER)
        return;
    if (t > p->now)
        p->now = t;
    braid_endpoint_handle_expiry(p->a, p->now);
    braid_endpoint_handle_expiry(p->b, p->now);
}

/* Drains what B wants to send (so its output paths run too). */
static void drain_b(pair *p)
{
    uint8_t buf[2048];
    braid_path path;
    for (int i = 0; i < 64 && braid_endpoint_write_pkt(p->b, &path, buf, sizeof buf, p->now) > 0;
         i++)
        ;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    input in = {data, size};
    pair p;
    if (pair_init(&p, 7, 1) < 0)
        abort();
    braid_settings s;
    braid_endpoint_get_settings(p.b, &s);
    s.check_crc = 0; /* the setting, not an #ifdef */
    braid_endpoint_update_settings(p.b, &s);

    /* starting state */
    braid_connect_opts o = {6000, 4, 4};
    braid_assoc_id ida = 0;
    braid_assoc_connect(p.a, &p.addr_b, 1, &o, p.now, &ida);
    uint8_t start = take8(&in) % 7;
    int rounds[] = {0, 1, 20, 20, 20, 20, 20};
    pump(&p, rounds[start]);
    uint8_t msg[4000];
    memset(msg, 7, sizeof msg);
    braid_send_info si = {1, 9, 0, 0, 0};
    if (start >= 3) /* data in flight */
        for (int i = 0; i < 6; i++)
            braid_assoc_send(p.a, ida, &si, msg, sizeof msg, p.now);
    if (start == 4)
        braid_assoc_shutdown(p.a, ida, p.now); /* SHUTDOWN-PENDING */
    if (start >= 5) {
        pump(&p, 3);
        braid_assoc_shutdown(start == 5 ? p.a : p.b, start == 5 ? ida : 3, p.now);
    }
    braid_assoc_status sa, sb;
    memset(&sa, 0, sizeof sa);
    memset(&sb, 0, sizeof sb);
    braid_assoc_status_get(p.a, ida, &sa);
    braid_assoc_status_get(p.b, 3, &sb);
    uint32_t vtag = sb.local_vtag ? sb.local_vtag : 0x12345678;

    for (int ops = 0; in.n && ops < 200; ops++) {
        switch (take8(&in) % 6) {
        case 0:
        case 1:
            braid_assoc_status_get(p.b, 3, &sb);
            inject_chunk(&p, &in, vtag, sb.cum_tsn + 1, sb.next_tsn - 1);
            break;
        case 2:
            inject_raw(&p, &in, vtag);
            break;
        case 3:
            api_call(&p, &in, ida);
            break;
        case 4:
            fire_timer(&p);
            break;
        default:
            pump(&p, 1 + take8(&in) % 3);
            break;
        }
        drain_b(&p);
    }
    braid_endpoint_free(p.a);
    braid_endpoint_free(p.b);
    if (p.ea.live != 0 || p.eb.live != 0) {
        fprintf(stderr, "leak: %ld / %ld allocations live\n", p.ea.live, p.eb.live);
        abort();
    }
    return 0;
}
