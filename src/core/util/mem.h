/*
 * Injected allocation. Every allocation in src/core goes through these, so the
 * simulator's counting allocator sees (and can fail) each one.
 */
#ifndef BRAID_UTIL_MEM_H
#define BRAID_UTIL_MEM_H

#include <stddef.h>
#include <string.h>

typedef struct braid_mem {
    void *(*alloc)(void *user, size_t size);
    void (*free)(void *user, void *ptr, size_t size);
    void *user;
} braid_mem;

static inline void *braid_alloc(const braid_mem *m, size_t size) { return m->alloc(m->user, size); }

static inline void *braid_zalloc(const braid_mem *m, size_t size)
{
    void *p = m->alloc(m->user, size);
    if (p)
        memset(p, 0, size);
    return p;
}

/* size must be the size passed to braid_alloc (allocators may account by it). */
static inline void braid_free(const braid_mem *m, void *ptr, size_t size)
{
    if (ptr)
        m->free(m->user, ptr, size);
}

#endif
