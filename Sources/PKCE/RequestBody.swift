/// How token, refresh and revocation requests carry their parameters.
public enum RequestBodyFormat: Sendable {
    /// application/x-www-form-urlencoded, as RFC 6749 requires.
    case form
    /// A JSON object of strings, as WorkOS's `/user_management/authenticate` takes.
    case json
}

/// Builds a request body in either format, in memory that is wiped on release.
struct RequestBodyBuilder: ~Copyable {
    let format: RequestBodyFormat
    private var writer: ByteWriter
    private var fields = 0

    init(_ format: RequestBodyFormat) throws(PKCEError) {
        self.format = format
        // Room for a code exchange even as percent-encoding reserves it (three
        // bytes a byte): at 256, every exchange grew, copied and wiped its body.
        writer = try ByteWriter(capacity: 1024)
        if format == .json { writer.append(UInt8(ascii: "{")) }
    }

    /// A builder that goes on from a finished body with `fields` fields in it.
    init(continuing body: SecureBytes, _ format: RequestBodyFormat, fields: Int) throws(PKCEError) {
        self.format = format
        writer = try ByteWriter(capacity: body.count + 64)
        body.withBytes { writer.append(format == .json ? UnsafeBufferPointer(rebasing: $0.dropLast()) : $0) }
        self.fields = fields
    }

    /// A field the library names: its names are plain ASCII that neither
    /// encoding changes, so they are copied as they are.
    mutating func add(_ name: StaticString, _ value: UnsafeBufferPointer<UInt8>) {
        name.withUTF8Buffer { add(name: $0, plain: true, value) }
    }

    /// A field the library names and values (a grant type): both copied as they are.
    mutating func add(_ name: StaticString, constant value: StaticString) {
        name.withUTF8Buffer { name in value.withUTF8Buffer { add(name: name, plain: true, $0, plainValue: true) } }
    }

    /// A field whose name the caller chose: encoded or escaped like a value.
    mutating func add(_ name: String, _ value: UnsafeBufferPointer<UInt8>) {
        var name = name
        name.withUTF8 { add(name: $0, value) }
    }

    /// A field whose name may be the caller's: encoded or escaped like a value.
    mutating func add(name: UnsafeBufferPointer<UInt8>, _ value: UnsafeBufferPointer<UInt8>) {
        add(name: name, plain: false, value)
    }

    // Not inlined: a request adds four to six fields, and one copy of this
    // code serves them all, where an inlined copy each was cache lines that
    // every exchange loaded.
    @inline(never)
    private mutating func add(name: UnsafeBufferPointer<UInt8>, plain: Bool, _ value: UnsafeBufferPointer<UInt8>,
                              plainValue: Bool = false) {
        switch format {
        case .form:
            if fields > 0 { writer.append(UInt8(ascii: "&")) }
            if plain { writer.append(name) } else { writer.appendEncoded(name, .form) }
            writer.append(UInt8(ascii: "="))
            if plainValue { writer.append(value) } else { writer.appendEncoded(value, .form) }
        case .json:
            if fields > 0 { writer.append(UInt8(ascii: ",")) }
            appendJSONString(name, plain: plain)
            writer.append(UInt8(ascii: ":"))
            appendJSONString(value, plain: plainValue)
        }
        fields += 1
    }

    /// Text the library chose is quoted as it is: nothing in it needs escaping.
    private mutating func appendJSONString(_ text: UnsafeBufferPointer<UInt8>, plain: Bool) {
        guard plain else { return writer.appendJSONString(text) }
        writer.append(UInt8(ascii: "\""))
        writer.append(text)
        writer.append(UInt8(ascii: "\""))
    }

    mutating func add(_ name: StaticString, _ value: String) {
        var value = value
        value.withUTF8 { add(name, $0) }
    }

    mutating func add(_ name: StaticString, _ value: SecureBytes) {
        value.withBytes { add(name, $0) }
    }

    consuming func finish() throws(PKCEError) -> SecureBytes {
        if format == .json { writer.append(UInt8(ascii: "}")) }
        return try writer.finish()
    }
}
