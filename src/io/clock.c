/* Clocks: monotonic for the engine's timers, wall clock for pcap. */
#define _GNU_SOURCE
#define BRAID_IO_INTERNAL
#include "io.h"

#include <time.h>

static uint64_t read_clock(clockid_t id)
{
    struct timespec ts;
    if (clock_gettime(id, &ts) != 0)
        return 0;
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t braid_now_ns(void)
{
    return read_clock(CLOCK_MONOTONIC);
}

uint64_t braid_wall_ns(void)
{
    return read_clock(CLOCK_REALTIME);
}
