//! The fast path of [`parse_ipv6`](super::parse_ipv6): hex groups and colons read
//! 8 characters at a time with SWAR arithmetic, no branch per character.

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// 0x80 in each byte of `t` (every byte below 0x80) that is at least `c`
/// (`1 <= c <= 0x80`); no carry crosses bytes.
#[inline(always)]
const fn ge(t: u64, c: u8) -> u64 {
    (t + ONES * (0x80 - c as u64)) & HIGH
}

/// 0x80 in each byte of `t` (every byte below 0x80) within `lo..=hi`.
#[inline(always)]
const fn in_range(t: u64, lo: u8, hi: u8) -> u64 {
    ge(t, lo) & !ge(t, hi + 1)
}

/// One bit per byte (byte `i` to bit `i`) from a 0x80-per-byte mask.
#[inline(always)]
const fn pack(m: u64) -> u64 {
    (m >> 7).wrapping_mul(0x0102_0408_1020_4080) >> 56
}

/// The fast path of [`parse_ipv6`](super::parse_ipv6): hex groups and colons only (`None` for anything
/// else, which the standard parser then reads).
///
/// Branch-free over the characters: 8 at a time, bit masks of the colons and hex
/// digits and the digits' values are built with SWAR arithmetic, then each group's
/// value is read from the 4 digit slots up to its end, so varying group lengths
/// cost no branch mispredictions.
///
/// One function of about 80 lines on purpose: it is the parser every address
/// lookup from text goes through, and its steps share the masks built at the
/// start; read top to bottom it is one pipeline (load, classify, locate groups,
/// assemble).
pub(super) fn parse(b: &[u8]) -> Option<u128> {
    let n = b.len();
    if !(2..=39).contains(&n) {
        return None;
    }
    // 8 characters at a time (SWAR): masks of the colons and hex digits, and the
    // digits' values in `nib`, shifted by 4 slots of zeros so that a group's 4
    // slots before its end are always in bounds; colons count as 0
    let mut buf = [0u8; 40];
    buf[..n].copy_from_slice(b);
    let mut nib = [0u8; 44];
    let (mut colons, mut hex) = (0u64, 0u64);
    for (k, (chunk, out)) in buf
        .as_chunks::<8>()
        .0
        .iter()
        .zip(nib[4..].as_chunks_mut::<8>().0)
        .enumerate()
    {
        let v = u64::from_le_bytes(*chunk);
        let ascii = !v & HIGH;
        let t = v & !HIGH;
        let lower = t | (ONES * 0x20);
        let colon = in_range(t, b':', b':') & ascii;
        let digit = in_range(t, b'0', b'9') & ascii;
        let letter = in_range(lower, b'a', b'f') & ascii;
        // low nibbles of c - '0' and c - 'a' + 10 (the high bit set keeps each
        // byte's subtraction in the byte), kept where the byte is that kind
        let digit_value = ((t | HIGH) - ONES * 0x30) & (ONES * 0x0f);
        let letter_value = ((lower | HIGH) - ONES * 0x57) & (ONES * 0x0f);
        let value = (digit_value & ((digit >> 7) * 0xff)) | (letter_value & ((letter >> 7) * 0xff));
        *out = value.to_le_bytes();
        colons |= pack(colon) << (8 * k);
        hex |= pack(digit | letter) << (8 * k);
    }
    let all = (1u64 << n) - 1;
    // only digits and colons; no group of more than 4 digits
    if colons | hex != all || hex & (hex >> 1) & (hex >> 2) & (hex >> 3) & (hex >> 4) != 0 {
        return None;
    }
    // `::` at most once (which also refuses `:::`)
    let double = colons & (colons >> 1);
    if double.count_ones() > 1 {
        return None;
    }
    // a colon at either end must be half of a `::`
    let first_ok = colons & 1 == 0 || double & 1 != 0;
    let last_ok = (colons >> (n - 1)) & 1 == 0 || (double >> (n - 2)) & 1 != 0;
    if !(first_ok && last_ok) {
        return None;
    }
    // group ends: the last digit of each run
    let ends = hex & !(hex >> 1);
    let groups = ends.count_ones();
    let gap = double != 0;
    if (gap && groups > 7) || (!gap && groups != 8) {
        return None;
    }
    // groups before the `::` go to the top, the others to the bottom
    let head = if gap {
        (ends & (double - 1)).count_ones()
    } else {
        8
    };
    let mut out = 0u128;
    let mut rest = ends;
    let mut k = 0u32;
    while rest != 0 {
        let e = rest.trailing_zeros() as usize;
        rest &= rest - 1;
        // the group starts after the last non-digit below its end (or at 0)
        let start = 64 - (!hex & ((1u64 << e) - 1)).leading_zeros() as usize;
        let len = e + 1 - start;
        // its value: the 4 digit slots up to its end (`nib[e + 1..=e + 4]`), masked
        // to its length (the slots before it hold a colon and another group)
        let v = nib[e + 1..=e + 4]
            .iter()
            .fold(0u32, |acc, &d| (acc << 4) | u32::from(d))
            & ((1u32 << (4 * len)) - 1);
        let slot = if k < head { 7 - k } else { groups - 1 - k };
        out |= u128::from(v) << (16 * slot);
        k += 1;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::net::Ipv6Addr;

    proptest! {
        // the fast path must not only agree with std (the fallback would hide a
        // fast path that gives up): it must read every hex-and-colon form itself
        #[test]
        fn the_fast_parser_reads_every_hex_and_colon_form_itself(
            bits in any::<u128>(),
            from in 0u32..8,
            len in 0u32..9,
            upper in any::<bool>(),
            pad in any::<bool>(),
        ) {
            let run = (u128::MAX.checked_shr(128 - 16 * len.min(8 - from)).unwrap_or(0)) << (16 * from);
            let a = Ipv6Addr::from(bits & !run);
            let groups: Vec<String> = a
                .segments()
                .iter()
                .map(|g| if pad { format!("{g:04x}") } else { format!("{g:x}") })
                .collect();
            for text in [a.to_string(), groups.join(":")] {
                if text.contains('.') {
                    continue; // IPv4-mapped forms are the standard parser's
                }
                let text = if upper { text.to_uppercase() } else { text };
                prop_assert_eq!(parse(text.as_bytes()), Some(a.to_bits()), "{}", text);
            }
        }

        #[test]
        fn the_fast_parser_never_accepts_what_the_standard_parser_refuses(
            // with the neighbours of every range edge, and multi-byte characters
            // whose bytes equal ':' or '0' once their high bit is dropped
            text in "[0-9a-fA-F:/;@G`gº\u{170}\u{1ba}]{0,41}",
        ) {
            if let Some(bits) = parse(text.as_bytes()) {
                prop_assert_eq!(text.parse::<Ipv6Addr>().ok().map(u128::from), Some(bits), "{}", text);
            }
            // and, on every hex-and-colon text, it answers (std agreeing)
            if text.bytes().all(|c| c == b':' || c.is_ascii_hexdigit()) {
                let std = text.parse::<Ipv6Addr>().ok().map(u128::from);
                prop_assert_eq!(parse(text.as_bytes()), std, "{}", text);
            }
        }
    }
}
