/* fork() with braid sockets (docs/architecture.md, "fork"): the server
 * patterns of issue #12, each against a client in a process of its own
 * (a separate braid), over UDP on loopback.
 *
 * (1) accept() then fork(): the child serves the association, the parent
 *     closes its copy and accepts the next (inetd, socat's fork option);
 * (2) pre-forked workers accepting on one listening socket;
 * (3) fork + exec with FD_CLOEXEC: the parent's socket goes on;
 * and parent and child both sending on one socket (which used to abort the
 * association as a protocol violation). */
#include "api_proc.h"
#include "check.h"

#include <stdatomic.h>
#include <sys/mman.h>

#define MSGS 50

/* Echoes every message on c until the peer shuts down; the count. */
static int echo(int c)
{
    char buf[2048];
    int n = 0;
    for (;;) {
        ssize_t r = braid_recv(c, buf, sizeof buf, 0);
        if (r <= 0)
            return r == 0 ? n : -1;
        if (braid_send(c, buf, (size_t)r, 0) != r)
            return -1;
        n++;
    }
}

/* Connects to sport, sends MSGS numbered messages and checks each echo;
 * true when all came back right. */
static bool talk(uint16_t sport, uint16_t up, int tag)
{
    int c = client(SOCK_STREAM, up);
    if (c < 0 || connect_to(c, sport) != 0) {
        fprintf(stderr, "  client %d: connect: %s\n", tag, strerror(errno));
        return false;
    }
    bool ok = true;
    for (int i = 0; i < MSGS && ok; i++) {
        char m[64], r[64];
        int l = snprintf(m, sizeof m, "client %d message %d", tag, i);
        ok = braid_send(c, m, (size_t)l, 0) == l;
        ssize_t g = ok ? braid_recv(c, r, sizeof r, 0) : -1;
        ok = ok && g == l && !memcmp(m, r, (size_t)l);
        if (!ok)
            fprintf(stderr, "  client %d: message %d: %zd (%s)\n", tag, i, g, strerror(errno));
    }
    /* a graceful close: the serving process reads end of file, then closes */
    struct linger lg = {1, 5};
    braid_setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    braid_close(c);
    return ok;
}

struct srv {
    uint16_t sport, up;
    int conns;
};

static void clients(int ctl, void *arg)
{
    struct srv *a = arg;
    CTL_EXPECT(ctl, 1); /* the server listens */
    for (int i = 0; i < a->conns; i++)
        CHECK(talk(a->sport, a->up, i));
    ctl_send(ctl, 2);
}

/* Several clients at once (one process each): the workers serve them in
 * parallel. */
static void parallel_clients(int ctl, void *arg)
{
    struct srv *a = arg;
    CTL_EXPECT(ctl, 1);
    pid_t kids[8];
    for (int i = 0; i < a->conns; i++) {
        fflush(NULL);
        kids[i] = fork();
        if (kids[i] == 0) {
            alarm(PROC_ALARM_S);
            exit(talk(a->sport, a->up, i) ? 0 : 1);
        }
    }
    for (int i = 0; i < a->conns; i++)
        CHECK(reap(kids[i], 15000, "client"));
    ctl_send(ctl, 2);
}

/* (1) accept, fork, the child serves, the parent closes its copy. */
static void test_accept_then_fork(void)
{
    struct srv a = {.conns = 3};
    a.up = free_udp_port();
    a.sport = (uint16_t)(20000 + getpid() % 20000);
    int ctl;
    pid_t cl = spawn(clients, &a, &ctl);
    int l = serve(SOCK_STREAM, a.sport, a.up);
    CHECK(l >= 0);
    ctl_send(ctl, 1);
    pid_t kids[3];
    for (int i = 0; i < a.conns; i++) {
        int c = braid_accept(l, NULL, NULL);
        CHECK(c >= 0);
        fflush(NULL);
        kids[i] = fork();
        if (kids[i] == 0) {
            braid_close(l); /* as socat's child: the listener is the parent's */
            set_timeouts(c, 5000, 5000);
            int n = echo(c);
            braid_close(c);
            exit(n == MSGS ? 0 : 1);
        }
        CHECK(kids[i] > 0);
        CHECK_EQ(braid_close(c), 0); /* the child's copy stays open */
    }
    CTL_EXPECT(ctl, 2);
    for (int i = 0; i < a.conns; i++)
        CHECK(reap(kids[i], 15000, "serving child"));
    REAP(cl);
    braid_close(l);
}

/* (2) pre-forked workers, one listening socket, each accepts in turn.
 * family: the clients are forked from the server's process after it made
 * the listener (so they share its sockets' world: in-process delivery
 * between processes); otherwise they are processes of their own. */
static void preforked(bool family)
{
    enum { WORKERS = 3, CONNS = 6 };
    struct srv a = {.conns = CONNS};
    a.up = free_udp_port();
    a.sport = (uint16_t)(20000 + (getpid() + 7) % 20000);
    struct srv p1 = {a.sport, a.up, WORKERS}, p2 = {a.sport, a.up, CONNS - WORKERS};
    int ctl1 = -1, ctl2 = -1;
    pid_t cl1 = 0, cl2 = 0;
    if (!family) {
        cl1 = spawn(parallel_clients, &p1, &ctl1);
        cl2 = spawn(clients, &p2, &ctl2);
    }
    int l = serve(SOCK_STREAM, a.sport, a.up);
    CHECK(l >= 0);
    /* how many connections each worker served, in memory all of them see */
    _Atomic int *served =
        mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CHECK(served != MAP_FAILED);
    pid_t w[WORKERS];
    for (int i = 0; i < WORKERS; i++) {
        fflush(NULL);
        w[i] = fork();
        if (w[i] == 0) {
            for (;;) {
                if (atomic_load(&served[WORKERS]) >= CONNS)
                    exit(0);
                int c = braid_accept(l, NULL, NULL); /* SO_RCVTIMEO 5 s */
                if (c < 0)
                    exit(errno == EAGAIN && atomic_load(&served[WORKERS]) >= CONNS ? 0 : 1);
                set_timeouts(c, 5000, 5000);
                int n = echo(c);
                braid_close(c);
                if (n != MSGS)
                    exit(2);
                atomic_fetch_add(&served[i], 1);
                atomic_fetch_add(&served[WORKERS], 1);
            }
        }
    }
    if (family) {
        cl1 = spawn(parallel_clients, &p1, &ctl1);
        cl2 = spawn(clients, &p2, &ctl2);
    }
    ctl_send(ctl1, 1);
    CTL_EXPECT(ctl1, 2);
    REAP(cl1);
    ctl_send(ctl2, 1);
    CTL_EXPECT(ctl2, 2);
    REAP(cl2);
    for (int i = 0; i < WORKERS; i++)
        CHECK(reap(w[i], 15000, "worker"));
    CHECK_EQ(atomic_load(&served[WORKERS]), CONNS);
    int busy = 0;
    for (int i = 0; i < WORKERS; i++)
        busy += atomic_load(&served[i]) > 0;
    CHECK(busy >= 2); /* three clients at once: more than one worker took one */
    braid_close(l);
}

static void test_preforked_workers(void)
{
    preforked(false);
}

static void test_preforked_family(void)
{
    preforked(true);
}

/* A child killed while it alone holds the socket: the family finds out
 * and ends the association (the client reads end of file). */
static void one_then_wait(int ctl, void *arg)
{
    struct srv *a = arg;
    CTL_EXPECT(ctl, 1);
    int c = client(SOCK_STREAM, a->up);
    CHECK_EQ(connect_to(c, a->sport), 0);
    set_timeouts(c, 8000, 5000);
    CHECK_EQ(braid_send(c, "x", 1, 0), 1);
    char b[8];
    uint64_t t0 = now_ms();
    ssize_t r = braid_recv(c, b, sizeof b, 0);
    CHECK_EQ(r, 0);
    if (r != 0)
        fprintf(stderr, "  after the kill: %zd (%s)\n", r, strerror(errno));
    ctl_send(ctl, (int)(now_ms() - t0));
    braid_close(c);
}

static void test_child_killed(void)
{
    struct srv a = {.conns = 1};
    a.up = free_udp_port();
    a.sport = (uint16_t)(20000 + (getpid() + 29) % 20000);
    int ctl;
    pid_t cl = spawn(one_then_wait, &a, &ctl);
    int l = serve(SOCK_STREAM, a.sport, a.up);
    CHECK(l >= 0);
    ctl_send(ctl, 1);
    int c = braid_accept(l, NULL, NULL);
    CHECK(c >= 0);
    fflush(NULL);
    pid_t kid = fork();
    if (kid == 0) {
        char b[8];
        if (braid_recv(c, b, sizeof b, 0) == 1)
            kill(getpid(), SIGKILL);
        _exit(1);
    }
    CHECK_EQ(braid_close(c), 0);
    int st = 0;
    CHECK_EQ(waitpid(kid, &st, 0), kid);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
    int ms = ctl_recv(ctl, 10000);
    CHECK(ms >= 0 && ms < 5000);
    REAP(cl);
    braid_close(l);
}

/* A port the family releases in another process than the one that bound
 * it is free for every process at once (its name goes with the last
 * close, wherever that happens). */
static void bind_later(int ctl, void *arg)
{
    struct srv *a = arg;
    CTL_EXPECT(ctl, 1); /* the family let go */
    uint64_t t0 = now_ms();
    int l = -1;
    while (l < 0 && now_ms() - t0 < 3000) {
        l = serve(SOCK_STREAM, a->sport, a->up);
        if (l < 0)
            usleep(10000);
    }
    CHECK(l >= 0);
    ctl_send(ctl, (int)(now_ms() - t0));
    braid_close(l);
}

static void test_port_released_in_child(void)
{
    struct srv a = {.conns = 1};
    a.up = free_udp_port();
    a.sport = (uint16_t)(20000 + (getpid() + 37) % 20000);
    int ctl;
    pid_t other = spawn(bind_later, &a, &ctl);
    int l = serve(SOCK_STREAM, a.sport, a.up);
    CHECK(l >= 0);
    fflush(NULL);
    pid_t kid = fork();
    if (kid == 0) {
        usleep(100000); /* the parent's close first: the child's is the last */
        braid_close(l);
        usleep(200000);
        exit(0);
    }
    CHECK_EQ(braid_close(l), 0);
    CHECK(reap(kid, 15000, "child"));
    ctl_send(ctl, 1);
    int ms = ctl_recv(ctl, 10000);
    CHECK(ms >= 0 && ms < 2000);
    REAP(other);
}

/* One socket, parent and child both sending; the peer gets every message
 * of both, the association survives. */
static void count_peer(int ctl, void *arg)
{
    struct srv *a = arg;
    int l = serve(SOCK_STREAM, a->sport, a->up);
    CHECK(l >= 0);
    ctl_send(ctl, 1);
    int c = braid_accept(l, NULL, NULL);
    CHECK(c >= 0);
    set_timeouts(c, 5000, 5000);
    int from[2] = {0, 0};
    char buf[128];
    for (;;) {
        ssize_t r = braid_recv(c, buf, sizeof buf - 1, 0);
        if (r <= 0)
            break;
        buf[r] = 0;
        int who = -1, i = -1;
        if (sscanf(buf, "%d %d", &who, &i) == 2 && (who == 0 || who == 1) && i == from[who])
            from[who]++;
        else
            CHECK(!"message out of order");
    }
    CHECK_EQ(from[0], 200);
    CHECK_EQ(from[1], 200);
    ctl_send(ctl, from[0] + from[1]);
    braid_close(c);
    braid_close(l);
}

static void test_both_send(void)
{
    struct srv a;
    a.up = free_udp_port();
    a.sport = (uint16_t)(20000 + (getpid() + 13) % 20000);
    int ctl;
    pid_t peer = spawn(count_peer, &a, &ctl);
    CTL_EXPECT(ctl, 1);
    int c = client(SOCK_STREAM, a.up);
    CHECK_EQ(connect_to(c, a.sport), 0);
    fflush(NULL);
    pid_t kid = fork();
    int who = kid == 0;
    for (int i = 0; i < 200; i++) {
        char m[32];
        int n = snprintf(m, sizeof m, "%d %d", who, i);
        if (braid_send(c, m, (size_t)n, 0) != n) {
            fprintf(stderr, "  sender %d: message %d: %s\n", who, i, strerror(errno));
            if (kid == 0)
                _exit(1);
            CHECK(0);
            break;
        }
    }
    if (kid == 0) {
        braid_close(c); /* the parent's copy keeps it open */
        exit(0);
    }
    CHECK(reap(kid, 15000, "sending child"));
    CHECK_EQ(braid_close(c), 0); /* the last: the graceful shutdown */
    CTL_EXPECT(ctl, 400);
    REAP(peer);
}

/* BRAID_FORK_SHARE=0: the child cannot share the world, so its copies are
 * dead sockets (end of file, EPIPE), never copies acting on the parent's
 * associations; the parent's association goes on. */
static void test_no_share(void)
{
    setenv("BRAID_FORK_SHARE", "0", 1); /* read at the first socket */
    struct srv a;
    a.up = free_udp_port();
    a.sport = (uint16_t)(20000 + (getpid() + 43) % 20000);
    int ctl;
    pid_t peer = spawn(count_peer, &a, &ctl);
    CTL_EXPECT(ctl, 1);
    int c = client(SOCK_STREAM, a.up);
    CHECK_EQ(connect_to(c, a.sport), 0);
    fflush(NULL);
    pid_t kid = fork();
    if (kid == 0) {
        char b[8];
        ssize_t r = braid_recv(c, b, sizeof b, 0);
        errno = 0;
        ssize_t w = braid_send(c, "1 0", 3, MSG_NOSIGNAL);
        exit(r == 0 && w == -1 && errno == EPIPE ? 0 : 1);
    }
    CHECK(reap(kid, 15000, "child without the world"));
    for (int who = 0; who < 2; who++)
        for (int i = 0; i < 200; i++) {
            char m[32];
            int n = snprintf(m, sizeof m, "%d %d", who, i);
            CHECK_EQ(braid_send(c, m, (size_t)n, 0), n);
        }
    CHECK_EQ(braid_close(c), 0);
    CTL_EXPECT(ctl, 400);
    REAP(peer);
}

/* (3) fork + exec with FD_CLOEXEC: the exec'd program has none of it; the
 * parent's association goes on as if nothing happened. */
static void test_exec_cloexec(void)
{
    struct srv a;
    a.up = free_udp_port();
    a.sport = (uint16_t)(20000 + (getpid() + 21) % 20000);
    int ctl;
    pid_t peer = spawn(count_peer, &a, &ctl);
    CTL_EXPECT(ctl, 1);
    int c = client(SOCK_STREAM, a.up);
    CHECK_EQ(connect_to(c, a.sport), 0);
    CHECK_EQ(braid_fcntl(c, F_SETFD, FD_CLOEXEC), 0);
    for (int i = 0; i < 100; i++) {
        char m[32];
        int n = snprintf(m, sizeof m, "0 %d", i);
        CHECK_EQ(braid_send(c, m, (size_t)n, 0), n);
    }
    fflush(NULL);
    pid_t kid = fork();
    if (kid == 0) {
        execl("/bin/sh", "sh", "-c", "exit 0", (char *)NULL);
        _exit(127);
    }
    CHECK(reap(kid, 15000, "exec'd child"));
    for (int i = 100; i < 200; i++) {
        char m[32];
        int n = snprintf(m, sizeof m, "0 %d", i);
        CHECK_EQ(braid_send(c, m, (size_t)n, 0), n);
    }
    /* the other sender of count_peer: this process again, as "1" */
    for (int i = 0; i < 200; i++) {
        char m[32];
        int n = snprintf(m, sizeof m, "1 %d", i);
        CHECK_EQ(braid_send(c, m, (size_t)n, 0), n);
    }
    CHECK_EQ(braid_close(c), 0);
    CTL_EXPECT(ctl, 400);
    REAP(peer);
}

int main(void)
{
    RUN_ISOLATED(test_accept_then_fork);
    RUN_ISOLATED(test_preforked_workers);
    RUN_ISOLATED(test_preforked_family);
    RUN_ISOLATED(test_both_send);
    RUN_ISOLATED(test_child_killed);
    RUN_ISOLATED(test_port_released_in_child);
    RUN_ISOLATED(test_exec_cloexec);
    RUN_ISOLATED(test_no_share);
    return CHECK_REPORT();
}
