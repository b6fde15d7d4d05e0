/*
 * CRC32c (Castagnoli), the SCTP checksum: RFC 9260 §6.8 and Appendix A.
 *
 * braid_crc32c() picks the SSE4.2 `crc32` instruction at run time when the
 * CPU has it (three interleaved streams, combined with precomputed "shift by
 * N zero bytes" operators) and a portable slicing-by-8 table otherwise.
 */
#ifndef BRAID_WIRE_CRC32C_H
#define BRAID_WIRE_CRC32C_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The CRC32c of p[0..n): braid_crc32c("123456789", 9) == 0xE3069283. */
uint32_t braid_crc32c(const void *p, size_t n);
/* Continues a CRC: braid_crc32c_extend(braid_crc32c(a), b) == CRC of a||b;
 * braid_crc32c_extend(0, p, n) == braid_crc32c(p, n). */
uint32_t braid_crc32c_extend(uint32_t crc, const void *p, size_t n);

/* The individual implementations, for tests and benchmarks. */
bool braid_crc32c_hw_available(void);
uint32_t braid_crc32c_extend_hw(uint32_t crc, const void *p, size_t n); /* needs SSE4.2 */
uint32_t braid_crc32c_extend_sw(uint32_t crc, const void *p, size_t n); /* slicing-by-8 */
uint32_t braid_crc32c_extend_bytewise(uint32_t crc, const void *p, size_t n);
/* Table entries, so tests can check the generated tables. */
uint32_t braid_crc32c_table_entry(int k, int b);

/* RFC 9260 Appendix A: the checksum over the whole packet with the checksum
 * field as zero, stored so that the least significant byte of the CRC comes
 * first on the wire. */
void braid_pkt_set_checksum(uint8_t *pkt, size_t len);
bool braid_pkt_checksum_ok(const uint8_t *pkt, size_t len);
uint32_t braid_pkt_checksum(const uint8_t *pkt, size_t len); /* computed, field as 0 */

#endif
