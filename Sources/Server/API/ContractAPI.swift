// ContractAPI: `GET /openapi.json`, the OpenAPI 3.1 document of this API (openapi/dsched.json
// in the repository, embedded in the binary at build time by the EmbedOpenAPI plugin, so an
// installed binary serves the document it was built with). No token: it holds no secret,
// like the probes.
public enum ContractAPI {
    private static let document = HTTPResponse(status: .ok, contentType: "application/json", body: Array(OpenAPIDocument.json.utf8))

    public static func register(on router: Router) {
        router.add("GET", "/openapi.json") { _, responder in
            responder.respond(document)
        }
    }
}
