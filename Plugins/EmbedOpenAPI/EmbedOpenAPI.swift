// EmbedOpenAPI: a build tool plugin that turns openapi/dsched.json into Swift source for the
// target that uses it (`OpenAPIDocument.json`), so the binary serves the document from itself:
// an installed binary needs no file beside it, and a change to the JSON rebuilds the binary.
// The text is embedded as a raw string literal (SwiftPM's `.embedInCode` writes a byte array
// literal, which took the compiler about 40 s for 130 KB; a string literal takes well under one).
import PackagePlugin

@main
struct EmbedOpenAPI: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let input = context.package.directoryURL.appending(path: "openapi/dsched.json")
        let output = context.pluginWorkDirectoryURL.appending(path: "OpenAPIDocument.swift")
        return [
            .buildCommand(
                displayName: "Embedding openapi/dsched.json",
                executable: try context.tool(named: "embed-text").url,
                arguments: [input.path, output.path, "OpenAPIDocument", "json"],
                inputFiles: [input],
                outputFiles: [output]
            ),
        ]
    }
}
