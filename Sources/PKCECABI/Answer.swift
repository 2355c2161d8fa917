// Member access into a server's whole answer, shared by the pkce_token_*
// and pkce_error_* accessors: `answer` finds the JSONAnswer behind the
// handle, or throws the status the call returns without one.
import CPKCEHeader
import PKCE

typealias AnswerLookup = () throws(PKCEError) -> JSONAnswer
typealias StringOut = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>

/// The body as received, NUL-terminated, with its length; NULL without an answer.
func body(of answer: JSONAnswer?, _ length: UnsafeMutablePointer<Int>?) -> UnsafePointer<CChar>? {
    guard let answer else { return nil }
    length?.pointee = answer.body.count
    return borrowed(answer.body)
}

func memberJSON(_ answer: AnswerLookup, _ name: UnsafePointer<CChar>?, _ out: StringOut?) -> pkce_status {
    status { () throws(PKCEError) in
        let answer = try answer(), out = try required(out)
        guard let json = try answer.memberJSON(string(name)) else { throw PKCEError(.notFound) }
        out.pointee = try handedOut(json)
    }
}

func memberString(_ answer: AnswerLookup, _ name: UnsafePointer<CChar>?, _ out: StringOut?) -> pkce_status {
    status { () throws(PKCEError) in
        let answer = try answer(), out = try required(out)
        guard let value = try answer.memberString(string(name)) else { throw PKCEError(.notFound) }
        out.pointee = try value.withBytes(handedOut)
    }
}

func pointerString(_ answer: AnswerLookup, _ pointer: UnsafePointer<CChar>?, _ out: StringOut?) -> pkce_status {
    status { () throws(PKCEError) in
        let answer = try answer(), out = try required(out)
        guard let value = try answer.string(at: string(pointer)) else { throw PKCEError(.notFound) }
        out.pointee = try value.withBytes(handedOut)
    }
}

func pointerInt(_ answer: AnswerLookup, _ pointer: UnsafePointer<CChar>?, _ out: UnsafeMutablePointer<Int64>?) -> pkce_status {
    status { () throws(PKCEError) in
        let answer = try answer(), out = try required(out)
        guard let value = try answer.integer(at: string(pointer)) else { throw PKCEError(.notFound) }
        out.pointee = value
    }
}

func pointerBool(_ answer: AnswerLookup, _ pointer: UnsafePointer<CChar>?, _ out: UnsafeMutablePointer<Int32>?) -> pkce_status {
    status { () throws(PKCEError) in
        let answer = try answer(), out = try required(out)
        guard let value = try answer.boolean(at: string(pointer)) else { throw PKCEError(.notFound) }
        out.pointee = value ? 1 : 0
    }
}

func pointerJSON(_ answer: AnswerLookup, _ pointer: UnsafePointer<CChar>?, _ out: StringOut?) -> pkce_status {
    status { () throws(PKCEError) in
        let answer = try answer(), out = try required(out)
        guard let json = try answer.json(at: string(pointer)) else { throw PKCEError(.notFound) }
        out.pointee = try handedOut(json)
    }
}
