//! Unread mail as a section of a brief.

use crate::service::{Action, MailSummary, Words};

/// Markdown lines for a brief: a heading and the newest subjects, with how to read
/// them in `words`.
pub fn summary(mail: &MailSummary, words: &dyn Words) -> String {
    let mut out = format!(
        "## Mail\n\n{}{}:\n",
        super::count(mail.unread, "unread message"),
        words
            .how(&Action::ReadMail)
            .map(|how| format!(" ({how})"))
            .unwrap_or_default()
    );
    for m in &mail.newest {
        let from = m.from.as_deref().unwrap_or("an unnamed agent");
        out.push_str(&format!("- {} from {from}: {}\n", m.id, m.subject));
    }
    out
}
