/*
 * braid-streams-client: the stream negotiation example, client side.
 *
 * Asks for N outbound streams (and accepts up to J inbound) with
 * SCTP_INITMSG, connects, prints SCTP_STATUS with what was negotiated (the
 * minimum of both sides' numbers), sends one message on each outbound
 * stream it got, shows that a stream beyond those is refused, and shuts
 * the association down gracefully.
 *
 *   braid-streams-client [-o N] [-i J] [-u UDPPORT] [--pcap FILE] HOST PORT
 *
 *   -o N         outbound streams asked for (default 10)
 *   -i J         most inbound streams accepted (default 10)
 *   -u UDPPORT   the server's UDP encapsulation port (default
 *                $BRAID_UDP_PORT or 9899)
 *   --pcap FILE  write every packet sent and received to FILE
 */
#define _DEFAULT_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <braid/sctp.h>
#include <braid/compat.h>

#include "common.h"

#define PROG "braid-streams-client"

static void usage(void)
{
    fprintf(stderr, "usage: " PROG " [-o N] [-i J] [-u UDPPORT] [--pcap FILE] HOST PORT\n");
    exit(2);
}

int main(int argc, char **argv)
{
    uint16_t udp = 0;
    unsigned long out_streams = 10, in_streams = 10;
    const char *pcap = NULL;
    static const struct option lopts[] = {
        {"pcap", required_argument, NULL, 'P'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "o:i:u:h", lopts, NULL)) != -1) {
        switch (c) {
        case 'o': out_streams = parse_count(PROG, optarg, 65535); break;
        case 'i': in_streams = parse_count(PROG, optarg, 65535); break;
        case 'u': udp = parse_port(PROG, optarg, 0); break;
        case 'P': pcap = optarg; break;
        default: usage();
        }
    }
    if (argc - optind != 2 || out_streams == 0 || in_streams == 0)
        usage();
    const char *host = argv[optind];
    uint16_t port = parse_port(PROG, argv[optind + 1], 0);
    if (pcap)
        setenv("BRAID_PCAP", pcap, 1);
    signal(SIGPIPE, SIG_IGN);
    setvbuf(stdout, NULL, _IOLBF, 0);

    struct sockaddr_storage srv;
    socklen_t srvlen;
    if (resolve(PROG, host, port, &srv, &srvlen) < 0)
        return 1;
    int fd = socket(srv.ss_family, SOCK_STREAM, IPPROTO_SCTP);
    if (fd < 0) {
        perror(PROG ": socket");
        return 1;
    }
    struct sctp_initmsg init;
    memset(&init, 0, sizeof init);
    init.sinit_num_ostreams = (uint16_t)out_streams;
    init.sinit_max_instreams = (uint16_t)in_streams;
    init.sinit_max_attempts = 4;
    if (setsockopt(fd, IPPROTO_SCTP, SCTP_INITMSG, &init, sizeof init) < 0) {
        perror(PROG ": setsockopt(SCTP_INITMSG)");
        return 1;
    }
    struct sctp_event_subscribe ev;
    memset(&ev, 0, sizeof ev);
    ev.sctp_association_event = 1;
    ev.sctp_shutdown_event = 1;
    if (setsockopt(fd, IPPROTO_SCTP, SCTP_EVENTS, &ev, sizeof ev) < 0) {
        perror(PROG ": setsockopt(SCTP_EVENTS)");
        return 1;
    }
    if (udp && set_remote_udp_port(fd, udp) < 0) {
        perror(PROG ": setsockopt(SCTP_REMOTE_UDP_ENCAPS_PORT)");
        return 1;
    }
    char a[80];
    printf("client: asking for %lu outbound streams, accepting up to %lu inbound\n", out_streams,
           in_streams);
    if (connect(fd, (struct sockaddr *)&srv, srvlen) < 0) {
        fprintf(stderr, PROG ": cannot connect to %s: %s\n", addr_str(&srv, a, sizeof a),
                strerror(errno));
        return 1;
    }
    printf("client: connected to %s\n", addr_str(&srv, a, sizeof a));

    struct sctp_status st;
    socklen_t len = sizeof st;
    memset(&st, 0, sizeof st);
    if (getsockopt(fd, IPPROTO_SCTP, SCTP_STATUS, &st, &len) < 0) {
        perror(PROG ": getsockopt(SCTP_STATUS)");
        return 1;
    }
    print_status("client", fd, 0);

    char msg[128];
    for (unsigned s = 0; s < st.sstat_outstrms; s++) {
        int n = snprintf(msg, sizeof msg, "message on stream %u of %u", s, st.sstat_outstrms);
        if (sctp_sendmsg(fd, msg, (size_t)n, NULL, 0, 0, 0, (uint16_t)s, 0, 0) < 0) {
            fprintf(stderr, PROG ": sctp_sendmsg on stream %u: %s\n", s, strerror(errno));
            return 1;
        }
        printf("client: sent \"%s\" on stream %u\n", msg, s);
    }
    /* one past the negotiated streams: refused, as on Linux */
    if (sctp_sendmsg(fd, "too far", 7, NULL, 0, 0, 0, st.sstat_outstrms, 0, 0) < 0)
        printf("client: stream %u is not negotiated: %s\n", st.sstat_outstrms, strerror(errno));
    else
        printf("client: stream %u was accepted (unexpected)\n", st.sstat_outstrms);

    /* graceful shutdown: read until the association is over */
    if (shutdown(fd, SHUT_WR) < 0) {
        perror(PROG ": shutdown");
        return 1;
    }
    static char buf[65536];
    int rc = 0;
    for (;;) {
        int flags = 0;
        int n = sctp_recvmsg(fd, buf, sizeof buf, NULL, NULL, NULL, &flags);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == ENOTCONN) { /* as Linux: our shutdown is over */
                printf("client: shutdown complete\n");
                break;
            }
            fprintf(stderr, PROG ": sctp_recvmsg: %s\n", strerror(errno));
            rc = 1;
            break;
        }
        if (n == 0) {
            printf("client: shutdown complete\n");
            break;
        }
        if (flags & MSG_NOTIFICATION)
            print_notification("client", buf, (size_t)n);
        else
            printf("client: <%.*s>\n", n, buf);
    }
    close(fd);
    return rc;
}
