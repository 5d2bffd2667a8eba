// RunAsUser: a user scripts run as (`dsched serve --run-as`, or a job's `run_as`: RunAsPolicy),
// resolved from the user database (getpwnam), and the command line that starts a script as
// that user.
//
// Scripts are started through util-linux's setpriv(1) — `setpriv --reuid=U --regid=G
// --init-groups -- /bin/sh -c <script>` — rather than hand-written setuid code: it sets the
// real and effective user and group and the user's supplementary groups (initgroups), and
// fails instead of running the script when it cannot. Changing from root to another user
// drops every capability (capabilities(7)).
import Glibc

public enum RunAsUserError: Error, Equatable, CustomStringConvertible {
    /// No such user in the user database (getpwnam found none).
    case unknownUser(String)
    /// Another user's scripts need root (setuid); the node runs as `uid`.
    case notRoot(user: String, uid: uid_t)

    public var description: String {
        switch self {
        case .unknownUser(let name):
            return "no user named \"\(name)\" (getpwnam found none); create it or name an existing user"
        case .notRoot(let name, let uid):
            return "running scripts as \(name) needs root, and this node runs as uid \(uid)"
        }
    }
}

public struct RunAsUser: Sendable, Equatable {
    /// setpriv's path (util-linux, essential on Debian).
    public static let setpriv = "/usr/bin/setpriv"

    public let name: String
    public let uid: uid_t
    public let gid: gid_t
    public let home: String

    /// Looks `name` up in the user database; the node must be root unless `name` is its own user.
    public static func resolve(_ name: String) throws(RunAsUserError) -> RunAsUser {
        guard let entry = getpwnam(name) else { throw .unknownUser(name) }
        let user = RunAsUser(name: name, uid: entry.pointee.pw_uid, gid: entry.pointee.pw_gid,
                             home: String(cString: entry.pointee.pw_dir))
        guard geteuid() == 0 || geteuid() == user.uid else { throw .notRoot(user: name, uid: geteuid()) }
        return user
    }

    /// The program and arguments that run `command` (argv of `/bin/sh -c`) as this user.
    func wrapping(_ command: [String]) -> (path: String, arguments: [String]) {
        (Self.setpriv, [Self.setpriv, "--reuid=\(uid)", "--regid=\(gid)", "--init-groups", "--"] + command)
    }

    /// The variables that name the user, as login(1) sets them, over the worker's own.
    var environment: [String: String] {
        ["HOME": home, "USER": name, "LOGNAME": name]
    }
}
