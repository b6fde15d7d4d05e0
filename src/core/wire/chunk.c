/*
 * Packet framing (RFC 9260 §3, §3.1, §3.2) and the chunk codec table.
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     Source Port Number        |     Destination Port Number   |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                      Verification Tag                         |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                           Checksum                            |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |   Chunk Type  | Chunk  Flags  |        Chunk Length           |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * \                          Chunk Value                          /
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
#include "chunk.h"

int braid_header_parse(const uint8_t *pkt, size_t len, braid_common_header *h)
{
    if (len < BRAID_COMMON_HEADER_LEN)
        return BRAID_ERR_TRUNCATED;
    h->src_port = braid_load16(pkt);
    h->dst_port = braid_load16(pkt + 2);
    h->vtag = braid_load32(pkt + 4);
    h->checksum = braid_load32(pkt + 8);
    return 0;
}

void braid_header_write(uint8_t *pkt, const braid_common_header *h)
{
    braid_store16(pkt, h->src_port);
    braid_store16(pkt + 2, h->dst_port);
    braid_store32(pkt + 4, h->vtag);
    braid_store32(pkt + 8, h->checksum);
}

void braid_chunk_iter_init(braid_chunk_iter *it, const uint8_t *pkt, size_t len)
{
    it->p = pkt;
    it->len = len;
    it->off = len < BRAID_COMMON_HEADER_LEN ? len : BRAID_COMMON_HEADER_LEN;
}

void braid_chunk_iter_init_bare(braid_chunk_iter *it, const uint8_t *buf, size_t len)
{
    it->p = buf;
    it->len = len;
    it->off = 0;
}

int braid_chunk_iter_next(braid_chunk_iter *it, braid_chunk_view *v)
{
    size_t left = it->len - it->off;
    if (left == 0)
        return 0;
    if (left < BRAID_CHUNK_HEADER_LEN)
        return BRAID_ERR_TRUNCATED;
    const uint8_t *c = it->p + it->off;
    uint16_t length = braid_load16(c + 2);
    if (length == 0)
        return BRAID_ERR_CHUNK_ZERO_LEN; /* would never advance */
    if (length < BRAID_CHUNK_HEADER_LEN)
        return BRAID_ERR_CHUNK_LEN;
    if (length > left)
        return BRAID_ERR_CHUNK_OVERRUN;
    /* RFC 9260 §3.2: every chunk, the last included, is padded to 4 bytes. */
    size_t padded = braid_pad4(length);
    if (padded > left)
        return BRAID_ERR_CHUNK_PADDING;
    v->type = c[0];
    v->flags = c[1];
    v->length = length;
    v->value = c + BRAID_CHUNK_HEADER_LEN;
    v->value_len = (size_t)length - BRAID_CHUNK_HEADER_LEN;
    v->raw = c;
    it->off += padded;
    return 1;
}

size_t braid_chunk_begin(braid_wr *w, uint8_t type, uint8_t flags)
{
    size_t start = w->off;
    braid_wr_u8(w, type);
    braid_wr_u8(w, flags);
    braid_wr_u16(w, 0);
    return start;
}

int braid_chunk_end(braid_wr *w, size_t start)
{
    if (!braid_wr_close_len16(w, start))
        return BRAID_ERR_NOSPACE;
    braid_wr_pad4(w);
    return w->err ? BRAID_ERR_NOSPACE : 0;
}

/* RFC 9260 §3.3.9, §3.3.12, §3.3.13: Chunk Length 4, no value. */
int braid_chunk_parse_empty(const braid_chunk_view *v, braid_chunk *out)
{
    (void)v;
    out->u.raw.value = NULL;
    out->u.raw.value_len = 0;
    return 0;
}

int braid_chunk_write_empty(braid_wr *w, const braid_chunk *c)
{
    return braid_chunk_end(w, braid_chunk_begin(w, c->type, c->flags));
}

void braid_chunk_describe_flags(braid_sbuf *s, const braid_chunk *c)
{
    braid_sbuf_printf(s, "flags=0x%02x", c->flags);
}

/* RFC 9260 §3.3.8 (SHUTDOWN: Cumulative TSN Ack), RFC 4960 Appendix A
 * (ECNE / CWR: Lowest TSN): a 32-bit TSN is the whole value. */
int braid_chunk_parse_tsn(const braid_chunk_view *v, braid_chunk *out)
{
    if (v->value_len < 4)
        return BRAID_ERR_CHUNK_VALUE;
    out->u.tsn.tsn = braid_load32(v->value);
    return 0;
}

int braid_chunk_write_tsn(braid_wr *w, const braid_chunk *c)
{
    size_t start = braid_chunk_begin(w, c->type, c->flags);
    braid_wr_u32(w, c->u.tsn.tsn);
    return braid_chunk_end(w, start);
}

static const braid_chunk_ops *const all_ops[] = {
    &braid_ops_data,     &braid_ops_init,         &braid_ops_init_ack,
    &braid_ops_sack,     &braid_ops_heartbeat,    &braid_ops_heartbeat_ack,
    &braid_ops_abort,    &braid_ops_shutdown,     &braid_ops_shutdown_ack,
    &braid_ops_error,    &braid_ops_cookie_echo,  &braid_ops_cookie_ack,
    &braid_ops_ecne,     &braid_ops_cwr,          &braid_ops_shutdown_complete,
    &braid_ops_auth,     &braid_ops_idata,        &braid_ops_asconf_ack,
    &braid_ops_reconfig, &braid_ops_pad,          &braid_ops_forward_tsn,
    &braid_ops_asconf,   &braid_ops_iforward_tsn,
};

const braid_chunk_ops *braid_chunk_ops_find(uint8_t type)
{
    /* Small table; a linear scan keeps it obviously correct. DATA is first. */
    for (size_t i = 0; i < sizeof all_ops / sizeof all_ops[0]; i++)
        if (all_ops[i]->type == type)
            return all_ops[i];
    return NULL;
}

const char *braid_chunk_name(uint8_t type)
{
    const braid_chunk_ops *ops = braid_chunk_ops_find(type);
    return ops ? ops->name : "UNKNOWN";
}

int braid_chunk_parse(const braid_chunk_view *v, braid_chunk *out)
{
    out->type = v->type;
    out->flags = v->flags;
    const braid_chunk_ops *ops = braid_chunk_ops_find(v->type);
    if (!ops) {
        out->u.raw.value = v->value;
        out->u.raw.value_len = v->value_len;
        return 0;
    }
    return ops->parse(v, out);
}

int braid_chunk_write(braid_wr *w, const braid_chunk *c)
{
    size_t mark = w->off;
    const braid_chunk_ops *ops = braid_chunk_ops_find(c->type);
    int rc;
    if (ops) {
        rc = ops->write(w, c);
    } else {
        size_t start = braid_chunk_begin(w, c->type, c->flags);
        braid_wr_bytes(w, c->u.raw.value, c->u.raw.value_len);
        rc = braid_chunk_end(w, start);
    }
    if (rc < 0 || w->err) {
        w->off = mark;
        w->err = false;
        return rc < 0 ? rc : BRAID_ERR_NOSPACE;
    }
    return 0;
}

void braid_chunk_describe(braid_sbuf *s, const braid_chunk *c)
{
    const braid_chunk_ops *ops = braid_chunk_ops_find(c->type);
    if (!ops) {
        braid_sbuf_printf(s, "UNKNOWN(type=%u flags=0x%02x len=%zu value=", c->type, c->flags,
                          c->u.raw.value_len);
        braid_sbuf_hex(s, c->u.raw.value, c->u.raw.value_len, 32);
        braid_sbuf_printf(s, ")");
        return;
    }
    braid_sbuf_printf(s, "%s(", ops->name);
    ops->describe(s, c);
    braid_sbuf_printf(s, ")");
}
