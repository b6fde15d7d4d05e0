/*
 * The C library as braid's own code reaches it inside libbraid-preload.so.
 *
 * The preload library exports socket(), close(), read() and the rest, so
 * that an unmodified program's calls come to braid. braid's own calls of
 * those names (the UDP transport's sendmmsg, closing a socketpair end,
 * libc's fcntl for a descriptor that is not braid's, ...) must not: they
 * would come back into the interposer, which would take the world lock a
 * second time or treat braid's descriptors as the application's. So braid's
 * code is linked into the preload library as one relocatable object whose
 * references to those names are renamed to braid_sys_NAME (objcopy
 * --redefine-syms, CMakeLists.txt), and braid_sys_NAME (sys.c) calls the C
 * library's NAME through a pointer found once with dlsym(RTLD_NEXT).
 *
 * sys.c also remembers the descriptors braid makes for itself (sockets,
 * socketpair ends, eventfds), so that the interposer's close() and
 * close_range() of a program that closes descriptors it never opened do
 * not take them away from braid.
 */
#ifndef BRAID_PRELOAD_SYS_H
#define BRAID_PRELOAD_SYS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <time.h>

struct mmsghdr;

/* The C library's functions (NULL when it has none of that name). */
typedef struct braid_libc {
    int (*socket)(int, int, int);
    int (*socketpair)(int, int, int, int[2]);
    int (*bind)(int, const struct sockaddr *, socklen_t);
    int (*listen)(int, int);
    int (*accept)(int, struct sockaddr *, socklen_t *);
    int (*accept4)(int, struct sockaddr *, socklen_t *, int);
    int (*connect)(int, const struct sockaddr *, socklen_t);
    int (*close)(int);
    int (*shutdown)(int, int);
    ssize_t (*read)(int, void *, size_t);
    ssize_t (*write)(int, const void *, size_t);
    ssize_t (*readv)(int, const struct iovec *, int);
    ssize_t (*writev)(int, const struct iovec *, int);
    ssize_t (*recv)(int, void *, size_t, int);
    ssize_t (*recvfrom)(int, void *, size_t, int, struct sockaddr *, socklen_t *);
    ssize_t (*recvmsg)(int, struct msghdr *, int);
    int (*recvmmsg)(int, struct mmsghdr *, unsigned, int, struct timespec *);
    ssize_t (*send)(int, const void *, size_t, int);
    ssize_t (*sendto)(int, const void *, size_t, int, const struct sockaddr *, socklen_t);
    ssize_t (*sendmsg)(int, const struct msghdr *, int);
    int (*sendmmsg)(int, struct mmsghdr *, unsigned, int);
    int (*getsockopt)(int, int, int, void *, socklen_t *);
    int (*setsockopt)(int, int, int, const void *, socklen_t);
    int (*getsockname)(int, struct sockaddr *, socklen_t *);
    int (*getpeername)(int, struct sockaddr *, socklen_t *);
    int (*fcntl)(int, int, ...);
    int (*fcntl64)(int, int, ...);
    int (*ioctl)(int, unsigned long, ...);
    int (*dup)(int);
    int (*dup2)(int, int);
    int (*dup3)(int, int, int);
    int (*close_range)(unsigned, unsigned, int);
    int (*eventfd)(unsigned, int);
    ssize_t (*read_chk)(int, void *, size_t, size_t);
    ssize_t (*recv_chk)(int, void *, size_t, size_t, int);
    ssize_t (*recvfrom_chk)(int, void *, size_t, size_t, int, struct sockaddr *, socklen_t *);
} braid_libc;

/* The table, resolved on first use (thread-safe, once). */
const braid_libc *braid_libc_get(void);

/* A descriptor braid made for itself (not one of the application's). */
bool braid_sys_internal(int fd);

/* braid_sys_NAME: what braid's code calls for NAME (see above). */
int braid_sys_close(int fd);
int braid_sys_close_range(unsigned first, unsigned last, int flags);

#endif
