/* A ticket lock guarding a plain counter: a CPU takes a ticket with amoadd on `next`
 * and waits until `serving` shows it; the holder releases by advancing `serving`. FIFO
 * and fair, but every waiter reads `serving`, so each release invalidates all of them. */
#include "workload.h"

#ifndef ITERATIONS
#define ITERATIONS 250
#endif

static struct {
    volatile unsigned next;
    volatile unsigned serving;
} LINE_ALIGNED lock;

static struct {
    volatile long value;
} LINE_ALIGNED counter;

static void acquire(void) {
    mtlock(&lock);
    unsigned ticket = __atomic_fetch_add(&lock.next, 1, __ATOMIC_RELAXED);
    while (__atomic_load_n(&lock.serving, __ATOMIC_ACQUIRE) != ticket) {
    }
    mtacquired(&lock);
}

static void release(void) {
    mtunlock(&lock);
    __atomic_store_n(&lock.serving, lock.serving + 1, __ATOMIC_RELEASE);
}

int main(unsigned hart) {
    REGION_BEGIN(hart, "ticket-lock");
    for (long i = 0; i < ITERATIONS; i++) {
        acquire();
        counter.value = counter.value + 1;
        release();
    }
    REGION_END(hart, "ticket-lock", (long)NCPUS * ITERATIONS);
    if (hart != 0) return 0;
    CHECK(counter.value == (long)NCPUS * ITERATIONS, 1, "counter %ld, expected %ld\n", counter.value,
          (long)NCPUS * ITERATIONS);
    CHECK(lock.next == lock.serving, 2, "tickets %u, served %u\n", lock.next, lock.serving);
    printf("%d CPUs took the ticket lock %ld times\n", NCPUS, counter.value);
    return 0;
}
