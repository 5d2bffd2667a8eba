// BodyValue: a JSON value the CLI sends (a job to create, the fields of a PATCH). Built from
// flags or read from a JSON or YAML file; written with sorted keys so that the same input
// always makes the same bytes.
import Foundation

public enum BodyValue: Equatable, Encodable {
    case string(String)
    case integer(Int64)
    case number(Double)
    case bool(Bool)
    case null
    case array([BodyValue])
    case object([String: BodyValue])

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let text): try container.encode(text)
        case .integer(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .bool(let value): try container.encode(value)
        case .null: try container.encodeNil()
        case .array(let items): try container.encode(items)
        case .object(let fields): try container.encode(fields)
        }
    }

    /// The value as JSON text (UTF-8, keys sorted, slashes unescaped).
    public func jsonData() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding these cases cannot fail but for a non-finite number, which no reader makes.
        return (try? encoder.encode(self)) ?? Data("null".utf8)
    }
}
