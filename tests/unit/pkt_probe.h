/*
 * Hand-built packets into an endpoint, and what it sends decoded: the
 * protocol-rule and attack tests (tests/unit/test_engine_rules.c,
 * tests/security/) share these.
 */
#ifndef BRAID_TEST_PKT_PROBE_H
#define BRAID_TEST_PKT_PROBE_H

#include <string.h>

#include "braid/braid.h"
#include "core/util/bytes.h"
#include "core/wire/chunk.h"
#include "core/wire/pkt.h"
#include "core/wire/sack.h"

static uint8_t probe_buf_[70000];

/* Feeds ep a packet holding chunks cs[0..n) from `from` to `to`; returns
 * what braid_endpoint_read_pkt says, or -100 if the chunks do not fit. */
static inline int inject(braid_endpoint *ep, const braid_addr *from, const braid_addr *to,
                         uint16_t sport, uint16_t dport, uint32_t vtag, const braid_chunk *cs,
                         int n, uint64_t now)
{
    braid_pkt_builder b;
    braid_pkt_begin(&b, probe_buf_, sizeof probe_buf_, sizeof probe_buf_, sport, dport, vtag);
    for (int i = 0; i < n; i++)
        if (braid_pkt_add(&b, &cs[i]) < 0)
            return -100;
    size_t len = braid_pkt_finish(&b);
    braid_path path = {*to, *from};
    return braid_endpoint_read_pkt(ep, &path, probe_buf_, len, now);
}

/* The same with raw chunk bytes (the common header and CRC filled in): for
 * lengths that lie. */
static inline int inject_raw(braid_endpoint *ep, const braid_addr *from, const braid_addr *to,
                             uint16_t sport, uint16_t dport, uint32_t vtag, const uint8_t *raw,
                             size_t n, uint64_t now)
{
    braid_pkt_builder b;
    braid_pkt_begin(&b, probe_buf_, sizeof probe_buf_, sizeof probe_buf_, sport, dport, vtag);
    memcpy(probe_buf_ + BRAID_COMMON_HEADER_LEN, raw, n);
    b.w.off = BRAID_COMMON_HEADER_LEN + n;
    size_t len = braid_pkt_finish(&b);
    braid_path path = {*to, *from};
    return braid_endpoint_read_pkt(ep, &path, probe_buf_, len, now);
}

/* Outline of a packet an endpoint sent. */
typedef struct out_pkt {
    int len;
    braid_path path;
    braid_common_header h;
    uint8_t type, flags;  /* of the first chunk */
    uint16_t first_cause; /* the first chunk's first cause (ABORT / ERROR) */
    unsigned n_chunks;
    uint8_t types[16];
    uint16_t cause[16];     /* first cause code of ABORT / ERROR chunks */
    uint32_t cause_val[16]; /* its first 4 value bytes, if any */
    /* the first SACK */
    int has_sack;
    uint32_t cum, a_rwnd;
    uint16_t n_gaps, n_dups;
    uint32_t dup0;
    unsigned n_data;   /* DATA chunks */
    uint8_t raw[2048]; /* the packet's bytes (the first 2048) */
} out_pkt;

/* Pulls the next packet ep wants to send and decodes its outline. */
static inline out_pkt pull(braid_endpoint *ep, uint64_t now)
{
    out_pkt o;
    memset(&o, 0, sizeof o);
    o.len = braid_endpoint_write_pkt(ep, &o.path, probe_buf_, sizeof probe_buf_, now);
    if (o.len <= 0)
        return o;
    const uint8_t *buf = probe_buf_;
    memcpy(o.raw, buf, (size_t)o.len < sizeof o.raw ? (size_t)o.len : sizeof o.raw);
    braid_header_parse(buf, (size_t)o.len, &o.h);
    braid_chunk_iter it;
    braid_chunk_view v;
    braid_chunk_iter_init(&it, buf, (size_t)o.len);
    while (braid_chunk_iter_next(&it, &v) > 0) {
        unsigned i = o.n_chunks++;
        if (i == 0) {
            o.type = v.type;
            o.flags = v.flags;
        }
        if (v.type == BRAID_CHUNK_DATA)
            o.n_data++;
        braid_chunk c;
        if (v.type == BRAID_CHUNK_SACK && !o.has_sack && braid_chunk_parse(&v, &c) == 0) {
            o.has_sack = 1;
            o.cum = c.u.sack.cum_tsn;
            o.a_rwnd = c.u.sack.a_rwnd;
            o.n_gaps = c.u.sack.n_gaps;
            o.n_dups = c.u.sack.n_dups;
            if (o.n_dups)
                o.dup0 = braid_sack_dup(&c.u.sack, 0);
        }
        if (i >= 16)
            continue;
        o.types[i] = v.type;
        if ((v.type == BRAID_CHUNK_ABORT || v.type == BRAID_CHUNK_ERROR) && v.value_len >= 4) {
            o.cause[i] = braid_load16(v.value);
            if (v.value_len >= 8)
                o.cause_val[i] = braid_load32(v.value + 4);
            if (i == 0)
                o.first_cause = o.cause[0];
        }
    }
    return o;
}

/* Index of the first chunk of type t in o, or -1. */
static inline int find_chunk(const out_pkt *o, uint8_t t)
{
    for (unsigned i = 0; i < o->n_chunks && i < 16; i++)
        if (o->types[i] == t)
            return (int)i;
    return -1;
}

#endif
