/* Reassembly and ordered delivery, see reasm.h. */
#include "core/rx/reasm.h"

#include "core/util/serial.h"

#define LEAF_BITS 8
#define LEAF_SIZE ((size_t)1 << LEAF_BITS)

enum {
    F_B = BRAID_DATA_FLAG_B,
    F_E = BRAID_DATA_FLAG_E,
    F_U = BRAID_DATA_FLAG_U,
};

/* One received chunk. Allocated with its payload behind it; the B fragment's
 * allocation starts with the braid_rx_msg header of its message (rx_head). */
struct braid_rx_frag {
    braid_rx_frag *next;
    braid_rx_frag *prev; /* in a pending list only */
    /* in a pending list: the B fragment of the contiguous run of this
     * message that ends here (B, then each next fragment), or NULL */
    braid_rx_frag *run;
    size_t run_bytes; /* with run: payload bytes from run through here */
    void *base;       /* start of the allocation */
    size_t asize;     /* its size */
    uint8_t *data;
    size_t len;
    size_t charge; /* counted in r->charge (0 once given up) */
    uint32_t tsn;
    uint32_t key;  /* DATA: SSN; I-DATA: MID */
    uint32_t fsn;  /* I-DATA: FSN (0 on the B fragment) */
    uint32_t ppid; /* B fragment only */
    uint8_t flags;
};

typedef struct rx_head {
    braid_rx_msg msg;
    braid_rx_frag frag;
} rx_head;

/* Incomplete fragments of one stream and kind (ordered or unordered), doubly
 * linked and sorted by TSN (DATA) or (MID, FSN) (I-DATA). Each fragment's
 * run pointer lets an arriving E fragment find its message's B in O(1). */
typedef struct rx_fq {
    braid_rx_frag *head, *tail;
} rx_fq;

struct braid_rx_stream {
    braid_rx_stream *all_next;
    braid_rx_stream *dirty_next; /* in pd_dirty */
    rx_fq oq, uq;
    /* complete ordered messages waiting for an earlier SSN/MID, sorted */
    braid_rx_msg *wait_head, *wait_tail;
    uint32_t next; /* next SSN (DATA) / ordered MID (I-DATA) to deliver */
    uint16_t sid;
    bool dirty; /* in pd_dirty */
};

/* ---- helpers ---- */

/* RFC 9260 §1.6: SSNs compare with SERIAL_BITS 16; RFC 8260 §2.1: MIDs with
 * SERIAL_BITS 32. */
static bool key_lt(const braid_reasm *r, uint32_t a, uint32_t b)
{
    return r->idata ? braid_tsn_lt(a, b) : braid_ssn_lt((uint16_t)a, (uint16_t)b);
}

static uint32_t key_next(const braid_reasm *r, uint32_t k)
{
    return r->idata ? k + 1 : (uint16_t)(k + 1);
}

static uint32_t msg_key(const braid_reasm *r, const braid_rx_msg *m)
{
    return r->idata ? m->mid : m->ssn;
}

static int frag_cmp(const braid_reasm *r, const braid_rx_frag *a, const braid_rx_frag *b)
{
    if (r->idata) {
        /* RFC 8260 §2.1: fragments of a message share the MID and are
         * enumerated by the FSN */
        if (a->key != b->key)
            return braid_tsn_lt(a->key, b->key) ? -1 : 1;
        if (a->fsn != b->fsn)
            return a->fsn < b->fsn ? -1 : 1;
        return 0;
    }
    if (a->tsn != b->tsn)
        return braid_tsn_lt(a->tsn, b->tsn) ? -1 : 1;
    return 0;
}

/* True if b continues the message a belongs to, right after a. */
static bool frag_follows(const braid_reasm *r, const braid_rx_frag *a, const braid_rx_frag *b)
{
    if ((a->flags & F_E) || (b->flags & F_B))
        return false;
    if (r->idata) /* RFC 8260 §2.1: same MID, next FSN */
        return b->key == a->key && b->fsn == a->fsn + 1;
    /* RFC 9260 §6.9: consecutive TSNs; ordered fragments carry the same SSN
     * (§3.3.1), the SSN of unordered ones is not looked at (§6.6) */
    return b->tsn == a->tsn + 1 && ((b->flags & F_U) || b->key == a->key);
}

static void frag_free(braid_reasm *r, braid_rx_frag *f)
{
    r->bytes -= f->len;
    r->charge -= f->charge;
    braid_free(&r->mem, f->base, f->asize);
}

static void msg_free(braid_reasm *r, braid_rx_msg *m)
{
    braid_rx_frag *first = m->frags_, *f = first->next;
    while (f) {
        braid_rx_frag *n = f->next;
        frag_free(r, f);
        f = n;
    }
    frag_free(r, first); /* frees m too: it heads first's allocation */
}

static void ready_push(braid_reasm *r, braid_rx_msg *m)
{
    m->next = NULL;
    if (r->ready_tail)
        r->ready_tail->next = m;
    else
        r->ready_head = m;
    r->ready_tail = m;
    r->ready_count++;
}

/* Moves waiting messages that are now next in order to the ready queue. */
static void flush_waiting(braid_reasm *r, braid_rx_stream *s)
{
    while (s->wait_head && msg_key(r, s->wait_head) == s->next) {
        braid_rx_msg *m = s->wait_head;
        s->wait_head = m->next;
        if (!s->wait_head)
            s->wait_tail = NULL;
        ready_push(r, m);
        s->next = key_next(r, s->next);
    }
}

static void wait_insert(braid_reasm *r, braid_rx_stream *s, braid_rx_msg *m)
{
    uint32_t k = msg_key(r, m);
    if (!s->wait_tail || key_lt(r, msg_key(r, s->wait_tail), k)) {
        m->next = NULL;
        if (s->wait_tail)
            s->wait_tail->next = m;
        else
            s->wait_head = m;
        s->wait_tail = m;
        return;
    }
    braid_rx_msg *prev = NULL, *p = s->wait_head;
    while (p && key_lt(r, msg_key(r, p), k)) {
        prev = p;
        p = p->next;
    }
    if (p && msg_key(r, p) == k) { /* a second message with this SSN/MID */
        msg_free(r, m);
        return;
    }
    m->next = p; /* p != NULL: k is below the tail's key */
    if (prev)
        prev->next = m;
    else
        s->wait_head = m;
}

/* A complete message: to the ready queue or the stream's waiting list. */
static void deliver(braid_reasm *r, braid_rx_stream *s, braid_rx_msg *m)
{
    if (m->unordered) { /* RFC 9260 §6.6: unordered, deliver as soon as complete */
        ready_push(r, m);
        return;
    }
    /* RFC 9260 §6.5, §6.6: ordered messages go up strictly in SSN order;
     * RFC 8260 §2.1: in MID order for I-DATA */
    uint32_t k = msg_key(r, m);
    if (k == s->next) {
        ready_push(r, m);
        s->next = key_next(r, k);
        flush_waiting(r, s);
    } else if (key_lt(r, k, s->next)) {
        msg_free(r, m); /* already delivered or skipped */
    } else {
        wait_insert(r, s, m);
    }
}

/* Turns the B fragment's allocation into the message for chain first..
 * (already unlinked, ending with next == NULL). */
static braid_rx_msg *msg_init(braid_reasm *r, braid_rx_stream *s, braid_rx_frag *first,
                              bool partial)
{
    braid_rx_msg *m = (braid_rx_msg *)first->base;
    braid_rx_frag *last = first;
    size_t len = 0;
    for (braid_rx_frag *f = first; f; f = f->next) {
        len += f->len;
        f->prev = NULL;
        f->run = NULL; /* no longer pending */
        last = f;
    }
    m->next = NULL;
    m->sid = s->sid;
    if (r->idata) {
        m->mid = first->key;
        m->ssn = (uint16_t)first->key;
    } else {
        m->ssn = (uint16_t)first->key;
        m->mid = first->key;
    }
    m->ppid = first->ppid;
    m->tsn = first->tsn;
    m->unordered = (first->flags & F_U) != 0;
    m->partial = partial;
    m->len = len;
    m->read_off = 0;
    m->frags_ = first;
    m->last_ = last;
    m->rd_frag_ = first;
    m->rd_pos_ = 0;
    m->reasm_ = r;
    return m;
}

/* Makes the complete message of chain first.. and delivers it. */
static void complete(braid_reasm *r, braid_rx_stream *s, braid_rx_frag *first)
{
    deliver(r, s, msg_init(r, s, first, false));
}

/* Unlinks start..end from q; they stay chained by next, end->next = NULL. */
static void fq_unlink(rx_fq *q, braid_rx_frag *start, braid_rx_frag *end)
{
    braid_rx_frag *before = start->prev, *after = end->next;
    if (before)
        before->next = after;
    else
        q->head = after;
    if (after)
        after->prev = before;
    else
        q->tail = before;
    end->next = NULL;
}

/* Unlinks start..end from q and completes the message. */
static void extract(braid_reasm *r, braid_rx_stream *s, rx_fq *q, braid_rx_frag *start,
                    braid_rx_frag *end)
{
    fq_unlink(q, start, end);
    complete(r, s, start);
}

static braid_rx_frag *run_of(const braid_reasm *r, const braid_rx_frag *prev, braid_rx_frag *p)
{
    if (p->flags & F_B)
        return p;
    if (prev && prev->run && frag_follows(r, prev, p))
        return prev->run;
    return NULL;
}

/*
 * Recomputes the run pointers (and run byte counts) from p on and completes
 * every message whose fragments are now all present. With stop_early, the
 * walk ends at the first fragment after p whose run pointer did not change:
 * nothing after it can change either, and it was not complete before
 * (invariant: no pending run from B to E), so it is not now. Its byte count
 * did not change either: its run is then NULL or itself, as a fragment that
 * continues a run cannot have had a new neighbour linked or removed before
 * it (nothing fits between consecutive fragments of a message).
 * Returns true if p's own message was completed (p may then be freed).
 */
static bool settle(braid_reasm *r, braid_rx_stream *s, rx_fq *q, braid_rx_frag *p, bool stop_early)
{
    braid_rx_frag *first = p, *first_run = NULL;
    bool took_first = false;
    while (p) {
        braid_rx_frag *run = run_of(r, p->prev, p);
        if (stop_early && p != first && run == p->run)
            break;
        p->run = run;
        p->run_bytes = !run ? 0 : run == p ? p->len : p->prev->run_bytes + p->len;
        if (p == first)
            first_run = run;
        if (run && (p->flags & F_E)) {
            braid_rx_frag *after = p->next;
            if (run == first_run)
                took_first = true;    /* first lies between run and p */
            extract(r, s, q, run, p); /* after->prev now precedes run */
            p = after;
            continue;
        }
        p = p->next;
    }
    return took_first;
}

enum { FQ_DUP = 0, FQ_PENDING, FQ_COMPLETED };

/* Links f into q in key order and completes its message if this was its last
 * missing fragment. Appending (in-order arrival) is O(1); an out-of-order
 * fragment costs a walk to its place. FQ_DUP if a fragment with the same key
 * is held (f is then not linked), FQ_COMPLETED if f's message was completed
 * (f may be freed already), else FQ_PENDING. */
static int fq_add(braid_reasm *r, braid_rx_stream *s, rx_fq *q, braid_rx_frag *f)
{
    braid_rx_frag *after = NULL, *before = q->tail;
    if (before && frag_cmp(r, before, f) >= 0) {
        braid_rx_frag *p = q->head;
        int c = 1;
        while ((c = frag_cmp(r, p, f)) < 0)
            p = p->next; /* stops at tail at the latest */
        if (c == 0)
            return FQ_DUP;
        after = p;
        before = p->prev;
    }
    f->prev = before;
    f->next = after;
    if (before)
        before->next = f;
    else
        q->head = f;
    if (after)
        after->prev = f;
    else
        q->tail = f;
    return settle(r, s, q, f, true) ? FQ_COMPLETED : FQ_PENDING;
}

/* Removes p from q; returns the fragment that followed it. */
static braid_rx_frag *fq_drop(braid_reasm *r, rx_fq *q, braid_rx_frag *p)
{
    braid_rx_frag *n = p->next;
    if (p->prev)
        p->prev->next = n;
    else
        q->head = n;
    if (n)
        n->prev = p->prev;
    else
        q->tail = p->prev;
    frag_free(r, p);
    return n;
}

static void fq_free_all(braid_reasm *r, rx_fq *q)
{
    braid_rx_frag *p = q->head;
    while (p) {
        braid_rx_frag *n = p->next;
        frag_free(r, p);
        p = n;
    }
    memset(q, 0, sizeof *q);
}

/* ---- streams ---- */

static size_t leaf_len(const braid_reasm *r, size_t li)
{
    size_t left = (size_t)r->n_streams - (li << LEAF_BITS);
    return left < LEAF_SIZE ? left : LEAF_SIZE;
}

static braid_rx_stream *stream_find(const braid_reasm *r, uint16_t sid)
{
    braid_rx_stream **leaf = r->leaves[sid >> LEAF_BITS];
    return leaf ? leaf[sid & (LEAF_SIZE - 1)] : NULL;
}

/* The stream record of sid (< n_streams), allocated on first use. */
static int stream_get(braid_reasm *r, uint16_t sid, braid_rx_stream **out)
{
    size_t li = sid >> LEAF_BITS;
    braid_rx_stream **leaf = r->leaves[li];
    if (!leaf) {
        leaf = braid_zalloc(&r->mem, leaf_len(r, li) * sizeof *leaf);
        if (!leaf)
            return BRAID_ERR_NOMEM;
        r->leaves[li] = leaf;
    }
    braid_rx_stream **slot = &leaf[sid & (LEAF_SIZE - 1)];
    if (!*slot) {
        braid_rx_stream *s = braid_zalloc(&r->mem, sizeof *s);
        if (!s)
            return BRAID_ERR_NOMEM;
        /* RFC 9260 §6.5: the first SSN is 0; RFC 8260 §2.1: so is the MID */
        s->next = 0;
        s->sid = sid;
        s->all_next = r->streams;
        r->streams = s;
        *slot = s;
    }
    *out = *slot;
    return 0;
}

/* ---- partial delivery (RFC 9260 §6.9, RFC 6458 §8.1.20, §8.1.21) ---- */

static rx_fq *pd_queue(braid_reasm *r)
{
    return r->pd->unordered ? &r->pd_s->uq : &r->pd_s->oq;
}

/* Contiguous bytes from B a message needs to be delivered partially, 0 when
 * none is. Under pressure one byte: nothing else can make progress. */
static size_t pd_threshold(const braid_reasm *r)
{
    return r->pressure ? 1 : r->pd_point;
}

/* The last fragment of the pending run p belongs to. */
static braid_rx_frag *run_end(braid_rx_frag *p)
{
    braid_rx_frag *run = p->run;
    while (p->next && p->next->run == run)
        p = p->next;
    return p;
}

/* The pending B fragment of the next ordered message of s, or NULL. */
static braid_rx_frag *ordered_candidate(const braid_reasm *r, const braid_rx_stream *s)
{
    for (braid_rx_frag *p = s->oq.head; p; p = p->next) {
        if (p->key == s->next) {
            if (p->flags & F_B)
                return p;
        } else if (key_lt(r, s->next, p->key)) {
            return NULL; /* past it */
        }
    }
    return NULL;
}

/* May the pending run b..end (b a B fragment) be delivered partially now? */
static bool pd_eligible(const braid_reasm *r, const braid_rx_stream *s, const braid_rx_frag *b,
                        const braid_rx_frag *end)
{
    size_t t = pd_threshold(r);
    if (!t || end->run_bytes < t)
        return false;
    /* RFC 9260 §6.6: an ordered message only when it is next in its stream
     * (RFC 8260 §2.1: by MID); an unordered one at any time */
    return (b->flags & F_U) || b->key == s->next;
}

static void pd_mark(braid_reasm *r, braid_rx_stream *s)
{
    if (s->dirty)
        return;
    s->dirty = true;
    s->dirty_next = r->pd_dirty;
    r->pd_dirty = s;
}

static void pd_offer(braid_reasm *r, braid_rx_stream *s, braid_rx_frag *b, braid_rx_frag *end);

/* Starts delivering the pending run b..end partially: it leaves its list,
 * becomes the message's chain and the message joins the ready queue, where
 * it holds its place (RFC 6458 §8.1.20, level 0: what becomes deliverable
 * later queues behind it). Never allocates. */
static void pd_start(braid_reasm *r, braid_rx_stream *s, braid_rx_frag *b, braid_rx_frag *end)
{
    rx_fq *q = (b->flags & F_U) ? &s->uq : &s->oq;
    braid_rx_frag *after = end->next;
    fq_unlink(q, b, end);
    braid_rx_msg *m = msg_init(r, s, b, true);
    r->pd = m;
    r->pd_s = s;
    r->pd_last_tsn = end->tsn;
    r->pd_last_fsn = end->fsn;
    ready_push(r, m);
    if (after) /* its run pointer cannot change; keep the invariant cheap */
        settle(r, s, q, after, true);
    if (!m->unordered) {
        /* RFC 9260 §6.5: the stream's next message is the one after it */
        s->next = key_next(r, msg_key(r, m));
        flush_waiting(r, s);
        braid_rx_frag *nb = ordered_candidate(r, s);
        if (nb)
            pd_offer(r, s, nb, run_end(nb)); /* remembered for later */
    }
}

/* Starts b..end if it is eligible and no partial delivery runs; remembers
 * its stream if one does. */
static void pd_offer(braid_reasm *r, braid_rx_stream *s, braid_rx_frag *b, braid_rx_frag *end)
{
    if (!pd_eligible(r, s, b, end))
        return;
    if (r->pd)
        pd_mark(r, s);
    else
        pd_start(r, s, b, end);
}

typedef struct pd_pick {
    braid_rx_stream *s;
    braid_rx_frag *b, *end;
} pd_pick;

static bool pd_consider(braid_reasm *r, braid_rx_stream *s, braid_rx_frag *b, braid_rx_frag *end,
                        pd_pick *pk)
{
    if (!pd_eligible(r, s, b, end))
        return false;
    /* the oldest eligible message first: the lowest TSN of a B fragment */
    if (!pk->b || braid_tsn_lt(b->tsn, pk->b->tsn)) {
        pk->s = s;
        pk->b = b;
        pk->end = end;
    }
    return true;
}

/* Considers every eligible message of s; true if there is one. */
static bool pd_consider_stream(braid_reasm *r, braid_rx_stream *s, pd_pick *pk)
{
    bool any = false;
    braid_rx_frag *b = ordered_candidate(r, s);
    if (b)
        any = pd_consider(r, s, b, run_end(b), pk);
    braid_rx_frag *p = s->uq.head;
    while (p) {
        if (p->run != p) {
            p = p->next;
            continue;
        }
        braid_rx_frag *end = run_end(p);
        any = pd_consider(r, s, p, end, pk) || any;
        p = end->next;
    }
    return any;
}

/* With no partial delivery running, starts the oldest eligible message
 * among every stream (all) or the streams remembered by pd_offer; the
 * streams that still hold an eligible message stay remembered. */
static void pd_scan(braid_reasm *r, bool all)
{
    if (r->pd)
        return;
    pd_pick pk = {NULL, NULL, NULL};
    braid_rx_stream *old = r->pd_dirty;
    r->pd_dirty = NULL;
    if (all) { /* every stream is looked at below */
        for (braid_rx_stream *s = old; s; s = s->dirty_next)
            s->dirty = false;
    }
    braid_rx_stream *s = all ? r->streams : old;
    while (s) {
        braid_rx_stream *next = all ? s->all_next : s->dirty_next;
        s->dirty = false;
        if (pd_threshold(r) && pd_consider_stream(r, s, &pk))
            pd_mark(r, s);
        s = next;
    }
    if (pk.b)
        pd_start(r, pk.s, pk.b, pk.end);
}

/* After f was linked into a pending list of s (f: still pending there, else
 * NULL), and s->next was next_before: did a message become eligible? Only
 * f's run can have grown, and only the next ordered message can have become
 * next in order. */
static void pd_after_add(braid_reasm *r, braid_rx_stream *s, braid_rx_frag *f, uint32_t next_before)
{
    if (!pd_threshold(r))
        return;
    if (f && f->run)
        pd_offer(r, s, f->run, run_end(f));
    if (s->next != next_before) {
        braid_rx_frag *b = ordered_candidate(r, s);
        if (b)
            pd_offer(r, s, b, run_end(b));
    }
}

/* Is a chunk of stream s with these flags, key (SSN / MID) and TSN part of
 * the message under partial delivery (not its B fragment, which it has)? */
static bool pd_owns(const braid_reasm *r, const braid_rx_stream *s, uint8_t flags, uint32_t key,
                    uint32_t tsn)
{
    const braid_rx_msg *m = r->pd;
    if (!m || !m->partial || s != r->pd_s || (flags & F_B) || ((flags & F_U) != 0) != m->unordered)
        return false;
    if (r->idata) /* RFC 8260 §2.1: the fragments of a message share its MID */
        return key == m->mid;
    /* RFC 9260 §6.9: its fragments follow its B in TSN order, and ordered
     * ones carry its SSN (§3.3.1) */
    return braid_tsn_gt(tsn, m->tsn) && (m->unordered || key == m->ssn);
}

/* Where a fragment of the partial message lies: < 0 at or before its last
 * fragment so far (a duplicate), 0 right after it, > 0 beyond a gap. */
static int pd_place(const braid_reasm *r, uint32_t tsn, uint32_t fsn)
{
    if (r->idata) /* RFC 8260 §2.1: FSNs count up from 0 at the B fragment */
        return fsn <= r->pd_last_fsn ? -1 : fsn == r->pd_last_fsn + 1 ? 0 : 1;
    if (braid_tsn_le(tsn, r->pd_last_tsn)) /* RFC 9260 §6.9: consecutive TSNs */
        return -1;
    return tsn == r->pd_last_tsn + 1 ? 0 : 1;
}

/* Appends f, the next fragment, to the partial message. */
static void pd_append(braid_reasm *r, braid_rx_frag *f)
{
    braid_rx_msg *m = r->pd;
    f->next = NULL;
    f->prev = NULL;
    f->run = NULL;
    m->last_->next = f;
    m->last_ = f;
    m->len += f->len;
    if (!m->rd_frag_) { /* everything before it was read */
        m->rd_frag_ = f;
        m->rd_pos_ = 0;
    }
    r->pd_last_tsn = f->tsn;
    r->pd_last_fsn = f->fsn;
    if (f->flags & F_E) /* RFC 9260 §6.9: the last fragment: now complete */
        m->partial = false;
}

/* Moves the fragments of the partial message held in its pending list that
 * now continue it onto its chain. O(1) when that list holds nothing after
 * its last fragment (in-order arrival). */
static void pd_pull(braid_reasm *r)
{
    braid_rx_msg *m = r->pd;
    rx_fq *q = pd_queue(r);
    braid_rx_frag *last = m->last_;
    if (!q->tail || frag_cmp(r, q->tail, last) < 0)
        return;
    braid_rx_frag *p = q->head;
    while (frag_cmp(r, p, last) < 0)
        p = p->next; /* stops at tail at the latest */
    bool pulled = false;
    while (p && m->partial && !(p->flags & F_B) &&
           (r->idata ? p->key == m->mid && p->fsn == r->pd_last_fsn + 1
                     : p->tsn == r->pd_last_tsn + 1 && (m->unordered || p->key == m->ssn))) {
        braid_rx_frag *n = p->next;
        fq_unlink(q, p, p);
        pd_append(r, p);
        pulled = true;
        p = n;
    }
    if (pulled && p) /* its predecessor changed */
        settle(r, r->pd_s, q, p, true);
}

/* Drops the partial message (RFC 6458 §6.1.7: its partial delivery is
 * aborted), with what is held of it beyond a gap. */
static void pd_abort(braid_reasm *r)
{
    braid_rx_msg *m = r->pd, *prev = NULL;
    braid_rx_stream *s = r->pd_s;
    rx_fq *q = pd_queue(r);
    braid_rx_msg **pp = &r->ready_head;
    while (*pp != m) {
        prev = *pp;
        pp = &prev->next;
    }
    *pp = m->next;
    if (r->ready_tail == m)
        r->ready_tail = prev;
    r->ready_count--;
    /* DATA: an ordered message's fragments carry its SSN (unordered ones
     * cannot be told apart: FORWARD TSN's TSN rule drops them); I-DATA:
     * every fragment carries the MID */
    bool by_key = r->idata || !m->unordered;
    uint32_t key = msg_key(r, m);
    r->pd = NULL;
    r->pd_s = NULL;
    r->pd_aborted = true;
    msg_free(r, m);
    if (by_key && q->head) {
        braid_rx_frag *p = q->head;
        while (p)
            p = p->key == key ? fq_drop(r, q, p) : p->next;
        settle(r, s, q, q->head, false);
    }
}

/* ---- API ---- */

int braid_reasm_init(braid_reasm *r, const braid_mem *mem, uint16_t n_in_streams, bool idata)
{
    memset(r, 0, sizeof *r);
    r->mem = *mem;
    r->idata = idata;
    r->n_streams = n_in_streams;
    r->n_leaves = ((size_t)n_in_streams + LEAF_SIZE - 1) >> LEAF_BITS;
    if (r->n_leaves) {
        r->leaves = braid_zalloc(&r->mem, r->n_leaves * sizeof *r->leaves);
        if (!r->leaves) {
            r->n_leaves = 0;
            r->n_streams = 0;
            return BRAID_ERR_NOMEM;
        }
    }
    return 0;
}

void braid_reasm_free(braid_reasm *r)
{
    if (r->pd && !braid_rx_msg_done(r->pd)) /* RFC 6458 §6.1.7: never ends */
        r->pd_aborted = true;
    r->pd = NULL;
    r->pd_s = NULL;
    r->pd_dirty = NULL;
    while (r->ready_head) {
        braid_rx_msg *m = r->ready_head;
        r->ready_head = m->next;
        msg_free(r, m);
    }
    r->ready_tail = NULL;
    r->ready_count = 0;
    braid_rx_stream *s = r->streams;
    while (s) {
        braid_rx_stream *n = s->all_next;
        fq_free_all(r, &s->oq);
        fq_free_all(r, &s->uq);
        while (s->wait_head) {
            braid_rx_msg *m = s->wait_head;
            s->wait_head = m->next;
            msg_free(r, m);
        }
        braid_free(&r->mem, s, sizeof *s);
        s = n;
    }
    r->streams = NULL;
    for (size_t li = 0; li < r->n_leaves; li++)
        braid_free(&r->mem, r->leaves[li], leaf_len(r, li) * sizeof *r->leaves[li]);
    braid_free(&r->mem, r->leaves, r->n_leaves * sizeof *r->leaves);
    r->leaves = NULL;
    r->n_leaves = 0;
    r->n_streams = 0;
}

int braid_reasm_add(braid_reasm *r, const braid_data_chunk *c, uint8_t flags, bool idata)
{
    if (idata != r->idata || c->sid >= r->n_streams)
        return BRAID_ERR_INVAL;
    if (c->payload_len && !c->payload)
        return BRAID_ERR_INVAL;
    bool first = (flags & F_B) != 0;
    size_t hdr = first ? sizeof(rx_head) : sizeof(braid_rx_frag);
    if (c->payload_len > SIZE_MAX - hdr)
        return BRAID_ERR_NOMEM;

    braid_rx_stream *s;
    int rc = stream_get(r, c->sid, &s);
    if (rc < 0)
        return rc;
    bool unordered = (flags & F_U) != 0;
    uint32_t key = idata ? c->mid : c->ssn;
    uint32_t fsn = idata && !first ? c->fsn : 0;
    /* A fragment of the message under partial delivery: its SSN/MID is
     * behind the stream's next already, but it is wanted. */
    bool pd_part = pd_owns(r, s, flags, key, c->tsn);
    int place = pd_part ? pd_place(r, c->tsn, fsn) : 1;
    if (place < 0)
        return 0; /* held or read already */
    /* RFC 9260 §6.5 / RFC 8260 §2.1: an ordered SSN/MID already delivered or
     * skipped by FORWARD TSN can never be delivered again: discard. */
    if (!pd_part && !unordered && key_lt(r, key, s->next))
        return 0;

    size_t asize = hdr + c->payload_len;
    void *base = braid_alloc(&r->mem, asize);
    if (!base)
        return BRAID_ERR_NOMEM;
    braid_rx_frag *f = first ? &((rx_head *)base)->frag : (braid_rx_frag *)base;
    f->next = NULL;
    f->prev = NULL;
    f->run = NULL;
    f->run_bytes = 0;
    f->base = base;
    f->asize = asize;
    f->data = (uint8_t *)base + hdr;
    f->len = c->payload_len;
    f->tsn = c->tsn;
    f->key = key;
    /* RFC 8260 §2.1: the B fragment carries the PPID, its FSN is 0 */
    f->fsn = fsn;
    f->ppid = first ? c->ppid : 0;
    f->flags = (uint8_t)(flags & (F_B | F_E | F_U));
    if (c->payload_len)
        memcpy(f->data, c->payload, c->payload_len);
    r->bytes += f->len;
    f->charge = braid_rx_chunk_charge(f->len);
    r->charge += f->charge;

    if (pd_part && place == 0) {
        /* RFC 9260 §6.9: the next piece of the message under partial
         * delivery, and whatever held behind it is now contiguous */
        pd_append(r, f);
        pd_pull(r);
        return 0;
    }
    uint32_t next_before = s->next;
    if ((flags & (F_B | F_E)) == (F_B | F_E)) {
        /* RFC 9260 §6.9: B and E both set, an unfragmented message */
        complete(r, s, f);
        pd_after_add(r, s, NULL, next_before);
        return 0;
    }
    rx_fq *q = unordered ? &s->uq : &s->oq;
    int added = fq_add(r, s, q, f);
    if (added == FQ_DUP) {
        frag_free(r, f); /* same (MID, FSN) or TSN as a held fragment */
        return 0;
    }
    pd_after_add(r, s, added == FQ_PENDING ? f : NULL, next_before);
    return 0;
}

bool braid_reasm_readable(const braid_reasm *r)
{
    const braid_rx_msg *m = r->ready_head;
    /* RFC 6458 §8.1.20, level 0: nothing overtakes a partial message */
    return m && !(m->partial && m->read_off == m->len);
}

braid_rx_msg *braid_reasm_peek(braid_reasm *r)
{
    return braid_reasm_readable(r) ? r->ready_head : NULL;
}

/* Frees f, just read to its end: the B fragment only gives up its bytes (its
 * allocation holds m until release); any other is the one right after it,
 * since those before it were freed as they were read. */
static void consume(braid_rx_msg *m, braid_rx_frag *f)
{
    braid_reasm *r = m->reasm_;
    braid_rx_frag *first = m->frags_;
    if (f == first) {
        r->bytes -= f->len;
        r->charge -= f->charge;
        f->len = 0;
        f->charge = 0;
        return;
    }
    first->next = f->next;
    if (m->last_ == f)
        m->last_ = first;
    frag_free(r, f);
}

size_t braid_rx_msg_read(braid_rx_msg *m, void *buf, size_t cap)
{
    uint8_t *out = buf;
    size_t done = 0;
    while (done < cap && m->rd_frag_) {
        braid_rx_frag *f = m->rd_frag_;
        size_t n = f->len - m->rd_pos_;
        if (n > cap - done)
            n = cap - done;
        if (n)
            memcpy(out + done, f->data + m->rd_pos_, n);
        done += n;
        m->rd_pos_ += n;
        if (m->rd_pos_ == f->len) {
            m->rd_frag_ = f->next;
            m->rd_pos_ = 0;
            consume(m, f);
        }
    }
    m->read_off += done;
    return done;
}

size_t braid_rx_msg_peek(const braid_rx_msg *m, void *buf, size_t cap)
{
    uint8_t *out = buf;
    size_t done = 0, pos = m->rd_pos_;
    for (const braid_rx_frag *f = m->rd_frag_; f && done < cap; f = f->next, pos = 0) {
        size_t n = f->len - pos;
        if (n > cap - done)
            n = cap - done;
        if (n)
            memcpy(out + done, f->data + pos, n);
        done += n;
    }
    return done;
}

bool braid_rx_msg_done(const braid_rx_msg *m)
{
    return !m->partial && m->read_off == m->len;
}

void braid_reasm_release(braid_reasm *r)
{
    braid_rx_msg *m = r->ready_head;
    if (!m || m->partial)
        return; /* a partial message stays until its last fragment came */
    r->ready_head = m->next;
    if (!r->ready_head)
        r->ready_tail = NULL;
    r->ready_count--;
    bool was_pd = m == r->pd;
    if (was_pd) {
        r->pd = NULL;
        r->pd_s = NULL;
    }
    msg_free(r, m);
    if (was_pd) /* RFC 6458 §8.1.20: the next one may start now */
        pd_scan(r, false);
}

size_t braid_reasm_bytes(const braid_reasm *r)
{
    return r->bytes;
}

size_t braid_reasm_charge(const braid_reasm *r)
{
    return r->charge;
}

size_t braid_reasm_ready_count(const braid_reasm *r)
{
    return r->ready_count;
}

void braid_reasm_set_pd_point(braid_reasm *r, size_t bytes)
{
    r->pd_point = bytes;
    pd_scan(r, true);
}

void braid_reasm_pressure(braid_reasm *r, bool full)
{
    r->pressure = full;
    if (full) /* RFC 9260 §6.9: dispatch part of a message to free space */
        pd_scan(r, true);
}

bool braid_reasm_pd_needs(const braid_reasm *r, const braid_data_chunk *c, uint8_t flags,
                          bool idata)
{
    const braid_rx_msg *m = r->pd;
    if (!m || !m->partial || m->read_off != m->len || idata != r->idata || (flags & F_B) ||
        c->sid != m->sid || ((flags & F_U) != 0) != m->unordered)
        return false;
    if (idata)
        return c->mid == m->mid && c->fsn == r->pd_last_fsn + 1;
    return c->tsn == r->pd_last_tsn + 1 && (m->unordered || c->ssn == m->ssn);
}

void braid_reasm_abort_pd(braid_reasm *r)
{
    if (r->pd && r->pd->partial)
        pd_abort(r);
}

bool braid_reasm_pd_aborted(braid_reasm *r)
{
    bool a = r->pd_aborted;
    r->pd_aborted = false;
    return a;
}

/* ---- FORWARD TSN ---- */

/* RFC 3758 §3.6: remove partially reassembled messages missing TSNs <=
 * new_cum. DATA: every fragment <= new_cum goes, and so does a chain of
 * non-B fragments that starts right above new_cum (its beginning was skipped).
 * I-DATA: a whole MID goes if any of its fragments is <= new_cum. */
static void fq_drop_tsn(braid_reasm *r, braid_rx_stream *s, rx_fq *q, uint32_t new_cum)
{
    braid_rx_frag *p = q->head;
    if (!p)
        return;
    if (r->idata) {
        /* not the partial message's: it goes only when listed by MID */
        bool pd_q = r->pd && q == pd_queue(r);
        while (p) {
            braid_rx_frag *g = p;
            bool drop = false;
            for (braid_rx_frag *x = g; x && x->key == g->key; x = x->next)
                drop = drop || braid_tsn_le(x->tsn, new_cum);
            if (pd_q && g->key == r->pd->mid)
                drop = false;
            uint32_t k = g->key;
            while (p && p->key == k)
                p = drop ? fq_drop(r, q, p) : p->next;
        }
    } else {
        uint32_t chain = new_cum;
        bool chain_live = true;
        while (p) {
            bool drop = braid_tsn_le(p->tsn, new_cum);
            if (!drop && chain_live && !(p->flags & F_B) && p->tsn == chain + 1) {
                drop = true;
                chain = p->tsn;
                chain_live = !(p->flags & F_E);
            }
            p = drop ? fq_drop(r, q, p) : p->next;
        }
    }
    settle(r, s, q, q->head, false); /* run pointers may name dropped fragments */
}

/* Drops pending fragments whose SSN/MID is <= key: such a message was
 * skipped by the sender and can never be delivered. */
static void fq_drop_key_le(braid_reasm *r, braid_rx_stream *s, rx_fq *q, uint32_t key)
{
    braid_rx_frag *p = q->head;
    if (!p)
        return;
    while (p)
        p = key_lt(r, key, p->key) ? p->next : fq_drop(r, q, p);
    settle(r, s, q, q->head, false);
}

/* RFC 3758 §3.6: make the ordered messages of the stream with SSN <= key
 * available now, skip past key and deliver what follows in order. */
static void skip_ordered(braid_reasm *r, braid_rx_stream *s, uint32_t key)
{
    fq_drop_key_le(r, s, &s->oq, key);
    if (key_lt(r, key, s->next))
        return; /* already past it */
    while (s->wait_head && !key_lt(r, key, msg_key(r, s->wait_head))) {
        braid_rx_msg *m = s->wait_head;
        s->wait_head = m->next;
        if (!s->wait_head)
            s->wait_tail = NULL;
        ready_push(r, m);
    }
    s->next = key_next(r, key);
    flush_waiting(r, s);
}

/* Allocates the records of all listed streams first, so a failure changes
 * nothing that matters (a fresh stream record is the same as none). */
static int ensure_streams(braid_reasm *r, const uint16_t *sids, size_t stride, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint16_t sid = sids[i * stride];
        braid_rx_stream *s;
        if (sid < r->n_streams && stream_get(r, sid, &s) < 0)
            return BRAID_ERR_NOMEM;
    }
    return 0;
}

static void drop_all_tsn(braid_reasm *r, uint32_t new_cum)
{
    for (braid_rx_stream *s = r->streams; s; s = s->all_next) {
        fq_drop_tsn(r, s, &s->oq, new_cum);
        fq_drop_tsn(r, s, &s->uq, new_cum);
    }
}

int braid_reasm_forward(braid_reasm *r, uint32_t new_cum, const uint16_t *sid_ssn, size_t n)
{
    if (r->idata) /* RFC 8260 §2.3.1: FORWARD TSN is not used with I-DATA */
        return BRAID_ERR_INVAL;
    if (n && !sid_ssn)
        return BRAID_ERR_INVAL;
    if (ensure_streams(r, sid_ssn, 2, n) < 0)
        return BRAID_ERR_NOMEM;
    if (r->pd && r->pd->partial) {
        /* RFC 3758 §3.6: its next fragment was abandoned (or its SSN
         * skipped): it can never complete; RFC 6458 §6.1.7: abort */
        const braid_rx_msg *m = r->pd;
        bool skipped = braid_tsn_le(r->pd_last_tsn + 1, new_cum);
        for (size_t i = 0; i < n && !skipped; i++)
            skipped = !m->unordered && sid_ssn[2 * i] == m->sid &&
                      !braid_ssn_lt(sid_ssn[2 * i + 1], m->ssn);
        if (skipped)
            pd_abort(r);
    }
    drop_all_tsn(r, new_cum);
    for (size_t i = 0; i < n; i++) {
        uint16_t sid = sid_ssn[2 * i], ssn = sid_ssn[2 * i + 1];
        if (sid < r->n_streams)
            skip_ordered(r, stream_find(r, sid), ssn);
    }
    pd_scan(r, true); /* messages may be next in order now */
    return 0;
}

int braid_reasm_iforward(braid_reasm *r, uint32_t new_cum, const uint16_t *sids,
                         const uint8_t *unordered, const uint32_t *mids, size_t n)
{
    if (!r->idata) /* RFC 8260 §2.3.1: I-FORWARD-TSN goes with I-DATA only */
        return BRAID_ERR_INVAL;
    if (n && (!sids || !unordered || !mids))
        return BRAID_ERR_INVAL;
    if (ensure_streams(r, sids, 1, n) < 0)
        return BRAID_ERR_NOMEM;
    if (r->pd && r->pd->partial) {
        /* RFC 8260 §2.3.1: its MID (ordered or unordered, as the U bit
         * says) was skipped; RFC 6458 §6.1.7: abort */
        const braid_rx_msg *m = r->pd;
        bool skipped = false;
        for (size_t i = 0; i < n && !skipped; i++)
            skipped = sids[i] == m->sid && (unordered[i] != 0) == m->unordered &&
                      !braid_tsn_lt(mids[i], m->mid);
        if (skipped)
            pd_abort(r);
    }
    drop_all_tsn(r, new_cum);
    for (size_t i = 0; i < n; i++) {
        if (sids[i] >= r->n_streams)
            continue;
        braid_rx_stream *s = stream_find(r, sids[i]);
        if (unordered[i]) /* RFC 8260 §2.3.1: largest skipped unordered MID */
            fq_drop_key_le(r, s, &s->uq, mids[i]);
        else
            skip_ordered(r, s, mids[i]);
    }
    pd_scan(r, true); /* messages may be next in order now */
    return 0;
}
