/*
 * libbraid-preload.so: braid for unmodified programs (braid-run).
 *
 * Loaded with LD_PRELOAD, this library's socket(), bind(), read(), close()
 * and the other calls of a socket program come before the C library's.
 * socket() for SCTP (IPPROTO_SCTP, or protocol 0 with SOCK_SEQPACKET, as
 * Linux picks SCTP for it) on AF_INET / AF_INET6 makes a braid socket; every
 * other call looks its descriptor up in braid's table (one atomic load, no
 * lock) and goes to braid for a braid socket, to the C library's function
 * unchanged for anything else. The lksctp functions (sctp_bindx,
 * sctp_sendmsg, ...) are braid's too, exported here so that they come
 * before libsctp.so.1's.
 *
 * braid's own code is linked in, hidden, with its calls of these names
 * renamed to braid_sys_NAME (sys.h): it reaches the C library, never this
 * file.
 */
#define _GNU_SOURCE
#undef _FORTIFY_SOURCE /* this file defines read(), recv(), ... itself */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "api/internal.h"
#include "preload/sys.h"

#define EXPORT __attribute__((visibility("default")))

/* glibc declares the address arguments as transparent unions with
 * _GNU_SOURCE; these take them apart. */
#if defined(__GNUC__) && defined(__USE_GNU) && !defined(__cplusplus)
#define SA(x) ((x).__sockaddr__)
#else
#define SA(x) (x)
#endif

static const braid_libc *libc(void)
{
    return braid_libc_get();
}

static int fail(int e)
{
    errno = e;
    return -1;
}

/* An SCTP socket by Linux's rules: (AF_INET | AF_INET6, SOCK_STREAM |
 * SOCK_SEQPACKET, IPPROTO_SCTP), and protocol 0 with SOCK_SEQPACKET. */
static bool sctp_kind(int domain, int type, int protocol)
{
    int base = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (domain != AF_INET && domain != AF_INET6)
        return false;
    return protocol == IPPROTO_SCTP || (protocol == 0 && base == SOCK_SEQPACKET);
}

EXPORT int socket(int domain, int type, int protocol)
{
    if (sctp_kind(domain, type, protocol))
        return braid_socket(domain, type, IPPROTO_SCTP); /* (other types: the system's errno) */
    if (!libc()->socket)
        return fail(ENOSYS);
    return libc()->socket(domain, type, protocol);
}

EXPORT int socketpair(int domain, int type, int protocol, int sv[2])
{
    int base = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
    /* as Linux: the socket is made (socket()'s errors), then its family's
     * socketpair, which SCTP (inet_stream_ops / inet_seqpacket_ops:
     * sock_no_socketpair) refuses with EOPNOTSUPP */
    if (sctp_kind(domain, type, protocol) && (base == SOCK_STREAM || base == SOCK_SEQPACKET)) {
        if (type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC | 0xf))
            return fail(EINVAL);
        return fail(EOPNOTSUPP);
    }
    if (!libc()->socketpair)
        return fail(ENOSYS);
    return libc()->socketpair(domain, type, protocol, sv);
}

EXPORT int bind(int fd, __CONST_SOCKADDR_ARG addr, socklen_t len)
{
    if (bs_is_braid(fd))
        return braid_bind(fd, SA(addr), len);
    return libc()->bind(fd, SA(addr), len);
}

EXPORT int listen(int fd, int backlog)
{
    if (bs_is_braid(fd))
        return braid_listen(fd, backlog);
    return libc()->listen(fd, backlog);
}

EXPORT int accept(int fd, __SOCKADDR_ARG addr, socklen_t *len)
{
    if (bs_is_braid(fd))
        return braid_accept(fd, SA(addr), len);
    return libc()->accept(fd, SA(addr), len);
}

EXPORT int accept4(int fd, __SOCKADDR_ARG addr, socklen_t *len, int flags)
{
    if (bs_is_braid(fd))
        return braid_accept4(fd, SA(addr), len, flags);
    return libc()->accept4(fd, SA(addr), len, flags);
}

EXPORT int connect(int fd, __CONST_SOCKADDR_ARG addr, socklen_t len)
{
    if (bs_is_braid(fd))
        return braid_connect(fd, SA(addr), len);
    return libc()->connect(fd, SA(addr), len);
}

EXPORT int close(int fd)
{
    if (bs_is_braid(fd))
        return braid_close(fd);
    if (braid_sys_internal(fd))
        return fail(EBADF); /* braid's own: not the program's to close */
    return libc()->close(fd);
}

EXPORT int shutdown(int fd, int how)
{
    if (bs_is_braid(fd))
        return braid_shutdown(fd, how);
    return libc()->shutdown(fd, how);
}

EXPORT ssize_t read(int fd, void *buf, size_t len)
{
    if (bs_is_braid(fd))
        return braid_read(fd, buf, len);
    return libc()->read(fd, buf, len);
}

EXPORT ssize_t write(int fd, const void *buf, size_t len)
{
    if (bs_is_braid(fd))
        return braid_write(fd, buf, len);
    return libc()->write(fd, buf, len);
}

EXPORT ssize_t readv(int fd, const struct iovec *iov, int n)
{
    if (bs_is_braid(fd))
        return braid_readv(fd, iov, n);
    return libc()->readv(fd, iov, n);
}

EXPORT ssize_t writev(int fd, const struct iovec *iov, int n)
{
    if (bs_is_braid(fd))
        return braid_writev(fd, iov, n);
    return libc()->writev(fd, iov, n);
}

EXPORT ssize_t recv(int fd, void *buf, size_t len, int flags)
{
    if (bs_is_braid(fd))
        return braid_recv(fd, buf, len, flags);
    return libc()->recv(fd, buf, len, flags);
}

EXPORT ssize_t recvfrom(int fd, void *buf, size_t len, int flags, __SOCKADDR_ARG from,
                        socklen_t *fromlen)
{
    if (bs_is_braid(fd))
        return braid_recvfrom(fd, buf, len, flags, SA(from), fromlen);
    return libc()->recvfrom(fd, buf, len, flags, SA(from), fromlen);
}

EXPORT ssize_t recvmsg(int fd, struct msghdr *m, int flags)
{
    if (bs_is_braid(fd))
        return braid_recvmsg(fd, m, flags);
    return libc()->recvmsg(fd, m, flags);
}

EXPORT int recvmmsg(int fd, struct mmsghdr *v, unsigned n, int flags, struct timespec *t)
{
    if (bs_is_braid(fd))
        return braid_recvmmsg(fd, v, n, flags, t);
    return libc()->recvmmsg(fd, v, n, flags, t);
}

EXPORT ssize_t send(int fd, const void *buf, size_t len, int flags)
{
    if (bs_is_braid(fd))
        return braid_send(fd, buf, len, flags);
    return libc()->send(fd, buf, len, flags);
}

EXPORT ssize_t sendto(int fd, const void *buf, size_t len, int flags, __CONST_SOCKADDR_ARG to,
                      socklen_t tolen)
{
    if (bs_is_braid(fd))
        return braid_sendto(fd, buf, len, flags, SA(to), tolen);
    return libc()->sendto(fd, buf, len, flags, SA(to), tolen);
}

EXPORT ssize_t sendmsg(int fd, const struct msghdr *m, int flags)
{
    if (bs_is_braid(fd))
        return braid_sendmsg(fd, m, flags);
    return libc()->sendmsg(fd, m, flags);
}

EXPORT int sendmmsg(int fd, struct mmsghdr *v, unsigned n, int flags)
{
    if (bs_is_braid(fd))
        return braid_sendmmsg(fd, v, n, flags);
    return libc()->sendmmsg(fd, v, n, flags);
}

EXPORT int getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
    if (bs_is_braid(fd))
        return braid_getsockopt(fd, level, name, val, len);
    return libc()->getsockopt(fd, level, name, val, len);
}

EXPORT int setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
    if (bs_is_braid(fd))
        return braid_setsockopt(fd, level, name, val, len);
    return libc()->setsockopt(fd, level, name, val, len);
}

EXPORT int getsockname(int fd, __SOCKADDR_ARG addr, socklen_t *len)
{
    if (bs_is_braid(fd))
        return braid_getsockname(fd, SA(addr), len);
    return libc()->getsockname(fd, SA(addr), len);
}

EXPORT int getpeername(int fd, __SOCKADDR_ARG addr, socklen_t *len)
{
    if (bs_is_braid(fd))
        return braid_getpeername(fd, SA(addr), len);
    return libc()->getpeername(fd, SA(addr), len);
}

/* fcntl's third argument is an int, a long or a pointer: passed on as a
 * pointer-sized value, as glibc does. */
static int do_fcntl(int (*sys)(int, int, ...), int fd, int cmd, void *arg)
{
    if (bs_is_braid(fd))
        return braid_fcntl(fd, cmd, (long)arg);
    if (!sys)
        return fail(ENOSYS);
    return sys(fd, cmd, arg);
}

EXPORT int fcntl(int fd, int cmd, ...)
{
    va_list ap;
    va_start(ap, cmd);
    void *arg = va_arg(ap, void *);
    va_end(ap);
    return do_fcntl(libc()->fcntl, fd, cmd, arg);
}

EXPORT int fcntl64(int fd, int cmd, ...)
{
    va_list ap;
    va_start(ap, cmd);
    void *arg = va_arg(ap, void *);
    va_end(ap);
    return do_fcntl(libc()->fcntl64 ? libc()->fcntl64 : libc()->fcntl, fd, cmd, arg);
}

EXPORT int ioctl(int fd, unsigned long request, ...)
{
    va_list ap;
    va_start(ap, request);
    void *arg = va_arg(ap, void *);
    va_end(ap);
    if (bs_is_braid(fd))
        return braid_ioctl(fd, request, arg);
    return libc()->ioctl(fd, request, arg);
}

EXPORT int dup(int fd)
{
    if (bs_is_braid(fd))
        return braid_dup(fd);
    return libc()->dup(fd);
}

/* dup2 / dup3 onto one of braid's own descriptors would take it from braid
 * behind its back: refused with EBUSY (Linux's errno when the number is
 * being opened by another thread), the program may pick another number. */
EXPORT int dup2(int oldfd, int newfd)
{
    if (oldfd != newfd && !bs_is_braid(newfd) && braid_sys_internal(newfd))
        return fail(EBUSY);
    return braid_dup2(oldfd, newfd);
}

EXPORT int dup3(int oldfd, int newfd, int flags)
{
    if (oldfd != newfd && !bs_is_braid(newfd) && braid_sys_internal(newfd))
        return fail(EBUSY);
    return braid_dup3(oldfd, newfd, flags);
}

EXPORT int close_range(unsigned first, unsigned last, int flags)
{
    return braid_close_range(first, last, flags); /* (braid's own: kept, sys.c) */
}

/* glibc's checked entry points (_FORTIFY_SOURCE): the check, then the call. */
EXPORT ssize_t __read_chk(int fd, void *buf, size_t len, size_t cap)
{
    if (len > cap || !bs_is_braid(fd))
        return libc()->read_chk(fd, buf, len, cap); /* (it reports the overflow) */
    return braid_read(fd, buf, len);
}

EXPORT ssize_t __recv_chk(int fd, void *buf, size_t len, size_t cap, int flags)
{
    if (len > cap || !bs_is_braid(fd))
        return libc()->recv_chk(fd, buf, len, cap, flags);
    return braid_recv(fd, buf, len, flags);
}

EXPORT ssize_t __recvfrom_chk(int fd, void *buf, size_t len, size_t cap, int flags,
                              __SOCKADDR_ARG from, socklen_t *fromlen)
{
    if (len > cap || !bs_is_braid(fd))
        return libc()->recvfrom_chk(fd, buf, len, cap, flags, SA(from), fromlen);
    return braid_recvfrom(fd, buf, len, flags, SA(from), fromlen);
}
