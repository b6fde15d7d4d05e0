/*
 * Packet capture of transports: a per-transport pcap file
 * (braid_io_set_pcap) and the process-wide one named by $BRAID_PCAP, shared
 * by every transport of the process (one writer behind a mutex, opened when
 * the first packet is written).
 */
#define _GNU_SOURCE
#define BRAID_IO_INTERNAL
#include "io.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcap.h"

static pthread_once_t env_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t env_mu = PTHREAD_MUTEX_INITIALIZER;
static char env_path[4096];
static braid_pcap env_pcap;
static bool env_failed;

static void env_init(void)
{
    const char *e = getenv("BRAID_PCAP");
    if (e && *e && strlen(e) < sizeof env_path)
        memcpy(env_path, e, strlen(e) + 1);
}

int braid_io_set_pcap(braid_io *io, const char *path)
{
    braid_io_pcap_close_(io);
    if (!path)
        return 0;
    braid_pcap *p = calloc(1, sizeof *p);
    if (!p)
        return -ENOMEM;
    int rc = braid_pcap_open(p, path);
    if (rc < 0) {
        free(p);
        return braid_io_fail_(rc, "pcap %s: %s", path, strerror(-rc));
    }
    io->pcap = p;
    return 0;
}

void braid_io_pcap_close_(braid_io *io)
{
    if (!io->pcap)
        return;
    braid_pcap_close(io->pcap);
    free(io->pcap);
    io->pcap = NULL;
}

static void put_ip(uint8_t out[16], const braid_addr *a, int family)
{
    memset(out, 0, 16);
    if (a->family == family)
        memcpy(out, a->ip, family == 6 ? 16 : 4);
}

/* The frame description of one packet; false when it has no usable address. */
static bool frame_path(const braid_io *io, bool out, const braid_io_pkt *p, braid_pcap_path *fp)
{
    const braid_addr *src = out ? &p->path.local : &p->path.remote;
    const braid_addr *dst = out ? &p->path.remote : &p->path.local;
    int family = p->path.remote.family;
    if (family != 4 && family != 6)
        return false;
    memset(fp, 0, sizeof *fp);
    fp->family = family;
    put_ip(fp->src_ip, src, family);
    put_ip(fp->dst_ip, dst, family);
    fp->udp = io->kind != BRAID_IO_RAW;
    fp->udp_sport = src->udp_port;
    fp->udp_dport = dst->udp_port;
    return true;
}

static void write_all(braid_pcap *pc, const braid_io *io, bool out, const braid_io_pkt *pkts,
                      unsigned n, uint64_t ts)
{
    for (unsigned i = 0; i < n; i++) {
        braid_pcap_path fp;
        if (pkts[i].len && !pkts[i].data)
            continue;
        if (!frame_path(io, out, &pkts[i], &fp))
            continue;
        /* a received train (UDP GRO): one frame per datagram */
        size_t off = 0;
        do {
            size_t l = braid_io_seg_len(&pkts[i], off);
            braid_pcap_write(pc, ts, &fp, pkts[i].data + off, l);
            off += l;
        } while (off < pkts[i].len);
    }
    braid_pcap_flush(pc);
}

bool braid_io_tracing_(const braid_io *io)
{
    pthread_once(&env_once, env_init);
    return io->pcap || env_path[0];
}

void braid_io_trace_(braid_io *io, bool out, const braid_io_pkt *pkts, unsigned n)
{
    pthread_once(&env_once, env_init);
    if (!io->pcap && !env_path[0])
        return;
    uint64_t ts = braid_wall_ns();
    if (io->pcap)
        write_all(io->pcap, io, out, pkts, n, ts);
    if (!env_path[0])
        return;
    pthread_mutex_lock(&env_mu);
    if (!env_pcap.f && !env_failed) {
        int rc = braid_pcap_open(&env_pcap, env_path);
        if (rc < 0) {
            env_failed = true;
            fprintf(stderr, "braid: BRAID_PCAP=%s: %s\n", env_path, strerror(-rc));
        }
    }
    if (env_pcap.f)
        write_all(&env_pcap, io, out, pkts, n, ts);
    pthread_mutex_unlock(&env_mu);
}

void braid_io_trace(braid_io *io, bool out, const braid_io_pkt *pkts, unsigned n)
{
    if (io)
        braid_io_trace_(io, out, pkts, n);
}
