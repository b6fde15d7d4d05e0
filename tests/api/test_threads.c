/* Many threads on the sockets API at once (docs/architecture.md, locking):
 * pairs of sockets of one process, each end its own thread (in-process
 * delivery) with $BRAID_PCAP tracing every packet; client threads against a
 * peer process (the background thread reading the transport while calls
 * wait); one socket shared by a receiving and two sending threads, then
 * closed under a blocked recv; a one-to-many server peeling associations
 * off while their clients send. Meant for ThreadSanitizer (make
 * check-tsan) as much as for the results it checks. */
#include "api_proc.h"

#include <pthread.h>
#include <stdatomic.h>

#define NOTE(buf) ((union sctp_notification *)(void *)(buf))
#ifndef NTHREADS
#define NTHREADS 4
#endif
#ifndef NMSGS
#define NMSGS 150
#endif

/* CHECK from a thread (check.h's counters are the main thread's) */
static atomic_int t_fails;
#define TCHECK(cond)                                                                               \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            atomic_fetch_add(&t_fails, 1);                                                         \
            fprintf(stderr, "%s:%d: TCHECK(%s) failed (errno %d)\n", __FILE__, __LINE__, #cond,    \
                    errno);                                                                        \
        }                                                                                          \
    } while (0)

/* Each message out at once: with Nagle, a message's last small fragment
 * would wait for the peer's delayed SACK (as on Linux) */
static void nodelay(int fd)
{
    int one = 1;
    braid_setsockopt(fd, IPPROTO_SCTP, SCTP_NODELAY, &one, sizeof one);
}

static size_t msg_len(int who, int k)
{
    return (size_t)((k * 37 + who * 101) % 3000) + 1;
}

static void msg_fill(uint8_t *b, size_t len, int who, int k)
{
    for (size_t i = 0; i < len; i++)
        b[i] = (uint8_t)(who * 31 + k + (int)i);
}

/* Sends NMSGS messages on fd and reads each one back (an echo on the other
 * side). */
static void ping_pong(int fd, int who)
{
    static _Thread_local uint8_t out[4096], in[4096];
    for (int k = 0; k < NMSGS; k++) {
        size_t len = msg_len(who, k);
        msg_fill(out, len, who, k);
        ssize_t n = braid_send(fd, out, len, MSG_NOSIGNAL);
        TCHECK(n == (ssize_t)len);
        if (n != (ssize_t)len)
            return;
        n = braid_recv(fd, in, sizeof in, 0);
        TCHECK(n == (ssize_t)len && !memcmp(in, out, len));
        if (n != (ssize_t)len)
            return;
    }
}

/* ---- pairs in one process, a thread per end ---- */

typedef struct pair {
    int l, who;
    uint16_t sport, uport;
    bool quiet; /* no checks: exit() ends it */
} pair;

static void *echo_accepted(void *arg)
{
    pair *p = arg;
    int a = braid_accept(p->l, NULL, NULL);
    if (!p->quiet)
        TCHECK(a >= 0);
    if (a < 0)
        return NULL;
    set_timeouts(a, 10000, 10000);
    nodelay(a);
    uint8_t buf[4096];
    for (;;) {
        ssize_t n = braid_recv(a, buf, sizeof buf, 0);
        if (n <= 0) {
            if (!p->quiet)
                TCHECK(n == 0); /* the client's shutdown */
            break;
        }
        if (braid_send(a, buf, (size_t)n, MSG_NOSIGNAL) != n && !p->quiet)
            TCHECK(0);
    }
    if (braid_close(a) != 0 && !p->quiet)
        TCHECK(0);
    return NULL;
}

static void *pair_client(void *arg)
{
    pair *p = arg;
    int c = client(SOCK_STREAM, p->uport);
    TCHECK(c >= 0);
    nodelay(c);
    TCHECK(connect_to(c, p->sport) == 0);
    ping_pong(c, p->who);
    TCHECK(braid_close(c) == 0);
    return NULL;
}

static void test_pairs_in_process(void)
{
    char path[] = "/tmp/braid-threads-XXXXXX";
    int tf = mkstemp(path);
    CHECK(tf >= 0);
    close(tf);
    setenv("BRAID_PCAP", path, 1); /* before any braid call of this process */
    pair p[NTHREADS];
    pthread_t ts[NTHREADS], tc[NTHREADS];
    for (int i = 0; i < NTHREADS; i++) {
        p[i] = (pair){.who = i};
        p[i].l = listener(SOCK_STREAM, &p[i].sport, &p[i].uport);
        CHECK(p[i].l >= 0);
        set_timeouts(p[i].l, 10000, 10000);
    }
    for (int i = 0; i < NTHREADS; i++) {
        CHECK_EQ(pthread_create(&ts[i], NULL, echo_accepted, &p[i]), 0);
        CHECK_EQ(pthread_create(&tc[i], NULL, pair_client, &p[i]), 0);
    }
    for (int i = 0; i < NTHREADS; i++) {
        pthread_join(tc[i], NULL);
        pthread_join(ts[i], NULL);
        CHECK_EQ(braid_close(p[i].l), 0);
    }
    CHECK_EQ(atomic_load(&t_fails), 0);
    FILE *f = fopen(path, "rb");
    CHECK(f != NULL);
    if (f) {
        fseek(f, 0, SEEK_END);
        CHECK(ftell(f) > 24 + 2L * NTHREADS * NMSGS * 16); /* every packet traced */
        fclose(f);
    }
    unlink(path);
}

/* ---- client threads against a peer process ---- */

typedef struct ports {
    uint16_t sport, uport;
} ports;

/* The peer: a one-to-many socket echoing every message to its association
 * until told to stop. */
static void echo_peer(int ctl, void *arg)
{
    ports *pp = arg;
    int s = serve(SOCK_SEQPACKET, pp->sport, pp->uport);
    CHECK(s >= 0);
    set_timeouts(s, 200, 5000);
    nodelay(s);
    struct sctp_event_subscribe ev;
    memset(&ev, 0, sizeof ev);
    ev.sctp_data_io_event = 1; /* SCTP_SNDRCV: the association to answer */
    CHECK_EQ(braid_setsockopt(s, IPPROTO_SCTP, SCTP_EVENTS, &ev, sizeof ev), 0);
    ctl_send(ctl, 1);
    uint8_t buf[4096];
    for (;;) {
        struct pollfd pf = {ctl, POLLIN, 0};
        if (poll(&pf, 1, 0) == 1)
            break;
        int fl = 0;
        struct sctp_sndrcvinfo si;
        ssize_t n = rcv(s, buf, sizeof buf, &fl, &si);
        if (n <= 0 || (fl & MSG_NOTIFICATION))
            continue;
        CHECK_EQ(send_on(s, si.sinfo_assoc_id, buf, (size_t)n, si.sinfo_stream, 0), n);
    }
    braid_close(s);
}

typedef struct remote {
    const ports *pp;
    int who;
    _Atomic int fd;
} remote;

static atomic_bool g_stop;

static void *remote_client(void *arg)
{
    remote *r = arg;
    int c = client(SOCK_STREAM, r->pp->uport);
    TCHECK(c >= 0);
    nodelay(c);
    TCHECK(connect_to(c, r->pp->sport) == 0);
    atomic_store(&r->fd, c);
    ping_pong(c, r->who);
    atomic_store(&r->fd, -1);
    TCHECK(braid_close(c) == 0);
    return NULL;
}

/* Reads state of the clients' sockets while they work: getsockopt, and
 * poll() on their descriptors. */
static void *observer(void *arg)
{
    remote *r = arg;
    while (!atomic_load(&g_stop)) {
        for (int i = 0; i < NTHREADS; i++) {
            int fd = atomic_load(&r[i].fd);
            if (fd < 0)
                continue;
            struct sctp_status st;
            socklen_t l = sizeof st;
            memset(&st, 0, sizeof st);
            braid_getsockopt(fd, IPPROTO_SCTP, SCTP_STATUS, &st, &l);
            struct pollfd pf = {fd, POLLIN | POLLOUT, 0};
            poll(&pf, 1, 0);
        }
        usleep(1000);
    }
    return NULL;
}

static void test_clients_against_a_peer(void)
{
    ports pp = {free_udp_port(), free_udp_port()};
    int ctl;
    pid_t peer = spawn(echo_peer, &pp, &ctl);
    CTL_EXPECT(ctl, 1);
    remote r[NTHREADS];
    pthread_t t[NTHREADS], obs;
    for (int i = 0; i < NTHREADS; i++) {
        r[i].pp = &pp;
        r[i].who = i;
        atomic_init(&r[i].fd, -1);
    }
    CHECK_EQ(pthread_create(&obs, NULL, observer, r), 0);
    for (int i = 0; i < NTHREADS; i++)
        CHECK_EQ(pthread_create(&t[i], NULL, remote_client, &r[i]), 0);
    for (int i = 0; i < NTHREADS; i++)
        pthread_join(t[i], NULL);
    atomic_store(&g_stop, true);
    pthread_join(obs, NULL);
    CHECK_EQ(atomic_load(&t_fails), 0);
    ctl_send(ctl, 2);
    REAP(peer);
}

/* ---- one socket, three threads; then closed under a blocked recv ---- */

typedef struct shared {
    int fd;
    int who;
} shared;

static void *sender(void *arg)
{
    shared *s = arg;
    uint8_t b[512];
    for (int k = 0; k < NMSGS; k++) {
        memset(b, s->who, sizeof b);
        TCHECK(braid_send(s->fd, b, sizeof b, MSG_NOSIGNAL) == (ssize_t)sizeof b);
    }
    return NULL;
}

static void *receiver(void *arg)
{
    shared *s = arg;
    uint8_t b[4096];
    int got[2] = {0, 0};
    for (int k = 0; k < 2 * NMSGS; k++) {
        ssize_t n = braid_recv(s->fd, b, sizeof b, 0);
        TCHECK(n == 512 && (b[0] == 1 || b[0] == 2));
        if (n != 512)
            break;
        got[b[0] - 1]++;
    }
    TCHECK(got[0] == NMSGS && got[1] == NMSGS);
    return NULL;
}

static void *blocked_recv(void *arg)
{
    shared *s = arg;
    uint8_t b[64];
    ssize_t n = braid_recv(s->fd, b, sizeof b, 0);
    return (void *)(intptr_t)n;
}

static void test_shared_socket(void)
{
    ports pp = {free_udp_port(), free_udp_port()};
    int ctl;
    pid_t peer = spawn(echo_peer, &pp, &ctl);
    CTL_EXPECT(ctl, 1);
    int c = client(SOCK_STREAM, pp.uport);
    nodelay(c);
    CHECK_EQ(connect_to(c, pp.sport), 0);
    shared s1 = {c, 1}, s2 = {c, 2}, rv = {c, 0};
    pthread_t a, b, r;
    CHECK_EQ(pthread_create(&r, NULL, receiver, &rv), 0);
    CHECK_EQ(pthread_create(&a, NULL, sender, &s1), 0);
    CHECK_EQ(pthread_create(&b, NULL, sender, &s2), 0);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    pthread_join(r, NULL);
    CHECK_EQ(atomic_load(&t_fails), 0);
    /* close() while a recv waits: the recv ends (at its timeout at the
     * latest) with an error, nothing is freed under it */
    set_timeouts(c, 1000, 1000);
    CHECK_EQ(pthread_create(&r, NULL, blocked_recv, &rv), 0);
    usleep(100000);
    CHECK_EQ(braid_close(c), 0);
    void *res = NULL;
    pthread_join(r, &res);
    CHECK_EQ((intptr_t)res, -1);
    ctl_send(ctl, 2);
    REAP(peer);
}

/* ---- a one-to-many server peeling associations off while their clients
 * send ---- */

static void *echo_peeled(void *arg)
{
    int fd = (int)(intptr_t)arg;
    set_timeouts(fd, 10000, 10000);
    nodelay(fd);
    uint8_t buf[4096];
    for (;;) {
        int fl = 0;
        ssize_t n = rcv(fd, buf, sizeof buf, &fl, NULL);
        if (n <= 0)
            break;
        if (fl & MSG_NOTIFICATION) {
            if (NOTE(buf)->sn_header.sn_type == SCTP_SHUTDOWN_EVENT)
                break;
            continue;
        }
        TCHECK(braid_send(fd, buf, (size_t)n, MSG_NOSIGNAL) == n);
    }
    braid_close(fd);
    return NULL;
}

typedef struct peeler {
    int s;
    pthread_t t[NTHREADS];
    int n;
} peeler;

/* Takes every association off the one-to-many socket as it comes up (what
 * arrived before that is answered here), each to a thread of its own. */
static void *peel_all(void *arg)
{
    peeler *pl = arg;
    uint8_t buf[4096];
    while (pl->n < NTHREADS) {
        int fl = 0;
        struct sctp_sndrcvinfo si;
        ssize_t n = rcv(pl->s, buf, sizeof buf, &fl, &si);
        TCHECK(n > 0);
        if (n <= 0)
            break;
        if (!(fl & MSG_NOTIFICATION)) {
            TCHECK(send_on(pl->s, si.sinfo_assoc_id, buf, (size_t)n, si.sinfo_stream, 0) == n);
            continue;
        }
        struct sctp_assoc_change *ac = &NOTE(buf)->sn_assoc_change;
        if (ac->sac_type != SCTP_ASSOC_CHANGE || ac->sac_state != SCTP_COMM_UP)
            continue;
        int fd = sctp_peeloff(pl->s, ac->sac_assoc_id);
        TCHECK(fd >= 0);
        if (fd < 0)
            break;
        TCHECK(pthread_create(&pl->t[pl->n++], NULL, echo_peeled, (void *)(intptr_t)fd) == 0);
    }
    return NULL;
}

static void test_peeloff_while_sending(void)
{
    uint16_t sport = 0, uport = 0;
    int s = listener(SOCK_SEQPACKET, &sport, &uport);
    CHECK(s >= 0);
    set_timeouts(s, 10000, 10000);
    nodelay(s);
    struct sctp_event_subscribe ev;
    memset(&ev, 0, sizeof ev);
    ev.sctp_data_io_event = ev.sctp_association_event = ev.sctp_shutdown_event = 1;
    CHECK_EQ(braid_setsockopt(s, IPPROTO_SCTP, SCTP_EVENTS, &ev, sizeof ev), 0);
    peeler pl = {.s = s};
    pair p[NTHREADS];
    pthread_t pt, tc[NTHREADS];
    CHECK_EQ(pthread_create(&pt, NULL, peel_all, &pl), 0);
    for (int i = 0; i < NTHREADS; i++) {
        p[i] = (pair){.l = s, .who = i, .sport = sport, .uport = uport};
        CHECK_EQ(pthread_create(&tc[i], NULL, pair_client, &p[i]), 0);
    }
    for (int i = 0; i < NTHREADS; i++)
        pthread_join(tc[i], NULL);
    pthread_join(pt, NULL);
    for (int i = 0; i < pl.n; i++)
        pthread_join(pl.t[i], NULL);
    CHECK_EQ(pl.n, NTHREADS);
    CHECK_EQ(atomic_load(&t_fails), 0);
    CHECK_EQ(braid_close(s), 0);
}

/* ---- exit() while threads are inside calls: braid's exit handler closes
 * their sockets under them ---- */

static void *endless_client(void *arg)
{
    pair *p = arg;
    int c = client(SOCK_STREAM, p->uport);
    nodelay(c);
    if (connect_to(c, p->sport) < 0)
        return NULL;
    uint8_t b[1000];
    memset(b, 7, sizeof b);
    for (;;) { /* until exit; errors once the socket is gone */
        if (braid_send(c, b, sizeof b, MSG_NOSIGNAL) < 0 || braid_recv(c, b, sizeof b, 0) <= 0)
            usleep(1000);
    }
    return NULL;
}

static void test_exit_while_threads_work(void)
{
    pair p[2];
    pthread_t t;
    for (int i = 0; i < 2; i++) {
        p[i] = (pair){.who = i, .quiet = true};
        p[i].l = listener(SOCK_STREAM, &p[i].sport, &p[i].uport);
        CHECK(p[i].l >= 0);
        set_timeouts(p[i].l, 10000, 10000);
        CHECK_EQ(pthread_create(&t, NULL, echo_accepted, &p[i]), 0);
        pthread_detach(t);
        CHECK_EQ(pthread_create(&t, NULL, endless_client, &p[i]), 0);
        pthread_detach(t);
    }
    usleep(200000);
    /* RUN_ISOLATED's exit() now, with four threads inside braid calls */
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    RUN_ISOLATED(test_pairs_in_process);
    RUN_ISOLATED(test_clients_against_a_peer);
    RUN_ISOLATED(test_shared_socket);
    RUN_ISOLATED(test_peeloff_while_sending);
    RUN_ISOLATED(test_exit_while_threads_work);
    return CHECK_REPORT();
}
