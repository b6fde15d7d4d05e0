#include "sbuf.h"

#include <stdarg.h>
#include <stdio.h>

void braid_sbuf_init(braid_sbuf *b, char *s, size_t cap)
{
    b->s = s;
    b->cap = cap;
    b->len = 0;
    b->cut = false;
    if (cap)
        s[0] = '\0';
}

void braid_sbuf_printf(braid_sbuf *b, const char *fmt, ...)
{
    if (b->cap == 0 || b->len + 1 >= b->cap) {
        b->cut = true;
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n >= b->cap - b->len) {
        b->len = b->cap - 1;
        b->cut = true;
    } else {
        b->len += (size_t)n;
    }
}

void braid_sbuf_hex(braid_sbuf *b, const uint8_t *p, size_t n, size_t max)
{
    size_t k = n < max ? n : max;
    for (size_t i = 0; i < k; i++)
        braid_sbuf_printf(b, "%02x", p[i]);
    if (n > max)
        braid_sbuf_printf(b, "...");
}
