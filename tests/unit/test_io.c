/* Transports (src/io): UDP (RFC 6951), raw IP, in-process, pcap, hooks. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

#include "core/wire/pkt.h"
#include "io/io.h"

#define BUFSZ 2048

static braid_addr v4(const char *s, uint16_t port)
{
    braid_addr a;
    memset(&a, 0, sizeof a);
    a.family = 4;
    inet_pton(AF_INET, s, a.ip);
    a.udp_port = port;
    return a;
}

static braid_addr v6(const char *s, uint16_t port)
{
    braid_addr a;
    memset(&a, 0, sizeof a);
    a.family = 6;
    inet_pton(AF_INET6, s, a.ip);
    a.udp_port = port;
    return a;
}

static int addr_same(const braid_addr *a, const braid_addr *b)
{
    return a->family == b->family && memcmp(a->ip, b->ip, a->family == 6 ? 16 : 4) == 0 &&
           a->udp_port == b->udp_port;
}

/* Receive slots with their own buffers. */
typedef struct slots {
    braid_io_pkt p[256];
    uint8_t *bufs[256];
} slots;

static void slots_init(slots *s, size_t cap)
{
    for (int i = 0; i < 256; i++) {
        s->bufs[i] = malloc(cap);
        s->p[i].data = s->bufs[i];
        s->p[i].cap = cap;
        s->p[i].len = 0;
    }
}

/* Slots may exchange buffers; free what each slot holds now. */
static void slots_free(slots *s)
{
    for (int i = 0; i < 256; i++)
        free(s->p[i].data);
}

/* Polls and receives until `want` packets arrived (into s->p[0..]) or 2 s. */
static int recv_wait(braid_io *io, slots *s, int want)
{
    int got = 0;
    for (int iter = 0; iter < 200 && got < want; iter++) {
        int fds[2];
        int nf = braid_io_fds(io, fds, 2);
        struct pollfd pf[2];
        for (int i = 0; i < nf && i < 2; i++) {
            pf[i].fd = fds[i];
            pf[i].events = POLLIN;
            pf[i].revents = 0;
        }
        poll(pf, (nfds_t)(nf < 2 ? nf : 2), 10);
        int r = braid_io_recv(io, s->p + got, (unsigned)(256 - got));
        if (r < 0)
            return r;
        got += r;
    }
    return got;
}

static size_t fill_pattern(uint8_t *buf, int i)
{
    size_t len = 12 + (size_t)(i * 7 % 500);
    for (size_t k = 0; k < len; k++)
        buf[k] = (uint8_t)(i * 31 + (int)k);
    return len;
}

static void test_udp_batch(void)
{
    braid_addr lo = v4("127.0.0.1", 0);
    braid_io *a = NULL, *b = NULL;
    CHECK_EQ(braid_io_open(&a, BRAID_IO_UDP, 4, &lo, 1, 0), 0);
    CHECK_EQ(braid_io_open(&b, BRAID_IO_UDP, 4, &lo, 1, 0), 0);
    if (!a || !b)
        goto out;
    uint16_t pa = braid_io_local_port(a), pb = braid_io_local_port(b);
    CHECK(pa != 0 && pb != 0 && pa != pb);
    CHECK_EQ(braid_io_get_kind(a), BRAID_IO_UDP);
    int fds[2];
    CHECK_EQ(braid_io_fds(a, fds, 2), 1);

    static uint8_t out[100][BUFSZ];
    braid_io_pkt sp[100];
    size_t total = 0;
    for (int i = 0; i < 100; i++) {
        memset(&sp[i], 0, sizeof sp[i]);
        sp[i].data = out[i];
        sp[i].len = fill_pattern(out[i], i);
        sp[i].cap = BUFSZ;
        sp[i].path.remote = v4("127.0.0.1", pb);
        total += sp[i].len;
    }
    int sent = 0;
    for (int tries = 0; tries < 100 && sent < 100; tries++) {
        int r = braid_io_send(a, sp + sent, (unsigned)(100 - sent));
        CHECK(r >= 0);
        if (r < 0)
            break;
        sent += r;
    }
    CHECK_EQ(sent, 100);

    slots s;
    slots_init(&s, BUFSZ);
    int got = recv_wait(b, &s, 100);
    CHECK_EQ(got, 100);
    int bad = 0;
    for (int i = 0; i < got && i < 100; i++) {
        braid_io_pkt *p = &s.p[i];
        braid_addr wl = v4("127.0.0.1", pb), wr = v4("127.0.0.1", pa);
        if (p->len != sp[i].len || memcmp(p->data, out[i], p->len) != 0 ||
            !addr_same(&p->path.local, &wl) || !addr_same(&p->path.remote, &wr))
            bad++;
    }
    CHECK_EQ(bad, 0);
    braid_io_stats st;
    braid_io_get_stats(a, &st);
    CHECK_EQ(st.pkts_out, 100);
    CHECK_EQ(st.bytes_out, total);
    braid_io_get_stats(b, &st);
    CHECK_EQ(st.pkts_in, 100);
    CHECK_EQ(st.bytes_in, total);
    CHECK_EQ(st.drop_trunc, 0);
    CHECK_EQ(braid_io_recv(b, s.p, 256), 0); /* nothing more waiting */
    CHECK_EQ(braid_io_set_bufs(b, 1 << 20, 1 << 20), 0);
    slots_free(&s);
out:
    braid_io_close(a);
    braid_io_close(b);
}

/* Zero-length and oversized datagrams from a plain socket. */
static void test_udp_odd_input(void)
{
    braid_addr lo = v4("127.0.0.1", 0);
    braid_io *b = NULL;
    CHECK_EQ(braid_io_open(&b, BRAID_IO_UDP, 4, &lo, 1, 0), 0);
    if (!b)
        return;
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(braid_io_local_port(b))};
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    static uint8_t big[3000];
    memset(big, 0xab, sizeof big);
    uint8_t small1[10], small2[20];
    memset(small1, 1, sizeof small1);
    memset(small2, 2, sizeof small2);
    sendto(fd, big, sizeof big, 0, (struct sockaddr *)&to, sizeof to);
    sendto(fd, small1, sizeof small1, 0, (struct sockaddr *)&to, sizeof to);
    sendto(fd, small1, 0, 0, (struct sockaddr *)&to, sizeof to);
    sendto(fd, big, sizeof big, 0, (struct sockaddr *)&to, sizeof to);
    sendto(fd, small2, sizeof small2, 0, (struct sockaddr *)&to, sizeof to);
    close(fd);
    slots s;
    slots_init(&s, 100);
    int got = recv_wait(b, &s, 3);
    CHECK_EQ(got, 3);
    if (got == 3) {
        CHECK_EQ(s.p[0].len, 10);
        CHECK_MEM(s.p[0].data, small1, 10);
        CHECK_EQ(s.p[1].len, 0);
        CHECK_EQ(s.p[2].len, 20);
        CHECK_MEM(s.p[2].data, small2, 20);
        CHECK_EQ(s.p[2].path.local.udp_port, braid_io_local_port(b));
    }
    braid_io_stats st;
    braid_io_get_stats(b, &st);
    CHECK_EQ(st.drop_trunc, 2);
    /* a dropped datagram ahead of one too big for the dropped one's slot:
     * the slots exchange buffers */
    fd = socket(AF_INET, SOCK_DGRAM, 0);
    sendto(fd, small2, sizeof small2, 0, (struct sockaddr *)&to, sizeof to);
    sendto(fd, small1, sizeof small1, 0, (struct sockaddr *)&to, sizeof to);
    close(fd);
    uint8_t *b0 = s.p[0].data, *b1 = s.p[1].data;
    s.p[0].cap = 5;
    int got2 = 0;
    for (int i = 0; i < 100 && got2 == 0; i++) {
        usleep(1000);
        got2 = braid_io_recv(b, s.p, 2);
    }
    CHECK_EQ(got2, 1);
    CHECK(s.p[0].data == b1 && s.p[1].data == b0);
    CHECK_EQ(s.p[0].cap, 100);
    CHECK_EQ(s.p[0].len, 10);
    CHECK_MEM(s.p[0].data, small1, 10);
    s.p[1].cap = 100;
    braid_io_get_stats(b, &st);
    CHECK_EQ(st.drop_trunc, 3);
    /* sends that cannot go: no socket of that family */
    braid_io_pkt sp;
    memset(&sp, 0, sizeof sp);
    sp.data = small1;
    sp.len = sizeof small1;
    sp.path.remote = v6("::1", 9);
    CHECK_EQ(braid_io_send(b, &sp, 1), 1);
    braid_io_get_stats(b, &st);
    CHECK_EQ(st.send_errors, 1);
    CHECK_EQ(st.pkts_out, 0);
    slots_free(&s);
    braid_io_close(b);
}

static void test_udp_multihome(void)
{
    braid_addr two[2] = {v4("127.0.0.1", 0), v4("127.0.0.2", 0)};
    braid_addr lo = v4("127.0.0.1", 0);
    braid_io *c = NULL, *d = NULL;
    CHECK_EQ(braid_io_open(&c, BRAID_IO_UDP, 4, two, 2, 0), 0);
    CHECK_EQ(braid_io_open(&d, BRAID_IO_UDP, 4, &lo, 1, 0), 0);
    if (!c || !d)
        goto out;
    uint16_t pc = braid_io_local_port(c), pd = braid_io_local_port(d);
    uint8_t msg[16] = "to-127.0.0.2";
    braid_io_pkt sp;
    memset(&sp, 0, sizeof sp);
    sp.data = msg;
    sp.len = sizeof msg;
    sp.path.remote = v4("127.0.0.2", pc);
    CHECK_EQ(braid_io_send(d, &sp, 1), 1);
    sp.path.remote = v4("127.0.0.1", pc);
    CHECK_EQ(braid_io_send(d, &sp, 1), 1);
    slots s;
    slots_init(&s, BUFSZ);
    int got = recv_wait(c, &s, 2);
    CHECK_EQ(got, 2);
    if (got == 2) {
        braid_addr l2 = v4("127.0.0.2", pc), l1 = v4("127.0.0.1", pc), r = v4("127.0.0.1", pd);
        CHECK(addr_same(&s.p[0].path.local, &l2));
        CHECK(addr_same(&s.p[1].path.local, &l1));
        CHECK(addr_same(&s.p[0].path.remote, &r));
    }
    /* c answers from 127.0.0.2, then from 127.0.0.1 */
    sp.path.local = v4("127.0.0.2", pc);
    sp.path.remote = v4("127.0.0.1", pd);
    CHECK_EQ(braid_io_send(c, &sp, 1), 1);
    sp.path.local = v4("127.0.0.1", pc);
    CHECK_EQ(braid_io_send(c, &sp, 1), 1);
    got = recv_wait(d, &s, 2);
    CHECK_EQ(got, 2);
    if (got == 2) {
        braid_addr r2 = v4("127.0.0.2", pc), r1 = v4("127.0.0.1", pc);
        CHECK(addr_same(&s.p[0].path.remote, &r2));
        CHECK(addr_same(&s.p[1].path.remote, &r1));
    }
    /* a source address the host does not have: dropped, counted */
    sp.path.local = v4("192.0.2.77", pc);
    CHECK_EQ(braid_io_send(c, &sp, 1), 1);
    braid_io_stats st;
    braid_io_get_stats(c, &st);
    CHECK_EQ(st.send_errors, 1);
    CHECK_EQ(st.pkts_out, 2);
    slots_free(&s);
out:
    braid_io_close(c);
    braid_io_close(d);
}

static void test_udp_addrinuse(void)
{
    braid_addr lo = v4("127.0.0.1", 0);
    braid_io *a = NULL, *b = NULL;
    CHECK_EQ(braid_io_open(&a, BRAID_IO_UDP, 4, &lo, 1, 0), 0);
    if (!a)
        return;
    uint16_t p = braid_io_local_port(a);
    CHECK_EQ(braid_io_open(&b, BRAID_IO_UDP, 4, &lo, 1, p), -EADDRINUSE);
    CHECK(b == NULL);
    CHECK(strstr(braid_io_strerror(-EADDRINUSE), "bind") != NULL);
    CHECK_EQ(braid_io_open(&b, BRAID_IO_UDP, 4, NULL, 0, p), -EADDRINUSE);
    braid_io_close(a);
    /* the port is free again */
    CHECK_EQ(braid_io_open(&b, BRAID_IO_UDP, 4, &lo, 1, p), 0);
    braid_io_close(b);
    /* bad arguments */
    CHECK_EQ(braid_io_open(&b, BRAID_IO_UDP, 5, NULL, 0, 0), -EINVAL);
    CHECK_EQ(braid_io_open(&b, (braid_io_kind)7, 4, NULL, 0, 0), -EINVAL);
}

static void test_udp_ipv6(void)
{
    braid_addr l6 = v6("::1", 0);
    braid_io *a = NULL, *b = NULL;
    int rc = braid_io_open(&a, BRAID_IO_UDP, 6, &l6, 1, 0);
    if (rc == -EADDRNOTAVAIL || rc == -EAFNOSUPPORT) {
        printf("skip: IPv6 ::1 not available (%s)\n", braid_io_strerror(rc));
        return;
    }
    CHECK_EQ(rc, 0);
    /* b: both families on one port (two sockets, IPV6_V6ONLY) */
    braid_addr both[2] = {v4("127.0.0.1", 0), v6("::1", 0)};
    CHECK_EQ(braid_io_open(&b, BRAID_IO_UDP, 6, both, 2, 0), 0);
    if (!a || !b)
        goto out;
    int fds[2];
    CHECK_EQ(braid_io_fds(b, fds, 2), 2);
    uint16_t pa = braid_io_local_port(a), pb = braid_io_local_port(b);
    uint8_t msg[40];
    memset(msg, 6, sizeof msg);
    braid_io_pkt sp;
    memset(&sp, 0, sizeof sp);
    sp.data = msg;
    sp.len = sizeof msg;
    sp.path.remote = v6("::1", pb);
    CHECK_EQ(braid_io_send(a, &sp, 1), 1);
    slots s;
    slots_init(&s, BUFSZ);
    int got = recv_wait(b, &s, 1);
    CHECK_EQ(got, 1);
    if (got == 1) {
        braid_addr wl = v6("::1", pb), wr = v6("::1", pa);
        CHECK(addr_same(&s.p[0].path.local, &wl));
        CHECK(addr_same(&s.p[0].path.remote, &wr));
        CHECK_EQ(s.p[0].len, sizeof msg);
    }
    /* b's IPv4 socket shares the port */
    braid_io *c = NULL;
    CHECK_EQ(braid_io_open(&c, BRAID_IO_UDP, 4, both, 1, 0), 0);
    if (c) {
        sp.path.remote = v4("127.0.0.1", pb);
        CHECK_EQ(braid_io_send(c, &sp, 1), 1);
        got = recv_wait(b, &s, 1);
        CHECK_EQ(got, 1);
        if (got == 1) {
            braid_addr wl = v4("127.0.0.1", pb), wr = v4("127.0.0.1", braid_io_local_port(c));
            CHECK(addr_same(&s.p[0].path.local, &wl));
            CHECK(addr_same(&s.p[0].path.remote, &wr));
        }
        braid_io_close(c);
    }
    /* a dual-stack wildcard (family 6, no locals) hears IPv4 as IPv4 */
    braid_io *w = NULL;
    CHECK_EQ(braid_io_open(&w, BRAID_IO_UDP, 6, NULL, 0, 0), 0);
    braid_addr lo = v4("127.0.0.1", 0);
    CHECK_EQ(braid_io_open(&c, BRAID_IO_UDP, 4, &lo, 1, 0), 0);
    if (w && c) {
        uint16_t pw = braid_io_local_port(w), pcc = braid_io_local_port(c);
        sp.path.remote = v4("127.0.0.1", pw);
        CHECK_EQ(braid_io_send(c, &sp, 1), 1);
        got = recv_wait(w, &s, 1);
        CHECK_EQ(got, 1);
        if (got == 1) {
            braid_addr wl = v4("127.0.0.1", pw), wr = v4("127.0.0.1", pcc);
            CHECK(addr_same(&s.p[0].path.local, &wl));
            CHECK(addr_same(&s.p[0].path.remote, &wr));
            /* and answers over IPv4 from the same socket */
            sp.path.local = s.p[0].path.local;
            sp.path.remote = s.p[0].path.remote;
            CHECK_EQ(braid_io_send(w, &sp, 1), 1);
            got = recv_wait(c, &s, 1);
            CHECK_EQ(got, 1);
            if (got == 1)
                CHECK(addr_same(&s.p[0].path.remote, &wl));
        }
        memset(&sp.path.local, 0, sizeof sp.path.local);
    }
    braid_io_close(w);
    braid_io_close(c);
    slots_free(&s);
out:
    braid_io_close(a);
    braid_io_close(b);
}

static void test_inproc(void)
{
    braid_addr la = v4("10.9.0.1", 0), lb = v4("10.9.0.2", 0);
    braid_io *a = NULL, *b = NULL, *x = NULL;
    CHECK_EQ(braid_io_open(&a, BRAID_IO_INPROC, 4, &la, 1, 0), 0);
    CHECK_EQ(braid_io_open(&b, BRAID_IO_INPROC, 4, &lb, 1, 5000), 0);
    CHECK_EQ(braid_io_open(&x, BRAID_IO_INPROC, 4, &lb, 1, 5000), -EADDRINUSE);
    CHECK_EQ(braid_io_open(&x, BRAID_IO_INPROC, 4, NULL, 0, 5000), -EADDRINUSE);
    if (!a || !b)
        goto out;
    uint16_t pa = braid_io_local_port(a);
    CHECK(pa >= 49152);
    CHECK_EQ(braid_io_local_port(b), 5000);
    CHECK_EQ(braid_io_get_kind(b), BRAID_IO_INPROC);
    int efd;
    CHECK_EQ(braid_io_fds(b, &efd, 1), 1);
    struct pollfd pf = {.fd = efd, .events = POLLIN};
    CHECK_EQ(poll(&pf, 1, 0), 0); /* empty: not readable */

    uint8_t buf[8][64];
    braid_io_pkt sp[8];
    for (int i = 0; i < 8; i++) {
        memset(&sp[i], 0, sizeof sp[i]);
        sp[i].data = buf[i];
        sp[i].len = fill_pattern(buf[i], i) % 64;
        sp[i].path.remote = v4("10.9.0.2", 5000);
    }
    CHECK_EQ(braid_io_send(a, sp, 8), 8);
    CHECK_EQ(poll(&pf, 1, 0), 1);
    slots s;
    slots_init(&s, BUFSZ);
    CHECK_EQ(braid_io_recv(b, s.p, 3), 3);
    CHECK_EQ(poll(&pf, 1, 0), 1); /* still some */
    CHECK_EQ(braid_io_recv(b, s.p + 3, 100), 5);
    CHECK_EQ(poll(&pf, 1, 0), 0);
    int bad = 0;
    braid_addr wl = v4("10.9.0.2", 5000), wr = v4("10.9.0.1", pa);
    for (int i = 0; i < 8; i++)
        if (s.p[i].len != sp[i].len || memcmp(s.p[i].data, buf[i], sp[i].len) != 0 ||
            !addr_same(&s.p[i].path.local, &wl) || !addr_same(&s.p[i].path.remote, &wr))
            bad++;
    CHECK_EQ(bad, 0);

    /* reply using the learned path */
    braid_io_pkt r = s.p[0];
    braid_path back = {r.path.local, r.path.remote};
    r.path = back;
    CHECK_EQ(braid_io_send(b, &r, 1), 1);
    CHECK_EQ(braid_io_recv(a, s.p, 1), 1);
    CHECK(addr_same(&s.p[0].path.remote, &wl));

    /* no such destination */
    sp[0].path.remote = v4("10.9.0.3", 5000);
    CHECK_EQ(braid_io_send(a, sp, 1), 1);
    braid_io_stats st;
    braid_io_get_stats(a, &st);
    CHECK_EQ(st.drop_queue, 1);
    CHECK_EQ(st.pkts_out, 8);

    /* queue full: 4096 wait, the rest are dropped */
    sp[0].path.remote = v4("10.9.0.2", 5000);
    int queued = 0;
    for (int i = 0; i < 4100; i++)
        queued += braid_io_send(a, sp, 1);
    CHECK_EQ(queued, 4100);
    braid_io_get_stats(a, &st);
    CHECK_EQ(st.drop_queue, 1 + 4);
    int drained = 0, rr;
    while ((rr = braid_io_recv(b, s.p, 256)) > 0)
        drained += rr;
    CHECK_EQ(drained, BRAID_IO_INPROC_QUEUE);
    CHECK_EQ(poll(&pf, 1, 0), 0);

    /* a packet larger than the receive buffer */
    static uint8_t big[3000];
    sp[0].data = big;
    sp[0].len = sizeof big;
    CHECK_EQ(braid_io_send(a, sp, 1), 1);
    CHECK_EQ(braid_io_recv(b, s.p, 1), 0);
    braid_io_get_stats(b, &st);
    CHECK_EQ(st.drop_trunc, 1);
    slots_free(&s);
out:
    braid_io_close(a);
    braid_io_close(b);
    braid_io_close(x);
}

typedef struct flood_arg {
    braid_io *from;
    uint16_t to_port;
    int n;
} flood_arg;

static void *flood(void *p)
{
    flood_arg *fa = p;
    uint8_t buf[32];
    braid_io_pkt sp;
    memset(&sp, 0, sizeof sp);
    sp.data = buf;
    sp.len = sizeof buf;
    sp.path.remote = v4("10.8.0.2", fa->to_port);
    for (int i = 0; i < fa->n; i++) {
        memcpy(buf, &i, sizeof i);
        while (braid_io_send(fa->from, &sp, 1) == 1) {
            braid_io_stats st;
            braid_io_get_stats(fa->from, &st);
            if (st.pkts_out == (uint64_t)i + 1)
                break;
            usleep(100); /* queue full: the packet was dropped, send it again */
        }
    }
    return NULL;
}

/* A sender thread and a receiving thread: in order, nothing lost that was
 * queued, no races under the sanitizers. */
static void test_inproc_threads(void)
{
    braid_addr la = v4("10.8.0.1", 0), lb = v4("10.8.0.2", 0);
    braid_io *a = NULL, *b = NULL;
    CHECK_EQ(braid_io_open(&a, BRAID_IO_INPROC, 4, &la, 1, 0), 0);
    CHECK_EQ(braid_io_open(&b, BRAID_IO_INPROC, 4, &lb, 1, 0), 0);
    if (!a || !b)
        goto out;
    flood_arg fa = {a, braid_io_local_port(b), 20000};
    pthread_t t;
    CHECK_EQ(pthread_create(&t, NULL, flood, &fa), 0);
    slots s;
    slots_init(&s, 64);
    int next = 0, bad = 0;
    int efd;
    braid_io_fds(b, &efd, 1);
    for (int iter = 0; iter < 100000 && next < fa.n; iter++) {
        struct pollfd pf = {.fd = efd, .events = POLLIN};
        poll(&pf, 1, 10);
        int r = braid_io_recv(b, s.p, 256);
        for (int i = 0; i < r; i++) {
            int v;
            memcpy(&v, s.p[i].data, sizeof v);
            if (v != next)
                bad++;
            next = v + 1;
        }
    }
    pthread_join(t, NULL);
    CHECK_EQ(next, fa.n);
    CHECK_EQ(bad, 0);
    slots_free(&s);
out:
    braid_io_close(a);
    braid_io_close(b);
}

static void test_raw(void)
{
    if (geteuid() != 0) {
        printf("skip: raw sockets need root\n");
        braid_io *r = NULL;
        int rc = braid_io_open(&r, BRAID_IO_RAW, 4, NULL, 0, 0);
        if (rc == -EPERM)
            CHECK(strstr(braid_io_strerror(rc), "CAP_NET_RAW") != NULL);
        braid_io_close(r);
        return;
    }
    braid_addr lo = v4("127.0.0.1", 0);
    braid_io *a = NULL, *b = NULL;
    int rc = braid_io_open(&a, BRAID_IO_RAW, 4, &lo, 1, 0);
    if (rc < 0) {
        printf("skip: raw socket refused here: %s\n", braid_io_strerror(rc));
        return;
    }
    CHECK_EQ(braid_io_open(&b, BRAID_IO_RAW, 4, NULL, 0, 0), 0);
    if (!b)
        goto out;
    CHECK_EQ(braid_io_local_port(a), 0);
    uint8_t pkt[64];
    braid_pkt_builder pb;
    CHECK_EQ(braid_pkt_begin(&pb, pkt, sizeof pkt, sizeof pkt, 40001, 40002, 0x12345678), 0);
    uint8_t payload[9] = "raw-test";
    braid_chunk c;
    memset(&c, 0, sizeof c);
    c.type = BRAID_CHUNK_DATA;
    c.flags = BRAID_DATA_FLAG_B | BRAID_DATA_FLAG_E;
    c.u.data.tsn = 77;
    c.u.data.payload = payload;
    c.u.data.payload_len = sizeof payload;
    CHECK_EQ(braid_pkt_add(&pb, &c), 0);
    size_t len = braid_pkt_finish(&pb);
    braid_io_pkt sp;
    memset(&sp, 0, sizeof sp);
    sp.data = pkt;
    sp.len = len;
    sp.path.remote = v4("127.0.0.1", 0);
    CHECK_EQ(braid_io_send(a, &sp, 1), 1);
    slots s;
    slots_init(&s, BUFSZ);
    /* b hears every SCTP packet of the host: look for ours */
    int found = 0;
    for (int iter = 0; iter < 50 && !found; iter++) {
        int got = recv_wait(b, &s, 1);
        for (int i = 0; i < got; i++)
            if (s.p[i].len == len && memcmp(s.p[i].data, pkt, len) == 0) {
                found = 1;
                braid_addr wl = v4("127.0.0.1", 0);
                CHECK(addr_same(&s.p[i].path.local, &wl));
                CHECK(addr_same(&s.p[i].path.remote, &wl));
            }
    }
    if (!found) {
        braid_io_stats st;
        braid_io_get_stats(a, &st);
        if (st.send_errors)
            printf("skip: raw send refused here: %s\n", braid_io_strerror(-EPERM));
        else
            CHECK(found);
    }

    /* a multihomed raw transport picks its source from path.local */
    braid_io *m = NULL;
    braid_addr two[2] = {v4("127.0.0.1", 0), v4("127.0.0.2", 0)};
    CHECK_EQ(braid_io_open(&m, BRAID_IO_RAW, 4, two, 2, 0), 0);
    if (m) {
        sp.path.local = two[1];
        CHECK_EQ(braid_io_send(m, &sp, 1), 1);
        memset(&sp.path.local, 0, sizeof sp.path.local);
        found = 0;
        for (int iter = 0; iter < 50 && !found; iter++) {
            int got = recv_wait(b, &s, 1);
            for (int i = 0; i < got; i++)
                if (s.p[i].len == len && memcmp(s.p[i].data, pkt, len) == 0) {
                    found = 1;
                    CHECK(addr_same(&s.p[i].path.remote, &two[1]));
                }
        }
        CHECK(found);
        braid_io_close(m);
    }

    /* IPv6 raw sockets deliver no IP header; the local address comes from
     * IPV6_PKTINFO */
    braid_io *a6 = NULL, *b6 = NULL;
    braid_addr l6 = v6("::1", 0);
    rc = braid_io_open(&a6, BRAID_IO_RAW, 6, &l6, 1, 0);
    if (rc < 0) {
        printf("skip: raw IPv6 on ::1: %s\n", braid_io_strerror(rc));
    } else {
        CHECK_EQ(braid_io_open(&b6, BRAID_IO_RAW, 6, NULL, 0, 0), 0);
        sp.path.remote = l6;
        CHECK_EQ(braid_io_send(a6, &sp, 1), 1);
        found = 0;
        for (int iter = 0; b6 && iter < 50 && !found; iter++) {
            int got = recv_wait(b6, &s, 1);
            for (int i = 0; i < got; i++)
                if (s.p[i].len == len && memcmp(s.p[i].data, pkt, len) == 0) {
                    found = 1;
                    CHECK(addr_same(&s.p[i].path.local, &l6));
                    CHECK(addr_same(&s.p[i].path.remote, &l6));
                }
        }
        CHECK(found);
    }
    braid_io_close(a6);
    braid_io_close(b6);
    slots_free(&s);
out:
    braid_io_close(a);
    braid_io_close(b);
}

/* Counts the records of a pcap file; -1 if it is not one. */
static int pcap_records(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    uint8_t h[24];
    int n = -1;
    if (fread(h, 1, 24, f) == 24 && h[0] == 0xd4 && h[1] == 0xc3 && h[2] == 0xb2 && h[3] == 0xa1) {
        n = 0;
        uint8_t rh[16];
        while (fread(rh, 1, 16, f) == 16) {
            uint32_t incl = (uint32_t)rh[8] | (uint32_t)rh[9] << 8 | (uint32_t)rh[10] << 16 |
                            (uint32_t)rh[11] << 24;
            if (fseek(f, (long)incl, SEEK_CUR) != 0)
                break;
            n++;
        }
    }
    fclose(f);
    return n;
}

static int have_tshark(void)
{
    return system("command -v tshark >/dev/null 2>&1") == 0;
}

/* Frames tshark decodes as SCTP with a good CRC32c, or -1. */
static int tshark_count(const char *path, uint16_t port, const char *filter)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd,
             "tshark -n -r %s -d udp.port==%u,sctp -o sctp.checksum:crc-32c -Y '%s' -T fields "
             "-e frame.number 2>/dev/null | wc -l",
             path, (unsigned)port, filter);
    FILE *p = popen(cmd, "r");
    if (!p)
        return -1;
    int n = -1;
    if (fscanf(p, "%d", &n) != 1)
        n = -1;
    pclose(p);
    return n;
}

static size_t build_sctp(uint8_t *buf, size_t cap, uint32_t tsn)
{
    braid_pkt_builder pb;
    if (braid_pkt_begin(&pb, buf, cap, cap, 5001, 5002, 0xabcdef01) < 0)
        return 0;
    uint8_t payload[32];
    memset(payload, (int)tsn, sizeof payload);
    braid_chunk c;
    memset(&c, 0, sizeof c);
    c.type = BRAID_CHUNK_DATA;
    c.flags = BRAID_DATA_FLAG_B | BRAID_DATA_FLAG_E;
    c.u.data.tsn = tsn;
    c.u.data.sid = 1;
    c.u.data.ppid = 51;
    c.u.data.payload = payload;
    c.u.data.payload_len = sizeof payload;
    if (braid_pkt_add(&pb, &c) < 0)
        return 0;
    return braid_pkt_finish(&pb);
}

static void check_pcap(const char *path, uint16_t port, int want)
{
    CHECK_EQ(pcap_records(path), want);
    if (!have_tshark()) {
        printf("skip: tshark not installed, pcap not decoded\n");
        return;
    }
    CHECK_EQ(tshark_count(path, port, "sctp"), want);
    CHECK_EQ(tshark_count(path, port, "sctp.checksum.status == 1 && sctp.data_tsn"), want);
    CHECK_EQ(tshark_count(path, port,
                          "_ws.malformed || sctp.checksum.status == 0 || "
                          "_ws.expert.severity >= 0x00600000"),
             0);
}

static void test_pcap(void)
{
    char fa[] = "/tmp/braid-io-a-XXXXXX", fb[] = "/tmp/braid-io-b-XXXXXX";
    int fd = mkstemp(fa);
    if (fd >= 0)
        close(fd);
    fd = mkstemp(fb);
    if (fd >= 0)
        close(fd);
    braid_addr lo = v4("127.0.0.1", 0);
    braid_io *a = NULL, *b = NULL;
    CHECK_EQ(braid_io_open(&a, BRAID_IO_UDP, 4, &lo, 1, 0), 0);
    CHECK_EQ(braid_io_open(&b, BRAID_IO_UDP, 4, &lo, 1, 0), 0);
    if (!a || !b)
        goto out;
    CHECK_EQ(braid_io_set_pcap(a, fa), 0);
    CHECK_EQ(braid_io_set_pcap(b, fb), 0);
    uint8_t pk[5][128];
    braid_io_pkt sp[5];
    for (int i = 0; i < 5; i++) {
        memset(&sp[i], 0, sizeof sp[i]);
        sp[i].data = pk[i];
        sp[i].len = build_sctp(pk[i], sizeof pk[i], (uint32_t)(100 + i));
        sp[i].path.remote = v4("127.0.0.1", braid_io_local_port(b));
    }
    CHECK_EQ(braid_io_send(a, sp, 5), 5);
    slots s;
    slots_init(&s, BUFSZ);
    CHECK_EQ(recv_wait(b, &s, 5), 5);
    /* b answers two of them */
    for (int i = 0; i < 2; i++) {
        braid_path back = {s.p[i].path.local, s.p[i].path.remote};
        s.p[i].path = back;
    }
    CHECK_EQ(braid_io_send(b, s.p, 2), 2);
    CHECK_EQ(braid_io_set_pcap(b, NULL), 0);
    CHECK_EQ(recv_wait(a, &s, 2), 2);
    CHECK_EQ(braid_io_set_pcap(a, NULL), 0);
    check_pcap(fa, braid_io_local_port(b), 7); /* 5 out, 2 in */
    check_pcap(fb, braid_io_local_port(b), 7); /* 5 in, 2 out */
    slots_free(&s);
out:
    braid_io_close(a);
    braid_io_close(b);
    unlink(fa);
    unlink(fb);
}

/* $BRAID_PCAP is read once per process: try it in a child. */
static void test_pcap_env(void)
{
    char f[] = "/tmp/braid-io-env-XXXXXX";
    int fd = mkstemp(f);
    if (fd >= 0)
        close(fd);
    unlink(f);
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid == 0) {
        setenv("BRAID_PCAP", f, 1);
        braid_io *a = NULL, *b = NULL;
        int ok = braid_io_open(&a, BRAID_IO_INPROC, 4, NULL, 0, 7000) == 0 &&
                 braid_io_open(&b, BRAID_IO_INPROC, 4, NULL, 0, 7001) == 0;
        uint8_t pk[128];
        braid_io_pkt sp;
        memset(&sp, 0, sizeof sp);
        sp.data = pk;
        sp.len = build_sctp(pk, sizeof pk, 9);
        sp.path.local = v4("127.0.0.1", 7000);
        sp.path.remote = v4("127.0.0.1", 7001);
        ok = ok && braid_io_send(a, &sp, 1) == 1;
        uint8_t rb[256];
        braid_io_pkt rp = {.data = rb, .cap = sizeof rb};
        ok = ok && braid_io_recv(b, &rp, 1) == 1;
        braid_io_close(a);
        braid_io_close(b);
        _exit(ok ? 0 : 1);
    }
    int status = 0;
    CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    check_pcap(f, 7001, 2);
    unlink(f);
}

static void test_default_port(void)
{
    unsetenv("BRAID_UDP_PORT");
    CHECK_EQ(braid_io_default_udp_port(), 9899);
    setenv("BRAID_UDP_PORT", "12345", 1);
    CHECK_EQ(braid_io_default_udp_port(), 12345);
    setenv("BRAID_UDP_PORT", "0", 1);
    CHECK_EQ(braid_io_default_udp_port(), 9899);
    setenv("BRAID_UDP_PORT", "70000", 1);
    CHECK_EQ(braid_io_default_udp_port(), 9899);
    setenv("BRAID_UDP_PORT", "99x", 1);
    CHECK_EQ(braid_io_default_udp_port(), 9899);
    unsetenv("BRAID_UDP_PORT");
    uint64_t t1 = braid_now_ns(), t2 = braid_now_ns();
    CHECK(t1 > 0 && t2 >= t1);
}

static void test_hooks(void)
{
    braid_hooks h;
    braid_hooks_default(&h);
    CHECK(h.alloc && h.free && h.random && h.mac);
    uint8_t r1[32], r2[32];
    h.random(h.user, r1, sizeof r1);
    h.random(h.user, r2, sizeof r2);
    CHECK(memcmp(r1, r2, 32) != 0);
    h.random(h.user, r1, 0);
    void *m = h.alloc(h.user, 100);
    CHECK(m != NULL);
    h.free(h.user, m, 100);

    /* RFC 4231 §4.2 and §4.3 (HMAC-SHA-256). HMAC pads keys shorter than the
     * block with zeros, so the 20- and 4-byte keys are the same MAC as the
     * 32-byte keys with zeros appended. */
    uint8_t key[32], out[32];
    memset(key, 0, sizeof key);
    memset(key, 0x0b, 20);
    static const uint8_t tc1[32] = {0xb0, 0x34, 0x4c, 0x61, 0xd8, 0xdb, 0x38, 0x53,
                                    0x5c, 0xa8, 0xaf, 0xce, 0xaf, 0x0b, 0xf1, 0x2b,
                                    0x88, 0x1d, 0xc2, 0x00, 0xc9, 0x83, 0x3d, 0xa7,
                                    0x26, 0xe9, 0x37, 0x6c, 0x2e, 0x32, 0xcf, 0xf7};
    h.mac(h.user, key, (const uint8_t *)"Hi There", 8, out);
    CHECK_MEM(out, tc1, 32);
    memset(key, 0, sizeof key);
    memcpy(key, "Jefe", 4);
    static const uint8_t tc2[32] = {0x5b, 0xdc, 0xc1, 0x46, 0xbf, 0x60, 0x75, 0x4e,
                                    0x6a, 0x04, 0x24, 0x26, 0x08, 0x95, 0x75, 0xc7,
                                    0x5a, 0x00, 0x3f, 0x08, 0x9d, 0x27, 0x39, 0x83,
                                    0x9d, 0xec, 0x58, 0xb9, 0x64, 0xec, 0x38, 0x43};
    const char *d2 = "what do ya want for nothing?";
    h.mac(h.user, key, (const uint8_t *)d2, strlen(d2), out);
    CHECK_MEM(out, tc2, 32);

    unsetenv("BRAID_LOG");
    braid_hooks_default(&h);
    CHECK(h.log == NULL);
    setenv("BRAID_LOG", "1", 1);
    braid_hooks_default(&h);
    CHECK(h.log != NULL);
    unsetenv("BRAID_LOG");
}

/* UDP GSO and GRO: 40 packets of 1000 bytes and a 300-byte tail to one
 * peer leave as one train; a receiver with GRO gets them as trains whose
 * datagrams (seg) are the packets, in order; one without gets them one by
 * one. Either way every packet arrives once, byte for byte, and the
 * statistics count datagrams. */
static void test_udp_gso_gro(void)
{
    braid_addr lo = v4("127.0.0.1", 0);
    braid_io *a = NULL, *b = NULL, *c = NULL;
    CHECK_EQ(braid_io_open(&a, BRAID_IO_UDP, 4, &lo, 1, 0), 0);
    CHECK_EQ(braid_io_open(&b, BRAID_IO_UDP, 4, &lo, 1, 0), 0);
    CHECK_EQ(braid_io_open(&c, BRAID_IO_UDP, 4, &lo, 1, 0), 0);
    if (!a || !b || !c)
        goto out;
    CHECK_EQ(braid_io_set_gro(b, true), 0);
    enum { N = 41 };
    static uint8_t buf[N][1000];
    braid_io_pkt sp[N];
    for (int to = 0; to < 2; to++) {
        braid_io *rx = to == 0 ? b : c;
        for (int i = 0; i < N; i++) {
            memset(&sp[i], 0, sizeof sp[i]);
            for (size_t k = 0; k < sizeof buf[i]; k++)
                buf[i][k] = (uint8_t)((size_t)i * 7 + k + 1);
            sp[i].data = buf[i];
            sp[i].len = i == N - 1 ? 300 : 1000;
            sp[i].path.remote = v4("127.0.0.1", braid_io_local_port(rx));
        }
        CHECK_EQ(braid_io_send(a, sp, N), N);
        slots s;
        slots_init(&s, 65536);
        int got = 0, trains = 0, bad = 0, r;
        for (int iter = 0; iter < 200 && got < N; iter++) {
            r = recv_wait(rx, &s, 1);
            for (int j = 0; j < r; j++) {
                const braid_io_pkt *p = &s.p[j];
                if (p->seg)
                    trains++;
                size_t off = 0;
                do {
                    size_t l = braid_io_seg_len(p, off);
                    if (got >= N || l != sp[got].len || memcmp(p->data + off, buf[got], l) != 0)
                        bad++;
                    got++;
                    off += l;
                } while (off < p->len);
            }
        }
        CHECK_EQ(got, N);
        CHECK_EQ(bad, 0);
        if (rx == c)
            CHECK_EQ(trains, 0); /* no GRO: one by one */
        else
            CHECK(trains >= 1); /* the train stayed whole: GSO out, GRO in */
        braid_io_stats st;
        braid_io_get_stats(rx, &st);
        CHECK_EQ(st.pkts_in, (uint64_t)N);
        slots_free(&s);
        if (rx == b)
            printf("  GRO receiver: %d packets in %d train(s)\n", got, trains);
    }
    braid_io_stats st;
    braid_io_get_stats(a, &st);
    CHECK_EQ(st.pkts_out, 2u * N);
    CHECK_EQ(st.send_errors, 0);
out:
    if (a)
        braid_io_close(a);
    if (b)
        braid_io_close(b);
    if (c)
        braid_io_close(c);
}

int main(void)
{
    RUN(test_pcap_env); /* first: forks before anything else */
    RUN(test_udp_batch);
    RUN(test_udp_gso_gro);
    RUN(test_udp_odd_input);
    RUN(test_udp_multihome);
    RUN(test_udp_addrinuse);
    RUN(test_udp_ipv6);
    RUN(test_inproc);
    RUN(test_inproc_threads);
    RUN(test_raw);
    RUN(test_pcap);
    RUN(test_default_port);
    RUN(test_hooks);
    return CHECK_REPORT();
}
