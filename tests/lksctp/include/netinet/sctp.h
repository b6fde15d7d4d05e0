/*
 * braid: <netinet/sctp.h> for the lksctp-tools func_tests (tests/lksctp).
 * The tests include <netinet/sctp.h>; on braid that is <braid/sctp.h>. The
 * socket calls are redirected by <braid/compat.h>, force-included by run.sh.
 */
#include <braid/sctp.h>
