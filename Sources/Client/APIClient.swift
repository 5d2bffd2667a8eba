// APIClient: one HTTP exchange with the dsched API at a time, through FoundationNetworking's
// URLSession (libcurl underneath; Debian's libcurl4 at run time). The CLI makes a handful of
// requests and exits, so each call blocks until its answer: no event loop is worth its cost
// here. Answers are read by AnswerReader: no redirect is followed, bodies are bounded.
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

public final class APIClient {
    /// An answer with a 2xx status.
    public struct Answer {
        public let status: Int
        public let body: Data
    }

    /// The largest answer body read, in bytes: 512 MiB. The largest legitimate answer is a
    /// page of 1000 jobs or runs: a job's script is at most 64 KiB and a run's output by
    /// default 64 KiB, and JSON writes a control byte as six (`\u001b`), so a page stays under
    /// 1000 × 6 × 64 KiB = 384 MiB. (A node whose --output-limit is raised far above the
    /// default can exceed it on `runs list`; a smaller --limit reads such runs.)
    public static let maxAnswerBytes = 512 << 20

    public let address: ServerAddress
    private let token: String?
    private let deadline: TimeInterval
    private let reader: AnswerReader
    private let session: URLSession

    /// `token`: sent as `Authorization: Bearer` when non-empty. `timeout`: seconds without
    /// progress before a request is given up (exit 3); `deadline`: seconds a whole exchange
    /// may take however it progresses (a server dripping a byte at a time), exit 3 beyond.
    /// `maxAnswerBytes`: the body bound (exit 3 beyond).
    public init(address: ServerAddress, token: String?, timeout: TimeInterval = 30, deadline: TimeInterval = 300,
                maxAnswerBytes: Int = APIClient.maxAnswerBytes) {
        self.address = address
        self.token = token.flatMap { $0.isEmpty ? nil : $0 }
        self.deadline = deadline
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = deadline
        configuration.httpAdditionalHeaders = ["User-Agent": "dsched-cli"]
        reader = AnswerReader(maxBytes: maxAnswerBytes)
        session = URLSession(configuration: configuration, delegate: reader, delegateQueue: nil)
    }

    deinit {
        session.invalidateAndCancel()
    }

    /// Sends one request; a 2xx answer is returned, a 4xx or 5xx becomes `.refused` with the
    /// server's error body; no answer, a redirect (3xx: never followed, the token would go
    /// along), a body beyond `maxAnswerBytes` or an exchange beyond the deadline `.unreachable`.
    public func send(_ method: String, _ path: String, query: [(String, String)] = [], body: BodyValue? = nil) throws(ClientError) -> Answer {
        var request = URLRequest(url: address.url(path, query: query))
        request.httpMethod = method
        if let token {
            request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        }
        if let body {
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = body.jsonData()
        }
        let task = session.dataTask(with: request)
        let exchange = reader.start(task)
        if exchange.done.wait(timeout: .now() + deadline + 1) == .timedOut {
            task.cancel()
            throw .unreachable("\(address.base) did not answer \(method) \(path) within \(Int(deadline)) s")
        }
        if exchange.tooLarge {
            throw .unreachable("the answer of \(address.base) to \(method) \(path) is larger than \(reader.maxBytes) bytes; not read")
        }
        if let error = exchange.error {
            throw .unreachable("cannot reach \(address.base): \(error.localizedDescription)")
        }
        guard let response = exchange.response as? HTTPURLResponse else {
            throw .unreachable("\(address.base) sent no HTTP answer")
        }
        if (300..<400).contains(response.statusCode) {
            let location = (response.value(forHTTPHeaderField: "Location")).map { " to \($0)" } ?? ""
            throw .unreachable("\(address.base) answered \(method) \(path) with HTTP \(response.statusCode), a redirect\(location): "
                + "not followed (the token would go along); point --server/DSCHED_URL at the API itself")
        }
        guard (200..<300).contains(response.statusCode) else {
            throw .refused(ServerRefusal(status: response.statusCode, body: exchange.data))
        }
        return Answer(status: response.statusCode, body: exchange.data)
    }

    /// Sends one request and reads its answer as a JSON object.
    public func object(_ method: String, _ path: String, query: [(String, String)] = [], body: BodyValue? = nil) throws(ClientError) -> JSONObject {
        let answer = try send(method, path, query: query, body: body)
        return try JSONObject.parse(answer.body, from: "\(method) \(path)")
    }
}
