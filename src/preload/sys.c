/*
 * braid_sys_NAME: the C library's NAME for braid's own code inside
 * libbraid-preload.so (sys.h explains why), and the set of descriptors
 * braid made for itself.
 */
#define _GNU_SOURCE
#include "preload/sys.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_UNSHARE
#define CLOSE_RANGE_UNSHARE 2
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC 4
#endif

static braid_libc g_libc;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

/* (dlsym's void * to a function pointer: POSIX makes this work) */
#define FIND(field, name) g_libc.field = (__typeof__(g_libc.field))dlsym(RTLD_NEXT, name)

static void resolve(void)
{
    FIND(socket, "socket");
    FIND(socketpair, "socketpair");
    FIND(bind, "bind");
    FIND(listen, "listen");
    FIND(accept, "accept");
    FIND(accept4, "accept4");
    FIND(connect, "connect");
    FIND(close, "close");
    FIND(shutdown, "shutdown");
    FIND(read, "read");
    FIND(write, "write");
    FIND(readv, "readv");
    FIND(writev, "writev");
    FIND(recv, "recv");
    FIND(recvfrom, "recvfrom");
    FIND(recvmsg, "recvmsg");
    FIND(recvmmsg, "recvmmsg");
    FIND(send, "send");
    FIND(sendto, "sendto");
    FIND(sendmsg, "sendmsg");
    FIND(sendmmsg, "sendmmsg");
    FIND(getsockopt, "getsockopt");
    FIND(setsockopt, "setsockopt");
    FIND(getsockname, "getsockname");
    FIND(getpeername, "getpeername");
    FIND(fcntl, "fcntl");
    FIND(fcntl64, "fcntl64");
    FIND(ioctl, "ioctl");
    FIND(dup, "dup");
    FIND(dup2, "dup2");
    FIND(dup3, "dup3");
    FIND(close_range, "close_range");
    FIND(eventfd, "eventfd");
    FIND(read_chk, "__read_chk");
    FIND(recv_chk, "__recv_chk");
    FIND(recvfrom_chk, "__recvfrom_chk");
}

const braid_libc *braid_libc_get(void)
{
    pthread_once(&g_once, resolve);
    return &g_libc;
}

/* ---- braid's own descriptors ---- */

#define MAX_TRACKED 65536
static _Atomic unsigned char g_internal[MAX_TRACKED];

static void mark(int fd, bool on)
{
    if (fd >= 0 && fd < MAX_TRACKED)
        atomic_store_explicit(&g_internal[fd], on, memory_order_relaxed);
}

bool braid_sys_internal(int fd)
{
    return fd >= 0 && fd < MAX_TRACKED &&
           atomic_load_explicit(&g_internal[fd], memory_order_relaxed);
}

/* ---- braid_sys_NAME ---- */

#define L (braid_libc_get())
#define NOSYS(f)                                                                                   \
    do {                                                                                           \
        if (!L->f) {                                                                               \
            errno = ENOSYS;                                                                        \
            return -1;                                                                             \
        }                                                                                          \
    } while (0)

/* Every name sys.h's comment lists. The prototypes are here, not in a
 * header: only the renamed references of braid's object call them. */
int braid_sys_socket(int d, int t, int p);
int braid_sys_socketpair(int d, int t, int p, int sv[2]);
int braid_sys_bind(int fd, const struct sockaddr *a, socklen_t l);
int braid_sys_listen(int fd, int n);
int braid_sys_accept(int fd, struct sockaddr *a, socklen_t *l);
int braid_sys_accept4(int fd, struct sockaddr *a, socklen_t *l, int f);
int braid_sys_connect(int fd, const struct sockaddr *a, socklen_t l);
int braid_sys_shutdown(int fd, int how);
ssize_t braid_sys_read(int fd, void *b, size_t n);
ssize_t braid_sys_write(int fd, const void *b, size_t n);
ssize_t braid_sys_readv(int fd, const struct iovec *v, int n);
ssize_t braid_sys_writev(int fd, const struct iovec *v, int n);
ssize_t braid_sys_recv(int fd, void *b, size_t n, int f);
ssize_t braid_sys_recvfrom(int fd, void *b, size_t n, int f, struct sockaddr *a, socklen_t *l);
ssize_t braid_sys_recvmsg(int fd, struct msghdr *m, int f);
int braid_sys_recvmmsg(int fd, struct mmsghdr *v, unsigned n, int f, struct timespec *t);
ssize_t braid_sys_send(int fd, const void *b, size_t n, int f);
ssize_t braid_sys_sendto(int fd, const void *b, size_t n, int f, const struct sockaddr *a,
                         socklen_t l);
ssize_t braid_sys_sendmsg(int fd, const struct msghdr *m, int f);
int braid_sys_sendmmsg(int fd, struct mmsghdr *v, unsigned n, int f);
int braid_sys_getsockopt(int fd, int lv, int nm, void *v, socklen_t *l);
int braid_sys_setsockopt(int fd, int lv, int nm, const void *v, socklen_t l);
int braid_sys_getsockname(int fd, struct sockaddr *a, socklen_t *l);
int braid_sys_getpeername(int fd, struct sockaddr *a, socklen_t *l);
int braid_sys_fcntl(int fd, int cmd, ...);
int braid_sys_fcntl64(int fd, int cmd, ...);
int braid_sys_ioctl(int fd, unsigned long req, ...);
int braid_sys_dup(int fd);
int braid_sys_dup2(int a, int b);
int braid_sys_dup3(int a, int b, int f);
int braid_sys_eventfd(unsigned v, int f);
ssize_t braid_sys___read_chk(int fd, void *b, size_t n, size_t cap);
ssize_t braid_sys___recv_chk(int fd, void *b, size_t n, size_t cap, int f);
ssize_t braid_sys___recvfrom_chk(int fd, void *b, size_t n, size_t cap, int f, struct sockaddr *a,
                                 socklen_t *l);

int braid_sys_socket(int d, int t, int p)
{
    NOSYS(socket);
    int fd = L->socket(d, t, p);
    mark(fd, true);
    return fd;
}
int braid_sys_socketpair(int d, int t, int p, int sv[2])
{
    NOSYS(socketpair);
    int rc = L->socketpair(d, t, p, sv);
    if (rc == 0) {
        mark(sv[0], true);
        mark(sv[1], true);
    }
    return rc;
}
int braid_sys_eventfd(unsigned v, int f)
{
    NOSYS(eventfd);
    int fd = L->eventfd(v, f);
    mark(fd, true);
    return fd;
}
int braid_sys_close(int fd)
{
    NOSYS(close);
    mark(fd, false);
    return L->close(fd);
}
/* The range without braid's own descriptors: the system closes the pieces
 * between them (a program closing "everything above 2" keeps braid). */
int braid_sys_close_range(unsigned first, unsigned last, int flags)
{
    NOSYS(close_range);
    if (flags & (int)CLOSE_RANGE_CLOEXEC)
        return L->close_range(first, last, flags); /* braid's are close-on-exec already */
    unsigned from = first;
    unsigned end = last < MAX_TRACKED ? last : MAX_TRACKED - 1;
    for (unsigned fd = first; fd <= end; fd++) {
        if (!braid_sys_internal((int)fd))
            continue;
        if (fd > from && L->close_range(from, fd - 1, flags) < 0)
            return -1;
        flags &= ~(int)CLOSE_RANGE_UNSHARE; /* once is enough */
        from = fd + 1;
    }
    if (from > last)
        return 0;
    return L->close_range(from, last, flags);
}
int braid_sys_bind(int fd, const struct sockaddr *a, socklen_t l)
{
    NOSYS(bind);
    return L->bind(fd, a, l);
}
int braid_sys_listen(int fd, int n)
{
    NOSYS(listen);
    return L->listen(fd, n);
}
int braid_sys_accept(int fd, struct sockaddr *a, socklen_t *l)
{
    NOSYS(accept);
    return L->accept(fd, a, l);
}
int braid_sys_accept4(int fd, struct sockaddr *a, socklen_t *l, int f)
{
    NOSYS(accept4);
    return L->accept4(fd, a, l, f);
}
int braid_sys_connect(int fd, const struct sockaddr *a, socklen_t l)
{
    NOSYS(connect);
    return L->connect(fd, a, l);
}
int braid_sys_shutdown(int fd, int how)
{
    NOSYS(shutdown);
    return L->shutdown(fd, how);
}
ssize_t braid_sys_read(int fd, void *b, size_t n)
{
    NOSYS(read);
    return L->read(fd, b, n);
}
ssize_t braid_sys_write(int fd, const void *b, size_t n)
{
    NOSYS(write);
    return L->write(fd, b, n);
}
ssize_t braid_sys_readv(int fd, const struct iovec *v, int n)
{
    NOSYS(readv);
    return L->readv(fd, v, n);
}
ssize_t braid_sys_writev(int fd, const struct iovec *v, int n)
{
    NOSYS(writev);
    return L->writev(fd, v, n);
}
ssize_t braid_sys_recv(int fd, void *b, size_t n, int f)
{
    NOSYS(recv);
    return L->recv(fd, b, n, f);
}
ssize_t braid_sys_recvfrom(int fd, void *b, size_t n, int f, struct sockaddr *a, socklen_t *l)
{
    NOSYS(recvfrom);
    return L->recvfrom(fd, b, n, f, a, l);
}
ssize_t braid_sys_recvmsg(int fd, struct msghdr *m, int f)
{
    NOSYS(recvmsg);
    return L->recvmsg(fd, m, f);
}
int braid_sys_recvmmsg(int fd, struct mmsghdr *v, unsigned n, int f, struct timespec *t)
{
    NOSYS(recvmmsg);
    return L->recvmmsg(fd, v, n, f, t);
}
ssize_t braid_sys_send(int fd, const void *b, size_t n, int f)
{
    NOSYS(send);
    return L->send(fd, b, n, f);
}
ssize_t braid_sys_sendto(int fd, const void *b, size_t n, int f, const struct sockaddr *a,
                         socklen_t l)
{
    NOSYS(sendto);
    return L->sendto(fd, b, n, f, a, l);
}
ssize_t braid_sys_sendmsg(int fd, const struct msghdr *m, int f)
{
    NOSYS(sendmsg);
    return L->sendmsg(fd, m, f);
}
int braid_sys_sendmmsg(int fd, struct mmsghdr *v, unsigned n, int f)
{
    NOSYS(sendmmsg);
    return L->sendmmsg(fd, v, n, f);
}
int braid_sys_getsockopt(int fd, int lv, int nm, void *v, socklen_t *l)
{
    NOSYS(getsockopt);
    return L->getsockopt(fd, lv, nm, v, l);
}
int braid_sys_setsockopt(int fd, int lv, int nm, const void *v, socklen_t l)
{
    NOSYS(setsockopt);
    return L->setsockopt(fd, lv, nm, v, l);
}
int braid_sys_getsockname(int fd, struct sockaddr *a, socklen_t *l)
{
    NOSYS(getsockname);
    return L->getsockname(fd, a, l);
}
int braid_sys_getpeername(int fd, struct sockaddr *a, socklen_t *l)
{
    NOSYS(getpeername);
    return L->getpeername(fd, a, l);
}
/* fcntl and ioctl take one more argument, an int, a long or a pointer: as
 * glibc's own fcntl, it is passed on as a pointer-sized value. */
int braid_sys_fcntl(int fd, int cmd, ...)
{
    va_list ap;
    va_start(ap, cmd);
    void *arg = va_arg(ap, void *);
    va_end(ap);
    NOSYS(fcntl);
    return L->fcntl(fd, cmd, arg);
}
int braid_sys_fcntl64(int fd, int cmd, ...)
{
    va_list ap;
    va_start(ap, cmd);
    void *arg = va_arg(ap, void *);
    va_end(ap);
    if (!L->fcntl64)
        return braid_sys_fcntl(fd, cmd, arg);
    return L->fcntl64(fd, cmd, arg);
}
int braid_sys_ioctl(int fd, unsigned long req, ...)
{
    va_list ap;
    va_start(ap, req);
    void *arg = va_arg(ap, void *);
    va_end(ap);
    NOSYS(ioctl);
    return L->ioctl(fd, req, arg);
}
int braid_sys_dup(int fd)
{
    NOSYS(dup);
    return L->dup(fd);
}
int braid_sys_dup2(int a, int b)
{
    NOSYS(dup2);
    if (a != b)
        mark(b, false); /* b is replaced */
    return L->dup2(a, b);
}
int braid_sys_dup3(int a, int b, int f)
{
    NOSYS(dup3);
    if (a != b)
        mark(b, false);
    return L->dup3(a, b, f);
}
ssize_t braid_sys___read_chk(int fd, void *b, size_t n, size_t cap)
{
    NOSYS(read_chk);
    return L->read_chk(fd, b, n, cap);
}
ssize_t braid_sys___recv_chk(int fd, void *b, size_t n, size_t cap, int f)
{
    NOSYS(recv_chk);
    return L->recv_chk(fd, b, n, cap, f);
}
ssize_t braid_sys___recvfrom_chk(int fd, void *b, size_t n, size_t cap, int f, struct sockaddr *a,
                                 socklen_t *l)
{
    NOSYS(recvfrom_chk);
    return L->recvfrom_chk(fd, b, n, cap, f, a, l);
}
