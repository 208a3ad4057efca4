/* Sv39 from S-mode: translation through a gigapage and a 4 KiB leaf, A and D set by
 * hardware, page faults with their cause, stval and sepc (load, store, fetch), SUM, MXR,
 * sfence.vma by address and in full, an unsupported satp mode ignored, and MPRV
 * translating M-mode loads and stores, and code that remaps its own page. Runs on QEMU virt too. */
#include "isa_test.h"

#define MSTATUS_MPP 0x1800
#define MPP_S 0x800
#define MSTATUS_MPRV 0x20000
#define SSTATUS_SUM 0x40000
#define SSTATUS_MXR 0x80000
#define PTE_V 0x01
#define PTE_R 0x02
#define PTE_W 0x04
#define PTE_X 0x08
#define PTE_U 0x10
#define PTE_A 0x40
#define PTE_D 0x80
#define VA 0x40000000

/* t0 = the PTE pointing at physical address `sym` with `flags`. */
#define PTE_FOR(sym, flags) la t0, sym; srli t0, t0, 12; slli t0, t0, 10; ori t0, t0, flags

TEST_BEGIN
    .option push
    .option norvc
    la t0, m_handler
    csrw mtvec, t0
    li t0, -1                   /* PMP: all memory for S-mode */
    csrw pmpaddr0, t0
    li t0, 0x1f
    csrw pmpcfg0, t0
    /* root[0]: identity gigapage over the devices; root[2]: identity gigapage over RAM;
     * root[1] -> l1 -> l0, whose entries map VA + n * 4 KiB. */
    la t1, root
    li t0, (0 << 10) | PTE_V | PTE_R | PTE_W | PTE_A | PTE_D
    sd t0, 0(t1)
    li t0, ((0x80000000 >> 12) << 10) | PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D
    sd t0, 16(t1)
    PTE_FOR(l1, PTE_V)
    sd t0, 8(t1)
    la t1, l1
    PTE_FOR(l0, PTE_V)
    sd t0, 0(t1)
    la t1, l0
    PTE_FOR(page_a, PTE_V | PTE_R | PTE_W)           /* VA + 0: A and D clear */
    sd t0, 0(t1)
    /* VA + 1: invalid */
    PTE_FOR(page_b, PTE_V | PTE_R | PTE_A | PTE_D)   /* VA + 2: read-only */
    sd t0, 16(t1)
    PTE_FOR(page_c, PTE_V | PTE_R | PTE_W | PTE_U | PTE_A | PTE_D) /* VA + 3: user */
    sd t0, 24(t1)
    PTE_FOR(page_d, PTE_V | PTE_X | PTE_A)           /* VA + 4: execute-only */
    sd t0, 32(t1)
    la t0, root
    srli t0, t0, 12
    li t1, 8 << 60
    or t0, t0, t1
    csrw satp, t0
    sfence.vma
    /* A reserved mode is not written: satp keeps Sv39. */
    li t1, 15 << 60
    csrw satp, t1
    csrr a0, satp
    bne a0, t0, fail
    la t0, s_handler
    csrw stvec, t0
    li t0, (1 << 12) | (1 << 13) | (1 << 15)
    csrw medeleg, t0
    li t0, MSTATUS_MPP
    csrc mstatus, t0
    li t0, MPP_S
    csrs mstatus, t0
    la t0, supervisor
    csrw mepc, t0
    mret

supervisor:
    /* A load sets A, not D. */
    li s10, VA
    ld a0, 0(s10)
    li TESTNUM, 1
    la t0, page_a
    ld t1, 0(t0)
    bne a0, t1, fail
    la t2, l0
    ld a1, 0(t2)
    andi a1, a1, PTE_A | PTE_D
    CHECK(2, a1, PTE_A)
    /* A store sets D and reaches the frame. */
    li a2, 0x5a5a
    sd a2, 8(s10)
    ld a1, 0(t2)
    andi a1, a1, PTE_A | PTE_D
    CHECK(3, a1, PTE_A | PTE_D)
    la t0, page_a
    ld a1, 8(t0)
    CHECK(4, a1, 0x5a5a)
    /* An invalid PTE: load page fault, stval = the virtual address. */
    li s4, 0
    li t1, VA + 0x1000
    ld a0, 8(t1)
    CHECK(5, s4, 13)
    li t0, VA + 0x1008
    bne s5, t0, fail
    /* A store to a read-only page: store page fault. */
    li s4, 0
    li t1, VA + 0x2000
    sw a0, 16(t1)
    CHECK(6, s4, 15)
    li t0, VA + 0x2010
    bne s5, t0, fail
    ld a0, 0(t1)                /* loads are fine */
    CHECK(7, a0, 0x2222)
    /* A user page: S-mode needs SUM. */
    li s4, 0
    li t1, VA + 0x3000
    ld a0, 0(t1)
    CHECK(8, s4, 13)
    li t0, SSTATUS_SUM
    csrs sstatus, t0
    ld a0, 0(t1)
    CHECK(9, a0, 0x3333)
    csrc sstatus, t0
    /* An execute-only page: loads need MXR. */
    li s4, 0
    li t1, VA + 0x4000
    ld a0, 0(t1)
    CHECK(10, s4, 13)
    li t0, SSTATUS_MXR
    csrs sstatus, t0
    ld a0, 0(t1)
    CHECK(11, a0, 0x4444)
    csrc sstatus, t0
    /* A fetch from an invalid page: instruction page fault at the target. */
    li s4, 0
    la s8, fetch_back
    li t1, VA + 0x1000
    jr t1
fetch_back:
    CHECK(12, s4, 12)
    li t0, VA + 0x1000
    bne s5, t0, fail
    bne s6, t0, fail
    /* Remap VA + 0 to page_b; sfence.vma by address makes it visible. */
    la t2, l0
    PTE_FOR(page_b, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)
    sd t0, 0(t2)
    sfence.vma s10
    ld a0, 0(s10)
    CHECK(13, a0, 0x2222)
    /* And back, with a full sfence.vma. */
    PTE_FOR(page_a, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)
    sd t0, 0(t2)
    sfence.vma
    ld a0, 8(s10)
    CHECK(14, a0, 0x5a5a)
    /* Code that remaps its own page: after sfence.vma the next fetch comes from the new
     * frame (code_b), though the pc stays on the same virtual page. */
    la t2, l0
    PTE_FOR(code_a, PTE_V | PTE_X)
    sd t0, 40(t2)               /* VA + 5 */
    sfence.vma
    PTE_FOR(code_b, PTE_V | PTE_X)
    mv t3, t0
    addi t2, t2, 40
    li t1, VA + 0x5000
    li a0, 0
    jalr t1
    CHECK(18, a0, 2)
    /* sfence.vma for an ASID is legal too. */
    li t0, 1
    sfence.vma zero, t0
    /* Back to M-mode (ecall is not delegated). */
    la s8, machine
    ecall
    j fail

machine:
    CHECK(15, s4, 9)
    /* MPRV with MPP = S: M-mode loads and stores are translated. */
    li t0, MSTATUS_MPP
    csrc mstatus, t0
    li t0, MPP_S | MSTATUS_MPRV
    csrs mstatus, t0
    li t1, VA
    ld a0, 8(t1)
    CHECK(16, a0, 0x5a5a)
    li s4, 0
    li t1, VA + 0x2000
    sd a0, 0(t1)                /* read-only: a store page fault, taken in M-mode */
    CHECK(17, s4, 15)
    li t0, VA + 0x2000
    bne s5, t0, fail
    li t0, MSTATUS_MPRV
    csrc mstatus, t0
    j pass

    .align 2
m_handler:
    csrr s4, mcause
    csrr s5, mtval
    csrr s6, mepc
    li t0, 9
    beq s4, t0, 1f
    addi t0, s6, 4
    csrw mepc, t0
    mret
1:  jr s8

    .align 2
s_handler:
    csrr s4, scause
    csrr s5, stval
    csrr s6, sepc
    li t0, 12
    beq s4, t0, 1f
    addi t0, s6, 4
    csrw sepc, t0
    sret
1:  csrw sepc, s8
    sret

    /* Two frames with the same first instructions, then different ones. QEMU 7.2 runs on
     * in its translated block after sfence.vma; fence.i ends the block there. */
    .align 12
code_a:
    sd t3, 0(t2)
    sfence.vma
#ifdef ON_QEMU
    fence.i
#endif
    li a0, 1
    ret
    .align 12
code_b:
    sd t3, 0(t2)
    sfence.vma
#ifdef ON_QEMU
    fence.i
#endif
    li a0, 2
    ret
    .option pop
TEST_END

    .data
    .align 12
root: .fill 512, 8, 0
l1: .fill 512, 8, 0
l0: .fill 512, 8, 0
page_a: .dword 0x1111
    .fill 511, 8, 0
page_b: .dword 0x2222
    .fill 511, 8, 0
page_c: .dword 0x3333
    .fill 511, 8, 0
page_d: .dword 0x4444
    .fill 511, 8, 0
