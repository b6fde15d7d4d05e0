/* Bad pointers from the application: the errno Linux gives (EFAULT, and
 * its EINVAL / EMSGSIZE / ENOBUFS on the same paths), never a crash.
 *
 * One case per (call, argument) of every braid socket call that takes a
 * user pointer, each tried with the bad pointers that apply to it:
 * (void *)-1 (above user space: the range check), NULL, an unmapped page
 * and a read-only page (in user space: only the calls that are not per
 * message look at the memory itself; see docs/architecture.md). Each try
 * runs in a process of its own, so a crash fails that try and no other;
 * those that go through the kernel-checked copies run once more with the
 * pipe fallback forced. After the call, each case checks what became of the
 * socket: a connection still waits for accept(), a message is still there
 * (or taken, where Linux takes it: a bad msg_name / fromlen of recvmsg /
 * recvfrom), nothing was started. */
#include "api_proc.h"
#include "api/uaccess.h"

#include <sys/mman.h>

typedef struct fx {
    int s, sm; /* fresh sockets, one-to-one and one-to-many */
    int l, c2; /* one-to-one listener; c2's association waits in its queue */
    int c, a;  /* a connected one-to-one pair; "ping" waits on a */
    int m, mc; /* one-to-many: mc's association to m; "ping" waits on m */
    struct sockaddr_in lto, mto;
    uint16_t luport, muport;
    long rc;
    int err;
} fx;

enum { N_FRESH = 1, N_LISTEN = 2, N_PAIR = 4, N_MANY = 8 };
enum { K_KERNEL = 1, K_NULL = 2, K_UNMAPPED = 4, K_RDONLY = 8, K_VALUE = 16 };
enum { F_COPY = 1 }; /* a kernel-checked copy: tried with the pipe fallback too */

static const char *kind_name(int k)
{
    switch (k) {
    case K_KERNEL: return "(void *)-1";
    case K_NULL: return "NULL";
    case K_UNMAPPED: return "unmapped";
    case K_RDONLY: return "read-only";
    default: return "bad value";
    }
}

/* A page of user space that is not mapped: a hole between two PROT_NONE
 * pages (nothing else this small is mapped while a case runs). */
static void *unmapped_page(void)
{
    long pg = sysconf(_SC_PAGESIZE);
    uint8_t *p = mmap(NULL, (size_t)pg * 3, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    munmap(p + pg, (size_t)pg);
    return p + pg;
}

/* A read-only page; read as a length it says 256 (so that a call gets as
 * far as writing it back). */
static void *rdonly_page(void)
{
    size_t pg = (size_t)sysconf(_SC_PAGESIZE);
    uint32_t *p = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    for (size_t i = 0; i < pg / sizeof *p; i++)
        p[i] = 256;
    mprotect(p, pg, PROT_READ);
    return p;
}

static void *bad_ptr(int kind)
{
    switch (kind) {
    case K_KERNEL: return (void *)(uintptr_t)-1;
    case K_UNMAPPED: return unmapped_page();
    case K_RDONLY: return rdonly_page();
    default: return NULL;
    }
}

static bool readable(int fd)
{
    struct pollfd pf = {fd, POLLIN, 0};
    return poll(&pf, 1, 3000) == 1;
}

static void fx_build(fx *f, unsigned need)
{
    memset(f, 0, sizeof *f);
    f->s = f->sm = f->l = f->c2 = f->c = f->a = f->m = f->mc = -1;
    if (need & N_FRESH) {
        f->s = braid_socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP);
        f->sm = braid_socket(AF_INET, SOCK_SEQPACKET, IPPROTO_SCTP);
        CHECK(f->s >= 0 && f->sm >= 0);
        set_timeouts(f->s, 3000, 3000);
        set_timeouts(f->sm, 3000, 3000);
    }
    if (need & (N_LISTEN | N_PAIR)) {
        uint16_t sport = 0;
        f->l = listener(SOCK_STREAM, &sport, &f->luport);
        CHECK(f->l >= 0);
        set_timeouts(f->l, 3000, 3000);
        f->lto = loopback(sport);
        if (f->s >= 0)
            set_udp_port(f->s, f->luport);
        if (need & N_PAIR) {
            f->c = client(SOCK_STREAM, f->luport);
            CHECK_EQ(connect_to(f->c, sport), 0);
            f->a = braid_accept(f->l, NULL, NULL);
            CHECK(f->a >= 0);
            set_timeouts(f->a, 3000, 3000);
            CHECK_EQ(braid_send(f->c, "ping", 4, 0), 4);
            CHECK(readable(f->a));
        }
        if (need & N_LISTEN) {
            f->c2 = client(SOCK_STREAM, f->luport);
            CHECK_EQ(connect_to(f->c2, sport), 0);
        }
    }
    if (need & N_MANY) {
        uint16_t sport = 0;
        f->m = listener(SOCK_SEQPACKET, &sport, &f->muport);
        CHECK(f->m >= 0);
        set_timeouts(f->m, 3000, 3000);
        f->mto = loopback(sport);
        f->mc = client(SOCK_SEQPACKET, f->muport);
        CHECK_EQ(sctp_sendmsg(f->mc, "ping", 4, (struct sockaddr *)&f->mto, sizeof f->mto, 0, 0, 0,
                              0, 0),
                 4);
        CHECK(readable(f->m));
    }
}

/* The call under test: its result and errno are kept before the checks of
 * what follows it. */
#define CALL(expr) (f->rc = (long)(expr), f->err = errno)

/* ---- what became of the socket ---- */

static void still_there(int fd) /* the waiting message was not taken */
{
    char b[16];
    CHECK_EQ(braid_recv(fd, b, sizeof b, MSG_DONTWAIT), 4);
    CHECK_MEM(b, "ping", 4);
}

static void taken(int fd) /* it was (Linux: the address is copied out last) */
{
    char b[16];
    errno = 0;
    CHECK_EQ(braid_recv(fd, b, sizeof b, MSG_DONTWAIT), -1);
    CHECK_EQ(errno, EAGAIN);
}

static void still_queued(fx *f) /* accept() did not take the connection */
{
    CHECK_EQ(braid_fcntl(f->l, F_SETFL, O_NONBLOCK), 0);
    int n = braid_accept(f->l, NULL, NULL);
    CHECK(n >= 0);
    braid_close(n);
}

static void no_association(int fd) /* nothing was started */
{
    struct sctp_status st;
    memset(&st, 0, sizeof st);
    socklen_t l = sizeof st;
    errno = 0;
    CHECK_EQ(braid_getsockopt(fd, IPPROTO_SCTP, SCTP_STATUS, &st, &l), -1);
    CHECK_EQ(errno, EINVAL);
}

/* ---- socket calls ---- */

static void c_bind_addr(fx *f, void *bad)
{
    CALL(braid_bind(f->s, bad, sizeof(struct sockaddr_in)));
    struct sockaddr_in a = loopback(0);
    CHECK_EQ(braid_bind(f->s, (struct sockaddr *)&a, sizeof a), 0); /* untouched */
}
static void c_bind_addrlen(fx *f, void *bad)
{
    (void)bad;
    struct sockaddr_in a = loopback(0);
    CALL(braid_bind(f->s, (struct sockaddr *)&a, sizeof(struct sockaddr_storage) + 1));
}
static void c_connect_addr(fx *f, void *bad)
{
    CALL(braid_connect(f->s, bad, sizeof(struct sockaddr_in)));
    no_association(f->s);
}
static void c_accept_addr(fx *f, void *bad)
{
    socklen_t l = sizeof(struct sockaddr_in);
    CALL(braid_accept(f->l, bad, &l));
    still_queued(f);
}
static void c_accept_addrlen(fx *f, void *bad)
{
    struct sockaddr_in a;
    CALL(braid_accept(f->l, (struct sockaddr *)&a, bad));
    still_queued(f);
}
static void c_accept_addrlen_neg(fx *f, void *bad)
{
    (void)bad;
    struct sockaddr_in a;
    socklen_t l = (socklen_t)-1;
    CALL(braid_accept(f->l, (struct sockaddr *)&a, &l));
    still_queued(f);
}

static void c_sendmsg_msg(fx *f, void *bad)
{
    CALL(braid_sendmsg(f->c, bad, MSG_NOSIGNAL));
}
/* a one-message msghdr on c: "ping", no address, no control */
static struct msghdr out_msg(struct iovec *iov)
{
    iov->iov_base = (void *)(uintptr_t) "ping";
    iov->iov_len = 4;
    struct msghdr m;
    memset(&m, 0, sizeof m);
    m.msg_iov = iov;
    m.msg_iovlen = 1;
    return m;
}
static void c_sendmsg_name(fx *f, void *bad)
{
    struct iovec iov;
    struct msghdr m = out_msg(&iov);
    m.msg_name = bad;
    m.msg_namelen = sizeof(struct sockaddr_in);
    CALL(braid_sendmsg(f->mc, &m, MSG_NOSIGNAL));
}
static void c_sendmsg_iov(fx *f, void *bad)
{
    struct iovec iov;
    struct msghdr m = out_msg(&iov);
    m.msg_iov = bad;
    CALL(braid_sendmsg(f->c, &m, MSG_NOSIGNAL));
}
static void c_sendmsg_iov_base(fx *f, void *bad)
{
    struct iovec iov[2] = {{(void *)(uintptr_t) "pi", 2}, {bad, 2}};
    struct msghdr m = out_msg(iov);
    m.msg_iov = iov;
    m.msg_iovlen = 2;
    CALL(braid_sendmsg(f->c, &m, MSG_NOSIGNAL));
}
static void c_sendmsg_control(fx *f, void *bad)
{
    struct iovec iov;
    struct msghdr m = out_msg(&iov);
    m.msg_control = bad;
    m.msg_controllen = CMSG_SPACE(sizeof(struct sctp_sndrcvinfo));
    CALL(braid_sendmsg(f->c, &m, MSG_NOSIGNAL));
}
static void c_sendmsg_iovlen(fx *f, void *bad)
{
    (void)bad;
    static struct iovec iov[1025];
    for (int i = 0; i < 1025; i++)
        iov[i] = (struct iovec){(void *)(uintptr_t) "p", 1};
    struct msghdr m = out_msg(iov);
    m.msg_iov = iov;
    m.msg_iovlen = 1025; /* above UIO_MAXIOV */
    CALL(braid_sendmsg(f->c, &m, MSG_NOSIGNAL));
}
static void c_sendmsg_iov_len(fx *f, void *bad)
{
    (void)bad;
    struct iovec iov;
    struct msghdr m = out_msg(&iov);
    iov.iov_len = (size_t)-1; /* negative as ssize_t */
    CALL(braid_sendmsg(f->c, &m, MSG_NOSIGNAL));
}
static void c_sendmsg_controllen(fx *f, void *bad)
{
    (void)bad;
    char cb[64];
    struct iovec iov;
    struct msghdr m = out_msg(&iov);
    m.msg_control = cb;
    m.msg_controllen = 0x80000000u; /* above INT_MAX */
    CALL(braid_sendmsg(f->c, &m, MSG_NOSIGNAL));
}

/* a one-buffer msghdr to receive into */
typedef struct inmsg {
    struct msghdr m;
    struct iovec iov;
    char buf[64];
    struct sockaddr_in from;
    union {
        struct cmsghdr h;
        char b[256];
    } cb;
} inmsg;
static void in_msg(inmsg *im)
{
    memset(im, 0, sizeof *im);
    im->iov.iov_base = im->buf;
    im->iov.iov_len = sizeof im->buf;
    im->m.msg_iov = &im->iov;
    im->m.msg_iovlen = 1;
    im->m.msg_name = &im->from;
    im->m.msg_namelen = sizeof im->from;
    im->m.msg_control = im->cb.b;
    im->m.msg_controllen = sizeof im->cb.b;
}
static void c_recvmsg_msg(fx *f, void *bad)
{
    CALL(braid_recvmsg(f->a, bad, 0));
    still_there(f->a);
}
static void c_recvmsg_iov(fx *f, void *bad)
{
    inmsg im;
    in_msg(&im);
    im.m.msg_iov = bad;
    CALL(braid_recvmsg(f->a, &im.m, 0));
    still_there(f->a);
}
static void c_recvmsg_iov_base(fx *f, void *bad)
{
    inmsg im;
    in_msg(&im);
    im.iov.iov_base = bad;
    CALL(braid_recvmsg(f->a, &im.m, 0));
    still_there(f->a);
}
static void c_recvmsg_name(fx *f, void *bad)
{
    inmsg im;
    in_msg(&im);
    im.m.msg_name = bad;
    CALL(braid_recvmsg(f->a, &im.m, 0));
    taken(f->a); /* as Linux: copied out after the message was taken */
}
static void c_recvmsg_namelen(fx *f, void *bad)
{
    (void)bad;
    inmsg im;
    in_msg(&im);
    im.m.msg_namelen = (socklen_t)-1; /* negative as an int */
    CALL(braid_recvmsg(f->a, &im.m, 0));
    still_there(f->a);
}
static void c_recvmsg_control(fx *f, void *bad)
{
    struct sctp_event_subscribe ev;
    memset(&ev, 0, sizeof ev);
    ev.sctp_data_io_event = 1; /* so that there is a cmsg to write */
    CHECK_EQ(braid_setsockopt(f->a, IPPROTO_SCTP, SCTP_EVENTS, &ev, sizeof ev), 0);
    inmsg im;
    in_msg(&im);
    im.m.msg_control = bad;
    CALL(braid_recvmsg(f->a, &im.m, 0));
    /* as Linux (put_cmsg's EFAULT is ignored): the data, no cmsg, no MSG_CTRUNC */
    CHECK_EQ(f->rc, 4);
    CHECK_EQ(im.m.msg_controllen, 0);
    CHECK(!(im.m.msg_flags & MSG_CTRUNC));
    CHECK_MEM(im.buf, "ping", 4);
}

static void c_send_buf(fx *f, void *bad)
{
    CALL(braid_send(f->c, bad, 4, MSG_NOSIGNAL));
}
static void c_sendto_buf(fx *f, void *bad)
{
    CALL(braid_sendto(f->mc, bad, 4, 0, (struct sockaddr *)&f->mto, sizeof f->mto));
}
static void c_sendto_to(fx *f, void *bad)
{
    CALL(braid_sendto(f->mc, "ping", 4, 0, bad, sizeof(struct sockaddr_in)));
}
static void c_sendto_tolen(fx *f, void *bad)
{
    (void)bad;
    CALL(braid_sendto(f->mc, "ping", 4, 0, (struct sockaddr *)&f->mto,
                      sizeof(struct sockaddr_storage) + 1));
}
static void c_write_buf(fx *f, void *bad)
{
    CALL(braid_write(f->c, bad, 4));
}
static void c_recv_buf(fx *f, void *bad)
{
    CALL(braid_recv(f->a, bad, 64, 0));
    still_there(f->a);
}
static void c_read_buf(fx *f, void *bad)
{
    CALL(braid_read(f->a, bad, 64));
    still_there(f->a);
}
static void c_recvfrom_buf(fx *f, void *bad)
{
    struct sockaddr_in from;
    socklen_t fl = sizeof from;
    CALL(braid_recvfrom(f->a, bad, 64, 0, (struct sockaddr *)&from, &fl));
    still_there(f->a);
}
static void c_recvfrom_from(fx *f, void *bad)
{
    char b[64];
    socklen_t fl = sizeof(struct sockaddr_in);
    CALL(braid_recvfrom(f->a, b, sizeof b, 0, bad, &fl));
    taken(f->a);
}
static void c_recvfrom_fromlen(fx *f, void *bad)
{
    char b[64];
    struct sockaddr_in from;
    CALL(braid_recvfrom(f->a, b, sizeof b, 0, (struct sockaddr *)&from, bad));
    taken(f->a);
}

static void c_setsockopt_optval(fx *f, void *bad)
{
    CALL(braid_setsockopt(f->s, IPPROTO_SCTP, SCTP_RTOINFO, bad, sizeof(struct sctp_rtoinfo)));
    struct sctp_rtoinfo r;
    memset(&r, 0, sizeof r);
    r.srto_initial = 1234;
    CHECK_EQ(braid_setsockopt(f->s, IPPROTO_SCTP, SCTP_RTOINFO, &r, sizeof r), 0);
}
static void c_getsockopt_optval(fx *f, void *bad)
{
    socklen_t l = sizeof(struct sctp_status);
    CALL(braid_getsockopt(f->c, IPPROTO_SCTP, SCTP_STATUS, bad, &l));
}
static void c_getsockopt_short(fx *f, void *bad)
{
    /* optlen longer than the buffer, which ends where the mapping does: as
     * Linux, only the option's int is touched */
    long pg = sysconf(_SC_PAGESIZE);
    uint8_t *p =
        mmap(NULL, (size_t)pg * 2, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(p != MAP_FAILED);
    (void)bad;
    munmap(p + pg, (size_t)pg);
    socklen_t l = 64;
    CALL(braid_getsockopt(f->c, SOL_SOCKET, SO_RCVBUF, p + pg - sizeof(int), &l));
    CHECK_EQ(l, sizeof(int));
    int v;
    memcpy(&v, p + pg - sizeof(int), sizeof v);
    CHECK(v > 0);
}
static void c_getsockopt_optlen(fx *f, void *bad)
{
    struct sctp_status st;
    memset(&st, 0, sizeof st);
    CALL(braid_getsockopt(f->c, IPPROTO_SCTP, SCTP_STATUS, &st, bad));
}
static void c_getsockname_addr(fx *f, void *bad)
{
    socklen_t l = sizeof(struct sockaddr_in);
    CALL(braid_getsockname(f->l, bad, &l));
}
static void c_getsockname_addrlen(fx *f, void *bad)
{
    struct sockaddr_in a;
    CALL(braid_getsockname(f->l, (struct sockaddr *)&a, bad));
}
static void c_getsockname_addrlen_neg(fx *f, void *bad)
{
    (void)bad;
    struct sockaddr_in a;
    socklen_t l = (socklen_t)-1;
    CALL(braid_getsockname(f->l, (struct sockaddr *)&a, &l));
}
static void c_getpeername_addr(fx *f, void *bad)
{
    socklen_t l = sizeof(struct sockaddr_in);
    CALL(braid_getpeername(f->c, bad, &l));
}
static void c_getpeername_addrlen(fx *f, void *bad)
{
    struct sockaddr_in a;
    CALL(braid_getpeername(f->c, (struct sockaddr *)&a, bad));
}

/* ---- the lksctp calls ---- */

static void c_bindx_addrs(fx *f, void *bad)
{
    CALL(sctp_bindx(f->s, bad, 1, SCTP_BINDX_ADD_ADDR));
}
static void c_bindx_addrs_second(fx *f, void *bad)
{
    /* the first address readable, the second not: where it ends */
    long pg = sysconf(_SC_PAGESIZE);
    uint8_t *p =
        mmap(NULL, (size_t)pg * 2, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(p != MAP_FAILED);
    (void)bad;
    munmap(p + pg, (size_t)pg);
    struct sockaddr_in a = loopback(0);
    memcpy(p + pg - sizeof a, &a, sizeof a);
    CALL(sctp_bindx(f->s, (struct sockaddr *)(p + pg - sizeof a), 2, SCTP_BINDX_ADD_ADDR));
}
static void c_bindx_addrs_v6_cut(fx *f, void *bad)
{
    /* an IPv6 address whose end lies in an unmapped page */
    long pg = sysconf(_SC_PAGESIZE);
    uint8_t *p =
        mmap(NULL, (size_t)pg * 2, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(p != MAP_FAILED);
    (void)bad;
    munmap(p + pg, (size_t)pg);
    struct sockaddr_in6 a6;
    memset(&a6, 0, sizeof a6);
    a6.sin6_family = AF_INET6;
    memcpy(p + pg - 20, &a6, 20);
    CALL(sctp_bindx(f->sm, (struct sockaddr *)(p + pg - 20), 1, SCTP_BINDX_ADD_ADDR));
}
static void c_connectx_addrs(fx *f, void *bad)
{
    CALL(sctp_connectx(f->s, bad, 1, NULL));
    no_association(f->s);
}
static void c_connectx_id(fx *f, void *bad)
{
    CALL(sctp_connectx(f->s, (struct sockaddr *)&f->lto, 1, bad));
    no_association(f->s); /* checked before anything started */
    sctp_assoc_t id = 0;
    CHECK_EQ(sctp_connectx(f->s, (struct sockaddr *)&f->lto, 1, &id), 0);
    CHECK(id != 0);
}
static void c_opt_info_arg(fx *f, void *bad)
{
    socklen_t l = sizeof(struct sctp_status);
    CALL(sctp_opt_info(f->c, 0, SCTP_STATUS, bad, &l));
}
static void c_opt_info_size(fx *f, void *bad)
{
    struct sctp_status st;
    memset(&st, 0, sizeof st);
    CALL(sctp_opt_info(f->c, 0, SCTP_STATUS, &st, bad));
}
static void c_getpaddrs_addrs(fx *f, void *bad)
{
    CALL(sctp_getpaddrs(f->c, 0, bad));
}
static void c_getladdrs_addrs(fx *f, void *bad)
{
    CALL(sctp_getladdrs(f->c, 0, bad));
}
static void c_sctp_sendmsg_msg(fx *f, void *bad)
{
    CALL(sctp_sendmsg(f->mc, bad, 4, (struct sockaddr *)&f->mto, sizeof f->mto, 0, 0, 0, 0, 0));
}
static void c_sctp_sendmsg_to(fx *f, void *bad)
{
    CALL(sctp_sendmsg(f->mc, "ping", 4, bad, sizeof(struct sockaddr_in), 0, 0, 0, 0, 0));
}
static void c_sctp_send_msg(fx *f, void *bad)
{
    CALL(sctp_send(f->c, bad, 4, NULL, MSG_NOSIGNAL));
}
static void c_sctp_send_sinfo(fx *f, void *bad)
{
    CALL(sctp_send(f->c, "ping", 4, bad, MSG_NOSIGNAL));
}
static void c_sendv_iov(fx *f, void *bad)
{
    CALL(sctp_sendv(f->c, bad, 1, NULL, 0, NULL, 0, SCTP_SENDV_NOINFO, MSG_NOSIGNAL));
}
static void c_sendv_iov_base(fx *f, void *bad)
{
    struct iovec iov = {bad, 4};
    CALL(sctp_sendv(f->c, &iov, 1, NULL, 0, NULL, 0, SCTP_SENDV_NOINFO, MSG_NOSIGNAL));
}
static void c_sendv_addrs(fx *f, void *bad)
{
    struct iovec iov = {(void *)(uintptr_t) "ping", 4};
    CALL(sctp_sendv(f->mc, &iov, 1, bad, 1, NULL, 0, SCTP_SENDV_NOINFO, 0));
}
static void c_sendv_info(fx *f, void *bad)
{
    struct iovec iov = {(void *)(uintptr_t) "ping", 4};
    CALL(sctp_sendv(f->c, &iov, 1, NULL, 0, bad, sizeof(struct sctp_sndinfo), SCTP_SENDV_SNDINFO,
                    MSG_NOSIGNAL));
}
static void c_sctp_recvmsg_msg(fx *f, void *bad)
{
    int fl = 0;
    CALL(sctp_recvmsg(f->m, bad, 64, NULL, NULL, NULL, &fl));
    still_there(f->m);
}
static void c_sctp_recvmsg_from(fx *f, void *bad)
{
    char b[64];
    socklen_t fl = sizeof(struct sockaddr_in);
    int mf = 0;
    CALL(sctp_recvmsg(f->m, b, sizeof b, bad, &fl, NULL, &mf));
    taken(f->m); /* recvmsg's msg_name */
}
static void c_sctp_recvmsg_fromlen(fx *f, void *bad)
{
    char b[64];
    struct sockaddr_in from;
    int mf = 0;
    CALL(sctp_recvmsg(f->m, b, sizeof b, (struct sockaddr *)&from, bad, NULL, &mf));
    still_there(f->m);
}
static void c_sctp_recvmsg_sinfo(fx *f, void *bad)
{
    char b[64];
    int mf = 0;
    CALL(sctp_recvmsg(f->m, b, sizeof b, NULL, NULL, bad, &mf));
    still_there(f->m);
}
static void c_sctp_recvmsg_flags(fx *f, void *bad)
{
    char b[64];
    CALL(sctp_recvmsg(f->m, b, sizeof b, NULL, NULL, NULL, bad));
    still_there(f->m);
}
/* sctp_recvv on m with everything given, one argument replaced */
enum { RV_IOV, RV_IOV_BASE, RV_FROM, RV_FROMLEN, RV_INFO, RV_INFOLEN, RV_INFOTYPE, RV_FLAGS };
static void recvv_with(fx *f, void *bad, int which)
{
    char b[64];
    struct iovec iov = {which == RV_IOV_BASE ? bad : b, sizeof b};
    struct sockaddr_in from;
    socklen_t fl = sizeof from;
    struct sctp_rcvinfo ri;
    socklen_t il = sizeof ri;
    unsigned it = 0;
    int flags = 0;
    CALL(sctp_recvv(f->m, which == RV_IOV ? bad : &iov, 1,
                    which == RV_FROM ? bad : (struct sockaddr *)&from,
                    which == RV_FROMLEN ? bad : &fl, which == RV_INFO ? bad : &ri,
                    which == RV_INFOLEN ? bad : &il, which == RV_INFOTYPE ? bad : &it,
                    which == RV_FLAGS ? bad : &flags));
    if (which == RV_FROM)
        taken(f->m);
    else
        still_there(f->m);
}
static void c_recvv_iov(fx *f, void *bad)
{
    recvv_with(f, bad, RV_IOV);
}
static void c_recvv_iov_base(fx *f, void *bad)
{
    recvv_with(f, bad, RV_IOV_BASE);
}
static void c_recvv_from(fx *f, void *bad)
{
    recvv_with(f, bad, RV_FROM);
}
static void c_recvv_fromlen(fx *f, void *bad)
{
    recvv_with(f, bad, RV_FROMLEN);
}
static void c_recvv_info(fx *f, void *bad)
{
    recvv_with(f, bad, RV_INFO);
}
static void c_recvv_infolen(fx *f, void *bad)
{
    recvv_with(f, bad, RV_INFOLEN);
}
static void c_recvv_infotype(fx *f, void *bad)
{
    recvv_with(f, bad, RV_INFOTYPE);
}
static void c_recvv_flags(fx *f, void *bad)
{
    recvv_with(f, bad, RV_FLAGS);
}

/* ---- the table ---- */

typedef struct ucase {
    const char *call, *arg;
    void (*fn)(fx *f, void *bad);
    unsigned need;  /* N_*: the sockets it needs */
    unsigned kinds; /* K_*: the bad pointers it is tried with */
    int err;        /* Linux's errno (0: the call succeeds) */
    unsigned flags; /* F_* */
} ucase;

#define KR (K_KERNEL)
#define KRN (K_KERNEL | K_NULL)
#define KIN (K_KERNEL | K_NULL | K_UNMAPPED)              /* read by the call */
#define KOUT (K_KERNEL | K_UNMAPPED | K_RDONLY)           /* written */
#define KOUTN (K_KERNEL | K_NULL | K_UNMAPPED | K_RDONLY) /* written, NULL not allowed */

static const ucase g_cases[] = {
    /* socket calls (<braid/compat.h>) */
    {"bind", "addr", c_bind_addr, N_FRESH, KIN, EFAULT, F_COPY},
    {"bind", "addrlen > sockaddr_storage", c_bind_addrlen, N_FRESH, K_VALUE, EINVAL, 0},
    {"connect", "addr", c_connect_addr, N_FRESH, KIN, EFAULT, F_COPY},
    {"accept", "addr", c_accept_addr, N_LISTEN, KOUT, EFAULT, F_COPY},
    {"accept", "addrlen", c_accept_addrlen, N_LISTEN, KOUTN, EFAULT, F_COPY},
    {"accept", "*addrlen < 0", c_accept_addrlen_neg, N_LISTEN, K_VALUE, EINVAL, 0},
    {"sendmsg", "msg", c_sendmsg_msg, N_PAIR, KRN, EFAULT, 0},
    {"sendmsg", "msg_name", c_sendmsg_name, N_MANY, KR, EFAULT, 0},
    {"sendmsg", "msg_iov", c_sendmsg_iov, N_PAIR, KRN, EFAULT, 0},
    {"sendmsg", "msg_iov[1].iov_base", c_sendmsg_iov_base, N_PAIR, KRN, EFAULT, 0},
    {"sendmsg", "msg_control", c_sendmsg_control, N_PAIR, KRN, EFAULT, 0},
    {"sendmsg", "msg_iovlen > UIO_MAXIOV", c_sendmsg_iovlen, N_PAIR, K_VALUE, EMSGSIZE, 0},
    {"sendmsg", "iov_len < 0", c_sendmsg_iov_len, N_PAIR, K_VALUE, EINVAL, 0},
    {"sendmsg", "msg_controllen > INT_MAX", c_sendmsg_controllen, N_PAIR, K_VALUE, ENOBUFS, 0},
    {"recvmsg", "msg", c_recvmsg_msg, N_PAIR, KRN, EFAULT, 0},
    {"recvmsg", "msg_iov", c_recvmsg_iov, N_PAIR, KRN, EFAULT, 0},
    {"recvmsg", "msg_iov[0].iov_base", c_recvmsg_iov_base, N_PAIR, KRN, EFAULT, 0},
    {"recvmsg", "msg_name", c_recvmsg_name, N_PAIR, KR, EFAULT, 0},
    {"recvmsg", "msg_namelen < 0", c_recvmsg_namelen, N_PAIR, K_VALUE, EINVAL, 0},
    {"recvmsg", "msg_control", c_recvmsg_control, N_PAIR, KR, 0, 0},
    {"send", "buf", c_send_buf, N_PAIR, KRN, EFAULT, 0},
    {"sendto", "buf", c_sendto_buf, N_MANY, KRN, EFAULT, 0},
    {"sendto", "to", c_sendto_to, N_MANY, KR, EFAULT, 0},
    {"sendto", "tolen > sockaddr_storage", c_sendto_tolen, N_MANY, K_VALUE, EINVAL, 0},
    {"write", "buf", c_write_buf, N_PAIR, KRN, EFAULT, 0},
    {"recv", "buf", c_recv_buf, N_PAIR, KRN, EFAULT, 0},
    {"read", "buf", c_read_buf, N_PAIR, KRN, EFAULT, 0},
    {"recvfrom", "buf", c_recvfrom_buf, N_PAIR, KRN, EFAULT, 0},
    {"recvfrom", "from", c_recvfrom_from, N_PAIR, KR, EFAULT, 0},
    {"recvfrom", "fromlen", c_recvfrom_fromlen, N_PAIR, KRN, EFAULT, 0},
    {"setsockopt", "optval", c_setsockopt_optval, N_FRESH, KIN, EFAULT, F_COPY},
    {"getsockopt", "optval", c_getsockopt_optval, N_PAIR, KOUTN, EFAULT, F_COPY},
    {"getsockopt", "optval shorter than optlen", c_getsockopt_short, N_PAIR, K_VALUE, 0, F_COPY},
    {"getsockopt", "optlen", c_getsockopt_optlen, N_PAIR, KOUTN, EFAULT, F_COPY},
    {"getsockname", "addr", c_getsockname_addr, N_LISTEN, KOUTN, EFAULT, F_COPY},
    {"getsockname", "addrlen", c_getsockname_addrlen, N_LISTEN, KOUTN, EFAULT, F_COPY},
    {"getsockname", "*addrlen < 0", c_getsockname_addrlen_neg, N_LISTEN, K_VALUE, EINVAL, 0},
    {"getpeername", "addr", c_getpeername_addr, N_PAIR, KOUTN, EFAULT, F_COPY},
    {"getpeername", "addrlen", c_getpeername_addrlen, N_PAIR, KOUTN, EFAULT, F_COPY},
    /* lksctp calls (<braid/sctp.h>) */
    {"sctp_bindx", "addrs", c_bindx_addrs, N_FRESH, KIN, EFAULT, F_COPY},
    {"sctp_bindx", "addrs[1]", c_bindx_addrs_second, N_FRESH, K_VALUE, EFAULT, F_COPY},
    {"sctp_bindx", "addrs[0] (IPv6, cut)", c_bindx_addrs_v6_cut, N_FRESH, K_VALUE, EFAULT, F_COPY},
    {"sctp_connectx", "addrs", c_connectx_addrs, N_FRESH, KIN, EFAULT, F_COPY},
    {"sctp_connectx", "id", c_connectx_id, N_FRESH | N_LISTEN, KOUT, EFAULT, F_COPY},
    {"sctp_opt_info", "arg", c_opt_info_arg, N_PAIR, KOUTN, EFAULT, F_COPY},
    {"sctp_opt_info", "size", c_opt_info_size, N_PAIR, KOUTN, EFAULT, F_COPY},
    {"sctp_getpaddrs", "addrs", c_getpaddrs_addrs, N_PAIR, KOUTN, EFAULT, F_COPY},
    {"sctp_getladdrs", "addrs", c_getladdrs_addrs, N_PAIR, KOUTN, EFAULT, F_COPY},
    {"sctp_sendmsg", "msg", c_sctp_sendmsg_msg, N_MANY, KRN, EFAULT, 0},
    {"sctp_sendmsg", "to", c_sctp_sendmsg_to, N_MANY, KR, EFAULT, 0},
    {"sctp_send", "msg", c_sctp_send_msg, N_PAIR, KRN, EFAULT, 0},
    {"sctp_send", "sinfo", c_sctp_send_sinfo, N_PAIR, KR, EFAULT, 0},
    {"sctp_sendv", "iov", c_sendv_iov, N_PAIR, KR, EFAULT, 0},
    {"sctp_sendv", "iov[0].iov_base", c_sendv_iov_base, N_PAIR, KRN, EFAULT, 0},
    {"sctp_sendv", "addrs", c_sendv_addrs, N_MANY, KR, EFAULT, 0},
    {"sctp_sendv", "info", c_sendv_info, N_PAIR, KR, EFAULT, 0},
    {"sctp_recvmsg", "msg", c_sctp_recvmsg_msg, N_MANY, KRN, EFAULT, 0},
    {"sctp_recvmsg", "from", c_sctp_recvmsg_from, N_MANY, KR, EFAULT, 0},
    {"sctp_recvmsg", "fromlen", c_sctp_recvmsg_fromlen, N_MANY, KR, EFAULT, 0},
    {"sctp_recvmsg", "sinfo", c_sctp_recvmsg_sinfo, N_MANY, KR, EFAULT, 0},
    {"sctp_recvmsg", "msg_flags", c_sctp_recvmsg_flags, N_MANY, KR, EFAULT, 0},
    {"sctp_recvv", "iov", c_recvv_iov, N_MANY, KR, EFAULT, 0},
    {"sctp_recvv", "iov[0].iov_base", c_recvv_iov_base, N_MANY, KRN, EFAULT, 0},
    {"sctp_recvv", "from", c_recvv_from, N_MANY, KR, EFAULT, 0},
    {"sctp_recvv", "fromlen", c_recvv_fromlen, N_MANY, KR, EFAULT, 0},
    {"sctp_recvv", "info", c_recvv_info, N_MANY, KR, EFAULT, 0},
    {"sctp_recvv", "infolen", c_recvv_infolen, N_MANY, KR, EFAULT, 0},
    {"sctp_recvv", "infotype", c_recvv_infotype, N_MANY, KR, EFAULT, 0},
    {"sctp_recvv", "flags", c_recvv_flags, N_MANY, KR, EFAULT, 0},
};

/* One try in a process of its own: true when it passed. */
static bool run_one(const ucase *c, int kind, bool pipe)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        check_failed_ = check_total_ = 0;
        alarm(PROC_ALARM_S);
        uaccess_force_pipe(pipe);
        fx f;
        fx_build(&f, c->need);
        void *bad = bad_ptr(kind);
        CHECK(bad != NULL || kind == K_NULL || kind == K_VALUE);
        f.rc = 0;
        f.err = 0;
        errno = 0;
        c->fn(&f, bad);
        if (c->err) {
            CHECK_EQ(f.rc, -1);
            CHECK_EQ(f.err, c->err);
        } else {
            CHECK(f.rc >= 0);
        }
        if ((c->err && (f.rc != -1 || f.err != c->err)) || (!c->err && f.rc < 0))
            fprintf(stderr, "  %s(%s): %ld, errno %d (%s), wanted %s\n", c->call, c->arg, f.rc,
                    f.err, strerror(f.err), c->err ? strerror(c->err) : "success");
        fflush(NULL);
        exit(check_failed_ ? 1 : 0);
    }
    char what[160];
    snprintf(what, sizeof what, "%s(%s: %s)%s", c->call, c->arg, kind_name(kind),
             pipe ? " [pipe]" : "");
    bool ok = reap(pid, (PROC_ALARM_S + 2) * 1000, what);
    printf("%s %s\n", ok ? "ok  " : "FAIL", what);
    return ok;
}

static void test_table(bool pipe)
{
    for (size_t i = 0; i < sizeof g_cases / sizeof g_cases[0]; i++) {
        const ucase *c = &g_cases[i];
        if (pipe && !(c->flags & F_COPY))
            continue;
        for (int k = 1; k <= K_VALUE; k <<= 1) {
            if (!(c->kinds & (unsigned)k))
                continue;
            check_total_++;
            if (!run_one(c, k, pipe))
                check_failed_++;
        }
    }
}

/* ---- the mechanism itself ---- */

static void test_uaccess(void)
{
    long pg = sysconf(_SC_PAGESIZE);
    uint8_t *ro = rdonly_page();
    uint8_t *hole = unmapped_page(); /* last: a page mapped later could fill it */
    CHECK(hole && ro);
    /* the range check */
    CHECK(uaccess_ok(NULL, 0));
    CHECK(!uaccess_ok(NULL, 1));
    CHECK(!uaccess_ok((void *)16, 4)); /* the first page */
    CHECK(!uaccess_ok((void *)(uintptr_t)-1, 0));
    CHECK(!uaccess_ok((void *)(uintptr_t)-1, 1));
    CHECK(!uaccess_ok(ro, SIZE_MAX));
    CHECK(uaccess_ok(ro, (size_t)pg));
    CHECK(uaccess_ok(hole, 1)); /* in user space: only a real access tells */
#if defined(__x86_64__)
    CHECK(!uaccess_ok((void *)0x00007ffffffffff0ull, 32)); /* crosses the end */
    CHECK(!uaccess_ok((void *)0xffff888000000000ull, 8));  /* the kernel's half */
#endif
    for (int pipe = 0; pipe < 2; pipe++) {
        uaccess_force_pipe(pipe);
        uint8_t buf[64], x[64];
        memset(x, 7, sizeof x);
        CHECK_EQ(uaccess_read(buf, x, sizeof x), 0);
        CHECK_MEM(buf, x, sizeof x);
        CHECK_EQ(uaccess_read(buf, hole, 1), -EFAULT);
        CHECK_EQ(uaccess_read(buf, (void *)(uintptr_t)-1, 1), -EFAULT);
        CHECK_EQ(uaccess_read(buf, ro, 16), 0);
        /* a buffer readable in part: the part before the hole */
        uint8_t *edge =
            mmap(NULL, (size_t)pg * 2, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        CHECK(edge != MAP_FAILED);
        munmap(edge + pg, (size_t)pg);
        memset(edge + pg - 10, 9, 10);
        CHECK_EQ(uaccess_read_prefix(buf, edge + pg - 10, 64), 10);
        CHECK_EQ(uaccess_read(buf, edge + pg - 10, 64), -EFAULT);
        CHECK_EQ(uaccess_write(edge + pg - 10, x, 10), 0);
        CHECK_EQ(uaccess_write(edge + pg - 10, x, 11), -EFAULT);
        CHECK_EQ(uaccess_write(ro, x, 4), -EFAULT);
        CHECK_EQ(uaccess_write(hole, x, 4), -EFAULT);
        CHECK_EQ(uaccess_write(buf, x, 0), 0);
        /* a probe writes back what was there */
        memset(buf, 5, sizeof buf);
        CHECK_EQ(uaccess_probe_write(buf, sizeof buf, x, 8), 0);
        CHECK_EQ(buf[0], 5);
        CHECK_EQ(buf[63], 5);
        CHECK_EQ(uaccess_probe_write(buf, 8, ro, 8), -EFAULT);
        CHECK_EQ(uaccess_probe_write(hole, 8, NULL, 0), -EFAULT);
        /* more than one pipe chunk */
        size_t big = 3 * 4096 + 17;
        uint8_t *a = malloc(big), *b = malloc(big);
        for (size_t i = 0; i < big; i++)
            a[i] = (uint8_t)(i * 7);
        CHECK_EQ(uaccess_read(b, a, big), 0);
        CHECK_MEM(a, b, big);
        memset(b, 0, big);
        CHECK_EQ(uaccess_write(b, a, big), 0);
        CHECK_MEM(a, b, big);
        free(a);
        free(b);
        munmap(edge, (size_t)pg);
    }
    uaccess_force_pipe(false);
}

/* ---- under a seccomp filter that kills on process_vm_readv/writev ---- */

#if defined(__x86_64__) || defined(__aarch64__)
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/syscall.h>
#if defined(__x86_64__)
#define TEST_AUDIT_ARCH AUDIT_ARCH_X86_64
#else
#define TEST_AUDIT_ARCH AUDIT_ARCH_AARCH64
#endif

static int kill_process_vm(void)
{
    struct sock_filter f[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, TEST_AUDIT_ARCH, 0, 4),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_process_vm_readv, 2, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_process_vm_writev, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
    };
    struct sock_fprog prog = {(unsigned short)(sizeof f / sizeof f[0]), f};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        return -1;
    return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0);
}

/* A program sandboxed by an allow-list (systemd's SystemCallFilter= kills
 * by default) must not die of braid's copies: it gets the pipe way. */
static void test_seccomp(void)
{
    CHECK_EQ(kill_process_vm(), 0);
    fx f;
    fx_build(&f, N_FRESH | N_PAIR);
    void *hole = unmapped_page();
    errno = 0;
    CHECK_EQ(braid_bind(f.s, hole, sizeof(struct sockaddr_in)), -1);
    CHECK_EQ(errno, EFAULT);
    struct sctp_status st;
    memset(&st, 0, sizeof st);
    socklen_t sl = sizeof st;
    CHECK_EQ(braid_getsockopt(f.c, IPPROTO_SCTP, SCTP_STATUS, &st, &sl), 0);
    CHECK_EQ(st.sstat_state, SCTP_ESTABLISHED);
    errno = 0;
    CHECK_EQ(braid_getsockopt(f.c, IPPROTO_SCTP, SCTP_STATUS, hole, &sl), -1);
    CHECK_EQ(errno, EFAULT);
    still_there(f.a);
}
#endif

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    setenv("BRAID_EXIT_LINGER_MS", "0", 1); /* each try exits at once */
    RUN_ISOLATED(test_uaccess);
#if defined(__x86_64__) || defined(__aarch64__)
    RUN_ISOLATED(test_seccomp);
#endif
    test_table(false);
    test_table(true);
    return CHECK_REPORT();
}
