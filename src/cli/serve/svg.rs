//! The task graph as an SVG picture, laid out here (no Graphviz, no script, no network):
//! a task sits one row below its parent and below every task it depends on; rows keep
//! the graph's node order. Nodes link to the task's page.

use std::collections::HashMap;
use std::fmt::Write;

use super::esc;
use crate::cli::graph::{status_fill, status_word};
use crate::service::{TaskEdgeKind, TaskGraph};

const NODE_W: usize = 230;
const NODE_H: usize = 56;
const GAP_X: usize = 24;
const GAP_Y: usize = 48;
const MARGIN: usize = 16;
/// Characters of a title that fit in a node.
const TITLE_CHARS: usize = 32;

/// The row of each node: 0 for nodes with nothing above them, else one more than the
/// lowest of their parent and dependencies. No row goes past the number of nodes, which
/// only a cycle (refused on write, possible after a merge) would reach.
fn rows(g: &TaskGraph, index: &HashMap<&str, usize>) -> Vec<usize> {
    let mut row = vec![0; g.nodes.len()];
    for _ in 0..g.nodes.len() {
        let mut changed = false;
        for e in &g.edges {
            // Subtask: the parent (from) is above; depends on: the dependency (to) is above.
            let (above, below) = match e.kind {
                TaskEdgeKind::Subtask => (e.from.as_str(), e.to.as_str()),
                TaskEdgeKind::DependsOn => (e.to.as_str(), e.from.as_str()),
            };
            let (a, b) = (index[above], index[below]);
            if row[b] < row[a] + 1 && row[a] + 1 < g.nodes.len() {
                row[b] = row[a] + 1;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    row
}

/// Cuts `s` to `n` characters with `…`.
fn cut(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        let mut out: String = s.chars().take(n - 1).collect();
        out.push('…');
        out
    }
}

pub fn task_graph(g: &TaskGraph) -> String {
    if g.nodes.is_empty() {
        return "<p class=\"empty\">No tasks to draw.</p>".into();
    }
    let index: HashMap<&str, usize> = g
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.id.as_str(), i))
        .collect();
    let row = rows(g, &index);
    let mut col = vec![0; g.nodes.len()];
    let mut per_row: HashMap<usize, usize> = HashMap::new();
    for (i, r) in row.iter().enumerate() {
        let c = per_row.entry(*r).or_default();
        col[i] = *c;
        *c += 1;
    }
    let widest = per_row.values().copied().max().unwrap_or(1);
    let height_rows = row.iter().max().map_or(1, |r| r + 1);
    let width = MARGIN * 2 + widest * NODE_W + (widest - 1) * GAP_X;
    let height = MARGIN * 2 + height_rows * NODE_H + (height_rows - 1) * GAP_Y;
    let pos = |i: usize| {
        (
            MARGIN + col[i] * (NODE_W + GAP_X),
            MARGIN + row[i] * (NODE_H + GAP_Y),
        )
    };
    let mut s = String::new();
    let _ = write!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" class="graph" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" aria-label="Task graph">
<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#6b7280"/></marker></defs>
"##
    );
    for e in &g.edges {
        let (above, below, dashed) = match e.kind {
            TaskEdgeKind::Subtask => (e.from.as_str(), e.to.as_str(), false),
            TaskEdgeKind::DependsOn => (e.to.as_str(), e.from.as_str(), true),
        };
        let (ax, ay) = pos(index[above]);
        let (bx, by) = pos(index[below]);
        let (x1, y1) = (ax + NODE_W / 2, ay + NODE_H);
        let (x2, y2) = (bx + NODE_W / 2, by);
        let mid = (y1 + y2) / 2;
        let dash = if dashed {
            r#" stroke-dasharray="5 4""#
        } else {
            ""
        };
        let _ = writeln!(
            s,
            r##"<path class="edge {kind}" d="M{x1},{y1} C{x1},{mid} {x2},{mid} {x2},{y2}" fill="none" stroke="#6b7280" stroke-width="1.4"{dash} marker-end="url(#arrow)"><title>{title}</title></path>"##,
            kind = if dashed { "depends" } else { "subtask" },
            title = if dashed {
                format!("{} depends on {}", e.from, e.to)
            } else {
                format!("{} is a subtask of {}", e.to, e.from)
            },
        );
    }
    for (i, n) in g.nodes.iter().enumerate() {
        let (x, y) = pos(i);
        let mut status = status_word(n.status, n.ready).to_owned();
        if let Some(a) = n
            .assignee
            .as_ref()
            .filter(|_| n.status.as_str() == "in_progress")
        {
            status.push_str(&format!(" · @{a}"));
        }
        let dash = if n.outside {
            r#" stroke-dasharray="4 3""#
        } else {
            ""
        };
        let _ = writeln!(
            s,
            r##"<a href="/task/{id}" class="node" data-id="{id}"><title>{full}</title><rect x="{x}" y="{y}" width="{NODE_W}" height="{NODE_H}" rx="8" fill="{fill}" stroke="#374151"{dash}/><text x="{tx}" y="{y1}" class="nid">{id}</text><text x="{tx}" y="{y2}" class="ntitle">{title}</text><text x="{tx}" y="{y3}" class="nstatus">{status}</text></a>"##,
            id = esc(n.id.as_str()),
            full = esc(&n.title),
            fill = status_fill(n.status, n.ready),
            tx = x + 10,
            y1 = y + 17,
            y2 = y + 33,
            y3 = y + 49,
            title = esc(&cut(&n.title, TITLE_CHARS)),
            status = esc(&status),
        );
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Priority, Status, TaskId};
    use crate::service::{TaskEdge, TaskNode};

    fn node(id: &str) -> TaskNode {
        TaskNode {
            id: TaskId::parse(id).unwrap(),
            title: format!("Title of {id} <b>"),
            status: Status::Pending,
            priority: Priority::Medium,
            ready: false,
            assignee: None,
            stream: None,
            outside: false,
        }
    }

    #[test]
    fn dependencies_and_parents_sit_above_and_cycles_end() {
        let ids = ["task_00000001", "impl_00000002", "test_00000003"];
        let edge = |from: usize, to: usize, kind| TaskEdge {
            from: node(ids[from]).id,
            to: node(ids[to]).id,
            kind,
        };
        let g = TaskGraph {
            nodes: ids.iter().map(|i| node(i)).collect(),
            edges: vec![
                edge(0, 1, TaskEdgeKind::Subtask),
                edge(0, 2, TaskEdgeKind::Subtask),
                edge(2, 1, TaskEdgeKind::DependsOn),
            ],
        };
        let index = g
            .nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (n.id.as_str(), i))
            .collect();
        assert_eq!(rows(&g, &index), [0, 1, 2]);
        let svg = task_graph(&g);
        assert!(svg.contains("Title of task_00000001 &lt;b&gt;"), "{svg}");
        assert_eq!(svg.matches("<path class=\"edge").count(), 3);
        let cyclic = TaskGraph {
            edges: vec![
                edge(1, 2, TaskEdgeKind::DependsOn),
                edge(2, 1, TaskEdgeKind::DependsOn),
            ],
            ..g
        };
        let index = cyclic
            .nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (n.id.as_str(), i))
            .collect();
        assert!(rows(&cyclic, &index).iter().all(|r| *r < 3));
    }
}
