/*
 * ICMP errors (and sends refused for want of a route) from the process's
 * transports to the stacks whose packets they quote (icmp.c), and the one
 * world.c look-up they need. World locked.
 */
#ifndef BRAID_API_ICMP_H
#define BRAID_API_ICMP_H

#include "internal.h"

/* Reads the error reports of t and the transports after it and hands
 * each to the stack that sent the packet. */
void world_icmp(btrans *t, uint64_t now);

/* world.c: the stack of SCTP port port with an association with peer (at
 * SCTP port peer_port), or NULL. */
bstack *world_sender(uint16_t port, const braid_addr *peer, uint16_t peer_port);

#endif
