/*
 * braid-streams-server: the stream negotiation example, server side.
 *
 * A one-to-one (SOCK_STREAM) server that allows M inbound streams and asks
 * for K outbound ones with SCTP_INITMSG. For each client it accepts, it
 * prints SCTP_STATUS (the negotiated numbers are the minimum of what each
 * side offered), then every message with the stream it arrived on, until
 * the client shuts the association down.
 *
 *   braid-streams-server [-p PORT] [-u UDPPORT] [-i M] [-o K] [-n N] [--pcap FILE]
 *
 *   -p PORT      SCTP port (default 9001)
 *   -u UDPPORT   UDP port of the RFC 6951 encapsulation (default
 *                $BRAID_UDP_PORT or 9899)
 *   -i M         most inbound streams accepted (default 10)
 *   -o K         outbound streams asked for (default 10)
 *   -n N         exit after N clients (default: serve forever)
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

#define PROG "braid-streams-server"

static void usage(void)
{
    fprintf(stderr, "usage: " PROG " [-p PORT] [-u UDPPORT] [-i M] [-o K] [-n N] [--pcap FILE]\n");
    exit(2);
}

/* Reads every message of one client, printing its stream; 0 at the end. */
static int serve(int cfd)
{
    static char buf[65536];
    print_status("server", cfd, 0);
    for (;;) {
        struct sctp_sndrcvinfo sinfo;
        int flags = 0;
        memset(&sinfo, 0, sizeof sinfo);
        int n = sctp_recvmsg(cfd, buf, sizeof buf, NULL, NULL, &sinfo, &flags);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            fprintf(stderr, PROG ": sctp_recvmsg: %s\n", strerror(errno));
            return -1;
        }
        if (n == 0) {
            printf("server: the client closed the association\n");
            return 0;
        }
        if (flags & MSG_NOTIFICATION) {
            print_notification("server", buf, (size_t)n);
            continue;
        }
        printf("server: stream %u (ssn %u): %.*s\n", sinfo.sinfo_stream, sinfo.sinfo_ssn, n, buf);
    }
}

int main(int argc, char **argv)
{
    uint16_t port = 9001, udp = 0;
    unsigned long in_streams = 10, out_streams = 10, clients = 0;
    const char *pcap = NULL;
    static const struct option lopts[] = {
        {"pcap", required_argument, NULL, 'P'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "p:u:i:o:n:h", lopts, NULL)) != -1) {
        switch (c) {
        case 'p': port = parse_port(PROG, optarg, 0); break;
        case 'u': udp = parse_port(PROG, optarg, 0); break;
        case 'i': in_streams = parse_count(PROG, optarg, 65535); break;
        case 'o': out_streams = parse_count(PROG, optarg, 65535); break;
        case 'n': clients = parse_count(PROG, optarg, 1000000); break;
        case 'P': pcap = optarg; break;
        default: usage();
        }
    }
    if (optind != argc || in_streams == 0 || out_streams == 0)
        usage();
    if (pcap)
        setenv("BRAID_PCAP", pcap, 1);
    signal(SIGPIPE, SIG_IGN);
    setvbuf(stdout, NULL, _IOLBF, 0);

    int fd = socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP);
    if (fd < 0) {
        perror(PROG ": socket");
        return 1;
    }
    if (udp && set_local_udp_port(fd, udp) < 0) {
        perror(PROG ": setsockopt(BRAID_SCTP_LOCAL_UDP_PORT)");
        return 1;
    }
    /* RFC 6458 §8.1.3: what associations of this socket ask for */
    struct sctp_initmsg init;
    memset(&init, 0, sizeof init);
    init.sinit_num_ostreams = (uint16_t)out_streams;
    init.sinit_max_instreams = (uint16_t)in_streams;
    init.sinit_max_attempts = 4;
    if (setsockopt(fd, IPPROTO_SCTP, SCTP_INITMSG, &init, sizeof init) < 0) {
        perror(PROG ": setsockopt(SCTP_INITMSG)");
        return 1;
    }
    /* data io for the stream numbers; association and shutdown events are
     * inherited by the accepted sockets */
    struct sctp_event_subscribe ev;
    memset(&ev, 0, sizeof ev);
    ev.sctp_data_io_event = 1;
    ev.sctp_association_event = 1;
    ev.sctp_shutdown_event = 1;
    if (setsockopt(fd, IPPROTO_SCTP, SCTP_EVENTS, &ev, sizeof ev) < 0) {
        perror(PROG ": setsockopt(SCTP_EVENTS)");
        return 1;
    }
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_ANY);
    sin.sin_port = htons(port);
    if (bind(fd, (struct sockaddr *)&sin, sizeof sin) < 0) {
        perror(PROG ": bind");
        return 1;
    }
    if (listen(fd, 5) < 0) {
        fprintf(stderr, PROG ": listen on SCTP port %u: %s\n", port, strerror(errno));
        return 1;
    }
    printf("server: listening on SCTP port %u, up to %lu inbound streams, asking for %lu "
           "outbound\n",
           port, in_streams, out_streams);
    int rc = 0;
    for (unsigned long served = 0; !clients || served < clients; served++) {
        struct sockaddr_storage peer;
        socklen_t plen = sizeof peer;
        int cfd = accept(fd, (struct sockaddr *)&peer, &plen);
        if (cfd < 0) {
            if (errno == EINTR)
                continue;
            perror(PROG ": accept");
            rc = 1;
            break;
        }
        char a[80];
        printf("server: accepted a client from %s\n", addr_str(&peer, a, sizeof a));
        if (serve(cfd) < 0)
            rc = 1;
        close(cfd);
    }
    close(fd);
    return rc;
}
