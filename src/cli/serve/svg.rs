//! The task graph as an SVG picture, laid out here (no Graphviz, no script, no network):
//! a task sits one row below its parent and below every task it depends on; rows keep
//! the graph's node order. Nodes link to the task's page.

use std::collections::HashMap;
use std::fmt::Write;

use super::esc;
use crate::cli::graph::{node_lines, status_fill};
use crate::service::{TaskEdge, TaskEdgeKind, TaskGraph, TaskNode};

const NODE_W: usize = 230;
const NODE_H: usize = 56;
const GAP_X: usize = 24;
const GAP_Y: usize = 48;
const MARGIN: usize = 16;
/// Characters of a title that fit in a node.
const TITLE_CHARS: usize = 32;

/// An edge as drawn: from the node above to the node below it.
struct Drawn<'a> {
    above: &'a str,
    below: &'a str,
    /// A dependency (dashed), not a parent to its subtask.
    depends: bool,
}

impl<'a> Drawn<'a> {
    /// Subtask: the parent (from) is above; depends on: the dependency (to) is above.
    fn of(e: &'a TaskEdge) -> Drawn<'a> {
        match e.kind {
            TaskEdgeKind::Subtask => Drawn {
                above: e.from.as_str(),
                below: e.to.as_str(),
                depends: false,
            },
            TaskEdgeKind::DependsOn => Drawn {
                above: e.to.as_str(),
                below: e.from.as_str(),
                depends: true,
            },
        }
    }
}

/// The index of each node by id.
fn index(g: &TaskGraph) -> HashMap<&str, usize> {
    g.nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.id.as_str(), i))
        .collect()
}

/// The row of each node: 0 for nodes with nothing above them, else one more than the
/// lowest of their parent and dependencies. No row goes past the number of nodes, which
/// only a cycle (refused on write, possible after a merge) would reach.
fn rows(g: &TaskGraph, index: &HashMap<&str, usize>) -> Vec<usize> {
    let mut row = vec![0; g.nodes.len()];
    for _ in 0..g.nodes.len() {
        let mut changed = false;
        for e in &g.edges {
            let d = Drawn::of(e);
            let (a, b) = (index[d.above], index[d.below]);
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

/// Where each node sits (row and column) and the size of the picture.
struct Layout<'a> {
    index: HashMap<&'a str, usize>,
    row: Vec<usize>,
    col: Vec<usize>,
    width: usize,
    height: usize,
}

impl<'a> Layout<'a> {
    /// Rows from the edges; in each row, nodes in the graph's order.
    fn of(g: &'a TaskGraph) -> Layout<'a> {
        let index = index(g);
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
        Layout {
            width: MARGIN * 2 + widest * NODE_W + (widest - 1) * GAP_X,
            height: MARGIN * 2 + height_rows * NODE_H + (height_rows - 1) * GAP_Y,
            index,
            row,
            col,
        }
    }

    /// The top left corner of node `i`.
    fn pos(&self, i: usize) -> Corner {
        Corner {
            x: MARGIN + self.col[i] * (NODE_W + GAP_X),
            y: MARGIN + self.row[i] * (NODE_H + GAP_Y),
        }
    }
}

/// The top left corner of a node's box, in pixels.
#[derive(Clone, Copy)]
struct Corner {
    x: usize,
    y: usize,
}

pub fn task_graph(g: &TaskGraph) -> String {
    if g.nodes.is_empty() {
        return "<p class=\"empty\">No tasks to draw.</p>".into();
    }
    let layout = Layout::of(g);
    let (width, height) = (layout.width, layout.height);
    let mut s = String::new();
    let _ = write!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" class="graph" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" aria-label="Task graph">
<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#6b7280"/></marker></defs>
"##
    );
    for e in &g.edges {
        draw_edge(&mut s, &layout, e);
    }
    for (i, n) in g.nodes.iter().enumerate() {
        draw_node(&mut s, layout.pos(i), n);
    }
    s.push_str("</svg>");
    s
}

/// An arrow from the bottom of the node above to the top of the node below.
fn draw_edge(s: &mut String, layout: &Layout, e: &TaskEdge) {
    let d = Drawn::of(e);
    let above = layout.pos(layout.index[d.above]);
    let below = layout.pos(layout.index[d.below]);
    let (x1, y1) = (above.x + NODE_W / 2, above.y + NODE_H);
    let (x2, y2) = (below.x + NODE_W / 2, below.y);
    let mid = (y1 + y2) / 2;
    let dash = if d.depends {
        r#" stroke-dasharray="5 4""#
    } else {
        ""
    };
    let _ = writeln!(
        s,
        r##"<path class="edge {kind}" d="M{x1},{y1} C{x1},{mid} {x2},{mid} {x2},{y2}" fill="none" stroke="#6b7280" stroke-width="1.4"{dash} marker-end="url(#arrow)"><title>{title}</title></path>"##,
        kind = if d.depends { "depends" } else { "subtask" },
        title = if d.depends {
            format!("{} depends on {}", e.from, e.to)
        } else {
            format!("{} is a subtask of {}", e.to, e.from)
        },
    );
}

/// A task's box at `(x, y)`: id, title cut to fit, status; a link to its page.
fn draw_node(s: &mut String, Corner { x, y }: Corner, n: &TaskNode) {
    let [_, _, status] = node_lines(n);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Priority, Status, TaskId};

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
        assert_eq!(rows(&g, &index(&g)), [0, 1, 2]);
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
        assert!(rows(&cyclic, &index(&cyclic)).iter().all(|r| *r < 3));
    }
}
