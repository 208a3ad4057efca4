import Reports

/// The look of every plot: sized for one column of a two-column paper (3.3 × 2.4 inches,
/// 8-point text), colour-blind-safe lines (Okabe–Ito), and labels with units derived from
/// the metric and key names.
enum PlotStyle {
    /// The image format an output name asks for.
    enum Format: String {
        case png, svg, pdf

        init?(path: String) {
            guard let dot = path.lastIndex(of: "."), !path[dot...].contains("/") else { return nil }
            self.init(rawValue: path[path.index(after: dot)...].lowercased())
        }

        /// A font three quarters the size of the text, for cell labels (sizes are absolute).
        var smallFont: String {
            switch self {
            case .png: return "\",20\""
            case .pdf: return "\",6\""
            case .svg: return "\",8\""
            }
        }

        /// The gnuplot terminal: 3.3 × 2.4 in; PNG at 300 dpi (cairo sizes its fonts for
        /// 72 dpi, so 26 "points" there read as about 8 points at print size).
        var terminal: String {
            switch self {
            case .png: return #"set terminal pngcairo size 990,720 noenhanced font "DejaVu Sans,26" linewidth 3 rounded"#
            case .pdf: return #"set terminal pdfcairo size 3.3in,2.4in noenhanced font "DejaVu Sans,8" fontscale 1.0 linewidth 1.5 rounded"#
            case .svg: return #"set terminal svg size 317,230 dynamic noenhanced font "DejaVu Sans,10.5" linewidth 1.5 rounded"#
            }
        }
    }

    /// Okabe–Ito colours with distinct point shapes, so series stay apart in print and in grey.
    static let lineTypes: [String] = [
        ("#0072B2", 7), ("#D55E00", 5), ("#009E73", 9), ("#CC79A7", 11),
        ("#E69F00", 13), ("#56B4E9", 4), ("#000000", 6), ("#F0E442", 8),
    ].enumerated().map { i, style in
        "set linetype \(i + 1) linecolor rgb \"\(style.0)\" linewidth 1.2 pointtype \(style.1) pointsize 0.9"
    }

    /// Settings shared by the line kinds.
    static let preamble: [String] = lineTypes + [
        "set linetype cycle \(lineTypes.count)",
        "set border 3 linewidth 0.8",
        "set tics nomirror out scale 0.6",
        "set grid xtics ytics linecolor rgb \"#dddddd\" linewidth 0.6 dashtype solid",
    ]

    /// Axis and legend text for a column name: a phrase with its unit.
    static func label(_ name: String) -> String {
        if let known = labels[name] { return isBytes(name) ? known + " (bytes)" : known }
        if CoherenceCounterNames.contains(name) {
            return sentence(name) + " (line accesses)"
        }
        // A cache level's counter from a sweep of hierarchies: level names are capitalised
        // (L2, LLC), config tables are not.
        if let dot = name.firstIndex(of: "."), name.first?.isUppercase == true {
            return name[..<dot] + " " + name[name.index(after: dot)...].replacingOccurrences(of: "_", with: " ")
        }
        return sentence(name.split(separator: ".").last.map(String.init) ?? name)
    }

    /// The label of a byte column whose tics carry the unit ("32 KiB"): no "(bytes)".
    static func labelWithoutUnit(_ name: String) -> String {
        labels[name] ?? sentence(name.split(separator: ".").last.map(String.init) ?? name)
    }

    /// `false_sharing_misses` → "False sharing misses".
    static func sentence(_ name: String) -> String {
        let words = name.replacingOccurrences(of: "_", with: " ")
        return words.prefix(1).uppercased() + words.dropFirst()
    }

    /// Columns measured in bytes: their axes get binary prefixes (KiB, MiB).
    static func isBytes(_ name: String) -> Bool {
        ["bytes", "cache.size", "cache.line_size", "workload.working_set", "workload.stride", "workload.access_size"].contains(name)
    }

    static let labels: [String: String] = [
        "bytes": "Cache size", "cache.size": "Cache size", "lines": "Lines",
        "ways": "Associativity (ways)", "cache.ways": "Associativity (ways)", "cache.sets": "Sets per cache",
        "cache.line_size": "Line size", "cache.replacement": "Replacement", "coherence.protocol": "Protocol",
        "system.cpus": "CPUs", "system.seed": "Seed", "cpu": "CPU",
        "workload.generator": "Workload", "workload.operations": "Operations per CPU",
        "workload.stride": "Stride", "workload.working_set": "Working set",
        "workload.access_size": "Access size", "workload.write_fraction": "Write fraction",
        "cycles": "Cycles (cost model)", "average_access_time": "Average access time (cycles)",
        "level.1.inclusion": "Inclusion of level 2", "level.2.inclusion": "LLC inclusion",
        "miss_ratio": "Miss ratio", "movement": "Movement (transfers + invalidations)",
        "movement_per_operation": "Movement per operation",
        "misses_per_operation": "Misses per operation", "operations": "Operations",
        "accesses": "Line accesses",
    ]

    static let CoherenceCounterNames: Set<String> = [
        "reads", "writes", "atomics", "hits", "misses", "cold_misses", "coherence_misses",
        "replacement_misses", "true_sharing_misses", "false_sharing_misses", "upgrades",
        "invalidations", "transfers", "hitm", "writebacks", "evictions",
    ]

    /// A gnuplot string literal that stays one literal whatever `s` holds: single-quoted,
    /// where gnuplot expands neither backquotes (shell commands) nor `@` macros, with quotes
    /// doubled and line breaks shown as text, since a newline would end the command.
    static func quote(_ s: String) -> String {
        "'" + visible(s).replacingOccurrences(of: "'", with: "''") + "'"
    }

    /// Text for a `#` comment line of a script or data file: one line, never ending in a
    /// backslash (gnuplot continues a comment that does).
    static func comment(_ s: String) -> String {
        let text = visible(s)
        return text.hasSuffix("\\") ? text + " " : text
    }

    /// A field of a tab-separated data file: no tab or line break can split it.
    static func field(_ s: String) -> String {
        visible(s).replacingOccurrences(of: "\t", with: " ")
    }

    /// `s` with control characters spelled out (`\n`, `\u001b`), so none reaches gnuplot raw.
    static func visible(_ s: String) -> String { escaped(s) }
}
