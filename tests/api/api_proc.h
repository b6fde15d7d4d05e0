/* Multi-process helpers for the sockets API tests.
 *
 * Every test function runs in a fresh child process (run_isolated), which
 * forks its peers (spawn) before it touches any braid socket: a forked copy
 * of a process that already runs braid's background thread would have no
 * such thread. Each process arms alarm() so that nothing hangs; the parent
 * reaps every child and counts a non-zero exit or a signal as a failure.
 * Processes talk over control sockets (ctl_*) with timeouts.
 */
#ifndef BRAID_TEST_API_PROC_H
#define BRAID_TEST_API_PROC_H

#include "api_util.h"
#include "check.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/prctl.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>

#define PROC_ALARM_S 20 /* no test process lives longer */

static inline uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* A peer process: runs fn(ctl, arg) and exits 0 when all its checks passed.
 * *ctl receives the parent's end of a control socket. */
typedef void (*peer_fn)(int ctl, void *arg);

static inline pid_t spawn(peer_fn fn, void *arg, int *ctl)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        return -1;
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        close(sv[0]);
        check_failed_ = check_total_ = 0; /* this process's own checks */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        alarm(PROC_ALARM_S);
        fn(sv[1], arg);
        fflush(NULL);
        exit(check_failed_ ? 1 : 0);
    }
    close(sv[1]);
    *ctl = sv[0];
    return pid;
}

/* Waits up to timeout_ms for pid; kills it if it is late. True when it
 * exited with status 0. */
static inline bool reap(pid_t pid, int timeout_ms, const char *what)
{
    uint64_t end = now_ms() + (uint64_t)timeout_ms;
    int st = 0;
    for (;;) {
        pid_t r = waitpid(pid, &st, WNOHANG);
        if (r == pid)
            break;
        if (r < 0)
            return false;
        if (now_ms() > end) {
            fprintf(stderr, "%s (pid %d) did not finish in %d ms: killed\n", what, (int)pid,
                    timeout_ms);
            kill(pid, SIGKILL);
            waitpid(pid, &st, 0);
            return false;
        }
        usleep(2000);
    }
    if (WIFSIGNALED(st)) {
        fprintf(stderr, "%s (pid %d) died of signal %d\n", what, (int)pid, WTERMSIG(st));
        return false;
    }
    if (WEXITSTATUS(st) != 0) {
        fprintf(stderr, "%s (pid %d) failed (exit status %d)\n", what, (int)pid, WEXITSTATUS(st));
        return false;
    }
    return true;
}

#define REAP(pid) CHECK(reap((pid), 15000, #pid))

/* Runs fn in its own process (see the top of this file). */
#define RUN_ISOLATED(fn)                                                                           \
    do {                                                                                           \
        fflush(NULL);                                                                              \
        pid_t iso_ = fork();                                                                       \
        if (iso_ == 0) {                                                                           \
            check_failed_ = check_total_ = 0;                                                      \
            alarm(PROC_ALARM_S);                                                                   \
            fn();                                                                                  \
            fflush(NULL);                                                                          \
            exit(check_failed_ ? 1 : 0);                                                           \
        }                                                                                          \
        bool ok_ = reap(iso_, (PROC_ALARM_S + 2) * 1000, #fn);                                     \
        check_total_++;                                                                            \
        if (!ok_)                                                                                  \
            check_failed_++;                                                                       \
        printf("%s %s\n", ok_ ? "ok  " : "FAIL", #fn);                                             \
    } while (0)

/* ---- control channel: one int per message ---- */

static inline void ctl_send(int ctl, int v)
{
    ssize_t n = write(ctl, &v, sizeof v);
    (void)n;
}

/* The next int, or INT32_MIN on timeout / end of file. */
static inline int ctl_recv(int ctl, int timeout_ms)
{
    struct pollfd pf = {ctl, POLLIN, 0};
    if (poll(&pf, 1, timeout_ms) != 1)
        return INT32_MIN;
    int v;
    ssize_t n = read(ctl, &v, sizeof v);
    return n == (ssize_t)sizeof v ? v : INT32_MIN;
}

/* Waits for the value want; a check fails on anything else. */
#define CTL_EXPECT(ctl, want) CHECK_EQ(ctl_recv((ctl), 10000), (want))

/* ---- sockets ---- */

static inline void set_timeouts(int fd, int rcv_ms, int snd_ms)
{
    struct timeval r = {rcv_ms / 1000, (rcv_ms % 1000) * 1000};
    struct timeval s = {snd_ms / 1000, (snd_ms % 1000) * 1000};
    braid_setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &r, sizeof r);
    braid_setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &s, sizeof s);
}

/* A socket on 127.0.0.1:sport with its encapsulation on UDP uport, listening
 * (backlog 16), receive / send timeouts of 5 s. */
static inline int serve(int type, uint16_t sport, uint16_t uport)
{
    int fd = braid_socket(AF_INET, type, IPPROTO_SCTP);
    if (fd < 0)
        return -1;
    int up = uport;
    braid_setsockopt(fd, IPPROTO_SCTP, BRAID_SCTP_LOCAL_UDP_PORT, &up, sizeof up);
    struct sockaddr_in a = loopback(sport);
    if (braid_bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || braid_listen(fd, 16) < 0) {
        braid_close(fd);
        return -1;
    }
    set_timeouts(fd, 5000, 5000);
    return fd;
}

/* A socket that reaches servers whose encapsulation is on UDP uport. */
static inline int client(int type, uint16_t uport)
{
    int fd = braid_socket(AF_INET, type, IPPROTO_SCTP);
    if (fd < 0)
        return -1;
    set_udp_port(fd, uport);
    set_timeouts(fd, 5000, 5000);
    return fd;
}

static inline int connect_to(int fd, uint16_t sport)
{
    struct sockaddr_in a = loopback(sport);
    int rc = braid_connect(fd, (struct sockaddr *)&a, sizeof a);
    if (rc < 0 && getenv("BRAID_TEST_VERBOSE"))
        fprintf(stderr, "  connect to port %u: %s\n", sport, strerror(errno));
    return rc;
}

/* Subscribes to the listed notification types with SCTP_EVENT. */
static inline int subscribe(int fd, const uint16_t *types, int n)
{
    for (int i = 0; i < n; i++) {
        struct sctp_event e;
        memset(&e, 0, sizeof e);
        e.se_type = types[i];
        e.se_on = 1;
        if (braid_setsockopt(fd, IPPROTO_SCTP, SCTP_EVENT, &e, sizeof e) < 0)
            return -1;
    }
    return 0;
}

/* Every class with SCTP_EVENTS (the old all-in-one structure). */
static inline int subscribe_all(int fd)
{
    struct sctp_event_subscribe ev;
    memset(&ev, 1, sizeof ev);
    ev.sctp_send_failure_event_event = 0; /* the old SCTP_SEND_FAILED form */
    return braid_setsockopt(fd, IPPROTO_SCTP, SCTP_EVENTS, &ev, sizeof ev);
}

/* One recvmsg: returns its result; *flags gets msg_flags, *si (optional)
 * the SCTP_SNDRCV of a data message (when subscribed). */
static inline ssize_t rcv(int fd, void *buf, size_t cap, int *flags, struct sctp_sndrcvinfo *si)
{
    struct iovec iov = {buf, cap};
    union {
        struct cmsghdr h;
        char b[CMSG_SPACE(sizeof(struct sctp_sndrcvinfo)) + CMSG_SPACE(sizeof(struct sctp_rcvinfo)) +
               CMSG_SPACE(sizeof(struct sctp_nxtinfo))];
    } cb;
    struct msghdr m;
    memset(&m, 0, sizeof m);
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = cb.b;
    m.msg_controllen = sizeof cb.b;
    ssize_t n = braid_recvmsg(fd, &m, 0);
    if (flags)
        *flags = n >= 0 ? m.msg_flags : 0;
    if (si) {
        memset(si, 0, sizeof *si);
        if (n >= 0)
            for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
                if (c->cmsg_level == IPPROTO_SCTP && c->cmsg_type == SCTP_SNDRCV)
                    memcpy(si, CMSG_DATA(c), sizeof *si);
    }
    return n;
}

/* Reads until a notification of the given type arrives, skipping other
 * notifications and data (at most 64 reads); its length, or -1. */
static inline ssize_t wait_note(int fd, uint16_t type, void *buf, size_t cap)
{
    for (int i = 0; i < 64; i++) {
        int fl = 0;
        ssize_t n = rcv(fd, buf, cap, &fl, NULL);
        if (n < 0) {
            fprintf(stderr, "wait_note(%#x): recvmsg: %s\n", type, strerror(errno));
            return -1;
        }
        if (n == 0) {
            fprintf(stderr, "wait_note(%#x): end of file\n", type);
            return -1;
        }
        uint16_t t;
        memcpy(&t, buf, sizeof t);
        if ((fl & MSG_NOTIFICATION) && n >= 8 && t == type)
            return n;
    }
    return -1;
}

/* Sends msg with sctp_sendmsg to association id (one-to-many) or to the
 * peer (one-to-one, id 0). */
static inline int send_on(int fd, sctp_assoc_t id, const void *msg, size_t len, uint16_t sid,
                          uint32_t flags)
{
    struct sctp_sndrcvinfo si;
    memset(&si, 0, sizeof si);
    si.sinfo_stream = sid;
    si.sinfo_flags = (uint16_t)flags;
    si.sinfo_assoc_id = id;
    return sctp_send(fd, msg, len, &si, MSG_NOSIGNAL);
}

#endif
