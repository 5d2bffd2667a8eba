// JSONObject: an object of the server's JSON, read leniently: the tables take the fields they
// show and ignore the rest, so a server with more fields than this client knows still works.
import Foundation

public struct JSONObject {
    public let fields: [String: Any]

    public init(_ fields: [String: Any]) {
        self.fields = fields
    }

    /// Parses an answer body; `.unreachable` (exit 3) when it is not a JSON object, since the
    /// API answers nothing else.
    public static func parse(_ data: Data, from request: String) throws(ClientError) -> JSONObject {
        guard let value = try? JSONSerialization.jsonObject(with: data), let fields = value as? [String: Any] else {
            throw .unreachable("the answer to \(request) is not a JSON object")
        }
        return JSONObject(fields)
    }

    public subscript(key: String) -> Any? {
        fields[key].flatMap { $0 is NSNull ? nil : $0 }
    }

    public func string(_ key: String) -> String? {
        self[key] as? String
    }

    /// An integer field (JSON numbers arrive as NSNumber or Int).
    public func integer(_ key: String) -> Int64? {
        guard let number = self[key] as? NSNumber, Self.kind(of: number) == .integer else { return nil }
        return number.int64Value
    }

    /// A number field, integer or not.
    public func number(_ key: String) -> Double? {
        guard let number = self[key] as? NSNumber, Self.kind(of: number) != .bool else { return nil }
        return number.doubleValue
    }

    public func bool(_ key: String) -> Bool? {
        guard let number = self[key] as? NSNumber, Self.kind(of: number) == .bool else { return nil }
        return number.boolValue
    }

    public func object(_ key: String) -> JSONObject? {
        (self[key] as? [String: Any]).map(JSONObject.init)
    }

    public func objects(_ key: String) -> [JSONObject] {
        ((self[key] as? [Any]) ?? []).compactMap { ($0 as? [String: Any]).map(JSONObject.init) }
    }

    /// A field as text for a table cell: strings as they are, numbers in decimal, null as "-".
    public func text(_ key: String) -> String {
        switch self[key] {
        case nil: return "-"
        case let text as String: return text
        case let value?:
            if let flag = bool(key) { return flag ? "true" : "false" }
            if let integer = integer(key) { return String(integer) }
            if let number = number(key) { return String(number) }
            return "\(value)"
        }
    }

    private enum NumberKind { case bool, integer, real }

    /// JSONSerialization gives every JSON number and boolean as an NSNumber; its Objective-C
    /// type code tells them apart ("c" for a boolean, "d"/"f" for a fraction).
    private static func kind(of number: NSNumber) -> NumberKind {
        switch String(cString: number.objCType) {
        case "c", "B": return .bool
        case "d", "f": return .real
        default: return .integer
        }
    }
}
