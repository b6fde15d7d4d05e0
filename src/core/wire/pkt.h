/*
 * Packet builder and whole-packet helpers (RFC 9260 §3, §6.10 bundling).
 */
#ifndef BRAID_WIRE_PKT_H
#define BRAID_WIRE_PKT_H

#include "chunk.h"

typedef struct braid_pkt_builder {
    braid_wr w;
    unsigned n_chunks;
} braid_pkt_builder;

/*
 * Starts a packet in buf. limit caps the packet size (the path MTU less the
 * IP/UDP overhead); the builder uses min(cap, limit). Returns BRAID_ERR_NOSPACE
 * if not even the common header fits.
 */
int braid_pkt_begin(braid_pkt_builder *b, uint8_t *buf, size_t cap, size_t limit, uint16_t src_port,
                    uint16_t dst_port, uint32_t vtag);
/* Bundles a chunk. BRAID_ERR_NOSPACE (packet unchanged) when it does not fit. */
int braid_pkt_add(braid_pkt_builder *b, const braid_chunk *c);
/* Room left for one more chunk, header included. */
size_t braid_pkt_room(const braid_pkt_builder *b);
/* Writes the CRC32c and returns the packet length. */
size_t braid_pkt_finish(braid_pkt_builder *b);

/*
 * Decodes a whole packet for display: the header and every chunk described,
 * one per line, or the first error. Returns 0 or the first negative error.
 */
int braid_pkt_describe(braid_sbuf *s, const uint8_t *pkt, size_t len);

#endif
