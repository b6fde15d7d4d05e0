/*
 * The Linux side of the <braid/sctp.h> layout test: the system's
 * <netinet/sctp.h> (libsctp-dev) measured into tables that
 * sctp_h_layout_braid.c compares with braid's header. Nothing from braid is
 * included here.
 */
#define _GNU_SOURCE /* MSG_FIN, which Linux's SCTP_EOF is defined as */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <netinet/in.h>
#include <netinet/sctp.h>

#include "unit/sctp_layout_list.h"

const struct sctp_layout_entry sctp_layout_linux[] = {
    SCTP_LAYOUT_LIST(SCTP_LAYOUT_T_, SCTP_LAYOUT_M_, SCTP_LAYOUT_F_)};
const size_t sctp_layout_linux_count = sizeof sctp_layout_linux / sizeof sctp_layout_linux[0];

const struct sctp_const_entry sctp_consts_linux[] = {SCTP_CONST_LIST(SCTP_CONST_)};
const size_t sctp_consts_linux_count = sizeof sctp_consts_linux / sizeof sctp_consts_linux[0];

const struct sctp_const_entry sctp_exprs_linux[] = {SCTP_EXPR_LIST(SCTP_CONST_)};
const size_t sctp_exprs_linux_count = sizeof sctp_exprs_linux / sizeof sctp_exprs_linux[0];

long long sctp_set_policy_linux(uint16_t flags, uint16_t policy)
{
    /* Linux's macro is not written for -Wconversion; widen, apply, narrow. */
    unsigned f = flags;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wsign-conversion"
#pragma GCC diagnostic ignored "-Wconversion"
    SCTP_PR_SET_POLICY(f, policy);
#pragma GCC diagnostic pop
    return (uint16_t)f;
}
