//! CSV for spreadsheets: UTF-8 with a byte-order mark (so Excel reads Cyrillic and Kazakh
//! letters), every text cell quoted, and any text that a spreadsheet could take for a
//! formula defused. Excel in Kazakh and Russian locales splits on `;` and reads `,` as the
//! decimal mark, so a `;`-separated variant writes decimals with a comma.

use poem_openapi::Enum;
use serde::Deserialize;

/// The byte-order mark that tells a spreadsheet the file is UTF-8.
const BOM: char = '\u{feff}';

/// The characters that make a spreadsheet read a cell, or a part of one, as a formula.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// How cells are separated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Enum, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum Separator {
    /// `,` with `.` as the decimal mark.
    #[default]
    Comma,
    /// `;` with `,` as the decimal mark, as Excel expects in Kazakh and Russian locales.
    Semicolon,
}

impl Separator {
    const fn char(self) -> char {
        match self {
            Self::Comma => ',',
            Self::Semicolon => ';',
        }
    }
}

/// One cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell<'a> {
    /// Text from people: quoted, and defused when it could be read as a formula.
    Text(&'a str),
    /// A number the service computed, e.g. `12.50` or `-3`; written as a number.
    Number(String),
    /// A yes/no flag.
    Flag(bool),
}

/// A CSV document with a header row.
#[derive(Debug)]
pub struct Csv {
    separator: Separator,
    out: String,
}

impl Csv {
    /// Starts a document with its column names.
    #[must_use]
    pub fn new(separator: Separator, columns: &[&str]) -> Self {
        let mut csv = Self {
            separator,
            out: String::from(BOM),
        };
        csv.row(columns.iter().map(|c| Cell::Text(c)));
        csv
    }

    /// Appends one row.
    pub fn row<'a>(&mut self, cells: impl IntoIterator<Item = Cell<'a>>) {
        for (index, cell) in cells.into_iter().enumerate() {
            if index > 0 {
                self.out.push(self.separator.char());
            }
            match cell {
                Cell::Text(text) => {
                    self.out.push('"');
                    self.out.push_str(&defused(text).replace('"', "\"\""));
                    self.out.push('"');
                }
                Cell::Number(number) => match self.separator {
                    Separator::Comma => self.out.push_str(&number),
                    Separator::Semicolon => self.out.push_str(&number.replace('.', ",")),
                },
                Cell::Flag(flag) => self.out.push_str(if flag { "true" } else { "false" }),
            }
        }
        self.out.push_str("\r\n");
    }

    /// The finished document.
    #[must_use]
    pub fn finish(self) -> String {
        self.out
    }
}

/// `text` with every `,`- or `;`-separated part that starts like a formula prefixed with
/// `'`, so no spreadsheet evaluates it, whichever separator it splits on.
fn defused(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    let mut part_start = true;
    for c in text.chars() {
        if part_start && FORMULA_STARTS.contains(&c) {
            out.push('\'');
        }
        out.push(c);
        part_start = matches!(c, ',' | ';');
    }
    out
}

/// `Content-Disposition` for a download named `name`.
#[must_use]
pub fn attachment(name: &str) -> String {
    format!("attachment; filename=\"{name}\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one_row(separator: Separator, cells: Vec<Cell<'_>>) -> String {
        let mut csv = Csv::new(separator, &["a", "b", "c"]);
        csv.row(cells);
        csv.finish()
    }

    #[test]
    fn documents_start_with_a_bom_and_quote_every_text_cell() {
        let csv = one_row(
            Separator::Comma,
            vec![
                Cell::Text("Балалар алаңы"),
                Cell::Number("1250000.50".to_owned()),
                Cell::Flag(true),
            ],
        );
        assert_eq!(
            csv,
            "\u{feff}\"a\",\"b\",\"c\"\r\n\"Балалар алаңы\",1250000.50,true\r\n"
        );
    }

    #[test]
    fn a_formula_is_defused_at_the_start_of_every_part() {
        for (raw, safe) in [
            (
                "Village water;=cmd|' /C calc'!A0",
                "Village water;'=cmd|' /C calc'!A0",
            ),
            ("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"),
            ("a,+1,b", "a,'+1,b"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("-2 tenge", "'-2 tenge"),
            ("Су; жарық", "Су; жарық"),
            ("plain", "plain"),
        ] {
            assert_eq!(defused(raw), safe, "{raw}");
        }
        let csv = one_row(
            Separator::Semicolon,
            vec![
                Cell::Text("Village water;=cmd|' /C calc'!A0"),
                Cell::Text("say \"hi\""),
                Cell::Number("-12.5".to_owned()),
            ],
        );
        assert!(
            csv.ends_with("\"Village water;'=cmd|' /C calc'!A0\";\"say \"\"hi\"\"\";-12,5\r\n"),
            "{csv}"
        );
    }
}
