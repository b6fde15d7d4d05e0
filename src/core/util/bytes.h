/*
 * Bounds-checked big-endian cursors over byte buffers.
 *
 * Readers and writers carry a sticky error flag: once a read or write would
 * go past the end, the flag is set, reads return 0 and writes do nothing, so a
 * sequence of calls can be checked once at the end. No struct is ever cast
 * over packet bytes.
 */
#ifndef BRAID_UTIL_BYTES_H
#define BRAID_UTIL_BYTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct braid_rd {
    const uint8_t *p;
    size_t len;
    size_t off;
    bool err;
} braid_rd;

static inline void braid_rd_init(braid_rd *r, const uint8_t *p, size_t len)
{
    r->p = p;
    r->len = len;
    r->off = 0;
    r->err = false;
}

static inline size_t braid_rd_left(const braid_rd *r)
{
    return r->len - r->off;
}

static inline bool braid_rd_need(braid_rd *r, size_t n)
{
    if (r->err || r->len - r->off < n) {
        r->err = true;
        return false;
    }
    return true;
}

static inline uint8_t braid_rd_u8(braid_rd *r)
{
    if (!braid_rd_need(r, 1))
        return 0;
    return r->p[r->off++];
}

static inline uint16_t braid_rd_u16(braid_rd *r)
{
    if (!braid_rd_need(r, 2))
        return 0;
    const uint8_t *q = r->p + r->off;
    r->off += 2;
    return (uint16_t)((unsigned)q[0] << 8 | q[1]);
}

static inline uint32_t braid_rd_u32(braid_rd *r)
{
    if (!braid_rd_need(r, 4))
        return 0;
    const uint8_t *q = r->p + r->off;
    r->off += 4;
    return (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 | (uint32_t)q[2] << 8 | q[3];
}

/* Returns a pointer to the next n bytes and advances, or NULL (and sets err). */
static inline const uint8_t *braid_rd_take(braid_rd *r, size_t n)
{
    if (!braid_rd_need(r, n))
        return NULL;
    const uint8_t *q = r->p + r->off;
    r->off += n;
    return q;
}

/* Big-endian loads/stores on raw pointers the caller has bounds-checked. */
static inline uint16_t braid_load16(const uint8_t *q)
{
    return (uint16_t)((unsigned)q[0] << 8 | q[1]);
}
static inline uint32_t braid_load32(const uint8_t *q)
{
    return (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 | (uint32_t)q[2] << 8 | q[3];
}
static inline void braid_store16(uint8_t *q, uint16_t v)
{
    q[0] = (uint8_t)(v >> 8);
    q[1] = (uint8_t)v;
}
static inline void braid_store32(uint8_t *q, uint32_t v)
{
    q[0] = (uint8_t)(v >> 24);
    q[1] = (uint8_t)(v >> 16);
    q[2] = (uint8_t)(v >> 8);
    q[3] = (uint8_t)v;
}

typedef struct braid_wr {
    uint8_t *p;
    size_t cap;
    size_t off;
    bool err;
} braid_wr;

static inline void braid_wr_init(braid_wr *w, uint8_t *p, size_t cap)
{
    w->p = p;
    w->cap = cap;
    w->off = 0;
    w->err = false;
}

static inline bool braid_wr_need(braid_wr *w, size_t n)
{
    if (w->err || w->cap - w->off < n) {
        w->err = true;
        return false;
    }
    return true;
}

static inline void braid_wr_u8(braid_wr *w, uint8_t v)
{
    if (braid_wr_need(w, 1))
        w->p[w->off++] = v;
}

static inline void braid_wr_u16(braid_wr *w, uint16_t v)
{
    if (braid_wr_need(w, 2)) {
        braid_store16(w->p + w->off, v);
        w->off += 2;
    }
}

static inline void braid_wr_u32(braid_wr *w, uint32_t v)
{
    if (braid_wr_need(w, 4)) {
        braid_store32(w->p + w->off, v);
        w->off += 4;
    }
}

static inline void braid_wr_bytes(braid_wr *w, const void *src, size_t n)
{
    if (n && braid_wr_need(w, n)) {
        memcpy(w->p + w->off, src, n);
        w->off += n;
    }
}

static inline void braid_wr_zero(braid_wr *w, size_t n)
{
    if (n && braid_wr_need(w, n)) {
        memset(w->p + w->off, 0, n);
        w->off += n;
    }
}

/* Pads with zero bytes up to the next multiple of 4 of the offset. */
static inline void braid_wr_pad4(braid_wr *w)
{
    braid_wr_zero(w, (4 - (w->off & 3)) & 3);
}

/* Overwrites a 16-bit field already written at offset at. */
static inline void braid_wr_patch16(braid_wr *w, size_t at, uint16_t v)
{
    if (!w->err && at + 2 <= w->off)
        braid_store16(w->p + at, v);
}

/* Patches the 16-bit length field at start + 2 with the bytes written since
 * start (a chunk or TLV header). False (and err set) if it exceeds 65535. */
static inline bool braid_wr_close_len16(braid_wr *w, size_t start)
{
    if (w->err)
        return false;
    size_t len = w->off - start;
    if (len > UINT16_MAX) {
        w->err = true;
        return false;
    }
    braid_wr_patch16(w, start + 2, (uint16_t)len);
    return true;
}

static inline size_t braid_pad4(size_t n)
{
    return (n + 3) & ~(size_t)3;
}

#endif
