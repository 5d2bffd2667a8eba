// JobFile: a job (or an array of jobs) read from a file for `dsched jobs add -f` and `dsched jobs
// edit -f`: JSON when the name ends in .json, else YAML (YAML 1.2's core schema, through Yams,
// so `name: no` stays the string "no" and `startdate: 2026-03-29T01:00:00Z` stays the string
// the API takes). "-" reads standard input, as YAML. Every failure is a usage error (exit 2),
// and so is a file beyond the server's body limit or a YAML alias bomb: neither is sent.
import Foundation
import Yams

public enum JobFile {
    /// The largest file read, in bytes: the server's request body limit (HTTPLimits.maxBodyBytes,
    /// 1 MiB); a larger file could not be sent anyway.
    public static let maxBytes = 1 << 20
    /// The most nodes a YAML document may expand to, aliases counted each time they are used:
    /// far above any real batch of jobs, far below a "billion laughs" alias bomb.
    public static let maxNodes = 100_000

    /// Reads and parses the file at `path`; at most `maxBytes` are read, so `/dev/zero` or an
    /// endless standard input stop there (usage error).
    public static func read(_ path: String) throws(ClientError) -> BodyValue {
        let handle: FileHandle
        if path == "-" {
            handle = FileHandle.standardInput
        } else if let file = FileHandle(forReadingAtPath: path) {
            handle = file
        } else {
            throw .usage("cannot read \(path): \(String(cString: strerror(errno)))")
        }
        var data = Data()
        do {
            while data.count <= maxBytes, let chunk = try handle.read(upToCount: 64 * 1024), !chunk.isEmpty {
                data.append(chunk)
            }
        } catch {
            throw .usage("cannot read \(path): \((error as NSError).localizedFailureReason ?? error.localizedDescription)")
        }
        guard data.count <= maxBytes else {
            throw .usage("\(path) is larger than \(maxBytes) bytes, the server's request body limit; nothing sent")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw .usage("\(path) is not UTF-8")
        }
        return path.lowercased().hasSuffix(".json") ? try json(text, path: path) : try yaml(text, path: path)
    }

    /// JSON text → a body; numbers without a fraction stay integers.
    public static func json(_ text: String, path: String) throws(ClientError) -> BodyValue {
        let value: Any
        do {
            value = try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
        } catch {
            throw .usage("\(path) is not valid JSON: \((error as NSError).userInfo[NSDebugDescriptionErrorKey] ?? error.localizedDescription)")
        }
        return convert(value)
    }

    /// YAML text → a body: one document whose mappings have string keys.
    public static func yaml(_ text: String, path: String) throws(ClientError) -> BodyValue {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text, coreSchema)
        } catch {
            throw .usage("\(path) is not valid YAML: \(error)")
        }
        guard let root else { throw .usage("\(path) is empty") }
        var budget = maxNodes
        guard withinBudget(root, &budget) else {
            throw .usage("\(path) expands to more than \(maxNodes) YAML nodes (aliases counted each time they are used); not read")
        }
        return try convert(root, path: path)
    }

    /// YAML 1.2's core schema (https://yaml.org/spec/1.2.2/#103-core-schema), less .inf and
    /// .nan, which JSON cannot carry; anything else plain is a string.
    private static let coreSchema: Resolver = {
        // The patterns are fixed and valid; a failure here is a programming error.
        try! Resolver.basic
            .appending(.null, "^(?:~|null|Null|NULL|)$")
            .appending(.bool, "^(?:true|True|TRUE|false|False|FALSE)$")
            .appending(.int, "^[-+]?[0-9]+$")
            .appending(.float, "^[-+]?(?:\\.[0-9]+|[0-9]+(?:\\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$")
    }()

    /// Counts `node` and what it holds against `budget`, stopping as soon as it is spent: an
    /// alias shares its anchor's node, so a tree of 9 nested aliases of 9 holds 9^9 nodes
    /// while its text is 300 bytes.
    private static func withinBudget(_ node: Node, _ budget: inout Int) -> Bool {
        budget -= 1
        guard budget >= 0 else { return false }
        switch node {
        case .scalar, .alias:
            return true
        case .sequence(let sequence):
            return sequence.allSatisfy { withinBudget($0, &budget) }
        case .mapping(let mapping):
            return mapping.allSatisfy { withinBudget($0.key, &budget) && withinBudget($0.value, &budget) }
        }
    }

    private static func convert(_ node: Node, path: String) throws(ClientError) -> BodyValue {
        switch node {
        case .scalar(let scalar):
            switch Tag.Name(rawValue: node.tag.rawValue) {
            case .null: return .null
            case .bool: return .bool(scalar.string.lowercased() == "true")
            case .int: return Int64(scalar.string).map(BodyValue.integer) ?? .string(scalar.string)
            case .float: return Double(scalar.string).map(BodyValue.number) ?? .string(scalar.string)
            default: return .string(scalar.string)
            }
        case .sequence(let sequence):
            var items: [BodyValue] = []
            for item in sequence { items.append(try convert(item, path: path)) }
            return .array(items)
        case .mapping(let mapping):
            var fields: [String: BodyValue] = [:]
            for (key, value) in mapping {
                guard case .scalar(let name) = key else {
                    throw .usage("\(path): a mapping key must be a plain string (line \(key.mark?.line ?? 0))")
                }
                fields[name.string] = try convert(value, path: path)
            }
            return .object(fields)
        case .alias:
            throw .usage("\(path): aliases are not supported")
        }
    }

    private static func convert(_ value: Any) -> BodyValue {
        switch value {
        case let text as String:
            return .string(text)
        case let number as NSNumber:
            switch String(cString: number.objCType) {
            case "c", "B": return .bool(number.boolValue)
            case "d", "f": return .number(number.doubleValue)
            default: return .integer(number.int64Value)
            }
        case let items as [Any]:
            return .array(items.map(convert))
        case let fields as [String: Any]:
            return .object(fields.mapValues(convert))
        default:
            return .null
        }
    }
}
