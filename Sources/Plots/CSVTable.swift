import Foundation

/// A CSV file read whole: a header and rows of text cells (RFC 4180 quoting), for plots.
public struct CSVTable {
    public let file: String
    public let columns: [String]
    public let rows: [[String]]

    /// Reads `path`; throws ``PlotError`` naming the file for a missing or ragged table.
    public static func read(path: String) throws -> CSVTable {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw PlotError("\(path): cannot read the file")
        }
        var records = parse(text)
        guard !records.isEmpty else { throw PlotError("\(path): is empty; expected a CSV table with a header row") }
        let columns = records.removeFirst()
        for (i, r) in records.enumerated() where r.count != columns.count {
            throw PlotError("\(path):\(i + 2): has \(r.count) fields where the header has \(columns.count)")
        }
        return CSVTable(file: path, columns: columns, rows: records)
    }

    init(file: String, columns: [String], rows: [[String]]) {
        self.file = file
        self.columns = columns
        self.rows = rows
    }

    /// The index of column `name`; throws ``PlotError`` listing the columns there are.
    public func column(_ name: String, for purpose: String) throws -> Int {
        guard let i = columns.firstIndex(of: name) else {
            throw PlotError("\(file): has no column \(name) (asked for \(purpose)); its columns are \(columns.joined(separator: ", "))")
        }
        return i
    }

    /// Records of `text`: fields split at commas outside quotes, `""` inside quotes is a quote.
    static func parse(_ text: String) -> [[String]] {
        var records: [[String]] = []
        var record: [String] = []
        var field = ""
        var quoted = false
        var fieldStarted = false
        var iterator = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = nil
        func endField() { record.append(field); field = ""; fieldStarted = false }
        func endRecord() {
            endField()
            if !(record.count == 1 && record[0].isEmpty) { records.append(record) }
            record = []
        }
        while let c = pending ?? iterator.next() {
            pending = nil
            if quoted {
                if c == "\"" {
                    if let n = iterator.next() {
                        if n == "\"" { field.unicodeScalars.append("\"") } else { quoted = false; pending = n }
                    } else { quoted = false }
                } else {
                    field.unicodeScalars.append(c)
                }
                continue
            }
            switch c {
            case "\"" where !fieldStarted && field.isEmpty: quoted = true; fieldStarted = true
            case ",": endField()
            case "\r": break
            case "\n": endRecord()
            default: field.unicodeScalars.append(c); fieldStarted = true
            }
        }
        if !field.isEmpty || !record.isEmpty { endRecord() }
        return records
    }
}
