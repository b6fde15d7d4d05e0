/*
 * Copies to and from the application's memory that give EFAULT instead of
 * a crash (uaccess.h). The kernel does the copy: process_vm_readv /
 * process_vm_writev with our own pid (one system call, no signal handler,
 * nothing shared), or a pipe made for the call: write() of the source into
 * it, read() into the destination; each reports EFAULT for a bad user
 * buffer. getpid() is asked every time: a pid kept from before a fork (or
 * _Fork, or a raw clone, which skip pthread_atfork) would name another
 * process.
 *
 * process_vm_* are used only when the process had no seccomp filter at the
 * first copy (/proc/self/status): an allow-list filter may kill on them
 * rather than refuse (systemd's SystemCallFilter= kills by default, and
 * older systemd left them out of @system-service). Refused with ENOSYS or
 * EPERM (an LSM, an old kernel), pipes from then on. A filter the program
 * installs after the first copy is not seen (docs/architecture.md).
 */
#define _GNU_SOURCE
#include "uaccess.h"

#include <fcntl.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "braid/sctp.h"

enum { MODE_UNKNOWN, MODE_VM, MODE_PIPE };
static atomic_int g_mode;
static atomic_bool g_force_pipe;

void uaccess_force_pipe(bool on)
{
    atomic_store(&g_force_pipe, on);
}

/* MODE_VM when /proc/self/status says "Seccomp:\t0", else MODE_PIPE. */
static int first_mode(void)
{
    int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return MODE_PIPE;
    char buf[4096];
    size_t n = 0;
    for (;;) {
        ssize_t r = read(fd, buf + n, sizeof buf - 1 - n);
        if (r <= 0)
            break;
        n += (size_t)r;
        if (n == sizeof buf - 1)
            break;
    }
    close(fd);
    buf[n] = 0;
    const char *p = strstr(buf, "\nSeccomp:");
    if (!p)
        return MODE_PIPE;
    p += strlen("\nSeccomp:");
    while (*p == ' ' || *p == '\t')
        p++;
    return p[0] == '0' && (p[1] == '\n' || p[1] == 0) ? MODE_VM : MODE_PIPE;
}

enum op { OP_READ, OP_WRITE, OP_PROBE }; /* from user / to user / both, same bytes */

/* PIPE_BUF: an empty pipe takes this much in one write, whatever its size.
 * A chunk never crosses a 4 KiB boundary of the user's buffer: a pipe
 * write that faults part of the way through a page keeps none of it, and
 * pages are multiples of 4 KiB, so the bytes before a bad page still move. */
#define CHUNK 4096

/* The pipe way. Returns the bytes moved from the start (a fault ends it),
 * or -1 when no pipe could be made. */
static ssize_t xfer_pipe(enum op op, const struct iovec *user, const struct iovec *local, int cnt)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0)
        return -1;
    size_t moved = 0;
    bool fault = false;
    for (int i = 0; i < cnt && !fault; i++) {
        uint8_t *u = user[i].iov_base;
        uint8_t *l = op == OP_PROBE ? u : local[i].iov_base;
        for (size_t off = 0; off < user[i].iov_len && !fault;) {
            size_t c = CHUNK - ((uintptr_t)(u + off) & (CHUNK - 1));
            if (c > user[i].iov_len - off)
                c = user[i].iov_len - off;
            /* into the pipe: the user's bytes (read, probe) or ours */
            ssize_t w = write(p[1], (op == OP_WRITE ? l : u) + off, c);
            if (w <= 0)
                break; /* EFAULT: nothing of it readable */
            /* out of it: into ours (read) or the user's (write, probe) */
            ssize_t r = read(p[0], (op == OP_READ ? l : u) + off, (size_t)w);
            if (r <= 0)
                break;
            moved += (size_t)r;
            off += (size_t)r;
            fault = (size_t)r < c;
        }
    }
    close(p[0]);
    close(p[1]);
    return (ssize_t)moved;
}

/* Moves the bytes (user[i] and local[i] are as long); returns how many
 * from the start were moved: the total unless a user page was bad. */
static size_t xfer(enum op op, const struct iovec *user, const struct iovec *local, int cnt)
{
    size_t total = 0;
    for (int i = 0; i < cnt; i++) {
        if (!uaccess_ok(user[i].iov_base, user[i].iov_len))
            cnt = i; /* the range check: nothing from here on */
        else
            total += user[i].iov_len;
    }
    if (total == 0)
        return 0;
    int mode = atomic_load(&g_mode);
    if (mode == MODE_UNKNOWN) {
        mode = first_mode();
        atomic_store(&g_mode, mode);
    }
    if (mode == MODE_VM && !atomic_load(&g_force_pipe)) {
        const struct iovec *lv = op == OP_PROBE ? user : local;
        ssize_t n =
            op == OP_READ
                ? process_vm_readv(getpid(), lv, (unsigned long)cnt, user, (unsigned long)cnt, 0)
                : process_vm_writev(getpid(), lv, (unsigned long)cnt, user, (unsigned long)cnt, 0);
        if (n >= 0)
            return (size_t)n;
        if (errno == EFAULT)
            return 0;
        if (errno == ENOSYS || errno == EPERM)
            atomic_store(&g_mode, MODE_PIPE); /* refused here: pipes from now on */
    }
    ssize_t n = xfer_pipe(op, user, local, cnt);
    if (n >= 0)
        return (size_t)n;
    /* neither (no descriptor left): the range check has passed, copy */
    for (int i = 0; i < cnt && op != OP_PROBE; i++) {
        if (op == OP_READ)
            memcpy(local[i].iov_base, user[i].iov_base, user[i].iov_len);
        else
            memcpy(user[i].iov_base, local[i].iov_base, user[i].iov_len);
    }
    return total;
}

static struct iovec iov(const void *p, size_t n)
{
    struct iovec v = {(void *)(uintptr_t)p, n};
    return v;
}

size_t uaccess_read_prefix(void *dst, const void *src, size_t n)
{
    struct iovec u = iov(src, n), l = iov(dst, n);
    return xfer(OP_READ, &u, &l, 1);
}

int uaccess_read(void *dst, const void *src, size_t n)
{
    return uaccess_read_prefix(dst, src, n) == n ? 0 : -EFAULT;
}

int uaccess_write2(void *d1, const void *s1, size_t n1, void *d2, const void *s2, size_t n2)
{
    struct iovec u[2] = {iov(d1, n1), iov(d2, n2)}, l[2] = {iov(s1, n1), iov(s2, n2)};
    return xfer(OP_WRITE, u, l, 2) == n1 + n2 ? 0 : -EFAULT;
}

int uaccess_write(void *dst, const void *src, size_t n)
{
    return uaccess_write2(dst, src, n, NULL, NULL, 0);
}

int uaccess_probe_write(void *p, size_t n, void *q, size_t m)
{
    struct iovec u[2] = {iov(p, n), iov(q, m)};
    return xfer(OP_PROBE, u, NULL, 2) == n + m ? 0 : -EFAULT;
}

/* ---- msghdr ---- */

int uaccess_msghdr_full(const struct msghdr *m, bool send)
{
    if (m->msg_name) {
        if ((int)m->msg_namelen < 0)
            return -EINVAL;
        size_t nl = m->msg_namelen < sizeof(struct sockaddr_storage)
                        ? m->msg_namelen
                        : sizeof(struct sockaddr_storage);
        if (send && !uaccess_ok(m->msg_name, nl))
            return -EFAULT;
    }
    size_t n = (size_t)m->msg_iovlen;
    if (n > BRAID_UACCESS_MAX_IOV)
        return -EMSGSIZE;
    if (n) {
        const struct iovec *v = m->msg_iov;
        if (!uaccess_ok(v, n * sizeof *v))
            return -EFAULT;
        int rc = 0;
        for (size_t i = 0; i < n; i++) {
            if ((ssize_t)v[i].iov_len < 0)
                return -EINVAL; /* Linux: every length first, then the buffers */
            if (!uaccess_buf_ok(v[i].iov_base, v[i].iov_len))
                rc = -EFAULT;
        }
        if (rc)
            return rc;
    }
    if (send && m->msg_controllen) {
        if (m->msg_controllen > INT_MAX)
            return -ENOBUFS;
        if (!uaccess_ok(m->msg_control, m->msg_controllen))
            return -EFAULT;
    }
    return 0;
}

/* ---- socket addresses ---- */

int uaccess_sockaddr_in(struct sockaddr_storage *k, const struct sockaddr *u, socklen_t len)
{
    memset(k, 0, sizeof *k);
    if ((int)len < 0 || len > sizeof *k)
        return -EINVAL;
    return uaccess_read(k, u, len);
}

static int user_len(socklen_t *ulen, socklen_t *len)
{
    int l;
    if (uaccess_read(&l, ulen, sizeof l) < 0)
        return -EFAULT;
    if (l < 0)
        return -EINVAL;
    *len = (socklen_t)l;
    return 0;
}

int uaccess_sockaddr_out(struct sockaddr *uaddr, socklen_t *ulen, const void *k, socklen_t klen)
{
    socklen_t len;
    int rc = user_len(ulen, &len);
    if (rc < 0)
        return rc;
    return uaccess_write2(uaddr, k, len < klen ? len : klen, ulen, &klen, sizeof klen);
}

int uaccess_sockaddr_out_check(struct sockaddr *uaddr, socklen_t *ulen, socklen_t klen_max)
{
    socklen_t len;
    int rc = user_len(ulen, &len);
    if (rc < 0)
        return rc;
    return uaccess_probe_write(uaddr, len < klen_max ? len : klen_max, ulen, sizeof *ulen);
}

/* ---- socket options ---- */

#include "internal.h"

_Static_assert(sizeof(struct sctp_status) <= BRAID_UACCESS_OPT_MAX &&
                   sizeof(struct sctp_paddrinfo) <= BRAID_UACCESS_OPT_MAX &&
                   sizeof(struct sctp_paddrparams) <= BRAID_UACCESS_OPT_MAX,
               "an option's structure must fit the copy of it");

typedef union optbuf {
    max_align_t align;
    uint8_t b[BRAID_UACCESS_OPT_MAX];
} optbuf;

int uaccess_setsockopt(struct bsock *s, int level, int name, const void *uval, socklen_t len)
{
    optbuf k;
    memset(k.b, 0, sizeof k.b);
    socklen_t n = opts_val_len(level, name, len); /* what the handler reads */
    const void *val = uval ? k.b : NULL;
    if (uval && n && uaccess_read(k.b, uval, n) < 0)
        val = NULL;
    return opts_set(s, level, name, val, len < sizeof k.b ? len : (socklen_t)sizeof k.b);
}

int uaccess_getsockopt(struct bsock *s, int level, int name, void *uval, socklen_t *ulen)
{
    optbuf k;
    socklen_t len;
    if (!ulen || uaccess_read(&len, ulen, sizeof len) < 0)
        return opts_get(s, level, name, k.b, NULL); /* ENOPROTOOPT or EFAULT */
    memset(k.b, 0, sizeof k.b);
    socklen_t n = opts_val_len(level, name, len); /* what the handler reads */
    void *val = uval ? k.b : NULL;
    if (uval && n && uaccess_read(k.b, uval, n) < 0)
        val = NULL;
    socklen_t kl = len < sizeof k.b ? len : (socklen_t)sizeof k.b;
    int rc = opts_get(s, level, name, val, &kl);
    if (rc < 0)
        return rc;
    return uaccess_write2(ulen, &kl, sizeof kl, uval, k.b, kl);
}
