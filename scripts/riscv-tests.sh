#!/usr/bin/env bash
# Builds the official riscv-tests (rv64ui/um/ua/uc in the -p- and -v- environments, rv64mi
# and rv64si -p-) from a checkout given on the command line and runs each on mtlab's
# emulator, printing one line per test and a pass/fail table.
#
#   scripts/riscv-tests.sh RISCV_TESTS_DIR [MTLAB] [FILTER]
#
# RISCV_TESTS_DIR holds isa/ and env/ (riscv-test-env); MTLAB defaults to
# .build/release/mtlab; FILTER is a grep pattern on test names (default: all).
# Nothing of riscv-tests is kept in this repository; the build goes to a temporary folder.
set -u
src=${1:?usage: scripts/riscv-tests.sh RISCV_TESTS_DIR [MTLAB] [FILTER]}
mtlab=${2:-.build/release/mtlab}
filter=${3:-.}
[ -d "$src/isa" ] && [ -f "$src/env/p/riscv_test.h" ] || { echo "riscv-tests.sh: $src lacks isa/ or env/p/riscv_test.h" >&2; exit 2; }
[ -x "$mtlab" ] || { echo "riscv-tests.sh: no mtlab binary at $mtlab (swift build -c release)" >&2; exit 2; }
mtlab=$(cd "$(dirname "$mtlab")" && pwd)/$(basename "$mtlab")
cc=$(dirname "$(command -v swift)")/clang
[ -x "$cc" ] || cc=clang
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
flags=(--target=riscv64-unknown-elf -march=rv64imac_zicsr_zifencei -mabi=lp64 -mcmodel=medany
       -nostdlib -static -fuse-ld=lld -fvisibility=hidden -O2
       -I"$src/isa/macros/scalar")

tests() { # suite env
    local names
    names=$(sed -n "/^$1_sc_tests *=/,/^\s*$/p" "$src/isa/$1/Makefrag" | sed 's/^.*=//; s/\\//g')
    for n in $names; do echo "$1-$2-$n"; done
}

# ld.lld does not know the section-flag names the env's link scripts give PHDRS: same
# script with the numeric flags (R|W|X).
for e in p v; do
    sed 's/FLAGS([^)]*)/FLAGS(7)/' "$src/env/$e/link.ld" > "$out/link-$e.ld"
done

# The -v- environment's C files include <string.h> and <stdio.h>; a freestanding build
# has neither, so declare the few functions its own string.c defines.
mkdir -p "$out/include"
printf '%s\n' '#include <stddef.h>' 'void *memcpy(void *, const void *, size_t);' \
    'void *memset(void *, int, size_t);' 'int memcmp(const void *, const void *, size_t);' \
    'size_t strlen(const char *);' 'int strcmp(const char *, const char *);' \
    'char *strcpy(char *, const char *);' 'long atol(const char *);' > "$out/include/string.h"
: > "$out/include/stdio.h"; : > "$out/include/ctype.h"

# The tests declare their trap handlers .weak (in riscv_test.h) and then .global; clang's
# assembler refuses the change of binding that GNU as accepts. A copy of isa/ without the
# .global lines links the same (a defined weak symbol resolves to itself).
cp -r "$src/isa" "$out/isa"
find "$out/isa" -name '*.S' -exec sed -i -E '/^\s*\.glob[a]?l\s+[ms]tvec_handler\s*$/d' {} +

build() { # name
    local suite=${1%%-*} envname=${1#*-}; local test=${envname#*-}; envname=${envname%%-*}
    local e="$src/env/$envname" objs=()
    if [ "$envname" = v ]; then
        # vm.c names fssr in inline assembly (to recognise FP tests), so it needs F to assemble.
        "$cc" "${flags[@]}" -march=rv64imafdc_zicsr_zifencei -ffreestanding -I"$out/include" -I"$e" \
            -DENTROPY=0x$(printf %s "$1" | cksum | cut -c1-7) -std=gnu99 -fno-builtin -c "$e/vm.c" -o "$out/$1.vm.o" \
            2>"$out/$1.log" &&
        "$cc" "${flags[@]}" -ffreestanding -I"$out/include" -I"$e" -std=gnu99 \
            -T"$out/link-$envname.ld" "$e/entry.S" "$out/$1.vm.o" "$e/string.c" "$out/isa/$suite/$test.S" \
            -o "$out/$1" 2>>"$out/$1.log"
    else
        "$cc" "${flags[@]}" -I"$e" -T"$out/link-$envname.ld" "$out/isa/$suite/$test.S" -o "$out/$1" 2>"$out/$1.log"
    fi
}

run() { # name -> pass | fail: reason
    cat > "$out/$1.toml" <<TOML
[system]
cpus = 1
[workload]
elf = "$out/$1"
[cache]
size = 32768
ways = 8
[coherence]
protocol = "none"
[machine]
max_instructions = 100000000
TOML
    if "$mtlab" run "$out/$1.toml" --console "$out/$1.console" >"$out/$1.report" 2>"$out/$1.err"; then
        echo pass
    else
        echo "fail: $(grep -m1 'mtlab: error' "$out/$1.err" | sed 's/^mtlab: error: [^:]*: //')"
    fi
}

all=()
for s in rv64ui rv64um rv64ua rv64uc; do all+=($(tests $s p) $(tests $s v)); done
for s in rv64mi rv64si; do all+=($(tests $s p)); done
passed=0 failed=0
declare -A suitePass suiteFail
for t in "${all[@]}"; do
    echo "$t" | grep -q -- "$filter" || continue
    key=$(echo "$t" | cut -d- -f1,2)
    if ! build "$t"; then
        r="fail: does not build: $(grep -m1 error "$out/$t.log")"
    else
        r=$(run "$t")
    fi
    printf '%-28s %s\n' "$t" "$r"
    if [ "$r" = pass ]; then passed=$((passed+1)); suitePass[$key]=$(( ${suitePass[$key]:-0} + 1 ))
    else failed=$((failed+1)); suiteFail[$key]=$(( ${suiteFail[$key]:-0} + 1 )); fi
done
echo
printf '| %-10s | %6s | %6s |\n' suite passed failed
printf '|%s|%s|%s|\n' ------------ -------- --------
for k in $(printf '%s\n' "${!suitePass[@]}" "${!suiteFail[@]}" | sort -u); do
    printf '| %-10s | %6d | %6d |\n' "$k" "${suitePass[$k]:-0}" "${suiteFail[$k]:-0}"
done
echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
