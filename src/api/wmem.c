/*
 * The world's memory. Every socket, stack, transport record, notification
 * and the engine's associations live in one shared anonymous mapping made
 * before the first socket, so that after fork() parent and child see the
 * same objects at the same addresses and a socket both hold is one socket,
 * as it is in the kernel (the process family section of
 * docs/architecture.md). Static variables stay each process's own: the
 * descriptor table, the transports' kernel descriptors, the wake channels.
 *
 * The allocator is deliberately small: power-of-two size classes from 32
 * bytes, each with a free list, carved from a bump pointer; blocks of 256
 * KiB and more give their pages back when freed (MADV_REMOVE). It is its
 * own lock (a spin flag: callers already hold the world lock, so it is
 * never contended for long). $BRAID_FORK_SHARE=0 takes malloc instead (a
 * forked child's copies are then unusable: see sock.c).
 */
#define _GNU_SOURCE
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <errno.h>

#include "internal.h"

/* Under ASan, free blocks and headers are poisoned while the process has
 * no family: the shadow memory is each process's own, so once it forks the
 * poisoning would disagree between processes, and it stops (wmem_fork). */
static bool g_poison = true;
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define WMEM_POISON(p, n)                                                                          \
    do {                                                                                           \
        if (g_poison)                                                                              \
            ASAN_POISON_MEMORY_REGION(p, n);                                                       \
    } while (0)
#define WMEM_UNPOISON(p, n)                                                                        \
    do {                                                                                           \
        if (g_poison)                                                                              \
            ASAN_UNPOISON_MEMORY_REGION(p, n);                                                     \
    } while (0)
#else
#define WMEM_POISON(p, n) ((void)(p), (void)(n))
#define WMEM_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#define WMEM_RESERVE (64ull << 30) /* address space only (MAP_NORESERVE) */
#define WMEM_MIN_SHIFT 5           /* 32-byte blocks */
#define WMEM_CLASSES 36
#define WMEM_HDR 16
#define WMEM_MAGIC 0xb4a1d5edu
#define WMEM_RELEASE (256u << 10) /* freed blocks this large give back their pages */

typedef struct wmem_hdr {
    uint32_t magic;
    uint32_t cls;
    uint64_t pad;
} wmem_hdr;

typedef struct wmem_arena {
    atomic_flag lock;
    size_t top, end;
    void *free[WMEM_CLASSES];
    size_t in_use; /* bytes of live blocks */
} wmem_arena;

static wmem_arena *g_arena; /* NULL: malloc */
static int g_mode = -1;     /* 1 shared, 0 malloc */

static void wmem_init(void)
{
    if (g_mode >= 0)
        return;
    const char *e = getenv("BRAID_FORK_SHARE");
    if (e && !strcmp(e, "0")) {
        g_mode = 0;
        return;
    }
    void *m = mmap(NULL, WMEM_RESERVE, PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (m == MAP_FAILED) {
        fprintf(stderr,
                "braid: no shared memory for the sockets (%s): a forked child cannot "
                "use its parent's sockets\n",
                strerror(errno));
        g_mode = 0;
        return;
    }
    g_arena = m;
    g_arena->top = (sizeof *g_arena + 4095) & ~(size_t)4095;
    g_arena->end = WMEM_RESERVE;
    atomic_flag_clear(&g_arena->lock);
    g_mode = 1;
}

bool wmem_shared(void)
{
    wmem_init();
    return g_mode == 1;
}

static void a_lock(void)
{
    while (atomic_flag_test_and_set_explicit(&g_arena->lock, memory_order_acquire))
        ;
}

static void a_unlock(void)
{
    atomic_flag_clear_explicit(&g_arena->lock, memory_order_release);
}

void *wmem_alloc(size_t n)
{
    wmem_init();
    if (!g_arena)
        return malloc(n ? n : 1);
    unsigned c = 0;
    while (c < WMEM_CLASSES && ((size_t)1 << (c + WMEM_MIN_SHIFT)) < n + WMEM_HDR)
        c++;
    if (c == WMEM_CLASSES)
        return NULL;
    size_t size = (size_t)1 << (c + WMEM_MIN_SHIFT);
    a_lock();
    uint8_t *b = g_arena->free[c];
    if (b) {
        WMEM_UNPOISON(b, WMEM_HDR + sizeof(void *));
        g_arena->free[c] = *(void **)(b + WMEM_HDR);
    } else {
        size_t top = g_arena->top;
        if (size >= 4096)
            top = (top + 4095) & ~(size_t)4095;
        if (top + size > g_arena->end) {
            a_unlock();
            return NULL;
        }
        b = (uint8_t *)g_arena + top;
        g_arena->top = top + size;
    }
    g_arena->in_use += size;
    a_unlock();
    WMEM_UNPOISON(b, WMEM_HDR + n);
    wmem_hdr *h = (wmem_hdr *)b;
    h->magic = WMEM_MAGIC;
    h->cls = c;
    WMEM_POISON(b, WMEM_HDR); /* the header is ours alone */
    return b + WMEM_HDR;
}

void *wmem_calloc(size_t n, size_t m)
{
    if (m && n > SIZE_MAX / m)
        return NULL;
    void *p = wmem_alloc(n * m);
    if (p)
        memset(p, 0, n * m);
    return p;
}

static bool in_arena(const void *p)
{
    return g_arena && (const uint8_t *)p > (const uint8_t *)g_arena &&
           (const uint8_t *)p < (const uint8_t *)g_arena + g_arena->end;
}

void wmem_free(void *p)
{
    if (!p)
        return;
    if (!in_arena(p)) {
        free(p);
        return;
    }
    uint8_t *b = (uint8_t *)p - WMEM_HDR;
    WMEM_UNPOISON(b, WMEM_HDR);
    wmem_hdr *h = (wmem_hdr *)b;
    if (h->magic != WMEM_MAGIC || h->cls >= WMEM_CLASSES) {
        fprintf(stderr, "braid: internal error: freeing %p, not a block of the world's memory\n",
                p);
        abort();
    }
    unsigned c = h->cls;
    size_t size = (size_t)1 << (c + WMEM_MIN_SHIFT);
    h->magic = 0;
    if (size >= WMEM_RELEASE) /* the pages go back; the block's first page stays */
        madvise(b + 4096, size - 4096, MADV_REMOVE);
    a_lock();
    *(void **)(b + WMEM_HDR) = g_arena->free[c];
    g_arena->free[c] = b;
    g_arena->in_use -= size;
    a_unlock();
    WMEM_POISON(b, size);
}

/* Before the first fork (world lock held): no more poisoning, and what is
 * poisoned now is cleared, so parent and child see the same. */
void wmem_fork(void)
{
    if (!g_arena || !g_poison)
        return;
#if defined(__SANITIZE_ADDRESS__)
    ASAN_UNPOISON_MEMORY_REGION((void *)g_arena, g_arena->top);
#endif
    g_poison = false;
}
