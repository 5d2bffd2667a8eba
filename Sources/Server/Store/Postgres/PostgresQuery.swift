// PostgresQuery and PostgresResult: one statement (or a script of several) and its rows.
public struct PostgresQuery {
    public typealias Completion = (Result<PostgresResult, PostgresError>) -> Void

    let sql: String
    let parameters: [String?]
    /// Sent with the simple protocol (several statements, no parameters), as for migrations.
    let isScript: Bool
    /// Prepared once per connection under this name, then executed by name (no parse or plan).
    let statementName: String?
    let completion: Completion
    var enqueuedAt = 0.0
    /// Called on the loop just before the statement goes to the server (after any wait in the
    /// queue and any prepare): a round trip timed from here excludes the wait (ClockSync).
    public var onSent: (() -> Void)?

    /// A parameterised statement ($1, $2, ...; values in PostgreSQL's text format, nil = NULL).
    public init(_ sql: String, _ parameters: [String?] = [], completion: @escaping Completion) {
        self.sql = sql
        self.parameters = parameters
        self.isScript = false
        self.statementName = nil
        self.completion = completion
    }

    /// A parameterised statement prepared on each connection the first time it is sent.
    public init(prepared name: String, _ sql: String, _ parameters: [String?], completion: @escaping Completion) {
        self.sql = sql
        self.parameters = parameters
        self.isScript = false
        self.statementName = name
        self.completion = completion
    }

    /// Several statements separated by semicolons, without parameters.
    public init(script: String, completion: @escaping Completion) {
        self.sql = script
        self.parameters = []
        self.isScript = true
        self.statementName = nil
        self.completion = completion
    }
}

public struct PostgresResult: Sendable {
    public var columns: [String] = []
    /// Values in text format; nil for NULL.
    public var rows: [[String?]] = []
    /// Rows inserted, updated or deleted by the last command.
    public var affectedRows = 0

    public init(columns: [String] = [], rows: [[String?]] = [], affectedRows: Int = 0) {
        self.columns = columns
        self.rows = rows
        self.affectedRows = affectedRows
    }
}
