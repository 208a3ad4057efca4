/* Conditional branches (taken and not taken, both directions), jal and jalr. */
#include "isa_test.h"

TEST_BEGIN
    li TESTNUM, 1
    li a1, 1
    li a2, 1
    beq a1, a2, 1f
    j fail
1:  li TESTNUM, 2
    bne a1, a2, fail
    li TESTNUM, 3
    li a1, -1
    blt a1, a2, 1f
    j fail
1:  li TESTNUM, 4
    bge a1, a2, fail
    li TESTNUM, 5
    bltu a1, a2, fail
    li TESTNUM, 6
    bgeu a1, a2, 1f
    j fail
1:  li TESTNUM, 7
    bge a2, a2, 1f
    j fail
1:  li a0, 0
    li a1, 10
2:  addi a0, a0, 1
    blt a0, a1, 2b
    CHECK(8, a0, 10)

    li TESTNUM, 9
    jal ra, 3f
3:  la t0, 3b
    bne ra, t0, fail

    li TESTNUM, 10
    la t0, 5f
    jalr ra, 0(t0)
6:  j fail
5:  la t1, 6b
    bne ra, t1, fail

    /* jalr clears bit 0 of the target. */
    li TESTNUM, 11
    la t0, 7f
    addi t0, t0, 1
    jalr x0, 0(t0)
    j fail
7:
    /* rd == rs1: the target uses the old value. */
    li TESTNUM, 12
    la ra, 8f
    jalr ra, 0(ra)
9:  j fail
8:  la t1, 9b
    bne ra, t1, fail

    li TESTNUM, 13
    la t0, 10f
    addi t0, t0, -8
    jalr x0, 8(t0)
    j fail
10: j pass
TEST_END
