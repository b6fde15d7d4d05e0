/*
 * braid: run an lksctp program on braid by renaming its socket calls.
 *
 * A program written for Linux kernel SCTP builds on braid with two changes:
 *
 *     #include <netinet/sctp.h>        becomes   #include <braid/sctp.h>
 *                                                #include <braid/compat.h>
 *     -lsctp                           becomes   -lbraid
 *
 * This header turns calls of socket(), bind(), listen(), accept(), connect(),
 * close(), shutdown(), sendmsg(), recvmsg(), send(), recv(), sendto(),
 * recvfrom(), read(), write(), setsockopt(), getsockopt(), getsockname(),
 * getpeername() and fcntl() into calls of the braid_ functions of
 * <braid/sctp.h>. Those behave exactly like the system calls on descriptors
 * that are not braid sockets, so the program's files, pipes and other sockets
 * keep working. poll(), select() and epoll need no mapping: braid sockets are
 * real descriptors.
 *
 * It is opt-in and has caveats, all of them consequences of being a macro:
 *
 * - Include it after every system header (<unistd.h>, <sys/socket.h>,
 *   <fcntl.h>, <stdio.h>, ...) and, in general, last. A header read after it
 *   would have its own declarations of these names renamed too.
 *
 * - The macros are function-like, so only a name directly followed by "(" is
 *   renamed. Taking the address (&close, a bare "close" passed as a callback)
 *   or calling through parentheses, (close)(fd), still reaches the system
 *   call, which does not know braid sockets.
 *
 * - Anything else called like a function with one of these names is renamed
 *   as well: a struct member called as p->read(...), a function of the
 *   program's own named connect(), C++ member functions such as
 *   stream.close() or std::ostream::write(). Rename those, or #undef the
 *   offending macro after including this header (and call braid_xxx()
 *   explicitly where needed). C++ programs are better served by calling the
 *   braid_ functions directly.
 *
 * - The braid_ functions take plain "struct sockaddr *" arguments. With
 *   _GNU_SOURCE, glibc declares bind(), connect(), sendto() and friends with
 *   a transparent union that accepts any sockaddr_xxx pointer; a program that
 *   relies on that (passing &sin without a cast) gets a pointer type warning
 *   (an error with recent compilers) and needs the usual cast.
 *
 * - Only the calls listed above are mapped. accept4(), dup()/dup2(), ioctl(),
 *   sendmmsg()/recvmmsg(), readv()/writev() and fork() across a braid socket
 *   are not.
 */
#ifndef BRAID_COMPAT_H
#define BRAID_COMPAT_H

#include <braid/sctp.h>

#undef socket
#undef bind
#undef listen
#undef accept
#undef connect
#undef close
#undef shutdown
#undef sendmsg
#undef recvmsg
#undef send
#undef recv
#undef sendto
#undef recvfrom
#undef read
#undef write
#undef setsockopt
#undef getsockopt
#undef getsockname
#undef getpeername
#undef fcntl

#define socket(domain, type, protocol) braid_socket(domain, type, protocol)
#define bind(fd, addr, addrlen) braid_bind(fd, addr, addrlen)
#define listen(fd, backlog) braid_listen(fd, backlog)
#define accept(fd, addr, addrlen) braid_accept(fd, addr, addrlen)
#define connect(fd, addr, addrlen) braid_connect(fd, addr, addrlen)
#define close(fd) braid_close(fd)
#define shutdown(fd, how) braid_shutdown(fd, how)
#define sendmsg(fd, msg, flags) braid_sendmsg(fd, msg, flags)
#define recvmsg(fd, msg, flags) braid_recvmsg(fd, msg, flags)
#define send(fd, buf, len, flags) braid_send(fd, buf, len, flags)
#define recv(fd, buf, len, flags) braid_recv(fd, buf, len, flags)
#define sendto(fd, buf, len, flags, to, tolen) braid_sendto(fd, buf, len, flags, to, tolen)
#define recvfrom(fd, buf, len, flags, from, fromlen)                                               \
    braid_recvfrom(fd, buf, len, flags, from, fromlen)
#define read(fd, buf, len) braid_read(fd, buf, len)
#define write(fd, buf, len) braid_write(fd, buf, len)
#define setsockopt(fd, level, optname, optval, optlen)                                             \
    braid_setsockopt(fd, level, optname, optval, optlen)
#define getsockopt(fd, level, optname, optval, optlen)                                             \
    braid_getsockopt(fd, level, optname, optval, optlen)
#define getsockname(fd, addr, addrlen) braid_getsockname(fd, addr, addrlen)
#define getpeername(fd, addr, addrlen) braid_getpeername(fd, addr, addrlen)
/* fcntl takes one or two arguments after fd. */
#define fcntl(...) braid_fcntl(__VA_ARGS__)

#endif /* BRAID_COMPAT_H */
