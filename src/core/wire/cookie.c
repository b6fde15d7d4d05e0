/*
 * COOKIE ECHO (RFC 9260 §3.3.11) and COOKIE ACK (RFC 9260 §3.3.12).
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |   Type = 10   |  Chunk Flags  |            Length             |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * /                            Cookie                             /
 * \                                                               \
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |   Type = 11   |  Chunk Flags  |          Length = 4           |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * The cookie is opaque here; its integrity is checked by the association
 * layer (RFC 9260 §5.1.5).
 */
#include "chunk.h"

static int echo_parse(const braid_chunk_view *v, braid_chunk *out)
{
    /* RFC 9260 §3.3.11: the value is the exact State Cookie from the INIT
     * ACK; an empty cookie cannot be one. */
    if (v->value_len < 1)
        return BRAID_ERR_CHUNK_VALUE;
    out->u.cookie.cookie = v->value;
    out->u.cookie.cookie_len = v->value_len;
    return 0;
}

static int echo_write(braid_wr *w, const braid_chunk *c)
{
    /* RFC 9260 §3.3.11: a cookie is never empty. */
    if (c->u.cookie.cookie_len == 0)
        return BRAID_ERR_INVAL;
    size_t start = braid_chunk_begin(w, c->type, c->flags);
    braid_wr_bytes(w, c->u.cookie.cookie, c->u.cookie.cookie_len);
    return braid_chunk_end(w, start);
}

static void echo_describe(braid_sbuf *s, const braid_chunk *c)
{
    braid_sbuf_printf(s, "flags=0x%02x cookie_len=%zu cookie=", c->flags, c->u.cookie.cookie_len);
    braid_sbuf_hex(s, c->u.cookie.cookie, c->u.cookie.cookie_len, 64);
}

/* RFC 9260 §3.3.12: COOKIE ACK has no value (Length = 4); anything after
 * the header is ignored and not re-encoded. */

const braid_chunk_ops braid_ops_cookie_echo = {BRAID_CHUNK_COOKIE_ECHO, "COOKIE_ECHO", echo_parse,
                                               echo_write, echo_describe};
const braid_chunk_ops braid_ops_cookie_ack = {BRAID_CHUNK_COOKIE_ACK, "COOKIE_ACK",
                                              braid_chunk_parse_empty, braid_chunk_write_empty,
                                              braid_chunk_describe_flags};
