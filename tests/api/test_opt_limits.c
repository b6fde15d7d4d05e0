/* Regression tests for what fuzz/fuzz_opts found in the option and send
 * parsers (each failed before its fix): values outside what a running
 * endpoint takes refused at setsockopt time, not at listen; buffers, times
 * and forms of RFC 6458 options at their limits; malformed ancillary data
 * and addresses refused with EINVAL instead of read past their end. */
#include <signal.h>
#include <sys/time.h>

#include "api_util.h"
#include "check.h"

static int getint(int fd, int level, int name)
{
    int x = -1;
    socklen_t l = sizeof x;
    CHECK_EQ(braid_getsockopt(fd, level, name, &x, &l), 0);
    CHECK_EQ(l, sizeof x);
    return x;
}

/* SO_RCVBUF / SO_SNDBUF of INT_MAX: clamped (as Linux), and the socket
 * still starts (its kernel buffers are four times the size, an int). */
static void test_huge_buffers(void)
{
    int fd = braid_socket(AF_INET, SOCK_SEQPACKET, IPPROTO_SCTP);
    CHECK(fd >= 0);
    int big = 0x7fffffff;
    CHECK_EQ(braid_setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big), 0);
    CHECK_EQ(braid_setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof big), 0);
    int r = getint(fd, SOL_SOCKET, SO_RCVBUF), s = getint(fd, SOL_SOCKET, SO_SNDBUF);
    CHECK(r >= (1 << 20) && r <= 0x7fffffff / 4);
    CHECK(s >= (1 << 20) && s <= 0x7fffffff / 4);
    int up = free_udp_port();
    CHECK_EQ(braid_setsockopt(fd, IPPROTO_SCTP, BRAID_SCTP_LOCAL_UDP_PORT, &up, sizeof up), 0);
    struct sockaddr_in a = loopback(0);
    CHECK_EQ(braid_bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    CHECK_EQ(braid_listen(fd, 4), 0);
    braid_close(fd);
}

/* Settings a running endpoint refuses are refused before it runs: the
 * error comes from the setsockopt that caused it, and listen works. */
static void test_refused_before_start(void)
{
    int fd = braid_socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP);
    struct sctp_rtoinfo rto;
    memset(&rto, 0, sizeof rto);
    rto.srto_min = 5000;
    rto.srto_max = 100; /* RTO.Min above RTO.Max */
    CHECK_EQ(braid_setsockopt(fd, IPPROTO_SCTP, SCTP_RTOINFO, &rto, sizeof rto), -1);
    CHECK_EQ(errno, EINVAL);
    int seg = 0x7fff0000; /* a PMTU beyond 65535 */
    CHECK_EQ(braid_setsockopt(fd, IPPROTO_SCTP, SCTP_MAXSEG, &seg, sizeof seg), -1);
    CHECK_EQ(errno, EINVAL);
    /* sinit_max_init_timeo caps T1 only (RFC 6458 §8.1.3), not RTO.Max:
     * 10 ms is taken (as Linux) and RTO.Max stays (test_opts_linux.c) */
    struct sctp_initmsg im;
    memset(&im, 0, sizeof im);
    im.sinit_max_init_timeo = 10;
    CHECK_EQ(braid_setsockopt(fd, IPPROTO_SCTP, SCTP_INITMSG, &im, sizeof im), 0);
    socklen_t l = sizeof rto;
    CHECK_EQ(braid_getsockopt(fd, IPPROTO_SCTP, SCTP_RTOINFO, &rto, &l), 0);
    CHECK_EQ(rto.srto_min, 1000); /* unchanged */
    CHECK_EQ(rto.srto_max, 60000);
    int up = free_udp_port();
    CHECK_EQ(braid_setsockopt(fd, IPPROTO_SCTP, BRAID_SCTP_LOCAL_UDP_PORT, &up, sizeof up), 0);
    struct sockaddr_in a = loopback(0);
    CHECK_EQ(braid_bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    CHECK_EQ(braid_listen(fd, 4), 0);
    braid_close(fd);
}

/* SO_RCVTIMEO longer than 64-bit nanoseconds count: no timeout, as Linux;
 * a plain one comes back as set. */
static void test_huge_timeout(void)
{
    int fd = braid_socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP);
    struct timeval tv = {(time_t)1 << 62, 5}, back;
    socklen_t l = sizeof back;
    CHECK_EQ(braid_setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv), 0);
    CHECK_EQ(braid_getsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &back, &l), 0);
    CHECK_EQ(back.tv_sec, 0);
    CHECK_EQ(back.tv_usec, 0);
    tv.tv_sec = 86400 * 365;
    CHECK_EQ(braid_setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv), 0);
    CHECK_EQ(braid_getsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &back, &l), 0);
    CHECK_EQ(back.tv_sec, 86400 * 365);
    CHECK_EQ(back.tv_usec, 5);
    braid_close(fd);
}

/* SCTP_MAX_BURST in its RFC 6458 form (struct sctp_assoc_value) and in the
 * older int form; an int read from an unaligned buffer. */
static void test_maxburst_forms(void)
{
    int fd = braid_socket(AF_INET, SOCK_SEQPACKET, IPPROTO_SCTP);
    struct sctp_assoc_value av = {0, 7};
    CHECK_EQ(braid_setsockopt(fd, IPPROTO_SCTP, SCTP_MAX_BURST, &av, sizeof av), 0);
    memset(&av, 0xff, sizeof av);
    av.assoc_id = 0;
    socklen_t l = sizeof av;
    CHECK_EQ(braid_getsockopt(fd, IPPROTO_SCTP, SCTP_MAX_BURST, &av, &l), 0);
    CHECK_EQ(l, sizeof av);
    CHECK_EQ(av.assoc_value, 7);
    CHECK_EQ(getint(fd, IPPROTO_SCTP, SCTP_MAX_BURST), 7);
    uint8_t raw[8];
    int nine = 9;
    memcpy(raw + 1, &nine, sizeof nine);
    CHECK_EQ(braid_setsockopt(fd, IPPROTO_SCTP, SCTP_MAX_BURST, raw + 1, sizeof nine), 0);
    CHECK_EQ(getint(fd, IPPROTO_SCTP, SCTP_MAX_BURST), 9);
    braid_close(fd);
}

static ssize_t send_ctl(int fd, const void *ctl, size_t cl, const void *name, socklen_t nl)
{
    char data[4] = "abc";
    struct iovec iov = {data, sizeof data};
    struct msghdr m;
    memset(&m, 0, sizeof m);
    m.msg_name = (void *)(uintptr_t)name;
    m.msg_namelen = nl;
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = (void *)(uintptr_t)ctl;
    m.msg_controllen = cl;
    return braid_sendmsg(fd, &m, MSG_DONTWAIT | MSG_NOSIGNAL);
}

/* Ancillary data whose header claims more than the control buffer holds,
 * or less than its type's structure, and a name shorter than its family:
 * EINVAL, nothing read beyond them (ASan build). */
static void test_malformed_cmsg_and_name(void)
{
    int fd = braid_socket(AF_INET, SOCK_SEQPACKET, IPPROTO_SCTP);
    size_t cl = CMSG_LEN(4); /* one header and 4 bytes, exactly */
    struct cmsghdr *h = malloc(cl);
    memset(h, 0, cl);
    h->cmsg_level = IPPROTO_SCTP;
    h->cmsg_type = SCTP_SNDRCV;
    h->cmsg_len = CMSG_LEN(sizeof(struct sctp_sndrcvinfo)); /* lies */
    CHECK_EQ(send_ctl(fd, h, cl, NULL, 0), -1);
    CHECK_EQ(errno, EINVAL);
    h->cmsg_type = SCTP_PRINFO; /* 4 bytes of an 8-byte structure */
    h->cmsg_len = cl;
    CHECK_EQ(send_ctl(fd, h, cl, NULL, 0), -1);
    CHECK_EQ(errno, EINVAL);
    free(h);
    uint8_t *name = malloc(1);
    name[0] = AF_INET;
    CHECK_EQ(send_ctl(fd, NULL, 0, name, 1), -1);
    CHECK_EQ(errno, EINVAL);
    free(name);
    braid_close(fd);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    RUN(test_huge_buffers);
    RUN(test_refused_before_start);
    RUN(test_huge_timeout);
    RUN(test_maxburst_forms);
    RUN(test_malformed_cmsg_and_name);
    return CHECK_REPORT();
}
