// RedisConnection.Callbacks: the ledger of what a hiredis context owes. hiredis calls every
// command callback exactly once: with the reply, or with NULL when the context goes away
// (before its disconnect callback). This type keeps that promise checked: each command is
// handed to hiredis under a token (the callback's privdata, an integer, never a pointer that
// a second call could find freed), `take` asserts a token is taken once, and `settle` asserts
// none is left when the context is gone. Debug builds trap on a broken promise; release
// builds ignore a second call and fail a command left over, so a caller's completion still
// runs once.
//
// A context holds this ledger as its `data` (retained) from connect until hiredis is done
// with it: the disconnect callback of a context that connected, the connect callback of one
// that did not, or this type's own free of one still connecting (`end(of:)` in each case). So
// callbacks hiredis runs while freeing, even a free deferred because `close()` ran inside a
// callback, find their commands whatever became of the connection; `owner` is nil once the
// connection is closing, and they do not reach back.
import CEventLoop

extension RedisConnection {
    /// A command and the completion its reply goes to.
    final class Command {
        let arguments: [String]
        let completion: Completion
        let queuedAt: Double

        init(arguments: [String], completion: @escaping Completion, queuedAt: Double) {
            self.arguments = arguments
            self.completion = completion
            self.queuedAt = queuedAt
        }
    }

    final class Callbacks {
        /// The connection the callbacks report to; nil once it is closing.
        weak var owner: RedisConnection?
        private var pending: [UInt: Command] = [:]
        private var lastToken: UInt = 0

        init(owner: RedisConnection) {
            self.owner = owner
        }

        /// Commands handed to hiredis whose callback has not run yet.
        var count: Int { pending.count }

        /// Records a command about to be handed to hiredis; returns the privdata to pass.
        func add(_ command: Command) -> UnsafeMutableRawPointer {
            lastToken += 1
            pending[lastToken] = command
            return UnsafeMutableRawPointer(bitPattern: lastToken)!
        }

        /// Forgets a command hiredis refused (no callback will come for it).
        func discard(_ token: UnsafeMutableRawPointer) {
            pending[UInt(bitPattern: token)] = nil
        }

        /// The command a callback answers; nil (and a failed assertion) on a second call.
        func take(_ token: UnsafeMutableRawPointer?) -> Command? {
            let command = pending.removeValue(forKey: UInt(bitPattern: token))
            assert(command != nil, "a hiredis command callback ran twice (token \(UInt(bitPattern: token)))")
            return command
        }

        /// Makes a new context hold this ledger.
        func attach(to context: UnsafeMutablePointer<redisAsyncContext>) {
            context.pointee.data = Unmanaged.passRetained(self).toOpaque()
        }

        /// The ledger a context holds, for its callbacks.
        static func of(_ context: UnsafePointer<redisAsyncContext>?) -> Callbacks? {
            guard let data = context?.pointee.data else { return nil }
            return Unmanaged<Callbacks>.fromOpaque(data).takeUnretainedValue()
        }

        /// Ends a context's hold on its ledger (hiredis is done with it, or no callback will
        /// come): every command handed to it must have had its callback by now.
        @discardableResult
        static func end(of context: UnsafePointer<redisAsyncContext>?) -> Callbacks? {
            guard let context, let data = context.pointee.data else { return nil }
            UnsafeMutablePointer(mutating: context).pointee.data = nil
            let callbacks = Unmanaged<Callbacks>.fromOpaque(data).takeRetainedValue()
            callbacks.settle()
            return callbacks
        }

        private func settle() {
            assert(pending.isEmpty, "a hiredis context went away owing \(pending.count) command callbacks")
            let owed = pending.values
            pending.removeAll()
            owed.forEach { $0.completion(.failure(.disconnected("connection lost before the reply"))) }
        }
    }
}
