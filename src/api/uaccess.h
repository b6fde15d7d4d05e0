/*
 * Pointers from the application: EFAULT where Linux gives EFAULT, never a
 * crash in braid (docs/architecture.md, "Bad pointers").
 *
 * Two levels:
 *
 * - uaccess_ok() and the checks built on it are a range check and cost a
 *   few instructions: NULL (the first page) with a nonzero length, an
 *   address + length that wraps, or any byte at or above the end of user
 *   space (BRAID_UACCESS_LIMIT). (void *)-1 and kernel addresses fail it.
 *   The per-message calls (send, recv and their relatives) use only this.
 *
 * - uaccess_read() / uaccess_write() / uaccess_probe_write() really touch
 *   the memory, in the kernel (process_vm_readv / process_vm_writev on our
 *   own process, or a pipe where those are not allowed), so an unmapped or
 *   read-only page gives EFAULT as well. One or two system calls each: for
 *   the calls that are not per message (bind, connect, accept,
 *   get/setsockopt, getsockname, sctp_bindx, ...).
 */
#ifndef BRAID_API_UACCESS_H
#define BRAID_API_UACCESS_H

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

/* The end of user space: the lowest address no user pointer reaches.
 * x86-64: 2^47 (4-level paging; Linux maps above it, with 5-level paging,
 * only for an mmap hint above it: build with -DBRAID_UACCESS_LIMIT=... for
 * a program that does). AArch64: 2^48 (the same rule for 52-bit VA).
 * Elsewhere 0: no limit known, only NULL and wrap-around are caught here
 * (the real probes still see everything). */
#ifndef BRAID_UACCESS_LIMIT
#if defined(__x86_64__) && !defined(__ILP32__)
#define BRAID_UACCESS_LIMIT 0x0000800000000000ull
#elif defined(__aarch64__) && !defined(__ILP32__)
#define BRAID_UACCESS_LIMIT 0x0001000000000000ull
#else
#define BRAID_UACCESS_LIMIT 0
#endif
#endif

/* The first page is never a buffer (NULL plus a small offset lands there;
 * Linux maps it only as root with vm.mmap_min_addr = 0). */
#define BRAID_UACCESS_LOW 4096u

/* Linux: at most MAX_RW_COUNT bytes of one buffer are looked at (and
 * moved), at most UIO_MAXIOV iovecs per call. */
#define BRAID_UACCESS_MAX_RW 0x7ffff000u
#define BRAID_UACCESS_MAX_IOV 1024u

static inline bool uaccess_ok(const void *p, size_t n)
{
    const uintptr_t lim = BRAID_UACCESS_LIMIT ? (uintptr_t)BRAID_UACCESS_LIMIT : UINTPTR_MAX;
    const uintptr_t span = lim - BRAID_UACCESS_LOW; /* where a buffer may lie */
    uintptr_t a = (uintptr_t)p;
    if (n == 0)
        return a < lim; /* as Linux's access_ok(): even no bytes at (void *)-1 is EFAULT */
    /* a >= LOW and a + n <= lim; one compare when n is a constant */
    return n <= span && a - BRAID_UACCESS_LOW <= span - n;
}

/* The data buffer of one call or one iovec. */
static inline bool uaccess_buf_ok(const void *p, size_t n)
{
    return uaccess_ok(p, n < BRAID_UACCESS_MAX_RW ? n : BRAID_UACCESS_MAX_RW);
}

/* A msghdr given to sendmsg (send) or recvmsg, checked as Linux's
 * copy_msghdr_from_user + import_iovec (+ the control buffer of a send)
 * check it, in their order: 0, -EFAULT, -EINVAL (a negative name length
 * or iov_len), -EMSGSIZE (more than UIO_MAXIOV iovecs), -ENOBUFS (a send's
 * msg_controllen above INT_MAX). A receive's name and control buffers are
 * written later and checked there. The common case (no name, one iovec) is
 * inline, the rest in uaccess.c. */
int uaccess_msghdr_full(const struct msghdr *m, bool send);

static inline int uaccess_msghdr(const struct msghdr *m, bool send)
{
    if (!uaccess_ok(m, sizeof *m))
        return -EFAULT;
    if (m->msg_name || m->msg_iovlen != 1 || (send && m->msg_controllen > INT_MAX))
        return uaccess_msghdr_full(m, send);
    const struct iovec *v = m->msg_iov;
    if (!uaccess_ok(v, sizeof *v))
        return -EFAULT;
    if ((ssize_t)v->iov_len < 0)
        return -EINVAL;
    if (!uaccess_buf_ok(v->iov_base, v->iov_len))
        return -EFAULT;
    if (send && m->msg_controllen && !uaccess_ok(m->msg_control, m->msg_controllen))
        return -EFAULT;
    return 0;
}

/* sendto()'s buffer and address (Linux's import_ubuf and
 * move_addr_to_kernel): 0, -EFAULT, or -EINVAL for an address length
 * above sizeof(struct sockaddr_storage) (or negative as an int). */
static inline int uaccess_sendto(const void *buf, size_t len, const struct sockaddr *to,
                                 socklen_t tolen)
{
    if (!uaccess_buf_ok(buf, len))
        return -EFAULT;
    if (to) {
        if ((int)tolen < 0 || tolen > sizeof(struct sockaddr_storage))
            return -EINVAL;
        if (!uaccess_ok(to, tolen))
            return -EFAULT;
    }
    return 0;
}

/* Copies n bytes from the application's src: 0 or -EFAULT. */
int uaccess_read(void *dst, const void *src, size_t n);
/* The same, as far as src is readable: how many bytes from its start were
 * copied (n when all). */
size_t uaccess_read_prefix(void *dst, const void *src, size_t n);
/* Copies n bytes to the application's dst: 0 or -EFAULT (some may have
 * been written, as with the kernel's copy_to_user). */
int uaccess_write(void *dst, const void *src, size_t n);
/* Two writes in one go (the kernel's order: d1 first): 0 or -EFAULT. */
int uaccess_write2(void *d1, const void *s1, size_t n1, void *d2, const void *s2, size_t n2);
/* Whether the application's [p, p + n) and [q, q + m) (q may be NULL) can
 * be written: their bytes are read and written back unchanged. A store by
 * another thread into them during the call may be lost: only for buffers
 * the call is about to fill. 0 or -EFAULT. */
int uaccess_probe_write(void *p, size_t n, void *q, size_t m);

/* Linux's move_addr_to_kernel: a socket address of len bytes copied into
 * *k (zeroed first): -EINVAL for a length above sizeof *k (or negative as
 * an int), -EFAULT, else 0 (len 0: nothing copied). */
int uaccess_sockaddr_in(struct sockaddr_storage *k, const struct sockaddr *u, socklen_t len);
/* Linux's move_addr_to_user: *ulen is read (-EFAULT; -EINVAL when
 * negative as an int), min(*ulen, klen) bytes of k go to uaddr and klen to
 * *ulen: 0 or -EFAULT. */
int uaccess_sockaddr_out(struct sockaddr *uaddr, socklen_t *ulen, const void *k, socklen_t klen);
/* The check of the same before anything is done (accept: before the
 * connection leaves the queue): *ulen readable, uaddr and ulen writable for
 * what klen_max bytes would need. 0, -EFAULT or -EINVAL. */
int uaccess_sockaddr_out_check(struct sockaddr *uaddr, socklen_t *ulen, socklen_t klen_max);

/* setsockopt / getsockopt through a copy of the option in braid's memory
 * (opts_set / opts_get never see the application's pointers): the bytes of
 * optval the option reads (opts_val_len) are copied in, its handler sees
 * min(optlen, BRAID_UACCESS_OPT_MAX), a get's result is copied out
 * (*optlen first, as Linux's SCTP options). An unreadable optval or optlen
 * is passed on as NULL, so the errno is opts_set's / opts_get's
 * (ENOPROTOOPT before EFAULT before EINVAL). */
#define BRAID_UACCESS_OPT_MAX 512 /* above every option's structure */
struct bsock;
int uaccess_setsockopt(struct bsock *s, int level, int name, const void *uval, socklen_t len);
int uaccess_getsockopt(struct bsock *s, int level, int name, void *uval, socklen_t *ulen);

/* Tests: use the pipe fallback even where process_vm_readv works. */
void uaccess_force_pipe(bool on);

#endif
