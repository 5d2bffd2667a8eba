// HTTPRequestObserver: told of every answer a server gives to a dispatched request, for
// metrics. The method comes as a closed set (any other token is `other`), the route as the
// Router's template index: what it is told has bounded cardinality whatever clients send.

/// A request method as metrics see it: the methods of RFC 9110 section 9, else `other`.
public enum HTTPMethodLabel: Int, CaseIterable, Sendable {
    case get, head, post, put, patch, delete, options, other

    init(_ method: String) {
        switch method {
        case "GET": self = .get
        case "HEAD": self = .head
        case "POST": self = .post
        case "PUT": self = .put
        case "PATCH": self = .patch
        case "DELETE": self = .delete
        case "OPTIONS": self = .options
        default: self = .other
        }
    }

    public var text: String {
        switch self {
        case .get: return "GET"
        case .head: return "HEAD"
        case .post: return "POST"
        case .put: return "PUT"
        case .patch: return "PATCH"
        case .delete: return "DELETE"
        case .options: return "OPTIONS"
        case .other: return "other"
        }
    }
}

public protocol HTTPRequestObserver: AnyObject {
    /// A request was answered: `route` indexes Router.routeTemplates (0: none matched),
    /// `seconds` from its dispatch to the handler until its answer.
    func answered(method: HTTPMethodLabel, route: Int, status: Int, seconds: Double)
}
