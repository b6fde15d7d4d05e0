/*
 * AUTH chunk, RFC 4895 §5.1 (Authentication Chunk).
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Type = 0x0F   |   Flags=0     |             Length            |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     Shared Key Identifier     |   HMAC Identifier             |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                                                               |
 * \                             HMAC                              /
 * /                                                               \
 * |                               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                               |           Padding             |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Flags: SHOULD be zero on transmit, MUST be ignored on receipt (kept as-is).
 * Length: 8 + the HMAC length (the padding is not counted).
 * The HMAC length depends on the HMAC Identifier (RFC 4895 §3.3: SHA-1 = 20,
 * SHA-256 = 32 bytes); checking it against the negotiated algorithm is the
 * association's job (§6.3), so the codec accepts any length, 0 included.
 *
 * (The Unsupported HMAC Identifier error cause, 0x0105, is RFC 4895 §4.1 and
 * lives in cause.c.)
 */
#include "auth.h"

#define AUTH_FIXED_LEN 4 /* Shared Key Identifier + HMAC Identifier */

size_t braid_auth_hmac_offset(void)
{
    return BRAID_CHUNK_HEADER_LEN + AUTH_FIXED_LEN;
}

static int auth_parse(const braid_chunk_view *v, braid_chunk *out)
{
    /* RFC 4895 §5.1: the chunk carries at least the two 16-bit identifiers. */
    if (v->value_len < AUTH_FIXED_LEN)
        return BRAID_ERR_CHUNK_VALUE;
    braid_auth_chunk *a = &out->u.auth;
    a->key_id = braid_load16(v->value);
    a->hmac_id = braid_load16(v->value + 2);
    a->hmac = v->value + AUTH_FIXED_LEN;
    a->hmac_len = v->value_len - AUTH_FIXED_LEN;
    return 0;
}

static int auth_write(braid_wr *w, const braid_chunk *c)
{
    const braid_auth_chunk *a = &c->u.auth;
    size_t start = braid_chunk_begin(w, c->type, c->flags);
    braid_wr_u16(w, a->key_id);
    braid_wr_u16(w, a->hmac_id);
    braid_wr_bytes(w, a->hmac, a->hmac_len);
    return braid_chunk_end(w, start);
}

static void auth_describe(braid_sbuf *s, const braid_chunk *c)
{
    const braid_auth_chunk *a = &c->u.auth;
    braid_sbuf_printf(s, "flags=0x%02x key_id=%u hmac_id=%u hmac_len=%zu hmac=", c->flags,
                      (unsigned)a->key_id, (unsigned)a->hmac_id, a->hmac_len);
    braid_sbuf_hex(s, a->hmac, a->hmac_len, 64);
}

const braid_chunk_ops braid_ops_auth = {BRAID_CHUNK_AUTH, "AUTH", auth_parse, auth_write,
                                        auth_describe};
