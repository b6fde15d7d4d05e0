/*
 * libFuzzer target: whole-packet parser.
 *
 * For every input whose chunks all parse, re-encoding the parsed chunks must
 * succeed (never larger than the input), the result must parse again, and
 * the full description of both parses must be equal:
 *   describe(parse(x)) == describe(parse(encode(parse(x)))).
 * Inputs that do not parse must be rejected with an error, never read out of
 * bounds (ASan) and never crash.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/wire/crc32c.h"
#include "core/wire/pkt.h"

static char text1[1 << 20], text2[1 << 20];
static uint8_t out[65536 + 4096];

/* Parses every chunk of pkt, describing each into s and (if b is given)
 * re-encoding it into b. Returns 0, or the first error. */
static int walk(const uint8_t *pkt, size_t len, braid_sbuf *s, braid_pkt_builder *b)
{
    braid_chunk_iter it;
    braid_chunk_view v;
    braid_chunk c;
    int rc;
    braid_chunk_iter_init(&it, pkt, len);
    while ((rc = braid_chunk_iter_next(&it, &v)) > 0) {
        rc = braid_chunk_parse(&v, &c);
        if (rc < 0)
            return rc;
        braid_chunk_describe(s, &c);
        braid_sbuf_printf(s, "\n");
        if (b && braid_pkt_add(b, &c) < 0) {
            fprintf(stderr, "re-encoding a parsed %s chunk failed\n", braid_chunk_name(v.type));
            abort();
        }
    }
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    braid_common_header h;
    braid_sbuf s1, s2;
    if (size > 65536)
        return 0;
    /* The display path must cope with anything. */
    braid_sbuf_init(&s1, text1, sizeof text1);
    (void)braid_pkt_describe(&s1, data, size);
    (void)braid_pkt_checksum_ok(data, size);

    if (braid_header_parse(data, size, &h) < 0)
        return 0;
    braid_pkt_builder b;
    if (braid_pkt_begin(&b, out, sizeof out, size + 64, h.src_port, h.dst_port, h.vtag) < 0)
        abort();
    braid_sbuf_init(&s1, text1, sizeof text1);
    if (walk(data, size, &s1, &b) < 0)
        return 0;
    size_t n = braid_pkt_finish(&b);
    if (!braid_pkt_checksum_ok(out, n))
        abort();
    braid_sbuf_init(&s2, text2, sizeof text2);
    int rc = walk(out, n, &s2, NULL);
    if (rc < 0) {
        fprintf(stderr, "re-encoded packet does not parse: %s\n", braid_strerror(rc));
        abort();
    }
    if (s1.len != s2.len || memcmp(text1, text2, s1.len) != 0) {
        fprintf(stderr, "parse/encode/parse differs:\n--- first\n%s--- second\n%s", text1, text2);
        abort();
    }
    return 0;
}
