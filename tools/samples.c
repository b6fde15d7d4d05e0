#include "samples.h"

#include <string.h>

#include "core/wire/chunk.h"
#include "core/wire/pkt.h"
#include "core/wire/tlv.h"

#define PORT 9899

typedef struct sampler {
    braid_sample_cb cb;
    void *ctx;
    int count;
    int err;
} sampler;

/* Emits one packet holding the given chunks. */
static void emit(sampler *s, const char *label, uint32_t vtag, const braid_chunk *chunks, int n)
{
    uint8_t buf[4096];
    braid_pkt_builder b;
    int rc = braid_pkt_begin(&b, buf, sizeof buf, 1452, PORT, PORT, vtag);
    for (int i = 0; rc == 0 && i < n; i++)
        rc = braid_pkt_add(&b, &chunks[i]);
    if (rc < 0) {
        if (!s->err)
            s->err = rc;
        return;
    }
    size_t len = braid_pkt_finish(&b);
    s->cb(s->ctx, label, buf, len);
    s->count++;
}

static braid_chunk mk(uint8_t type, uint8_t flags)
{
    braid_chunk c;
    memset(&c, 0, sizeof c);
    c.type = type;
    c.flags = flags;
    return c;
}

/* Writes parameters / causes into a scratch buffer; returns the length. */
static size_t params(uint8_t *buf, size_t cap, const braid_param *ps, int n, int *err)
{
    braid_wr w;
    braid_wr_init(&w, buf, cap);
    for (int i = 0; i < n; i++) {
        int rc = braid_param_write(&w, &ps[i]);
        if (rc < 0 && !*err)
            *err = rc;
    }
    return w.off;
}

static size_t causes(uint8_t *buf, size_t cap, const braid_cause *cs, int n, int *err)
{
    braid_wr w;
    braid_wr_init(&w, buf, cap);
    for (int i = 0; i < n; i++) {
        int rc = braid_cause_write(&w, &cs[i]);
        if (rc < 0 && !*err)
            *err = rc;
    }
    return w.off;
}

static braid_param p_addr4(uint16_t type, uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
    braid_param p;
    memset(&p, 0, sizeof p);
    p.type = type;
    p.u.addr.len = 4;
    p.u.addr.bytes[0] = a, p.u.addr.bytes[1] = b, p.u.addr.bytes[2] = c, p.u.addr.bytes[3] = d;
    return p;
}

static braid_param p_bytes(uint16_t type, const void *v, size_t n)
{
    braid_param p;
    memset(&p, 0, sizeof p);
    p.type = type;
    p.u.bytes.p = v;
    p.u.bytes.len = n;
    return p;
}

static braid_param p_u32(uint16_t type, uint32_t v)
{
    braid_param p;
    memset(&p, 0, sizeof p);
    p.type = type;
    p.u.u32 = v;
    return p;
}

static const uint8_t random32[32] = {
    0x5a, 0x11, 0x2b, 0x8c, 0x01, 0x77, 0xe0, 0x3d, 0x9a, 0x42, 0x10, 0x66, 0xc3, 0x0f, 0x2e, 0x71,
    0x88, 0x19, 0xa4, 0x5b, 0x37, 0xd2, 0x60, 0x0b, 0xfe, 0x14, 0x93, 0x2c, 0x48, 0xb1, 0x7e, 0x05};
static const uint8_t ext_types[] = {
    BRAID_CHUNK_FORWARD_TSN, BRAID_CHUNK_IDATA,      BRAID_CHUNK_IFORWARD_TSN, BRAID_CHUNK_RECONFIG,
    BRAID_CHUNK_ASCONF,      BRAID_CHUNK_ASCONF_ACK, BRAID_CHUNK_AUTH,         BRAID_CHUNK_PAD};
static const uint8_t auth_chunks[] = {BRAID_CHUNK_ASCONF, BRAID_CHUNK_ASCONF_ACK};
static const uint8_t addr_types[] = {0, BRAID_PARAM_IPV4, 0, BRAID_PARAM_IPV6};
static const uint8_t hmac_algos[] = {0, 1, 0, 3}; /* SHA-1, SHA-256 (RFC 4895 §3.3) */
static const uint8_t ipv6_addr[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
static const uint8_t cookie[] = "braid-sample-state-cookie:not-a-real-mac-0123456789";
static const uint8_t hb_info[] = {0,    0,    0,    1,    0,    0,    0,    0,
                                  0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0};

static void sample_handshake(sampler *s)
{
    uint8_t pbuf[512];
    int err = 0;
    braid_param ip6 = p_bytes(BRAID_PARAM_IPV6, NULL, 0);
    ip6.u.addr.len = 16;
    memcpy(ip6.u.addr.bytes, ipv6_addr, 16);
    braid_param hmac = p_bytes(BRAID_PARAM_HMAC_ALGO, NULL, 0);
    hmac.u.u16s.n = 2;
    hmac.u.u16s.p = hmac_algos;
    braid_param types = p_bytes(BRAID_PARAM_SUPPORTED_ADDR_TYPES, NULL, 0);
    types.u.u16s.n = 2;
    types.u.u16s.p = addr_types;
    const braid_param init_params[] = {
        p_addr4(BRAID_PARAM_IPV4, 192, 0, 2, 1),
        ip6,
        types,
        p_u32(BRAID_PARAM_COOKIE_PRESERVATIVE, 5000),
        p_bytes(BRAID_PARAM_SUPPORTED_EXT, ext_types, sizeof ext_types),
        p_bytes(BRAID_PARAM_FORWARD_TSN_SUPPORTED, NULL, 0),
        p_bytes(BRAID_PARAM_RANDOM, random32, sizeof random32),
        p_bytes(BRAID_PARAM_CHUNK_LIST, auth_chunks, sizeof auth_chunks),
        hmac,
        p_u32(BRAID_PARAM_ADAPTATION, 0x01020304),
    };
    braid_chunk init = mk(BRAID_CHUNK_INIT, 0);
    init.u.init = (braid_init_chunk){.init_tag = 0x1a2b3c4d,
                                     .a_rwnd = 131072,
                                     .os = 10,
                                     .mis = 2048,
                                     .initial_tsn = 1000,
                                     .params = pbuf};
    init.u.init.params_len = params(pbuf, sizeof pbuf, init_params, 10, &err);
    emit(s, "INIT", 0, &init, 1);

    /* INIT ACK: cookie, an address, and an unrecognized parameter reported. */
    const uint8_t unknown_tlv[] = {0x80, 0x77, 0x00, 0x06, 0xab, 0xcd};
    const braid_param ack_params[] = {
        p_bytes(BRAID_PARAM_STATE_COOKIE, cookie, sizeof cookie - 1),
        p_addr4(BRAID_PARAM_IPV4, 192, 0, 2, 2),
        p_bytes(BRAID_PARAM_UNRECOGNIZED, unknown_tlv, sizeof unknown_tlv),
        p_bytes(BRAID_PARAM_SUPPORTED_EXT, ext_types, sizeof ext_types),
        p_bytes(BRAID_PARAM_FORWARD_TSN_SUPPORTED, NULL, 0),
    };
    braid_chunk ack = mk(BRAID_CHUNK_INIT_ACK, 0);
    ack.u.init = (braid_init_chunk){.init_tag = 0x5e6f7a8b,
                                    .a_rwnd = 65536,
                                    .os = 2048,
                                    .mis = 10,
                                    .initial_tsn = 77777,
                                    .params = pbuf};
    ack.u.init.params_len = params(pbuf, sizeof pbuf, ack_params, 5, &err);
    emit(s, "INIT ACK", 0x1a2b3c4d, &ack, 1);

    braid_chunk echo = mk(BRAID_CHUNK_COOKIE_ECHO, 0);
    echo.u.cookie.cookie = cookie;
    echo.u.cookie.cookie_len = sizeof cookie - 1;
    emit(s, "COOKIE ECHO", 0x5e6f7a8b, &echo, 1);
    braid_chunk cack = mk(BRAID_CHUNK_COOKIE_ACK, 0);
    emit(s, "COOKIE ACK", 0x1a2b3c4d, &cack, 1);
    if (err && !s->err)
        s->err = err;
}

static void sample_data(sampler *s)
{
    static const char msg[] = "hello from braid";
    braid_chunk d = mk(BRAID_CHUNK_DATA, BRAID_DATA_FLAG_B | BRAID_DATA_FLAG_E);
    d.u.data = (braid_data_chunk){.tsn = 1000,
                                  .sid = 3,
                                  .ssn = 7,
                                  .ppid = 51,
                                  .payload = (const uint8_t *)msg,
                                  .payload_len = sizeof msg - 1};
    emit(s, "DATA", 0x5e6f7a8b, &d, 1);

    static const uint8_t gaps[] = {0, 2, 0, 3, 0, 6, 0, 6};
    static const uint8_t dups[] = {0, 0, 0x03, 0xe8};
    braid_chunk sack = mk(BRAID_CHUNK_SACK, 0);
    sack.u.sack = (braid_sack_chunk){
        .cum_tsn = 1000, .a_rwnd = 120000, .n_gaps = 2, .n_dups = 1, .gaps = gaps, .dups = dups};
    emit(s, "SACK", 0x1a2b3c4d, &sack, 1);

    braid_chunk id = mk(BRAID_CHUNK_IDATA, BRAID_DATA_FLAG_B | BRAID_DATA_FLAG_U);
    id.u.data = (braid_data_chunk){.tsn = 1001,
                                   .sid = 4,
                                   .mid = 9,
                                   .ppid = 53,
                                   .payload = (const uint8_t *)msg,
                                   .payload_len = 8};
    braid_chunk id2 = mk(BRAID_CHUNK_IDATA, BRAID_DATA_FLAG_E | BRAID_DATA_FLAG_U);
    id2.u.data = (braid_data_chunk){.tsn = 1002,
                                    .sid = 4,
                                    .mid = 9,
                                    .fsn = 1,
                                    .payload = (const uint8_t *)msg + 8,
                                    .payload_len = 8};
    const braid_chunk idata[] = {id, id2};
    emit(s, "I-DATA", 0x5e6f7a8b, idata, 2);

    static const uint8_t fwd[] = {0, 3, 0, 7, 0, 5, 0, 1};
    braid_chunk f = mk(BRAID_CHUNK_FORWARD_TSN, 0);
    f.u.fwdtsn = (braid_fwdtsn_chunk){.new_cum_tsn = 1005, .n = 2, .entries = fwd};
    emit(s, "FORWARD TSN", 0x5e6f7a8b, &f, 1);
    static const uint8_t ifwd[] = {0, 4, 0, 1, 0, 0, 0, 9, 0, 6, 0, 0, 0, 0, 0, 2};
    braid_chunk fi = mk(BRAID_CHUNK_IFORWARD_TSN, 0);
    fi.u.fwdtsn = (braid_fwdtsn_chunk){.new_cum_tsn = 1006, .n = 2, .entries = ifwd};
    emit(s, "I-FORWARD-TSN", 0x5e6f7a8b, &fi, 1);
}

static void sample_control(sampler *s)
{
    uint8_t cbuf[512];
    int err = 0;
    braid_chunk hb = mk(BRAID_CHUNK_HEARTBEAT, 0);
    hb.u.hb.info = hb_info;
    hb.u.hb.info_len = sizeof hb_info;
    emit(s, "HEARTBEAT", 0x5e6f7a8b, &hb, 1);
    hb.type = BRAID_CHUNK_HEARTBEAT_ACK;
    emit(s, "HEARTBEAT ACK", 0x1a2b3c4d, &hb, 1);

    braid_chunk sd = mk(BRAID_CHUNK_SHUTDOWN, 0);
    sd.u.tsn.tsn = 1006;
    emit(s, "SHUTDOWN", 0x5e6f7a8b, &sd, 1);
    braid_chunk sda = mk(BRAID_CHUNK_SHUTDOWN_ACK, 0);
    emit(s, "SHUTDOWN ACK", 0x1a2b3c4d, &sda, 1);
    braid_chunk sdc = mk(BRAID_CHUNK_SHUTDOWN_COMPLETE, 0);
    emit(s, "SHUTDOWN COMPLETE", 0x5e6f7a8b, &sdc, 1);

    static const char reason[] = "operator closed the link";
    braid_cause ua;
    memset(&ua, 0, sizeof ua);
    ua.code = BRAID_CAUSE_USER_ABORT;
    ua.u.bytes.p = (const uint8_t *)reason;
    ua.u.bytes.len = sizeof reason - 1;
    braid_chunk ab = mk(BRAID_CHUNK_ABORT, 0);
    ab.u.tlvs.tlvs = cbuf;
    ab.u.tlvs.tlvs_len = causes(cbuf, sizeof cbuf, &ua, 1, &err);
    emit(s, "ABORT", 0x5e6f7a8b, &ab, 1);

    /* ERROR with one of each RFC 9260 §3.3.10 cause. */
    static const uint8_t missing[] = {0, BRAID_PARAM_STATE_COOKIE};
    static const uint8_t bad_chunk[] = {0x4f, 0, 0, 4};
    static const uint8_t bad_param[] = {0x80, 0x77, 0, 4};
    static const uint8_t addr_tlv[] = {0, BRAID_PARAM_IPV4, 0, 8, 192, 0, 2, 9};
    static const char violation[] = "TSN outside the window";
    braid_cause cs[13];
    memset(cs, 0, sizeof cs);
    cs[0].code = BRAID_CAUSE_INVALID_STREAM, cs[0].u.sid = 99;
    cs[1].code = BRAID_CAUSE_MISSING_PARAM, cs[1].u.missing.n = 1, cs[1].u.missing.p = missing;
    cs[2].code = BRAID_CAUSE_STALE_COOKIE, cs[2].u.staleness_us = 250000;
    cs[3].code = BRAID_CAUSE_OUT_OF_RESOURCE;
    cs[4].code = BRAID_CAUSE_UNRESOLVABLE_ADDR;
    cs[4].u.bytes = (braid_bytes){addr_tlv, sizeof addr_tlv};
    cs[5].code = BRAID_CAUSE_UNRECOGNIZED_CHUNK;
    cs[5].u.bytes = (braid_bytes){bad_chunk, sizeof bad_chunk};
    cs[6].code = BRAID_CAUSE_INVALID_PARAM;
    cs[7].code = BRAID_CAUSE_UNRECOGNIZED_PARAMS;
    cs[7].u.bytes = (braid_bytes){bad_param, sizeof bad_param};
    cs[8].code = BRAID_CAUSE_NO_USER_DATA, cs[8].u.tsn = 1003;
    cs[9].code = BRAID_CAUSE_COOKIE_IN_SHUTDOWN;
    cs[10].code = BRAID_CAUSE_RESTART_NEW_ADDRS;
    cs[10].u.bytes = (braid_bytes){addr_tlv, sizeof addr_tlv};
    cs[11].code = BRAID_CAUSE_PROTOCOL_VIOLATION;
    cs[11].u.bytes = (braid_bytes){(const uint8_t *)violation, sizeof violation - 1};
    cs[12].code = BRAID_CAUSE_UNSUPPORTED_HMAC, cs[12].u.hmac_id = 2;
    braid_chunk er = mk(BRAID_CHUNK_ERROR, 0);
    er.u.tlvs.tlvs = cbuf;
    er.u.tlvs.tlvs_len = causes(cbuf, sizeof cbuf, cs, 13, &err);
    emit(s, "ERROR", 0x5e6f7a8b, &er, 1);

    braid_chunk ecne = mk(BRAID_CHUNK_ECNE, 0);
    ecne.u.tsn.tsn = 1004;
    emit(s, "ECNE", 0x5e6f7a8b, &ecne, 1);
    braid_chunk cwr = mk(BRAID_CHUNK_CWR, 0);
    cwr.u.tsn.tsn = 1004;
    emit(s, "CWR", 0x1a2b3c4d, &cwr, 1);

    braid_chunk pad = mk(BRAID_CHUNK_PAD, 0);
    pad.u.pad.pad_len = 32;
    emit(s, "PAD", 0x5e6f7a8b, &pad, 1);
    if (err && !s->err)
        s->err = err;
}

static void sample_extensions(sampler *s)
{
    uint8_t pbuf[256];
    int err = 0;
    static const uint8_t hmac[20] = {0xde, 0xad, 0xbe, 0xef, 1,  2,  3,  4,  5,  6,
                                     7,    8,    9,    10,   11, 12, 13, 14, 15, 16};
    braid_chunk auth = mk(BRAID_CHUNK_AUTH, 0);
    auth.u.auth = (braid_auth_chunk){.key_id = 0, .hmac_id = 1, .hmac = hmac, .hmac_len = 20};
    static const uint8_t ping[] = "ping";
    braid_chunk hb = mk(BRAID_CHUNK_HEARTBEAT, 0);
    hb.u.hb.info = ping;
    hb.u.hb.info_len = 4;
    const braid_chunk authed[] = {auth, hb};
    emit(s, "AUTH", 0x5e6f7a8b, authed, 2);

    /* RE-CONFIG: outgoing + incoming SSN reset requests (RFC 6525 §4.1, §4.2). */
    static const uint8_t streams[] = {0, 1, 0, 2, 0, 5};
    braid_param rq[2];
    memset(rq, 0, sizeof rq);
    rq[0].type = BRAID_PARAM_OUT_SSN_RESET;
    rq[0].u.reset.req_seq = 1;
    rq[0].u.reset.last_tsn = 1006;
    rq[0].u.reset.n_streams = 3;
    rq[0].u.reset.streams = streams;
    rq[1].type = BRAID_PARAM_IN_SSN_RESET;
    rq[1].u.reset.req_seq = 2;
    rq[1].u.reset.n_streams = 1;
    rq[1].u.reset.streams = streams;
    braid_chunk rc = mk(BRAID_CHUNK_RECONFIG, 0);
    rc.u.tlvs.tlvs = pbuf;
    rc.u.tlvs.tlvs_len = params(pbuf, sizeof pbuf, rq, 2, &err);
    emit(s, "RE-CONFIG request", 0x5e6f7a8b, &rc, 1);

    braid_param rs[2];
    memset(rs, 0, sizeof rs);
    rs[0].type = BRAID_PARAM_RECONFIG_RESP;
    rs[0].u.resp.resp_seq = 1;
    rs[0].u.resp.result = 1; /* Success - Performed */
    rs[0].u.resp.has_tsns = 1;
    rs[0].u.resp.sender_next_tsn = 2000;
    rs[0].u.resp.receiver_next_tsn = 1007;
    rs[1].type = BRAID_PARAM_ADD_OUT_STREAMS;
    rs[1].u.add.req_seq = 7;
    rs[1].u.add.n_new = 16;
    braid_chunk rr = mk(BRAID_CHUNK_RECONFIG, 0);
    rr.u.tlvs.tlvs = pbuf;
    rr.u.tlvs.tlvs_len = params(pbuf, sizeof pbuf, rs, 2, &err);
    emit(s, "RE-CONFIG response", 0x1a2b3c4d, &rr, 1);

    /* ASCONF: address parameter, then Add IP and Set Primary (RFC 5061 §4.1.1). */
    static const uint8_t new_addr[] = {0, BRAID_PARAM_IPV4, 0, 8, 192, 0, 2, 3};
    braid_param ap[3];
    memset(ap, 0, sizeof ap);
    ap[0] = p_addr4(BRAID_PARAM_IPV4, 192, 0, 2, 1);
    ap[1].type = BRAID_PARAM_ADD_IP;
    ap[1].u.asconf.corr_id = 11;
    ap[1].u.asconf.inner = (braid_bytes){new_addr, sizeof new_addr};
    ap[2].type = BRAID_PARAM_SET_PRIMARY;
    ap[2].u.asconf.corr_id = 12;
    ap[2].u.asconf.inner = (braid_bytes){new_addr, sizeof new_addr};
    braid_chunk as = mk(BRAID_CHUNK_ASCONF, 0);
    as.u.asconf = (braid_asconf_chunk){.serial = 42, .params = pbuf};
    as.u.asconf.params_len = params(pbuf, sizeof pbuf, ap, 3, &err);
    emit(s, "ASCONF", 0x5e6f7a8b, &as, 1);

    uint8_t cb[64];
    braid_cause refuse;
    memset(&refuse, 0, sizeof refuse);
    refuse.code = BRAID_CAUSE_RESOURCE_SHORTAGE;
    refuse.u.bytes = (braid_bytes){new_addr, sizeof new_addr};
    braid_param aa[2];
    memset(aa, 0, sizeof aa);
    aa[0].type = BRAID_PARAM_SUCCESS_IND;
    aa[0].u.u32 = 11;
    aa[1].type = BRAID_PARAM_ERROR_CAUSE_IND;
    aa[1].u.asconf.corr_id = 12;
    aa[1].u.asconf.inner = (braid_bytes){cb, causes(cb, sizeof cb, &refuse, 1, &err)};
    braid_chunk aack = mk(BRAID_CHUNK_ASCONF_ACK, 0);
    aack.u.asconf = (braid_asconf_chunk){.serial = 42, .params = pbuf};
    aack.u.asconf.params_len = params(pbuf, sizeof pbuf, aa, 2, &err);
    emit(s, "ASCONF-ACK", 0x1a2b3c4d, &aack, 1);
    if (err && !s->err)
        s->err = err;
}

int braid_samples_all_chunks(braid_sample_cb cb, void *ctx)
{
    sampler s = {cb, ctx, 0, 0};
    sample_handshake(&s);
    sample_data(&s);
    sample_control(&s);
    sample_extensions(&s);
    return s.err ? s.err : s.count;
}
