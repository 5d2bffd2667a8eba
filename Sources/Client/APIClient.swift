// APIClient: one HTTP exchange with the dsched API at a time, through FoundationNetworking's
// URLSession (libcurl underneath; Debian's libcurl4 at run time). The CLI makes a handful of
// requests and exits, so each call blocks until its answer: no event loop is worth its cost
// here.
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

    public let address: ServerAddress
    private let token: String?
    private let session: URLSession

    /// `token`: sent as `Authorization: Bearer` when non-empty. `timeout`: seconds without
    /// progress before a request is given up (exit 3).
    public init(address: ServerAddress, token: String?, timeout: TimeInterval = 30) {
        self.address = address
        self.token = token.flatMap { $0.isEmpty ? nil : $0 }
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.httpAdditionalHeaders = ["User-Agent": "dsched-cli"]
        session = URLSession(configuration: configuration)
    }

    deinit {
        session.finishTasksAndInvalidate()
    }

    /// Sends one request; a 2xx answer is returned, any other becomes `.refused` with the
    /// server's error body, no answer at all `.unreachable`.
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
        let exchange = Exchange()
        session.dataTask(with: request) { data, response, error in
            exchange.finish(data: data, response: response, error: error)
        }.resume()
        exchange.done.wait()
        if let error = exchange.error {
            throw .unreachable("cannot reach \(address.base): \(error.localizedDescription)")
        }
        guard let response = exchange.response as? HTTPURLResponse else {
            throw .unreachable("\(address.base) sent no HTTP answer")
        }
        let data = exchange.data ?? Data()
        guard (200..<300).contains(response.statusCode) else {
            throw .refused(ServerRefusal(status: response.statusCode, body: data))
        }
        return Answer(status: response.statusCode, body: data)
    }

    /// Sends one request and reads its answer as a JSON object.
    public func object(_ method: String, _ path: String, query: [(String, String)] = [], body: BodyValue? = nil) throws(ClientError) -> JSONObject {
        let answer = try send(method, path, query: query, body: body)
        return try JSONObject.parse(answer.body, from: "\(method) \(path)")
    }

    /// What the completion handler hands over, and the semaphore the caller waits on. The
    /// handler runs on the session's queue; `done` orders its writes before the caller's reads.
    private final class Exchange: @unchecked Sendable {
        let done = DispatchSemaphore(value: 0)
        var data: Data?
        var response: URLResponse?
        var error: Error?

        func finish(data: Data?, response: URLResponse?, error: Error?) {
            self.data = data
            self.response = response
            self.error = error
            done.signal()
        }
    }
}
