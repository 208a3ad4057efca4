/* A test-and-test-and-set spinlock (amoswap.w.aq to take it, a plain store with release
 * ordering to drop it) guarding a plain counter. Waiters spin reading the lock word in
 * their own caches; each release invalidates them all and each acquire moves the line. */
#include "workload.h"

#ifndef ITERATIONS
#define ITERATIONS 250
#endif

static struct {
    volatile int locked;
} LINE_ALIGNED lock;

static struct {
    volatile long value;
} LINE_ALIGNED counter;

static void acquire(void) {
    mtlock(&lock);
    while (__atomic_exchange_n(&lock.locked, 1, __ATOMIC_ACQUIRE)) {
        while (lock.locked) {
        }
    }
    mtacquired(&lock);
}

static void release(void) {
    mtunlock(&lock);
    __atomic_store_n(&lock.locked, 0, __ATOMIC_RELEASE);
}

int main(unsigned hart) {
    REGION_BEGIN(hart, "spinlock");
    for (long i = 0; i < ITERATIONS; i++) {
        acquire();
        counter.value = counter.value + 1;
        release();
    }
    REGION_END(hart, "spinlock", (long)NCPUS * ITERATIONS);
    if (hart != 0) return 0;
    CHECK(counter.value == (long)NCPUS * ITERATIONS, 1, "counter %ld, expected %ld\n", counter.value,
          (long)NCPUS * ITERATIONS);
    printf("%d CPUs took the spinlock %ld times\n", NCPUS, counter.value);
    return 0;
}
