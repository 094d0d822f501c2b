//! Identifiers and literals in SQL text. Every identifier is quoted, always: mixed case,
//! reserved words, spaces and any Unicode then mean exactly what they say.

/// `name` as a quoted identifier: `"name"`, with embedded `"` doubled.
pub fn quote_ident(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 2);
    out.push('"');
    for c in name.chars() {
        if c == '"' {
            out.push('"');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// `schema.name`, both quoted.
pub fn qualified_name(schema: &str, name: &str) -> String {
    format!("{}.{}", quote_ident(schema), quote_ident(name))
}

/// `value` as a string literal that means the same whatever `standard_conforming_strings`
/// says (as PostgreSQL's own `quote_literal`): `'...'` with `'` doubled, and when the
/// value holds a backslash, `E'...'` with backslashes doubled too.
pub fn quote_literal(value: &str) -> String {
    let escape = value.contains('\\');
    let mut out = String::with_capacity(value.len() + 3);
    if escape {
        out.push('E');
    }
    out.push('\'');
    for c in value.chars() {
        match c {
            '\'' => out.push_str("''"),
            '\\' => out.push_str("\\\\"),
            _ => out.push(c),
        }
    }
    out.push('\'');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_always_quoted() {
        assert_eq!(quote_ident("users"), "\"users\"");
        assert_eq!(quote_ident("MixedCase"), "\"MixedCase\"");
        assert_eq!(quote_ident("select"), "\"select\"");
        assert_eq!(quote_ident("order id"), "\"order id\"");
        assert_eq!(quote_ident("größe_ñ_表"), "\"größe_ñ_表\"");
        assert_eq!(quote_ident(""), "\"\"");
    }

    #[test]
    fn embedded_quotes_are_doubled() {
        assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(quote_ident("\""), "\"\"\"\"");
        assert_eq!(quote_ident("x'y"), "\"x'y\"");
    }

    #[test]
    fn qualified_names_quote_both_parts() {
        assert_eq!(
            qualified_name("Sales", "my.table"),
            "\"Sales\".\"my.table\""
        );
    }

    #[test]
    fn literals_double_quotes_and_escape_backslashes() {
        assert_eq!(quote_literal("plain"), "'plain'");
        assert_eq!(quote_literal("it's"), "'it''s'");
        assert_eq!(quote_literal(""), "''");
        assert_eq!(quote_literal("a\\b"), "E'a\\\\b'");
        assert_eq!(quote_literal("'\\'"), "E'''\\\\'''");
        assert_eq!(quote_literal("ünï ✓"), "'ünï ✓'");
    }
}
