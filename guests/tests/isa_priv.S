/* Zicsr and the privileged architecture: CSR instructions, traps with mcause/mtval/mepc,
 * unimplemented and read-only CSRs, ecall/ebreak, access faults, a round trip through
 * U-mode, mret's mstatus update, timer and software interrupts (direct and vectored)
 * and wfi. Portable: it runs on QEMU virt too. */
#include "isa_test.h"

#define MSTATUS_MIE 0x8
#define MSTATUS_MPIE 0x80
#define MSTATUS_MPP 0x1800
#define CLINT_MSIP 0x2000000
#define CLINT_MTIMECMP 0x2004000
#define CLINT_MTIME 0x200bff8

/* Go to U-mode at `target`; a trap comes back to M-mode at `back` via to_m_handler. */
#define ENTER_USER(target, back)  \
    la s8, back;                  \
    la t0, to_m_handler;          \
    csrw mtvec, t0;               \
    li t0, MSTATUS_MPP;           \
    csrc mstatus, t0;             \
    la t0, target;                \
    csrw mepc, t0;                \
    li s4, 0;                     \
    mret;

/* mtimecmp = mtime + ticks */
#define ARM_TIMER(ticks)          \
    li t0, CLINT_MTIME;           \
    ld t1, 0(t0);                 \
    addi t1, t1, ticks;           \
    li t0, CLINT_MTIMECMP;        \
    sd t1, 0(t0);

#define DISARM_TIMER              \
    li t0, CLINT_MTIMECMP;        \
    li t1, -1;                    \
    sd t1, 0(t0);

TEST_BEGIN
    .option push
    .option norvc
    li a1, 0x1234
    csrw mscratch, a1
    csrr a0, mscratch
    CHECK(1, a0, 0x1234)
    li a2, 0xf0000
    csrrs a0, mscratch, a2
    CHECK(2, a0, 0x1234)
    csrr a0, mscratch
    CHECK(3, a0, 0xf1234)
    csrrc a0, mscratch, a1
    CHECK(4, a0, 0xf1234)
    csrr a0, mscratch
    CHECK(5, a0, 0xf0000)
    csrrwi a0, mscratch, 7
    CHECK(6, a0, 0xf0000)
    csrrsi a0, mscratch, 8
    csrr a0, mscratch
    CHECK(7, a0, 15)
    csrrci a0, mscratch, 1
    CHECK(8, a0, 15)
    csrr a0, mscratch
    CHECK(9, a0, 14)
    csrr a0, mhartid
    CHECK(10, a0, 0)

    /* record_trap: s4 = mcause, s5 = mtval, s6 = mepc; resumes 4 bytes further. */
    la t0, record_trap
    csrw mtvec, t0
    li s4, 0
    li s5, 0
1:  csrr a0, 0x7c0             /* a custom CSR nobody implements */
    CHECK(11, s4, 2)
    CHECK(12, s5, 0x7c002573)
    la t0, 1b
    li TESTNUM, 13
    bne s6, t0, fail
    li s4, 0
    csrw mhartid, a1            /* read-only */
    CHECK(14, s4, 2)
    li s4, 0
    csrrs a0, mhartid, zero     /* reading it is fine */
    CHECK(15, s4, 0)
1:  ecall
    CHECK(16, s4, 11)
    la t0, 1b
    li TESTNUM, 17
    bne s6, t0, fail
    li s4, 0
    ebreak
    CHECK(18, s4, 3)
    li s4, 0
    li t1, 8
    ld a0, 0(t1)
    CHECK(19, s4, 5)
    CHECK(20, s5, 8)
    li s4, 0
    sd a0, 0(t1)
    CHECK(21, s4, 7)
    CHECK(22, s5, 8)
    li s4, 0
    li s5, 1
    .word 0                     /* the all-zero parcel is illegal (skipped with its twin) */
    CHECK(23, s4, 2)
    CHECK(24, s5, 0)
    li s4, 0
    .word 0x0000100b            /* custom-0, but not the mtrace magic instruction */
    CHECK(25, s4, 2)
    CHECK(26, s5, 0x0000100b)

    /* Let U-mode reach all memory where PMP exists (QEMU); here pmpaddr0 is not
     * implemented, so the first write traps straight to 1f. */
    la t0, 1f
    csrw mtvec, t0
    li t0, -1
    csrw pmpaddr0, t0
    li t0, 0x1f
    csrw pmpcfg0, t0
    .align 2
1:
    /* A round trip through U-mode. */
    ENTER_USER(user1, back1)
user1:
    li a0, 99
    ecall
    j fail
back1:
    CHECK(27, s4, 8)
    CHECK(28, a0, 99)
    li t0, MSTATUS_MPP
    and t1, s7, t0
    CHECK(29, t1, 0)
    ENTER_USER(user2, back2)
user2:
    csrr a0, mscratch           /* machine CSR from U-mode */
    j fail
back2:
    CHECK(30, s4, 2)
    ENTER_USER(user3, back3)
user3:
    mret                        /* mret from U-mode */
    j fail
back3:
    CHECK(31, s4, 2)

    /* mret: MIE = MPIE, MPIE = 1, MPP = U. */
    csrci mstatus, MSTATUS_MIE
    li t0, MSTATUS_MPIE | MSTATUS_MPP
    csrs mstatus, t0
    la t0, 1f
    csrw mepc, t0
    mret
1:  csrr t1, mstatus
    csrci mstatus, MSTATUS_MIE
    li t0, MSTATUS_MPP | MSTATUS_MPIE | MSTATUS_MIE
    and t1, t1, t0
    CHECK(32, t1, MSTATUS_MPIE | MSTATUS_MIE)

    /* Timer interrupt, direct mode. */
    la t0, interrupt_handler
    csrw mtvec, t0
    li s9, 0
    ARM_TIMER(50)
    li t0, 0x80
    csrs mie, t0
    csrsi mstatus, MSTATUS_MIE
2:  beqz s9, 2b                 /* no wfi: the interrupt may come before it */
    csrci mstatus, MSTATUS_MIE
    CHECK(33, s4, 0x8000000000000007)

    /* Timer interrupt, vectored mode: entry 7. */
    la t0, vectors
    ori t0, t0, 1
    csrw mtvec, t0
    li s9, 0
    ARM_TIMER(50)
    csrsi mstatus, MSTATUS_MIE
2:  beqz s9, 2b
    csrci mstatus, MSTATUS_MIE
    CHECK(34, s9, 2)

    /* Software interrupt through the CLINT's msip. */
    la t0, interrupt_handler
    csrw mtvec, t0
    csrw mie, zero
    li t0, 0x8
    csrs mie, t0
    li s9, 0
    li t0, CLINT_MSIP
    li t1, 1
    sw t1, 0(t0)
    csrsi mstatus, MSTATUS_MIE
2:  beqz s9, 2b
    csrci mstatus, MSTATUS_MIE
    CHECK(35, s4, 0x8000000000000003)

    /* wfi wakes for a pending enabled interrupt even when MIE is clear: no trap. */
    csrw mie, zero
    li t0, 0x80
    csrs mie, t0
    li s4, 0
    ARM_TIMER(20)
2:  wfi
    csrr t1, mip
    andi t1, t1, 0x80
    beqz t1, 2b
    CHECK(36, s4, 0)
    CHECK(37, t1, 0x80)
    DISARM_TIMER
    csrw mie, zero
    csrr t1, mip
    andi t1, t1, 0x80
    CHECK(38, t1, 0)
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
to_m_handler:
    csrr s4, mcause
    csrr s5, mtval
    csrr s6, mepc
    csrr s7, mstatus
    jr s8

    .align 2
interrupt_handler:
    csrr s4, mcause
    DISARM_TIMER
    li t0, CLINT_MSIP
    sw zero, 0(t0)
    li s9, 1
    mret

    .align 8
vectors:
    j unexpected_trap           /* 0: exceptions */
    .rept 6
    j fail
    .endr
    j vector_timer              /* 7: machine timer */
vector_timer:
    DISARM_TIMER
    li s9, 2
    mret
    .option pop
TEST_END
