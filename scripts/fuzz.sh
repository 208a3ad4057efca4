#!/usr/bin/env bash
# Fuzzes mtlab for a while: seeded mutations of every input kind (text, din, gzip, mtrace
# logs, TOML configs, sweep files, ELF) fed to a release build of the real executable.
#
#   scripts/fuzz.sh [MINUTES] [WORKERS]      (default: 60 minutes, 2 workers)
#
# The seed is printed (MTLAB_FUZZ_SEED=… reruns the same cases); failing inputs are kept
# under ${TMPDIR:-/tmp}/mtlab-fuzz-failures (MTLAB_FUZZ_ARTIFACTS to change it).
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:-60}
workers=${2:-2}
seed=${MTLAB_FUZZ_SEED:-$(date +%s)}
swift build -c release --product mtlab
echo "fuzz: seed $seed, $minutes minutes, $workers workers" >&2
MTLAB_FUZZ_MTLAB="$PWD/.build/release/mtlab" MTLAB_FUZZ_SECONDS=$((minutes * 60)) MTLAB_FUZZ_SEED=$seed \
    MTLAB_FUZZ_WORKERS=$workers MTLAB_FUZZ_CASES=${MTLAB_FUZZ_CASES:-500} \
    swift test --filter CLIFuzzing 2>&1 | grep -E '^fuzz:|↳|✔|✘'
