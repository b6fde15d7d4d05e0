/*
 * A fixed-capacity string builder (no allocation): text that does not fit is
 * cut, and the result stays NUL-terminated. Used by the codec's describe
 * functions, the demo and the fuzzers' equality checks.
 */
#ifndef BRAID_UTIL_SBUF_H
#define BRAID_UTIL_SBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct braid_sbuf {
    char *s;
    size_t cap; /* includes room for the NUL */
    size_t len;
    bool cut; /* set when output was truncated */
} braid_sbuf;

void braid_sbuf_init(braid_sbuf *b, char *s, size_t cap);
void braid_sbuf_printf(braid_sbuf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Appends bytes as hex, at most max bytes, then "..." if there were more. */
void braid_sbuf_hex(braid_sbuf *b, const uint8_t *p, size_t n, size_t max);

#endif
