/* Hart 1 sleeps in wfi until hart 0 raises its software interrupt through the CLINT. */
#include "runtime.h"

static volatile int woken;
static volatile unsigned long cause;

static void __attribute__((interrupt("machine"), aligned(4))) handler(void) {
    unsigned long c;
    __asm__ volatile("csrr %0, mcause" : "=r"(c));
    cause = c;
    ((volatile uint32_t *)RT_CLINT_BASE)[1] = 0; /* clear msip of hart 1 */
    woken = 1;
}

int main(unsigned hart) {
    if (hart == 1) {
        __asm__ volatile("csrw mtvec, %0" ::"r"(handler));
        __asm__ volatile("csrw mie, %0" ::"r"(8UL));
        __asm__ volatile("csrsi mstatus, 8");
        while (!woken) __asm__ volatile("wfi");
        return 0;
    }
    for (volatile int i = 0; i < 1000; i++) {
    }
    ((volatile uint32_t *)RT_CLINT_BASE)[1] = 1;
    while (!woken) {
    }
    printf("hart 1 woke with mcause %lx\n", cause);
    return cause == 0x8000000000000003UL ? 0 : 1;
}
