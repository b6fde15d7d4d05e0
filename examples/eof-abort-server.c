/*
 * braid-eof-abort-server: ending single associations of a one-to-many
 * socket (RFC 6458 §5.3.4).
 *
 * Waits until K clients are connected, then ends the first one gracefully
 * (a last message, then a send with SCTP_EOF), aborts the second with SCTP_ABORT
 * (the message becomes the reason carried in the ABORT chunk, which the
 * client sees in its COMM_LOST notification), and tells the others they
 * carry on: from then on it relays their messages to everybody left
 * (SCTP_SENDALL), as the chat server does. The braid-chat-client shows what
 * each client sees.
 *
 *   braid-eof-abort-server [-p PORT] [-u UDPPORT] [-k K] [-n N] [--pcap FILE]
 *
 *   -p PORT      SCTP port (default 9002)
 *   -u UDPPORT   UDP port of the RFC 6951 encapsulation (default
 *                $BRAID_UDP_PORT or 9899)
 *   -k K         clients to wait for before acting (default 3, at least 2)
 *   -n N         exit after N associations have ended (default K)
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

#define PROG "braid-eof-abort-server"

static void usage(void)
{
    fprintf(stderr, "usage: " PROG " [-p PORT] [-u UDPPORT] [-k K] [-n N] [--pcap FILE]\n");
    exit(2);
}

/* One message to one association of the one-to-many socket. */
static int send_to(int fd, sctp_assoc_t id, const char *msg, uint16_t flags)
{
    struct sctp_sndrcvinfo sinfo;
    memset(&sinfo, 0, sizeof sinfo);
    sinfo.sinfo_assoc_id = id;
    sinfo.sinfo_flags = flags;
    if (sctp_send(fd, msg, strlen(msg), &sinfo, 0) < 0) {
        fprintf(stderr, PROG ": sctp_send to assoc %d: %s\n", (int)id, strerror(errno));
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    uint16_t port = 9002, udp = 0;
    unsigned long k = 3, exit_after = 0;
    const char *pcap = NULL;
    static const struct option lopts[] = {
        {"pcap", required_argument, NULL, 'P'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "p:u:k:n:h", lopts, NULL)) != -1) {
        switch (c) {
        case 'p': port = parse_port(PROG, optarg, 0); break;
        case 'u': udp = parse_port(PROG, optarg, 0); break;
        case 'k': k = parse_count(PROG, optarg, 64); break;
        case 'n': exit_after = parse_count(PROG, optarg, 1000000); break;
        case 'P': pcap = optarg; break;
        default: usage();
        }
    }
    if (optind != argc || k < 2)
        usage();
    if (!exit_after)
        exit_after = k;
    if (pcap)
        setenv("BRAID_PCAP", pcap, 1);
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
    printf("server: listening on SCTP port %u; acting once %lu clients are connected\n", port, k);

    static char buf[65536];
    sctp_assoc_t ids[64];
    unsigned long nids = 0, ended = 0;
    bool acted = false;
    int rc = 0;
    for (;;) {
        struct sctp_sndrcvinfo sinfo;
        int flags = 0;
        memset(&sinfo, 0, sizeof sinfo);
        int n = sctp_recvmsg(fd, buf, sizeof buf, NULL, NULL, &sinfo, &flags);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            perror(PROG ": sctp_recvmsg");
            rc = 1;
            break;
        }
        if (!(flags & MSG_NOTIFICATION)) {
            printf("server: message from assoc=%d: %.*s\n", (int)sinfo.sinfo_assoc_id, n, buf);
            if (sctp_sendmsg(fd, buf, (size_t)n, NULL, 0, 0, SCTP_SENDALL, 0, 0, 0) < 0)
                fprintf(stderr, PROG ": sctp_sendmsg(SCTP_SENDALL): %s\n", strerror(errno));
            continue;
        }
        if (print_notification("server", buf, (size_t)n) != SCTP_ASSOC_CHANGE)
            continue;
        const struct sctp_assoc_change *sac = (const void *)buf;
        if (sac->sac_state == SCTP_COMM_UP && nids < 64)
            ids[nids++] = sac->sac_assoc_id;
        if (sac->sac_state == SCTP_COMM_LOST || sac->sac_state == SCTP_SHUTDOWN_COMP) {
            if (++ended >= exit_after) {
                printf("server: %lu associations ended, exiting\n", ended);
                break;
            }
        }
        if (acted || nids < k)
            continue;
        acted = true;
        /* a last message, then SCTP_EOF (no data, as Linux requires): the
         * SHUTDOWN leaves once everything sent is acknowledged */
        printf("server: ending assoc=%d gracefully (SCTP_EOF)\n", (int)ids[0]);
        send_to(fd, ids[0], "goodbye: the server ends this association (SCTP_EOF)", 0);
        send_to(fd, ids[0], "", SCTP_EOF);
        /* the message is the reason in the ABORT: a User-Initiated Abort cause */
        printf("server: aborting assoc=%d (SCTP_ABORT)\n", (int)ids[1]);
        send_to(fd, ids[1], "the server aborted this association", SCTP_ABORT);
        for (unsigned long i = 2; i < nids; i++) {
            printf("server: assoc=%d carries on\n", (int)ids[i]);
            send_to(fd, ids[i], "you carry on", 0);
        }
    }
    close(fd);
    return rc;
}
