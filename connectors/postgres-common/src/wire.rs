//! PostgreSQL's binary value formats (what `COPY ... (FORMAT binary)` carries, big-endian)
//! and their Arrow counterparts. Pure functions: no allocation, both directions, so the
//! source decodes and the destination encodes with the same rules.

/// Days from 1970-01-01 (Arrow's epoch) to 2000-01-01 (PostgreSQL's).
pub const EPOCH_OFFSET_DAYS: i32 = 10_957;
/// Microseconds from 1970-01-01 to 2000-01-01.
pub const EPOCH_OFFSET_MICROS: i64 = 946_684_800_000_000;

/// The 11-byte signature that starts a binary COPY stream.
pub const COPY_SIGNATURE: &[u8; 11] = b"PGCOPY\n\xff\r\n\0";

/// A PostgreSQL `date` (days since 2000-01-01) as Arrow Date32 (days since 1970-01-01).
/// `infinity`/`-infinity` (i32::MAX/MIN) stay i32::MAX/MIN. `None` only for a value no
/// PostgreSQL date has.
#[inline]
pub fn date_to_arrow(pg_days: i32) -> Option<i32> {
    if pg_days == i32::MAX || pg_days == i32::MIN {
        Some(pg_days)
    } else {
        pg_days.checked_add(EPOCH_OFFSET_DAYS)
    }
}

/// The inverse of [`date_to_arrow`]; `None` when the day is outside i32 after shifting.
#[inline]
pub fn date_from_arrow(days: i32) -> Option<i32> {
    if days == i32::MAX || days == i32::MIN {
        Some(days)
    } else {
        days.checked_sub(EPOCH_OFFSET_DAYS)
    }
}

/// A PostgreSQL `timestamp`/`timestamptz` (µs since 2000-01-01) as Arrow (µs since
/// 1970-01-01). `infinity`/`-infinity` (i64::MAX/MIN) stay i64::MAX/MIN. `None` for the
/// timestamps after year 294,246 that PostgreSQL holds and i64 since 1970 cannot.
#[inline]
pub fn timestamp_to_arrow(pg_micros: i64) -> Option<i64> {
    if pg_micros == i64::MAX || pg_micros == i64::MIN {
        Some(pg_micros)
    } else {
        match pg_micros.checked_add(EPOCH_OFFSET_MICROS) {
            // Would read back as infinity.
            Some(i64::MAX) => None,
            other => other,
        }
    }
}

/// The inverse of [`timestamp_to_arrow`].
#[inline]
pub fn timestamp_from_arrow(micros: i64) -> Option<i64> {
    if micros == i64::MAX || micros == i64::MIN {
        Some(micros)
    } else {
        micros.checked_sub(EPOCH_OFFSET_MICROS)
    }
}

const MICROS_PER_DAY: i64 = 86_400_000_000;

/// A PostgreSQL `interval` (µs, days, months) as Arrow MonthDayNano (months, days,
/// nanoseconds): the same fields, µs * 1000. PostgreSQL 17's infinite intervals (all fields
/// at MAX or MIN) map to all fields at MAX/MIN.
///
/// A time part beyond ±292 years (µs * 1000 overflows i64: `'3000000 hours'`) carries
/// whole days into the day field: an interval PostgreSQL compares equal (its comparisons
/// count a day as 24 hours), though printed differently. `None` only when the day field
/// overflows too.
#[inline]
pub fn interval_to_arrow(micros: i64, days: i32, months: i32) -> Option<(i32, i32, i64)> {
    if interval_is_infinite(micros, days, months) {
        return Some((months, days, micros));
    }
    match micros.checked_mul(1000) {
        Some(nanos) => Some((months, days, nanos)),
        None => {
            let carried = micros / MICROS_PER_DAY;
            let days = i32::try_from(carried).ok()?.checked_add(days)?;
            Some((months, days, (micros % MICROS_PER_DAY) * 1000))
        }
    }
}

/// The inverse of [`interval_to_arrow`]: (µs, days, months). `None` when the nanoseconds are
/// not whole microseconds (PostgreSQL would round them).
#[inline]
pub fn interval_from_arrow(months: i32, days: i32, nanos: i64) -> Option<(i64, i32, i32)> {
    if interval_is_infinite(nanos, days, months) {
        return Some((nanos, days, months));
    }
    if nanos % 1000 != 0 {
        return None;
    }
    Some((nanos / 1000, days, months))
}

/// Like [`interval_from_arrow`], but nanoseconds that are not whole microseconds are
/// rounded half away from zero (what PostgreSQL keeps) instead of refused.
#[inline]
pub fn interval_from_arrow_rounded(months: i32, days: i32, nanos: i64) -> (i64, i32, i32) {
    if interval_is_infinite(nanos, days, months) {
        return (nanos, days, months);
    }
    (nanos_to_micros(nanos), days, months)
}

/// Nanoseconds to microseconds, rounding half away from zero.
#[inline]
pub fn nanos_to_micros(nanos: i64) -> i64 {
    let micros = nanos / 1000;
    let rest = nanos % 1000;
    if rest >= 500 {
        micros + 1
    } else if rest <= -500 {
        micros - 1
    } else {
        micros
    }
}

/// PostgreSQL 17's `infinity` / `-infinity` interval: every field at MAX, or every field at
/// MIN (whatever unit the time field is in).
#[inline]
fn interval_is_infinite(time: i64, days: i32, months: i32) -> bool {
    (time == i64::MAX && days == i32::MAX && months == i32::MAX)
        || (time == i64::MIN && days == i32::MIN && months == i32::MIN)
}

/// A `"char"` byte as text: itself when ASCII, nothing for 0, and `\ooo` (octal, the form
/// PostgreSQL 15+ prints and reads back) for a byte >= 0x80. Returns the bytes and length.
#[inline]
pub fn char_to_text(byte: u8) -> ([u8; 4], usize) {
    match byte {
        0 => ([0; 4], 0),
        1..=0x7f => ([byte, 0, 0, 0], 1),
        _ => (
            [
                b'\\',
                b'0' + (byte >> 6),
                b'0' + ((byte >> 3) & 7),
                b'0' + (byte & 7),
            ],
            4,
        ),
    }
}

// ---- numeric ---------------------------------------------------------------------------

/// Sign words of PostgreSQL's binary `numeric`.
pub const NUMERIC_POS: u16 = 0x0000;
pub const NUMERIC_NEG: u16 = 0x4000;
pub const NUMERIC_NAN: u16 = 0xC000;
pub const NUMERIC_PINF: u16 = 0xD000;
pub const NUMERIC_NINF: u16 = 0xF000;

/// Why a binary `numeric` is not a decimal128 at the asked scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumericError {
    NaN,
    Infinity,
    NegativeInfinity,
    /// More fractional digits than the scale holds (a value rounding would change).
    TooManyFractionalDigits,
    /// Does not fit in i128 at this scale.
    Overflow,
    /// Not a well-formed binary numeric.
    Malformed,
}

impl NumericError {
    pub fn describe(self) -> &'static str {
        match self {
            NumericError::NaN => "NaN",
            NumericError::Infinity => "Infinity",
            NumericError::NegativeInfinity => "-Infinity",
            NumericError::TooManyFractionalDigits => {
                "a value with more fractional digits than the column's scale"
            }
            NumericError::Overflow => "a value too large for decimal128",
            NumericError::Malformed => "a malformed binary numeric",
        }
    }
}

const POW10: [u64; 20] = [
    1,
    10,
    100,
    1_000,
    10_000,
    100_000,
    1_000_000,
    10_000_000,
    100_000_000,
    1_000_000_000,
    10_000_000_000,
    100_000_000_000,
    1_000_000_000_000,
    10_000_000_000_000,
    100_000_000_000_000,
    1_000_000_000_000_000,
    10_000_000_000_000_000,
    100_000_000_000_000_000,
    1_000_000_000_000_000_000,
    10_000_000_000_000_000_000,
];

#[inline]
fn be_u16(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

/// Decodes PostgreSQL's binary `numeric` (`ndigits`, `weight`, `sign`, `dscale`, then
/// `ndigits` base-10000 digits, most significant first, the first at 10000^weight) to the
/// unscaled i128 at `scale` (`12.34` at scale 2 is 1234). Exact or an error, never rounded.
pub fn numeric_to_i128(bytes: &[u8], scale: u8) -> Result<i128, NumericError> {
    if bytes.len() < 8 {
        return Err(NumericError::Malformed);
    }
    let ndigits = be_u16(bytes, 0) as usize;
    let weight = be_u16(bytes, 2) as i16 as i32;
    let sign = be_u16(bytes, 4);
    if bytes.len() != 8 + 2 * ndigits {
        return Err(NumericError::Malformed);
    }
    let negative = match sign {
        NUMERIC_POS => false,
        NUMERIC_NEG => true,
        NUMERIC_NAN => return Err(NumericError::NaN),
        NUMERIC_PINF => return Err(NumericError::Infinity),
        NUMERIC_NINF => return Err(NumericError::NegativeInfinity),
        _ => return Err(NumericError::Malformed),
    };
    let scale = scale as i32;
    // Digit i stands for digit * 10^(4 * (weight - i)); at the target scale its exponent
    // is e_i = 4 * (weight - i) + scale.
    let mut small: u64 = 0;
    let mut big: i128 = 0;
    let mut use_big = false;
    // Exponent (>= 0) of the last digit folded into the accumulator.
    let mut last_e: i32 = 0;
    for i in 0..ndigits {
        let d = be_u16(bytes, 8 + 2 * i) as u64;
        if d >= 10_000 {
            return Err(NumericError::Malformed);
        }
        let e = 4 * (weight - i as i32) + scale;
        // Multiplier for what is accumulated so far, and this digit's contribution.
        let (mul, add, new_e) = if e >= 0 {
            (10_000u64, d, e)
        } else {
            let cut = -e;
            if cut >= 4 {
                if d != 0 {
                    return Err(NumericError::TooManyFractionalDigits);
                }
                continue;
            }
            let div = POW10[cut as usize];
            if d % div != 0 {
                return Err(NumericError::TooManyFractionalDigits);
            }
            (POW10[(4 - cut) as usize], d / div, 0)
        };
        if i == 0 || (small == 0 && !use_big) {
            small = add;
        } else if !use_big {
            match small.checked_mul(mul).and_then(|v| v.checked_add(add)) {
                Some(v) if v < 1 << 62 => small = v,
                _ => {
                    use_big = true;
                    big = (small as i128) * (mul as i128) + add as i128;
                }
            }
        } else {
            big = big
                .checked_mul(mul as i128)
                .and_then(|v| v.checked_add(add as i128))
                .ok_or(NumericError::Overflow)?;
        }
        last_e = new_e;
    }
    let mut value: i128 = if use_big { big } else { small as i128 };
    // Trailing zero digits are not sent: scale up to the last digit's exponent.
    let mut e = last_e;
    while e > 0 {
        let step = e.min(19);
        value = value
            .checked_mul(POW10[step as usize] as i128)
            .ok_or(NumericError::Overflow)?;
        e -= step;
    }
    Ok(if negative { -value } else { value })
}

/// Appends `unscaled / 10^scale` as PostgreSQL's binary `numeric` to `out` (canonical:
/// no leading or trailing zero digits, `dscale` = max(scale, 0)). No allocation beyond
/// `out` growing.
pub fn i128_to_numeric(unscaled: i128, scale: i8, out: &mut Vec<u8>) {
    let numeric = NumericDigits::from_i128(unscaled, i32::from(scale));
    out.reserve(numeric.encoded_len());
    numeric.for_each_word(|word| out.extend_from_slice(&word.to_be_bytes()));
}

/// `unscaled / 10^scale` in PostgreSQL's binary `numeric` form, computed on the stack:
/// the header words and the base-10000 digits (canonical: no leading or trailing zero
/// digits, `dscale` = max(scale, 0)). `scale` may be negative (the value is then
/// `unscaled * 10^-scale`). Write it with [`NumericDigits::for_each_word`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NumericDigits {
    /// The digits are `groups[start..end]`, most significant first.
    groups: [u16; 12],
    start: usize,
    end: usize,
    pub weight: i16,
    pub sign: u16,
    pub dscale: u16,
}

impl NumericDigits {
    #[inline]
    pub fn from_i128(unscaled: i128, scale: i32) -> Self {
        let dscale = scale.max(0) as u16;
        let mut groups = [0u16; 12];
        if unscaled == 0 {
            return NumericDigits {
                groups,
                start: 12,
                end: 12,
                weight: 0,
                sign: NUMERIC_POS,
                dscale,
            };
        }
        let sign = if unscaled < 0 {
            NUMERIC_NEG
        } else {
            NUMERIC_POS
        };
        let magnitude = unscaled.unsigned_abs();
        // value = magnitude * 10^e = (magnitude * 10^r) * 10000^w0, with 0 <= r < 4.
        let e = -scale;
        let r = e.rem_euclid(4) as u32;
        let w0 = e.div_euclid(4);
        // Base-10000 groups of magnitude * 10^r, filled from the least significant one at
        // the end of `groups`. The lowest group is split off first so that multiplying by
        // 10^r cannot overflow.
        let mut at = 12;
        let split = POW10[(4 - r) as usize];
        let scale_low = POW10[r as usize];
        if magnitude <= u128::from(u64::MAX) {
            // The common case (every 64-bit integer): u64 arithmetic only.
            let m = magnitude as u64;
            at -= 1;
            groups[at] = ((m % split) * scale_low) as u16;
            let mut rest = m / split;
            while rest > 0 {
                at -= 1;
                groups[at] = (rest % 10_000) as u16;
                rest /= 10_000;
            }
        } else {
            at -= 1;
            groups[at] = ((magnitude % u128::from(split)) as u64 * scale_low) as u16;
            let mut rest = magnitude / u128::from(split);
            // Peel 10^16 at a time with u128 divisions, the rest with u64 arithmetic.
            while rest > u128::from(u64::MAX) {
                let mut chunk = (rest % 10_000_000_000_000_000) as u64;
                rest /= 10_000_000_000_000_000;
                for _ in 0..4 {
                    at -= 1;
                    groups[at] = (chunk % 10_000) as u16;
                    chunk /= 10_000;
                }
            }
            let mut rest = rest as u64;
            while rest > 0 {
                at -= 1;
                groups[at] = (rest % 10_000) as u16;
                rest /= 10_000;
            }
        }
        // The top group is non-zero; drop trailing zero groups.
        let mut end = 12;
        while groups[end - 1] == 0 {
            end -= 1;
        }
        NumericDigits {
            groups,
            start: at,
            end,
            weight: (w0 + (12 - at) as i32 - 1) as i16,
            sign,
            dscale,
        }
    }

    /// The base-10000 digits, most significant first.
    #[inline]
    pub fn digits(&self) -> &[u16] {
        &self.groups[self.start..self.end]
    }

    /// Bytes of the binary value (without a COPY length prefix).
    #[inline]
    pub fn encoded_len(&self) -> usize {
        8 + 2 * (self.end - self.start)
    }

    /// Hands out the binary value's 16-bit words in order (`ndigits`, `weight`, `sign`,
    /// `dscale`, the digits), each to be written big-endian.
    #[inline]
    pub fn for_each_word(&self, mut put: impl FnMut(u16)) {
        put((self.end - self.start) as u16);
        put(self.weight as u16);
        put(self.sign);
        put(self.dscale);
        for &digit in self.digits() {
            put(digit);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A binary numeric from its fields.
    fn numeric(weight: i16, sign: u16, dscale: u16, digits: &[u16]) -> Vec<u8> {
        let mut b = Vec::new();
        b.extend_from_slice(&(digits.len() as u16).to_be_bytes());
        b.extend_from_slice(&weight.to_be_bytes());
        b.extend_from_slice(&sign.to_be_bytes());
        b.extend_from_slice(&dscale.to_be_bytes());
        for d in digits {
            b.extend_from_slice(&d.to_be_bytes());
        }
        b
    }

    /// Reference: the exact decimal text of a binary numeric, by strings.
    fn numeric_text(bytes: &[u8]) -> String {
        let n = be_u16(bytes, 0) as usize;
        let weight = be_u16(bytes, 2) as i16 as i32;
        let sign = be_u16(bytes, 4);
        let dscale = be_u16(bytes, 6) as usize;
        let mut int = String::new();
        let mut frac = String::new();
        for i in 0..n {
            let d = be_u16(bytes, 8 + 2 * i);
            let e = weight - i as i32;
            if e >= 0 {
                int.push_str(&format!("{:04}", d));
            } else {
                while (frac.len() as i32) < 4 * (-e - 1) {
                    frac.push_str("0000");
                }
                frac.push_str(&format!("{:04}", d));
            }
        }
        if n > 0 {
            let last_e = weight - n as i32 + 1;
            for _ in 0..last_e.max(0) {
                int.push_str("0000");
            }
        }
        let int = int.trim_start_matches('0');
        let int = if int.is_empty() { "0" } else { int };
        while frac.len() < dscale {
            frac.push('0');
        }
        let frac = &frac[..dscale.min(frac.len())];
        let mut s = String::new();
        if sign == NUMERIC_NEG {
            s.push('-');
        }
        s.push_str(int);
        if dscale > 0 {
            s.push('.');
            s.push_str(frac);
        }
        s
    }

    fn decimal_text(unscaled: i128, scale: u8) -> String {
        let neg = unscaled < 0;
        let digits = unscaled.unsigned_abs().to_string();
        let scale = scale as usize;
        let padded = if digits.len() <= scale {
            format!("{}{}", "0".repeat(scale + 1 - digits.len()), digits)
        } else {
            digits
        };
        let (i, f) = padded.split_at(padded.len() - scale);
        let mut s = String::new();
        if neg {
            s.push('-');
        }
        s.push_str(i);
        if scale > 0 {
            s.push('.');
            s.push_str(f);
        }
        s
    }

    #[test]
    fn epochs_shift_and_keep_infinity() {
        assert_eq!(date_to_arrow(0), Some(10_957));
        assert_eq!(date_to_arrow(-10_957), Some(0));
        assert_eq!(date_to_arrow(i32::MAX), Some(i32::MAX));
        assert_eq!(date_to_arrow(i32::MIN), Some(i32::MIN));
        // PostgreSQL's last and first dates (5874897-12-31, 4714-11-24 BC).
        assert_eq!(date_to_arrow(2_145_031_948), Some(2_145_042_905));
        assert_eq!(date_from_arrow(2_145_042_905), Some(2_145_031_948));
        assert_eq!(date_to_arrow(-2_451_545), Some(-2_440_588));
        assert_eq!(date_from_arrow(i32::MIN + 5), None);
        assert_eq!(timestamp_to_arrow(0), Some(946_684_800_000_000));
        assert_eq!(timestamp_to_arrow(i64::MAX), Some(i64::MAX));
        assert_eq!(timestamp_to_arrow(i64::MIN), Some(i64::MIN));
        assert_eq!(timestamp_from_arrow(i64::MAX), Some(i64::MAX));
        assert_eq!(timestamp_from_arrow(946_684_800_000_000), Some(0));
        // PostgreSQL's first timestamp (4714-11-24 00:00 BC) fits; its last ones do not.
        assert_eq!(
            timestamp_to_arrow(-211_813_488_000_000_000),
            Some(-210_866_803_200_000_000)
        );
        assert_eq!(timestamp_to_arrow(9_223_371_331_199_999_999), None);
        assert_eq!(timestamp_to_arrow(i64::MAX - EPOCH_OFFSET_MICROS), None);
        assert_eq!(
            timestamp_to_arrow(i64::MAX - EPOCH_OFFSET_MICROS - 1),
            Some(i64::MAX - 1)
        );
    }

    #[test]
    fn intervals_scale_microseconds_to_nanoseconds() {
        assert_eq!(
            interval_to_arrow(1_500_000, 3, 14),
            Some((14, 3, 1_500_000_000))
        );
        assert_eq!(interval_to_arrow(-1, -2, -3), Some((-3, -2, -1000)));
        // Beyond ±292 years of time: whole days move to the day field.
        let max_time = 9_223_372_036_854_775_807i64; // 2562047788:00:54.775807
        assert_eq!(
            interval_to_arrow(max_time, 0, 0),
            Some((0, 106_751_991, 14_454_775_807_000))
        );
        assert_eq!(
            interval_to_arrow(-max_time, -5, 7),
            Some((7, -106_751_996, -14_454_775_807_000))
        );
        assert_eq!(
            interval_to_arrow(i64::MAX / 100, 0, 0),
            Some((0, 1_067_519, 78_768_547_758_000))
        );
        assert_eq!(interval_to_arrow(max_time, i32::MAX - 5, 0), None);
        assert_eq!(interval_to_arrow(i64::MIN + 1, -2_147_483_647, 0), None);
        assert_eq!(
            interval_to_arrow(i64::MAX, i32::MAX, i32::MAX),
            Some((i32::MAX, i32::MAX, i64::MAX))
        );
        assert_eq!(
            interval_from_arrow(14, 3, 1_500_000_000),
            Some((1_500_000, 3, 14))
        );
        assert_eq!(interval_from_arrow(0, 0, 1), None);
        assert_eq!(
            interval_from_arrow(i32::MIN, i32::MIN, i64::MIN),
            Some((i64::MIN, i32::MIN, i32::MIN))
        );
    }

    #[test]
    fn char_bytes_become_their_text_form() {
        assert_eq!(char_to_text(b'a'), ([b'a', 0, 0, 0], 1));
        assert_eq!(char_to_text(0).1, 0);
        assert_eq!(&char_to_text(0xff).0, b"\\377");
        assert_eq!(&char_to_text(0x80).0, b"\\200");
    }

    #[test]
    fn numeric_decodes_known_encodings() {
        // Captured from PostgreSQL 15 numeric_send.
        assert_eq!(numeric_to_i128(&numeric(0, 0, 2, &[12, 3400]), 2), Ok(1234));
        assert_eq!(
            numeric_to_i128(&numeric(0, NUMERIC_NEG, 2, &[12, 3400]), 2),
            Ok(-1234)
        );
        assert_eq!(numeric_to_i128(&numeric(0, 0, 0, &[]), 5), Ok(0));
        assert_eq!(numeric_to_i128(&numeric(1, 0, 0, &[100]), 0), Ok(1_000_000));
        assert_eq!(numeric_to_i128(&numeric(-1, 0, 4, &[1]), 4), Ok(1));
        assert_eq!(numeric_to_i128(&numeric(-2, 0, 6, &[100]), 6), Ok(1));
        assert_eq!(numeric_to_i128(&numeric(0, 0, 1, &[1, 5000]), 3), Ok(1500));
        // Trailing zero digits sent anyway are harmless.
        assert_eq!(numeric_to_i128(&numeric(0, 0, 2, &[7, 0, 0]), 2), Ok(700));
    }

    #[test]
    fn numeric_specials_and_bad_values_are_errors() {
        assert_eq!(
            numeric_to_i128(&numeric(0, NUMERIC_NAN, 0, &[]), 2),
            Err(NumericError::NaN)
        );
        assert_eq!(
            numeric_to_i128(&numeric(0, NUMERIC_PINF, 0, &[]), 2),
            Err(NumericError::Infinity)
        );
        assert_eq!(
            numeric_to_i128(&numeric(0, NUMERIC_NINF, 0, &[]), 2),
            Err(NumericError::NegativeInfinity)
        );
        assert_eq!(
            numeric_to_i128(&numeric(0, 0, 3, &[1, 1230]), 2),
            Err(NumericError::TooManyFractionalDigits)
        );
        assert_eq!(
            numeric_to_i128(&numeric(-3, 0, 12, &[5]), 2),
            Err(NumericError::TooManyFractionalDigits)
        );
        assert_eq!(
            numeric_to_i128(&numeric(10, 0, 0, &[1]), 0),
            Err(NumericError::Overflow)
        );
        assert_eq!(
            numeric_to_i128(&[0, 1, 0, 0], 0),
            Err(NumericError::Malformed)
        );
        assert_eq!(
            numeric_to_i128(&numeric(0, 0, 0, &[10_000]), 0),
            Err(NumericError::Malformed)
        );
        assert_eq!(
            numeric_to_i128(&numeric(0, 0x1234, 0, &[1]), 0),
            Err(NumericError::Malformed)
        );
        let mut truncated = numeric(0, 0, 0, &[1, 2]);
        truncated.pop();
        assert_eq!(numeric_to_i128(&truncated, 0), Err(NumericError::Malformed));
    }

    fn edge_values() -> Vec<i128> {
        let max38: i128 = 99_999_999_999_999_999_999_999_999_999_999_999_999;
        let mut v = vec![
            0,
            1,
            -1,
            9,
            10,
            99,
            100,
            9999,
            10_000,
            10_001,
            123_456_789,
            max38,
            -max38,
        ];
        let mut p: i128 = 1;
        for _ in 0..38 {
            v.push(p);
            v.push(p - 1);
            v.push(-p);
            v.push(p + 1);
            p *= 10;
        }
        v.push(i128::MAX);
        v.push(i128::MIN + 1);
        v.push(i64::MAX as i128);
        v.push(u64::MAX as i128 + 1);
        // A spread of "random" values (a fixed LCG, so failures reproduce).
        let mut x: u128 = 0x1234_5678_9abc_def0_0fed_cba9_8765_4321;
        for _ in 0..2000 {
            x = x
                .wrapping_mul(0x2360_ED05_1FC6_5DA4_4385_DF64_9FCC_F645)
                .wrapping_add(1);
            let digits = (x >> 120) as u32 % 39;
            let m = (x % 10u128.pow(digits.max(1))) as i128;
            v.push(if x & 1 == 0 { m } else { -m });
        }
        v
    }

    #[test]
    fn numeric_round_trips_edge_values_at_every_scale() {
        let mut buf = Vec::new();
        for &value in &edge_values() {
            for scale in 0..=38u8 {
                buf.clear();
                i128_to_numeric(value, scale as i8, &mut buf);
                assert_eq!(
                    numeric_text(&buf),
                    decimal_text(value, scale),
                    "encode {} at scale {}",
                    value,
                    scale
                );
                assert_eq!(
                    numeric_to_i128(&buf, scale),
                    Ok(value),
                    "decode {} at scale {}",
                    value,
                    scale
                );
                // Decoding at a larger scale multiplies exactly (or overflows).
                if scale < 38 {
                    let wider = numeric_to_i128(&buf, scale + 1);
                    match value.checked_mul(10) {
                        Some(v) => assert_eq!(wider, Ok(v), "{} at {}+1", value, scale),
                        None => assert_eq!(wider, Err(NumericError::Overflow)),
                    }
                }
            }
        }
    }

    #[test]
    fn numeric_encoding_is_canonical() {
        let mut b = Vec::new();
        i128_to_numeric(1_000_000, 0, &mut b);
        assert_eq!(b, numeric(1, 0, 0, &[100]));
        b.clear();
        i128_to_numeric(1234, 2, &mut b);
        assert_eq!(b, numeric(0, 0, 2, &[12, 3400]));
        b.clear();
        i128_to_numeric(-5, 3, &mut b);
        assert_eq!(b, numeric(-1, NUMERIC_NEG, 3, &[50]));
        b.clear();
        i128_to_numeric(0, 4, &mut b);
        assert_eq!(b, numeric(0, 0, 4, &[]));
        b.clear();
        // Negative scale: 12 * 10^5.
        i128_to_numeric(12, -5, &mut b);
        assert_eq!(b, numeric(1, 0, 0, &[120]));
    }
}
