//! The filter lexer and recursive-descent parser.

use serde_json::{Number, Value};

use super::{AttrPath, CompareOp, Filter, FilterError, Syntax};

/// Deepest nesting of parentheses, `not` and value filters accepted.
const MAX_DEPTH: usize = 64;

// Lexer and parser

#[derive(Debug, Clone, PartialEq)]
enum Tok<'a> {
    LParen,
    RParen,
    LBracket,
    RBracket,
    Word(&'a str),
    Str(String),
    Num(Number),
    End,
}

#[derive(Debug, Clone)]
struct Token<'a> {
    tok: Tok<'a>,
    /// Byte offset in the input.
    at: usize,
}

/// The 1-based character column of byte offset `at`.
pub(super) fn column(input: &str, at: usize) -> usize {
    match input.get(..at) {
        // Every comparison records its column; in ASCII text it is the byte offset.
        Some(prefix) if prefix.is_ascii() => at + 1,
        Some(prefix) => prefix.chars().count() + 1,
        None => at + 1,
    }
}

fn lex(input: &str) -> Result<Vec<Token<'_>>, FilterError> {
    let err = |at: usize, message: String| FilterError {
        message,
        column: column(input, at),
    };
    let bytes = input.as_bytes();
    // `attr op value` and the end marker fit without growing.
    let mut out = Vec::with_capacity(8);
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let start = i;
        let tok = match c {
            b' ' | b'\t' | b'\r' | b'\n' => {
                i += 1;
                continue;
            }
            b'(' => Tok::LParen,
            b')' => Tok::RParen,
            b'[' => Tok::LBracket,
            b']' => Tok::RBracket,
            b'"' => {
                let mut j = i + 1;
                loop {
                    match bytes.get(j) {
                        None => return Err(err(start, "unterminated string literal".into())),
                        Some(b'\\') => j += 2,
                        Some(b'"') => break,
                        Some(_) => j += 1,
                    }
                }
                let raw = &input[start..=j];
                let inner = &raw[1..raw.len() - 1];
                // Without escapes or control characters the literal is its own text;
                // anything else is read as the JSON string it must be.
                let s: String = if inner.bytes().all(|b| b >= 0x20 && b != b'\\') {
                    inner.to_owned()
                } else {
                    serde_json::from_str(raw)
                        .map_err(|e| err(start, format!("invalid string literal: {e}")))?
                };
                i = j + 1;
                out.push(Token {
                    tok: Tok::Str(s),
                    at: start,
                });
                continue;
            }
            b'-' | b'0'..=b'9' => {
                let mut j = i;
                while bytes.get(j).is_some_and(|b| {
                    b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E')
                }) {
                    j += 1;
                }
                let raw = &input[start..j];
                let n: Number = serde_json::from_str(raw)
                    .map_err(|_| err(start, format!("invalid number '{raw}'")))?;
                i = j;
                out.push(Token {
                    tok: Tok::Num(n),
                    at: start,
                });
                continue;
            }
            // `emails[type eq "work"].value`: a sub-attribute right after a value filter
            // (Entra's matching query). Lexed as a word starting with '.'; the parser decides.
            b'.' if out
                .last()
                .is_some_and(|t: &Token| t.tok == Tok::RBracket && t.at + 1 == start)
                && bytes.get(i + 1).is_some_and(u8::is_ascii_alphabetic) =>
            {
                let mut j = i + 1;
                while bytes
                    .get(j)
                    .is_some_and(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'$'))
                {
                    j += 1;
                }
                i = j;
                out.push(Token {
                    tok: Tok::Word(&input[start..j]),
                    at: start,
                });
                continue;
            }
            c if c.is_ascii_alphabetic() || c == b'$' || c == b'_' => {
                let mut j = i;
                while bytes.get(j).is_some_and(|b| {
                    b.is_ascii_alphanumeric() || matches!(b, b':' | b'.' | b'-' | b'_' | b'$')
                }) {
                    j += 1;
                }
                i = j;
                out.push(Token {
                    tok: Tok::Word(&input[start..j]),
                    at: start,
                });
                continue;
            }
            _ => {
                let ch = input[start..].chars().next().unwrap_or('?');
                return Err(err(start, format!("unexpected character '{ch}'")));
            }
        };
        i += 1;
        out.push(Token { tok, at: start });
    }
    out.push(Token {
        tok: Tok::End,
        at: input.len(),
    });
    Ok(out)
}

pub(super) struct Parser<'a> {
    input: &'a str,
    tokens: Vec<Token<'a>>,
    pos: usize,
    depth: usize,
    /// Parsing the inside of `attr[...]`: brackets may not nest.
    in_value_filter: bool,
    syntax: Syntax,
}

impl<'a> Parser<'a> {
    pub(super) fn new(
        input: &'a str,
        in_value_filter: bool,
        syntax: Syntax,
    ) -> Result<Self, FilterError> {
        Ok(Parser {
            input,
            tokens: lex(input)?,
            pos: 0,
            depth: 0,
            in_value_filter,
            syntax,
        })
    }

    /// Whether `word` is the keyword or operator `kw` (lower-case `kw`).
    fn word_is(&self, word: &str, kw: &str) -> bool {
        if self.syntax.lowercase_operators_only {
            word == kw
        } else {
            word.eq_ignore_ascii_case(kw)
        }
    }

    fn peek(&self) -> &Token<'a> {
        // `lex` always ends with `End`, and `pos` never moves past it.
        &self.tokens[self.pos.min(self.tokens.len() - 1)]
    }

    /// The current token, moved out: the parser never looks back, so a consumed token is
    /// left as `End` (no copy of its text).
    fn next(&mut self) -> Token<'a> {
        let i = self.pos.min(self.tokens.len() - 1);
        let at = self.tokens[i].at;
        if self.tokens[i].tok == Tok::End {
            return Token { tok: Tok::End, at };
        }
        self.pos += 1;
        std::mem::replace(&mut self.tokens[i], Token { tok: Tok::End, at })
    }

    fn error(&self, at: usize, message: impl Into<String>) -> FilterError {
        FilterError {
            message: message.into(),
            column: column(self.input, at),
        }
    }

    fn describe(tok: &Tok) -> String {
        match tok {
            Tok::LParen => "'('".into(),
            Tok::RParen => "')'".into(),
            Tok::LBracket => "'['".into(),
            Tok::RBracket => "']'".into(),
            Tok::Word(w) => format!("'{w}'"),
            Tok::Str(s) => format!("string {}", Value::from(s.as_str())),
            Tok::Num(n) => format!("number {n}"),
            Tok::End => "end of filter".into(),
        }
    }

    fn is_keyword(&self, kw: &str) -> bool {
        matches!(&self.peek().tok, Tok::Word(w) if self.word_is(w, kw))
    }

    pub(super) fn parse_all(mut self) -> Result<Filter, FilterError> {
        if self.peek().tok == Tok::End {
            return Err(self.error(0, "empty filter"));
        }
        let f = self.parse_or()?;
        let t = self.peek();
        if t.tok != Tok::End {
            let msg = format!(
                "unexpected {}; expected 'and', 'or' or end of filter",
                Self::describe(&t.tok)
            );
            return Err(self.error(t.at, msg));
        }
        Ok(f)
    }

    fn parse_or(&mut self) -> Result<Filter, FilterError> {
        let first = self.parse_and()?;
        if !self.is_keyword("or") {
            return Ok(first);
        }
        let mut items = vec![first];
        while self.is_keyword("or") {
            self.next();
            items.push(self.parse_and()?);
        }
        Ok(Filter::Or(items))
    }

    fn parse_and(&mut self) -> Result<Filter, FilterError> {
        let first = self.parse_unary()?;
        if !self.is_keyword("and") {
            return Ok(first);
        }
        let mut items = vec![first];
        while self.is_keyword("and") {
            self.next();
            items.push(self.parse_unary()?);
        }
        Ok(Filter::And(items))
    }

    fn enter(&mut self, at: usize) -> Result<(), FilterError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error(at, format!("filter nested deeper than {MAX_DEPTH} levels")));
        }
        Ok(())
    }

    fn expect(&mut self, want: Tok<'_>, what: &str) -> Result<(), FilterError> {
        let t = self.next();
        if t.tok == want {
            Ok(())
        } else {
            Err(self.error(
                t.at,
                format!("expected {what}, found {}", Self::describe(&t.tok)),
            ))
        }
    }

    fn parse_unary(&mut self) -> Result<Filter, FilterError> {
        if !self.is_keyword("not") {
            return self.parse_primary();
        }
        let at = self.next().at;
        self.enter(at)?;
        self.expect(Tok::LParen, "'(' after 'not'")?;
        let inner = self.parse_or()?;
        self.expect(Tok::RParen, "')' closing 'not ('")?;
        self.depth -= 1;
        Ok(Filter::Not(Box::new(inner)))
    }

    fn parse_primary(&mut self) -> Result<Filter, FilterError> {
        let t = self.next();
        match t.tok {
            Tok::LParen => {
                self.enter(t.at)?;
                let inner = self.parse_or()?;
                self.expect(Tok::RParen, "')'")?;
                self.depth -= 1;
                Ok(inner)
            }
            Tok::Word(word) => {
                let path = AttrPath::parse(word).map_err(|m| self.error(t.at, m))?;
                self.parse_after_path(path, t.at)
            }
            other => Err(self.error(
                t.at,
                format!(
                    "expected an attribute path or '(', found {}",
                    Self::describe(&other)
                ),
            )),
        }
    }

    fn parse_after_path(&mut self, path: AttrPath, path_at: usize) -> Result<Filter, FilterError> {
        let t = self.next();
        match t.tok {
            Tok::LBracket => {
                if self.in_value_filter {
                    return Err(self.error(t.at, "value filters cannot be nested"));
                }
                if path.sub.is_some() {
                    return Err(self.error(path_at, format!("'{path}' cannot take a value filter")));
                }
                self.enter(t.at)?;
                self.in_value_filter = true;
                let inner = self.parse_or()?;
                self.in_value_filter = false;
                self.expect(Tok::RBracket, "']' closing the value filter")?;
                self.depth -= 1;
                let filter = match self.peek().tok.clone() {
                    Tok::Word(w) if w.starts_with('.') => {
                        let sub_at = self.next().at;
                        self.sub_after_value_filter(&path, inner, &w[1..], sub_at)?
                    }
                    _ => inner,
                };
                Ok(Filter::ValuePath {
                    path,
                    filter: Box::new(filter),
                })
            }
            Tok::Word(word) if self.word_is(word, "pr") => Ok(Filter::Present(path)),
            Tok::Word(word) => {
                let op = CompareOp::parse(word)
                    .filter(|op| !self.syntax.lowercase_operators_only || op.as_str() == word);
                let Some(op) = op else {
                    return Err(self.error(t.at, format!("unknown operator '{word}'")));
                };
                let value = self.parse_value(word)?;
                Ok(Filter::Compare {
                    path,
                    op,
                    value,
                    column: column(self.input, t.at),
                })
            }
            other => Err(self.error(
                t.at,
                format!(
                    "expected an operator after '{path}', found {}",
                    Self::describe(&other)
                ),
            )),
        }
    }

    /// `attr[filter].sub op value` (not in the RFC 7644 grammar, sent by Entra) read as
    /// `attr[filter and sub op value]`; refused in strict mode, naming the quirk.
    fn sub_after_value_filter(
        &mut self,
        path: &AttrPath,
        inner: Filter,
        sub: &str,
        sub_at: usize,
    ) -> Result<Filter, FilterError> {
        if self.syntax.strict {
            return Err(self.error(
                sub_at,
                crate::defect::quirk(
                    &format!("'{path}[...].{sub}' (a sub-attribute after a value filter)"),
                    &format!("write the comparison inside the brackets, e.g. {path}[type eq \"work\" and {sub} eq \"...\"]"),
                    "Entra matches users on emails[type eq \"work\"].value this way",
                ),
            ));
        }
        let sub_path = AttrPath::parse(sub).map_err(|m| self.error(sub_at, m))?;
        let compared = self.parse_after_path(sub_path, sub_at)?;
        Ok(Filter::And(vec![inner, compared]))
    }

    fn parse_value(&mut self, op: &str) -> Result<Value, FilterError> {
        let t = self.next();
        match t.tok {
            Tok::Str(s) => Ok(Value::String(s)),
            Tok::Num(n) => Ok(Value::Number(n)),
            Tok::Word(w) if w.eq_ignore_ascii_case("true") => Ok(Value::Bool(true)),
            Tok::Word(w) if w.eq_ignore_ascii_case("false") => Ok(Value::Bool(false)),
            Tok::Word(w) if w.eq_ignore_ascii_case("null") => Ok(Value::Null),
            other => Err(self.error(
                t.at,
                format!(
                    "expected a value (string, number, true, false or null) after '{op}', found {}",
                    Self::describe(&other)
                ),
            )),
        }
    }
}
