import Foundation
import Testing

@Suite(.serialized) struct CLITourTests {
    @Test func importingTheSeedsTwiceGivesFiveArticlesOnce() throws {
        let cli = try CLIRunner()
        let added = try #require(try cli.json(["add", CLIRunner.seeds.path]) as? [[String: Any]])
        #expect(added.count == 5)
        let again = try cli.run(["add", CLIRunner.seeds.path])
        #expect(again.status == 0)
        #expect(again.stdout.components(separatedBy: "already in the library").count - 1 == 5)
        let listed = try #require(try cli.json(["articles"]) as? [[String: Any]])
        #expect(listed.count == 5)
        #expect(Set(listed.compactMap { $0["id"] as? String }) == Set(added.compactMap { $0["id"] as? String }))
        let geopolitics = try #require(listed.first { $0["title"] as? String == "Geopolitics" })
        #expect(geopolitics["url"] as? String == "https://internationalviewpoint.org/spip.php?article8835")
        for key in ["id", "title", "url", "author", "publishedAt", "text", "contentHash", "tags", "createdAt", "updatedAt", "deleted"] {
            #expect(geopolitics.keys.contains(key), "article JSON lacks \(key)")
        }
    }

    @Test func highlightingNotingEditingAndListingASeed() throws {
        let cli = try CLIRunner()
        let added = try #require(try cli.json(["add", CLIRunner.seeds.appendingPathComponent("000_4c8708bb7b362851.txt").path]) as? [[String: Any]])
        let article = try #require(added.first?["id"] as? String)
        let prefix = String(article.prefix(6))

        // Straight apostrophe typed, the article's curly one stored.
        let h = try #require(try cli.json(["highlight", prefix, "--quote", "Peru's Congress", "--tag", "politics", "--color", "green"]) as? [String: Any])
        #expect(h["exact"] as? String == "Peru\u{2019}s Congress")
        for key in ["id", "articleId", "exact", "prefix", "suffix", "start", "end", "utf16Start", "utf16End", "color", "tags", "anchor", "createdAt", "updatedAt"] {
            #expect(h.keys.contains(key), "highlight JSON lacks \(key)")
        }
        #expect(h["anchor"] as? String == "exact" && h["color"] as? String == "green" && (h["tags"] as? [String]) == ["politics"])
        let highlight = try #require(h["id"] as? String)

        // Ambiguous: refused with the places; --occurrence picks one.
        let ambiguous = try cli.run(["highlight", prefix, "--quote", "China"])
        #expect(ambiguous.status != 0)
        #expect(ambiguous.stderr.contains("--occurrence") && ambiguous.stderr.contains("2. ["))
        let second = try #require(try cli.json(["highlight", prefix, "--quote", "China", "--occurrence", "2"]) as? [String: Any])
        #expect((second["start"] as? Int ?? 0) > (h["start"] as? Int ?? 0) - 1000)

        // Not found: the nearest passage is offered.
        let typo = try cli.run(["highlight", prefix, "--quote", "The trian has left the staton"])
        #expect(typo.status != 0 && typo.stderr.contains("The train has left the station"))

        let note = try #require(try cli.json(["note", "--highlight", String(highlight.prefix(13)), "Who heard it?"]) as? [String: Any])
        let noteID = try #require(note["id"] as? String)
        #expect(note["highlightId"] as? String == highlight && note["articleId"] as? String == article)
        let edited = try #require(try cli.json(["edit", noteID, "--body", "Who heard it first?"]) as? [String: Any])
        #expect(edited["body"] as? String == "Who heard it first?")
        #expect((edited["conflicts"] as? [Any])?.isEmpty == true)

        let standalone = try #require(try cli.json(["note", "A standalone thought", "--tag", "idea"]) as? [String: Any])
        let list = try #require(try cli.json(["list"]) as? [[String: Any]])
        #expect(list.first?["id"] as? String == standalone["id"] as? String)
        #expect(list.first?["type"] as? String == "note")
        let withNotes = try #require(list.first { $0["id"] as? String == highlight })
        #expect(withNotes["type"] as? String == "highlight")
        #expect(((withNotes["notes"] as? [[String: Any]])?.first?["body"] as? String) == "Who heard it first?")
        #expect((try cli.json(["list", "--tag", "idea"]) as? [Any])?.count == 1)

        // Show marks highlights when not on a terminal.
        let shown = try cli.run(["show", prefix])
        #expect(shown.stdout.contains("[[Peru\u{2019}s Congress]]"))

        // The journal shows the edit with old and new values.
        let log = try cli.run(["log", noteID])
        #expect(log.stdout.contains("\"Who heard it?\" → \"Who heard it first?\""))
    }

    @Test func deleteRestoreTagAndSearch() throws {
        let cli = try CLIRunner()
        let note = try #require(try cli.json(["note", "Tariffs and the Trans-Pacific Partnership"]) as? [String: Any])
        let id = try #require(note["id"] as? String)
        #expect(try cli.run(["tag", id, "trade", "tpp"]).status == 0)
        #expect(try cli.run(["untag", id, "tpp"]).status == 0)
        #expect((try cli.json(["show", id]) as? [String: Any])?["tags"] as? [String] == ["trade"])

        let hits = try #require(try cli.json(["search", "trans-pacific"]) as? [[String: Any]])
        #expect(hits.count == 1 && (hits.first?["snippet"] as? String)?.contains("[Trans-Pacific]") == true)
        // Every key is present, null when it does not apply (a standalone note has no article).
        #expect(hits.first?.keys.sorted() == ["articleId", "id", "rank", "snippet", "title", "type"])
        #expect(hits.first?["articleId"] is NSNull)

        #expect(try cli.run(["rm", id]).status == 0)
        #expect((try cli.json(["list"]) as? [Any])?.isEmpty == true)
        #expect((try cli.json(["search", "tariffs"]) as? [Any])?.isEmpty == true)
        let restore = try cli.run(["restore", id])
        #expect(restore.status == 0)
        #expect((try cli.json(["list"]) as? [Any])?.count == 1)
        let log = try #require(try cli.json(["log", id]) as? [[String: Any]])
        #expect(log.map { $0["op"] as? String } == ["restore", "delete", "untag", "tag", "create"])
    }

    @Test func standardInputAndTheDefaultLibraryLocation() throws {
        let cli = try CLIRunner()
        let data = cli.folder.appendingPathComponent("xdg").path
        let result = try cli.run(["add", "-", "--json"], stdin: "<html><head><title>Piped</title></head><body><p>Piped text &amp; more.</p></body></html>",
                                 environment: ["XDG_DATA_HOME": data, "GLOSS_LIBRARY": ""], useLibrary: false)
        #expect(result.status == 0, "\(result.stderr)")
        let articles = try #require(result.json as? [[String: Any]])
        #expect(articles.first?["title"] as? String == "Piped" && articles.first?["text"] as? String == "Piped text & more.")
        #expect(FileManager.default.fileExists(atPath: data + "/gloss/library.sqlite"))
    }

    @Test func everyCommandHasHelpWithExamples() throws {
        let cli = try CLIRunner()
        for command in ["add", "articles", "show", "highlight", "note", "edit", "tag", "untag", "rm", "restore", "list", "search", "log", "conflicts", "resolve"] {
            let help = try cli.run([command, "--help"])
            #expect(help.status == 0)
            #expect(help.stdout.contains("Example"), "gloss \(command) --help has no example")
        }
        let completion = try cli.run(["--generate-completion-script", "bash"])
        #expect(completion.status == 0 && completion.stdout.contains("highlight"))
    }
}

@Suite(.serialized) struct CLIBadInputTests {
    /// The journal as JSON: if it is unchanged, the library is.
    func journal(_ cli: CLIRunner) throws -> String { try cli.run(["log", "--json"]).stdout }

    func expectRefused(_ cli: CLIRunner, _ arguments: [String], mentions: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let before = try journal(cli)
        let result = try cli.run(arguments)
        #expect(result.status != 0, "gloss \(arguments) should fail", sourceLocation: sourceLocation)
        #expect(result.stdout.isEmpty, sourceLocation: sourceLocation)
        #expect(result.stderr.contains(mentions), "stderr was: \(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stderr.split(separator: "\n").count <= 3, "not a short message: \(result.stderr)", sourceLocation: sourceLocation)
        #expect(try journal(cli) == before, "the library changed", sourceLocation: sourceLocation)
    }

    @Test func badFilesAreRefusedAndImportNothing() throws {
        let cli = try CLIRunner()
        _ = try cli.json(["note", "existing"])
        let f = cli.folder
        try Data().write(to: f.appendingPathComponent("empty.txt"))
        try Data([0x89, 0x50, 0x4E, 0x47, 0x00, 0x00, 0x01]).write(to: f.appendingPathComponent("image.txt"))
        try Data([0x63, 0x61, 0x66, 0xE9, 0x0A]).write(to: f.appendingPathComponent("latin1.txt"))
        try Data("fine text".utf8).write(to: f.appendingPathComponent("good.txt"))
        try expectRefused(cli, ["add", f.appendingPathComponent("missing.txt").path], mentions: "no such file")
        try expectRefused(cli, ["add", f.appendingPathComponent("empty.txt").path], mentions: "holds no text")
        try expectRefused(cli, ["add", f.appendingPathComponent("image.txt").path], mentions: "binary")
        try expectRefused(cli, ["add", f.appendingPathComponent("latin1.txt").path], mentions: "UTF-8")
        // One bad file among good ones imports none of them.
        try expectRefused(cli, ["add", f.appendingPathComponent("good.txt").path, f.appendingPathComponent("latin1.txt").path], mentions: "UTF-8")
    }

    @Test func unknownAmbiguousAndOutOfRangeIDsAreRefused() throws {
        let cli = try CLIRunner()
        let added = try #require(try cli.json(["add", CLIRunner.seeds.appendingPathComponent("004_e9e59b04045d31f7.txt").path]) as? [[String: Any]])
        let article = try #require(added.first?["id"] as? String)
        let a = try #require(try cli.json(["note", "one"]) as? [String: Any])
        let b = try #require(try cli.json(["note", "two"]) as? [String: Any])
        try expectRefused(cli, ["show", "ffffffff"], mentions: "Nothing in the library has the ID")
        try expectRefused(cli, ["show", "ab"], mentions: "at least 4")
        let common = String(zip(a["id"] as? String ?? "", b["id"] as? String ?? "").prefix { $0 == $1 }.map(\.0))
        if common.count >= 4 { try expectRefused(cli, ["rm", common], mentions: "matches 2 items") }
        try expectRefused(cli, ["highlight", article, "--start", "10", "--end", "999999"], mentions: "outside the article")
        try expectRefused(cli, ["highlight", article, "--start", "5", "--end", "5"], mentions: "outside the article")
        try expectRefused(cli, ["highlight", a["id"] as? String ?? "", "--quote", "x"], mentions: "not a article")
        try expectRefused(cli, ["search", "\"unbalanced"], mentions: "not valid FTS5 syntax")
        try expectRefused(cli, ["restore", a["id"] as? String ?? ""], mentions: "not deleted")
        try expectRefused(cli, ["highlight", article], mentions: "--quote")
    }

    @Test func badLibraryPathsAreRefused() throws {
        let cli = try CLIRunner()
        let notSQLite = cli.folder.appendingPathComponent("notes.txt")
        try Data("plain text".utf8).write(to: notSQLite)
        let result = try cli.run(["articles", "--library", notSQLite.path])
        #expect(result.status != 0 && result.stderr.contains("is not a gloss library"))
        #expect(try String(contentsOf: notSQLite, encoding: .utf8) == "plain text")
        let missing = try cli.run(["articles", "--library", cli.folder.appendingPathComponent("no/such/dir/lib.sqlite").path])
        #expect(missing.status != 0 && missing.stderr.contains("does not exist"))
        let readOnly = cli.folder.appendingPathComponent("ro")
        try FileManager.default.createDirectory(at: readOnly, withIntermediateDirectories: true)
        try FileManager.default.setAttributes([.posixPermissions: 0o500], ofItemAtPath: readOnly.path)
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: readOnly.path) }
        if getuid() != 0 {  // root writes anywhere
            let denied = try cli.run(["articles", "--library", readOnly.appendingPathComponent("lib.sqlite").path])
            #expect(denied.status != 0 && denied.stderr.contains("cannot be written"))
        }
    }

    @Test func twoGlossProcessesWritingAtOnceBothSucceed() throws {
        let cli = try CLIRunner()
        _ = try cli.json(["note", "first"])
        var writers: [Process] = []
        for writer in ["a", "b"] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", "for i in $(seq 1 15); do \"$0\" note \"\(writer) $i\" > /dev/null || exit 1; done", CLIRunner.binary.path]
            process.environment = ["GLOSS_LIBRARY": cli.library, "PATH": "/usr/bin:/bin"]
            try process.run()
            writers.append(process)
        }
        for process in writers {
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
        }
        #expect((try cli.json(["list"]) as? [Any])?.count == 31)
        #expect((try cli.json(["log"]) as? [Any])?.count == 31)
    }

    @Test func jsonModePrintsOnlyJSONOnStandardOutput() throws {
        let cli = try CLIRunner()
        let result = try cli.run(["add", CLIRunner.seeds.path, "--json"])
        #expect(result.status == 0)
        #expect(result.json != nil, "stdout is not only JSON: \(result.stdout.prefix(200))")
    }
}
