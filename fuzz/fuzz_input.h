/* The fuzzers' input reader: bytes taken from the front of the input, zero
 * once it runs out (so every input is a complete script). */
#ifndef BRAID_FUZZ_INPUT_H
#define BRAID_FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct input {
    const uint8_t *p;
    size_t n;
} input;

static inline uint8_t take8(input *in)
{
    if (!in->n)
        return 0;
    in->n--;
    return *in->p++;
}
static inline uint16_t take16(input *in) { return (uint16_t)(take8(in) << 8 | take8(in)); }
static inline uint32_t take32(input *in) { return (uint32_t)take16(in) << 16 | take16(in); }

/* n bytes into dst; what the input lacks is zero */
static inline void take_bytes(input *in, uint8_t *dst, size_t n)
{
    size_t k = n < in->n ? n : in->n;
    if (k)
        memcpy(dst, in->p, k);
    in->p += k;
    in->n -= k;
    memset(dst + k, 0, n - k);
}

#endif
