import Foundation
import Hummingbird
import NIOCore
import Logging
import Prometheus

/// How `gloss serve` runs.
public struct ServerConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// The largest request body accepted, in bytes (413 past it).
    public var maximumBodyBytes: Int
    /// The most requests served at once; more get 503 with `Retry-After` (back-pressure).
    public var maximumConcurrentRequests: Int
    /// The longest a client may take to send a request body; past it, 408 (docs/operations.md).
    public var bodyTimeout: Duration = .seconds(60)
    /// A connection with nothing read or written for this long is closed (docs/operations.md).
    public var idleTimeout: Duration = .seconds(30)
    /// Browser origins allowed to call the API (CORS); none by default.
    public var corsOrigins: [String] = []
    /// How often an open change feed reads the store for writes made through other server
    /// processes; writes through this one wake it at once.
    public var feedPollInterval: Duration = .milliseconds(250)
    /// The registry `/metrics` shows (nil: no `/metrics` route and no request metrics). The caller
    /// bootstraps swift-metrics with a `PrometheusMetricsFactory` on the same registry.
    public var metrics: PrometheusCollectorRegistry? = nil
    /// Header limits: all headers of a request together, and how many (past them the connection is refused).
    public static let maximumHeaderBytes = 32 * 1024
    public static let maximumHeaderCount = 100

    public init(host: String = "127.0.0.1", port: Int = 8080, maximumBodyBytes: Int = 16 * 1024 * 1024, maximumConcurrentRequests: Int = 64) {
        self.host = host
        self.port = port
        self.maximumBodyBytes = maximumBodyBytes
        self.maximumConcurrentRequests = maximumConcurrentRequests
    }
}

/// The router: health, then the sync routes behind the token check. Every error is JSON.
public func buildRouter<Store: ServerStore>(store: Store, configuration: ServerConfiguration) -> Router<GlossRequestContext> {
    let router = Router(context: GlossRequestContext.self)
    if !configuration.corsOrigins.isEmpty { router.add(middleware: CORSMiddleware(origins: Set(configuration.corsOrigins))) }
    router.add(middleware: ErrorMiddleware())
    if let registry = configuration.metrics {
        router.add(middleware: MetricsMiddleware())
        MetricsRoute.add(to: router, registry: registry)
    }
    router.add(middleware: LogRequestsMiddleware(.info))
    router.add(middleware: ConcurrencyLimitMiddleware(limit: configuration.maximumConcurrentRequests))
    router.get("healthz") { _, _ in JSONResponse.make(["status": "ok"]) }
    let bell = ChangeBell()
    let sync = router.group("v1/sync").add(middleware: AuthMiddleware(store: store)).add(middleware: RingTheBellMiddleware(bell: bell))
    SyncController(store: store, maximumBodyBytes: configuration.maximumBodyBytes, bodyTimeout: configuration.bodyTimeout).addRoutes(to: sync)
    router.get("v1/openapi.yaml") { _, _ in
        Response(status: .ok, headers: [.contentType: "application/yaml; charset=utf-8"], body: ResponseBody(byteBuffer: ByteBuffer(string: openAPIDocument)))
    }
    let api = router.group("v1").add(middleware: AuthMiddleware(store: store)).add(middleware: RingTheBellMiddleware(bell: bell))
    let limits = BodyLimits(bytes: configuration.maximumBodyBytes, timeout: configuration.bodyTimeout)
    ArticleRoutes(store: store, limits: limits).add(to: api)
    HighlightRoutes(store: store, limits: limits).add(to: api)
    NoteRoutes(store: store, limits: limits).add(to: api)
    ChangeRoutes(store: store, bell: bell, pollInterval: configuration.feedPollInterval).add(to: api)
    SearchRoutes(store: store).add(to: api)
    ExportRoutes(store: store).add(to: api)
    router.add(middleware: MethodNotAllowedMiddleware(routes: router.routes))
    return router
}

/// The gloss server as a Hummingbird application; run it with `runService()` so SIGTERM and
/// SIGINT let requests in flight finish before it stops.
public func buildApplication<Store: ServerStore>(
    store: Store, configuration: ServerConfiguration, logger: Logger,
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    Application(
        router: buildRouter(store: store, configuration: configuration),
        server: .http1(configuration: .init(idleTimeout: .nanoseconds(Int64(configuration.idleTimeout.components.seconds) * 1_000_000_000), httpDecoderConfiguration: .init(
            maxHeaderFieldSize: ServerConfiguration.maximumHeaderBytes, maxHeaderListSize: ServerConfiguration.maximumHeaderBytes,
            maxHeaderFieldCount: ServerConfiguration.maximumHeaderCount
        ))),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "gloss"),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
        logger: logger
    )
}
