//! Property tests for the file formats: every valid value survives a round trip through
//! its text unchanged, and no input text makes a parser panic.

use orc::format::{config_from_toml, config_to_toml, task_from_toml, task_to_toml};
use orc::model::{
    Artifact, CommitMode, Config, CustomRole, NextAction, Note, Priority, Status, Task, TaskId,
};
use proptest::prelude::*;

fn timestamp() -> impl Strategy<Value = jiff::Timestamp> {
    // 1970..2200, with and without fractional seconds.
    (
        0i64..7_258_118_400,
        prop_oneof![Just(0i32), 0i32..1_000_000_000],
    )
        .prop_map(|(s, n)| jiff::Timestamp::new(s, n).unwrap())
}

fn id() -> impl Strategy<Value = TaskId> {
    ("[a-z][a-z0-9-]{0,11}", any::<u32>()).prop_map(|(p, r)| TaskId::generate(&p, r).unwrap())
}

/// Any text, including quotes, backslashes, newlines, control characters and non-ASCII.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        ".{0,40}",
        "[\"'\\\\\n\t\r #=\\[\\]{}\u{0}-\u{1f}]{0,20}",
        "\\PC{0,30}"
    ]
}

fn nonempty() -> impl Strategy<Value = String> {
    text().prop_filter("non-empty", |s| !s.is_empty())
}

fn task() -> impl Strategy<Value = Task> {
    let head = (
        id(),
        nonempty(),
        text(),
        proptest::option::of(nonempty()),
        0usize..6,
        0usize..4,
    );
    let links = (
        proptest::option::of(id()),
        proptest::collection::vec(id(), 0..4),
        proptest::option::of(nonempty()),
        proptest::option::of(nonempty()),
        proptest::option::of(nonempty()),
    );
    let times = (
        timestamp(),
        timestamp(),
        proptest::option::of(timestamp()),
        proptest::option::of(timestamp()),
    );
    let tail = (
        proptest::option::of(0usize..4),
        proptest::option::of(nonempty()),
        proptest::option::of(nonempty()),
        // Sizes come from the file system (a signed 64-bit off_t), as do TOML integers.
        proptest::collection::vec((nonempty(), "[0-9a-f]{64}", 0..=i64::MAX as u64), 0..3),
        proptest::collection::vec(
            (timestamp(), proptest::option::of(nonempty()), text()),
            0..4,
        ),
    );
    (head, links, times, tail).prop_map(|(h, l, t, x)| {
        let mut task = Task::new(h.0, h.1, t.0);
        task.description = h.2;
        task.role = h.3;
        task.status = Status::ALL[h.4];
        task.priority = Priority::ALL[h.5];
        (
            task.parent,
            task.depends_on,
            task.stream,
            task.estimate,
            task.assignee,
        ) = l;
        (task.updated, task.started, task.completed) = (t.1, t.2, t.3);
        task.next_action = x.0.map(|i| {
            [
                NextAction::Continue,
                NextAction::NeedsRevision,
                NextAction::Blocked,
                NextAction::Complete,
            ][i]
        });
        (task.result, task.detail) = (x.1, x.2);
        task.artifacts =
            x.3.into_iter()
                .map(|(path, sha256, size)| Artifact { path, sha256, size })
                .collect();
        task.notes =
            x.4.into_iter()
                .map(|(at, author, text)| Note { at, author, text })
                .collect();
        task
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    #[test]
    fn tasks_round_trip_through_toml(t in task()) {
        let text = task_to_toml(&t);
        let back = task_from_toml(&text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(&back, &t);
        prop_assert_eq!(task_to_toml(&back), text, "serialisation is stable");
    }

    #[test]
    fn config_round_trips(commit in any::<bool>(), stale in any::<u32>(), days in any::<u32>(),
                          roles in proptest::collection::vec(("[a-z][a-z-]{0,10}", text()), 0..3)) {
        let c = Config {
            commit: if commit { CommitMode::Auto } else { CommitMode::Off },
            stale_after_hours: stale.into(),
            archive_after_days: days.into(),
            roles: roles.into_iter().map(|(name, description)| CustomRole { name, description }).collect(),
            ..Config::default()
        };
        prop_assert_eq!(config_from_toml(&config_to_toml(&c)).unwrap(), c);
    }

    #[test]
    fn parsers_never_panic_on_arbitrary_text(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let text = String::from_utf8_lossy(&bytes);
        let _ = task_from_toml(&text);
        let _ = config_from_toml(&text);
    }

    #[test]
    fn parsers_never_panic_on_mangled_task_files(t in task(), cut in any::<prop::sample::Index>(),
                                                 junk in "[\\[\\]\"=\n#a-z0-9 ]{0,8}") {
        let text = task_to_toml(&t);
        let mut at = cut.index(text.len() + 1);
        while !text.is_char_boundary(at) { at -= 1; }
        let mangled = format!("{}{}{}", &text[..at], junk, &text[at..]);
        if let Err(e) = task_from_toml(&mangled) {
            // Errors point inside the document.
            if let Some(line) = e.line {
                prop_assert!(line >= 1 && line <= mangled.lines().count() + 1, "{e}");
            }
        }
    }
}
