import Foundation
import Testing

@Suite struct ExportImportCLITests {
    /// Issue 5's promise, through the real binary: export json, import into an empty library,
    /// and `gloss list --json` and `gloss articles --json` are identical.
    @Test func exportAndImportGiveTheSameLibraryBack() throws {
        let a = try CLIRunner()
        let added = try #require(try a.json(["add", CLIRunner.seeds.path]) as? [[String: Any]])
        let article = try #require(added.first { $0["title"] as? String == "Geopolitics" }?["id"] as? String)
        _ = try a.json(["highlight", String(article.prefix(8)), "--quote", "With Trump in the White House", "--occurrence", "2", "--tag", "política", "--color", "blue",
                    "--note", "Nota — «naïve» café, 中国"])
        _ = try a.json(["note", "Standalone: Ωμέγα", "--tag", "idea"])
        let file = a.folder.appendingPathComponent("library.json").path
        let export = try a.run(["export", "--format", "json", "--output", file])
        #expect(export.status == 0, "\(export.stderr)")

        let b = try CLIRunner()
        let imported = try b.run(["import", file])
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stdout.contains("imported 5 articles, 1 highlights, 2 notes"))
        for command in [["list", "--json"], ["articles", "--json"]] {
            let left = try a.run(command), right = try b.run(command)
            #expect(left.stdout == right.stdout && !left.stdout.isEmpty, "gloss \(command.joined(separator: " ")) differs")
        }
        let again = try b.run(["import", file, "--json"])
        let report = try #require(again.json as? [String: Any])
        #expect(report["highlights"] as? Int == 0 && report["notes"] as? Int == 0 && report["format"] as? String == "gloss")
    }

    @Test func badInputGetsOneSentenceAndAnExitCode() throws {
        let cli = try CLIRunner()
        let broken = cli.folder.appendingPathComponent("broken.json")
        try Data("{\n \"rows\": [\n  {\"id\": \"x\",, }\n ]\n}".utf8).write(to: broken)
        let result = try cli.run(["import", broken.path])
        #expect(result.status != 0)
        #expect(result.stderr.contains("Line 3, column"), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1)

        let missing = try cli.run(["import", cli.folder.appendingPathComponent("nope.csv").path])
        #expect(missing.status != 0 && missing.stderr.contains("no such file"))
        let noFolder = try cli.run(["export", "--format", "markdown"])
        #expect(noFolder.status != 0 && noFolder.stderr.contains("--output"))
        let unknown = try cli.run(["export", "--format", "pdf"])
        #expect(unknown.status != 0 && unknown.stderr.contains("json, w3c, markdown or csv"))
        // A failed export leaves no half-written file behind.
        let target = cli.folder.appendingPathComponent("out.json").path
        let badArticle = try cli.run(["export", "--format", "json", "--article", "ffffffff", "--output", target])
        #expect(badArticle.status != 0 && !FileManager.default.fileExists(atPath: target))
    }
}
