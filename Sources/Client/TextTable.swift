// TextTable: rows of cells laid out in columns two spaces apart under a header, the way ps and
// kubectl print: numbers right-aligned, text left-aligned, no trailing spaces. A cell may carry
// a colour: widths are measured on the plain text and the colour is added after padding, so
// coloured and plain tables line up alike. Cells show control characters as escapes
// (TerminalText), so a job's name cannot drive the terminal.
public struct TextTable {
    public struct Column {
        public let title: String
        public let rightAligned: Bool

        public init(_ title: String, rightAligned: Bool = false) {
            self.title = title
            self.rightAligned = rightAligned
        }
    }

    public struct Cell {
        public let text: String
        public let colour: Palette.Colour?

        /// `text` comes from the server: its control characters are made visible (TerminalText).
        public init(_ text: String, colour: Palette.Colour? = nil) {
            self.text = TerminalText.visible(text)
            self.colour = colour
        }
    }

    public let columns: [Column]
    public private(set) var rows: [[Cell]] = []

    public init(_ columns: [Column]) {
        self.columns = columns
    }

    /// Adds a row; it must have one cell per column.
    public mutating func add(_ cells: [Cell]) {
        precondition(cells.count == columns.count, "a row has \(cells.count) cells for \(columns.count) columns")
        rows.append(cells)
    }

    /// The table, one line per row after the header, each ending in "\n".
    public func render(_ palette: Palette) -> String {
        let header = columns.map { Cell($0.title) }
        var widths = columns.map { $0.title.count }
        for row in rows {
            for (index, cell) in row.enumerated() {
                widths[index] = max(widths[index], cell.text.count)
            }
        }
        var output = ""
        for row in [header] + rows {
            var line = ""
            for (index, cell) in row.enumerated() {
                let padding = String(repeating: " ", count: widths[index] - cell.text.count)
                let isLast = index == row.count - 1
                let painted = palette.paint(cell.text, cell.colour)
                if columns[index].rightAligned {
                    line += padding + painted
                } else {
                    line += painted + (isLast ? "" : padding)
                }
                if !isLast { line += "  " }
            }
            while line.hasSuffix(" ") { line.removeLast() }
            output += line + "\n"
        }
        return output
    }
}
