// PostgresArrayLiteral: a one-dimensional array parameter in PostgreSQL's text format,
// `{"a","b\"c",NULL}`. Every element is quoted, so no content needs more than the two escapes
// the format defines (backslash and double quote).
struct PostgresArrayLiteral {
    private var bytes: [UInt8] = [UInt8(ascii: "{")]

    mutating func append(_ value: String?) {
        if bytes.count > 1 {
            bytes.append(UInt8(ascii: ","))
        }
        guard let value else {
            bytes.append(contentsOf: "NULL".utf8)
            return
        }
        bytes.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                bytes.append(UInt8(ascii: "\\"))
            }
            bytes.append(byte)
        }
        bytes.append(UInt8(ascii: "\""))
    }

    var text: String {
        String(decoding: bytes + [UInt8(ascii: "}")], as: UTF8.self)
    }
}
