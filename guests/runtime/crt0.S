/* Start-up for every hart: a0 = hart id (as QEMU virt -bios none and mtlab provide).
 * Hart 0 clears .bss while the others wait; then every hart calls main(hartid) on its own
 * stack. When main returns on hart 0, exit(its result) ends the run; other harts park,
 * so that hart 0 decides when the program is over. */
#include "runtime_config.h"

    .section .text.init, "ax", @progbits
    .globl _start
_start:
    .option push
    .option norelax
    la gp, __global_pointer$
    .option pop
    li t0, RT_MAX_HARTS
    bgeu a0, t0, __park

    /* sp = top of this hart's stack */
    la sp, __stacks
    addi t0, a0, 1
    li t1, RT_STACK_SIZE
    mul t0, t0, t1
    add sp, sp, t0

    la t0, __trap_entry
    csrw mtvec, t0

    bnez a0, 3f
    la t0, __bss_start
    la t1, __bss_end
1:  bgeu t0, t1, 2f
    sd zero, 0(t0)
    addi t0, t0, 8
    j 1b
2:  fence
    la t0, __boot_done
    li t1, 1
    sw t1, 0(t0)
    j 4f
3:  la t0, __boot_done
5:  lw t1, 0(t0)
    beqz t1, 5b
    fence
4:  mv s0, a0
    call main
    bnez s0, __park
    call exit

    .globl __park
__park:
    wfi
    j __park

/* Default trap handler: report and fail. The handler never returns, so it needs no
 * register save area. Guests install their own with csrw mtvec. */
    .align 2
    .globl __trap_entry
__trap_entry:
    csrr a0, mcause
    csrr a1, mepc
    csrr a2, mtval
    csrr a3, mhartid
    call rt_unhandled_trap
    j __park

    .section .data
    .align 3
__boot_done:
    .word 0

    .section .stacks, "aw", @nobits
    .align 12
    .globl __stacks
__stacks:
    .space RT_MAX_HARTS * RT_STACK_SIZE
