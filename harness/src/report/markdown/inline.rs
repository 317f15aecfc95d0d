//! Text placed in Markdown: escaped prose, table cells, inline code and fenced blocks that
//! survive backticks, pipes and HTML in whatever the target sent.

use super::CELL_LIMIT;
use crate::report::text::truncate;

/// A fenced code block whose fence is longer than any backtick run in `content`.
pub(super) fn fenced(content: &str, lang: &str) -> String {
    let longest = longest_backtick_run(content);
    let fence = "`".repeat(longest.max(2) + 1);
    let content = content.trim_end_matches('\n');
    format!("{fence}{lang}\n{content}\n{fence}")
}

/// Inline code that survives backticks, `|` and `<` in `s` (one line only).
pub(super) fn code(s: &str) -> String {
    let flat = s.replace(['\n', '\r'], " ");
    if flat.is_empty() {
        return "(empty)".into();
    }
    let fence = "`".repeat(longest_backtick_run(&flat) + 1);
    // GFM splits table cells on `|` even inside code spans; the escape is honoured there.
    let flat = flat.replace('|', "\\|");
    let pad = if flat.starts_with('`') || flat.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{flat}{pad}{fence}")
}

fn longest_backtick_run(s: &str) -> usize {
    let (mut longest, mut run) = (0, 0);
    for c in s.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    longest
}

/// Plain text in Markdown: Markdown punctuation and HTML are escaped, lines are joined.
pub(super) fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' | '#' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '\r' => {}
            '\n' => out.push_str("<br>"),
            c => out.push(c),
        }
    }
    out
}

/// A table cell: escaped text, cut to a bounded length, `(none)` when empty.
pub(super) fn cell(s: &str) -> String {
    if s.is_empty() {
        return "".into();
    }
    text(&truncate(s.trim(), CELL_LIMIT))
}

/// Text inside raw HTML (`<summary>`).
pub(super) fn html(s: &str) -> String {
    let flat = s.replace(['\n', '\r'], " ");
    let mut out = String::with_capacity(flat.len());
    for c in flat.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}
