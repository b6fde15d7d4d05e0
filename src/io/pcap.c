#include "pcap.h"

#include <errno.h>
#include <string.h>

#include "core/util/bytes.h"

static uint32_t sum16(uint32_t acc, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        acc += (uint32_t)p[i] << 8 | p[i + 1];
    if (n & 1)
        acc += (uint32_t)p[n - 1] << 8;
    return acc;
}

static uint16_t fold(uint32_t acc)
{
    while (acc >> 16)
        acc = (acc & 0xffff) + (acc >> 16);
    return (uint16_t)~acc;
}

size_t braid_pcap_frame(uint8_t *out, size_t cap, const braid_pcap_path *path, const uint8_t *sctp,
                        size_t len)
{
    size_t iplen = path->family == 6 ? 40 : 20;
    size_t l4 = (path->udp ? 8 : 0) + len;
    size_t total = 14 + iplen + l4;
    if (total > cap || l4 > 65535 - iplen)
        return 0;
    uint8_t proto = path->udp ? 17 : 132;
    static const uint8_t macs[12] = {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1};
    memcpy(out, macs, 12);
    braid_store16(out + 12, path->family == 6 ? 0x86dd : 0x0800);
    uint8_t *ip = out + 14;
    size_t alen = path->family == 6 ? 16 : 4;
    if (path->family == 6) {
        memset(ip, 0, 40);
        ip[0] = 0x60;
        braid_store16(ip + 4, (uint16_t)l4);
        ip[6] = proto;
        ip[7] = 64;
        memcpy(ip + 8, path->src_ip, 16);
        memcpy(ip + 24, path->dst_ip, 16);
    } else {
        memset(ip, 0, 20);
        ip[0] = 0x45;
        braid_store16(ip + 2, (uint16_t)(20 + l4));
        braid_store16(ip + 6, 0x4000); /* DF */
        ip[8] = 64;
        ip[9] = proto;
        memcpy(ip + 12, path->src_ip, 4);
        memcpy(ip + 16, path->dst_ip, 4);
        braid_store16(ip + 10, fold(sum16(0, ip, 20)));
    }
    uint8_t *l = ip + iplen;
    if (path->udp) {
        braid_store16(l, path->udp_sport);
        braid_store16(l + 2, path->udp_dport);
        braid_store16(l + 4, (uint16_t)l4);
        braid_store16(l + 6, 0);
        memcpy(l + 8, sctp, len);
        /* UDP checksum over the pseudo-header (RFC 768, RFC 8200 §8.1) */
        uint32_t acc = sum16(0, path->src_ip, alen);
        acc = sum16(acc, path->dst_ip, alen);
        acc += 17u + (uint32_t)l4;
        uint16_t ck = fold(sum16(acc, l, l4));
        braid_store16(l + 6, ck ? ck : 0xffff);
    } else {
        memcpy(l, sctp, len);
    }
    return total;
}

static void put32le(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

int braid_pcap_open(braid_pcap *p, const char *path)
{
    p->f = fopen(path, "wb");
    if (!p->f)
        return -errno;
    uint8_t h[24];
    put32le(h, 0xa1b2c3d4);                 /* microsecond timestamps */
    h[4] = 2, h[5] = 0, h[6] = 4, h[7] = 0; /* version 2.4 */
    put32le(h + 8, 0);                      /* thiszone */
    put32le(h + 12, 0);                     /* sigfigs */
    put32le(h + 16, 65535 + BRAID_PCAP_FRAME_OVERHEAD);
    put32le(h + 20, 1); /* LINKTYPE_ETHERNET */
    if (fwrite(h, 1, sizeof h, p->f) != sizeof h) {
        fclose(p->f);
        p->f = NULL;
        return -EIO;
    }
    return 0;
}

int braid_pcap_write(braid_pcap *p, uint64_t ts_ns, const braid_pcap_path *path,
                     const uint8_t *sctp, size_t len)
{
    uint8_t frame[65535 + BRAID_PCAP_FRAME_OVERHEAD];
    if (!p->f)
        return -EBADF;
    size_t n = braid_pcap_frame(frame, sizeof frame, path, sctp, len);
    if (n == 0)
        return -EMSGSIZE;
    uint8_t rh[16];
    put32le(rh, (uint32_t)(ts_ns / 1000000000u));
    put32le(rh + 4, (uint32_t)(ts_ns % 1000000000u / 1000u));
    put32le(rh + 8, (uint32_t)n);
    put32le(rh + 12, (uint32_t)n);
    if (fwrite(rh, 1, sizeof rh, p->f) != sizeof rh || fwrite(frame, 1, n, p->f) != n)
        return -EIO;
    return 0;
}

int braid_pcap_flush(braid_pcap *p)
{
    if (!p->f)
        return -EBADF;
    return fflush(p->f) == 0 ? 0 : -EIO;
}

void braid_pcap_close(braid_pcap *p)
{
    if (p->f)
        fclose(p->f);
    p->f = NULL;
}
