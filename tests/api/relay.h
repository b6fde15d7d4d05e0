/* A UDP relay for the sockets API tests: a small network between a client
 * and a (possibly multihomed) server on loopback, so that a test can lose
 * packets or inject them without root, firewall rules or hooks in the
 * library.
 *
 * The server's SCTP-over-UDP encapsulation (RFC 6951) listens on UDP port U
 * at the addresses srv[i]. The relay listens on srv[i]:R for each i (the
 * client is told that the server's encapsulation port is R) and forwards
 * what the client sends to srv[i]:U from one socket of its own (so the
 * server sees one client address); what the server sends back from srv[i]
 * goes to the client from srv[i]:R. Source addresses are preserved, so each
 * side's paths are the real ones.
 *
 * Commands over the control socket (ctl_send):
 *   RELAY_BLACKHOLE + i  drop every packet to or from server address i
 *   RELAY_RESTORE + i    forward them again
 *   RELAY_INJECT_UNKNOWN send the server a packet of the association (the
 *                        client's ports and the server's tag, learned from
 *                        the traffic) holding an unknown chunk of type 0x7e,
 *                        which the server must report in an ERROR chunk
 *                        (RFC 9260 §3.2: upper bits 01)
 *   RELAY_QUIT           exit
 * Each command is acknowledged with RELAY_ACK (the inject with RELAY_ACK or
 * RELAY_NAK when no tag was learned yet).
 */
#ifndef BRAID_TEST_RELAY_H
#define BRAID_TEST_RELAY_H

#include "api_proc.h"
#include "core/wire/crc32c.h" /* braid_pkt_set_checksum */

#define RELAY_MAX 2
enum {
    RELAY_READY = 1000,
    RELAY_ACK,
    RELAY_NAK,
    RELAY_BLACKHOLE = 1100,
    RELAY_RESTORE = 1200,
    RELAY_INJECT_UNKNOWN = 1300,
    RELAY_QUIT = 1400,
};

typedef struct relay_cfg {
    unsigned n;                 /* server addresses */
    struct in_addr srv[RELAY_MAX];
    uint16_t srv_udp;           /* U */
    uint16_t relay_udp;         /* R, chosen by the relay, sent after RELAY_READY */
} relay_cfg;

static inline int relay_bind(struct in_addr ip, uint16_t port)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr = ip;
    a.sin_port = htons(port);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

static inline void relay_main(int ctl, void *arg)
{
    relay_cfg *c = arg;
    int cf[RELAY_MAX]; /* client-facing, srv[i]:R */
    uint16_t r = 0;
    for (int attempt = 0; attempt < 50; attempt++) {
        cf[0] = relay_bind(c->srv[0], 0);
        struct sockaddr_in a;
        socklen_t l = sizeof a;
        getsockname(cf[0], (struct sockaddr *)&a, &l);
        r = ntohs(a.sin_port);
        unsigned ok = 1;
        for (unsigned i = 1; i < c->n; i++) {
            cf[i] = relay_bind(c->srv[i], r);
            if (cf[i] < 0)
                break;
            ok++;
        }
        if (ok == c->n)
            break;
        for (unsigned i = 0; i < ok; i++)
            close(cf[i]);
        r = 0;
    }
    struct in_addr lo = {htonl(INADDR_LOOPBACK)};
    int sf = relay_bind(lo, 0); /* server-facing */
    if (!r || sf < 0) {
        ctl_send(ctl, -1);
        CHECK(0);
        return;
    }
    ctl_send(ctl, RELAY_READY);
    ctl_send(ctl, r);
    bool dark[RELAY_MAX] = {false};
    struct sockaddr_in cli; /* the client, learned from its first packet */
    bool have_cli = false;
    uint8_t hdr[8] = {0}; /* client->server ports and the server's tag */
    bool have_tag = false;
    uint8_t buf[65536];
    for (;;) {
        struct pollfd pf[RELAY_MAX + 2];
        unsigned np = 0;
        for (unsigned i = 0; i < c->n; i++)
            pf[np++] = (struct pollfd){cf[i], POLLIN, 0};
        pf[np++] = (struct pollfd){sf, POLLIN, 0};
        pf[np++] = (struct pollfd){ctl, POLLIN, 0};
        if (poll(pf, np, 1000) < 0)
            continue;
        if (pf[np - 1].revents) {
            int cmd = ctl_recv(ctl, 0);
            if (cmd == INT32_MIN || cmd == RELAY_QUIT) {
                ctl_send(ctl, RELAY_ACK);
                break;
            }
            if (cmd >= RELAY_BLACKHOLE && cmd < RELAY_BLACKHOLE + RELAY_MAX) {
                dark[cmd - RELAY_BLACKHOLE] = true;
                ctl_send(ctl, RELAY_ACK);
            } else if (cmd >= RELAY_RESTORE && cmd < RELAY_RESTORE + RELAY_MAX) {
                dark[cmd - RELAY_RESTORE] = false;
                ctl_send(ctl, RELAY_ACK);
            } else if (cmd == RELAY_INJECT_UNKNOWN) {
                if (!have_tag) {
                    ctl_send(ctl, RELAY_NAK);
                    continue;
                }
                uint8_t p[20];
                memcpy(p, hdr, 8);
                memset(p + 8, 0, 4);
                p[12] = 0x7e; /* unknown chunk type, upper bits 01 */
                p[13] = 0;
                p[14] = 0;
                p[15] = 8; /* length */
                memcpy(p + 16, "junk", 4);
                braid_pkt_set_checksum(p, sizeof p);
                struct sockaddr_in to;
                memset(&to, 0, sizeof to);
                to.sin_family = AF_INET;
                to.sin_addr = c->srv[0];
                to.sin_port = htons(c->srv_udp);
                sendto(sf, p, sizeof p, 0, (struct sockaddr *)&to, sizeof to);
                ctl_send(ctl, RELAY_ACK);
            }
        }
        for (unsigned i = 0; i < c->n; i++) {
            if (!pf[i].revents)
                continue;
            struct sockaddr_in from;
            socklen_t fl = sizeof from;
            ssize_t n = recvfrom(cf[i], buf, sizeof buf, MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
            if (n < 0)
                continue;
            cli = from;
            have_cli = true;
            if (n >= 12 && (buf[4] | buf[5] | buf[6] | buf[7])) {
                memcpy(hdr, buf, 8);
                have_tag = true;
            }
            if (dark[i])
                continue;
            struct sockaddr_in to;
            memset(&to, 0, sizeof to);
            to.sin_family = AF_INET;
            to.sin_addr = c->srv[i];
            to.sin_port = htons(c->srv_udp);
            sendto(sf, buf, (size_t)n, 0, (struct sockaddr *)&to, sizeof to);
        }
        if (pf[c->n].revents) {
            struct sockaddr_in from;
            socklen_t fl = sizeof from;
            ssize_t n = recvfrom(sf, buf, sizeof buf, MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
            if (n < 0 || !have_cli)
                continue;
            for (unsigned i = 0; i < c->n; i++)
                if (from.sin_addr.s_addr == c->srv[i].s_addr) {
                    if (!dark[i])
                        sendto(cf[i], buf, (size_t)n, 0, (struct sockaddr *)&cli, sizeof cli);
                    break;
                }
        }
    }
}

/* Starts a relay process; returns its pid and fills c->relay_udp. */
static inline pid_t relay_start(relay_cfg *c, int *ctl)
{
    pid_t pid = spawn(relay_main, c, ctl);
    if (pid < 0)
        return -1;
    if (ctl_recv(*ctl, 5000) != RELAY_READY)
        return -1;
    c->relay_udp = (uint16_t)ctl_recv(*ctl, 5000);
    return pid;
}

static inline int relay_cmd(int ctl, int cmd)
{
    ctl_send(ctl, cmd);
    return ctl_recv(ctl, 5000);
}

#endif
