/*
 * braid-cat: netcat for SCTP, on braid's lksctp sockets API.
 *
 *   braid-cat [options] -l [-p PORT]    listen, accept one association and
 *                                       copy what it carries to stdout
 *   braid-cat [options] HOST PORT       connect and copy stdin to the
 *                                       association (what the peer sends,
 *                                       if anything, goes to stdout)
 *
 * Every read of stdin (up to 64 KiB) travels as one SCTP message. At the
 * end of stdin the association is shut down gracefully, and braid-cat exits
 * 0 once the peer has acknowledged everything (SHUTDOWN COMPLETE). The
 * listener exits 0 when the association ends gracefully.
 *
 * Exit status: 0 done; 1 failure (peer unreachable, port in use, the
 * association aborted, an I/O error), with a message on stderr; 2 bad usage.
 */
#define _DEFAULT_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <braid/sctp.h>
#include <braid/compat.h>

#define PROG "braid-cat"
#define CHUNK (64 * 1024) /* one stdin read = one message */
#define RXBUF (256 * 1024)

static bool verbose;

static void usage(void)
{
    fprintf(stderr,
            "usage: " PROG " [options] -l [-p PORT]   listen; the association goes to stdout\n"
            "       " PROG " [options] HOST PORT      connect; stdin goes to the association\n"
            "options:\n"
            "  -l              listen for one association\n"
            "  -p PORT         SCTP port to listen on (default 9000)\n"
            "  -s ADDR         local address to listen on (default 0.0.0.0)\n"
            "  -u UDPPORT      UDP encapsulation port (RFC 6951): ours when listening, the\n"
            "                  peer's when connecting (default $BRAID_UDP_PORT or 9899)\n"
            "  -w SECS         give up connecting after SECS seconds (default 10)\n"
            "  --stream N      send on stream N (default 0)\n"
            "  --unordered     send unordered messages (the receiver may see them out of order)\n"
            "  --one-to-many   use a one-to-many (SOCK_SEQPACKET) socket\n"
            "  --pcap FILE     write every packet sent and received to FILE\n"
            "  -v              report the association's events on stderr\n");
    exit(2);
}

_Noreturn static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, PROG ": ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(1);
}

static unsigned long number(const char *s, unsigned long min, unsigned long max, const char *what)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || !*s || *end || v < min || v > max) {
        fprintf(stderr, PROG ": bad %s '%s'\n", what, s);
        usage();
    }
    return v;
}

static const char *addr_str(const struct sockaddr_storage *ss, char *buf, size_t cap)
{
    char ip[INET6_ADDRSTRLEN] = "?";
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)ss;
        inet_ntop(AF_INET, &in->sin_addr, ip, sizeof ip);
        snprintf(buf, cap, "%s:%u", ip, ntohs(in->sin_port));
    } else {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ss;
        inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof ip);
        snprintf(buf, cap, "[%s]:%u", ip, ntohs(in6->sin6_port));
    }
    return buf;
}

static void resolve(const char *host, uint16_t port, struct sockaddr_storage *ss, socklen_t *len,
                    bool passive)
{
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_DGRAM; /* any type: only the address matters */
    hints.ai_flags = passive ? AI_PASSIVE : 0;
    int rc = getaddrinfo(host, NULL, &hints, &res);
    if (rc != 0 || !res)
        die("cannot resolve %s: %s", host, gai_strerror(rc));
    memset(ss, 0, sizeof *ss);
    memcpy(ss, res->ai_addr, res->ai_addrlen);
    *len = res->ai_addrlen;
    freeaddrinfo(res);
    if (ss->ss_family == AF_INET)
        ((struct sockaddr_in *)ss)->sin_port = htons(port);
    else
        ((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
}

static void write_all(const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(1, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            die("writing stdout: %s", strerror(errno));
        }
        p += w;
        n -= (size_t)w;
    }
}

/* What became of an association, from its notifications. */
typedef struct assoc_end {
    sctp_assoc_t id; /* 0: not known yet (one-to-many) */
    bool up, graceful, lost;
} assoc_end;

static void on_notification(int fd, const uint8_t *buf, size_t n, assoc_end *ae)
{
    const union sctp_notification *sn = (const void *)buf;
    if (n < sizeof sn->sn_header)
        return;
    if (sn->sn_header.sn_type == SCTP_SHUTDOWN_EVENT) {
        if (verbose)
            fprintf(stderr, PROG ": the peer shuts the association down\n");
        return;
    }
    if (sn->sn_header.sn_type != SCTP_ASSOC_CHANGE || n < sizeof sn->sn_assoc_change)
        return;
    const struct sctp_assoc_change *sac = &sn->sn_assoc_change;
    if (ae->id && sac->sac_assoc_id != ae->id) {
        /* one-to-many listener: a second association; we serve one */
        if (sac->sac_state == SCTP_COMM_UP) {
            struct sctp_sndrcvinfo si;
            memset(&si, 0, sizeof si);
            si.sinfo_assoc_id = sac->sac_assoc_id;
            si.sinfo_flags = SCTP_ABORT;
            static const char why[] = PROG " serves one association";
            sctp_send(fd, why, sizeof why - 1, &si, 0);
            if (verbose)
                fprintf(stderr, PROG ": refused a second association (%d)\n",
                        (int)sac->sac_assoc_id);
        }
        return;
    }
    switch (sac->sac_state) {
    case SCTP_COMM_UP:
        ae->id = sac->sac_assoc_id;
        ae->up = true;
        if (verbose)
            fprintf(stderr, PROG ": association %d up, %u streams out, %u in\n",
                    (int)sac->sac_assoc_id, sac->sac_outbound_streams, sac->sac_inbound_streams);
        break;
    case SCTP_SHUTDOWN_COMP:
        ae->graceful = true;
        if (verbose)
            fprintf(stderr, PROG ": association %d shut down\n", (int)sac->sac_assoc_id);
        break;
    case SCTP_COMM_LOST:
    case SCTP_CANT_STR_ASSOC:
        ae->lost = true;
        fprintf(stderr, PROG ": association %s (error %u)\n",
                sac->sac_state == SCTP_COMM_LOST ? "lost or aborted by the peer"
                                                 : "could not be set up",
                sac->sac_error);
        break;
    default: break;
    }
}

/* Reads what is there (blocking when block): data to stdout, notifications
 * to ae. Returns false once the association is over. */
static bool drain(int fd, uint8_t *buf, assoc_end *ae, bool block, unsigned long long *bytes)
{
    for (;;) {
        struct iovec iov = {buf, RXBUF};
        struct msghdr m;
        memset(&m, 0, sizeof m);
        m.msg_iov = &iov;
        m.msg_iovlen = 1;
        union {
            struct cmsghdr h;
            uint8_t b[CMSG_SPACE(sizeof(struct sctp_rcvinfo))];
        } cbuf;
        m.msg_control = cbuf.b;
        m.msg_controllen = sizeof cbuf.b;
        ssize_t n = recvmsg(fd, &m, block ? 0 : MSG_DONTWAIT);
        block = false;
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return true;
            if (errno == EINTR)
                continue;
            if (errno == ECONNRESET || errno == ETIMEDOUT || errno == ECONNREFUSED) {
                ae->lost = true;
                return false;
            }
            die("receive: %s", strerror(errno));
        }
        if (n == 0)
            return false; /* one-to-one: the association is over */
        if (m.msg_flags & MSG_NOTIFICATION) {
            on_notification(fd, buf, (size_t)n, ae);
            if (ae->graceful || ae->lost)
                return false;
            continue;
        }
        /* one-to-many: only the association we serve goes to stdout */
        struct cmsghdr *c = CMSG_FIRSTHDR(&m);
        if (ae->id && c && c->cmsg_level == IPPROTO_SCTP && c->cmsg_type == SCTP_RCVINFO) {
            struct sctp_rcvinfo ri;
            memcpy(&ri, CMSG_DATA(c), sizeof ri);
            if (ri.rcv_assoc_id != ae->id)
                continue;
        }
        write_all((const char *)buf, (size_t)n);
        *bytes += (unsigned long long)n;
    }
}

typedef struct opts {
    bool listen, one_to_many, unordered;
    uint16_t port, udp;
    unsigned stream;
    unsigned timeout_s;
    const char *local;
} opts;

static int new_socket(const opts *o, int family)
{
    int fd = socket(family, o->one_to_many ? SOCK_SEQPACKET : SOCK_STREAM, IPPROTO_SCTP);
    if (fd < 0)
        die("socket: %s", strerror(errno));
    struct sctp_event_subscribe ev;
    memset(&ev, 0, sizeof ev);
    ev.sctp_association_event = 1;
    ev.sctp_shutdown_event = 1;
    if (setsockopt(fd, IPPROTO_SCTP, SCTP_EVENTS, &ev, sizeof ev) < 0)
        die("setsockopt(SCTP_EVENTS): %s", strerror(errno));
    int on = 1; /* SCTP_RCVINFO with each message: whose it is */
    if (o->one_to_many && setsockopt(fd, IPPROTO_SCTP, SCTP_RECVRCVINFO, &on, sizeof on) < 0)
        die("setsockopt(SCTP_RECVRCVINFO): %s", strerror(errno));
    /* enough outbound streams for --stream, every inbound one the peer wants */
    struct sctp_initmsg init;
    memset(&init, 0, sizeof init);
    init.sinit_num_ostreams = (uint16_t)(o->stream + 1 > 10 ? o->stream + 1 : 10);
    init.sinit_max_instreams = 65535;
    if (setsockopt(fd, IPPROTO_SCTP, SCTP_INITMSG, &init, sizeof init) < 0)
        die("setsockopt(SCTP_INITMSG): %s", strerror(errno));
    return fd;
}

static int run_listener(const opts *o)
{
    struct sockaddr_storage la;
    socklen_t lalen;
    resolve(o->local ? o->local : "0.0.0.0", o->port, &la, &lalen, true);
    int lfd = new_socket(o, la.ss_family);
    int udp = o->udp;
    if (udp && setsockopt(lfd, IPPROTO_SCTP, BRAID_SCTP_LOCAL_UDP_PORT, &udp, sizeof udp) < 0)
        die("setsockopt(BRAID_SCTP_LOCAL_UDP_PORT): %s", strerror(errno));
    char a[80];
    if (bind(lfd, (struct sockaddr *)&la, lalen) < 0)
        die("bind %s: %s", addr_str(&la, a, sizeof a), strerror(errno));
    if (listen(lfd, 1) < 0) {
        if (errno == EADDRINUSE) {
            char up[16];
            const char *env = getenv("BRAID_UDP_PORT");
            snprintf(up, sizeof up, "%u", o->udp);
            die("cannot listen on %s: UDP port %s is in use (another listener?); pick another "
                "with -u UDPPORT",
                addr_str(&la, a, sizeof a),
                o->udp        ? up
                : env && *env ? env
                              : "9899");
        }
        die("cannot listen on %s: %s", addr_str(&la, a, sizeof a), strerror(errno));
    }
    socklen_t ul = sizeof udp;
    getsockopt(lfd, IPPROTO_SCTP, BRAID_SCTP_LOCAL_UDP_PORT, &udp, &ul);
    if (verbose)
        fprintf(stderr, PROG ": listening on %s, UDP port %d\n", addr_str(&la, a, sizeof a), udp);

    uint8_t *buf = malloc(RXBUF);
    if (!buf)
        die("out of memory");
    assoc_end ae;
    memset(&ae, 0, sizeof ae);
    unsigned long long bytes = 0;
    int fd = lfd;
    if (!o->one_to_many) {
        struct sockaddr_storage peer;
        socklen_t plen = sizeof peer;
        do
            fd = accept(lfd, (struct sockaddr *)&peer, &plen);
        while (fd < 0 && errno == EINTR);
        if (fd < 0)
            die("accept: %s", strerror(errno));
        if (verbose)
            fprintf(stderr, PROG ": accepted %s\n", addr_str(&peer, a, sizeof a));
    }
    while (drain(fd, buf, &ae, true, &bytes))
        ;
    if (verbose)
        fprintf(stderr, PROG ": received %llu bytes\n", bytes);
    free(buf);
    if (fd != lfd)
        close(fd);
    close(lfd);
    return ae.lost ? 1 : 0;
}

/* One message of stdin to the association. */
static void send_chunk(int fd, const opts *o, const void *data, size_t len,
                       const struct sockaddr_storage *to, socklen_t tolen, uint32_t flags)
{
    for (;;) {
        int rc = sctp_sendmsg(fd, data, len, o->one_to_many ? (struct sockaddr *)to : NULL,
                              o->one_to_many ? tolen : 0, 0, flags, (uint16_t)o->stream, 0, 0);
        if (rc >= 0)
            return;
        if (errno == EINTR)
            continue;
        if (errno == EPIPE || errno == ECONNRESET)
            die("the association ended before all of stdin was sent");
        die("send: %s", strerror(errno));
    }
}

static int run_connector(const opts *o, const char *host)
{
    struct sockaddr_storage sa;
    socklen_t salen;
    resolve(host, o->port, &sa, &salen, false);
    int fd = new_socket(o, sa.ss_family);
    if (o->udp) {
        struct sctp_udpencaps u;
        memset(&u, 0, sizeof u);
        u.sue_port = htons(o->udp);
        if (setsockopt(fd, IPPROTO_SCTP, SCTP_REMOTE_UDP_ENCAPS_PORT, &u, sizeof u) < 0)
            die("setsockopt(SCTP_REMOTE_UDP_ENCAPS_PORT): %s", strerror(errno));
    }
    /* a blocking connect waits SO_SNDTIMEO at most, then says EINPROGRESS */
    struct timeval tv = {(time_t)o->timeout_s, 0};
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    char a[80];
    if (connect(fd, (struct sockaddr *)&sa, salen) < 0) {
        if (errno == EINPROGRESS)
            die("cannot connect to %s: no answer within %u s", addr_str(&sa, a, sizeof a),
                o->timeout_s);
        die("cannot connect to %s: %s", addr_str(&sa, a, sizeof a), strerror(errno));
    }
    tv.tv_sec = 0;
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (verbose)
        fprintf(stderr, PROG ": connected to %s\n", addr_str(&sa, a, sizeof a));
    struct sctp_status st;
    socklen_t stlen = sizeof st;
    memset(&st, 0, sizeof st);
    if (!o->one_to_many && getsockopt(fd, IPPROTO_SCTP, SCTP_STATUS, &st, &stlen) == 0 &&
        o->stream >= st.sstat_outstrms)
        die("stream %u is not available: the peer allows %u", o->stream, st.sstat_outstrms);

    uint8_t *buf = malloc(CHUNK), *rx = malloc(RXBUF);
    if (!buf || !rx)
        die("out of memory");
    assoc_end ae;
    memset(&ae, 0, sizeof ae);
    uint32_t flags = o->unordered ? SCTP_UNORDERED : 0;
    unsigned long long sent = 0, bytes = 0;
    bool in_open = true, over = false;
    while (!over) {
        struct pollfd pf[2] = {{fd, POLLIN, 0}, {0, POLLIN, 0}};
        if (poll(pf, in_open ? 2 : 1, -1) < 0) {
            if (errno == EINTR)
                continue;
            die("poll: %s", strerror(errno));
        }
        if (pf[0].revents)
            over = !drain(fd, rx, &ae, false, &bytes);
        if (over || !in_open || !pf[1].revents)
            continue;
        ssize_t n = read(0, buf, CHUNK);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            die("reading stdin: %s", strerror(errno));
        }
        if (n > 0) {
            send_chunk(fd, o, buf, (size_t)n, &sa, salen, flags);
            sent += (unsigned long long)n;
            continue;
        }
        /* end of stdin: SHUTDOWN once everything is acknowledged */
        in_open = false;
        if (verbose)
            fprintf(stderr, PROG ": sent %llu bytes, shutting down\n", sent);
        if (o->one_to_many)
            send_chunk(fd, o, NULL, 0, &sa, salen, SCTP_EOF);
        else if (shutdown(fd, SHUT_WR) < 0)
            die("shutdown: %s", strerror(errno));
    }
    free(buf);
    free(rx);
    close(fd);
    if (ae.lost)
        return 1;
    if (in_open) {
        fprintf(stderr, PROG ": the peer closed the association before the end of stdin\n");
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    opts o;
    memset(&o, 0, sizeof o);
    o.port = 9000;
    o.timeout_s = 10;
    const char *pcap = NULL;
    bool port_given = false;
    static const struct option lopts[] = {
        {"stream", required_argument, NULL, 'S'}, {"unordered", no_argument, NULL, 'U'},
        {"one-to-many", no_argument, NULL, 'M'},  {"pcap", required_argument, NULL, 'P'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "lp:s:u:w:vh", lopts, NULL)) != -1) {
        switch (c) {
        case 'l': o.listen = true; break;
        case 'p':
            o.port = (uint16_t)number(optarg, 1, 65535, "port");
            port_given = true;
            break;
        case 's': o.local = optarg; break;
        case 'u': o.udp = (uint16_t)number(optarg, 1, 65535, "UDP port"); break;
        case 'w': o.timeout_s = (unsigned)number(optarg, 1, 86400, "timeout"); break;
        case 'S': o.stream = (unsigned)number(optarg, 0, 65534, "stream"); break;
        case 'U': o.unordered = true; break;
        case 'M': o.one_to_many = true; break;
        case 'P': pcap = optarg; break;
        case 'v': verbose = true; break;
        default: usage();
        }
    }
    const char *host = NULL;
    if (o.listen) {
        if (optind != argc)
            usage();
    } else {
        if (argc - optind != 2 || port_given || o.local)
            usage();
        host = argv[optind];
        o.port = (uint16_t)number(argv[optind + 1], 1, 65535, "port");
    }
    if (pcap)
        setenv("BRAID_PCAP", pcap, 1); /* before the first socket */
    signal(SIGPIPE, SIG_IGN);
    return o.listen ? run_listener(&o) : run_connector(&o, host);
}
