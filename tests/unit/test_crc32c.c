#include "check.h"
#include "core/wire/crc32c.h"

#include <stdlib.h>

typedef uint32_t (*crc_fn)(uint32_t, const void *, size_t);

static void vectors(crc_fn f)
{
    uint8_t buf[32];
    CHECK_EQ(f(0, "123456789", 9), 0xE3069283u);
    CHECK_EQ(f(0, "", 0), 0u);
    /* RFC 3720 §B.4 test vectors (iSCSI uses the same CRC32c) */
    memset(buf, 0, 32);
    CHECK_EQ(f(0, buf, 32), 0x8A9136AAu);
    memset(buf, 0xff, 32);
    CHECK_EQ(f(0, buf, 32), 0x62A8AB43u);
    for (int i = 0; i < 32; i++)
        buf[i] = (uint8_t)i;
    CHECK_EQ(f(0, buf, 32), 0x46DD794Eu);
    for (int i = 0; i < 32; i++)
        buf[i] = (uint8_t)(31 - i);
    CHECK_EQ(f(0, buf, 32), 0x113FDB5Cu);
}

static void test_vectors_bytewise(void)
{
    vectors(braid_crc32c_extend_bytewise);
}
static void test_vectors_sw(void)
{
    vectors(braid_crc32c_extend_sw);
}
static void test_vectors_hw(void)
{
    if (!braid_crc32c_hw_available()) {
        printf("  (no SSE4.2: hardware path not tested)\n");
        return;
    }
    vectors(braid_crc32c_extend_hw);
}
static void test_vectors_dispatch(void)
{
    vectors(braid_crc32c_extend);
}

/* Every length up to 8 KiB and every alignment: all paths agree, chaining works. */
static void test_paths_agree(void)
{
    enum { N = 8192 + 64 };
    uint8_t *buf = malloc(N);
    uint32_t seed = 12345;
    for (size_t i = 0; i < N; i++) {
        seed = seed * 1103515245u + 12345u;
        buf[i] = (uint8_t)(seed >> 16);
    }
    int bad = 0;
    bool hw = braid_crc32c_hw_available();
    for (size_t len = 0; len <= 8192; len += (len < 700 ? 1 : 37)) {
        size_t off = len % 8;
        uint32_t ref = braid_crc32c_extend_bytewise(0, buf + off, len);
        if (braid_crc32c_extend_sw(0, buf + off, len) != ref)
            bad++;
        if (hw && braid_crc32c_extend_hw(0, buf + off, len) != ref)
            bad++;
        size_t half = len / 3;
        if (braid_crc32c_extend(braid_crc32c(buf + off, half), buf + off + half, len - half) != ref)
            bad++;
    }
    CHECK_EQ(bad, 0);
    free(buf);
}

/* The committed tables match a fresh computation. */
static void test_tables(void)
{
    int bad = 0;
    for (int b = 0; b < 256; b++) {
        uint32_t c = (uint32_t)b;
        for (int i = 0; i < 8; i++)
            c = (c >> 1) ^ ((c & 1) ? 0x82F63B78u : 0);
        if (braid_crc32c_table_entry(0, b) != c)
            bad++;
        for (int k = 1; k < 8; k++) {
            uint32_t p = braid_crc32c_table_entry(k - 1, b);
            if (braid_crc32c_table_entry(k, b) !=
                ((p >> 8) ^ braid_crc32c_table_entry(0, (int)(p & 0xff))))
                bad++;
        }
    }
    CHECK_EQ(bad, 0);
}

static void test_packet_checksum(void)
{
    /* A COOKIE ACK packet: checksum stored least significant byte first. */
    uint8_t pkt[16] = {0x26, 0xab, 0x26, 0xab, 0x11, 0x22, 0x33, 0x44, 0, 0, 0, 0, 11, 0, 0, 4};
    uint32_t want = braid_crc32c(pkt, 16); /* field is zero already */
    braid_pkt_set_checksum(pkt, sizeof pkt);
    CHECK_EQ(pkt[8], want & 0xff);
    CHECK_EQ(pkt[11], want >> 24);
    CHECK(braid_pkt_checksum_ok(pkt, sizeof pkt));
    pkt[13] ^= 1;
    CHECK(!braid_pkt_checksum_ok(pkt, sizeof pkt));
    CHECK(!braid_pkt_checksum_ok(pkt, 11));
}

int main(void)
{
    RUN(test_vectors_bytewise);
    RUN(test_vectors_sw);
    RUN(test_vectors_hw);
    RUN(test_vectors_dispatch);
    RUN(test_paths_agree);
    RUN(test_tables);
    RUN(test_packet_checksum);
    return CHECK_REPORT();
}
