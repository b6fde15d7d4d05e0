/* A tiny test harness: CHECK macros count failures, main() returns nonzero
 * if any failed. Each test file is one CTest test. */
#ifndef BRAID_TEST_CHECK_H
#define BRAID_TEST_CHECK_H

#include <inttypes.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <string.h>

static int check_failed_ = 0;
static int check_total_ = 0;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        check_total_++;                                                                            \
        if (!(cond)) {                                                                             \
            check_failed_++;                                                                       \
            fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond);               \
        }                                                                                          \
    } while (0)

#define CHECK_EQ(a, b)                                                                             \
    do {                                                                                           \
        long long check_a_ = (long long)(a), check_b_ = (long long)(b);                            \
        check_total_++;                                                                            \
        if (check_a_ != check_b_) {                                                                \
            check_failed_++;                                                                       \
            fprintf(stderr, "%s:%d: CHECK_EQ(%s, %s) failed: %lld != %lld\n", __FILE__, __LINE__,  \
                    #a, #b, check_a_, check_b_);                                                   \
        }                                                                                          \
    } while (0)

#define CHECK_MEM(a, b, n)                                                                         \
    do {                                                                                           \
        check_total_++;                                                                            \
        if (memcmp((a), (b), (n)) != 0) {                                                          \
            check_failed_++;                                                                       \
            fprintf(stderr, "%s:%d: CHECK_MEM(%s, %s) failed\n", __FILE__, __LINE__, #a, #b);      \
        }                                                                                          \
    } while (0)

#define CHECK_STR(a, b)                                                                            \
    do {                                                                                           \
        const char *check_sa_ = (a), *check_sb_ = (b);                                             \
        check_total_++;                                                                            \
        if (strcmp(check_sa_, check_sb_) != 0) {                                                   \
            check_failed_++;                                                                       \
            fprintf(stderr, "%s:%d: CHECK_STR failed:\n  got:  %s\n  want: %s\n", __FILE__,        \
                    __LINE__, check_sa_, check_sb_);                                               \
        }                                                                                          \
    } while (0)

#define RUN(fn)                                                                                    \
    do {                                                                                           \
        int check_before_ = check_failed_;                                                         \
        fn();                                                                                      \
        printf("%s %s\n", check_failed_ == check_before_ ? "ok  " : "FAIL", #fn);                  \
    } while (0)

#define CHECK_REPORT()                                                                             \
    (printf("%d checks, %d failed\n", check_total_, check_failed_),                                \
     check_failed_ == 0 && check_total_ > 0 ? 0 : 1)

/* A call that must fail with errno err (-1 and errno, as the system's). */
#define EXPECT_ERR(call, err)                                                                      \
    do {                                                                                           \
        errno = 0;                                                                                 \
        long long r_ = (long long)(call);                                                          \
        CHECK_EQ(r_, -1);                                                                          \
        CHECK_EQ(errno, (err));                                                                    \
        if (r_ != -1 || errno != (err))                                                            \
            fprintf(stderr, "  %s: %lld, errno %d (%s), wanted %s\n", #call, r_, errno,            \
                    strerror(errno), #err);                                                        \
    } while (0)

#endif
