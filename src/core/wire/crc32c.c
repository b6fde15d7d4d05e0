/*
 * CRC32c: RFC 9260 §6.8 (use) and Appendix A (algorithm, bit order).
 * Reflected polynomial 0x82F63B78, register preset to all ones and inverted
 * at the end.
 */
#include "crc32c.h"

#include <string.h>

#include "crc32c_tables.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define BRAID_CRC_X86 1
#include <nmmintrin.h>
#endif

uint32_t braid_crc32c_table_entry(int k, int b)
{
    return crc32c_t8[k & 7][b & 0xff];
}

static uint32_t reg_bytewise(uint32_t c, const uint8_t *p, size_t n)
{
    while (n--)
        c = (c >> 8) ^ crc32c_t8[0][(c ^ *p++) & 0xff];
    return c;
}

uint32_t braid_crc32c_extend_bytewise(uint32_t crc, const void *p, size_t n)
{
    return ~reg_bytewise(~crc, p, n);
}

static inline uint64_t load64le(const uint8_t *p)
{
    return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24 |
           (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 |
           (uint64_t)p[7] << 56;
}

uint32_t braid_crc32c_extend_sw(uint32_t crc, const void *buf, size_t n)
{
    const uint8_t *p = buf;
    uint32_t c = ~crc;
    while (n >= 8) {
        uint64_t v = load64le(p) ^ c;
        c = crc32c_t8[7][v & 0xff] ^ crc32c_t8[6][(v >> 8) & 0xff] ^
            crc32c_t8[5][(v >> 16) & 0xff] ^ crc32c_t8[4][(v >> 24) & 0xff] ^
            crc32c_t8[3][(v >> 32) & 0xff] ^ crc32c_t8[2][(v >> 40) & 0xff] ^
            crc32c_t8[1][(v >> 48) & 0xff] ^ crc32c_t8[0][v >> 56];
        p += 8;
        n -= 8;
    }
    return ~reg_bytewise(c, p, n);
}

/* Applies a precomputed "append N zero bytes" operator to a register. */
static inline uint32_t shift(const uint32_t t[4][256], uint32_t c)
{
    return t[0][c & 0xff] ^ t[1][(c >> 8) & 0xff] ^ t[2][(c >> 16) & 0xff] ^ t[3][c >> 24];
}

#ifdef BRAID_CRC_X86
bool braid_crc32c_hw_available(void)
{
    return __builtin_cpu_supports("sse4.2");
}

__attribute__((target("sse4.2"))) static inline uint64_t hw64(uint64_t c, const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8); /* x86 is little-endian */
    return _mm_crc32_u64(c, v);
}

/* Three independent streams of `block` bytes hide the instruction's 3-cycle
 * latency; the registers are combined with the shift operators. */
#define CRC_TRIPLE(block, sh1, sh2)                                                                \
    while (n >= 3 * (block)) {                                                                     \
        uint64_t c0 = c, c1 = 0, c2 = 0;                                                           \
        for (size_t i = 0; i < (block); i += 8) {                                                  \
            c0 = hw64(c0, p + i);                                                                  \
            c1 = hw64(c1, p + (block) + i);                                                        \
            c2 = hw64(c2, p + 2 * (block) + i);                                                    \
        }                                                                                          \
        c = shift(sh2, (uint32_t)c0) ^ shift(sh1, (uint32_t)c1) ^ (uint32_t)c2;                    \
        p += 3 * (block);                                                                          \
        n -= 3 * (block);                                                                          \
    }

__attribute__((target("sse4.2"))) uint32_t braid_crc32c_extend_hw(uint32_t crc, const void *buf,
                                                                  size_t n)
{
    const uint8_t *p = buf;
    uint32_t c = ~crc;
    CRC_TRIPLE(1024, crc32c_shift1024, crc32c_shift2048)
    CRC_TRIPLE(128, crc32c_shift128, crc32c_shift256)
    uint64_t c64 = c;
    while (n >= 8) {
        c64 = hw64(c64, p);
        p += 8;
        n -= 8;
    }
    c = (uint32_t)c64;
    while (n--)
        c = _mm_crc32_u8(c, *p++);
    return ~c;
}
#else
bool braid_crc32c_hw_available(void)
{
    return false;
}
uint32_t braid_crc32c_extend_hw(uint32_t crc, const void *p, size_t n)
{
    return braid_crc32c_extend_sw(crc, p, n);
}
#endif

uint32_t braid_crc32c_extend(uint32_t crc, const void *p, size_t n)
{
#ifdef BRAID_CRC_X86
    if (__builtin_cpu_supports("sse4.2"))
        return braid_crc32c_extend_hw(crc, p, n);
#endif
    return braid_crc32c_extend_sw(crc, p, n);
}

uint32_t braid_crc32c(const void *p, size_t n)
{
    return braid_crc32c_extend(0, p, n);
}

uint32_t braid_pkt_checksum(const uint8_t *pkt, size_t len)
{
    static const uint8_t zero4[4] = {0, 0, 0, 0};
    if (len < 12)
        return braid_crc32c(pkt, len);
    uint32_t c = braid_crc32c(pkt, 8);
    c = braid_crc32c_extend(c, zero4, 4);
    return braid_crc32c_extend(c, pkt + 12, len - 12);
}

void braid_pkt_set_checksum(uint8_t *pkt, size_t len)
{
    if (len < 12)
        return;
    uint32_t c = braid_pkt_checksum(pkt, len);
    /* RFC 9260 Appendix A: least significant byte of the CRC first. */
    pkt[8] = (uint8_t)c;
    pkt[9] = (uint8_t)(c >> 8);
    pkt[10] = (uint8_t)(c >> 16);
    pkt[11] = (uint8_t)(c >> 24);
}

bool braid_pkt_checksum_ok(const uint8_t *pkt, size_t len)
{
    if (len < 12)
        return false;
    uint32_t c = braid_pkt_checksum(pkt, len);
    uint32_t got = (uint32_t)pkt[8] | (uint32_t)pkt[9] << 8 | (uint32_t)pkt[10] << 16 |
                   (uint32_t)pkt[11] << 24;
    return c == got;
}
