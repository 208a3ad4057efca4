/* Loads and stores of every width, sign and zero extension, misaligned accesses (which
 * complete), and accesses that cross a page boundary. */
#include "isa_test.h"

TEST_BEGIN
    la s0, buf
    lb a0, 0(s0)
    CHECK(1, a0, 0x11)
    lb a0, 7(s0)
    CHECK(2, a0, 0xffffffffffffff88)
    lbu a0, 7(s0)
    CHECK(3, a0, 0x88)
    lh a0, 6(s0)
    CHECK(4, a0, 0xffffffffffff8877)
    lhu a0, 6(s0)
    CHECK(5, a0, 0x8877)
    lw a0, 4(s0)
    CHECK(6, a0, 0xffffffff88776655)
    lwu a0, 4(s0)
    CHECK(7, a0, 0x88776655)
    ld a0, 0(s0)
    CHECK(8, a0, 0x8877665544332211)
    ld a0, 8(s0)
    CHECK(9, a0, 0xfffefdfcfbfaf9f8)
    lh a0, 1(s0)
    CHECK(10, a0, 0x3322)
    lw a0, 3(s0)
    CHECK(11, a0, 0x77665544)
    ld a0, 5(s0)
    CHECK(12, a0, 0xfcfbfaf9f8887766)
    lwu a0, 6(s0)
    CHECK(13, a0, 0xf9f88877)
    lw a0, 6(s0)
    CHECK(14, a0, 0xfffffffff9f88877)

    li a1, 0x0123456789abcdef
    sd a1, 16(s0)
    ld a0, 16(s0)
    CHECK(15, a0, 0x0123456789abcdef)
    li a1, 0xaa
    sb a1, 16(s0)
    ld a0, 16(s0)
    CHECK(16, a0, 0x0123456789abcdaa)
    li a1, 0xbbcc
    sh a1, 18(s0)
    ld a0, 16(s0)
    CHECK(17, a0, 0x01234567bbcccdaa)
    li a1, 0x11223344
    sw a1, 20(s0)
    ld a0, 16(s0)
    CHECK(18, a0, 0x11223344bbcccdaa)
    li a1, 0xdeadbeef
    sw a1, 17(s0)
    ld a0, 16(s0)
    CHECK(19, a0, 0x112233deadbeefaa)
    li a1, 0x0807060504030201
    sd a1, 19(s0)
    ld a0, 16(s0)
    CHECK(20, a0, 0x0504030201beefaa)
    ld a0, 24(s0)
    CHECK(21, a0, 0x080706)

    /* An 8-byte store and loads that straddle a page boundary. */
    la t0, edge
    li a1, 0x1122334455667788
    sd a1, 0(t0)
    ld a0, 0(t0)
    CHECK(22, a0, 0x1122334455667788)
    lw a0, 2(t0)
    CHECK(23, a0, 0x33445566)
    lh a0, 3(t0)
    CHECK(24, a0, 0x4455)

    /* A load into x0 still happens but leaves x0 zero. */
    li TESTNUM, 25
    lw zero, 0(s0)
    bnez zero, fail
    j pass
TEST_END

    .data
    .align 4
buf:
    .dword 0x8877665544332211, 0xfffefdfcfbfaf9f8, 0, 0
    .balign 4096
    .skip 4092
edge:
    .skip 16
