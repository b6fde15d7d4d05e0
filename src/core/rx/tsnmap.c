/* TSN map, see tsnmap.h. */
#include "core/rx/tsnmap.h"

#include "core/util/serial.h"

#define TSNMAP_MIN_CAP 8

/* Offset of a TSN above cum. Every TSN above cum (serial arithmetic, RFC
 * 9260 §1.6) has an offset in [1, 2^31 - 1]; 0 and offsets >= 2^31 are at or
 * below cum. Ranges only ever sit above cum and cum only moves up, so offsets
 * order the ranges correctly whatever cum is. */
static inline uint32_t rel(const braid_tsnmap *m, uint32_t tsn)
{
    return tsn - m->cum;
}

static inline bool above_cum(uint32_t off)
{
    return off != 0 && off <= (uint32_t)INT32_MAX;
}

void braid_tsnmap_init(braid_tsnmap *m, const braid_mem *mem, uint32_t cum_tsn)
{
    memset(m, 0, sizeof *m);
    m->mem = *mem;
    m->cum = cum_tsn;
}

void braid_tsnmap_free(braid_tsnmap *m)
{
    braid_free(&m->mem, m->ranges, m->cap * sizeof *m->ranges);
    m->ranges = NULL;
    m->n = m->cap = 0;
}

/* Index of the first range whose end offset is >= off (m->n if none). */
static size_t lower_bound(const braid_tsnmap *m, uint32_t off)
{
    size_t lo = 0, hi = m->n;
    if (hi && rel(m, m->ranges[hi - 1].end) < off)
        return hi; /* beyond the highest range: the common case of new data */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (rel(m, m->ranges[mid].end) < off)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static void remove_ranges(braid_tsnmap *m, size_t i, size_t k)
{
    if (!k)
        return; /* also: ranges may be NULL */
    if (m->n - i - k)
        memmove(m->ranges + i, m->ranges + i + k, (m->n - i - k) * sizeof *m->ranges);
    m->n -= k;
}

static int insert_range(braid_tsnmap *m, size_t i, uint32_t start, uint32_t end)
{
    if (m->n == m->cap) {
        if (m->cap >= BRAID_TSNMAP_MAX_RANGES)
            return BRAID_ERR_LIMIT;
        size_t cap = m->cap ? m->cap * 2 : TSNMAP_MIN_CAP;
        if (cap > BRAID_TSNMAP_MAX_RANGES)
            cap = BRAID_TSNMAP_MAX_RANGES;
        braid_tsn_range *r = braid_alloc(&m->mem, cap * sizeof *r);
        if (!r)
            return BRAID_ERR_NOMEM;
        if (m->n)
            memcpy(r, m->ranges, m->n * sizeof *r);
        braid_free(&m->mem, m->ranges, m->cap * sizeof *m->ranges);
        m->ranges = r;
        m->cap = cap;
    }
    if (m->n - i)
        memmove(m->ranges + i + 1, m->ranges + i, (m->n - i) * sizeof *m->ranges);
    m->ranges[i].start = start;
    m->ranges[i].end = end;
    m->n++;
    return 0;
}

/* After cum moved: absorb the first range if it now touches or straddles cum
 * (RFC 9260 §6.2: the Cumulative TSN Ack is the last TSN of the in-sequence
 * run). Ranges are non-adjacent, so at most one can be absorbed. */
static void absorb_first(braid_tsnmap *m)
{
    if (m->n && braid_tsn_le(m->ranges[0].start, m->cum + 1)) {
        m->cum = braid_tsn_max(m->cum, m->ranges[0].end);
        remove_ranges(m, 0, 1);
    }
}

int braid_tsnmap_mark(braid_tsnmap *m, uint32_t tsn)
{
    uint32_t off = rel(m, tsn);
    if (!above_cum(off))
        return 0; /* RFC 9260 §6.2: at or below the Cumulative TSN, a duplicate */
    if (off == 1) {
        m->cum = tsn;
        absorb_first(m);
        return 1;
    }
    size_t i = lower_bound(m, off);
    if (i < m->n && rel(m, m->ranges[i].start) <= off)
        return 0; /* already held in a gap range: a duplicate */
    /* ranges[i-1] ends below tsn, ranges[i] starts above it */
    bool join_prev = i > 0 && m->ranges[i - 1].end + 1 == tsn;
    bool join_next = i < m->n && m->ranges[i].start == tsn + 1;
    if (join_prev && join_next) {
        m->ranges[i - 1].end = m->ranges[i].end;
        remove_ranges(m, i, 1);
    } else if (join_prev) {
        m->ranges[i - 1].end = tsn;
    } else if (join_next) {
        m->ranges[i].start = tsn;
    } else {
        int rc = insert_range(m, i, tsn, tsn);
        if (rc < 0)
            return rc;
    }
    return 1;
}

int braid_tsnmap_unmark(braid_tsnmap *m, uint32_t tsn)
{
    uint32_t off = rel(m, tsn);
    if (!above_cum(off)) {
        if (tsn == m->cum) {
            m->cum = tsn - 1;
            return 1;
        }
        /* cum drops to tsn - 1; tsn + 1 .. old cum become the first range.
         * Everything held must stay within 2^31 - 1 of the new cum. */
        if (braid_tsnmap_highest(m) - (tsn - 1) > (uint32_t)INT32_MAX)
            return BRAID_ERR_INVAL;
        int rc = insert_range(m, 0, tsn + 1, m->cum);
        if (rc < 0)
            return rc;
        m->cum = tsn - 1;
        return 1;
    }
    size_t i = lower_bound(m, off);
    if (i == m->n || rel(m, m->ranges[i].start) > off)
        return 0;
    uint32_t start = m->ranges[i].start, end = m->ranges[i].end;
    if (start == end) {
        remove_ranges(m, i, 1);
    } else if (tsn == start) {
        m->ranges[i].start = tsn + 1;
    } else if (tsn == end) {
        m->ranges[i].end = tsn - 1;
    } else {
        int rc = insert_range(m, i + 1, tsn + 1, end);
        if (rc < 0)
            return rc;
        m->ranges[i].end = tsn - 1;
    }
    return 1;
}

bool braid_tsnmap_has(const braid_tsnmap *m, uint32_t tsn)
{
    uint32_t off = rel(m, tsn);
    if (!above_cum(off))
        return true;
    size_t i = lower_bound(m, off);
    return i < m->n && rel(m, m->ranges[i].start) <= off;
}

uint32_t braid_tsnmap_cum(const braid_tsnmap *m)
{
    return m->cum;
}

uint32_t braid_tsnmap_highest(const braid_tsnmap *m)
{
    return m->n ? m->ranges[m->n - 1].end : m->cum;
}

size_t braid_tsnmap_gap_count(const braid_tsnmap *m)
{
    return m->n;
}

size_t braid_tsnmap_gaps(const braid_tsnmap *m, uint16_t *out, size_t max)
{
    size_t k = 0;
    for (size_t i = 0; i < m->n && k < max; i++) {
        /* RFC 9260 §3.3.4: Gap Ack Block Start/End are 16-bit offsets from
         * the Cumulative TSN Ack; a block ending further cannot be sent. */
        uint32_t s = rel(m, m->ranges[i].start), e = rel(m, m->ranges[i].end);
        if (e > UINT16_MAX)
            break;
        out[2 * k] = (uint16_t)s;
        out[2 * k + 1] = (uint16_t)e;
        k++;
    }
    return k;
}

void braid_tsnmap_forward(braid_tsnmap *m, uint32_t new_cum)
{
    uint32_t adv = rel(m, new_cum);
    if (!above_cum(adv))
        return; /* RFC 3758 §3.6: a New Cumulative TSN at or below ours is stale */
    /* RFC 3758 §3.6: stop reporting anything at or below the new point */
    size_t i = lower_bound(m, adv + 1);
    remove_ranges(m, 0, i);
    m->cum = new_cum;
    /* RFC 3758 §3.6: then advance further locally if possible */
    absorb_first(m);
}

void braid_tsnmap_note_dup(braid_tsnmap *m, uint32_t tsn)
{
    /* RFC 9260 §3.3.4: each duplicate reception is listed in the next SACK */
    if (m->n_dups < BRAID_TSNMAP_MAX_DUPS)
        m->dups[m->n_dups++] = tsn;
    m->dup_total++;
}

size_t braid_tsnmap_dups(const braid_tsnmap *m, uint32_t *out, size_t max)
{
    size_t k = m->n_dups < max ? m->n_dups : max;
    if (k)
        memcpy(out, m->dups, k * sizeof *out);
    return k;
}

size_t braid_tsnmap_dup_total(const braid_tsnmap *m)
{
    return m->dup_total;
}

void braid_tsnmap_clear_dups(braid_tsnmap *m)
{
    m->n_dups = 0;
    m->dup_total = 0;
}
