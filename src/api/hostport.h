/*
 * Many processes on one host (hostport.c): SCTP ports reserved host-wide,
 * one UDP encapsulation port shared by the transports of several processes
 * (SO_REUSEPORT + an eBPF program that picks the socket by SCTP port), and
 * raw IP sockets filtered to the process's ports, with one process elected
 * to answer out-of-the-blue packets (RFC 9260 §8.4).
 *
 * Everything here is called with the world lock held (world.c); the state
 * is this file's static variables, per process.
 */
#ifndef BRAID_API_HOSTPORT_H
#define BRAID_API_HOSTPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "io/io.h"

/* A process transport (braid_io_open's arguments for the world's wildcard
 * transports): UDP on a numbered port joins the port's group of processes
 * when BPF allows (else it is bound exclusively, as before); raw IP gets
 * the socket filter of the process's SCTP ports. 0 or a negative errno. */
int braid_hostport_open(braid_io **out, braid_io_kind kind, int family, uint16_t port);
/* Leaves the group / drops the filter bookkeeping, then braid_io_close. */
void braid_hostport_close(braid_io *io);
/* True when other processes receive on io's port too (a shared UDP port,
 * raw IP): a packet for an SCTP port this process does not serve goes out
 * through the kernel, not to this process's refuser. */
bool braid_hostport_shared(const braid_io *io);

/* An SCTP port taken by a stack of the process (counted: the first reserve
 * binds the host-wide name, the last release frees it): 0 or -EADDRINUSE
 * (another process holds it). */
int braid_hostport_reserve(uint16_t port);
void braid_hostport_release(uint16_t port);

/* Raw IP: pkt (an SCTP packet, common header first) is for a port no stack
 * of the process serves. True when this process is to answer it as out of
 * the blue (RFC 9260 §8.4): it is the elected answerer and no process holds
 * the port. */
bool braid_hostport_raw_ootb(const uint8_t *pkt, size_t len);

/* The background thread's periodic work (taking the answerer role over
 * from a process that died), and when it is due next (BRAID_TIME_NEVER:
 * nothing to do). */
void braid_hostport_tick(uint64_t now);
uint64_t braid_hostport_next_tick(void);

/* A process of the family is gone (world_slot_gone): the port names it
 * held are taken again by this one. */
void braid_hostport_slot_gone(unsigned slot);

#endif
