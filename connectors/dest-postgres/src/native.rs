//! `rapidbyte.native_type` texts: which may be spliced into SQL, and how an enum's type
//! name splits into schema, name and array dimensions.

/// Whether `text` is a type name that can go into SQL text as is (`CREATE TABLE ... (c
/// <type>)`, `x::<type>`) without being able to mean anything but a type: a possibly
/// qualified name (bare or quoted identifiers), then only the keywords of PostgreSQL's
/// multi-word type names (`character varying`, `double precision`, `timestamp(3) with
/// time zone`, `interval day to second`), type modifiers in parentheses holding only
/// numbers and commas, and `[]`/`[n]`. Anything else (`;`, quotes outside identifiers,
/// comments, `DEFAULT ...`, a comma or parenthesis that could close the column list) is
/// refused, and the writer falls back to the type derived from the Arrow type.
pub fn is_safe_type_name(text: &str) -> bool {
    const KEYWORDS: [&str; 13] = [
        "varying",
        "precision",
        "with",
        "without",
        "time",
        "zone",
        "year",
        "month",
        "day",
        "hour",
        "minute",
        "second",
        "to",
    ];
    let bytes = text.as_bytes();
    if text.trim().is_empty() || text.len() > 512 {
        return false;
    }
    let mut at = 0;
    // A word after a space is a keyword, not part of the (first) name.
    let mut words = 0;
    let mut after_space = false;
    while at < bytes.len() {
        match bytes[at] {
            b'"' => {
                if after_space && words > 0 {
                    return false;
                }
                // Quoted identifier: anything but a lone quote; "" is an escaped quote.
                let start = at;
                at += 1;
                loop {
                    match bytes.get(at) {
                        None => return false,
                        Some(b'"') if bytes.get(at + 1) == Some(&b'"') => at += 2,
                        Some(b'"') => {
                            at += 1;
                            break;
                        }
                        Some(_) => at += 1,
                    }
                }
                if at - start == 2 {
                    return false; // `""` is not an identifier
                }
                words += 1;
                after_space = false;
            }
            b'(' => {
                // Type modifiers: numbers (possibly negative) separated by commas.
                at += 1;
                let start = at;
                while at < bytes.len() && bytes[at] != b')' {
                    if !matches!(bytes[at], b'0'..=b'9' | b',' | b' ' | b'-') {
                        return false;
                    }
                    at += 1;
                }
                if at == bytes.len() || at == start {
                    return false;
                }
                at += 1;
                after_space = false;
            }
            b'[' => {
                at += 1;
                while at < bytes.len() && bytes[at].is_ascii_digit() {
                    at += 1;
                }
                if bytes.get(at) != Some(&b']') {
                    return false;
                }
                at += 1;
                after_space = false;
            }
            b' ' => {
                at += 1;
                after_space = true;
            }
            b'.' => {
                at += 1;
                after_space = false;
            }
            b if b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80 => {
                let start = at;
                while at < bytes.len()
                    && (bytes[at].is_ascii_alphanumeric()
                        || bytes[at] == b'_'
                        || bytes[at] == b'$'
                        || bytes[at] >= 0x80)
                {
                    at += 1;
                }
                let word = &text[start..at];
                if after_space
                    && words > 0
                    && !KEYWORDS.iter().any(|k| k.eq_ignore_ascii_case(word))
                {
                    return false;
                }
                words += 1;
                after_space = false;
            }
            _ => return false,
        }
    }
    true
}

/// A type name split as PostgreSQL's `format_type` prints it: `[schema.]name` followed by
/// `[]` per array dimension. Quoted identifiers are unquoted; bare ones are folded to
/// lower case as PostgreSQL does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeName {
    pub schema: Option<String>,
    pub name: String,
    pub array_dims: usize,
}

pub fn parse_type_name(text: &str) -> Option<TypeName> {
    let mut rest = text.trim();
    let mut array_dims = 0;
    while let Some(stripped) = rest.strip_suffix("[]") {
        rest = stripped.trim_end();
        array_dims += 1;
    }
    let mut parts = Vec::new();
    let mut chars = rest.char_indices().peekable();
    let mut current = String::new();
    let mut quoted_part = false;
    while let Some((_, c)) = chars.next() {
        match c {
            '"' => {
                quoted_part = true;
                loop {
                    match chars.next() {
                        None => return None,
                        Some((_, '"')) => {
                            if matches!(chars.peek(), Some((_, '"'))) {
                                chars.next();
                                current.push('"');
                            } else {
                                break;
                            }
                        }
                        Some((_, other)) => current.push(other),
                    }
                }
            }
            '.' => {
                if current.is_empty() {
                    return None;
                }
                parts.push(std::mem::take(&mut current));
                quoted_part = false;
            }
            c if c.is_alphanumeric() || c == '_' || c == '$' => {
                if quoted_part {
                    return None;
                }
                current.push(c.to_ascii_lowercase());
            }
            _ => return None,
        }
    }
    if current.is_empty() {
        return None;
    }
    parts.push(current);
    match parts.len() {
        1 => Some(TypeName {
            schema: None,
            name: parts.pop()?,
            array_dims,
        }),
        2 => {
            let name = parts.pop()?;
            Some(TypeName {
                schema: parts.pop(),
                name,
                array_dims,
            })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_type_outputs_are_safe() {
        for text in [
            "integer",
            "character varying(32)",
            "numeric(12,2)",
            "numeric(5,-2)",
            "timestamp(3) with time zone",
            "time without time zone",
            "integer[]",
            "numeric(10,2)[]",
            "text[][]",
            "src.mood",
            "\"My Schema\".\"Mood \"\"quoted\"\" ; DROP\"",
            "\"char\"",
            "bit varying(5)",
            "interval day to second(3)",
            "public.citext",
            "größe",
        ] {
            assert!(is_safe_type_name(text), "{:?}", text);
        }
    }

    #[test]
    fn anything_that_could_leave_the_type_is_refused() {
        for text in [
            "",
            "   ",
            "text; DROP TABLE x",
            "text) INHERITS (other",
            "text, evil integer",
            "integer DEFAULT 1 -- x",
            "text /* x */",
            "numeric(1) CHECK (false)",
            "numeric(a)",
            "text COLLATE 'C'",
            "\"unterminated",
            "\"\"",
            "text[x]",
            "int4range'",
            "numeric()",
            "text DEFAULT current_user",
            "integer REFERENCES other",
            "integer NOT NULL",
            "text \"x\"",
        ] {
            assert!(!is_safe_type_name(text), "{:?}", text);
        }
    }

    #[test]
    fn type_names_split_into_schema_name_and_dimensions() {
        assert_eq!(
            parse_type_name("src.mood"),
            Some(TypeName {
                schema: Some("src".into()),
                name: "mood".into(),
                array_dims: 0
            })
        );
        assert_eq!(
            parse_type_name("mood[]"),
            Some(TypeName {
                schema: None,
                name: "mood".into(),
                array_dims: 1
            })
        );
        assert_eq!(
            parse_type_name("\"My Schema\".\"Mood \"\"Q\"\"\"[][]"),
            Some(TypeName {
                schema: Some("My Schema".into()),
                name: "Mood \"Q\"".into(),
                array_dims: 2
            })
        );
        assert_eq!(parse_type_name("Public.Mood").unwrap().name, "mood");
        assert_eq!(parse_type_name("a.b.c"), None);
        assert_eq!(parse_type_name("character varying(3)"), None);
        assert_eq!(parse_type_name(".x"), None);
    }
}
