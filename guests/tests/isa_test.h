/* Macros for the self-checking ISA test programs (assembly, no runtime). Each check sets
 * TESTNUM and compares a register with the expected value; the first mismatch exits
 * through the SiFive test finisher with code TESTNUM, an unexpected trap with code
 * 10000 + TESTNUM. Success exits with 0x5555. Runs unchanged on QEMU virt -bios none. */
#ifndef ISA_TEST_H
#define ISA_TEST_H

#define TESTNUM s11
#define FINISHER 0x100000

#define TEST_BEGIN                    \
    .section .text.init, "ax";        \
    .globl _start;                    \
_start:                               \
    li TESTNUM, 0;                    \
    la t0, unexpected_trap;           \
    csrw mtvec, t0;

#define CHECK(n, reg, expected)       \
    li TESTNUM, n;                    \
    li t6, expected;                  \
    bne reg, t6, fail;

/* rd = inst(v1, v2) */
#define TEST_RR(n, inst, expected, v1, v2) \
    li a1, v1; li a2, v2; inst a0, a1, a2; CHECK(n, a0, expected)

/* rd = inst(v1, imm) */
#define TEST_RI(n, inst, expected, v1, imm) \
    li a1, v1; inst a0, a1, imm; CHECK(n, a0, expected)

#define TEST_END                      \
pass:                                 \
    li t0, FINISHER;                  \
    li t1, 0x5555;                    \
    sw t1, 0(t0);                     \
1:  j 1b;                             \
fail:                                 \
    li t0, FINISHER;                  \
    slli t1, TESTNUM, 16;             \
    li t2, 0x3333;                    \
    or t1, t1, t2;                    \
    sw t1, 0(t0);                     \
1:  j 1b;                             \
    .align 2;                         \
unexpected_trap:                      \
    li t0, 10000;                     \
    add TESTNUM, TESTNUM, t0;         \
    j fail;

#endif
