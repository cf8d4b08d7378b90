//! Commit-message trailers (`Key: value` lines at the end of a message), as the
//! commit-msg hook reads and adds them. Pure text functions; not a full
//! `git interpret-trailers`.

/// The line git puts above the diff in `git commit -v`; everything below it is dropped.
const SCISSORS: &str = " ------------------------ >8 ------------------------";

/// Values of trailer `key` (case-insensitive) anywhere in the message's own text
/// (comment lines and anything below the scissors line are ignored). Lenient on
/// purpose: a line that looks like the trailer counts, wherever it is.
pub fn values(message: &str, key: &str, comment: char) -> Vec<String> {
    content_lines(message, comment)
        .into_iter()
        .filter_map(|line| {
            let (k, v) = line.split_once(':')?;
            (k.trim().eq_ignore_ascii_case(key) && !k.contains(' '))
                .then(|| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        })
        .collect()
}

/// Lines of the message that git keeps: before the scissors line, not comments.
fn content_lines(message: &str, comment: char) -> Vec<&str> {
    let mut out = Vec::new();
    for line in message.lines() {
        if is_scissors(line, comment) {
            break;
        }
        if !line.starts_with(comment) {
            out.push(line);
        }
    }
    out
}

fn is_scissors(line: &str, comment: char) -> bool {
    line.strip_prefix(comment) == Some(SCISSORS)
}

fn is_trailer_line(line: &str) -> bool {
    match line.split_once(':') {
        Some((k, _)) => !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'),
        None => false,
    }
}

/// Adds `key: value` to the message: to its trailer block when the last paragraph is
/// one, else as a new paragraph. Comment lines and the scissors section stay where they
/// are. A message without content (an aborted commit) is returned unchanged, so the
/// trailer never turns an empty message into a commit.
pub fn add(message: &str, key: &str, value: &str, comment: char) -> String {
    let lines: Vec<&str> = message.split_inclusive('\n').collect();
    // Index just past the last line of content.
    let mut end = 0;
    for (i, line) in lines.iter().enumerate() {
        let bare = line.trim_end_matches(['\n', '\r']);
        if is_scissors(bare, comment) {
            break;
        }
        if !bare.starts_with(comment) && !bare.trim().is_empty() {
            end = i + 1;
        }
    }
    if end == 0 {
        return message.to_owned();
    }
    // The last paragraph of content: back from `end` to a blank line.
    let mut start = end;
    while start > 0 {
        let bare = lines[start - 1].trim_end_matches(['\n', '\r']);
        if bare.trim().is_empty() {
            break;
        }
        start -= 1;
    }
    let paragraph: Vec<&str> = lines[start..end]
        .iter()
        .map(|l| l.trim_end_matches(['\n', '\r']))
        .filter(|l| !l.starts_with(comment))
        .collect();
    // A one-paragraph message is a subject, never a trailer block.
    let in_block = start > 0
        && paragraph
            .iter()
            .all(|l| is_trailer_line(l) || l.starts_with([' ', '\t']));
    let mut out = String::with_capacity(message.len() + key.len() + value.len() + 4);
    for line in &lines[..end] {
        out.push_str(line);
    }
    if !out.ends_with('\n') {
        out.push('\n');
    }
    if !in_block {
        out.push('\n');
    }
    out.push_str(&format!("{key}: {value}\n"));
    for line in &lines[end..] {
        out.push_str(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adds_a_paragraph_after_the_body() {
        assert_eq!(
            add("Fix the parser\n", "Orc-Task", "t_1", '#'),
            "Fix the parser\n\nOrc-Task: t_1\n"
        );
        assert_eq!(
            add(
                "Fix\n\nBecause: it broke, badly\nand more\n",
                "Orc-Task",
                "t_1",
                '#'
            ),
            "Fix\n\nBecause: it broke, badly\nand more\n\nOrc-Task: t_1\n"
        );
        assert_eq!(add("Fix", "K", "v", '#'), "Fix\n\nK: v\n");
    }

    #[test]
    fn joins_an_existing_trailer_block() {
        assert_eq!(
            add(
                "Fix\n\nBody.\n\nSigned-off-by: A <a@x>\n",
                "Orc-Task",
                "t_1",
                '#'
            ),
            "Fix\n\nBody.\n\nSigned-off-by: A <a@x>\nOrc-Task: t_1\n"
        );
    }

    #[test]
    fn keeps_comments_and_the_scissors_section_below() {
        let msg = "Fix\n\n# Please enter the commit message\n#\n# ------------------------ >8 ------------------------\ndiff --git a b\nKey: not a trailer\n";
        assert_eq!(
            add(msg, "Orc-Task", "t_1", '#'),
            format!("Fix\n\nOrc-Task: t_1\n{}", &msg[4..])
        );
        assert_eq!(values(msg, "key", '#'), Vec::<String>::new());
        assert_eq!(add("Fix\n; note\n", "K", "v", ';'), "Fix\n\nK: v\n; note\n");
    }

    #[test]
    fn an_empty_message_stays_empty() {
        let msg = "\n# Please enter the commit message\n";
        assert_eq!(add(msg, "Orc-Task", "t_1", '#'), msg);
        assert_eq!(add("", "Orc-Task", "t_1", '#'), "");
    }

    #[test]
    fn finds_values_case_insensitively_outside_comments() {
        let msg = "Fix\n\norc-task: task_1\n# Orc-Op: nope\nOrc-Op: task.add\n";
        assert_eq!(values(msg, "Orc-Task", '#'), ["task_1"]);
        assert_eq!(values(msg, "Orc-Op", '#'), ["task.add"]);
        assert!(values("Mention Orc-Task in prose: x\n", "Orc-Task", '#').is_empty());
    }
}
