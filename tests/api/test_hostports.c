/* Many processes on one host (issue #12, src/api/hostport.c): servers in
 * separate processes share the default UDP encapsulation port 9899 (each
 * SCTP port steered to its process), clients in other processes reach
 * them, an SCTP port nobody serves is refused at once, an SCTP port is the
 * host's (EADDRINUSE in a second process), a killed server's port is
 * refused and free again; the same over raw IP (BRAID_TRANSPORT=raw, one
 * elected answerer of out-of-the-blue packets), and the fallback without
 * BPF (BRAID_REUSEPORT=0: one process per UDP port).
 *
 * Root only (network namespaces, BPF, raw sockets): every scenario runs in
 * a network namespace of its own (lo up), so 9899 is free. Each process
 * is a peer that runs the commands of the test's control socket.
 * `test_hostports NAME` runs one scenario. */
#include "api_proc.h"

#include <dirent.h>
#include <pthread.h>
#include <sched.h>
#include <sys/stat.h>

enum { CMD_SERVE = 1, CMD_ECHO4, CMD_ECHO6, CMD_REFUSED, CMD_EXIT };

#define ERR_MISMATCH (-10000)  /* an echo that came back different */
#define ERR_CONNECTED (-10001) /* a connect that should have been refused */

typedef struct peer_env {
    const char *transport; /* BRAID_TRANSPORT (NULL: UDP) */
    const char *reuseport; /* BRAID_REUSEPORT (NULL: default) */
} peer_env;

static const peer_env ENV_UDP = {NULL, NULL};
static const peer_env ENV_RAW = {"raw", NULL};
static const peer_env ENV_NOBPF = {NULL, "0"};

/* ---- the peer process ---- */

static void *echo_main(void *arg)
{
    int fd = (int)(intptr_t)arg;
    char buf[2048];
    for (;;) {
        struct sockaddr_storage from;
        socklen_t fl = sizeof from;
        struct sctp_sndrcvinfo si;
        int flags = 0;
        memset(&si, 0, sizeof si);
        int n = sctp_recvmsg(fd, buf, sizeof buf, (struct sockaddr *)&from, &fl, &si, &flags);
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            return NULL; /* closed at exit */
        }
        if (flags & MSG_NOTIFICATION)
            continue;
        sctp_sendmsg(fd, buf, (size_t)n, (struct sockaddr *)&from, fl, 0, 0, si.sinfo_stream, 0, 0);
    }
}

/* A one-to-many echo server on [::]:port (IPv4 and IPv6 peers) over the
 * default UDP port: 0 or -errno (bind or listen). */
static int peer_serve(uint16_t port)
{
    int fd = braid_socket(AF_INET6, SOCK_SEQPACKET, IPPROTO_SCTP);
    if (fd < 0)
        return -errno;
    struct sockaddr_in6 a;
    memset(&a, 0, sizeof a);
    a.sin6_family = AF_INET6;
    a.sin6_port = htons(port);
    if (braid_bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || braid_listen(fd, 16) < 0) {
        int e = errno;
        braid_close(fd);
        return -e;
    }
    pthread_t th;
    if (pthread_create(&th, NULL, echo_main, (void *)(intptr_t)fd) != 0)
        return -EAGAIN;
    pthread_detach(th);
    return 0;
}

static int peer_connect(int family, uint16_t port, int *fdp)
{
    int fd = braid_socket(family, SOCK_STREAM, IPPROTO_SCTP);
    if (fd < 0)
        return -errno;
    set_timeouts(fd, 5000, 5000);
    struct sockaddr_storage ss;
    socklen_t sl;
    memset(&ss, 0, sizeof ss);
    if (family == AF_INET) {
        struct sockaddr_in a = loopback(port);
        memcpy(&ss, &a, sizeof a);
        sl = sizeof a;
    } else {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
        a->sin6_family = AF_INET6;
        a->sin6_port = htons(port);
        a->sin6_addr = in6addr_loopback;
        sl = sizeof *a;
    }
    if (braid_connect(fd, (struct sockaddr *)&ss, sl) < 0) {
        int e = errno;
        braid_close(fd);
        return -e;
    }
    *fdp = fd;
    return 0;
}

/* Connects to port, three messages echoed byte for byte: 0 or an error. */
static int peer_echo(int family, uint16_t port)
{
    int fd = -1;
    int rc = peer_connect(family, port, &fd);
    if (rc < 0)
        return rc;
    for (int i = 0; i < 3 && rc == 0; i++) {
        char msg[128], back[256];
        int n = snprintf(msg, sizeof msg, "hostports to %u from pid %d, message %d (family %d)",
                         (unsigned)port, (int)getpid(), i, family);
        if (braid_send(fd, msg, (size_t)n, 0) != n) {
            rc = -errno;
            break;
        }
        ssize_t r = braid_recv(fd, back, sizeof back, 0);
        if (r < 0)
            rc = -errno;
        else if (r != n || memcmp(back, msg, (size_t)n))
            rc = ERR_MISMATCH;
    }
    braid_close(fd);
    return rc;
}

/* Connects to a port that is to be refused: the milliseconds it took
 * (ECONNREFUSED), or an error. */
static int peer_refused(uint16_t port)
{
    uint64_t t0 = now_ms();
    int fd = -1;
    int rc = peer_connect(AF_INET, port, &fd);
    if (rc == 0) {
        braid_close(fd);
        return ERR_CONNECTED;
    }
    if (rc != -ECONNREFUSED)
        return rc;
    return (int)(now_ms() - t0);
}

static void peer_main(int ctl, void *arg)
{
    const peer_env *e = arg;
    if (e->transport)
        setenv("BRAID_TRANSPORT", e->transport, 1);
    if (e->reuseport)
        setenv("BRAID_REUSEPORT", e->reuseport, 1);
    setenv("BRAID_EXIT_LINGER_MS", "200", 1);
    for (;;) {
        int cmd = ctl_recv(ctl, 18000);
        if (cmd == INT32_MIN || cmd == CMD_EXIT)
            break;
        int port = ctl_recv(ctl, 1000);
        int r = -EINVAL;
        if (cmd == CMD_SERVE)
            r = peer_serve((uint16_t)port);
        else if (cmd == CMD_ECHO4)
            r = peer_echo(AF_INET, (uint16_t)port);
        else if (cmd == CMD_ECHO6)
            r = peer_echo(AF_INET6, (uint16_t)port);
        else if (cmd == CMD_REFUSED)
            r = peer_refused((uint16_t)port);
        ctl_send(ctl, r);
    }
}

/* ---- the test's side ---- */

typedef struct peer {
    pid_t pid;
    int ctl;
} peer;

static peer start(const peer_env *e)
{
    peer p = {-1, -1};
    p.pid = spawn(peer_main, (void *)e, &p.ctl);
    return p;
}

static int run(peer p, int cmd, uint16_t port)
{
    ctl_send(p.ctl, cmd);
    ctl_send(p.ctl, port);
    return ctl_recv(p.ctl, 12000);
}

#define SERVE(p, port) CHECK_EQ(run((p), CMD_SERVE, (port)), 0)
#define ECHO(p, port)                                                                              \
    do {                                                                                           \
        CHECK_EQ(run((p), CMD_ECHO4, (port)), 0);                                                  \
        CHECK_EQ(run((p), CMD_ECHO6, (port)), 0);                                                  \
    } while (0)
/* ECONNREFUSED within max_ms */
#define REFUSED(p, port, max_ms)                                                                   \
    do {                                                                                           \
        int ms_ = run((p), CMD_REFUSED, (port));                                                   \
        printf("  port %u refused: %d ms\n", (unsigned)(port), ms_);                               \
        CHECK(ms_ >= 0 && ms_ < (max_ms));                                                         \
    } while (0)

static void finish(peer p)
{
    ctl_send(p.ctl, CMD_EXIT);
    REAP(p.pid);
    close(p.ctl);
}

static void kill_peer(peer p)
{
    kill(p.pid, SIGKILL);
    waitpid(p.pid, NULL, 0);
    close(p.ctl);
}

static bool private_netns(void)
{
    if (unshare(CLONE_NEWNET) != 0) {
        printf("  skip: unshare(CLONE_NEWNET): %s\n", strerror(errno));
        return false;
    }
    if (system("ip link set lo up") != 0) {
        printf("  skip: ip link set lo up failed\n");
        return false;
    }
    return true;
}

/* The pins of this network namespace's UDP port 9899 (hostport.c): how
 * many are left (the last process to leave removes them). */
static int pins_left(void)
{
    struct stat st;
    if (stat("/proc/self/ns/net", &st) != 0)
        return -1;
    char prefix[64];
    snprintf(prefix, sizeof prefix, "v1-udp-%llu-9899-", (unsigned long long)st.st_ino);
    DIR *d = opendir("/sys/fs/bpf/braid");
    if (!d)
        return 0;
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        if (!strncmp(e->d_name, prefix, strlen(prefix)))
            n++;
    closedir(d);
    return n;
}

/* Removes this namespace's pins left by killed processes. */
static void pins_clean(void)
{
    struct stat st;
    if (stat("/proc/self/ns/net", &st) != 0)
        return;
    const char *what[] = {"ports", "socks"};
    for (int i = 0; i < 2; i++) {
        char p[160];
        snprintf(p, sizeof p, "/sys/fs/bpf/braid/v1-udp-%llu-9899-%s",
                 (unsigned long long)st.st_ino, what[i]);
        unlink(p);
    }
}

/* Two servers on UDP 9899 in two processes (SCTP ports 5001, 5002), two
 * client processes reaching both over IPv4 and IPv6, and each server
 * reaching the other's port (out through the shared socket's kernel path,
 * not handed to its own refuser); 5003, served by nobody: refused. */
static void test_udp_two_servers(void)
{
    if (!private_netns())
        return;
    peer a = start(&ENV_UDP), b = start(&ENV_UDP), c1 = start(&ENV_UDP), c2 = start(&ENV_UDP);
    SERVE(a, 5001);
    SERVE(b, 5002);
    ECHO(c1, 5001);
    ECHO(c1, 5002);
    ECHO(c2, 5002);
    ECHO(c2, 5001);
    ECHO(a, 5002);
    ECHO(b, 5001);
    ECHO(a, 5001); /* (and within one process) */
    REFUSED(c1, 5003, 1000);
    REFUSED(a, 5003, 1000);
    finish(c1);
    finish(c2);
    finish(a);
    ECHO(b, 5002); /* the other still serves */
    finish(b);
    CHECK_EQ(pins_left(), 0);
}

/* One SCTP port in two processes: the second gets EADDRINUSE, as on Linux
 * (SCTP ports are the host's); client ports never collide either. */
static void test_udp_same_port(void)
{
    if (!private_netns())
        return;
    peer a = start(&ENV_UDP), b = start(&ENV_UDP), c = start(&ENV_UDP);
    SERVE(a, 5001);
    CHECK_EQ(run(b, CMD_SERVE, 5001), -EADDRINUSE);
    SERVE(b, 5002);
    ECHO(c, 5001);
    ECHO(c, 5002);
    finish(c);
    finish(b);
    finish(a);
    CHECK_EQ(pins_left(), 0);
}

/* A server killed: its port is refused at once (no process serves it any
 * more), and another process can take it. */
static void test_udp_killed_server(void)
{
    if (!private_netns())
        return;
    peer a = start(&ENV_UDP), b = start(&ENV_UDP), c = start(&ENV_UDP);
    SERVE(a, 5001);
    SERVE(b, 5002);
    ECHO(c, 5001);
    kill_peer(a);
    REFUSED(c, 5001, 1000);
    ECHO(c, 5002);
    peer d = start(&ENV_UDP);
    SERVE(d, 5001);
    ECHO(c, 5001);
    ECHO(b, 5001);
    finish(c);
    finish(d);
    finish(b);
    CHECK_EQ(pins_left(), 0);
    pins_clean();
}

/* Raw IP: two servers in two processes, clients reaching both, an unserved
 * port refused by the elected answerer (the first process with a raw
 * socket: a); when a dies the role moves on (b takes it over on its
 * periodic timer) and a's port is refused too. */
static void test_raw_two_servers(void)
{
    if (!private_netns())
        return;
    peer a = start(&ENV_RAW), b = start(&ENV_RAW), c1 = start(&ENV_RAW), c2 = start(&ENV_RAW);
    SERVE(a, 5001);
    SERVE(b, 5002);
    ECHO(c1, 5001);
    ECHO(c1, 5002);
    ECHO(c2, 5002);
    ECHO(c2, 5001);
    ECHO(a, 5002);
    ECHO(b, 5001);
    REFUSED(c1, 5003, 1000);
    REFUSED(b, 5003, 1000);
    CHECK_EQ(run(c2, CMD_SERVE, 5002), -EADDRINUSE);
    kill_peer(a);
    /* the answerer is gone: within its successor's timer (0.5 s) and an
     * INIT retransmission the port is refused */
    REFUSED(c1, 5001, 4000);
    REFUSED(c2, 5003, 1000);
    ECHO(c2, 5002);
    finish(c1);
    finish(c2);
    finish(b);
}

/* Without BPF (BRAID_REUSEPORT=0, as without root): UDP 9899 belongs to
 * one process, as before; a second server process gets EADDRINUSE (its
 * own setting either way), the first one serves and refuses. */
static void test_fallback_no_bpf(void)
{
    if (!private_netns())
        return;
    peer a = start(&ENV_NOBPF), b = start(&ENV_UDP), b0 = start(&ENV_NOBPF), c = start(&ENV_NOBPF);
    SERVE(a, 5001);
    CHECK_EQ(run(b, CMD_SERVE, 5002), -EADDRINUSE);
    CHECK_EQ(run(b0, CMD_SERVE, 5002), -EADDRINUSE);
    ECHO(c, 5001);
    REFUSED(c, 5003, 1000);
    REFUSED(c, 5002, 1000);
    finish(c);
    finish(b0);
    finish(b);
    finish(a);
    CHECK_EQ(pins_left(), 0);
}

#define SCENARIO(fn)                                                                               \
    do {                                                                                           \
        if (argc < 2 || !strcmp(argv[1], #fn))                                                     \
            RUN_ISOLATED(fn);                                                                      \
    } while (0)

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    if (geteuid() != 0) {
        printf("  skipped: needs root (network namespaces, BPF, raw IP)\n");
        return 0;
    }
    SCENARIO(test_udp_two_servers);
    SCENARIO(test_udp_same_port);
    SCENARIO(test_udp_killed_server);
    SCENARIO(test_raw_two_servers);
    SCENARIO(test_fallback_no_bpf);
    return CHECK_REPORT();
}
