//! Architectural decision records: create, list, show, search, accept, supersede and
//! renumber the files under `.orchestrator/decisions/`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use jiff::civil::Date;
use serde::Serialize;

use super::check::Problem;
use super::state::Unreadable;
use super::{Orc, Outcome, State, UnreadableFile, short_title};
use crate::error::{Error, Reason, Result};
use crate::format;
use crate::model::{Decision, DecisionStatus, Task, TaskId, number_from_file_name, number_str};
use crate::store::{Change, Store};

pub const DECISIONS_DIR: &str = ".orchestrator/decisions";
const TEMPLATE: &str = include_str!("../../templates/decision.md");
/// A repository may replace the built-in template with this file.
pub const TEMPLATE_OVERRIDE: &str = ".orchestrator/templates/decision.md";

/// Repository-relative path of a decision's file.
pub fn decision_path(d: &Decision) -> String {
    format!("{DECISIONS_DIR}/{}", d.file_name())
}

/// One decision file as read from the work tree.
#[derive(Debug, Clone)]
pub struct DecisionFile {
    pub path: String,
    pub decision: Decision,
    /// 1-based line of the file where the body starts.
    pub body_line: usize,
}

/// Every decision file: the readable ones by number, and the ones that did not parse.
#[derive(Debug, Clone, Default)]
pub struct Decisions {
    pub files: Vec<DecisionFile>,
    pub unreadable: Vec<Unreadable>,
}

impl Decisions {
    pub fn load(store: &Store) -> Result<Decisions> {
        let mut out = Decisions::default();
        let parse = |text: &str| {
            format::decision_from_markdown(text).map(|d| (d, text.replace("\r\n", "\n")))
        };
        for (path, parsed) in store.load_dir(DECISIONS_DIR, ".md", parse)? {
            match parsed {
                Ok((decision, text)) => {
                    let head = text.len().saturating_sub(decision.body.len());
                    let body_line = text[..head].matches('\n').count() + 1;
                    out.files.push(DecisionFile {
                        path,
                        decision,
                        body_line,
                    });
                }
                Err(error) => out.unreadable.push(Unreadable { path, error }),
            }
        }
        out.files
            .sort_by(|a, b| (a.decision.number, &a.path).cmp(&(b.decision.number, &b.path)));
        Ok(out)
    }

    /// The highest number in use, counting files that do not parse by their name.
    fn max_number(&self) -> u32 {
        let parsed = self.files.iter().map(|f| f.decision.number);
        let named = self
            .unreadable
            .iter()
            .filter_map(|u| u.path.rsplit('/').next().and_then(number_from_file_name));
        parsed.chain(named).max().unwrap_or(0)
    }

    /// The one decision with number `n`; an error when there is none or several.
    pub fn get(&self, n: u32) -> Result<&DecisionFile> {
        let found: Vec<&DecisionFile> = self
            .files
            .iter()
            .filter(|f| f.decision.number == n)
            .collect();
        match found.as_slice() {
            [one] => Ok(one),
            [] => {
                let broken = self
                    .unreadable
                    .iter()
                    .find(|u| u.path.rsplit('/').next().and_then(number_from_file_name) == Some(n));
                match broken {
                    Some(u) => Err(Error::Parse {
                        path: PathBuf::from(&u.path),
                        source: u.error.clone(),
                    }),
                    None => Err(Reason::UnknownDecision { number: n }.into()),
                }
            }
            many => Err(Reason::DuplicateDecision {
                number: n,
                paths: many.iter().map(|f| f.path.clone()).collect(),
            }
            .into()),
        }
    }
}

/// Parses `7`, `0007`, `ADR-7` or `adr7` as a decision number.
pub fn parse_number(input: &str) -> Result<u32> {
    let s = input.trim();
    let lower = s.to_ascii_lowercase();
    let digits = lower
        .strip_prefix("adr-")
        .or_else(|| lower.strip_prefix("adr"))
        .unwrap_or(&lower);
    digits.parse::<u32>().map_err(|_| {
        Error::invalid_with_hint(
            format!("{input:?} is not a decision number"),
            "decisions are numbered: pass e.g. 7 or 0007",
        )
    })
}

/// The headline of a decision, for lists.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct DecisionSummary {
    pub number: u32,
    pub title: String,
    pub status: DecisionStatus,
    pub date: Date,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task: Option<TaskId>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    pub path: String,
}

impl From<&DecisionFile> for DecisionSummary {
    fn from(f: &DecisionFile) -> Self {
        DecisionSummary {
            number: f.decision.number,
            title: f.decision.title.clone(),
            status: f.decision.status,
            date: f.decision.date,
            task: f.decision.task.clone(),
            tags: f.decision.tags.clone(),
            path: f.path.clone(),
        }
    }
}

/// One decision with its file.
#[derive(Debug, Clone, Serialize)]
pub struct DecisionView {
    pub path: String,
    pub decision: Decision,
}

impl From<&DecisionFile> for DecisionView {
    fn from(f: &DecisionFile) -> Self {
        DecisionView {
            path: f.path.clone(),
            decision: f.decision.clone(),
        }
    }
}

/// `orc decision list`: matching decisions, plus the files that could not be read.
#[derive(Debug, Clone, Serialize)]
pub struct DecisionList {
    pub decisions: Vec<DecisionSummary>,
    pub unreadable: Vec<UnreadableFile>,
}

/// Which decisions to list; empty lists all.
#[derive(Debug, Clone, Default)]
pub struct DecisionFilter {
    pub status: Vec<DecisionStatus>,
    pub tags: Vec<String>,
    pub task: Option<String>,
}

/// What to record in a new decision. Empty sections keep the template's prompts.
#[derive(Debug, Clone, Default)]
pub struct NewDecision {
    pub title: String,
    pub task: Option<String>,
    pub status: Option<DecisionStatus>,
    pub tags: Vec<String>,
    pub deciders: Vec<String>,
    pub related_files: Vec<String>,
    pub context: Option<String>,
    pub decision: Option<String>,
    pub alternatives: Vec<String>,
    pub consequences: Option<String>,
}

/// A line of a decision file that matches a search.
#[derive(Debug, Clone, Serialize)]
pub struct MatchLine {
    /// 1-based line in the file.
    pub line: usize,
    pub text: String,
}

/// One search result, best first.
#[derive(Debug, Clone, Serialize)]
pub struct SearchHit {
    #[serde(flatten)]
    pub decision: DecisionSummary,
    pub score: u32,
    pub lines: Vec<MatchLine>,
}

/// A decision that `renumber` moved.
#[derive(Debug, Clone, Serialize)]
pub struct Renumbered {
    pub title: String,
    pub old_number: u32,
    pub new_number: u32,
    pub old_path: String,
    pub new_path: String,
}

fn normalize_tags(tags: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in tags {
        let t = t.trim().to_lowercase();
        if !t.is_empty() && !out.contains(&t) {
            out.push(t);
        }
    }
    out
}

/// Drops the template's `<!-- prompt -->` lines from sections that have content.
fn tidy_body(body: &str) -> String {
    let mut sections: Vec<Vec<&str>> = vec![Vec::new()];
    for line in body.lines() {
        if line.starts_with("## ") || line.starts_with("# ") {
            sections.push(Vec::new());
        }
        sections.last_mut().expect("one section exists").push(line);
    }
    let is_prompt = |l: &str| {
        let l = l.trim();
        l.starts_with("<!--") && l.ends_with("-->")
    };
    let mut out = String::new();
    for lines in sections {
        let has_content = lines
            .iter()
            .skip(1)
            .any(|l| !l.trim().is_empty() && !is_prompt(l));
        for l in lines {
            if has_content && is_prompt(l) {
                continue;
            }
            out.push_str(l);
            out.push('\n');
        }
    }
    // Collapse the blank lines a removed prompt leaves behind.
    let mut tidy = String::new();
    let mut blank = 0;
    for l in out.lines() {
        if l.trim().is_empty() {
            blank += 1;
            if blank > 1 {
                continue;
            }
        } else {
            blank = 0;
        }
        tidy.push_str(l);
        tidy.push('\n');
    }
    tidy.trim().to_owned() + "\n"
}

/// Replaces the number in a leading `# N. Title` heading with `new`.
fn renumber_heading(body: &str, new: u32) -> String {
    if let Some(rest) = body.strip_prefix("# ") {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0
            && let Some(title) = rest[digits..].strip_prefix(". ")
        {
            return format!("# {new}. {title}");
        }
    }
    body.to_owned()
}

impl Orc {
    /// All decision files, parsed.
    pub fn decisions(&self) -> Result<Decisions> {
        let decisions = Decisions::load(&self.store)?;
        self.note_unreadable(&decisions.unreadable);
        Ok(decisions)
    }

    fn template(&self) -> Result<String> {
        Ok(self
            .store
            .read(TEMPLATE_OVERRIDE)?
            .unwrap_or_else(|| TEMPLATE.to_owned()))
    }

    /// Builds (without writing) the decision `new` describes, numbered after the existing ones.
    fn build_decision(
        &self,
        state: &State,
        decisions: &Decisions,
        new: &NewDecision,
    ) -> Result<Decision> {
        let task = new.task.as_deref().map(|t| state.resolve(t)).transpose()?;
        let status = new.status.unwrap_or(DecisionStatus::Proposed);
        if status == DecisionStatus::Superseded {
            return Err(Reason::BornSuperseded.into());
        }
        let number = decisions.max_number() + 1;
        let title = new.title.trim().to_owned();
        let fill = |text: &Option<String>| text.as_deref().map(str::trim).unwrap_or("").to_owned();
        let alternatives = new
            .alternatives
            .iter()
            .map(|a| a.trim())
            .filter(|a| !a.is_empty())
            .map(|a| format!("- {a}"))
            .collect::<Vec<_>>()
            .join("\n");
        let body = self
            .template()?
            .replace("{{number}}", &number.to_string())
            .replace("{{title}}", &title)
            .replace("{{context}}", &fill(&new.context))
            .replace("{{decision}}", &fill(&new.decision))
            .replace("{{alternatives}}", &alternatives)
            .replace("{{consequences}}", &fill(&new.consequences));
        let mut related = Vec::new();
        for f in &new.related_files {
            let rel = self.store.confine(self.store.workdir(), f)?;
            if !related.contains(&rel) {
                related.push(rel);
            }
        }
        Ok(Decision {
            number,
            title,
            status,
            date: self.now().to_zoned(jiff::tz::TimeZone::UTC).date(),
            deciders: new
                .deciders
                .iter()
                .map(|d| d.trim().to_owned())
                .filter(|d| !d.is_empty())
                .collect(),
            agent: self.ctx.agent.clone(),
            task,
            tags: normalize_tags(&new.tags),
            supersedes: Vec::new(),
            superseded_by: None,
            related_files: related,
            body,
        })
    }

    /// The full text of a new decision file for `new`, with the template's prompts: what
    /// `orc decision new --edit` opens in the editor.
    pub fn decision_template(&self, new: &NewDecision) -> Result<String> {
        let state = self.state()?;
        let decisions = self.decisions()?;
        let mut d = self.build_decision(&state, &decisions, new)?;
        if d.title.is_empty() {
            d.title = "Title".into();
        }
        Ok(format::decision_to_markdown(&d))
    }

    /// Records a new decision and commits it.
    pub fn decision_new(&self, new: NewDecision) -> Result<Outcome<DecisionView>> {
        if new.title.trim().is_empty() {
            return Err(Error::invalid(
                "a decision needs a title; the title is empty",
            ));
        }
        super::tasks::validate_title(&new.title)?;
        self.mutate(|state| {
            let decisions = self.decisions()?;
            let mut d = self.build_decision(state, &decisions, &new)?;
            d.body = tidy_body(&d.body);
            self.commit_new_decision(d)
        })
    }

    /// Records a new decision from text a person wrote (`--from FILE`, `--edit`): a full
    /// decision file or just a Markdown body. Fields missing from the text come from
    /// `new`; the number is always the next free one.
    pub fn decision_new_from_text(
        &self,
        text: &str,
        new: NewDecision,
    ) -> Result<Outcome<DecisionView>> {
        self.mutate(|state| {
            let decisions = self.decisions()?;
            let defaults = self.build_decision(state, &decisions, &new)?;
            let mut d = format::decision_draft_from_markdown(text, &defaults)
                .map_err(|e| Error::invalid(format!("the decision text: {e}")))?;
            super::tasks::validate_title(&d.title)?;
            d.number = defaults.number;
            d.body = renumber_heading(&d.body, d.number);
            if d.status == DecisionStatus::Superseded {
                return Err(Reason::BornSuperseded.into());
            }
            if let Some(t) = &d.task
                && !state.tasks.contains_key(t)
            {
                return Err(Error::UnknownTask(t.to_string()));
            }
            d.supersedes.clear();
            d.superseded_by = None;
            d.tags = normalize_tags(&d.tags);
            d.body = tidy_body(&d.body);
            self.commit_new_decision(d)
        })
    }

    fn commit_new_decision(&self, d: Decision) -> Result<(Change, DecisionView)> {
        let path = decision_path(&d);
        let mut change = self
            .change(
                format!(
                    "decision {} \"{}\" ({})",
                    number_str(d.number),
                    short_title(&d.title),
                    d.status
                ),
                "decision.new",
                d.task.as_ref(),
            )
            .trailer("Orc-Decision", number_str(d.number));
        change.write(path.clone(), format::decision_to_markdown(&d));
        Ok((change, DecisionView { path, decision: d }))
    }

    /// Decisions matching `filter`, by number.
    pub fn decision_list(&self, filter: &DecisionFilter) -> Result<DecisionList> {
        let decisions = self.decisions()?;
        let task = match &filter.task {
            Some(t) => Some(self.state()?.resolve(t)?),
            None => None,
        };
        let tags = normalize_tags(&filter.tags);
        Ok(DecisionList {
            decisions: decisions
                .files
                .iter()
                .filter(|f| filter.status.is_empty() || filter.status.contains(&f.decision.status))
                .filter(|f| tags.iter().all(|t| f.decision.tags.contains(t)))
                .filter(|f| {
                    task.as_ref()
                        .is_none_or(|t| f.decision.task.as_ref() == Some(t))
                })
                .map(DecisionSummary::from)
                .collect(),
            unreadable: decisions
                .unreadable
                .iter()
                .map(|u| UnreadableFile::new(&u.path, &u.error))
                .collect(),
        })
    }

    /// One decision by number (`7`, `0007`, `ADR-7`).
    pub fn decision_show(&self, number: &str) -> Result<DecisionView> {
        let n = parse_number(number)?;
        Ok(self.decisions()?.get(n)?.into())
    }

    /// Decisions recorded for a task, by number.
    pub fn decisions_for_task(&self, task: &TaskId) -> Result<Vec<DecisionSummary>> {
        Ok(self
            .decisions()?
            .files
            .iter()
            .filter(|f| f.decision.task.as_ref() == Some(task))
            .map(DecisionSummary::from)
            .collect())
    }

    /// Decisions recorded for `task`, any task above it (its goal), or a task it depends
    /// on (the work it builds on), oldest first: the decisions that bind work on `task`.
    pub fn decisions_for_lineage(
        &self,
        task: &Task,
        state: &State,
    ) -> Result<Vec<DecisionSummary>> {
        let lineage = lineage(task, state);
        Ok(self
            .decisions()?
            .files
            .iter()
            .filter(|f| {
                f.decision
                    .task
                    .as_ref()
                    .is_some_and(|t| lineage.contains(t))
            })
            .map(DecisionSummary::from)
            .collect())
    }

    /// Decisions whose title, tags or body contain every word of `query` (case-insensitive),
    /// best first: a word in the title counts most, then tags, then body lines.
    pub fn decision_search(&self, query: &str) -> Result<Vec<SearchHit>> {
        let terms: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
        if terms.is_empty() {
            return Err(Error::invalid("the search query is empty"));
        }
        let decisions = self.decisions()?;
        let mut hits = Vec::new();
        for f in &decisions.files {
            let d = &f.decision;
            let title = d.title.to_lowercase();
            let mut score = 0;
            let mut all = true;
            let mut lines = Vec::new();
            for (i, line) in d.body.lines().enumerate() {
                let l = line.to_lowercase();
                if terms.iter().any(|t| l.contains(t.as_str())) && !line.trim().is_empty() {
                    lines.push(MatchLine {
                        line: f.body_line + i,
                        text: line.trim().to_owned(),
                    });
                }
            }
            for t in &terms {
                let mut s = 0;
                if title.contains(t.as_str()) {
                    s += 10;
                }
                if d.tags.iter().any(|tag| tag == t) {
                    s += 8;
                } else if d.tags.iter().any(|tag| tag.contains(t.as_str())) {
                    s += 4;
                }
                let body_hits = d
                    .body
                    .lines()
                    .filter(|l| l.to_lowercase().contains(t.as_str()))
                    .count() as u32;
                s += body_hits.min(5);
                if s == 0 {
                    all = false;
                    break;
                }
                score += s;
            }
            if all {
                lines.truncate(5);
                hits.push(SearchHit {
                    decision: f.into(),
                    score,
                    lines,
                });
            }
        }
        hits.sort_by(|a, b| {
            b.score
                .cmp(&a.score)
                .then(a.decision.number.cmp(&b.decision.number))
        });
        Ok(hits)
    }

    /// Marks a proposed (or deprecated) decision as accepted.
    pub fn decision_accept(&self, number: &str) -> Result<Outcome<DecisionView>> {
        self.decision_set_status(number, DecisionStatus::Accepted)
    }

    /// Moves a decision to `to` (accepted, rejected, deprecated, proposed).
    pub fn decision_set_status(
        &self,
        number: &str,
        to: DecisionStatus,
    ) -> Result<Outcome<DecisionView>> {
        if to == DecisionStatus::Superseded {
            return Err(Reason::SupersedeByStatus.into());
        }
        let n = parse_number(number)?;
        self.mutate(|_| {
            let decisions = self.decisions()?;
            let file = decisions.get(n)?;
            let mut d = file.decision.clone();
            if d.status == to {
                return Err(Error::invalid(format!(
                    "decision {} is already {to}",
                    number_str(n)
                )));
            }
            if !d.status.can_move_to(to) {
                let legal: Vec<&str> = d.status.next().iter().map(|s| s.as_str()).collect();
                return Err(Error::invalid_with_hint(
                    format!(
                        "cannot move decision {} from {} to {to}",
                        number_str(n),
                        d.status
                    ),
                    if legal.is_empty() {
                        format!("a {} decision is final", d.status)
                    } else {
                        format!("from {} it can move to: {}", d.status, legal.join(", "))
                    },
                ));
            }
            d.status = to;
            let op = match to {
                DecisionStatus::Accepted => "decision.accept",
                _ => "decision.status",
            };
            let mut change = self
                .change(
                    format!(
                        "decision {} -> {to} \"{}\"",
                        number_str(n),
                        short_title(&d.title)
                    ),
                    op,
                    d.task.as_ref(),
                )
                .trailer("Orc-Decision", number_str(n));
            change.write(file.path.clone(), format::decision_to_markdown(&d));
            Ok((
                change,
                DecisionView {
                    path: file.path.clone(),
                    decision: d,
                },
            ))
        })
    }

    /// Marks decision `old` as superseded by `new`, updating both files in one commit.
    pub fn decision_supersede(&self, old: &str, new: &str) -> Result<Outcome<Vec<DecisionView>>> {
        let (o, n) = (parse_number(old)?, parse_number(new)?);
        if o == n {
            return Err(Error::invalid("a decision cannot supersede itself"));
        }
        self.mutate(|_| {
            let decisions = self.decisions()?;
            let (old_file, new_file) = (decisions.get(o)?, decisions.get(n)?);
            let (mut od, mut nd) = (old_file.decision.clone(), new_file.decision.clone());
            if !od.status.can_move_to(DecisionStatus::Superseded) {
                return Err(Error::invalid_with_hint(
                    format!(
                        "decision {} is {} and cannot be superseded",
                        number_str(o),
                        od.status
                    ),
                    "only proposed, accepted or deprecated decisions can be superseded",
                ));
            }
            if !nd.status.is_live() {
                return Err(Reason::ReplacementNotLive {
                    number: n,
                    status: nd.status,
                }
                .into());
            }
            od.status = DecisionStatus::Superseded;
            od.superseded_by = Some(n);
            if !nd.supersedes.contains(&o) {
                nd.supersedes.push(o);
                nd.supersedes.sort();
            }
            let mut change = self
                .change(
                    format!(
                        "decision {} superseded by {} \"{}\"",
                        number_str(o),
                        number_str(n),
                        short_title(&nd.title)
                    ),
                    "decision.supersede",
                    nd.task.as_ref().or(od.task.as_ref()),
                )
                .trailer("Orc-Decision", number_str(o))
                .trailer("Orc-Decision", number_str(n));
            change.write(old_file.path.clone(), format::decision_to_markdown(&od));
            change.write(new_file.path.clone(), format::decision_to_markdown(&nd));
            Ok((
                change,
                vec![
                    DecisionView {
                        path: old_file.path.clone(),
                        decision: od,
                    },
                    DecisionView {
                        path: new_file.path.clone(),
                        decision: nd,
                    },
                ],
            ))
        })
    }

    /// Gives duplicate decision numbers (two branches each created the same number) the
    /// next free numbers and fixes `supersedes`/`superseded_by` links. A number others
    /// have already seen never changes: of each group, a decision already published (in
    /// the upstream branch, or with no upstream in the side a merge brought in) keeps its
    /// number; among the rest, the one with the earlier date, then the one that arrived
    /// on this branch first (by HEAD's first-parent history).
    pub fn decision_renumber(&self) -> Result<Outcome<Vec<Renumbered>>> {
        self.mutate(|_| {
            let decisions = self.decisions()?;
            let groups = duplicate_groups(&decisions);
            if groups.is_empty() {
                return Ok((Change::new(String::new()), Vec::new()));
            }
            let dup_paths: Vec<String> =
                groups.values().flatten().map(|f| f.path.clone()).collect();
            let order = KeepOrder {
                depth: self.store.arrival_depth(&dup_paths)?,
                published: self.published_paths(&dup_paths)?,
            };
            let moves = renumber_moves(groups, &order, decisions.max_number());
            let updated = relinked(&decisions, &moves);
            let change = self.change(
                format!(
                    "renumber {}",
                    crate::render::count(moves.len(), "duplicate decision")
                ),
                "decision.renumber",
                None,
            );
            Ok(renumber_change(change, &decisions, &updated, &moves))
        })
    }

    /// Those of `paths` that a published commit (see [`Store::published_commits`]) holds.
    fn published_paths(&self, paths: &[String]) -> Result<BTreeSet<String>> {
        let published_at = self.store.published_commits()?;
        let mut published = BTreeSet::new();
        for path in paths {
            for commit in &published_at {
                if self.store.blob_id_at(commit, path)?.is_some() {
                    published.insert(path.clone());
                }
            }
        }
        Ok(published)
    }

    /// Problems in the decision files, for `orc check`.
    pub fn decision_problems(&self, state: &State) -> Result<(usize, Vec<Problem>)> {
        let decisions = self.decisions()?;
        // Decisions of archived tasks keep their `task`.
        let archived = self.archived_ids()?;
        let mut out = Vec::new();
        out.extend(decisions.unreadable.iter().map(Problem::unreadable));
        let mut seen: BTreeMap<u32, Vec<&str>> = BTreeMap::new();
        for f in &decisions.files {
            seen.entry(f.decision.number).or_default().push(&f.path);
        }
        // Numbers of unreadable files count as existing: their parse error says enough.
        let numbers: BTreeSet<u32> = seen
            .keys()
            .copied()
            .chain(
                decisions
                    .unreadable
                    .iter()
                    .filter_map(|u| u.path.rsplit('/').next().and_then(number_from_file_name)),
            )
            .collect();
        for (n, paths) in &seen {
            if paths.len() > 1 {
                for p in paths {
                    out.push(Problem::at(
                        *p,
                        "duplicate-number",
                        format!(
                            "decision number {} is used by {} files (two branches created the same number); renumbering gives each its own",
                            number_str(*n),
                            paths.len()
                        ),
                    ));
                }
            }
        }
        let known = |t: &TaskId| state.is_known(t) || archived.contains(t);
        for f in &decisions.files {
            out.extend(file_problems(f, &known, &numbers));
        }
        Ok((decisions.files.len() + decisions.unreadable.len(), out))
    }
}

/// The decisions that share their number with another, by number.
fn duplicate_groups(decisions: &Decisions) -> BTreeMap<u32, Vec<&DecisionFile>> {
    let mut groups: BTreeMap<u32, Vec<&DecisionFile>> = BTreeMap::new();
    for f in &decisions.files {
        groups.entry(f.decision.number).or_default().push(f);
    }
    groups.retain(|_, g| g.len() > 1);
    groups
}

/// What decides which decision of a duplicate group keeps its number.
struct KeepOrder {
    /// How many first-parent commits back from HEAD each path arrived.
    depth: BTreeMap<String, usize>,
    /// The paths others have already seen.
    published: BTreeSet<String>,
}

/// A decision given a new number.
struct Move {
    old: u32,
    new: u32,
}

/// The new number of each decision that gives its number up, by path: all but the first
/// of each group (published, then earlier date, then earlier arrival), numbered on from
/// `max`.
fn renumber_moves(
    groups: BTreeMap<u32, Vec<&DecisionFile>>,
    order: &KeepOrder,
    max: u32,
) -> BTreeMap<String, Move> {
    let mut next = max;
    let mut moves = BTreeMap::new();
    let unpublished = |f: &DecisionFile| !order.published.contains(&f.path);
    for (number, mut group) in groups {
        group.sort_by(|a, b| {
            unpublished(a)
                .cmp(&unpublished(b))
                .then(a.decision.date.cmp(&b.decision.date))
                .then(order.depth[&b.path].cmp(&order.depth[&a.path]))
                .then(a.path.cmp(&b.path))
        });
        for f in group.into_iter().skip(1) {
            next += 1;
            moves.insert(
                f.path.clone(),
                Move {
                    old: number,
                    new: next,
                },
            );
        }
    }
    moves
}

/// Every decision by path, with the moved ones renumbered (heading included) and the
/// links between them and their partners following the move.
fn relinked(decisions: &Decisions, moves: &BTreeMap<String, Move>) -> BTreeMap<String, Decision> {
    let mut updated: BTreeMap<String, Decision> = decisions
        .files
        .iter()
        .map(|f| (f.path.clone(), f.decision.clone()))
        .collect();
    for (path, &Move { old, new }) in moves {
        let moved = updated[path].clone();
        // Links are mutual: a decision that points at the old number and is pointed
        // at by the moved one refers to the moved one.
        for (other_path, other) in updated.iter_mut() {
            if other_path == path {
                continue;
            }
            if moved.superseded_by == Some(other.number) && other.supersedes.contains(&old) {
                for s in other.supersedes.iter_mut().filter(|s| **s == old) {
                    *s = new;
                }
                other.supersedes.sort();
            }
            if moved.supersedes.contains(&other.number) && other.superseded_by == Some(old) {
                other.superseded_by = Some(new);
            }
        }
        let d = updated.get_mut(path).expect("moved decisions are loaded");
        d.number = new;
        d.body = renumber_heading(&d.body, new);
    }
    updated
}

/// The files a renumbering writes, moves and deletes, added to `change`, and the report.
fn renumber_change(
    mut change: Change,
    decisions: &Decisions,
    updated: &BTreeMap<String, Decision>,
    moves: &BTreeMap<String, Move>,
) -> (Change, Vec<Renumbered>) {
    let mut report = Vec::new();
    let original: BTreeMap<&str, &Decision> = decisions
        .files
        .iter()
        .map(|f| (f.path.as_str(), &f.decision))
        .collect();
    for (path, d) in updated {
        if let Some(&Move { old, new }) = moves.get(path) {
            let new_path = decision_path(d);
            change.delete(path.clone());
            change.write(new_path.clone(), format::decision_to_markdown(d));
            change = change.trailer("Orc-Decision", number_str(new));
            report.push(Renumbered {
                title: d.title.clone(),
                old_number: old,
                new_number: new,
                old_path: path.clone(),
                new_path,
            });
        } else if original[path.as_str()] != d {
            change.write(path.clone(), format::decision_to_markdown(d));
        }
    }
    (change, report)
}

/// The problems of one readable decision file: a name that disagrees with its number,
/// an unknown task (`known` says which exist), links to missing numbers, a superseded
/// status without its successor.
fn file_problems(
    f: &DecisionFile,
    known: &dyn Fn(&TaskId) -> bool,
    numbers: &BTreeSet<u32>,
) -> Vec<Problem> {
    let d = &f.decision;
    let problem = |kind, message| Problem::at(&f.path, kind, message);
    let mut out = Vec::new();
    let name = f.path.rsplit('/').next().unwrap_or("");
    if number_from_file_name(name) != Some(d.number) {
        out.push(problem(
            "misnamed",
            format!(
                "holds decision {}, but the file name says otherwise; expected {}",
                number_str(d.number),
                decision_path(d)
            ),
        ));
    }
    if let Some(t) = &d.task
        && !known(t)
    {
        out.push(problem("unknown-task", format!("task {t} does not exist")));
    }
    for s in d.supersedes.iter().chain(d.superseded_by.iter()) {
        if !numbers.contains(s) {
            out.push(problem(
                "unknown-decision",
                format!(
                    "refers to decision {}, which does not exist",
                    number_str(*s)
                ),
            ));
        }
    }
    if d.status == DecisionStatus::Superseded && d.superseded_by.is_none() {
        out.push(problem(
            "inconsistent",
            "is superseded but does not say by which decision (superseded_by)".into(),
        ));
    }
    out
}

/// `task`, the tasks above it (its goal) and the tasks it depends on: the tasks whose
/// decisions bind work on `task`.
pub(super) fn lineage(task: &Task, state: &State) -> Vec<TaskId> {
    let mut lineage = vec![task.id.clone()];
    let mut cur = task.parent.clone();
    while let Some(p) = cur {
        if lineage.contains(&p) {
            break;
        }
        cur = state.tasks.get(&p).and_then(|t| t.parent.clone());
        lineage.push(p);
    }
    lineage.extend(task.depends_on.iter().cloned());
    lineage
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_parse_in_several_spellings() {
        assert_eq!(parse_number("7").unwrap(), 7);
        assert_eq!(parse_number("0007").unwrap(), 7);
        assert_eq!(parse_number("ADR-7").unwrap(), 7);
        assert!(parse_number("seven").is_err());
    }

    #[test]
    fn tidy_body_drops_prompts_only_where_there_is_content() {
        let body = "# 1. T\n\n## Context\n\n<!-- prompt -->\nReal text\n\n## Decision\n\n<!-- keep -->\n\n";
        let tidy = tidy_body(body);
        assert_eq!(
            tidy,
            "# 1. T\n\n## Context\n\nReal text\n\n## Decision\n\n<!-- keep -->\n"
        );
    }

    #[test]
    fn headings_follow_renumbering() {
        assert_eq!(renumber_heading("# 3. X\n", 5), "# 5. X\n");
        assert_eq!(renumber_heading("# 0003. X\n", 5), "# 5. X\n");
        assert_eq!(renumber_heading("# Other\n", 5), "# Other\n");
    }
}
