import GlossSync
import Hummingbird
import Metrics
import NIOCore
import Prometheus

/// `/metrics` in Prometheus text format. Request counts and latencies come from Hummingbird's
/// MetricsMiddleware, sync figures from ``SyncMetrics``; both go through swift-metrics to the
/// registry that `gloss serve` bootstraps (``ServerConfiguration/metrics``).
enum MetricsRoute {
    static func add(to router: Router<GlossRequestContext>, registry: PrometheusCollectorRegistry) {
        router.get("metrics") { _, _ in
            var bytes: [UInt8] = []
            bytes.reserveCapacity(16 * 1024)
            registry.emit(into: &bytes)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
        }
    }
}

/// What the server counts beyond requests: changes applied by pushes and API writes, by outcome
/// (`applied`, `merged`, `conflicted`, ...), and the conflicts among them.
enum SyncMetrics {
    static func record(_ results: [PushResult], source: String) {
        var counts: [PushOutcome: Int] = [:]
        for result in results { counts[result.outcome, default: 0] += 1 }
        for (outcome, count) in counts {
            Counter(label: "gloss_changes_total", dimensions: [("source", source), ("outcome", outcome.rawValue)]).increment(by: count)
        }
        if let conflicts = counts[.conflicted] { Counter(label: "gloss_conflicts_total").increment(by: conflicts) }
    }
}

extension ResourceStore {
    /// An HTTP API write: ``edit(user:_:)``, counted in the metrics like a push.
    func write(user: UserID, _ build: @escaping @Sendable (inout ServerEdit) throws -> Void) async throws -> EditResult {
        let result = try await edit(user: user, build)
        SyncMetrics.record(result.outcomes, source: "api")
        return result
    }
}
