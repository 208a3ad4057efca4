/* A reader-mostly table: every CPU looks keys up in a shared table of ENTRIES entries
 * (one per line), and one lookup in UPDATE_EVERY is an update instead, made under a
 * spinlock. Lookups alone would leave the table read-shared in every cache; each update
 * invalidates one entry's line in all the readers, which then miss once to re-read it. */
#include "workload.h"

#ifndef OPERATIONS
#define OPERATIONS 2000
#endif
#ifndef ENTRIES
#define ENTRIES 64
#endif
#ifndef UPDATE_EVERY
#define UPDATE_EVERY 64
#endif

struct entry {
    volatile long key;
    volatile long value;
} LINE_ALIGNED;

static struct entry table[ENTRIES];

static struct {
    volatile int locked;
} LINE_ALIGNED lock;

static struct {
    volatile long sum;
} LINE_ALIGNED results[NCPUS];

static unsigned long next_random(unsigned long *state) {
    *state = *state * 6364136223846793005UL + 1442695040888963407UL;
    return *state >> 33;
}

int main(unsigned hart) {
    if (hart == 0) {
        for (int i = 0; i < ENTRIES; i++) {
            table[i].key = i;
            table[i].value = 0;
        }
    }
    unsigned long random = 12345 + hart;
    long sum = 0;
    REGION_BEGIN(hart, "reader-mostly");
    for (long op = 0; op < OPERATIONS; op++) {
        struct entry *e = &table[next_random(&random) % ENTRIES];
        if (op % UPDATE_EVERY == UPDATE_EVERY - 1) {
            mtlock(&lock);
            while (__atomic_exchange_n(&lock.locked, 1, __ATOMIC_ACQUIRE)) {
                while (lock.locked) {
                }
            }
            mtacquired(&lock);
            e->value = e->value + 1;
            mtunlock(&lock);
            __atomic_store_n(&lock.locked, 0, __ATOMIC_RELEASE);
        } else {
            sum += e->key + e->value;
        }
    }
    results[hart].sum = sum;
    REGION_END(hart, "reader-mostly", (long)NCPUS * OPERATIONS);
    if (hart != 0) return 0;
    long total = 0;
    for (int i = 0; i < ENTRIES; i++) total += table[i].value;
    long expected = (long)NCPUS * (OPERATIONS / UPDATE_EVERY);
    CHECK(total == expected, 1, "%ld updates landed, expected %ld\n", total, expected);
    printf("%d CPUs: %ld lookups and %ld updates on %d entries\n", NCPUS, (long)NCPUS * OPERATIONS - expected,
           expected, ENTRIES);
    return 0;
}
