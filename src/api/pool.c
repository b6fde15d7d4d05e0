/*
 * The engine's memory for one stack: freed blocks up to BRAID_POOL_MAX bytes
 * are kept on per-size free lists (64-byte classes) and handed out again.
 * A stream of messages allocates and frees a chunk record per message on
 * both sides; through malloc alone, the heap's top grew and was trimmed
 * back with every burst (page faults and sysmalloc were a fifth of a bulk
 * receiver's time). What is kept is bounded by BRAID_POOL_KEEP bytes.
 *
 * Only the engine calls these, always under the stack's lock.
 */
#include <stdlib.h>

#include "internal.h"

#define POOL_SHIFT 6

static unsigned pool_class(size_t size)
{
    return (unsigned)((size + (1u << POOL_SHIFT) - 1) >> POOL_SHIFT);
}

static void *pool_alloc(void *user, size_t size)
{
    bpool *p = user;
    if (size == 0)
        size = 1;
    if (size > BRAID_POOL_MAX)
        return wmem_alloc(size);
    unsigned c = pool_class(size);
    void *b = p->free[c];
    if (b) {
        p->free[c] = *(void **)b;
        p->kept -= (size_t)c << POOL_SHIFT;
        return b;
    }
    return wmem_alloc((size_t)c << POOL_SHIFT);
}

static void pool_free(void *user, void *ptr, size_t size)
{
    bpool *p = user;
    if (!ptr)
        return;
    if (size == 0)
        size = 1;
    if (size > BRAID_POOL_MAX) {
        wmem_free(ptr);
        return;
    }
    unsigned c = pool_class(size);
    size_t bytes = (size_t)c << POOL_SHIFT;
    if (p->kept + bytes > BRAID_POOL_KEEP) {
        wmem_free(ptr);
        return;
    }
    *(void **)ptr = p->free[c];
    p->free[c] = ptr;
    p->kept += bytes;
}

void pool_attach(bpool *p, braid_hooks *h)
{
    h->alloc = pool_alloc;
    h->free = pool_free;
    h->user = p;
}

void pool_drain(bpool *p)
{
    for (unsigned c = 0; c < BRAID_POOL_CLASSES; c++) {
        while (p->free[c]) {
            void *b = p->free[c];
            p->free[c] = *(void **)b;
            wmem_free(b);
        }
    }
    p->kept = 0;
}
