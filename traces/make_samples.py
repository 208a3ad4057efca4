#!/usr/bin/env python3
"""Writes the sample traces in this folder. Deterministic: rerunning gives identical files."""

def write(name, header, lines):
    with open(name, "w") as f:
        f.write("".join(f"# {h}\n" for h in header))
        f.write("\n".join(lines) + "\n")

ROUNDS = 200

# Four CPUs each increment their own 8-byte counter; all four counters share one line.
false_sharing = []
for _ in range(ROUNDS):
    for cpu in range(4):
        a = 0x1000 + 8 * cpu
        false_sharing += [f"{cpu} R {a:#x} 8", f"{cpu} W {a:#x} 8"]
write("false-sharing.trace",
      ["Four CPUs increment private 8-byte counters packed into one 64-byte line at 0x1000.",
       "Every coherence miss is a false-sharing miss: no CPU reads another's bytes."],
      false_sharing)

# The same counters, padded to a line each: no sharing at all.
padded = []
for _ in range(ROUNDS):
    for cpu in range(4):
        a = 0x1000 + 64 * cpu
        padded += [f"{cpu} R {a:#x} 8", f"{cpu} W {a:#x} 8"]
write("padded-counters.trace",
      ["The counters of false-sharing.trace, each padded to its own line: cold misses only."],
      padded)

# Four CPUs increment one shared counter with an atomic read-modify-write.
true_sharing = []
for _ in range(ROUNDS):
    for cpu in range(4):
        true_sharing += [f"{cpu} A 0x2000 8"]
write("true-sharing.trace",
      ["Four CPUs take turns on one atomic counter at 0x2000: true sharing, one line bouncing."],
      true_sharing)

# One CPU cycles over 12 lines that map to the same set of a 64-set cache (stride 4 KiB):
# with 8 ways, LRU misses on every access after the first round, FIFO too.
conflict = []
for i in range(ROUNDS * 6):
    conflict += [f"0 R {0x10000 + 4096 * (i % 12):#x} 4"]
write("conflict.trace",
      ["CPU 0 cycles over 12 lines 4 KiB apart: one set of a 64-set, 8-way cache thrashes."],
      conflict)

# The main example: all of the above at once, interleaved, plus private streaming work.
example = []
for r in range(ROUNDS):
    for cpu in range(4):
        a = 0x1000 + 8 * cpu
        example += [f"{cpu} R {a:#x} 8", f"{cpu} W {a:#x} 8", f"{cpu} A 0x2000 8"]
        example += [f"{cpu} R {0x100000 * (cpu + 1) + 64 * ((r * 3 + k) % 256):#x} 16" for k in range(3)]
    example += [f"0 R {0x10000 + 4096 * ((r * 2 + k) % 12):#x} 4" for k in range(2)]
write("example.trace",
      ["Four CPUs: packed per-CPU counters (false sharing), one atomic counter (true sharing),",
       "private streams, and CPU 0 thrashing one cache set (conflict misses)."],
      example)
