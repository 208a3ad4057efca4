/* Producer/consumer rings: CPU 2k produces ITEMS values into a ring of SLOTS 8-byte
 * slots that CPU 2k+1 consumes (an odd last CPU idles). The producer publishes with
 * `head`, the consumer frees slots with `tail`, each on its own line. Every slot line
 * travels from producer to consumer, and the index lines bounce between the two. */
#include "workload.h"

#ifndef ITEMS
#define ITEMS 1000
#endif
#ifndef SLOTS
#define SLOTS 16
#endif

struct ring {
    struct {
        volatile unsigned long value;
    } LINE_ALIGNED head;
    struct {
        volatile unsigned long value;
    } LINE_ALIGNED tail;
    volatile unsigned long slots[SLOTS] LINE_ALIGNED;
} LINE_ALIGNED;

#define PAIRS (NCPUS / 2)
static struct ring rings[PAIRS > 0 ? PAIRS : 1];

static struct {
    volatile unsigned long sum;
} LINE_ALIGNED sums[NCPUS];

static void produce(struct ring *r) {
    for (unsigned long i = 0; i < ITEMS; i++) {
        unsigned long head = r->head.value;
        while (head - __atomic_load_n(&r->tail.value, __ATOMIC_ACQUIRE) == SLOTS) {
        }
        r->slots[head % SLOTS] = i + 1;
        __atomic_store_n(&r->head.value, head + 1, __ATOMIC_RELEASE);
    }
}

static unsigned long consume(struct ring *r) {
    unsigned long sum = 0;
    for (unsigned long i = 0; i < ITEMS; i++) {
        unsigned long tail = r->tail.value;
        while (__atomic_load_n(&r->head.value, __ATOMIC_ACQUIRE) == tail) {
        }
        sum += r->slots[tail % SLOTS];
        __atomic_store_n(&r->tail.value, tail + 1, __ATOMIC_RELEASE);
    }
    return sum;
}

int main(unsigned hart) {
    REGION_BEGIN(hart, "producer-consumer");
    if (hart / 2 < PAIRS) {
        struct ring *r = &rings[hart / 2];
        if (hart % 2 == 0) {
            produce(r);
        } else {
            sums[hart].sum = consume(r);
        }
    }
    REGION_END(hart, "producer-consumer", (long)PAIRS * ITEMS);
    if (hart != 0) return 0;
    for (int c = 1; c < 2 * PAIRS; c += 2) {
        CHECK(sums[c].sum == (unsigned long)ITEMS * (ITEMS + 1) / 2, 1, "consumer %d summed %lu\n", c, sums[c].sum);
    }
    printf("%d rings of %d slots passed %d items each\n", PAIRS, SLOTS, ITEMS);
    return 0;
}
