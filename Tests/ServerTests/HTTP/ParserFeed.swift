// ParserFeed: feeds bytes to an HTTPRequestParser in pieces of a chosen size (as a socket
// might deliver them) and collects what it completes, for the parser's unit tests.
@testable import Server

enum ParserFeed {
    /// The requests completed and the failure that stopped parsing, if any. A piece the parser
    /// does not take whole while asking for more is a bug: `onStall` is told (tests assert).
    static func parse(_ bytes: [UInt8], limits: HTTPLimits = HTTPLimits(), pieceSize: Int = .max,
                      onStall: () -> Void = {}) -> (requests: [HTTPRequest], failure: HTTPRequestParser.Failure?) {
        let parser = HTTPRequestParser(limits: limits)
        var requests: [HTTPRequest] = []
        var start = 0
        while start < bytes.count {
            let piece = Array(bytes[start..<min(bytes.count, start + pieceSize)])
            var offset = 0
            while offset < piece.count {
                let (consumed, event) = piece.withUnsafeBytes { parser.parse(UnsafeRawBufferPointer(rebasing: $0[offset...]), now: 0) }
                offset += consumed
                switch event {
                case .request: requests.append(parser.take()!)
                case .needMore:
                    if offset != piece.count { onStall() }
                    if consumed == 0 { return (requests, nil) }
                case .failed(let failure): return (requests, failure)
                }
            }
            start += piece.count
        }
        return (requests, nil)
    }
}
