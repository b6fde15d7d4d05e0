/*
 * braid-chat-server: the one-to-many chat server of the lksctp articles.
 *
 * One SOCK_SEQPACKET socket serves every client. The server subscribes to
 * the association, address, send-failure, peer-error, shutdown and data-io
 * events, prints every notification it reads, and relays each message it
 * receives to every client at once with SCTP_SENDALL.
 *
 *   braid-chat-server [-p PORT] [-u UDPPORT] [--pcap FILE] [-n N]
 *
 *   -p PORT      SCTP port to listen on (default 9000)
 *   -u UDPPORT   UDP port of the RFC 6951 encapsulation (default
 *                $BRAID_UDP_PORT or 9899)
 *   --pcap FILE  write every packet sent and received to FILE
 *   -n N         exit after N client associations have ended (scripts)
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

#define PROG "braid-chat-server"

static void usage(void)
{
    fprintf(stderr, "usage: " PROG " [-p PORT] [-u UDPPORT] [--pcap FILE] [-n N]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    uint16_t port = 9000, udp = 0;
    unsigned long exit_after = 0;
    const char *pcap = NULL;
    static const struct option lopts[] = {
        {"pcap", required_argument, NULL, 'P'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "p:u:n:h", lopts, NULL)) != -1) {
        switch (c) {
        case 'p': port = parse_port(PROG, optarg, 0); break;
        case 'u': udp = parse_port(PROG, optarg, 0); break;
        case 'n': exit_after = parse_count(PROG, optarg, 1000000); break;
        case 'P': pcap = optarg; break;
        default: usage();
        }
    }
    if (optind != argc)
        usage();
    if (pcap)
        setenv("BRAID_PCAP", pcap, 1); /* read when the first packet is traced */
    signal(SIGPIPE, SIG_IGN);
    setvbuf(stdout, NULL, _IOLBF, 0);

    int fd = socket(AF_INET, SOCK_SEQPACKET, IPPROTO_SCTP);
    if (fd < 0) {
        perror(PROG ": socket");
        return 1;
    }
    if (udp && set_local_udp_port(fd, udp) < 0) {
        perror(PROG ": setsockopt(BRAID_SCTP_LOCAL_UDP_PORT)");
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
    if (subscribe_events(fd) < 0) {
        perror(PROG ": setsockopt(SCTP_EVENTS)");
        return 1;
    }
    if (listen(fd, 16) < 0) {
        fprintf(stderr, PROG ": listen on SCTP port %u: %s\n", port, strerror(errno));
        return 1;
    }
    int real_udp = 0;
    socklen_t ul = sizeof real_udp;
    getsockopt(fd, IPPROTO_SCTP, BRAID_SCTP_LOCAL_UDP_PORT, &real_udp, &ul);
    printf("server: listening on SCTP port %u (UDP encapsulation port %d)\n", port, real_udp);

    static char buf[65536];
    unsigned long ended = 0;
    int rc = 0;
    for (;;) {
        struct sockaddr_storage from;
        socklen_t fromlen = sizeof from;
        struct sctp_sndrcvinfo sinfo;
        int flags = 0;
        memset(&sinfo, 0, sizeof sinfo);
        int n =
            sctp_recvmsg(fd, buf, sizeof buf, (struct sockaddr *)&from, &fromlen, &sinfo, &flags);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            perror(PROG ": sctp_recvmsg");
            rc = 1;
            break;
        }
        if (flags & MSG_NOTIFICATION) {
            uint16_t type = print_notification("server", buf, (size_t)n);
            if (type == SCTP_ASSOC_CHANGE) {
                const struct sctp_assoc_change *sac = (const void *)buf;
                if (sac->sac_state == SCTP_COMM_LOST || sac->sac_state == SCTP_SHUTDOWN_COMP)
                    ended++;
            }
            if (exit_after && ended >= exit_after) {
                printf("server: %lu associations ended, exiting\n", ended);
                break;
            }
            continue;
        }
        char a[80];
        printf("server: message from assoc=%d (%s) stream=%u: %.*s\n", (int)sinfo.sinfo_assoc_id,
               addr_str(&from, a, sizeof a), sinfo.sinfo_stream, n, buf);
        /* RFC 6458 §5.3.4: one send to every association of the socket */
        if (sctp_sendmsg(fd, buf, (size_t)n, NULL, 0, sinfo.sinfo_ppid, SCTP_SENDALL, 0, 0, 0) < 0)
            fprintf(stderr, PROG ": sctp_sendmsg(SCTP_SENDALL): %s\n", strerror(errno));
        else
            printf("server: relayed to every association (SCTP_SENDALL)\n");
    }
    close(fd);
    return rc;
}
