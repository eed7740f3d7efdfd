import Foundation
import Hummingbird
import Logging

/// How `gloss serve` runs.
public struct ServerConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// The largest request body accepted, in bytes (413 past it).
    public var maximumBodyBytes: Int

    public init(host: String = "127.0.0.1", port: Int = 8080, maximumBodyBytes: Int = 16 * 1024 * 1024) {
        self.host = host
        self.port = port
        self.maximumBodyBytes = maximumBodyBytes
    }
}

/// The router: health, then the sync routes behind the token check. Every error is JSON.
public func buildRouter<Store: ServerStore>(store: Store, configuration: ServerConfiguration) -> Router<GlossRequestContext> {
    let router = Router(context: GlossRequestContext.self)
    router.add(middleware: ErrorMiddleware())
    router.add(middleware: LogRequestsMiddleware(.info))
    router.get("healthz") { _, _ in JSONResponse.make(["status": "ok"]) }
    let sync = router.group("v1/sync").add(middleware: AuthMiddleware(store: store))
    SyncController(store: store, maximumBodyBytes: configuration.maximumBodyBytes).addRoutes(to: sync)
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
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "gloss"),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
        logger: logger
    )
}
