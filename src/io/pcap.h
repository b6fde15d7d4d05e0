/*
 * pcap writer: Ethernet frames carrying IPv4/IPv6, then UDP (RFC 6951
 * encapsulation) or SCTP directly (raw IP, protocol 132), so Wireshark and
 * tshark decode braid's packets as SCTP.
 */
#ifndef BRAID_IO_PCAP_H
#define BRAID_IO_PCAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define BRAID_PCAP_FRAME_OVERHEAD (14 + 40 + 8) /* Ethernet + IPv6 + UDP */

typedef struct braid_pcap_path {
    int family;         /* 4 or 6 */
    uint8_t src_ip[16]; /* 4 or 16 bytes used */
    uint8_t dst_ip[16];
    bool udp; /* RFC 6951 encapsulation; false: raw IP protocol 132 */
    uint16_t udp_sport;
    uint16_t udp_dport;
} braid_pcap_path;

/* Builds the Ethernet frame around an SCTP packet; returns its length, 0 if
 * it does not fit in cap. */
size_t braid_pcap_frame(uint8_t *out, size_t cap, const braid_pcap_path *path, const uint8_t *sctp,
                        size_t len);

typedef struct braid_pcap {
    FILE *f;
} braid_pcap;

/* Creates the file and writes the pcap header: 0 or a negative errno. */
int braid_pcap_open(braid_pcap *p, const char *path);
/* Appends one packet (frame built internally) with a timestamp in ns. */
int braid_pcap_write(braid_pcap *p, uint64_t ts_ns, const braid_pcap_path *path,
                     const uint8_t *sctp, size_t len);
/* Pushes buffered records to the file: 0 or a negative errno. */
int braid_pcap_flush(braid_pcap *p);
void braid_pcap_close(braid_pcap *p);

#endif
