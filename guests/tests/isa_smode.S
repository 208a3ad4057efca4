/* S-mode and its controls: misa, trap delegation (medeleg/mideleg), sret and sstatus,
 * ecall causes, TSR/TVM/TW, illegal CSR accesses per privilege and counter enables,
 * S-level interrupts delegated to S-mode, and PMP (NA4, NAPOT, TOR, partial matches,
 * MPRV, locked entries binding M-mode). Runs on QEMU virt too. */
#include "isa_test.h"

#define MSTATUS_MPP 0x1800
#define MPP_S 0x800
#define MSTATUS_SIE 0x2
#define MSTATUS_MPRV 0x20000
#define MSTATUS_TVM 0x100000
#define MSTATUS_TW 0x200000
#define MSTATUS_TSR 0x400000

/* From M-mode, continue at `label` in S-mode (U-mode for ENTER_U). */
#define ENTER_S(label) \
    li t0, MSTATUS_MPP; csrc mstatus, t0; li t0, MPP_S; csrs mstatus, t0; \
    la t0, label; csrw mepc, t0; mret; label:
#define ENTER_U(label) \
    li t0, MSTATUS_MPP; csrc mstatus, t0; \
    la t0, label; csrw mepc, t0; mret; label:
/* From S- or U-mode, back to M-mode at `label` (ecall, not delegated). */
#define BACK_TO_M(label) la s8, label; ecall; j fail; label:

TEST_BEGIN
    .option push
    .option norvc
    la t0, m_handler
    csrw mtvec, t0
    csrr a0, misa
    srli a0, a0, 18
    andi a0, a0, 5              /* S (18) and U (20) */
    CHECK(1, a0, 5)
    /* mideleg: the three S-level interrupts are delegable. */
    li t0, -1
    csrw mideleg, t0
    csrr a0, mideleg
    andi a0, a0, 0x222
    CHECK(2, a0, 0x222)
    csrw mideleg, zero
#ifndef ON_QEMU
    /* medeleg[11] is read-only zero (privileged spec 1.12); QEMU lets it be set. */
    csrw medeleg, t0
    csrr a0, medeleg
    srli a0, a0, 11
    andi a0, a0, 1
    CHECK(3, a0, 0)
    csrw medeleg, zero
#endif
    /* PMP entry 15: all of memory for S and U (lower entries come first). */
    li t0, -1
    csrw pmpaddr15, t0
    li t0, 0x1f << 56
    csrw pmpcfg2, t0

    /* Delegated illegal instruction: handled in S-mode, scause/stval/sepc, SPP = S. */
    la t0, s_handler
    csrw stvec, t0
    li t0, (1 << 2) | (1 << 8)
    csrw medeleg, t0
    li s4, 0
    ENTER_S(s1)
s_illegal:
    csrr a0, mscratch           /* M-mode CSR from S-mode */
    CHECK(4, s4, 2)
    CHECK(5, s5, 0x34002573)
    la t0, s_illegal
    bne s6, t0, fail
    srli a0, s7, 8              /* sstatus seen in the handler: SPP = S */
    andi a0, a0, 1
    CHECK(6, a0, 1)
    csrr a0, sstatus            /* after sret: SPP = U, SPIE = 1 */
    srli a1, a0, 8
    andi a1, a1, 1
    CHECK(7, a1, 0)
    srli a1, a0, 5
    andi a1, a1, 1
    CHECK(8, a1, 1)
    /* S-mode may not read M-mode or debug CSRs, nor time without mcounteren.TM. */
    li s4, 0
    csrr a0, 0x7a0              /* tselect */
    CHECK(9, s4, 2)
    li s4, 0
    rdtime a0
    CHECK(10, s4, 2)
    /* ecall from S-mode is not delegated: M-mode sees cause 9. */
    BACK_TO_M(m1)
    CHECK(11, s4, 9)
    srli a0, s9, 11             /* mstatus in the handler: MPP = S */
    andi a0, a0, 3
    CHECK(12, a0, 1)

    /* ecall from U-mode is delegated to S (cause 8). */
    li s4, 0
    la s8, u_back
    ENTER_U(u1)
    ecall
    j fail
u_back:
    CHECK(13, s4, 8)
    li s4, 0
    la s8, m2
    ecall                       /* now in S: cause 9 to M */
    j fail
m2:
    CHECK(14, s4, 9)

    /* TSR, TVM and TW make sret, satp/sfence.vma and wfi illegal in S-mode. */
    csrw medeleg, zero
    li t0, MSTATUS_TSR | MSTATUS_TVM | MSTATUS_TW
    csrs mstatus, t0
    li s4, 0
    ENTER_S(s2)
    sret
    CHECK(15, s4, 2)
    li s4, 0
    csrr a0, satp
    CHECK(16, s4, 2)
    li s4, 0
    sfence.vma
    CHECK(17, s4, 2)
    li s4, 0
    wfi
    CHECK(18, s4, 2)
    BACK_TO_M(m3)
    li t0, MSTATUS_TSR | MSTATUS_TVM | MSTATUS_TW
    csrc mstatus, t0
    /* U-mode: no S-mode CSRs, no wfi. */
    li s4, 0
    ENTER_U(u2)
    csrr a0, sstatus
    CHECK(19, s4, 2)
    li s4, 0
    wfi
    CHECK(20, s4, 2)
    BACK_TO_M(m4)
    /* Read-only CSRs cannot be written even from M-mode. */
    li s4, 0
    csrw cycle, zero
    CHECK(21, s4, 2)

    /* A supervisor software interrupt delegated to S is taken on entering S-mode. */
    la t0, s_interrupt
    csrw stvec, t0
    li t0, 2
    csrw mideleg, t0
    csrw sie, t0
    csrs mip, t0                /* SSIP */
    li t0, MSTATUS_SIE
    csrs mstatus, t0
    li s4, 0
    ENTER_S(s3)
    nop
    li TESTNUM, 22
    li t0, -1
    srli t0, t0, 1
    addi t0, t0, 2              /* 0x8000000000000001 */
    bne s4, t0, fail
    la t0, s3                   /* taken before the first S-mode instruction */
    bne s6, t0, fail
    csrr a0, sip
    andi a0, a0, 2
    CHECK(23, a0, 0)            /* the handler cleared SSIP */
    BACK_TO_M(m5)
    csrw mideleg, zero
    li t0, MSTATUS_SIE
    csrc mstatus, t0

    /* PMP: entry 0 NA4 read-only over ro_word, entry 1 NAPOT (16 bytes) no access over
     * none_buf, entry 3 TOR [tor_lo, tor_hi) read/write; entry 15 allows the rest. */
    la t0, ro_word
    srli t0, t0, 2
    csrw pmpaddr0, t0
    la t0, none_buf
    srli t0, t0, 2
    ori t0, t0, 1               /* NAPOT, 16 bytes */
    csrw pmpaddr1, t0
    la t0, tor_lo
    srli t0, t0, 2
    csrw pmpaddr2, t0
    la t0, tor_hi
    srli t0, t0, 2
    csrw pmpaddr3, t0
    li t0, (0x0b << 24) | (0x18 << 8) | 0x11   /* 3: TOR RW, 2: off, 1: NAPOT none, 0: NA4 R */
    csrw pmpcfg0, t0
    csrr a0, pmpcfg0
    li t1, 0xffffffff
    and a0, a0, t1
    li t1, (0x0b << 24) | (0x18 << 8) | 0x11
    bne a0, t1, fail
    /* M-mode ignores unlocked entries. */
    la t1, ro_word
    sw zero, 0(t1)
    la t1, none_buf
    ld a0, 0(t1)
    ENTER_U(u3)
    la t1, ro_word
    lw a0, 0(t1)
    CHECK(24, a0, 0)
    li s4, 0
    sw a0, 0(t1)                /* store to a read-only region */
    CHECK(25, s4, 7)
    la t0, ro_word
    bne s5, t0, fail
    li s4, 0
    ld a0, 0(t1)                /* 8 bytes, only 4 of them in the NA4 entry: denied */
    CHECK(26, s4, 5)
    li s4, 0
    la t1, none_buf
    lb a0, 15(t1)
    CHECK(27, s4, 5)
    la t0, none_buf + 15
    bne s5, t0, fail
    li s4, 0
    la t1, tor_lo
    sd t1, 0(t1)                /* inside TOR: fine */
    CHECK(28, s4, 0)
    li s4, 0
    la s8, u_fetch_back
    la t1, none_buf
    jr t1                       /* no X: instruction access fault */
u_fetch_back:
    CHECK(29, s4, 1)
    la t0, none_buf
    bne s5, t0, fail
    li s4, 0
    la s8, m6
    /* still U-mode: back to M */
    ecall
    j fail
m6:
    CHECK(30, s4, 8)
    /* MPRV with MPP = U: M-mode loads and stores are checked as U-mode's. */
    li t0, MSTATUS_MPP
    csrc mstatus, t0
    li t0, MSTATUS_MPRV
    csrs mstatus, t0
    la t1, ro_word
    lw a0, 0(t1)
    li s4, 0
    sw a0, 0(t1)
    CHECK(31, s4, 7)
    li t0, MSTATUS_MPRV
    csrc mstatus, t0
    /* pmpcfg1 does not exist on RV64. */
    li s4, 0
    csrr a0, 0x3a1               /* pmpcfg1 */
    CHECK(32, s4, 2)
    /* A locked entry binds M-mode and cannot be rewritten. */
    la t0, locked_word
    srli t0, t0, 2
    csrw pmpaddr4, t0
    li t0, 0x91 << 32           /* entry 4: L, NA4, R */
    csrs pmpcfg0, t0
    la t1, locked_word
    lw a0, 0(t1)
    li s4, 0
    sw a0, 0(t1)
    CHECK(33, s4, 7)
    csrw pmpaddr4, zero         /* ignored */
    csrr a0, pmpaddr4
    la t0, locked_word
    srli t0, t0, 2
    bne a0, t0, fail
    li t0, 0xff << 32
    csrc pmpcfg0, t0            /* ignored */
    csrr a0, pmpcfg0
    srli a0, a0, 32
    andi a0, a0, 0xff
    CHECK(34, a0, 0x91)
    j pass

    .align 2
m_handler:
    csrr s4, mcause
    csrr s5, mtval
    csrr s6, mepc
    csrr s9, mstatus
    li t0, 8
    beq s4, t0, 1f
    li t0, 9
    beq s4, t0, 1f
    li t0, 1
    beq s4, t0, 2f
    addi t0, s6, 4
    csrw mepc, t0
    mret
1:  jr s8                       /* ecall: continue in M-mode */
2:  csrw mepc, s8               /* fetch fault: continue at s8 where it happened */
    mret

    .align 2
s_handler:
    csrr s4, scause
    csrr s5, stval
    csrr s6, sepc
    csrr s7, sstatus
    li t0, 8
    beq s4, t0, 1f
    addi t0, s6, 4
    csrw sepc, t0
    sret
1:  jr s8                       /* ecall from U: continue in S-mode */

    .align 2
s_interrupt:
    csrr s4, scause
    csrr s6, sepc
    li t0, 2
    csrc sip, t0
    sret
    .option pop
TEST_END

    .data
    .align 4
ro_word:
    .word 0, 0
    .align 4
none_buf:
    .dword 0, 0
    .align 4
tor_lo:
    .dword 0, 0
tor_hi:
    .dword 0
    .align 4
locked_word:
    .word 0x1234
