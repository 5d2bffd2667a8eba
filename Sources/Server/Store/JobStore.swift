// JobStore: where job definitions live. The API talks to this protocol only, so that a
// single-node embedded store can later stand beside PostgresJobStore without touching the API.
// Completions run exactly once, on the reactor's loop.
public protocol JobStore: AnyObject {
    /// Whether the store can take requests now (for /readyz).
    var isAvailable: Bool { get }
    /// Why not, when it cannot.
    var unavailableReason: String { get }

    /// Inserts all drafts or none; the jobs come back in the drafts' order.
    func create(_ drafts: [JobDraft], completion: @escaping (Result<[Job], StoreError>) -> Void)
    func fetch(id: Int64, completion: @escaping (Result<Job?, StoreError>) -> Void)
    /// Jobs with id > `after`, ascending, at most `limit`, optionally only those named `name`.
    func list(after: Int64, limit: Int, name: String?, completion: @escaping (Result<[Job], StoreError>) -> Void)
    /// Replaces a job's definition if its version is still `job.version`; nil when it is not
    /// (changed or deleted meanwhile).
    func update(_ job: Job, to definition: JobDraft, completion: @escaping (Result<Job?, StoreError>) -> Void)
    /// The version of every job not done (paused ones included) that may have changed since
    /// the change mark `since` (nil: all of them; otherwise leaving out the rows this node wrote
    /// last), and the mark to pass next time. A mark is the store's own position in its
    /// history of changes (PostgreSQL: a snapshot's xmin, an xid8): every change committed
    /// after an answer is at or after that answer's mark, however late it commits.
    func versions(changedSince since: UInt64?, completion: @escaping (Result<JobVersions, StoreError>) -> Void)
    func fetch(ids: [Int64], completion: @escaping (Result<[Job], StoreError>) -> Void)
    /// Whether a job was deleted.
    func delete(id: Int64, completion: @escaping (Result<Bool, StoreError>) -> Void)
}

public enum StoreError: Error, Equatable, CustomStringConvertible {
    /// The store could not be reached; retrying later may succeed (HTTP 503 + Retry-After).
    case unavailable(String)
    /// The store answered with an error that retrying will not fix (HTTP 500).
    case failed(String)

    public var description: String {
        switch self {
        case .unavailable(let reason): return "store unavailable: \(reason)"
        case .failed(let reason): return "store error: \(reason)"
        }
    }
}
