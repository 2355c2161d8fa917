// The smallest library linked as libpkce.so is (make bench, "Size"): one
// exported function that makes a Swift String, with the standard library
// and runtime in statically, so its stripped size is what any such library
// weighs before a line of libpkce. Named pkce_* for exports.map.
@_cdecl("pkce_floor_length")
public func floorLength(_ text: UnsafePointer<CChar>) -> Int {
    String(cString: text).count
}
