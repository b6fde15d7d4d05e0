/*
 * braid-chat-client: the client of the lksctp chat article.
 *
 * Connects to the chat server, sends each line of stdin as one message,
 * prints every message it receives as <message> and every notification.
 * At the end of stdin it shuts the association down gracefully (after
 * --wait-msgs N messages have arrived, for scripts) and exits once the
 * shutdown is complete. If the server ends the association first, the
 * client says how (SCTP_EOF: graceful, exit 0; SCTP_ABORT: the abort
 * reason, exit 3).
 *
 *   braid-chat-client [-u UDPPORT] [--wait-msgs N] [--name NAME]
 *                     [--pcap FILE] HOST PORT
 *
 *   -u UDPPORT     the server's UDP encapsulation port (default
 *                  $BRAID_UDP_PORT or 9899)
 *   --wait-msgs N  at the end of stdin, stay until N messages were received
 *   --name NAME    prefix of the lines printed (default "client")
 *   --pcap FILE    write every packet sent and received to FILE
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

#define PROG "braid-chat-client"

static void usage(void)
{
    fprintf(stderr, "usage: " PROG " [-u UDPPORT] [--wait-msgs N] [--name NAME] [--pcap FILE] "
                    "HOST PORT\n");
    exit(2);
}

static const char *name = "client";

/* Sends one line as one message on stream 0. */
static int send_line(int fd, const char *line, size_t len)
{
    if (len == 0)
        return 0; /* SCTP carries no empty messages */
    if (sctp_sendmsg(fd, line, len, NULL, 0, 0, 0, 0, 0, 0) < 0) {
        fprintf(stderr, PROG ": sctp_sendmsg: %s\n", strerror(errno));
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    uint16_t udp = 0;
    unsigned long wait_msgs = 0;
    const char *pcap = NULL;
    static const struct option lopts[] = {
        {"wait-msgs", required_argument, NULL, 'w'},
        {"name", required_argument, NULL, 'N'},
        {"pcap", required_argument, NULL, 'P'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "u:h", lopts, NULL)) != -1) {
        switch (c) {
        case 'u': udp = parse_port(PROG, optarg, 0); break;
        case 'w': wait_msgs = parse_count(PROG, optarg, 1000000000); break;
        case 'N': name = optarg; break;
        case 'P': pcap = optarg; break;
        default: usage();
        }
    }
    if (argc - optind != 2)
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
    if (subscribe_events(fd) < 0) { /* before connect: COMM_UP is the first one */
        perror(PROG ": setsockopt(SCTP_EVENTS)");
        return 1;
    }
    if (udp && set_remote_udp_port(fd, udp) < 0) {
        perror(PROG ": setsockopt(SCTP_REMOTE_UDP_ENCAPS_PORT)");
        return 1;
    }
    char a[80];
    if (connect(fd, (struct sockaddr *)&srv, srvlen) < 0) {
        fprintf(stderr, PROG ": cannot connect to %s: %s\n", addr_str(&srv, a, sizeof a),
                strerror(errno));
        return 1;
    }
    printf("%s: connected to %s\n", name, addr_str(&srv, a, sizeof a));
    fcntl(fd, F_SETFL, O_NONBLOCK); /* poll says when; never block in recv */

    static char buf[65536];
    char line[4096];
    size_t line_len = 0;
    bool stdin_open = true, shut = false, aborted = false, peer_ended = false;
    unsigned long received = 0;
    for (;;) {
        if (!stdin_open && !shut && received >= wait_msgs) {
            printf("%s: end of input, shutting down\n", name);
            if (shutdown(fd, SHUT_WR) < 0) {
                fprintf(stderr, PROG ": shutdown: %s\n", strerror(errno));
                return 1;
            }
            shut = true;
        }
        struct pollfd pf[2] = {{fd, POLLIN, 0}, {0, POLLIN, 0}};
        int npf = stdin_open ? 2 : 1;
        if (poll(pf, (nfds_t)npf, -1) < 0) {
            if (errno == EINTR)
                continue;
            perror(PROG ": poll");
            return 1;
        }
        if (npf == 2 && (pf[1].revents & (POLLIN | POLLHUP | POLLERR))) {
            ssize_t n = read(0, line + line_len, sizeof line - line_len);
            if (n <= 0) {
                if (n < 0 && errno == EINTR)
                    continue;
                if (send_line(fd, line, line_len) < 0)
                    return 1;
                line_len = 0;
                stdin_open = false;
            } else {
                line_len += (size_t)n;
                char *start = line, *nl;
                while ((nl = memchr(start, '\n', line_len - (size_t)(start - line))) != NULL) {
                    if (send_line(fd, start, (size_t)(nl - start)) < 0)
                        return 1;
                    start = nl + 1;
                }
                line_len -= (size_t)(start - line);
                memmove(line, start, line_len);
                if (line_len == sizeof line) { /* a very long line: send what we have */
                    if (send_line(fd, line, line_len) < 0)
                        return 1;
                    line_len = 0;
                }
            }
        }
        if (!(pf[0].revents & (POLLIN | POLLHUP | POLLERR)))
            continue;
        for (;;) {
            struct sctp_sndrcvinfo sinfo;
            int flags = 0;
            int n = sctp_recvmsg(fd, buf, sizeof buf, NULL, NULL, &sinfo, &flags);
            if (n < 0) {
                if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
                    break;
                if (errno == ENOTCONN && shut) { /* as Linux: our shutdown is over */
                    printf("%s: shutdown complete\n", name);
                    close(fd);
                    return 0;
                }
                if (errno == ECONNRESET && aborted) { /* Linux reports the ABORT once */
                    printf("%s: association aborted by the peer\n", name);
                    close(fd);
                    return 3;
                }
                fprintf(stderr, PROG ": sctp_recvmsg: %s\n", strerror(errno));
                return 1;
            }
            if (n == 0) { /* the association is over */
                if (aborted) {
                    printf("%s: association aborted by the peer\n", name);
                    close(fd);
                    return 3;
                }
                if (shut)
                    printf("%s: shutdown complete\n", name);
                else
                    printf("%s: the server ended the association%s\n", name,
                           peer_ended ? " gracefully" : "");
                close(fd);
                return 0;
            }
            if (flags & MSG_NOTIFICATION) {
                if (print_notification(name, buf, (size_t)n) == SCTP_ASSOC_CHANGE) {
                    const struct sctp_assoc_change *sac = (const void *)buf;
                    if (sac->sac_state == SCTP_COMM_LOST)
                        aborted = true;
                    if (sac->sac_state == SCTP_SHUTDOWN_COMP)
                        peer_ended = true;
                }
                continue;
            }
            printf("%s: <%.*s>\n", name, n, buf);
            received++;
        }
    }
}
