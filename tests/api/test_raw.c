/* The raw IP transport (protocol 132, root only), chosen per socket with
 * BRAID_SCTP_TRANSPORT: a one-to-one pair on 127.0.0.1 exchanges data with
 * no UDP in between. Skipped (with the reason) when raw sockets are refused. */
#include "api_util.h"
#include "check.h"

static int raw_socket(void)
{
    int fd = braid_socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP);
    int raw = BRAID_TRANSPORT_RAW;
    if (fd >= 0 && braid_setsockopt(fd, IPPROTO_SCTP, BRAID_SCTP_TRANSPORT, &raw, sizeof raw) < 0) {
        braid_close(fd);
        return -1;
    }
    return fd;
}

static void test_raw_pair(void)
{
    if (geteuid() != 0) {
        printf("  skipped: raw IP needs root\n");
        CHECK(1);
        return;
    }
    int l = raw_socket();
    CHECK(l >= 0);
    struct sockaddr_in a = loopback(0);
    CHECK_EQ(braid_bind(l, (struct sockaddr *)&a, sizeof a), 0);
    if (braid_listen(l, 4) < 0) {
        printf("  skipped: raw socket refused here: %s\n", strerror(errno));
        braid_close(l);
        CHECK(1);
        return;
    }
    socklen_t len = sizeof a;
    braid_getsockname(l, (struct sockaddr *)&a, &len);
    int kind = -1;
    socklen_t kl = sizeof kind;
    CHECK_EQ(braid_getsockopt(l, IPPROTO_SCTP, BRAID_SCTP_TRANSPORT, &kind, &kl), 0);
    CHECK_EQ(kind, BRAID_TRANSPORT_RAW);
    int c = raw_socket();
    CHECK(c >= 0);
    struct sockaddr_in sa = loopback(ntohs(a.sin_port));
    CHECK_EQ(braid_connect(c, (struct sockaddr *)&sa, sizeof sa), 0);
    int s = braid_accept(l, NULL, NULL);
    CHECK(s >= 0);
    char buf[4096], big[3000];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (char)(i * 7);
    CHECK_EQ(braid_send(c, big, sizeof big, 0), (ssize_t)sizeof big);
    CHECK_EQ(braid_recv(s, buf, sizeof buf, 0), (ssize_t)sizeof big);
    CHECK_MEM(buf, big, sizeof big);
    /* the option cannot change once the socket runs */
    int udp = BRAID_TRANSPORT_UDP;
    errno = 0;
    CHECK_EQ(braid_setsockopt(c, IPPROTO_SCTP, BRAID_SCTP_TRANSPORT, &udp, sizeof udp), -1);
    CHECK_EQ(errno, EISCONN);
    braid_close(c);
    braid_close(s);
    braid_close(l);
}

int main(void)
{
    RUN(test_raw_pair);
    return CHECK_REPORT();
}
