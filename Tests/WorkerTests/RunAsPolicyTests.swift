// The user a run's script runs as (issue 11, row 4): the job's `run_as` only from this node's
// `--allowed-users` (checked again by the worker, since nodes may differ), the node's user when
// the job names none, and never a fallback to another user when the job's cannot be used.
import Glibc
import XCTest
@testable import Worker

final class RunAsPolicyTests: XCTestCase {
    func testAJobWithoutRunAsRunsAsTheNodesUser() throws {
        let me = try RunAsUser.resolve(String(cString: getpwuid(geteuid())!.pointee.pw_name))
        XCTAssertNil(try RunAsPolicy().user(for: nil))
        XCTAssertEqual(try RunAsPolicy(nodeUser: me, allowedUsers: ["nobody"]).user(for: nil), me)
    }

    func testAUserOutsideTheAllowListIsRefusedNotReplaced() {
        let policies = [RunAsPolicy(), RunAsPolicy(allowedUsers: ["nobody"])]
        for policy in policies {
            XCTAssertThrowsError(try policy.user(for: "root")) { error in
                XCTAssertEqual(error as? ScriptRunError, .notAllowed(user: "root"))
                XCTAssertEqual("\(error)", "run_as: user root is not in this node's --allowed-users")
            }
        }
    }

    func testAnAllowedUserThatDoesNotExistHereIsRefusedWithTheReason() {
        let policy = RunAsPolicy(allowedUsers: ["no-such-user-dsched"])
        XCTAssertThrowsError(try policy.user(for: "no-such-user-dsched")) { error in
            XCTAssertEqual(error as? ScriptRunError, .user(.unknownUser("no-such-user-dsched")))
            XCTAssertTrue("\(error)".hasPrefix("run_as: no user named \"no-such-user-dsched\""), "\(error)")
        }
    }

    func testAnAllowedUserIsResolvedFromTheUserDatabase() throws {
        try XCTSkipUnless(geteuid() == 0, "switching to another user needs root")
        let nobody = try XCTUnwrap(getpwnam("nobody")?.pointee)
        let user = try XCTUnwrap(try RunAsPolicy(allowedUsers: ["nobody"]).user(for: "nobody"))
        XCTAssertEqual(user.name, "nobody")
        XCTAssertEqual(user.uid, nobody.pw_uid)
        XCTAssertEqual(user.gid, nobody.pw_gid)
    }
}
