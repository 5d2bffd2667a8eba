// SHA1: the SHA-1 digest (FIPS 180-4) in plain Swift. Redis names a loaded Lua script by the
// SHA-1 of its text, so the cluster agent computes that name itself to call EVALSHA, and falls
// back to EVAL only on NOSCRIPT. Not for anything that needs collision resistance.

/// SHA1 computes SHA-1 digests of byte arrays.
enum SHA1 {
    /// The digest of `bytes` as 40 lowercase hexadecimal digits, the form Redis's EVALSHA and
    /// SCRIPT LOAD use.
    static func hexDigest(_ bytes: [UInt8]) -> String {
        let hexDigits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(40)
        for byte in digest(bytes) {
            text.append(hexDigits[Int(byte >> 4)])
            text.append(hexDigits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// The 20-byte digest of `bytes`.
    static func digest(_ bytes: [UInt8]) -> [UInt8] {
        var state: (UInt32, UInt32, UInt32, UInt32, UInt32) =
            (0x6745_2301, 0xefcd_ab89, 0x98ba_dcfe, 0x1032_5476, 0xc3d2_e1f0)
        var schedule = [UInt32](repeating: 0, count: 80)

        // Whole blocks straight from the input, then the padded tail: 0x80, zeros, and the
        // message length in bits as a big-endian 64-bit number, in one or two more blocks.
        let wholeBlocks = bytes.count / 64
        bytes.withUnsafeBufferPointer { input in
            for block in 0..<wholeBlocks {
                compress(UnsafeBufferPointer(rebasing: input[(block * 64)..<(block * 64 + 64)]),
                         into: &state, schedule: &schedule)
            }
        }
        var tail = Array(bytes[(wholeBlocks * 64)...])
        tail.append(0x80)
        while tail.count % 64 != 56 { tail.append(0) }
        let bitLength = UInt64(bytes.count) &* 8
        for shift in stride(from: 56, through: 0, by: -8) {
            tail.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(shift)))
        }
        tail.withUnsafeBufferPointer { input in
            for start in stride(from: 0, to: input.count, by: 64) {
                compress(UnsafeBufferPointer(rebasing: input[start..<(start + 64)]),
                         into: &state, schedule: &schedule)
            }
        }

        var result: [UInt8] = []
        result.reserveCapacity(20)
        for word in [state.0, state.1, state.2, state.3, state.4] {
            result.append(UInt8(truncatingIfNeeded: word >> 24))
            result.append(UInt8(truncatingIfNeeded: word >> 16))
            result.append(UInt8(truncatingIfNeeded: word >> 8))
            result.append(UInt8(truncatingIfNeeded: word))
        }
        return result
    }

    /// Mixes one 64-byte block into the state; `schedule` is scratch space of 80 words.
    private static func compress(
        _ block: UnsafeBufferPointer<UInt8>,
        into state: inout (UInt32, UInt32, UInt32, UInt32, UInt32),
        schedule w: inout [UInt32]
    ) {
        for i in 0..<16 {
            w[i] = UInt32(block[4 * i]) << 24 | UInt32(block[4 * i + 1]) << 16
                | UInt32(block[4 * i + 2]) << 8 | UInt32(block[4 * i + 3])
        }
        for i in 16..<80 {
            w[i] = rotateLeft(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], by: 1)
        }
        var (a, b, c, d, e) = state
        for i in 0..<80 {
            let f: UInt32
            let k: UInt32
            switch i {
            case 0..<20:
                f = (b & c) | (~b & d)
                k = 0x5a82_7999
            case 20..<40:
                f = b ^ c ^ d
                k = 0x6ed9_eba1
            case 40..<60:
                f = (b & c) | (b & d) | (c & d)
                k = 0x8f1b_bcdc
            default:
                f = b ^ c ^ d
                k = 0xca62_c1d6
            }
            let temp = rotateLeft(a, by: 5) &+ f &+ e &+ k &+ w[i]
            e = d
            d = c
            c = rotateLeft(b, by: 30)
            b = a
            a = temp
        }
        state = (state.0 &+ a, state.1 &+ b, state.2 &+ c, state.3 &+ d, state.4 &+ e)
    }

    private static func rotateLeft(_ value: UInt32, by count: UInt32) -> UInt32 {
        (value << count) | (value >> (32 - count))
    }
}
