// RedisReply: a hiredis reply copied into Swift values, so that nothing outlives the C reply
// (hiredis frees it as soon as the callback returns).
import CEventLoop

public enum RedisReply: Equatable, Sendable {
    case string(String)
    case integer(Int64)
    case array([RedisReply])
    case null
    case status(String)
    case error(String)

    init(_ reply: UnsafePointer<redisReply>) {
        let r = reply.pointee
        func text() -> String {
            guard let bytes = r.str, r.len > 0 else { return "" }
            return String(decoding: UnsafeRawBufferPointer(start: bytes, count: Int(r.len)), as: UTF8.self)
        }
        switch r.type {
        case REDIS_REPLY_STRING: self = .string(text())
        case REDIS_REPLY_STATUS: self = .status(text())
        case REDIS_REPLY_ERROR: self = .error(text())
        case REDIS_REPLY_INTEGER: self = .integer(Int64(r.integer))
        case REDIS_REPLY_ARRAY:
            var elements: [RedisReply] = []
            elements.reserveCapacity(Int(r.elements))
            for index in 0..<Int(r.elements) {
                if let element = r.element[index] {
                    elements.append(RedisReply(UnsafePointer(element)))
                } else {
                    elements.append(.null)
                }
            }
            self = .array(elements)
        default: self = .null
        }
    }

    /// The reply as text: a bulk or status string, or an integer's digits.
    public var text: String? {
        switch self {
        case .string(let value), .status(let value): return value
        case .integer(let value): return String(value)
        default: return nil
        }
    }

    /// The reply as an integer: an integer, or a string of digits.
    public var integer: Int64? {
        switch self {
        case .integer(let value): return value
        case .string(let value): return Int64(value)
        default: return nil
        }
    }

    public var elements: [RedisReply] {
        if case .array(let elements) = self { return elements }
        return []
    }
}
