/*
 * A program of the kind Debian's libsctp-dev builds: <netinet/sctp.h> and
 * -lsctp, nothing of braid. make check-dropin runs it under braid-run two
 * ways:
 *
 *   libsctp_prog            the sctp_* calls as the program links them: the
 *                           preload library's (braid's) come first
 *   libsctp_prog --libsctp  the same calls taken from libsctp.so.1 itself
 *                           (dlopen + dlsym), so libsctp's own code runs:
 *                           setsockopt/getsockopt with Linux's private
 *                           options (SCTP_SOCKOPT_BINDX_ADD, CONNECTX3,
 *                           PEELOFF, GET_PEER_ADDRS, ...), sendmsg/recvmsg
 *                           with SCTP_SNDRCV cmsgs
 *
 * One-to-many server and one-to-one client in one process: bindx, connectx,
 * sctp_sendmsg, sctp_recvmsg, getpaddrs/getladdrs, opt_info, peeloff,
 * sctp_send back over the peeled-off socket. Prints "ok: ..." lines; exit 1
 * on the first failure.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/sctp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int (*p_bindx)(int, struct sockaddr *, int, int);
static int (*p_connectx)(int, struct sockaddr *, int, sctp_assoc_t *);
static int (*p_peeloff)(int, sctp_assoc_t);
static int (*p_getpaddrs)(int, sctp_assoc_t, struct sockaddr **);
static int (*p_freepaddrs)(struct sockaddr *);
static int (*p_getladdrs)(int, sctp_assoc_t, struct sockaddr **);
static int (*p_freeladdrs)(struct sockaddr *);
static int (*p_opt_info)(int, sctp_assoc_t, int, void *, socklen_t *);
static int (*p_sendmsg)(int, const void *, size_t, struct sockaddr *, socklen_t, uint32_t, uint32_t,
                        uint16_t, uint32_t, uint32_t);
static int (*p_send)(int, const void *, size_t, const struct sctp_sndrcvinfo *, int);
static int (*p_recvmsg)(int, void *, size_t, struct sockaddr *, socklen_t *,
                        struct sctp_sndrcvinfo *, int *);

#define CHECK(cond, what)                                                                          \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "FAIL: %s (%s)\n", what, strerror(errno));                             \
            exit(1);                                                                               \
        }                                                                                          \
        printf("ok: %s\n", what);                                                                  \
    } while (0)

static void *need(void *h, const char *name, const char *version)
{
    void *p = version ? dlvsym(h, name, version) : dlsym(h, name);
    if (!p) {
        fprintf(stderr, "FAIL: %s not in libsctp.so.1\n", name);
        exit(1);
    }
    return p;
}

/* (a function pointer from dlsym's void *, as POSIX allows) */
#define FROM(h, var, name, ver) *(void **)&var = need(h, name, ver)

static void use_libsctp_itself(void)
{
    void *h = dlopen("libsctp.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        fprintf(stderr, "FAIL: dlopen libsctp.so.1: %s\n", dlerror());
        exit(1);
    }
    FROM(h, p_bindx, "sctp_bindx", NULL);
    FROM(h, p_connectx, "sctp_connectx", "VERS_3");
    FROM(h, p_peeloff, "sctp_peeloff", NULL);
    FROM(h, p_getpaddrs, "sctp_getpaddrs", NULL);
    FROM(h, p_freepaddrs, "sctp_freepaddrs", NULL);
    FROM(h, p_getladdrs, "sctp_getladdrs", NULL);
    FROM(h, p_freeladdrs, "sctp_freeladdrs", NULL);
    FROM(h, p_opt_info, "sctp_opt_info", NULL);
    FROM(h, p_sendmsg, "sctp_sendmsg", NULL);
    FROM(h, p_send, "sctp_send", NULL);
    FROM(h, p_recvmsg, "sctp_recvmsg", NULL);
    /* the proof that these are libsctp's: its address range, not braid's */
    Dl_info di;
    if (dladdr(*(void **)&p_bindx, &di) && di.dli_fname)
        printf("ok: sctp_bindx from %s\n", di.dli_fname);
}

static void use_linked(void)
{
    p_bindx = sctp_bindx;
    p_connectx = sctp_connectx;
    p_peeloff = sctp_peeloff;
    p_getpaddrs = sctp_getpaddrs;
    p_freepaddrs = sctp_freepaddrs;
    p_getladdrs = sctp_getladdrs;
    p_freeladdrs = sctp_freeladdrs;
    p_opt_info = sctp_opt_info;
    p_sendmsg = sctp_sendmsg;
    p_send = sctp_send;
    p_recvmsg = sctp_recvmsg;
    Dl_info di;
    if (dladdr(*(void **)&p_bindx, &di) && di.dli_fname)
        printf("ok: sctp_bindx from %s\n", di.dli_fname);
}

/* The next data message (notifications skipped). */
static int recv_data(int fd, char *buf, size_t cap, struct sctp_sndrcvinfo *si)
{
    for (int i = 0; i < 20; i++) {
        int flags = 0;
        memset(si, 0, sizeof *si);
        int n = p_recvmsg(fd, buf, cap, NULL, NULL, si, &flags);
        if (n < 0)
            return -1;
        if (!(flags & MSG_NOTIFICATION))
            return n;
    }
    errno = ENOMSG;
    return -1;
}

int main(int argc, char **argv)
{
    int port = 47000 + (getpid() % 1000);
    if (argc > 1 && strcmp(argv[1], "--libsctp") == 0)
        use_libsctp_itself();
    else
        use_linked();
    setvbuf(stdout, NULL, _IOLBF, 0);

    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

    int srv = socket(AF_INET, SOCK_SEQPACKET, IPPROTO_SCTP);
    CHECK(srv >= 0, "socket(SOCK_SEQPACKET, IPPROTO_SCTP)");
    struct sctp_event_subscribe ev;
    memset(&ev, 0, sizeof ev);
    ev.sctp_data_io_event = 1;
    ev.sctp_association_event = 1;
    CHECK(setsockopt(srv, IPPROTO_SCTP, SCTP_EVENTS, &ev, sizeof ev) == 0, "SCTP_EVENTS");
    CHECK(p_bindx(srv, (struct sockaddr *)&a, 1, SCTP_BINDX_ADD_ADDR) == 0, "sctp_bindx (add)");
    CHECK(listen(srv, 5) == 0, "listen");

    int cli = socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP);
    CHECK(cli >= 0, "socket(SOCK_STREAM, IPPROTO_SCTP)");
    CHECK(setsockopt(cli, IPPROTO_SCTP, SCTP_EVENTS, &ev, sizeof ev) == 0, "SCTP_EVENTS (client)");
    sctp_assoc_t cid = 0;
    CHECK(p_connectx(cli, (struct sockaddr *)&a, 1, &cid) == 0 && cid > 0,
          "sctp_connectx (association id back)");

    const char hello[] = "hello over braid";
    CHECK(p_sendmsg(cli, hello, sizeof hello, NULL, 0, htonl(7), 0, 1, 0, 0) == (int)sizeof hello,
          "sctp_sendmsg");
    char buf[256];
    struct sctp_sndrcvinfo si;
    int n = recv_data(srv, buf, sizeof buf, &si);
    CHECK(n == (int)sizeof hello && memcmp(buf, hello, sizeof hello) == 0,
          "sctp_recvmsg: the message");
    CHECK(si.sinfo_ppid == htonl(7) && si.sinfo_stream == 1 && si.sinfo_assoc_id > 0,
          "sctp_recvmsg: its sndrcvinfo (ppid, stream, association)");
    sctp_assoc_t sid = si.sinfo_assoc_id;

    struct sockaddr *addrs = NULL;
    n = p_getpaddrs(srv, sid, &addrs);
    CHECK(n == 1 && addrs && addrs->sa_family == AF_INET &&
              ((struct sockaddr_in *)addrs)->sin_addr.s_addr == htonl(INADDR_LOOPBACK),
          "sctp_getpaddrs: the client's address");
    p_freepaddrs(addrs);
    n = p_getladdrs(srv, 0, &addrs);
    CHECK(n >= 1 && addrs && ((struct sockaddr_in *)addrs)->sin_port == htons((uint16_t)port),
          "sctp_getladdrs: the server's address and port");
    p_freeladdrs(addrs);

    struct sctp_status st;
    memset(&st, 0, sizeof st);
    socklen_t l = sizeof st;
    CHECK(p_opt_info(cli, cid, SCTP_STATUS, &st, &l) == 0 && st.sstat_state == SCTP_ESTABLISHED,
          "sctp_opt_info(SCTP_STATUS): established");

    int peeled = p_peeloff(srv, sid);
    CHECK(peeled >= 0, "sctp_peeloff");
    struct sctp_sndrcvinfo out;
    memset(&out, 0, sizeof out);
    out.sinfo_ppid = htonl(9);
    const char back[] = "and back";
    CHECK(p_send(peeled, back, sizeof back, &out, 0) == (int)sizeof back,
          "sctp_send on the peeled-off socket");
    n = recv_data(cli, buf, sizeof buf, &si);
    CHECK(n == (int)sizeof back && memcmp(buf, back, sizeof back) == 0 && si.sinfo_ppid == htonl(9),
          "the client reads it");

    CHECK(close(peeled) == 0 && close(cli) == 0 && close(srv) == 0, "close");
    printf("PASS\n");
    return 0;
}
