/* Every hart increments shared counters with amoadd, an LR/SC loop and a spinlock
 * (amoswap) around a plain increment; after a barrier hart 0 checks the totals. */
#include "runtime.h"

#ifndef NHARTS
#define NHARTS 4
#endif
#define ITERATIONS 500

static volatile long amo_counter;
static volatile long lrsc_counter;
static volatile long locked_counter;
static volatile int lock;
static barrier_t barrier;

static void lrsc_increment(volatile long *p) {
    long value, failed;
    do {
        __asm__ volatile("lr.d %0, (%2)\n\t"
                         "addi %0, %0, 1\n\t"
                         "sc.d %1, %0, (%2)"
                         : "=&r"(value), "=&r"(failed)
                         : "r"(p)
                         : "memory");
    } while (failed);
}

static void spin_lock(volatile int *l) {
    while (__atomic_exchange_n(l, 1, __ATOMIC_ACQUIRE)) {
        while (*l) {
        }
    }
}

static void spin_unlock(volatile int *l) { __atomic_store_n(l, 0, __ATOMIC_RELEASE); }

int main(unsigned hart) {
    for (int i = 0; i < ITERATIONS; i++) {
        __atomic_fetch_add(&amo_counter, 1, __ATOMIC_RELAXED);
        lrsc_increment(&lrsc_counter);
        spin_lock(&lock);
        locked_counter = locked_counter + 1;
        spin_unlock(&lock);
    }
    barrier_wait(&barrier, NHARTS);
    if (hart == 0) {
        long expected = (long)NHARTS * ITERATIONS;
        printf("amo %ld lrsc %ld locked %ld\n", amo_counter, lrsc_counter, locked_counter);
        if (amo_counter != expected) return 1;
        if (lrsc_counter != expected) return 2;
        if (locked_counter != expected) return 3;
    }
    return 0;
}
