/* Serial number arithmetic, RFC 9260 §1.6 (RFC 1982 with SERIAL_BITS 32/16). */
#ifndef BRAID_UTIL_SERIAL_H
#define BRAID_UTIL_SERIAL_H

#include <stdbool.h>
#include <stdint.h>

static inline bool braid_tsn_lt(uint32_t a, uint32_t b) { return (int32_t)(a - b) < 0; }
static inline bool braid_tsn_le(uint32_t a, uint32_t b) { return (int32_t)(a - b) <= 0; }
static inline bool braid_tsn_gt(uint32_t a, uint32_t b) { return (int32_t)(a - b) > 0; }
static inline bool braid_tsn_ge(uint32_t a, uint32_t b) { return (int32_t)(a - b) >= 0; }
static inline uint32_t braid_tsn_max(uint32_t a, uint32_t b) { return braid_tsn_gt(a, b) ? a : b; }
static inline bool braid_ssn_lt(uint16_t a, uint16_t b) { return (int16_t)(uint16_t)(a - b) < 0; }
static inline bool braid_ssn_le(uint16_t a, uint16_t b) { return (int16_t)(uint16_t)(a - b) <= 0; }

#endif
