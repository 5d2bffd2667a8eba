// AuthenticatorTests: a refused request gets a 401 carrying the bearer challenge that RFC 9110
// §11.6.1 requires of every 401 (RFC 6750 §3 for its form), and a good token passes.
import XCTest
@testable import Server

final class AuthenticatorTests: XCTestCase {
    private let authenticator = Authenticator(token: "s3cret")

    private func refusal(_ headers: [(String, String)]) throws -> HTTPResponse {
        let request = HTTPRequest(method: "GET", target: "/jobs", headers: HTTPHeaders(headers.map { (name: $0.0, value: $0.1) }))
        return try XCTUnwrap(authenticator.check(request)).response
    }

    func testARequestWithoutATokenGetsTheBearerChallenge() throws {
        let response = try refusal([])
        XCTAssertEqual(response.status, .unauthorized)
        XCTAssertEqual(response.headers["WWW-Authenticate"], #"Bearer realm="dsched""#)
    }

    func testAWrongTokenGetsTheInvalidTokenChallenge() throws {
        for header in ["Bearer wrong", "Basic czNjcmV0"] {
            let response = try refusal([("Authorization", header)])
            XCTAssertEqual(response.status, .unauthorized, header)
            let expected = header.hasPrefix("Bearer") ? #"Bearer realm="dsched", error="invalid_token""# : #"Bearer realm="dsched""#
            XCTAssertEqual(response.headers["WWW-Authenticate"], expected, header)
        }
    }

    func testTheNodesTokenPasses() {
        let request = HTTPRequest(method: "GET", target: "/jobs", headers: HTTPHeaders([("Authorization", "Bearer s3cret")]))
        XCTAssertNil(authenticator.check(request))
    }
}
