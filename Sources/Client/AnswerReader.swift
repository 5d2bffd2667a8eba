// AnswerReader: the URLSession delegate that reads one answer at a time for APIClient, within
// bounds a hostile or broken server cannot stretch: it follows no redirect (the bearer token
// would go to whatever host a `Location` names; the 3xx itself is handed back), and it stops
// reading a body beyond `maxBytes`, cancelling the transfer, so that an endless answer cannot
// grow the CLI's memory without bound.
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

final class AnswerReader: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    /// What one exchange gave; written on the session's queue, read by the caller after `done`.
    final class Exchange: @unchecked Sendable {
        let done = DispatchSemaphore(value: 0)
        var data = Data()
        var response: URLResponse?
        var error: Error?
        /// The body passed `maxBytes` and the transfer was cancelled.
        var tooLarge = false
    }

    /// Bytes of body kept at most.
    let maxBytes: Int
    private let lock = NSLock()
    private var exchanges: [Int: Exchange] = [:]

    init(maxBytes: Int) {
        self.maxBytes = maxBytes
    }

    /// Starts `task`; its outcome lands in the returned exchange.
    func start(_ task: URLSessionTask) -> Exchange {
        let exchange = Exchange()
        lock.withLock { exchanges[task.taskIdentifier] = exchange }
        task.resume()
        return exchange
    }

    private func exchange(of task: URLSessionTask) -> Exchange? {
        lock.withLock { exchanges[task.taskIdentifier] }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
        completionHandler(nil)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        guard let exchange = exchange(of: dataTask) else { return completionHandler(.cancel) }
        exchange.response = response
        if response.expectedContentLength > Int64(maxBytes) {
            exchange.tooLarge = true
            return completionHandler(.cancel)
        }
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        guard let exchange = exchange(of: dataTask), !exchange.tooLarge else { return }
        guard exchange.data.count + data.count <= maxBytes else {
            exchange.tooLarge = true
            exchange.data = Data()
            dataTask.cancel()
            return
        }
        exchange.data.append(data)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        guard let exchange = lock.withLock({ exchanges.removeValue(forKey: task.taskIdentifier) }) else { return }
        if exchange.response == nil { exchange.response = task.response }
        exchange.error = error
        exchange.done.signal()
    }
}
