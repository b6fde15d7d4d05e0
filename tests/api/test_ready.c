/* Readiness and blocking: epoll on braid descriptors (EPOLLIN for a message
 * or a notification, EPOLLOUT once a one-to-one socket is connected and not
 * before), non-blocking connect, O_NONBLOCK and MSG_DONTWAIT, SO_RCVTIMEO and
 * SO_SNDTIMEO. The peer is another process; SIGSTOP freezes it where a test
 * needs the network to stand still. */
#include "api_proc.h"

#include <sys/epoll.h>

#define NOTE(buf) ((union sctp_notification *)(void *)(buf))

typedef struct ports {
    uint16_t sport, uport;
} ports;

/* epoll_wait for one descriptor: the events, 0 on timeout */
static uint32_t wait_events(int ep, int timeout_ms)
{
    struct epoll_event ev;
    int n = epoll_wait(ep, &ev, 1, timeout_ms);
    return n == 1 ? ev.events : 0;
}

static int epoll_for(int fd, uint32_t events)
{
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = {.events = events, .data.fd = fd};
    CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev), 0);
    return ep;
}

/* A peer that connects when told, sends "ping" when told, then waits. */
static void pinger(int ctl, void *arg)
{
    ports *p = arg;
    CTL_EXPECT(ctl, 1);
    int c = client(SOCK_STREAM, p->uport);
    CHECK_EQ(connect_to(c, p->sport), 0);
    ctl_send(ctl, 2);
    CTL_EXPECT(ctl, 3);
    CHECK_EQ(braid_send(c, "ping", 4, 0), 4);
    CTL_EXPECT(ctl, 4);
    CHECK_EQ(braid_shutdown(c, SHUT_WR), 0);
    char buf[16];
    /* the shutdown is complete: as Linux, our own shutdown ends reads with
     * ENOTCONN (only the peer's SHUTDOWN ends them with 0) */
    errno = 0;
    CHECK_EQ(braid_recv(c, buf, sizeof buf, 0), -1);
    CHECK_EQ(errno, ENOTCONN);
    braid_close(c);
}

static void test_epoll_in_one_to_many(void)
{
    ports p = {free_udp_port(), free_udp_port()};
    int ctl = -1;
    pid_t peer = spawn(pinger, &p, &ctl);
    int s = serve(SOCK_SEQPACKET, p.sport, p.uport);
    uint16_t types[] = {SCTP_ASSOC_CHANGE};
    CHECK_EQ(subscribe(s, types, 1), 0);
    int ep = epoll_for(s, EPOLLIN);
    CHECK_EQ(wait_events(ep, 100), 0); /* nothing yet */
    ctl_send(ctl, 1);
    CTL_EXPECT(ctl, 2);
    /* a notification makes it readable */
    CHECK_EQ(wait_events(ep, 2000), EPOLLIN);
    char buf[256];
    int fl;
    CHECK(braid_recv(s, buf, sizeof buf, MSG_DONTWAIT) > 0);
    CHECK_EQ(wait_events(ep, 100), 0); /* read: not readable any more */
    /* a message makes it readable */
    ctl_send(ctl, 3);
    CHECK_EQ(wait_events(ep, 2000), EPOLLIN);
    CHECK_EQ(rcv(s, buf, sizeof buf, &fl, NULL), 4);
    CHECK(!(fl & MSG_NOTIFICATION));
    CHECK_EQ(wait_events(ep, 100), 0);
    /* edge-triggered: a new arrival is a new edge */
    struct epoll_event ev = {.events = EPOLLIN | EPOLLET, .data.fd = s};
    CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_MOD, s, &ev), 0);
    ctl_send(ctl, 4); /* the peer closes: SHUTDOWN_COMP */
    CHECK_EQ(wait_events(ep, 2000), EPOLLIN);
    CHECK(braid_recv(s, buf, sizeof buf, MSG_DONTWAIT) > 0);
    REAP(peer);
    close(ep);
    braid_close(s);
}

/* Accepts, reads until told, replies "pong" when told. */
static void ponger(int ctl, void *arg)
{
    ports *p = arg;
    int l = serve(SOCK_STREAM, p->sport, p->uport);
    ctl_send(ctl, 1);
    int a = braid_accept(l, NULL, NULL);
    CHECK(a >= 0);
    CTL_EXPECT(ctl, 2);
    CHECK_EQ(braid_send(a, "pong", 4, 0), 4);
    CTL_EXPECT(ctl, 3);
    braid_close(a);
    braid_close(l);
}

static void test_nonblocking_connect_epollout(void)
{
    ports p = {free_udp_port(), free_udp_port()};
    int ctl = -1;
    pid_t srv = spawn(ponger, &p, &ctl);
    CTL_EXPECT(ctl, 1);
    int c = braid_socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, IPPROTO_SCTP);
    CHECK(c >= 0);
    set_udp_port(c, p.uport);
    CHECK(braid_fcntl(c, F_GETFL) & O_NONBLOCK);
    int ep = epoll_for(c, EPOLLIN | EPOLLOUT);
    /* not connected: not writable (Linux: a closed one-to-one socket) */
    CHECK_EQ(wait_events(ep, 50), 0);
    /* freeze the server: the handshake cannot finish */
    kill(srv, SIGSTOP);
    int wst;
    waitpid(srv, &wst, WUNTRACED);
    errno = 0;
    CHECK_EQ(connect_to(c, p.sport), -1);
    CHECK_EQ(errno, EINPROGRESS);
    errno = 0;
    CHECK_EQ(connect_to(c, p.sport), -1);
    CHECK_EQ(errno, EALREADY);
    CHECK_EQ(wait_events(ep, 300), 0); /* still connecting */
    kill(srv, SIGCONT);
    uint32_t e = wait_events(ep, 3000);
    CHECK_EQ(e, EPOLLOUT);
    int err = -1;
    socklen_t el = sizeof err;
    CHECK_EQ(braid_getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &el), 0);
    CHECK_EQ(err, 0);
    errno = 0;
    CHECK_EQ(connect_to(c, p.sport), -1);
    CHECK_EQ(errno, EISCONN);
    /* readable once the reply arrives */
    ctl_send(ctl, 2);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = c};
    CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_MOD, c, &ev), 0);
    CHECK_EQ(wait_events(ep, 2000), EPOLLIN);
    char buf[16];
    CHECK_EQ(braid_recv(c, buf, sizeof buf, 0), 4);
    ctl_send(ctl, 3);
    REAP(srv);
    close(ep);
    braid_close(c);
}

/* ---- O_NONBLOCK, MSG_DONTWAIT, SO_RCVTIMEO ---- */

static void late_sender(int ctl, void *arg)
{
    ports *p = arg;
    int l = serve(SOCK_STREAM, p->sport, p->uport);
    ctl_send(ctl, 1);
    int a = braid_accept(l, NULL, NULL);
    CHECK(a >= 0);
    CTL_EXPECT(ctl, 2);
    usleep(200000);
    CHECK_EQ(braid_send(a, "late", 4, 0), 4);
    CTL_EXPECT(ctl, 3);
    braid_close(a);
    braid_close(l);
}

static void test_blocking_modes_and_rcvtimeo(void)
{
    ports p = {free_udp_port(), free_udp_port()};
    int ctl = -1;
    pid_t srv = spawn(late_sender, &p, &ctl);
    CTL_EXPECT(ctl, 1);
    int c = client(SOCK_STREAM, p.uport);
    CHECK_EQ(connect_to(c, p.sport), 0);
    char buf[16];
    /* O_NONBLOCK: EAGAIN at once */
    CHECK_EQ(braid_fcntl(c, F_SETFL, braid_fcntl(c, F_GETFL) | O_NONBLOCK), 0);
    CHECK(braid_fcntl(c, F_GETFL) & O_NONBLOCK);
    uint64_t t0 = now_ms();
    errno = 0;
    CHECK_EQ(braid_recv(c, buf, sizeof buf, 0), -1);
    CHECK_EQ(errno, EAGAIN);
    CHECK(now_ms() - t0 < 100);
    CHECK_EQ(braid_fcntl(c, F_SETFL, braid_fcntl(c, F_GETFL) & ~O_NONBLOCK), 0);
    CHECK(!(braid_fcntl(c, F_GETFL) & O_NONBLOCK));
    /* MSG_DONTWAIT on a blocking socket: EAGAIN at once */
    t0 = now_ms();
    errno = 0;
    CHECK_EQ(braid_recv(c, buf, sizeof buf, MSG_DONTWAIT), -1);
    CHECK_EQ(errno, EAGAIN);
    CHECK(now_ms() - t0 < 100);
    /* SO_RCVTIMEO: EAGAIN after the timeout */
    struct timeval tv = {0, 300000};
    CHECK_EQ(braid_setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv), 0);
    struct timeval back;
    socklen_t bl = sizeof back;
    CHECK_EQ(braid_getsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &back, &bl), 0);
    CHECK_EQ(back.tv_sec, 0);
    CHECK_EQ(back.tv_usec, 300000);
    t0 = now_ms();
    errno = 0;
    CHECK_EQ(braid_recv(c, buf, sizeof buf, 0), -1);
    CHECK_EQ(errno, EAGAIN);
    uint64_t took = now_ms() - t0;
    CHECK(took >= 290);
    CHECK(took < 1500);
    /* blocking: waits for what comes */
    tv.tv_sec = 5;
    tv.tv_usec = 0;
    CHECK_EQ(braid_setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv), 0);
    ctl_send(ctl, 2);
    t0 = now_ms();
    CHECK_EQ(braid_recv(c, buf, sizeof buf, 0), 4);
    took = now_ms() - t0;
    CHECK(took >= 150);
    CHECK(took < 3000);
    /* a bad timeval */
    tv.tv_sec = 0;
    tv.tv_usec = 2000000;
    errno = 0;
    CHECK_EQ(braid_setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv), -1);
    CHECK_EQ(errno, EDOM);
    ctl_send(ctl, 3);
    REAP(srv);
    braid_close(c);
}

/* ---- a full send buffer: EAGAIN, SO_SNDTIMEO, EPOLLOUT ---- */

static void frozen_server(int ctl, void *arg)
{
    ports *p = arg;
    int l = serve(SOCK_STREAM, p->sport, p->uport);
    ctl_send(ctl, 1);
    int a = braid_accept(l, NULL, NULL);
    CHECK(a >= 0);
    ctl_send(ctl, 2);
    ctl_recv(ctl, 15000); /* stopped meanwhile */
    braid_close(a);
    braid_close(l);
}

static void test_full_send_buffer(void)
{
    ports p = {free_udp_port(), free_udp_port()};
    int ctl = -1;
    pid_t srv = spawn(frozen_server, &p, &ctl);
    CTL_EXPECT(ctl, 1);
    int c = client(SOCK_STREAM, p.uport);
    int sb = 16384;
    CHECK_EQ(braid_setsockopt(c, SOL_SOCKET, SO_SNDBUF, &sb, sizeof sb), 0);
    CHECK_EQ(connect_to(c, p.sport), 0);
    CTL_EXPECT(ctl, 2);
    int ep = epoll_for(c, EPOLLOUT);
    CHECK_EQ(wait_events(ep, 1000), EPOLLOUT); /* connected: writable */
    kill(srv, SIGSTOP);
    int wst;
    waitpid(srv, &wst, WUNTRACED);
    /* non-blocking sends fill the buffer, then EAGAIN */
    char m[4000];
    memset(m, 'x', sizeof m);
    int sent = 0;
    for (int i = 0; i < 64; i++) {
        ssize_t n = braid_send(c, m, sizeof m, MSG_DONTWAIT);
        if (n < 0) {
            CHECK_EQ(errno, EAGAIN);
            break;
        }
        CHECK_EQ(n, (ssize_t)sizeof m);
        sent++;
    }
    CHECK(sent >= 2);
    CHECK(sent < 64);
    /* (writable while any space is left, as Linux: fill it up) */
    for (size_t len = 1000; len; len /= 10)
        while (braid_send(c, m, len, MSG_DONTWAIT) == (ssize_t)len)
            ;
    CHECK_EQ(errno, EAGAIN);
    CHECK_EQ(wait_events(ep, 100), 0); /* full: not writable */
    /* blocking with SO_SNDTIMEO: EAGAIN after the timeout */
    struct timeval tv = {0, 300000};
    CHECK_EQ(braid_setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv), 0);
    uint64_t t0 = now_ms();
    errno = 0;
    CHECK_EQ(braid_send(c, m, sizeof m, 0), -1);
    CHECK_EQ(errno, EAGAIN);
    uint64_t took = now_ms() - t0;
    CHECK(took >= 290);
    CHECK(took < 1500);
    /* the peer wakes up and acknowledges: writable again */
    kill(srv, SIGCONT);
    CHECK_EQ(wait_events(ep, 5000), EPOLLOUT);
    tv.tv_sec = 5;
    tv.tv_usec = 0;
    CHECK_EQ(braid_setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv), 0);
    CHECK_EQ(braid_send(c, m, sizeof m, 0), (ssize_t)sizeof m);
    ctl_send(ctl, 3);
    REAP(srv);
    close(ep);
    braid_close(c);
}

/* ---- accept: non-blocking, and readiness of the listener ---- */

static void connector(int ctl, void *arg)
{
    ports *p = arg;
    CTL_EXPECT(ctl, 1);
    int c = client(SOCK_STREAM, p->uport);
    CHECK_EQ(connect_to(c, p->sport), 0);
    CTL_EXPECT(ctl, 2);
    braid_close(c);
}

static void test_accept_readiness(void)
{
    ports p = {free_udp_port(), free_udp_port()};
    int ctl = -1;
    pid_t peer = spawn(connector, &p, &ctl);
    int l = serve(SOCK_STREAM, p.sport, p.uport);
    CHECK_EQ(braid_fcntl(l, F_SETFL, O_NONBLOCK), 0);
    errno = 0;
    CHECK_EQ(braid_accept(l, NULL, NULL), -1);
    CHECK_EQ(errno, EAGAIN);
    int ep = epoll_for(l, EPOLLIN);
    CHECK_EQ(wait_events(ep, 50), 0);
    ctl_send(ctl, 1);
    CHECK_EQ(wait_events(ep, 3000), EPOLLIN);
    int a = braid_accept(l, NULL, NULL);
    CHECK(a >= 0);
    CHECK_EQ(wait_events(ep, 50), 0);
    /* the accepted socket is connected: writable */
    int ep2 = epoll_for(a, EPOLLOUT);
    CHECK_EQ(wait_events(ep2, 1000), EPOLLOUT);
    ctl_send(ctl, 2);
    REAP(peer);
    close(ep);
    close(ep2);
    braid_close(a);
    braid_close(l);
}

/* ---- close() while another thread is blocked in a call on the socket:
 * the call goes on (until its timeout, as with the kernel), nothing is
 * freed under it ---- */

#include <pthread.h>

static void *blocked_accept(void *arg)
{
    int l = *(int *)arg;
    errno = 0;
    int r = braid_accept(l, NULL, NULL);
    return (void *)(intptr_t)(r < 0 ? errno : -1);
}

static void test_close_under_a_blocked_call(void)
{
    uint16_t up = free_udp_port();
    int l = serve(SOCK_STREAM, free_udp_port(), up);
    set_timeouts(l, 500, 500);
    pthread_t t;
    CHECK_EQ(pthread_create(&t, NULL, blocked_accept, &l), 0);
    usleep(100000); /* it waits in accept() */
    CHECK_EQ(braid_close(l), 0);
    void *res = NULL;
    pthread_join(t, &res);
    CHECK_EQ((intptr_t)res, EAGAIN);
    /* the same with exit() closing it (the thread is still inside) */
    int l2 = serve(SOCK_STREAM, free_udp_port(), free_udp_port());
    set_timeouts(l2, 2000, 2000);
    CHECK_EQ(pthread_create(&t, NULL, blocked_accept, &l2), 0);
    usleep(100000);
    /* RUN_ISOLATED's exit() now runs braid's exit handler with the thread
     * still blocked in accept() */
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    RUN_ISOLATED(test_epoll_in_one_to_many);
    RUN_ISOLATED(test_nonblocking_connect_epollout);
    RUN_ISOLATED(test_blocking_modes_and_rcvtimeo);
    RUN_ISOLATED(test_full_send_buffer);
    RUN_ISOLATED(test_accept_readiness);
    RUN_ISOLATED(test_close_under_a_blocked_call);
    return CHECK_REPORT();
}
