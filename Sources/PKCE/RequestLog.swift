/// How a request appears in the debug log: method, URL, header names and
/// body field names. A field's value is shown only when the field is known
/// to be public; every other value (code, verifier, tokens, device code,
/// client secret, and whatever a caller or a future grant adds) appears as
/// its length. Built only when a log wants it.
extension HTTPRequest {
    /// The fields whose values are not secret.
    static let publicFields: Set<String> = ["grant_type", "redirect_uri", "client_id", "scope", "token_type_hint"]

    package var logLine: String {
        var line = "\(method) \(url)"
        let names = headers.map { $0.name.description } + extraHeaders.map { $0.name.string }
        line += " headers: " + names.joined(separator: ", ")
        let fields = bodyFields.map { field in
            field.value.map { "\(field.name)=\($0)" } ?? "\(field.name)=(\(field.length) bytes)"
        }
        if !fields.isEmpty { line += " fields: " + fields.joined(separator: " ") }
        return line
    }

    /// The body's fields: names, and values where public.
    var bodyFields: [(name: String, value: String?, length: Int)] {
        guard body.count > 0 else { return [] }
        if kind == .jsonPost {
            guard let document = try? JSONDocument(parsing: body.buffer) else { return [] }
            return document.members().map { member in
                let name = document.plainString(member.key)
                let isString = document.nodes[member.value].kind == .string
                let shown = Self.publicFields.contains(name) && isString ? document.plainString(member.value) : nil
                return (name, shown, document.text(member.value).count)
            }
        }
        let pairs = (try? FormEncoding.parse(body.buffer) { PKCEError(.invalidArgument) }) ?? []
        return pairs.map { pair in (pair.name, Self.publicFields.contains(pair.name) ? pair.value.string : nil, pair.value.count) }
    }
}
