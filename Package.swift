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
        // The one binary: `dsched serve`, `dsched worker`, `dsched next`, ...
        .executableTarget(
            name: "dsched",
            dependencies: [
                "Server",
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
        .testTarget(name: "ServerTests", dependencies: ["Server", "EventLoop"]),
        .testTarget(name: "WorkerTests", dependencies: ["Worker", "EventLoop"]),
        // Server's parts against the real PostgreSQL and Redis that `make services` starts.
        .testTarget(
            name: "ServerLiveTests",
            dependencies: ["Server", "EventLoop", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(name: "IntegrationTests", dependencies: ["Server"]),
    ],
    swiftLanguageModes: [.v5]
)
