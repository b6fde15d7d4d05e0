/*
 * Packet builder: common header, bundled chunks (RFC 9260 §6.10), CRC32c
 * (§6.8).
 */
#include "pkt.h"

#include "crc32c.h"

int braid_pkt_begin(braid_pkt_builder *b, uint8_t *buf, size_t cap, size_t limit, uint16_t src_port,
                    uint16_t dst_port, uint32_t vtag)
{
    braid_wr_init(&b->w, buf, cap < limit ? cap : limit);
    b->n_chunks = 0;
    braid_wr_u16(&b->w, src_port);
    braid_wr_u16(&b->w, dst_port);
    braid_wr_u32(&b->w, vtag);
    braid_wr_u32(&b->w, 0); /* checksum, filled by finish */
    return b->w.err ? BRAID_ERR_NOSPACE : 0;
}

int braid_pkt_add(braid_pkt_builder *b, const braid_chunk *c)
{
    int rc = braid_chunk_write(&b->w, c);
    if (rc == 0)
        b->n_chunks++;
    return rc;
}

size_t braid_pkt_room(const braid_pkt_builder *b)
{
    return b->w.cap - b->w.off;
}

size_t braid_pkt_finish(braid_pkt_builder *b)
{
    braid_pkt_set_checksum(b->w.p, b->w.off);
    return b->w.off;
}

int braid_pkt_describe(braid_sbuf *s, const uint8_t *pkt, size_t len)
{
    braid_common_header h;
    int rc = braid_header_parse(pkt, len, &h);
    if (rc < 0) {
        braid_sbuf_printf(s, "!%s\n", braid_strerror(rc));
        return rc;
    }
    braid_sbuf_printf(s, "SCTP %u > %u vtag=0x%08x crc=%s len=%zu\n", h.src_port, h.dst_port,
                      h.vtag, braid_pkt_checksum_ok(pkt, len) ? "ok" : "BAD", len);
    braid_chunk_iter it;
    braid_chunk_view v;
    braid_chunk_iter_init(&it, pkt, len);
    while ((rc = braid_chunk_iter_next(&it, &v)) > 0) {
        braid_chunk c;
        braid_sbuf_printf(s, "  ");
        int prc = braid_chunk_parse(&v, &c);
        if (prc < 0) {
            braid_sbuf_printf(s, "%s !%s\n", braid_chunk_name(v.type), braid_strerror(prc));
            return prc;
        }
        braid_chunk_describe(s, &c);
        braid_sbuf_printf(s, "\n");
    }
    if (rc < 0)
        braid_sbuf_printf(s, "  !%s\n", braid_strerror(rc));
    return rc;
}
