/*
 * The transport's queue of error reports (io.h braid_io_recv_err): ICMP
 * errors read from the kernel's socket error queues (udp.c) and packets the
 * OS refused on send. A bounded ring: a flood of ICMP errors costs at most
 * BRAID_IO_ERR_QUEUE reports, the oldest dropped first (errors_lost).
 */
#define _GNU_SOURCE
#define BRAID_IO_INTERNAL
#include "io.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void braid_io_errq_push_(braid_io *io, const braid_io_err *e)
{
    if (!io->errq) {
        io->errq = calloc(BRAID_IO_ERR_QUEUE, sizeof *io->errq);
        if (!io->errq) {
            io->st.errors_lost++;
            return;
        }
    }
    if (io->errq_count == BRAID_IO_ERR_QUEUE) {
        io->errq_head = (io->errq_head + 1) % BRAID_IO_ERR_QUEUE;
        io->errq_count--;
        io->st.errors_lost++;
    }
    io->errq[(io->errq_head + io->errq_count) % BRAID_IO_ERR_QUEUE] = *e;
    io->errq_count++;
    io->st.errors_in++;
}

void braid_io_errq_free_(braid_io *io)
{
    free(io->errq);
    io->errq = NULL;
    io->errq_head = io->errq_count = 0;
}

int braid_io_recv_err(braid_io *io, braid_io_err *errs, unsigned n)
{
    if (!io || (n && !errs))
        return -EINVAL;
    unsigned got = 0;
    while (got < n && io->errq_count) {
        errs[got++] = io->errq[io->errq_head];
        io->errq_head = (io->errq_head + 1) % BRAID_IO_ERR_QUEUE;
        io->errq_count--;
    }
    return (int)got;
}

bool braid_io_err_pending(const braid_io *io)
{
    return io && io->errq_count > 0;
}
