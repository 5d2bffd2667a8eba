// Router: method + path pattern → handler, with `{name}` path parameters.
//
// Unknown path → 404; known path, other method → 405 with `Allow`; a path or query parameter
// that is not text once percent-decoded (not UTF-8, or holding NUL) → 400 naming it, so no
// handler sees one. A GET route also answers HEAD (the connection drops the body). Patterns
// without parameters are found by one dictionary look-up; patterns with parameters are tried
// in the order they were added. Each pattern has an index in `routeTemplates`, which the
// Responder carries to the connection, so that metrics count answers by template (a bounded
// set) and never by raw path; index 0 is every path no route matches.
public final class Router {
    private struct Route {
        let segments: [Segment]
        let index: Int
        var handlers: [String: HTTPServer.Handler]
    }

    private enum Segment: Equatable {
        case literal(Substring)
        case parameter(String)
    }

    private var exact: [String: (index: Int, handlers: [String: HTTPServer.Handler])] = [:]
    private var patterns: [Route] = []
    /// The patterns added, as written (`/jobs/{id}`), by index; index 0 is `unmatched`.
    public private(set) var routeTemplates = [Router.unmatched]
    public static let unmatched = "unmatched"

    public init() {}

    public func add(_ method: String, _ pattern: String, _ handler: @escaping HTTPServer.Handler) {
        let segments = pattern.split(separator: "/").map { part -> Segment in
            if part.hasPrefix("{") && part.hasSuffix("}") {
                return .parameter(String(part.dropFirst().dropLast()))
            }
            return .literal(part)
        }
        if segments.allSatisfy({ if case .literal = $0 { return true } else { return false } }) {
            let path = "/" + segments.map { if case .literal(let text) = $0 { return String(text) } else { return "" } }.joined(separator: "/")
            exact[path, default: (templateIndex(path), [:])].handlers[method] = handler
            return
        }
        if let index = patterns.firstIndex(where: { $0.segments == segments }) {
            patterns[index].handlers[method] = handler
        } else {
            patterns.append(Route(segments: segments, index: templateIndex(pattern), handlers: [method: handler]))
        }
    }

    private func templateIndex(_ template: String) -> Int {
        routeTemplates.append(template)
        return routeTemplates.count - 1
    }

    /// The handler entry point for HTTPServer.
    public func handle(_ request: HTTPRequest, _ responder: Responder) {
        var request = request
        var responder = responder
        let path = request.path
        let normalized = path.count > 1 && path.hasSuffix("/") ? path.dropLast() : path
        let handlers: [String: HTTPServer.Handler]
        var sentParameters: [String: Substring] = [:]
        if let found = exact[String(normalized)] {
            handlers = found.handlers
            responder.route = found.index
        } else if let (route, parameters) = match(normalized) {
            handlers = route.handlers
            responder.route = route.index
            sentParameters = parameters
        } else {
            responder.respond(.error(.notFound, code: "not_found", message: "no resource at \(path)"))
            return
        }
        let method = request.method == "HEAD" && handlers["HEAD"] == nil ? "GET" : request.method
        guard let handler = handlers[method] else {
            var allowed = Set(handlers.keys)
            if allowed.contains("GET") { allowed.insert("HEAD") }
            let allow = allowed.sorted().joined(separator: ", ")
            responder.respond(.error(.methodNotAllowed, code: "method_not_allowed",
                                     message: "\(request.method) is not allowed on \(path); allowed: \(allow)",
                                     headers: HTTPHeaders([("Allow", allow)])))
            return
        }
        for (name, sent) in sentParameters.sorted(by: { $0.key < $1.key }) {
            guard let text = PercentDecoding.text(sent) else { return responder.respond(Self.notText(name)) }
            request.pathParameters[name] = text
        }
        if let name = request.invalidQueryParameter {
            return responder.respond(Self.notText(String(name)))
        }
        handler(request, responder)
    }

    /// The 400 for a parameter that is not text once percent-decoded.
    private static func notText(_ name: String) -> HTTPResponse {
        .error(.badRequest, code: "invalid_value", message: "\(name): must be UTF-8 text without NUL once percent-decoded", field: name)
    }

    /// The first pattern `path` matches, and its parameters as sent.
    private func match(_ path: Substring) -> (Route, [String: Substring])? {
        let parts = path.split(separator: "/")
        for route in patterns where route.segments.count == parts.count {
            var parameters: [String: Substring] = [:]
            var matched = true
            for (segment, part) in zip(route.segments, parts) {
                switch segment {
                case .literal(let text):
                    if text != part { matched = false }
                case .parameter(let name):
                    parameters[name] = part
                }
                if !matched { break }
            }
            if matched { return (route, parameters) }
        }
        return nil
    }
}
