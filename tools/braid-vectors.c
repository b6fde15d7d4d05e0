/*
 * braid-vectors: prints (and optionally writes as pcap / fuzz seeds) one
 * sample packet for every chunk type braid's codec encodes.
 *
 *   braid-vectors [--pcap FILE] [--corpus DIR] [--quiet]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/wire/pkt.h"
#include "io/pcap.h"
#include "samples.h"

typedef struct ctx {
    braid_pcap pcap;
    const char *corpus;
    int quiet;
    int index;
    int failed;
} ctx;

static void on_sample(void *arg, const char *label, const uint8_t *pkt, size_t len)
{
    ctx *c = arg;
    char text[8192];
    braid_sbuf s;
    braid_sbuf_init(&s, text, sizeof text);
    int rc = braid_pkt_describe(&s, pkt, len);
    if (rc < 0)
        c->failed = 1;
    if (!c->quiet)
        printf("#%d %s\n%s", c->index + 1, label, text);
    if (c->pcap.f) {
        braid_pcap_path path = {.family = 4, .udp = true, .udp_sport = 9899, .udp_dport = 9899};
        const uint8_t a[4] = {192, 0, 2, 1}, b[4] = {192, 0, 2, 2};
        /* alternate direction by the verification tag the sample uses */
        int from_client = (pkt[4] == 0x5e) || (pkt[4] == 0 && pkt[5] == 0);
        memcpy(path.src_ip, from_client ? a : b, 4);
        memcpy(path.dst_ip, from_client ? b : a, 4);
        uint64_t ts = 1700000000ull * 1000000000ull + (uint64_t)(unsigned)c->index * 1000000u;
        if (braid_pcap_write(&c->pcap, ts, &path, pkt, len) < 0)
            c->failed = 1;
    }
    if (c->corpus) {
        char name[512];
        snprintf(name, sizeof name, "%s/sample-%02d", c->corpus, c->index + 1);
        FILE *f = fopen(name, "wb");
        if (!f || fwrite(pkt, 1, len, f) != len)
            c->failed = 1;
        if (f)
            fclose(f);
    }
    c->index++;
}

int main(int argc, char **argv)
{
    ctx c;
    memset(&c, 0, sizeof c);
    const char *pcap = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--pcap") && i + 1 < argc) {
            pcap = argv[++i];
        } else if (!strcmp(argv[i], "--corpus") && i + 1 < argc) {
            c.corpus = argv[++i];
        } else if (!strcmp(argv[i], "--quiet")) {
            c.quiet = 1;
        } else {
            fprintf(stderr, "usage: %s [--pcap FILE] [--corpus DIR] [--quiet]\n", argv[0]);
            return 2;
        }
    }
    if (pcap) {
        int rc = braid_pcap_open(&c.pcap, pcap);
        if (rc < 0) {
            fprintf(stderr, "braid-vectors: %s: %s\n", pcap, strerror(-rc));
            return 1;
        }
    }
    int n = braid_samples_all_chunks(on_sample, &c);
    braid_pcap_close(&c.pcap);
    if (n < 0) {
        fprintf(stderr, "braid-vectors: encoding failed: %s\n", braid_strerror(n));
        return 1;
    }
    if (!c.quiet)
        printf("%d packets\n", n);
    return c.failed ? 1 : 0;
}
