#include "check.h"
#include "core/wire/chunk.h"
#include "core/wire/tlv.h"

static void test_header(void)
{
    const uint8_t pkt[12] = {0x26, 0xab, 0x00, 0x50, 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4};
    braid_common_header h;
    CHECK_EQ(braid_header_parse(pkt, 11, &h), BRAID_ERR_TRUNCATED);
    CHECK_EQ(braid_header_parse(pkt, 12, &h), 0);
    CHECK_EQ(h.src_port, 0x26ab);
    CHECK_EQ(h.dst_port, 80);
    CHECK_EQ(h.vtag, 0xdeadbeef);
    CHECK_EQ(h.checksum, 0x01020304);
    uint8_t out[12];
    braid_header_write(out, &h);
    CHECK_MEM(out, pkt, 12);
}

static int iter_first_error(const uint8_t *p, size_t n, int *count)
{
    braid_chunk_iter it;
    braid_chunk_view v;
    int rc;
    *count = 0;
    braid_chunk_iter_init_bare(&it, p, n);
    while ((rc = braid_chunk_iter_next(&it, &v)) > 0)
        (*count)++;
    return rc;
}

static void test_chunk_iter(void)
{
    int n;
    /* two chunks: COOKIE ACK (len 4) and a 5-byte unknown chunk padded to 8 */
    const uint8_t good[] = {11, 0, 0, 4, 0x3f, 0, 0, 5, 0xaa, 0, 0, 0};
    CHECK_EQ(iter_first_error(good, sizeof good, &n), 0);
    CHECK_EQ(n, 2);
    const uint8_t zero[] = {11, 0, 0, 0};
    CHECK_EQ(iter_first_error(zero, sizeof zero, &n), BRAID_ERR_CHUNK_ZERO_LEN);
    const uint8_t short_len[] = {11, 0, 0, 3};
    CHECK_EQ(iter_first_error(short_len, sizeof short_len, &n), BRAID_ERR_CHUNK_LEN);
    const uint8_t overrun[] = {11, 0, 0, 12, 0, 0, 0, 0};
    CHECK_EQ(iter_first_error(overrun, sizeof overrun, &n), BRAID_ERR_CHUNK_OVERRUN);
    const uint8_t nopad[] = {0x3f, 0, 0, 5, 0xaa};
    CHECK_EQ(iter_first_error(nopad, sizeof nopad, &n), BRAID_ERR_CHUNK_PADDING);
    const uint8_t cut[] = {11, 0, 0, 4, 11, 0};
    CHECK_EQ(iter_first_error(cut, sizeof cut, &n), BRAID_ERR_TRUNCATED);
    CHECK_EQ(n, 1);
}

static void test_unknown_actions(void)
{
    CHECK_EQ(braid_chunk_unknown_action(0x3f), BRAID_UNKNOWN_STOP);
    CHECK_EQ(braid_chunk_unknown_action(0x40), BRAID_UNKNOWN_STOP_REPORT);
    CHECK_EQ(braid_chunk_unknown_action(0x80), BRAID_UNKNOWN_SKIP);
    CHECK_EQ(braid_chunk_unknown_action(0xc0), BRAID_UNKNOWN_SKIP_REPORT);
    CHECK(braid_unknown_action_stops(BRAID_UNKNOWN_STOP_REPORT));
    CHECK(!braid_unknown_action_stops(BRAID_UNKNOWN_SKIP_REPORT));
    CHECK(braid_unknown_action_reports(BRAID_UNKNOWN_SKIP_REPORT));
    CHECK(!braid_unknown_action_reports(BRAID_UNKNOWN_SKIP));
    CHECK_EQ(braid_param_unknown_action(0x0123), 0);
    CHECK_EQ(braid_param_unknown_action(0x4123), 1);
    CHECK_EQ(braid_param_unknown_action(0x8123), 2);
    CHECK_EQ(braid_param_unknown_action(0xc123), 3);
}

static void test_tlv_iter(void)
{
    /* last TLV unpadded is accepted */
    const uint8_t last_unpadded[] = {0, 7, 0, 5, 0xaa};
    CHECK_EQ(braid_tlv_list_check(last_unpadded, sizeof last_unpadded), 0);
    /* a TLV followed by part of its padding only is not */
    const uint8_t mid_unpadded[] = {0, 7, 0, 5, 0xaa, 0};
    CHECK_EQ(braid_tlv_list_check(mid_unpadded, sizeof mid_unpadded), BRAID_ERR_PARAM_PADDING);
    const uint8_t zero[] = {0, 7, 0, 0};
    CHECK_EQ(braid_tlv_list_check(zero, sizeof zero), BRAID_ERR_PARAM_LEN);
    const uint8_t over[] = {0, 7, 0, 9, 1, 2, 3, 4};
    CHECK_EQ(braid_tlv_list_check(over, sizeof over), BRAID_ERR_PARAM_OVERRUN);
    const uint8_t cut[] = {0, 7, 0, 4, 0, 7};
    CHECK_EQ(braid_tlv_list_check(cut, sizeof cut), BRAID_ERR_PARAM_OVERRUN);
}

static void test_tlv_write(void)
{
    uint8_t buf[32];
    braid_wr w;
    braid_wr_init(&w, buf, sizeof buf);
    size_t c = braid_chunk_begin(&w, 6, 0);
    const uint8_t a[] = {1, 2, 3};
    CHECK_EQ(braid_tlv_write(&w, 12, a, 3), 0);
    CHECK_EQ(braid_tlv_write(&w, 13, a, 1), 0);
    CHECK_EQ(braid_chunk_end(&w, c), 0);
    /* chunk length: 4 + (7 padded to 8) + 5 = 17; chunk padded to 20 */
    const uint8_t want[] = {6, 0, 0, 17, 0, 12, 0, 7, 1, 2, 3, 0, 0, 13, 0, 5, 1, 0, 0, 0};
    CHECK_EQ(w.off, sizeof want);
    CHECK_MEM(buf, want, sizeof want);
    braid_wr_init(&w, buf, 6);
    CHECK_EQ(braid_tlv_write(&w, 12, a, 3), BRAID_ERR_NOSPACE);
}

int main(void)
{
    RUN(test_header);
    RUN(test_chunk_iter);
    RUN(test_unknown_actions);
    RUN(test_tlv_iter);
    RUN(test_tlv_write);
    return CHECK_REPORT();
}
