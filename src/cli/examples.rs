//! One example per command, shown at the end of its `--help` (and in the man pages).
//!
//! Kept in one table so the examples read as a set; `cli::tests` checks that every
//! command has one.

/// Command path and example.
pub(super) const EXAMPLES: &[(&str, &str)] = &[
    ("init", "orc init"),
    (
        "plan",
        r#"orc plan "Add login" --in-order --subtask architect:"Design the flow" --subtask implementer:"Build it""#,
    ),
    ("start", "orc start 3f9c"),
    ("brief", "orc brief 3f9c"),
    (
        "done",
        r#"orc done 3f9c --summary "Parser handles nested lists" --artifact src/parser.rs"#,
    ),
    (
        "block",
        r#"orc block 3f9c --reason "Waiting for the API key from ops""#,
    ),
    (
        "reopen",
        r#"orc reopen 3f9c --needs-revision --reason "Review: errors lack line numbers""#,
    ),
    ("synthesize", "orc synthesize task_6621"),
    ("mcp", "orc mcp --repo ~/src/project"),
    ("status", "orc status --all"),
    ("board", "orc board --stream auth"),
    ("graph", "orc graph task_2f82 --format dot"),
    ("serve", "orc serve --port 8420"),
    ("ready", "orc ready --role tester --unclaimed --limit 5"),
    ("next", "orc next --role implementer --claim"),
    ("claims", "orc claims --json"),
    (
        "msg send",
        r#"orc msg send implementer "The API moved to v2; rebase before you touch src/api" --task 3f9c"#,
    ),
    ("msg inbox", "orc msg inbox --agent alice --all"),
    ("msg read", "orc msg read m-1a2b"),
    ("msg ack", r#"orc msg ack m-1a2b --note "rebased""#),
    ("msg prune", "orc msg prune --days 30"),
    (
        "reserve",
        "orc reserve src/parser.rs 'src/parser/**' --exclusive --task 3f9c --for 2h",
    ),
    ("release", "orc release src/parser.rs"),
    ("reservations", "orc reservations --json"),
    ("check", "orc check"),
    ("roles", "orc roles architect"),
    ("log", "orc log --task 3f9c --limit 20"),
    ("show", "orc show 3f9c --history"),
    ("recover", "orc recover --since HEAD~20"),
    ("search", "orc search token expiry --status in_progress"),
    (
        "task add",
        r#"orc task add "Write the migration guide" --role documenter --depends-on 3f9c"#,
    ),
    (
        "task edit",
        "orc task edit 3f9c --priority high --add-dep 08ba",
    ),
    (
        "task note",
        r#"orc task note 3f9c "The old parser accepted trailing commas; keep that""#,
    ),
    (
        "task status",
        r#"orc task status 3f9c cancelled --reason "Superseded by the new API""#,
    ),
    ("task rm", "orc task rm 3f9c --recursive"),
    (
        "task list",
        "orc task list --status in_progress --role implementer",
    ),
    ("task show", "orc task show 3f9c"),
    ("task commits", "orc task commits 3f9c"),
    (
        "decision new",
        r#"orc decision new "Store tokens hashed" --task 3f9c --status accepted --tag security"#,
    ),
    ("decision accept", "orc decision accept 7"),
    ("decision reject", "orc decision reject 7"),
    ("decision deprecate", "orc decision deprecate 7"),
    ("decision supersede", "orc decision supersede 7 --by 9"),
    ("decision renumber", "orc decision renumber"),
    (
        "decision list",
        "orc decision list --status accepted --tag security",
    ),
    ("decision show", "orc decision show 7"),
    ("decision search", "orc decision search token storage"),
    ("files record", "orc files record --changed"),
    ("files verify", "orc files verify --failed"),
    ("files log", "orc files log src/parser.rs"),
    ("stream list", "orc stream list"),
    ("stream show", "orc stream show docs"),
    ("maintenance scan", "orc maintenance scan"),
    (
        "maintenance cleanup",
        "orc maintenance cleanup --stale reset --dry-run",
    ),
    (
        "maintenance archive",
        "orc maintenance archive --older-than 30 --dry-run",
    ),
    ("maintenance validate", "orc maintenance validate"),
    (
        "session start",
        r#"orc session start --name "Parser rework""#,
    ),
    (
        "session end",
        r#"orc session end --handoff "Parser done; next: the error messages (task 08ba)""#,
    ),
    ("session show", "orc session show"),
    ("session list", "orc session list"),
    ("hooks install", "orc hooks install --pre-commit"),
    ("hooks uninstall", "orc hooks uninstall"),
    ("hooks status", "orc hooks status"),
    ("import beads", "orc import beads .beads/issues.jsonl"),
    ("import backlog", "orc import backlog backlog/ --dry-run"),
    (
        "import taskmaster",
        "orc import taskmaster .taskmaster/tasks/tasks.json",
    ),
    ("import task-orchestrator", "orc import task-orchestrator"),
];
