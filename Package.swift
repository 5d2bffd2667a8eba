// swift-tools-version:6.0
// dsched: a distributed job scheduler on a libev reactor. See README.md and ../shared/DESIGN.md.
import PackageDescription

let package = Package(
    name: "dsched",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "dsched", targets: ["dsched"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // C glue only: libev macros as functions, hiredis's libev adapter, the C headers.
        .target(
            name: "CEventLoop",
            linkerSettings: [
                .linkedLibrary("ev"),
                .linkedLibrary("hiredis"),
                .linkedLibrary("pq"),
                .linkedLibrary("http_parser"),
            ]
        ),
        // The reactor: small Swift owners of libev watchers, shared by the master and the workers.
        .target(name: "EventLoop", dependencies: ["CEventLoop"]),
        // The node master: HTTP server, API, store, scheduling, cluster, supervisor; it serves
        // openapi/dsched.json, embedded at build time by the EmbedOpenAPI plugin.
        .target(
            name: "Server",
            dependencies: [
                "CEventLoop",
                "EventLoop",
                "Worker",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Collections", package: "swift-collections"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            plugins: ["EmbedOpenAPI"]
        ),
        // A file's text as a Swift string literal, for EmbedOpenAPI.
        .executableTarget(name: "embed-text"),
        .plugin(name: "EmbedOpenAPI", capability: .buildTool(), dependencies: ["embed-text"]),
        // The worker process and the master↔worker frame protocol.
        .target(
            name: "Worker",
            dependencies: [
                "CEventLoop",
                "EventLoop",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "DequeModule", package: "swift-collections"),
            ]
        ),
        // The CLI client's parts: HTTP (FoundationNetworking), job bodies from flags, JSON or
        // YAML (Yams), and the human tables; everything but the HTTP call is pure.
        .target(
            name: "Client",
            dependencies: [
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        // The one binary: `dsched serve`, `dsched worker`, `dsched next`, `dsched jobs`, ...
        .executableTarget(
            name: "dsched",
            dependencies: [
                "Server",
                "Client",
                "Worker",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Benchmarks live apart from the product (perf/), built on demand by `make bench-*`.
        .executableTarget(
            name: "bench-wheel",
            dependencies: ["Server", .product(name: "Collections", package: "swift-collections")],
            path: "perf/WheelBench"
        ),
        // Unit tests, one target per layer; none needs a service.
        .testTarget(name: "EventLoopTests", dependencies: ["EventLoop"]),
        .testTarget(name: "ServerTests", dependencies: ["Server", "EventLoop", "ExpositionReader"]),
        .testTarget(name: "WorkerTests", dependencies: ["Worker", "EventLoop"]),
        .testTarget(name: "ClientTests", dependencies: ["Client"]),
        // Server's parts against the real PostgreSQL and Redis that `make services` starts.
        .testTarget(
            name: "ServerLiveTests",
            dependencies: ["Server", "EventLoop", "ExpositionReader", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(name: "IntegrationTests", dependencies: ["Server", "ExpositionReader"]),
        // Reads /metrics samples for the tests' assertions.
        .target(name: "ExpositionReader", path: "Tests/ExpositionReader"),
    ],
    swiftLanguageModes: [.v5]
)
