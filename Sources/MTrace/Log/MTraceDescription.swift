extension MTraceName {
    /// The name in double quotes, with `"` and `\` escaped and any byte that is not
    /// printable UTF-8 written as `\xNN`: one token that a reader can always split off.
    public var quoted: String {
        var out = "\""
        let text = String(validating: bytes, as: UTF8.self)
        if let text, !text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            for c in text {
                if c == "\"" || c == "\\" { out.append("\\") }
                out.append(c)
            }
        } else {
            for b in bytes {
                if b >= 0x20 && b < 0x7F && b != 0x22 && b != 0x5C {
                    out.append(Character(Unicode.Scalar(b)))
                } else {
                    out += "\\x" + twoHexDigits(b)
                }
            }
        }
        return out + "\""
    }
}

/// `0a`: a byte as two lowercase hex digits.
private func twoHexDigits(_ byte: UInt8) -> String {
    (byte < 16 ? "0" : "") + String(byte, radix: 16)
}

private func flagList(_ raw: UInt8, _ names: [(UInt8, String)]) -> String {
    var parts = names.filter { raw & $0.0 != 0 }.map(\.1)
    let rest = names.reduce(raw) { $0 & ~$1.0 }
    if rest != 0 { parts.append(hex(UInt64(rest))) }
    return parts.isEmpty ? "-" : parts.joined(separator: ",")
}

extension MTraceRecord: CustomStringConvertible {
    /// One line, as `mtlab dump` prints it: the type, the header (`cpu`, `ac` the access
    /// count, `ts`), then every field of the payload as `key=value`, strings quoted.
    public var description: String {
        let typeName = entry.type?.name ?? "unknown"
        var line = typeName + String(repeating: " ", count: max(0, 8 - typeName.count))
        line += " cpu=\(cpu) ac=\(accessCount) ts=\(timestamp) "
        switch entry {
        case .label(let e):
            line += "\(e.labelType) name=\(e.name.quoted) guest=\(hex(e.guestAddress)) bytes=\(e.bytes) pc=\(hex(e.pc)) host=\(hex(e.hostAddress))"
        case .access(let e):
            line += "\(e.accessType) guest=\(hex(e.guestAddress)) bytes=\(e.bytes) pc=\(hex(e.pc)) host=\(hex(e.hostAddress)) "
                + "flags=\(flagList(e.flags.rawValue, [(1, "traffic"), (2, "lock"), (4, "deps")]))"
        case .host(let e):
            if e.hostType == .setRecordMode {
                line += "\(e.hostType) mode=\(e.mode) name=\(e.name.quoted) global_ts=\(e.globalTS)"
            } else {
                line += "\(e.hostType) cpu=\(e.cpu) global_ts=\(e.globalTS)"
            }
        case .fcall(let e):
            line += "\(e.state) tid=\(e.tid) pc=\(hex(e.pc)) tag=\(hex(e.tag)) depth=\(e.depth)"
        case .segment(let e):
            line += "\(e.objectType) base=\(hex(e.baseAddress)) end=\(hex(e.endAddress)) segment_cpu=\(e.cpu)"
        case .call(let e):
            line += "\(e.kind) target=\(hex(e.targetPC)) return=\(hex(e.returnPC))"
        case .lock(let e):
            line += "\(e.op) lock=\(hex(e.lock)) name=\(e.name.quoted) pc=\(hex(e.pc)) read=\(e.read)"
        case .task(let e):
            line += "\(e.taskType) tid=\(e.tid) tgid=\(e.tgid) name=\(e.name.quoted)"
        case .sched(let e):
            line += "tid=\(e.tid)"
        case .machine(let e):
            line += "cpus=\(e.numCPUs) ram=\(e.numRAM) quantum=\(e.quantum) sample=\(e.sample) "
                + "flags=\(flagList(e.flags.rawValue, [(1, "locked"), (2, "calls")]))"
        case .appdata(let e):
            line += "type=\(e.appdataType) value=\(e.value)"
        case .ascope(let e):
            line += "\(e.isExit ? "exit" : "enter") name=\(e.name.quoted) flags=\(hex(UInt64(e.flags)))"
        case .avar(let e):
            line += "\(e.isWrite ? "write" : "read") name=\(e.name.quoted) flags=\(hex(UInt64(e.flags)))"
        case .gc(let e):
            line += "base=\(hex(e.base)) nbytes=\(e.nbytes) name=\(e.name.quoted) flags=\(flagList(e.flags, [(1, "rcu-free")]))"
        case .gcEpoch(let e):
            line += "\(e.isBegin ? "begin" : "end") flags=\(hex(UInt64(e.flags)))"
        case .unknown(let type, let payload):
            line += "type=\(type) size=\(size) payload=" + payload.map(twoHexDigits).joined()
        }
        return line
    }
}
