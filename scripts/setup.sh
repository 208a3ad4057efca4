#!/usr/bin/env bash
# Installs the system packages mtlab needs, if they are missing, on Debian or Ubuntu.
# Safe to rerun: it does nothing when everything is present.
set -euo pipefail

# slurmctld, slurmd, slurm-client and munge: the test of `mtlab sweep --slurm` starts a
# single-node Slurm of its own (its own munged, key, ports and folders; nothing system-wide).
packages=(pkg-config libgsl-dev zlib1g-dev gnuplot-nox slurmctld slurmd slurm-client munge)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}" >&2
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi
command -v swift >/dev/null || { echo "setup: the Swift toolchain (swift) is not on PATH" >&2; exit 1; }
