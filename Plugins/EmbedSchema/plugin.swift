import Foundation
import PackagePlugin

/// Embeds the numbered SQL migrations of `schema/` into the target that applies them,
/// so that the `gloss` binary carries its schema and runs without the source tree.
///
/// `GlossStore` gets `schema/library/*.sql`, `GlossServer` gets `schema/server/*.sql`, `GlossPostgres` gets `schema/postgres/*.sql`, and `GlossServer`
/// `docs/openapi.yaml` (as `openAPIDocument`).
@main
struct EmbedSchema: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let folder: String
        switch target.name {
        case "GlossStore": folder = "library"
        case "GlossServer": folder = "server"
        case "GlossPostgres": folder = "postgres"
        default: return []
        }
        let directory = context.package.directoryURL.appending(path: "schema").appending(path: folder)
        let files = try FileManager.default
            .contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "sql" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedMigrations.swift")
        let embedder = try context.tool(named: "schema-embedder").url
        var commands: [Command] = [
            .buildCommand(
                displayName: "Embedding \(files.count) migrations from schema/\(folder)",
                executable: embedder,
                arguments: [output.path] + files.map(\.path),
                inputFiles: files,
                outputFiles: [output]
            )
        ]
        if target.name == "GlossServer" {
            // The server serves its own OpenAPI description at /v1/openapi.yaml.
            let document = context.package.directoryURL.appending(path: "docs").appending(path: "openapi.yaml")
            let documentOutput = context.pluginWorkDirectoryURL.appending(path: "EmbeddedOpenAPI.swift")
            commands.append(.buildCommand(
                displayName: "Embedding docs/openapi.yaml",
                executable: embedder,
                arguments: ["--text", "openAPIDocument", documentOutput.path, document.path],
                inputFiles: [document],
                outputFiles: [documentOutput]
            ))
        }
        return commands
    }
}
