// The one logging set-up of dsched's processes: lines on stderr, at the level named by a
// flag, else by DSCHED_LOG_LEVEL, else info.
import ArgumentParser
import Logging

extension LoggingSystem {
    static func bootstrapStandardError(level flag: String?, settings: Settings = Settings()) throws {
        let name = settings.string(flag, env: "DSCHED_LOG_LEVEL", default: "info")
        guard let level = Logger.Level(rawValue: name) else {
            throw ValidationError("log level must be one of trace, debug, info, notice, warning, error, critical; got \(name)")
        }
        bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}
