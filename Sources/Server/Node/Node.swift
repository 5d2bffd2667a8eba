// Node: one `dsched serve` process — builds the reactor and the parts on it, runs until
// SIGTERM/SIGINT, then stops accepting, lets in-flight requests finish (bounded) and returns.
import Glibc
import Logging

public final class Node {
    private let configuration: NodeConfiguration
    private let logger: Logger
    private let reactor: Reactor
    private let router = Router()
    private var server: HTTPServer!
    private var signalWatchers: [SignalWatcher] = []

    public init(configuration: NodeConfiguration, logger: Logger) throws {
        self.configuration = configuration
        self.logger = logger
        reactor = try Reactor()
        HealthAPI().register(on: router)
        server = HTTPServer(
            reactor: reactor,
            configuration: .init(host: configuration.host, port: configuration.port, limits: configuration.http),
            logger: logger,
            handler: router.handle
        )
    }

    /// Listens, serves until a stop signal, and returns once shut down.
    public func run() throws {
        let limit = ResourceLimits.raiseOpenFiles()
        try server.start()
        logger.info("node listening", metadata: [
            "host": "\(configuration.host)", "port": "\(server.port)", "open_files_limit": "\(limit)",
        ])
        for signal in [SIGTERM, SIGINT] {
            signalWatchers.append(SignalWatcher(reactor: reactor, signal: signal) { [unowned self] number in
                self.stop(signal: number)
            })
        }
        reactor.run()
        logger.info("node stopped")
    }

    private func stop(signal: Int32) {
        guard !server.isShuttingDown else { return }
        logger.info("shutting down", metadata: ["signal": "\(signal)", "connections": "\(server.connectionCount)"])
        server.shutdown(grace: configuration.shutdownGrace) { [unowned self] in
            self.signalWatchers = []
            self.reactor.stop()
        }
    }
}
