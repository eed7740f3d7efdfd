// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "gloss",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "gloss", targets: ["gloss"]),
        .library(name: "GlossModel", targets: ["GlossModel"]),
        .library(name: "GlossSync", targets: ["GlossSync"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
    ],
    targets: [
        // Pure model: entities, IDs, clock, selectors, anchoring, merge rules.
        .target(
            name: "GlossModel",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")]
        ),
        // Reading documents (text, Markdown, HTML) into normalized article text.
        .systemLibrary(name: "CLibXML2", pkgConfig: "libxml-2.0", providers: [.apt(["libxml2-dev"])]),
        .target(name: "GlossDocuments", dependencies: ["GlossModel", "CLibXML2"]),
        // SQLite's C interface for the hot writes and the server's direct reads (values bound without StatementArguments).
        .target(
            name: "GlossSQLite",
            dependencies: [.product(name: "GRDB", package: "GRDB.swift"), .product(name: "GRDBSQLite", package: "GRDB.swift")]
        ),
        // The local library: SQLite (system libsqlite3 through GRDB), migrations, journal, FTS.
        .target(
            name: "GlossStore",
            dependencies: ["GlossModel", "GlossSQLite", .product(name: "GRDB", package: "GRDB.swift")],
            plugins: ["EmbedSchema"]
        ),
        // Wire types shared by client and server, and the sync client.
        .target(
            name: "GlossSync",
            dependencies: [
                "GlossModel",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // The local library as a sync replica (where GlossStore and GlossSync meet).
        .target(name: "GlossReplica", dependencies: ["GlossStore", "GlossSync"]),
        // Export and import in open formats: gloss JSON, W3C Web Annotation, Markdown, CSV, Hypothesis.
        .target(name: "GlossInterchange", dependencies: ["GlossModel", "GlossStore"]),
        // HTTP routes over a server-store protocol.
        .target(
            name: "GlossServer",
            dependencies: [
                "GlossModel", "GlossSync", "GlossDocuments", "GlossInterchange", "GlossSQLite",
                .product(name: "GRDB", package: "GRDB.swift"),
                // SQLite's C API, for the list pages read straight from SQLite's row.
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            plugins: ["EmbedSchema"]
        ),
        // The server's store in PostgreSQL, for several `gloss serve` processes on one database.
        .target(
            name: "GlossPostgres",
            dependencies: [
                "GlossModel", "GlossSync", "GlossServer", "GlossInterchange",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "_ConnectionPoolModule", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            plugins: ["EmbedSchema"]
        ),
        .executableTarget(
            name: "gloss",
            dependencies: [
                "GlossModel", "GlossDocuments", "GlossStore", "GlossSync", "GlossReplica", "GlossServer", "GlossPostgres", "GlossInterchange",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        // libFuzzer target over the untrusted-input paths (scripts/fuzz); without
        // -D FUZZING it replays a corpus folder.
        .executableTarget(name: "gloss-fuzz", dependencies: ["GlossModel", "GlossDocuments", "GlossInterchange"]),
        .executableTarget(name: "gloss-bench", dependencies: [
            "GlossModel", "GlossStore", "GlossSync", "GlossReplica", "GlossInterchange", "GlossServer",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
        ]),
        .executableTarget(name: "schema-embedder", path: "Plugins/SchemaEmbedder"),
        .plugin(name: "EmbedSchema", capability: .buildTool(), dependencies: ["schema-embedder"]),

        // Helpers shared by the test targets (seeded randomness).
        .target(name: "GlossTestSupport", path: "Tests/GlossTestSupport"),
        .testTarget(name: "GlossModelTests", dependencies: ["GlossModel", "GlossTestSupport"]),
        .testTarget(name: "GlossDocumentsTests", dependencies: ["GlossDocuments"]),
        .testTarget(name: "GlossStoreTests", dependencies: ["GlossStore", "GlossModel"]),
        .testTarget(name: "GlossSQLiteTests", dependencies: ["GlossSQLite", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(
            name: "GlossCLITests",
            dependencies: [
                "gloss", "gloss-fuzz", "GlossModel", "GlossStore", "GlossSync", "GlossReplica", "GlossServer", "GlossPostgres", "GlossTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        .testTarget(name: "GlossInterchangeTests", dependencies: ["GlossInterchange", "GlossStore", "GlossModel"], exclude: ["Fixtures"]),
        .testTarget(
            name: "GlossFuzzTests",
            dependencies: [
                "GlossInterchange", "GlossDocuments", "GlossStore", "GlossModel", "GlossServer", "GlossSync", "GlossTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            exclude: ["Corpus"]  // read from the source tree by the replay test and scripts/fuzz
        ),
        .testTarget(name: "GlossSyncTests", dependencies: ["GlossReplica", "GlossServer", "GlossPostgres", "GlossInterchange", "GlossStore", "GlossSync", "GlossModel", "GlossTestSupport", .product(name: "GRDB", package: "GRDB.swift"),
                                                        .product(name: "HummingbirdTesting", package: "hummingbird"),
                                                        .product(name: "AsyncHTTPClient", package: "async-http-client"),
                                                        .product(name: "PostgresNIO", package: "postgres-nio"),
                                                        .product(name: "Prometheus", package: "swift-prometheus")]),
    ],
    swiftLanguageModes: [.v6]
)
