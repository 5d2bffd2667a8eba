// RecordID: a job's or a run's id as a command argument: a positive integer, checked before
// anything is sent (anything else is a usage error, exit 2).
import ArgumentParser

struct RecordID: ExpressibleByArgument {
    let value: Int64

    init?(argument: String) {
        guard let value = Int64(argument), value > 0 else { return nil }
        self.value = value
    }
}
