//! `orc board`: tasks in columns by status, fitted to the terminal's width.

use jiff::{SignedDuration, Timestamp};

use super::Output;
use super::style::{self, paint};
use crate::error::Result;
use crate::model::Priority;
use crate::service::{Board, BoardColumn, BoardFilter, Card, Column, Orc};

#[derive(Debug, clap::Args)]
pub struct BoardArgs {
    /// Only the tasks of this work stream.
    #[arg(long, value_name = "STREAM")]
    pub stream: Option<String>,
    /// Only the tasks of this role.
    #[arg(long, value_name = "ROLE")]
    pub role: Option<String>,
    /// Every card of every column (not the first 10), completed tasks of any age and
    /// cancelled tasks.
    #[arg(long)]
    pub all: bool,
}

/// The width used when stdout is not a terminal and `COLUMNS` is not set.
const DEFAULT_WIDTH: usize = 100;
/// The narrowest column worth drawing; narrower terminals get fewer columns per band.
const MIN_COLUMN: usize = 24;
const GAP: &str = "  ";

pub fn run(orc: &Orc, args: BoardArgs, out: &mut Output) -> Result<()> {
    let board = orc.board(&BoardFilter {
        stream: args.stream,
        role: args.role,
        all: args.all,
    })?;
    out.emit(None, &board, |out| {
        let width = out.columns().unwrap_or(DEFAULT_WIDTH);
        for line in render(&board, width, out.styled) {
            out.raw_line(&line);
        }
    });
    Ok(())
}

/// One piece of a card line and its style.
type Span = (String, anstyle::Style);

/// The board as lines of at most `width` characters: columns side by side, in bands of
/// as many as fit; a column that is empty and may well stay so (blocked, needs revision)
/// is left out.
pub fn render(board: &Board, width: usize, styled: bool) -> Vec<String> {
    let columns: Vec<&BoardColumn> = board
        .columns
        .iter()
        .filter(|c| {
            c.total > 0 || matches!(c.column, Column::Todo | Column::InProgress | Column::Done)
        })
        .collect();
    let per_band =
        (width.saturating_add(GAP.len()) / (MIN_COLUMN + GAP.len())).clamp(1, columns.len());
    let col_width = (width.saturating_sub(GAP.len() * (per_band - 1)) / per_band).max(8);
    let mut lines = Vec::new();
    let mut heading = String::from("Board");
    if let Some(s) = &board.stream {
        heading.push_str(&format!(" · stream {s}"));
    }
    if let Some(r) = &board.role {
        heading.push_str(&format!(" · role {r}"));
    }
    lines.push(cell(&[(heading, style::HEADER)], width, styled, false));
    for band in columns.chunks(per_band) {
        lines.push(String::new());
        let cells: Vec<Vec<Vec<Span>>> = band
            .iter()
            .map(|c| column_lines(c, board, col_width))
            .collect();
        let height = cells.iter().map(Vec::len).max().unwrap_or(0);
        for row in 0..height {
            let last_filled = cells
                .iter()
                .rposition(|c| c.get(row).is_some_and(|l| !l.is_empty()));
            let mut line = String::new();
            for (i, column) in cells.iter().enumerate() {
                if last_filled.is_none_or(|last| i > last) {
                    break;
                }
                if i > 0 {
                    line.push_str(GAP);
                }
                let spans = column.get(row).map_or(&[][..], |l| &l[..]);
                line.push_str(&cell(spans, col_width, styled, Some(i) != last_filled));
            }
            lines.push(line);
        }
    }
    lines
}

/// The lines of one column: its heading, a rule, then a card per task (a blank line
/// between cards), then how many more there are.
fn column_lines(column: &BoardColumn, board: &Board, width: usize) -> Vec<Vec<Span>> {
    let plain = anstyle::Style::new();
    let mut lines: Vec<Vec<Span>> = vec![
        vec![(
            format!("{} ({})", column.title.to_uppercase(), column.total),
            style::HEADER,
        )],
        vec![("─".repeat(width), style::DIM)],
    ];
    for (i, card) in column.tasks.iter().enumerate() {
        if i > 0 {
            lines.push(Vec::new());
        }
        let mut first = vec![(card.id.to_string(), style::ID)];
        if card.priority != Priority::Medium {
            first.push((" ".into(), plain));
            first.push((
                card.priority.as_str().into(),
                style::priority(card.priority),
            ));
        }
        if let Some(s) = card.stream.as_ref().filter(|_| board.stream.is_none()) {
            first.push((format!(" [{s}]"), style::DIM));
        }
        lines.push(first);
        lines.push(vec![(card.title.clone(), plain)]);
        if let Some(detail) = detail(card, board.now) {
            lines.push(detail);
        }
    }
    let hidden = column.total - column.tasks.len();
    if hidden > 0 {
        lines.push(Vec::new());
        lines.push(vec![(format!("… and {hidden} more (--all)"), style::DIM)]);
    }
    lines
}

/// The third line of a card: what the task is waiting for, who holds it and for how
/// long, why it is blocked, or when it was done.
fn detail(card: &Card, now: Timestamp) -> Option<Vec<Span>> {
    use crate::model::Status;
    let dim = style::DIM;
    Some(match card.status {
        Status::Pending if card.ready => vec![("ready".into(), style::status_ready())],
        Status::Pending if !card.waiting_for.is_empty() => {
            let ids: Vec<&str> = card.waiting_for.iter().map(|d| d.as_str()).collect();
            vec![(format!("waits for {}", ids.join(", ")), dim)]
        }
        Status::Pending => vec![("waits for its subtasks".into(), dim)],
        Status::InProgress => {
            let who = card
                .assignee
                .as_deref()
                .map_or("unassigned".into(), |a| format!("@{a}"));
            let mut spans = vec![(who, style::status(Status::InProgress))];
            if let Some(since) = card.since {
                spans.push((format!(" · {}", age(now.duration_since(since))), dim));
            }
            spans
        }
        Status::Blocked | Status::NeedsRevision => {
            let note = card.note.clone()?;
            let note = note
                .strip_prefix("blocked: ")
                .map(str::to_owned)
                .unwrap_or(note);
            vec![(note, style::status(card.status))]
        }
        Status::Completed => match card.completed {
            Some(at) => vec![(
                format!("done {} ago", age(now.duration_since(at))),
                style::status(Status::Completed),
            )],
            None => vec![("done".into(), style::status(Status::Completed))],
        },
        Status::Cancelled => vec![("cancelled".into(), style::status(Status::Cancelled))],
    })
}

/// `45s`, `12m`, `3h`, `2d`, `5w`: the largest whole unit.
pub fn age(d: SignedDuration) -> String {
    let s = d.as_secs().max(0);
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m", s / 60),
        3600..86_400 => format!("{}h", s / 3600),
        86_400..1_209_600 => format!("{}d", s / 86_400),
        _ => format!("{}w", s / 604_800),
    }
}

/// Spans cut to `width` characters (the last one `…` when cut; every line is one line:
/// newlines and tabs become spaces), styled when `styled`, padded with spaces to `width`
/// when `pad`.
fn cell(spans: &[Span], width: usize, styled: bool, pad: bool) -> String {
    let total: usize = spans.iter().map(|(t, _)| t.chars().count()).sum();
    let mut left = if total > width {
        width.saturating_sub(1)
    } else {
        width
    };
    let mut out = String::new();
    let mut used = 0;
    for (text, st) in spans {
        if left == 0 {
            break;
        }
        let piece: String = text
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .take(left)
            .collect();
        let n = piece.chars().count();
        left -= n;
        used += n;
        if styled {
            out.push_str(&paint(*st, &piece));
        } else {
            out.push_str(&piece);
        }
    }
    if total > width {
        out.push('…');
        used += 1;
    }
    if pad {
        out.push_str(&" ".repeat(width.saturating_sub(used)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_cut_with_an_ellipsis_and_padded() {
        let plain = anstyle::Style::new();
        let spans = [("abcdef".to_owned(), plain), ("ghij".to_owned(), style::ID)];
        assert_eq!(
            cell(&spans, 20, false, true),
            format!("abcdefghij{}", " ".repeat(10))
        );
        assert_eq!(cell(&spans, 8, false, true), "abcdefg…");
        assert_eq!(cell(&spans, 10, false, false), "abcdefghij");
        assert_eq!(cell(&[("a\nb".to_owned(), plain)], 5, false, false), "a b");
        let styled = cell(&spans, 8, true, false);
        assert_eq!(
            anstream::adapter::strip_str(&styled).to_string(),
            "abcdefg…"
        );
        assert!(styled.contains(&paint(style::ID, "g")), "{styled:?}");
    }

    #[test]
    fn ages_use_the_largest_whole_unit() {
        let cases = [
            (59, "59s"),
            (60, "1m"),
            (7200, "2h"),
            (90_000, "1d"),
            (2_000_000, "3w"),
        ];
        for (secs, text) in cases {
            assert_eq!(age(SignedDuration::from_secs(secs)), text);
        }
    }
}
