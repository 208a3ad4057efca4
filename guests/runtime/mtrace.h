/* mtrace annotations for mtlab guests: mtrace-magic.h's entries and API over RISC-V.
 *
 * A guest describes itself to mtlab by registering entries with the magic instruction
 * (custom-0 word 0x0000000b): a0 = 1 (register entry), a1 = the entry's address, a2 = its
 * type, a3 = its length. Entries have exactly mtrace-magic.h's packed layouts; mtlab
 * stamps the header (type, size, cpu, access_count, ts) itself.
 *
 * A guest that contains the magic instruction starts with recording disabled: only the
 * accesses between mtenable() and mtdisable() reach the cache simulator.
 *
 * Compile with -DMTRACE_OFF to turn every annotation into nothing, e.g. to run the same
 * program on QEMU, where the magic instruction is illegal. */
#ifndef MTRACE_H
#define MTRACE_H

#include <stddef.h>
#include <stdint.h>
#include "runtime_config.h"

/* Magic requests (a0). */
enum { MTRACE_ENTRY_REGISTER = 1 };

/* Entry types (a2) and, below, each entry's layout. Enum-typed fields of mtrace-magic.h
 * are 4-byte ints; they are spelled uint32_t here so the layout never depends on it. */
enum {
    mtrace_entry_label = 1,
    mtrace_entry_access,
    mtrace_entry_host,
    mtrace_entry_fcall,
    mtrace_entry_segment,
    mtrace_entry_call,
    mtrace_entry_lock,
    mtrace_entry_task,
    mtrace_entry_sched,
    mtrace_entry_machine,
    mtrace_entry_appdata,
    mtrace_entry_ascope,
    mtrace_entry_avar,
    mtrace_entry_gc,
    mtrace_entry_gcepoch,
};

enum { mtrace_label_heap = 1, mtrace_label_block, mtrace_label_static, mtrace_label_percpu };
enum { mtrace_access_all_cpu = 1, mtrace_call_clear_cpu, mtrace_call_set_cpu };
enum { mtrace_record_disable = 0, mtrace_record_movement, mtrace_record_ascope, mtrace_record_kernelscope };
enum { mtrace_start = 1, mtrace_done, mtrace_done_value, mtrace_resume, mtrace_pause };
enum { mtrace_lockop_acquire = 1, mtrace_lockop_acquired, mtrace_lockop_release };
enum { mtrace_task_init = 1, mtrace_task_update, mtrace_task_exit };
enum { mtrace_appdata_opcount = 1 };

#define MTRACE_PACKED __attribute__((__packed__))
/* Entries built on the stack are 8-byte aligned, so that the compiler stores their
 * naturally aligned fields whole instead of byte by byte. */
#define MTRACE_ALIGNED __attribute__((__aligned__(8)))

struct mtrace_entry_header {
    uint32_t type;
    uint16_t size;
    uint16_t cpu;
    uint64_t access_count;
    uint64_t ts;
} MTRACE_PACKED;

struct mtrace_label_entry {
    struct mtrace_entry_header h;
    uint64_t host_addr;
    uint32_t label_type;
    char str[64];
    uint64_t guest_addr;
    uint64_t bytes; /* 0 = unlabel */
    uint64_t pc;    /* allocation site */
} MTRACE_PACKED;

struct mtrace_host_entry {
    struct mtrace_entry_header h;
    uint32_t host_type;
    uint64_t global_ts;
    /* Not packed, as in mtrace-magic.h: the union is 8-byte aligned, so 72 bytes long,
     * and the record ends with 4 unused bytes. */
    union {
        struct {
            uint32_t mode;
            char str[64];
        } access;
        struct {
            uint64_t cpu;
        } call;
    };
} MTRACE_PACKED;

struct mtrace_fcall_entry {
    struct mtrace_entry_header h;
    uint64_t tid;
    uint64_t pc;
    uint64_t tag;
    uint16_t depth;
    uint32_t state;
} MTRACE_PACKED;

struct mtrace_segment_entry {
    struct mtrace_entry_header h;
    uint64_t baseaddr;
    uint64_t endaddr;
    uint16_t cpu;
    uint32_t object_type;
} MTRACE_PACKED;

struct mtrace_lock_entry {
    struct mtrace_entry_header h;
    uint64_t pc;
    uint64_t lock;
    char str[64];
    uint32_t op;
    uint8_t read;
} MTRACE_PACKED;

struct mtrace_task_entry {
    struct mtrace_entry_header h;
    uint64_t tid;
    uint64_t tgid;
    uint32_t task_type;
    char str[64];
} MTRACE_PACKED;

struct mtrace_sched_entry {
    struct mtrace_entry_header h;
    uint64_t tid;
} MTRACE_PACKED;

struct mtrace_appdata_entry {
    struct mtrace_entry_header h;
    uint16_t appdata_type;
    uint64_t u64;
} MTRACE_PACKED;

struct mtrace_ascope_entry {
    struct mtrace_entry_header h;
    uint8_t flags; /* bit 0: exit */
    char name[64];
} MTRACE_PACKED;

struct mtrace_avar_entry {
    struct mtrace_entry_header h;
    uint8_t flags; /* bit 0: write */
    char name[64];
} MTRACE_PACKED;

struct mtrace_gc_entry {
    struct mtrace_entry_header h;
    uint64_t base;
    uint64_t nbytes;
    char name[64];
    uint8_t flags; /* bit 0: scheduled for RCU free */
} MTRACE_PACKED;

struct mtrace_gcepoch_entry {
    struct mtrace_entry_header h;
    uint8_t flags; /* bit 0: begin */
} MTRACE_PACKED;

/* The sizes mtlab checks (spec/mtrace-log.md). */
_Static_assert(sizeof(struct mtrace_entry_header) == 24, "header");
_Static_assert(sizeof(struct mtrace_label_entry) == 124, "label");
_Static_assert(sizeof(struct mtrace_host_entry) == 108, "host");
_Static_assert(sizeof(struct mtrace_fcall_entry) == 54, "fcall");
_Static_assert(sizeof(struct mtrace_segment_entry) == 46, "segment");
_Static_assert(sizeof(struct mtrace_lock_entry) == 109, "lock");
_Static_assert(sizeof(struct mtrace_task_entry) == 108, "task");
_Static_assert(sizeof(struct mtrace_sched_entry) == 32, "sched");
_Static_assert(sizeof(struct mtrace_appdata_entry) == 34, "appdata");
_Static_assert(sizeof(struct mtrace_ascope_entry) == 89, "ascope");
_Static_assert(sizeof(struct mtrace_avar_entry) == 89, "avar");
_Static_assert(sizeof(struct mtrace_gc_entry) == 105, "gc");
_Static_assert(sizeof(struct mtrace_gcepoch_entry) == 25, "gcepoch");

/* The pc of an annotation: the address of an auipc placed where the macro is expanded, so
 * every site has its own pc, inlined or not. (The return address of the function holding
 * the site would name that function's caller instead: crt0, for every site in main.) */
#define MTRACE_SITE_PC()                                                                      \
    __extension__({                                                                           \
        uint64_t mtrace_pc_;                                                                  \
        __asm__ volatile("auipc %0, 0" : "=r"(mtrace_pc_));                                   \
        mtrace_pc_;                                                                           \
    })
/* The caller's address, for a label registered inside an allocator that is not inlined:
 * the allocation site, as mtrace's kernels named it. */
#define MTRACE_RET_IP() ((uint64_t)(uintptr_t)__builtin_return_address(0))

#ifndef MTRACE_OFF

/* The magic instruction. The "memory" clobber makes the compiler finish writing the
 * entry before it and keeps it from moving memory accesses across it. Building an entry
 * takes stores to the stack, which are recorded like any others while recording is on:
 * the macros below that take string literals use constant entries and make none. */
static inline void mtrace_magic(unsigned long a0, unsigned long a1, unsigned long a2, unsigned long a3,
                                unsigned long a4, unsigned long a5) {
    register unsigned long r0 __asm__("a0") = a0;
    register unsigned long r1 __asm__("a1") = a1;
    register unsigned long r2 __asm__("a2") = a2;
    register unsigned long r3 __asm__("a3") = a3;
    register unsigned long r4 __asm__("a4") = a4;
    register unsigned long r5 __asm__("a5") = a5;
    __asm__ volatile(".insn i 0x0b, 0, x0, x0, 0"
                     :
                     : "r"(r0), "r"(r1), "r"(r2), "r"(r3), "r"(r4), "r"(r5)
                     : "memory");
}

static inline void mtrace_entry_register(const void *h, unsigned long type, unsigned long len) {
    mtrace_magic(MTRACE_ENTRY_REGISTER, (unsigned long)(uintptr_t)h, type, len, 0, 0);
}

/* Copies at most size - 1 bytes of str and zero-fills the rest of the field. */
static inline void mtrace_copy_string(char *field, const char *str, size_t size) {
    size_t i = 0;
    if (str) {
        for (; i + 1 < size && str[i]; i++) field[i] = str[i];
    }
    for (; i < size; i++) field[i] = 0;
}

static inline void mtrace_enable_set(unsigned mode, const char *name) {
    struct mtrace_host_entry entry MTRACE_ALIGNED;
    entry.host_type = mtrace_access_all_cpu;
    entry.global_ts = 0;
    entry.access.mode = mode;
    mtrace_copy_string(entry.access.str, name, sizeof(entry.access.str));
    mtrace_entry_register(&entry.h, mtrace_entry_host, sizeof(entry));
}

/* Turns call tracing on or off for hart `cpu` (MTRACE_CPU_SELF: the calling hart). While
 * it is on and accesses are recorded, every call (jal/jalr linking ra or t0) and return
 * (jr ra or t0) of that hart becomes a call record. */
#define MTRACE_CPU_SELF (~0UL)
static inline void mtrace_call_set(int on, unsigned long cpu) {
    struct mtrace_host_entry entry MTRACE_ALIGNED;
    entry.host_type = on ? mtrace_call_set_cpu : mtrace_call_clear_cpu;
    entry.global_ts = 0;
    entry.call.cpu = cpu;
    mtrace_entry_register(&entry, mtrace_entry_host, sizeof(entry));
}

static inline void mtrace_label_register(unsigned type, const void *addr, uint64_t bytes, const char *str,
                                         uint64_t call_site) {
    struct mtrace_label_entry entry MTRACE_ALIGNED;
    entry.host_addr = 0;
    entry.label_type = type;
    mtrace_copy_string(entry.str, str, sizeof(entry.str));
    entry.guest_addr = (uint64_t)(uintptr_t)addr;
    entry.bytes = bytes;
    entry.pc = call_site;
    mtrace_entry_register(&entry.h, mtrace_entry_label, sizeof(entry));
}

static inline void mtrace_segment_register(uint64_t baseaddr, uint64_t endaddr, unsigned type, unsigned cpu) {
    struct mtrace_segment_entry entry MTRACE_ALIGNED;
    entry.baseaddr = baseaddr;
    entry.endaddr = endaddr;
    entry.cpu = (uint16_t)cpu;
    entry.object_type = type;
    mtrace_entry_register(&entry.h, mtrace_entry_segment, sizeof(entry));
}

static inline void mtrace_fcall_register(uint64_t tid, uint64_t pc, uint64_t tag, unsigned depth, unsigned state) {
    struct mtrace_fcall_entry entry MTRACE_ALIGNED;
    entry.tid = tid;
    entry.pc = pc;
    entry.tag = tag;
    entry.depth = (uint16_t)depth;
    entry.state = state;
    mtrace_entry_register(&entry.h, mtrace_entry_fcall, sizeof(entry));
}

static inline void mtrace_lock_register(uint64_t pc, const volatile void *lock, const char *str, unsigned op,
                                        unsigned is_read) {
    struct mtrace_lock_entry entry MTRACE_ALIGNED;
    entry.pc = pc;
    entry.lock = (uint64_t)(uintptr_t)lock;
    mtrace_copy_string(entry.str, str, sizeof(entry.str));
    entry.op = op;
    entry.read = is_read ? 1 : 0;
    mtrace_entry_register(&entry.h, mtrace_entry_lock, sizeof(entry));
}

static inline void mtrace_task_register(uint64_t tid, uint64_t tgid, unsigned type, const char *str) {
    struct mtrace_task_entry entry MTRACE_ALIGNED;
    entry.tid = tid;
    entry.tgid = tgid;
    entry.task_type = type;
    mtrace_copy_string(entry.str, str, sizeof(entry.str));
    mtrace_entry_register(&entry.h, mtrace_entry_task, sizeof(entry));
}

static inline void mtrace_sched_record(uint64_t tid) {
    struct mtrace_sched_entry entry MTRACE_ALIGNED;
    entry.tid = tid;
    mtrace_entry_register(&entry.h, mtrace_entry_sched, sizeof(entry));
}

static inline void mtrace_appdata_register(unsigned type, uint64_t value) {
    struct mtrace_appdata_entry entry MTRACE_ALIGNED;
    entry.appdata_type = (uint16_t)type;
    entry.u64 = value;
    mtrace_entry_register(&entry.h, mtrace_entry_appdata, sizeof(entry));
}

static inline void mtrace_ascope_register(int is_exit, const char *name) {
    struct mtrace_ascope_entry entry MTRACE_ALIGNED;
    entry.flags = is_exit ? 1 : 0;
    mtrace_copy_string(entry.name, name, sizeof(entry.name));
    mtrace_entry_register(&entry.h, mtrace_entry_ascope, sizeof(entry));
}

static inline void mtrace_avar_register(int is_write, const char *name) {
    struct mtrace_avar_entry entry MTRACE_ALIGNED;
    entry.flags = is_write ? 1 : 0;
    mtrace_copy_string(entry.name, name, sizeof(entry.name));
    mtrace_entry_register(&entry.h, mtrace_entry_avar, sizeof(entry));
}

static inline void mtrace_gc_register(uint64_t base, uint64_t nbytes, const char *name, int rcu_free) {
    struct mtrace_gc_entry entry MTRACE_ALIGNED;
    entry.base = base;
    entry.nbytes = nbytes;
    mtrace_copy_string(entry.name, name, sizeof(entry.name));
    entry.flags = rcu_free ? 1 : 0;
    mtrace_entry_register(&entry.h, mtrace_entry_gc, sizeof(entry));
}

static inline void mtrace_gcepoch_register(int begin) {
    struct mtrace_gcepoch_entry entry MTRACE_ALIGNED;
    entry.flags = begin ? 1 : 0;
    mtrace_entry_register(&entry.h, mtrace_entry_gcepoch, sizeof(entry));
}

/* The API of mtrace's guests (mtrace.h of sv6/xv6). */

/* A constant host entry: switching recording makes no guest stores, so the measured
 * region holds only the program's own accesses. `name` must be a string literal (up to 63
 * characters); call mtrace_enable_set(mode, name) for a computed name. */
#define mtrace_enable_static(mode_, name_)                                                       \
    do {                                                                                        \
        static const struct mtrace_host_entry mtrace_host_entry_ MTRACE_ALIGNED = {             \
            .host_type = mtrace_access_all_cpu, .access = {.mode = (mode_), .str = name_}};     \
        mtrace_entry_register(&mtrace_host_entry_, mtrace_entry_host, sizeof(mtrace_host_entry_)); \
    } while (0)

/* Record every access from here on, naming the trace (mtrace's "movement" mode; mtlab's
 * simulator works the movement out itself, so every access is recorded). */
#define mtenable(name) mtrace_enable_static(mtrace_record_movement, name)
/* Stop recording. */
#define mtdisable(name) mtrace_enable_static(mtrace_record_disable, name)

/* Name the memory [addr, addr + bytes): type is mtrace_label_heap, _block, _static or _percpu. */
#define mtlabel(type, addr, bytes, str) mtrace_label_register((type), (addr), (bytes), (str), MTRACE_SITE_PC())
#define mtunlabel(type, addr) mtrace_label_register((type), (addr), 0, "", MTRACE_SITE_PC())

/* Annotations inside a measured region should make few stores of their own, since
 * those are recorded too. The macros below keep one entry per call site and hart in
 * static memory (each on lines of its own), filled in at compile time but for the
 * fields that change, so an annotation costs one to three stores. Their names must be
 * string literals of up to 63 characters. (An interrupt handler that reaches the same
 * call site on the same hart while the entry is being filled would garble it.) */
static inline unsigned long mtrace_hart(void) {
    unsigned long id;
    __asm__ volatile("csrr %0, mhartid" : "=r"(id));
    return id;
}

/* Per-hart entries of one call site, 128 bytes apart: no two harts share a line. */
#define MTRACE_SITE_ENTRIES(type_, variable_, ...)                                            \
    static struct {                                                                           \
        struct type_ e;                                                                       \
    } __attribute__((__aligned__(128))) variable_[RT_MAX_HARTS] = {[0 ... RT_MAX_HARTS - 1] = {{__VA_ARGS__}}}

#define mtrace_lock_site(ptr_, name_, op_)                                                   \
    do {                                                                                      \
        MTRACE_SITE_ENTRIES(mtrace_lock_entry, mtrace_site_, .str = name_, .op = (op_));      \
        struct mtrace_lock_entry *mtrace_entry_ = &mtrace_site_[mtrace_hart()].e;             \
        mtrace_entry_->pc = MTRACE_SITE_PC();                                                 \
        mtrace_entry_->lock = (uint64_t)(uintptr_t)(ptr_);                                    \
        mtrace_entry_register(mtrace_entry_, mtrace_entry_lock, sizeof(*mtrace_entry_));      \
    } while (0)

#define mtrace_name_site(type_, kind_, name_, flags_)                                        \
    do {                                                                                      \
        static const struct type_ mtrace_site_ MTRACE_ALIGNED = {.flags = (flags_), .name = name_}; \
        mtrace_entry_register(&mtrace_site_, (kind_), sizeof(mtrace_site_));                 \
    } while (0)

/* Lock events, named after the lock expression: mtlock(&l) logs "&l". */
#define mtlock(ptr) mtrace_lock_site((ptr), #ptr, mtrace_lockop_acquire)
#define mtacquired(ptr) mtrace_lock_site((ptr), #ptr, mtrace_lockop_acquired)
#define mtunlock(ptr) mtrace_lock_site((ptr), #ptr, mtrace_lockop_release)

/* Abstract scopes and variables (no stores at all: the entries are constant). */
#define mtascope_enter(name) mtrace_name_site(mtrace_ascope_entry, mtrace_entry_ascope, name, 0)
#define mtascope_exit(name) mtrace_name_site(mtrace_ascope_entry, mtrace_entry_ascope, name, 1)
#define mtavar_read(name) mtrace_name_site(mtrace_avar_entry, mtrace_entry_avar, name, 0)
#define mtavar_write(name) mtrace_name_site(mtrace_avar_entry, mtrace_entry_avar, name, 1)

/* Call records for hart `cpu` on (mtrec) or off (mtign), as in mtrace's guests. */
#define mtrec(cpu) mtrace_call_set(1, (cpu))
#define mtign(cpu) mtrace_call_set(0, (cpu))

/* Operations done, for movement per operation: each call adds n to the run's total. Call
 * it after mtdisable(), so that building the entry is not recorded. */
static inline void mtops(uint64_t n) { mtrace_appdata_register(mtrace_appdata_opcount, n); }

/* Call stacks: start, pause, resume and end the stack `tag` of thread `tid`. */
#define mtstart(tid, tag, depth) mtrace_fcall_register((tid), MTRACE_SITE_PC(), (tag), (depth), mtrace_start)
#define mtpause(tid, tag) mtrace_fcall_register((tid), 0, (tag), 0, mtrace_pause)
#define mtresume(tid, tag) mtrace_fcall_register((tid), MTRACE_SITE_PC(), (tag), 0, mtrace_resume)
#define mtstop(tid, tag) mtrace_fcall_register((tid), 0, (tag), 0, mtrace_done)

/* Garbage-collected objects and RCU epochs. */
#define mtgcregister(base, nbytes, name) mtrace_gc_register((uint64_t)(uintptr_t)(base), (nbytes), (name), 0)
#define mtgcdead(base) mtrace_gc_register((uint64_t)(uintptr_t)(base), 0, "", 1)
#define mtrcubegin() mtrace_gcepoch_register(1)
#define mtrcuend() mtrace_gcepoch_register(0)

#else /* MTRACE_OFF: annotations compile to nothing */

#define mtenable(name) ((void)0)
#define mtdisable(name) ((void)0)
#define mtlabel(type, addr, bytes, str) ((void)0)
#define mtunlabel(type, addr) ((void)0)
#define mtlock(ptr) ((void)0)
#define mtacquired(ptr) ((void)0)
#define mtunlock(ptr) ((void)0)
#define mtrec(cpu) ((void)0)
#define mtign(cpu) ((void)0)
static inline void mtops(uint64_t n) { (void)n; }
#define mtstart(tid, tag, depth) ((void)0)
#define mtpause(tid, tag) ((void)0)
#define mtresume(tid, tag) ((void)0)
#define mtstop(tid, tag) ((void)0)
#define mtascope_enter(name) ((void)0)
#define mtascope_exit(name) ((void)0)
#define mtavar_read(name) ((void)0)
#define mtavar_write(name) ((void)0)
#define mtgcregister(base, nbytes, name) ((void)0)
#define mtgcdead(base) ((void)0)
#define mtrcubegin() ((void)0)
#define mtrcuend() ((void)0)

#endif /* MTRACE_OFF */
#endif /* MTRACE_H */
