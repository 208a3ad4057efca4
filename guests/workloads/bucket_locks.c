/* A false-sharing bug and its fix. A hash table keeps one spinlock and one counter per
 * bucket; each CPU only ever uses its own buckets (b mod NCPUS == cpu), so no lock is
 * ever contended and no counter is shared. But with the locks packed in one array (16
 * to a line) and the counters in another (8 to a line), every update pulls a line away
 * from the CPUs that use its other buckets. Built with -DPADDED, each bucket keeps its
 * lock and its counter together on a line of its own: the same program, no movement. */
#include "workload.h"

#ifndef OPERATIONS
#define OPERATIONS 1000
#endif
#ifndef BUCKETS
#define BUCKETS 64
#endif

#ifdef PADDED
static struct {
    volatile int lock;
    volatile long count;
} LINE_ALIGNED buckets[BUCKETS];
#define LOCK(b) (&buckets[b].lock)
#define COUNT(b) (buckets[b].count)
#else
static volatile int locks[BUCKETS] LINE_ALIGNED;
static volatile long counts[BUCKETS] LINE_ALIGNED;
#define LOCK(b) (&locks[b])
#define COUNT(b) (counts[b])
#endif

static unsigned long next_random(unsigned long *state) {
    *state = *state * 6364136223846793005UL + 1442695040888963407UL;
    return *state >> 33;
}

int main(unsigned hart) {
    unsigned long random = 99 + hart;
    REGION_BEGIN(hart, "bucket-locks");
    for (long op = 0; op < OPERATIONS; op++) {
        unsigned b = hart + NCPUS * (unsigned)(next_random(&random) % (BUCKETS / NCPUS));
        volatile int *lock = LOCK(b);
        while (__atomic_exchange_n(lock, 1, __ATOMIC_ACQUIRE)) {
            while (*lock) {
            }
        }
        COUNT(b) = COUNT(b) + 1;
        __atomic_store_n(lock, 0, __ATOMIC_RELEASE);
    }
    REGION_END(hart, "bucket-locks", (long)NCPUS * OPERATIONS);
    if (hart != 0) return 0;
    long total = 0;
    for (int b = 0; b < BUCKETS; b++) total += COUNT(b);
    CHECK(total == (long)NCPUS * OPERATIONS, 1, "%ld updates landed, expected %ld\n", total, (long)NCPUS * OPERATIONS);
    printf("%d CPUs made %ld updates to %d buckets\n", NCPUS, total, BUCKETS);
    return 0;
}
