/// The library's version, as `pkce_version()` reports it and the User-Agent carries it.
public let libpkceVersion: StaticString = "0.1.0"
