// JobVersions: the answer to a reload's question "which jobs may have changed?" — each job's
// version, and the change mark to ask from next time (JobStore.versions). Read from rows
// (id, version, NULL) plus one row (NULL, NULL, mark), so that the mark comes from the same
// statement, and snapshot, as the versions.

/// JobVersions is the version of each job read, and the next change mark.
public struct JobVersions: Equatable, Sendable {
    public var versions: [Int64: Int]
    /// Where the next incremental read starts (a PostgreSQL xid8).
    public var next: UInt64

    public init(versions: [Int64: Int], next: UInt64) {
        self.versions = versions
        self.next = next
    }

    /// From the rows of PostgresJobStore's versions query; nil without a mark row (or with two
    /// marks that differ, which one statement cannot give).
    init?(rows: [[String?]]) {
        var versions: [Int64: Int] = [:]
        var mark: UInt64?
        for row in rows where row.count == 3 {
            if let id = row[0].flatMap({ Int64($0) }), let version = row[1].flatMap({ Int($0) }) {
                versions[id] = version
            } else if let value = row[2].flatMap({ UInt64($0) }) {
                guard mark == nil || mark == value else { return nil }
                mark = value
            }
        }
        guard let mark else { return nil }
        self.init(versions: versions, next: mark)
    }
}
