import ArgumentParser

@main
struct Gloss: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gloss",
        abstract: "Annotate articles from the terminal: import, highlight, note, search, and keep a journal of every change.",
        discussion: """
            The library is one SQLite file: --library PATH, else $GLOSS_LIBRARY, else
            $XDG_DATA_HOME/gloss/library.sqlite, else ~/.local/share/gloss/library.sqlite.
            IDs may be shortened to any unique prefix of 4 or more characters.

            Shell completion: gloss --generate-completion-script bash|zsh|fish
            """,
        version: "0.1.0",
        subcommands: [
            Add.self, Articles.self, Show.self, HighlightCommand.self, NoteCommand.self, Edit.self,
            TagCommand.self, Untag.self, Remove.self, Restore.self, List.self, Search.self, Log.self,
            Conflicts.self, Resolve.self, Export.self, Import.self, Sync.self, RemoteCommand.self, Serve.self, User.self, Admin.self,
        ]
    )
}
