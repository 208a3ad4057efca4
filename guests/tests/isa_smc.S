/* Self-modifying code: a patched instruction runs after fence.i. */
#include "isa_test.h"

TEST_BEGIN
    .option push
    .option norvc
    li TESTNUM, 1
    jal ra, patchable
    CHECK(2, a0, 1)
    /* Patch "li a0, 1" into "li a0, 2" (addi a0, zero, 2 = 0x00200513). */
    la t0, patchable
    li t1, 0x00200513
    sw t1, 0(t0)
    fence.i
    jal ra, patchable
    CHECK(3, a0, 2)
    /* Patch again, now with a store of the upper half only (0x00300513: imm 3). */
    la t0, patchable
    li t1, 0x0030
    sh t1, 2(t0)
    fence.i
    jal ra, patchable
    CHECK(4, a0, 3)
    /* Replace a 4-byte instruction by two compressed ones: c.li a0, 7; c.nop */
    li t1, 0x0001451d
    sw t1, 0(t0)
    fence.i
    jal ra, patchable
    CHECK(5, a0, 7)
    /* Code copied to a data page and run there. */
    la t0, copy_source
    la t1, code_page
    lw t2, 0(t0)
    sw t2, 0(t1)
    lw t2, 4(t0)
    sw t2, 4(t1)
    fence.i
    jalr ra, 0(t1)
    CHECK(6, a0, 42)
    /* Overwrite it (no fence.i needed on this machine, but the program is portable). */
    li t2, 0x02b00513          /* li a0, 43 */
    sw t2, 0(t1)
    fence.i
    jalr ra, 0(t1)
    CHECK(7, a0, 43)
    j pass

    .align 3
patchable:
    li a0, 1
    ret
copy_source:
    li a0, 42
    ret
    .option pop
TEST_END

    .data
    .balign 4096
code_page:
    .skip 64
