import Foundation

extension CSVTable {
    /// A sweep's `results.csv` widened with what each point's report (`points/<point>.json`)
    /// holds for a cache hierarchy: `LEVEL.COUNTER`, every level's total counters (such as
    /// `LLC.back_invalidations`), and `cycles` and `average_access_time` when it has timing.
    /// A table whose points have no hierarchy comes back as it is; a point whose report
    /// cannot be read leaves its cells empty, which a plot of them reports.
    func addingHierarchyColumns(points folder: String) -> CSVTable {
        guard let point = columns.firstIndex(of: "point"), columns.contains("seed") else { return self }
        var names: [String] = []
        var valuesByPoint: [String: [String: String]] = [:]
        for key in Set(rows.map { $0[point] }).sorted() {
            // Keys are hexadecimal hashes; anything else is not a point of this folder.
            guard !key.isEmpty, key.allSatisfy(\.isHexDigit),
                  let data = FileManager.default.contents(atPath: folder + "/points/" + key + ".json"),
                  let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
                  let run = object["run"] as? [String: Any] else { continue }
            var values: [String: String] = [:]
            func add(_ name: String, _ value: Any?) {
                guard let number = value as? NSNumber else { return }
                if !names.contains(name) { names.append(name) }
                values[name] = number.stringValue
            }
            for level in (run["levels"] as? [[String: Any]] ?? []) + [run["icache"] as? [String: Any]].compactMap({ $0 }) {
                guard let name = level["name"] as? String, let totals = level["totals"] as? [String: Any] else { continue }
                for counter in totals.keys.sorted() { add(name + "." + counter, totals[counter]) }
            }
            if let totals = (run["timing"] as? [String: Any])?["totals"] as? [String: Any] {
                add("cycles", totals["cycles"])
                add("average_access_time", totals["average_access_time"])
            }
            valuesByPoint[key] = values
        }
        let added = names.filter { !columns.contains($0) }
        guard !added.isEmpty else { return self }
        return CSVTable(file: file, columns: columns + added,
                        rows: rows.map { row in row + added.map { valuesByPoint[row[point]]?[$0] ?? "" } })
    }
}
