import Foundation
import Reports

// Output helpers of `mtlab scan`, on top of Reports' JSONValue, TextTable and ranges(),
// and MTrace's hex().

extension JSONValue {
    /// An optional string as a string or null.
    static func string(_ s: String?) -> JSONValue { s.map(JSONValue.string) ?? .null }
}

extension TextTable.Column {
    /// A column headed `header`, right-aligned (for numbers) when `right`.
    init(_ header: String, right: Bool = false) {
        self.init(header: header, rightAligned: right)
    }
}

/// The footer under a table cut to `top` rows, or "".
func moreRows(_ total: Int, shown: Int) -> String {
    total > shown ? "  … \(total - shown) more (raise --top, or see --json)\n" : ""
}

/// `part / whole` with `decimals` digits, or "-" when `whole` is 0.
func ratioText(_ part: Double, _ whole: Double, decimals: Int = 2) -> String {
    whole == 0 ? "-" : fixedPoint(part / whole, decimals)
}
