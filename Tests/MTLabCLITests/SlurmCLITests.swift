import Foundation
import Testing

/// A single-node Slurm cluster of the test's own: munged with its own key and socket,
/// slurmctld and slurmd with a generated slurm.conf, ports on 127.0.0.1 that were free,
/// state, spool and logs in a temporary folder that ``stop()`` removes with everything else.
/// Runs as whoever runs the tests (root or not): that user is SlurmUser and SlurmdUser.
final class SlurmCluster {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let folder: URL
    /// What Slurm's client commands (and mtlab's calls of them) need: SLURM_CONF.
    let environment: [String: String]
    private var daemons: [(name: String, pid: pid_t)] = []
    /// Wait statuses of daemons that have ended, by process id.
    private var exited: [pid_t: Int32] = [:]
    private var tools: [String: String] = [:]
    private var stopped = false
    /// The user running the tests: SlurmUser, SlurmdUser and the jobs' owner.
    private let user: String

    var conf: String { folder.appendingPathComponent("slurm.conf").path }
    private func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    /// Starts the daemons and waits for the node to be idle; throws ``Failure`` saying why
    /// not (a missing package, or the daemons' own last log lines). Stops what it started.
    static func start() throws -> SlurmCluster {
        let cluster = try SlurmCluster()
        do {
            try cluster.launch()
        } catch {
            cluster.stop()
            throw error
        }
        return cluster
    }

    private init() throws {
        // Short: a Unix socket path (munge's, slurmd's) must fit in 108 bytes.
        let temporary = FileManager.default.temporaryDirectory.path.count <= 40 ? FileManager.default.temporaryDirectory.path : "/tmp"
        folder = URL(fileURLWithPath: temporary).appendingPathComponent("mtlab-slurm-\(UUID().uuidString.prefix(8))")
        environment = ["SLURM_CONF": folder.appendingPathComponent("slurm.conf").path]
        guard let entry = getpwuid(geteuid()) else {
            throw Failure(description: "Slurm cannot start: user id \(geteuid()) has no name (no passwd entry), and SlurmUser needs one")
        }
        user = String(cString: entry.pointee.pw_name)
        var missing: [String] = []
        // The daemons live in sbin, which a normal user's PATH may lack.
        let searched = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
            + ["/usr/sbin", "/sbin", "/usr/bin", "/bin"]
        for tool in ["munged", "mungekey", "slurmctld", "slurmd", "sbatch", "squeue", "scancel", "scontrol", "sinfo"] {
            if let found = searched.map({ "\($0)/\(tool)" }).first(where: { FileManager.default.isExecutableFile(atPath: $0) }) {
                tools[tool] = found
            } else {
                missing.append(tool)
            }
        }
        guard missing.isEmpty else {
            throw Failure(description: "Slurm cannot start: \(missing.joined(separator: ", ")) not found; install the Debian packages "
                + "slurmctld slurmd slurm-client munge (scripts/setup.sh does)")
        }
    }

    private func launch() throws {
        let fm = FileManager.default
        for (name, mode) in [("", 0o755), ("key", 0o700), ("munge", 0o755), ("state", 0o755), ("spool", 0o755), ("log", 0o755)] {
            try fm.createDirectory(atPath: path(name), withIntermediateDirectories: true)
            try fm.setAttributes([.posixPermissions: mode], ofItemAtPath: path(name))
        }
        let key = try tool("mungekey", ["--create", "--keyfile=" + path("key/munge.key")])
        guard key.status == 0 else { throw Failure(description: "Slurm cannot start: mungekey failed: \(key.stderr)") }
        let socket = path("munge/socket")
        // --force: munged refuses a key or socket below a folder anyone may write (such as a
        // TMPDIR without the sticky bit); the key here is the test's own.
        try daemon("munged", ["--foreground", "--force", "--socket=" + socket, "--key-file=" + path("key/munge.key"),
                              "--pid-file=" + path("munge/munged.pid"), "--seed-file=" + path("key/munged.seed"),
                              "--log-file=" + path("log/munged.log")])
        try waitUntil("munged to create its socket", timeout: 10) { fm.fileExists(atPath: socket) }

        let ports = try Self.freePorts(2)
        var name = [CChar](repeating: 0, count: 256)
        gethostname(&name, name.count)
        let host = String(cString: name).split(separator: ".").first.map(String.init) ?? "localhost"
        let cpus = 4
        let text = """
            ClusterName=mtlabtest
            SlurmctldHost=\(host)(127.0.0.1)
            SlurmctldPort=\(ports[0])
            SlurmdPort=\(ports[1])
            SlurmUser=\(user)
            SlurmdUser=\(user)
            AuthType=auth/munge
            CredType=cred/munge
            AuthInfo=socket=\(socket)
            StateSaveLocation=\(path("state"))
            SlurmdSpoolDir=\(path("spool"))
            SlurmctldPidFile=\(path("slurmctld.pid"))
            SlurmdPidFile=\(path("slurmd.pid"))
            SlurmctldLogFile=\(path("log/slurmctld.log"))
            SlurmdLogFile=\(path("log/slurmd.log"))
            ProctrackType=proctrack/linuxproc
            TaskPlugin=task/none
            JobAcctGatherType=jobacct_gather/none
            AccountingStorageType=accounting_storage/none
            JobCompType=jobcomp/none
            MpiDefault=none
            SelectType=select/cons_tres
            SelectTypeParameters=CR_CPU
            SlurmdParameters=config_overrides
            ReturnToService=2
            MinJobAge=3600
            KillWait=2
            MailProg=/bin/true
            NodeName=mtlabnode NodeAddr=127.0.0.1 NodeHostname=\(host) CPUs=\(cpus) State=UNKNOWN
            PartitionName=mtlab Nodes=mtlabnode Default=YES MaxTime=INFINITE State=UP

            """
        try text.write(toFile: conf, atomically: true, encoding: .utf8)
        try daemon("slurmctld", ["-D", "-i"])
        try daemon("slurmd", ["-D", "-N", "mtlabnode"])
        try waitUntil("the node to be idle", timeout: 60) {
            let r = try? self.tool("sinfo", ["--noheader", "--nodes=mtlabnode", "--format=%t"])
            return r?.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "idle"
        }
    }

    /// Ports the kernel just gave out on 127.0.0.1 and took back: free at that moment.
    static func freePorts(_ count: Int) throws -> [Int] {
        var sockets: [Int32] = []
        defer { for s in sockets { close(s) } }
        var ports: [Int] = []
        for _ in 0..<count {
            #if os(Linux)
            let s = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            #else
            let s = socket(AF_INET, SOCK_STREAM, 0)
            #endif
            guard s >= 0 else { throw Failure(description: "Slurm cannot start: no socket for a free port") }
            sockets.append(s)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = 0
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                    bind(s, pointer, length) == 0 && getsockname(s, pointer, &length) == 0
                }
            }
            guard bound else { throw Failure(description: "Slurm cannot start: cannot bind 127.0.0.1:0") }
            ports.append(Int(UInt16(bigEndian: address.sin_port)))
        }
        return ports
    }

    /// Starts a daemon in the foreground under a small shell that ends it when this test
    /// process is gone, so that a crashed test leaves no daemon behind.
    private func daemon(_ name: String, _ arguments: [String]) throws {
        let guardian = """
            "$@" & d=$!
            trap 'kill -TERM $d 2>/dev/null' TERM INT
            while kill -0 $d 2>/dev/null; do
                kill -0 \(getpid()) 2>/dev/null || kill -TERM $d 2>/dev/null
                sleep 0.5 & wait $!
            done
            wait $d
            """
        let output = path("log/\(name).out")
        let pid = try spawn("/bin/sh", ["-c", guardian, "sh", tools[name]!] + arguments, stdout: output, stderr: output)
        daemons.append((name, pid))
    }

    /// Starts `path` with this process's environment and ``environment``, stdin from
    /// /dev/null, stdout and stderr appended to files, and every signal at its default and
    /// unblocked (a thread of the test process may block some, and a child inherits that).
    private func spawn(_ path: String, _ arguments: [String], stdout: String, stderr: String) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        if stderr == stdout {
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        } else {
            posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t(), all = sigset_t()
        sigemptyset(&none)
        sigfillset(&all)
        sigdelset(&all, SIGKILL)
        sigdelset(&all, SIGSTOP)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let variables = ProcessInfo.processInfo.environment.merging(environment) { $1 }.map { "\($0)=\($1)" }
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        let envp = variables.map { strdup($0) } + [nil]
        defer { for p in argv + envp { free(p) } }
        var pid = pid_t()
        let code = posix_spawn(&pid, path, &actions, &attributes, argv, envp)
        guard code == 0 else { throw Failure(description: "cannot start \(path): \(String(cString: strerror(code)))") }
        return pid
    }

    /// Whether the daemon `pid` still runs; reaps it and keeps its status when it has ended.
    private func isRunning(_ pid: pid_t) -> Bool {
        if exited[pid] != nil { return false }
        var status: Int32 = 0
        let r = waitpid(pid, &status, WNOHANG)
        if r == 0 { return true }
        exited[pid] = r == pid ? status : -1
        return false
    }

    /// Waits for `condition`; throws with the daemons' last log lines when a daemon has
    /// exited or `timeout` seconds pass.
    func waitUntil(_ what: String, timeout: Double, _ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if try condition() { return }
            if let dead = daemons.first(where: { !isRunning($0.pid) }) {
                throw Failure(description: "Slurm cannot start: \(dead.name) ended (wait status \(exited[dead.pid] ?? -1)) "
                    + "while waiting for \(what)\n" + logTail())
            }
            if Date() > deadline {
                throw Failure(description: "Slurm did not get ready: no \(what) after \(Int(timeout)) s\n" + logTail())
            }
            usleep(100_000)
        }
    }

    /// The last lines of every daemon's log and output, for a failure message.
    func logTail(lines: Int = 15) -> String {
        var out = ""
        for name in ["slurmctld.log", "slurmctld.out", "slurmd.log", "slurmd.out", "munged.out", "munged.log"] {
            guard let text = try? String(contentsOfFile: path("log/" + name), encoding: .utf8), !text.isEmpty else { continue }
            out += "--- \(name) (last \(lines) lines)\n" + text.split(separator: "\n").suffix(lines).joined(separator: "\n") + "\n"
        }
        return out
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs one of Slurm's (or munge's) commands against this cluster, to the end.
    func tool(_ name: String, _ arguments: [String]) throws -> Result {
        let out = path("log/tool-\(UUID().uuidString).out"), err = out + ".err"
        defer { unlink(out); unlink(err) }
        let pid = try spawn(tools[name]!, arguments, stdout: out, stderr: err)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let code = status & 0x7F == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        return Result(status: code, stdout: (try? String(contentsOfFile: out, encoding: .utf8)) ?? "",
                      stderr: (try? String(contentsOfFile: err, encoding: .utf8)) ?? "")
    }

    /// The state of job `id` (for an array, of each task, by task id or "-" for a plain job).
    func jobStates(_ id: String) throws -> [String: String] {
        let r = try tool("scontrol", ["--oneliner", "show", "job", id])
        guard r.status == 0 else { throw Failure(description: "scontrol show job \(id) failed: \(r.stderr)") }
        var states: [String: String] = [:]
        for line in r.stdout.split(separator: "\n") {
            var fields: [String: String] = [:]
            for part in line.split(separator: " ") {
                if let eq = part.firstIndex(of: "=") { fields[String(part[..<eq])] = String(part[part.index(after: eq)...]) }
            }
            if let state = fields["JobState"] { states[fields["ArrayTaskId"] ?? "-"] = state }
        }
        return states
    }

    /// Waits for job `id` (every task of an array) to end; returns its final state.
    @discardableResult
    func waitForJob(_ id: String, timeout: Double = 180) throws -> String {
        let ended: Set<String> = ["COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "PREEMPTED", "OUT_OF_MEMORY", "BOOT_FAIL", "DEADLINE"]
        var last: [String: String] = [:]
        try waitUntil("job \(id) to end", timeout: timeout) {
            // A busy controller can time out one query; the next one asks again.
            last = (try? jobStates(id)) ?? [:]
            return !last.isEmpty && last.values.allSatisfy(ended.contains)
        }
        return Set(last.values).sorted().joined(separator: ",")
    }

    /// Cancels every job, stops the daemons it started (by their process ids) and removes
    /// the folder. Safe to call twice.
    func stop() {
        guard !stopped else { return }
        stopped = true
        if daemons.contains(where: { $0.name == "slurmctld" && isRunning($0.pid) }) {
            _ = try? tool("scancel", ["--user=" + user])
            // Let slurmd end the jobs' step daemons before it goes.
            let deadline = Date().addingTimeInterval(10)
            while Date() < deadline, let r = try? tool("squeue", ["--noheader"]), r.status == 0,
                  !r.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                usleep(100_000)
            }
        }
        // slurmd, then slurmctld, then munged; each by the id of the shell that guards it.
        for (_, pid) in daemons.reversed() where isRunning(pid) {
            kill(pid, SIGTERM)
            let deadline = Date().addingTimeInterval(10)
            while isRunning(pid) && Date() < deadline { usleep(50_000) }
            if isRunning(pid) {
                kill(pid, SIGKILL)
                var status: Int32 = 0
                waitpid(pid, &status, 0)
            }
        }
        try? FileManager.default.removeItem(at: folder)
    }

    deinit { stop() }
}

private let base = """
    [system]
    cpus = 2
    [workload]
    generator = "per-cpu-counters"
    operations = 2000
    [cache]
    sets = 16
    ways = 2
    """

/// 24 grid points × 2 seeds.
private let sweepFile = """
    base = "../configs/base.toml"
    output = "../results/s"
    seeds = [1, 2]
    [grid]
    "workload.stride" = [8, 16, 32, 64]
    "coherence.protocol" = ["msi", "mesi", "moesi"]
    "cache.ways" = [1, 2]
    """

/// A folder name that runs a command if a script ever pastes it unquoted.
private let hostile = "it's a $(touch pwned) `touch pwned`; dir"

/// `text` in single quotes, as a shell reads it back (the quoting is written out here, not
/// borrowed from mtlab, so that the tests check mtlab's).
private func quoted(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: #"'\''"#) + "'" }

/// Writes the sweep's files into `lab` under ``hostile``; returns the sweep file's path as given to mtlab.
private func writeSweep(_ lab: Lab, name: String, operations: Int, grid: String? = nil) throws -> String {
    try lab.write("\(hostile)/configs/base-\(name).toml", base.replacingOccurrences(of: "2000", with: "\(operations)"))
    var text = sweepFile.replacingOccurrences(of: "base.toml", with: "base-\(name).toml")
        .replacingOccurrences(of: "results/s", with: "results/\(name)")
    if let grid { text = text.replacingOccurrences(of: "\"cache.ways\" = [1, 2]", with: grid) }
    try lab.write("\(hostile)/sweeps/\(name).toml", text)
    return "\(hostile)/sweeps/\(name).toml"
}

private let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// Copies the documented example sweep (configs/sweeps/false-sharing-protocols.toml and its
/// base) into `lab` under ``hostile``; returns the sweep file's path as given to mtlab.
private func copyExample(_ lab: Lab) throws -> String {
    for name in ["false-sharing-protocols.toml", "counters.toml"] {
        try lab.write("\(hostile)/configs/sweeps/\(name)", Data(contentsOf: repository.appendingPathComponent("configs/sweeps/\(name)")))
    }
    return "\(hostile)/configs/sweeps/false-sharing-protocols.toml"
}

private let tables = ["results.csv", "results.json", "summary.csv", "summary.json", "failures.csv"]

@Suite(.serialized) struct SweepOnSlurm {
    /// The job ids `mtlab sweep --slurm` printed: the array's and the collect job's.
    private func jobIDs(_ r: Lab.Result) throws -> (array: String, collect: String) {
        let lines = r.stdout.split(separator: "\n")
        try #require(lines.count == 2, "\(r.stdout)\(r.stderr)")
        let array = try #require(lines[0].split(separator: " ").dropFirst(2).first.map { String($0.dropLast()) })
        let collect = try #require(lines[1].split(separator: " ").dropFirst(2).first.map { String($0.dropLast()) })
        return (array, collect)
    }

    @Test func arrayCollectStatusKillAndResume() throws {
        let clock = ContinuousClock()
        let started = clock.now
        // Printed last, after the cluster is torn down: the test's whole wall time.
        defer { print("SweepOnSlurm: \((clock.now - started).components.seconds) s with the cluster's start and teardown") }
        let cluster = try SlurmCluster.start()
        defer { cluster.stop() }
        let startUp = (clock.now - started).components.seconds
        let env = cluster.environment
        let lab = try Lab(), local = try Lab()
        // The example of docs/sweeps.md: 24 points × 2 seeds.
        let s = try copyExample(lab)
        _ = try copyExample(local)
        let output = "\(hostile)/results/false-sharing-protocols"

        // The whole sweep as 4 array tasks and a collect job.
        let submitted = try lab.run(["sweep", s, "--slurm", "--tasks", "4", "--time", "10", "--partition", "mtlab",
                                     "--array-parallelism", "4"], environment: env)
        #expect(submitted.status == 0, "\(submitted.stderr)")
        let first = try jobIDs(submitted)
        #expect(submitted.stdout == "array job \(first.array): tasks 1-4 of 4 (task K runs shard K/4)\n"
            + "collect job \(first.collect): writes the tables when every task has ended\n")
        #expect(try cluster.waitForJob(first.array) == "COMPLETED", "\(cluster.logTail())")
        #expect(try cluster.waitForJob(first.collect) == "COMPLETED", "\(cluster.logTail())")
        #expect(try cluster.jobStates(first.array).keys.sorted() == ["1", "2", "3", "4"])
        let shown = try cluster.tool("scontrol", ["--oneliner", "show", "job", first.array]).stdout
        #expect(shown.contains(" TimeLimit=00:10:00 ") && shown.contains(" Partition=mtlab ") && shown.contains(" ArrayTaskThrottle=4 "),
                "\(shown)")

        // The same tables as the sweep run here with two threads.
        let here = try local.run(["sweep", s, "--jobs", "2"])
        #expect(here.status == 0, "\(here.stderr)")
        for table in tables {
            #expect(try lab.read("\(output)/\(table)") == local.read("\(output)/\(table)"), "\(table)")
        }
        #expect(try lab.readText("\(output)/results.csv").split(separator: "\n").count == 49)
        let status = try lab.run(["sweep", s, "--status"], environment: env)
        #expect(status.status == 0 && status.stdout.contains("\ndone 48, failed 0, running 0, pending 0, missing 0\n"), "\(status.stdout)")

        // Kill task 2 of another sweep after its first run, collect (which fails: rows are
        // missing), then resubmit only task 2.
        let k = try writeSweep(lab, name: "k", operations: 100_000, grid: "")
        _ = try writeSweep(local, name: "k", operations: 100_000, grid: "")
        let killed = try lab.run(["sweep", k, "--slurm", "--tasks", "4"], environment: env)
        #expect(killed.status == 0, "\(killed.stderr)")
        let second = try jobIDs(killed)
        let log = "\(hostile)/results/k/slurm/logs/shards-\(second.array)_2.log"
        try cluster.waitUntil("task 2 to finish a run", timeout: 60) {
            ((try? lab.readText(log)) ?? "").contains("[1/6] done")
        }
        // While task 2 runs, --status says so, and a resubmission is refused.
        let midway = try lab.run(["sweep", k, "--status"], environment: env)
        #expect(midway.stdout.contains(" running\n") && midway.stdout.contains("\n   2     6  "), "\(midway.stdout)")
        let early = try lab.run(["sweep", k, "--slurm", "--resume"], environment: env)
        #expect(early.status != 0 && early.stderr.contains("tasks of this sweep are still queued or running: ")
                && early.stderr.contains("2 (running)"), "\(early.stderr)")
        let cancel = try cluster.tool("scancel", ["\(second.array)_2"])
        #expect(cancel.status == 0, "\(cancel.stderr)")
        #expect(try cluster.waitForJob(second.array).contains("CANCELLED"))
        #expect(try cluster.waitForJob(second.collect) == "FAILED")
        let collected = try lab.readText("\(hostile)/results/k/slurm/logs/collect-\(second.collect).log")
        #expect(collected.contains("rows have no result yet (shards not run, or interrupted); "
            + "`mtlab sweep \(quoted(k)) --slurm --resume` resubmits the tasks that have runs left\n"), "\(collected)")
        let ranBefore = try lab.readText(log).components(separatedBy: "] done ").count - 1
        #expect(ranBefore >= 1 && ranBefore < 6, "task 2 ran \(ranBefore) of its 6 runs before it was cancelled")

        let interrupted = try lab.run(["sweep", k, "--status"], environment: env)
        #expect(interrupted.stdout.contains("\ndone \(18 + ranBefore), failed 0, running 0, pending 0, missing \(6 - ranBefore)\n"),
                "\(interrupted.stdout)")
        #expect(interrupted.stdout.contains("\n   2     6     \(ranBefore)       0     \(6 - ranBefore)  -\n"), "\(interrupted.stdout)")
        #expect(interrupted.stdout.hasSuffix("to run what is missing or failed: mtlab sweep \(quoted(k)) --slurm --resume\n"))

        // Finished points stay as they are: the same files, not rewritten.
        func stamps() -> [String: String] {
            var out: [String: String] = [:]
            for name in lab.entries("\(hostile)/results/k/points") {
                let attributes = try? FileManager.default.attributesOfItem(atPath: lab.path("\(hostile)/results/k/points/\(name)"))
                out[name] = "\(attributes?[.systemFileNumber] ?? 0) \(attributes?[.modificationDate] ?? 0)"
            }
            return out
        }
        let before = stamps()
        let resumed = try lab.run(["sweep", k, "--slurm", "--resume"], environment: env)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let third = try jobIDs(resumed)
        #expect(resumed.stdout.hasPrefix("array job \(third.array): task 2 of 4 (task K runs shard K/4)\n"), "\(resumed.stdout)")
        #expect(try cluster.waitForJob(third.array) == "COMPLETED", "\(cluster.logTail())")
        #expect(try cluster.waitForJob(third.collect) == "COMPLETED", "\(cluster.logTail())")
        let rerun = try lab.readText("\(hostile)/results/k/slurm/logs/shards-\(third.array)_2.log")
        #expect(rerun.contains("\(6 - ranBefore) ran, \(ranBefore) finished before, 0 failed"), "\(rerun)")
        let after = stamps()
        #expect(before.allSatisfy { after[$0.key] == $0.value }, "a finished point was rewritten")
        #expect(after.count == 24)

        let hereK = try local.run(["sweep", k, "--jobs", "2"])
        #expect(hereK.status == 0, "\(hereK.stderr)")
        for table in tables {
            #expect(try lab.read("\(hostile)/results/k/\(table)") == local.read("\(hostile)/results/k/\(table)"), "\(table)")
        }
        let done = try lab.run(["sweep", k, "--status"], environment: env)
        #expect(done.stdout.contains("\ndone 24, failed 0, running 0, pending 0, missing 0\n"), "\(done.stdout)")
        // Nothing ran the hostile folder name as a command.
        #expect(!lab.entries().contains { $0.hasSuffix("pwned") })
        let seconds = (clock.now - started).components.seconds
        print("SweepOnSlurm: cluster start-up \(startUp) s; with two sweeps on Slurm (a kill and a resume) and their local runs \(seconds) s")
    }
}

/// `mtlab sweep --slurm` without a cluster: the exact dry run, and a submission to stand-in
/// `sbatch` and `squeue` commands whose scripts are then run by hand, as Slurm would.
@Suite(.serialized) struct SweepSlurmScripts {
    @Test func dryRunPrintsTheScriptsAndCommandsExactly() throws {
        let lab = try Lab()
        let s = try writeSweep(lab, name: "s", operations: 2000)
        let before = lab.entries()
        let r = try lab.run(["sweep", s, "--slurm", "--dry-run", "--tasks", "5", "--array-parallelism", "2", "--time", "1:30:00",
                             "--partition", "short,long", "--jobs", "2", "--mtlab", "/opt/my mtlab/mtlab"])
        #expect(r.status == 0 && r.stderr.isEmpty, "\(r.stderr)")
        let root = lab.folder.path
        let dir = "\(root)/it'\\''s a $(touch pwned) `touch pwned`; dir"
        #expect(r.stdout == """
            # mtlab sweep --slurm --dry-run: nothing written or submitted.
            # \(root)/it's a $(touch pwned) `touch pwned`; dir/sweeps/../results/s/slurm/shards.sh:
            #!/bin/bash
            # Array task K runs shard K/5 of the sweep; written by mtlab sweep --slurm.
            #SBATCH --job-name=mtlab-s
            #SBATCH --cpus-per-task=2
            #SBATCH --time=1:30:00
            #SBATCH --partition=short,long
            set -euo pipefail
            cd -- \(root)
            exec '/opt/my mtlab/mtlab' sweep '\(s.replacingOccurrences(of: "'", with: "'\\''"))' --shard "${SLURM_ARRAY_TASK_ID}/5" --jobs 2
            # \(root)/it's a $(touch pwned) `touch pwned`; dir/sweeps/../results/s/slurm/collect.sh:
            #!/bin/bash
            # Writes the sweep's tables once every array task has ended; written by mtlab sweep --slurm.
            #SBATCH --job-name=mtlab-s-collect
            #SBATCH --cpus-per-task=1
            #SBATCH --time=1:30:00
            #SBATCH --partition=short,long
            set -euo pipefail
            cd -- \(root)
            exec '/opt/my mtlab/mtlab' sweep 'it'\\''s a $(touch pwned) `touch pwned`; dir/sweeps/s.toml' --collect
            # Submitted with:
            mkdir -p -- '\(dir)/sweeps/../results/s/slurm/logs'
            array=$(sbatch --parsable --array=1-5%2 '--output=\(dir)/sweeps/../results/s/slurm/logs/shards-%A_%a.log' '\(dir)/sweeps/../results/s/slurm/shards.sh')
            sbatch --parsable --dependency=afterany:"${array%%;*}" '--output=\(dir)/sweeps/../results/s/slurm/logs/collect-%j.log' '\(dir)/sweeps/../results/s/slurm/collect.sh'

            """)
        #expect(lab.entries() == before, "a dry run wrote files")
    }

    /// A folder outside the lab with stand-ins for sbatch (records its arguments, prints
    /// job ids 101, 102, … as `id;cluster`, or fails when told to) and squeue (lists nothing).
    private func fakeSlurm() throws -> (bin: URL, calls: URL) {
        let bin = FileManager.default.temporaryDirectory.appendingPathComponent("mtlab-fake-slurm-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        let calls = bin.appendingPathComponent("calls")
        try """
            #!/bin/sh
            if [ -n "${FAKE_SBATCH_FAILS:-}" ]; then echo "sbatch: error: Batch job submission failed: Invalid partition name specified" >&2; exit 1; fi
            n=$(cat "\(bin.path)/count" 2>/dev/null || echo 100); n=$((n + 1)); echo $n > "\(bin.path)/count"
            for a in "$@"; do printf '%s\\n' "$a" >> "\(calls.path)"; done
            echo "--" >> "\(calls.path)"
            echo "$n;mtlabtest"
            """.write(to: bin.appendingPathComponent("sbatch"), atomically: true, encoding: .utf8)
        try "#!/bin/sh\nexit 0\n".write(to: bin.appendingPathComponent("squeue"), atomically: true, encoding: .utf8)
        for tool in ["sbatch", "squeue"] {
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: bin.appendingPathComponent(tool).path)
        }
        return (bin, calls)
    }

    /// Runs a batch script with bash, from another folder, as a Slurm task would.
    private func runScript(_ path: String, task: Int?) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [path]
        process.currentDirectoryURL = URL(fileURLWithPath: "/")
        var environment = ProcessInfo.processInfo.environment
        if let task { environment["SLURM_ARRAY_TASK_ID"] = String(task) }
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    @Test func submissionScriptsRunTheShardsAndTheCollect() throws {
        let lab = try Lab(), local = try Lab()
        let (bin, calls) = try fakeSlurm()
        defer { try? FileManager.default.removeItem(at: bin) }
        let env = ["PATH": bin.path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")]
        let s = try writeSweep(lab, name: "s", operations: 2000)
        _ = try writeSweep(local, name: "s", operations: 2000)

        let failing = try lab.run(["sweep", s, "--slurm", "--tasks", "4"], environment: env.merging(["FAKE_SBATCH_FAILS": "1"]) { $1 })
        #expect(failing.status != 0)
        #expect(failing.stderr == "mtlab: error: sbatch: failed: sbatch: error: Batch job submission failed: Invalid partition name specified\n")

        let r = try lab.run(["sweep", s, "--slurm", "--tasks", "4"], environment: env)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == "array job 101: tasks 1-4 of 4 (task K runs shard K/4)\ncollect job 102: writes the tables when every task has ended\n")
        let slurm = lab.path("\(hostile)/sweeps/../results/s/slurm")
        #expect(try String(contentsOf: calls, encoding: .utf8) == """
            --parsable
            --array=1-4
            --output=\(slurm)/logs/shards-%A_%a.log
            \(slurm)/shards.sh
            --
            --parsable
            --dependency=afterany:101
            --output=\(slurm)/logs/collect-%j.log
            \(slurm)/collect.sh
            --

            """)
        #expect(try lab.readText("\(hostile)/results/s/slurm/jobs.json") == """
            {
              "mtlab_sweep_slurm": 1,
              "tasks": 4,
              "submissions": [
                {"array_job": "101", "array": "1-4", "collect_job": "102"}
              ]
            }

            """)
        #expect(lab.entries("\(hostile)/results/s/slurm") == ["collect.sh", "jobs.json", "logs", "shards.sh"])

        // Slurm's part, by hand: the tasks in any order, then the collect.
        for task in [3, 1, 4] { #expect(try runScript("\(slurm)/shards.sh", task: task) == 0) }
        let status = try lab.run(["sweep", s, "--status"], environment: env)
        #expect(status.status == 0, "\(status.stderr)")
        #expect(status.stdout == """
            sweep \(s): 48 distinct runs for 48 rows in \(hostile)/results/s
            done 36, failed 0, running 0, pending 0, missing 12
            slurm: 4 tasks (last array job 101, collect job 102)
            task  runs  done  failed  left  queue
               1    12    12       0     0  -
               2    12     0       0    12  -
               3    12    12       0     0  -
               4    12    12       0     0  -
            to run what is missing or failed: mtlab sweep \(quoted(s)) --slurm --resume

            """)
        #expect(try runScript("\(slurm)/collect.sh", task: nil) != 0, "collect with task 2 missing")

        let resumed = try lab.run(["sweep", s, "--slurm", "--resume"], environment: env)
        #expect(resumed.stdout == "array job 103: task 2 of 4 (task K runs shard K/4)\ncollect job 104: writes the tables when every task has ended\n")
        #expect(try runScript("\(slurm)/shards.sh", task: 2) == 0)
        #expect(try runScript("\(slurm)/collect.sh", task: nil) == 0)

        #expect(try local.run(["sweep", s, "--jobs", "2"]).status == 0)
        for table in tables {
            #expect(try lab.read("\(hostile)/results/s/\(table)") == local.read("\(hostile)/results/s/\(table)"), "\(table)")
        }
        let nothing = try lab.run(["sweep", s, "--slurm", "--resume"], environment: env)
        #expect(nothing.status == 0 && nothing.stdout.isEmpty)
        #expect(nothing.stderr.contains("every distinct run has a result; nothing to submit"), "\(nothing.stderr)")
        #expect(!lab.entries().contains { $0.hasSuffix("pwned") } && !FileManager.default.fileExists(atPath: "/pwned"))
    }

    @Test func statusOfALocalSweep() throws {
        let lab = try Lab()
        try lab.write("configs/base.toml", base)
        try lab.write("sweeps/r.toml", """
            base = "../configs/base.toml"
            output = "../results/r"
            [grid]
            "cache.replacement" = ["lru", "plru"]
            "cache.ways" = [2, 3]
            """)
        let before = try lab.run(["sweep", "sweeps/r.toml", "--status"])
        #expect(before.status == 0 && before.stdout == """
            sweep sweeps/r.toml: 4 distinct runs for 4 rows in results/r
            done 0, failed 0, running 0, pending 0, missing 4
            nothing has run yet: mtlab sweep sweeps/r.toml (or --slurm) runs it

            """, "\(before.stdout)\(before.stderr)")
        #expect(!lab.entries().contains("results"))
        #expect(try lab.run(["sweep", "sweeps/r.toml", "--shard", "2/2"]).status != 0)
        let after = try lab.run(["sweep", "sweeps/r.toml", "--status"])
        #expect(after.status == 0)
        let lines = after.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 5, "\(after.stdout)")
        #expect(lines.first == "sweep sweeps/r.toml: 4 distinct runs for 4 rows in results/r")
        #expect(lines.dropFirst().first == "done 1, failed 1, running 0, pending 0, missing 2")
        #expect(lines.dropFirst(2).first?.hasPrefix("failed: cache.replacement=plru cache.ways=3 seed=1: ") == true, "\(after.stdout)")
        #expect(lines.dropFirst(3).first == "to run what is missing or failed: mtlab sweep sweeps/r.toml --resume (or --slurm --resume)")
    }

    @Test func badSlurmOptionsGetOneClearError() throws {
        let lab = try Lab()
        let s = try writeSweep(lab, name: "s", operations: 2000)
        let cases: [(arguments: [String], message: String)] = [
            (["--slurm", "--dry-run", "--partition", "a b"], "--partition must be a partition name"),
            (["--slurm", "--dry-run", "--time", "1h"], "--time must be a Slurm time limit such as 90, 1:30:00 or 2-12:00:00, got '1h'"),
            (["--slurm", "--dry-run", "--tasks", "0"], "--tasks must be at least 1, got 0"),
            (["--slurm", "--dry-run", "--array-parallelism", "0"], "--array-parallelism must be at least 1, got 0"),
            (["--dry-run"], "--dry-run is an option of --slurm"),
            (["--partition", "p"], "--partition is an option of --slurm"),
            (["--status", "--jobs", "2"], "--status runs nothing"),
            (["--slurm", "--shard", "1/2"], "--slurm submits every shard and a collect job"),
            (["--slurm", "--resume", "--dry-run"], "holds no sweep yet: run the sweep first"),
        ]
        for (arguments, message) in cases {
            let r = try lab.run(["sweep", s] + arguments)
            #expect(r.status != 0 && r.stdout.isEmpty, "\(arguments)")
            #expect(r.stderr.hasPrefix("mtlab: error: ") && r.stderr.contains(message), "\(arguments): \(r.stderr)")
            #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
        }
        try lab.write("odd%dir/s.toml", "base = \"../\(hostile)/configs/base-s.toml\"\noutput = \"out\"\n")
        let odd = try lab.run(["sweep", "odd%dir/s.toml", "--slurm", "--dry-run"])
        #expect(odd.status != 0 && odd.stderr.contains("holds % or \\, which sbatch reads as log file name patterns"), "\(odd.stderr)")
    }
}
