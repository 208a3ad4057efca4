/* mtlab-specific CSR facts (QEMU differs here): misa, the ID registers, counters,
 * mcounteren gating U-mode counter reads, and a misaligned SC trapping even without
 * a reservation. */
#include "isa_test.h"

#define MSTATUS_MPP 0x1800

TEST_BEGIN
    .option push
    .option norvc
    csrr a0, misa
    CHECK(1, a0, 0x8000000000141105)   /* A, C, I, M, S, U */
    csrr a0, mvendorid
    CHECK(2, a0, 0)
    csrr a0, marchid
    CHECK(3, a0, 0)
    csrr a0, mimpid
    CHECK(4, a0, 0)
    csrr a0, medeleg
    CHECK(5, a0, 0)
    csrw mideleg, a0            /* writable, reads as zero */
    csrr a0, mstatus
    srli a0, a0, 32
    andi a0, a0, 3
    CHECK(6, a0, 2)             /* UXL = 64-bit */
    /* minstret counts retired instructions: two reads three instructions apart. */
    csrr a1, minstret
    nop
    csrr a2, minstret
    sub a0, a2, a1
    CHECK(7, a0, 2)
    li a1, 1000
    csrw minstret, a1
    csrr a2, minstret
    CHECK(8, a2, 1000)
    csrr a1, mcycle
    csrr a2, cycle
    sub a0, a2, a1
    CHECK(9, a0, 1)
    /* misaligned SC with no reservation still traps */
    la t0, record_trap
    csrw mtvec, t0
    li s4, 0
    la t1, data
    addi t1, t1, 2
    sc.w a0, a1, (t1)
    CHECK(10, s4, 6)
    /* U-mode may reach all memory (PMP entry 0: NAPOT over everything, RWX). */
    li t0, -1
    csrw pmpaddr0, t0
    li t0, 0x1f
    csrw pmpcfg0, t0
    /* U-mode counter reads follow mcounteren. */
    li s4, 0
    la s8, back1
    la t0, to_m
    csrw mtvec, t0
    li t0, MSTATUS_MPP
    csrc mstatus, t0
    la t0, user1
    csrw mepc, t0
    mret
user1:
    rdcycle a0
    j fail
back1:
    CHECK(11, s4, 2)
    li t0, 7
    csrw mcounteren, t0
    csrw scounteren, t0         /* with S-mode, U-mode needs both enables */
    li s4, 0
    la s8, back2
    li t0, MSTATUS_MPP
    csrc mstatus, t0
    la t0, user2
    csrw mepc, t0
    mret
user2:
    rdcycle a0
    rdtime a1
    rdinstret a2
    ecall
back2:
    CHECK(12, s4, 8)
    /* mtvec keeps only the direct and vectored modes */
    li t0, 0x80000003
    csrw mtvec, t0
    csrr a0, mtvec
    CHECK(13, a0, 0x80000000)
    j pass

    .align 2
record_trap:
    csrr s4, mcause
    csrr s5, mtval
    csrr s6, mepc
    addi t0, s6, 4
    csrw mepc, t0
    mret

    .align 2
to_m:
    csrr s4, mcause
    jr s8
    .option pop
TEST_END

    .data
    .align 3
data:
    .dword 0
