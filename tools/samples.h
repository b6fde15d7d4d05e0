/* Sample packets, one for each chunk type the codec encodes: used by
 * braid-vectors (tests/vectors/all-chunks.pcap), the wire demo and the fuzz
 * seed corpus. Deterministic: same bytes every run. */
#ifndef BRAID_TOOLS_SAMPLES_H
#define BRAID_TOOLS_SAMPLES_H

#include <stddef.h>
#include <stdint.h>

typedef void (*braid_sample_cb)(void *ctx, const char *label, const uint8_t *pkt, size_t len);

/* Calls cb once per sample packet; returns the count or a negative error. */
int braid_samples_all_chunks(braid_sample_cb cb, void *ctx);

#endif
