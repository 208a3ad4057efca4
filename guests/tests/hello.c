/* Console output through the runtime's printf: compared with QEMU byte for byte. */
#include "runtime.h"

int main(unsigned hart) {
    printf("hello from hart %u\n", hart);
    printf("[%5d|%-5d|%05d|%x|%lX|%s|%c|%%]\n", -42, 7, 99, 0xbeefu, 0xCAFEF00DUL, "str", 'z');
    long long sum = 0;
    for (int i = 1; i <= 1000; i++) sum += (long long)i * i;
    printf("sum of squares 1..1000 = %lld\n", sum);
    printf("%d / %d = %d rem %d\n", -7, 2, -7 / 2, -7 % 2);
    return 0;
}
