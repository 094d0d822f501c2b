//! Values for the connectors' throughput benchmarks (the `#[ignore]` tests
//! `decode_throughput` and `encode_throughput`), in one place so that the source's decode
//! and the destination's encode measure the same text. Only built with the `bench-data`
//! feature, which the connectors enable for their tests alone.

/// 32 lowercase hex characters, md5-like, derived from `seed` by xorshift: the same for the
/// same seed on every run and machine (the benchmarks must not depend on a random source).
pub fn hex32(seed: u64) -> String {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03;
    let mut text = String::with_capacity(32);
    for _ in 0..2 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        text.push_str(&format!("{:016x}", x));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::hex32;

    #[test]
    fn is_32_hex_characters_and_depends_only_on_the_seed() {
        let text = hex32(7);
        assert_eq!(text.len(), 32);
        assert!(text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
        assert_eq!(text, hex32(7));
        assert_ne!(text, hex32(8));
    }
}
