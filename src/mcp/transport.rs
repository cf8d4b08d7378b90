//! The stdio transport: newline-delimited JSON-RPC, as the SDK's own, with two fixes.
//!
//! - An invalid request that carries an `id` is answered with that `id` (the SDK
//!   answers every unreadable message without one). The transport hands it to the
//!   server as a request of the internal method [`INVALID`], whose error the server
//!   returns ([`prepared_error`]), so the answer goes out in order with the right id.
//! - A last request without a trailing newline before EOF is still read and answered
//!   (the SDK drops it).
//!
//! Lines that are not JSON are ignored (answering could start an error loop between
//! two programs); lines over [`MAX_LINE`] bytes are dropped unread.

use std::sync::Arc;

use rmcp::RoleServer;
use rmcp::model::{
    ClientRequest, CustomRequest, ErrorCode, ErrorData, JsonRpcMessage, JsonRpcRequest,
    NumberOrString,
};
use rmcp::service::{RxJsonRpcMessage, TxJsonRpcMessage};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::Mutex;

/// The longest line read; longer ones are dropped unanswered.
pub const MAX_LINE: usize = 16 * 1024 * 1024;

/// The internal method an invalid request with an id becomes.
pub const INVALID: &str = "orc/invalid-request";

/// The error the transport prepared for an invalid request (the params of [`INVALID`]).
pub fn prepared_error(params: Option<Value>) -> ErrorData {
    let params = params.unwrap_or(Value::Null);
    ErrorData::new(
        ErrorCode(params["code"].as_i64().unwrap_or(-32600) as i32),
        params["message"]
            .as_str()
            .unwrap_or("invalid request")
            .to_owned(),
        None,
    )
}

/// Newline-delimited JSON-RPC over a reader and a writer.
pub struct LineTransport<R, W> {
    read: BufReader<R>,
    /// The line being read; kept across cancelled reads.
    line: Vec<u8>,
    /// Dropping the rest of an over-long line.
    discarding: bool,
    /// The reader reached its end.
    eof: bool,
    write: Arc<Mutex<W>>,
}

impl<R, W> LineTransport<R, W>
where
    R: AsyncRead + Unpin + Send,
    W: AsyncWrite + Unpin + Send + 'static,
{
    pub fn new(read: R, write: W) -> Self {
        LineTransport {
            read: BufReader::new(read),
            line: Vec::new(),
            discarding: false,
            eof: false,
            write: Arc::new(Mutex::new(write)),
        }
    }

    /// Reads until a whole line is in `self.line`; false at the end of input with
    /// nothing left. Cancel-safe: no await between taking bytes and keeping them.
    async fn read_line(&mut self) -> std::io::Result<bool> {
        loop {
            if self.eof {
                return Ok(false);
            }
            let available = self.read.fill_buf().await?;
            if available.is_empty() {
                self.eof = true;
                // The last line without a newline is a line too.
                return Ok(!self.line.is_empty() && !self.discarding);
            }
            let newline = available.iter().position(|b| *b == b'\n');
            let take = newline.map_or(available.len(), |i| i + 1);
            if !self.discarding {
                if self.line.len() + take > MAX_LINE {
                    self.line.clear();
                    self.discarding = true;
                } else {
                    self.line.extend_from_slice(&available[..take]);
                }
            }
            self.read.consume(take);
            if newline.is_some() {
                if self.discarding {
                    self.discarding = false;
                    continue;
                }
                return Ok(true);
            }
        }
    }
}

/// What one line holds.
enum Line {
    Message(Box<RxJsonRpcMessage<RoleServer>>),
    /// Nothing to answer: empty, not JSON, or a notification that does not parse.
    Skip,
    /// Not a message and no id to answer with.
    Invalid(String),
}

fn parse(line: &[u8]) -> Line {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
    if line.iter().all(u8::is_ascii_whitespace) {
        return Line::Skip;
    }
    let error = match serde_json::from_slice::<RxJsonRpcMessage<RoleServer>>(line) {
        Ok(msg) => return Line::Message(Box::new(msg)),
        Err(e) => e,
    };
    let Ok(value) = serde_json::from_slice::<Value>(line) else {
        return Line::Skip;
    };
    let id = match value.get("id") {
        Some(Value::String(s)) => Some(NumberOrString::String(s.as_str().into())),
        Some(Value::Number(n)) => n.as_i64().map(NumberOrString::Number),
        _ => None,
    };
    let message = format!("invalid request: {error}");
    match id {
        Some(id) => {
            let request =
                CustomRequest::new(INVALID, Some(json!({ "code": -32600, "message": message })));
            Line::Message(Box::new(JsonRpcMessage::Request(JsonRpcRequest::new(
                id,
                ClientRequest::CustomRequest(request),
            ))))
        }
        // A notification is never answered.
        None if value.get("method").is_some() && value.get("id").is_none() => Line::Skip,
        None => Line::Invalid(message),
    }
}

async fn write_message<W: AsyncWrite + Unpin>(
    write: &Mutex<W>,
    item: &TxJsonRpcMessage<RoleServer>,
) -> std::io::Result<()> {
    let mut bytes = serde_json::to_vec(item).map_err(std::io::Error::other)?;
    bytes.push(b'\n');
    let mut write = write.lock().await;
    write.write_all(&bytes).await?;
    write.flush().await
}

impl<R, W> rmcp::transport::Transport<RoleServer> for LineTransport<R, W>
where
    R: AsyncRead + Unpin + Send,
    W: AsyncWrite + Unpin + Send + 'static,
{
    type Error = std::io::Error;

    fn send(
        &mut self,
        item: TxJsonRpcMessage<RoleServer>,
    ) -> impl Future<Output = std::io::Result<()>> + Send + 'static {
        let write = self.write.clone();
        async move { write_message(&write, &item).await }
    }

    async fn receive(&mut self) -> Option<RxJsonRpcMessage<RoleServer>> {
        loop {
            match self.read_line().await {
                Ok(true) => {}
                Ok(false) => return None,
                Err(e) => {
                    eprintln!("orc mcp: reading stdin failed: {e}");
                    return None;
                }
            }
            let parsed = parse(&self.line);
            self.line.clear();
            match parsed {
                Line::Message(msg) => return Some(*msg),
                Line::Skip => {}
                Line::Invalid(message) => {
                    let reply = TxJsonRpcMessage::<RoleServer>::error(
                        ErrorData::invalid_request(message, None),
                        None,
                    );
                    // Written on its own task: `receive` may be cancelled at any await.
                    let write = self.write.clone();
                    tokio::spawn(async move { write_message(&write, &reply).await });
                }
            }
        }
    }

    async fn close(&mut self) -> std::io::Result<()> {
        self.write.lock().await.flush().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_invalid_request_with_an_id_keeps_it() {
        let Line::Message(msg) = parse(br#"{"jsonrpc":"2.0","id":"x8","method":5}"#) else {
            panic!("expected a message");
        };
        let JsonRpcMessage::Request(req) = *msg else {
            panic!("expected a request")
        };
        assert_eq!(req.id, NumberOrString::String("x8".into()));
        let ClientRequest::CustomRequest(c) = req.request else {
            panic!("expected the internal method")
        };
        assert_eq!(c.method, INVALID);
        assert_eq!(prepared_error(c.params).code, ErrorCode::INVALID_REQUEST);
    }

    #[test]
    fn garbage_is_skipped_and_id_less_junk_answered() {
        assert!(matches!(parse(b"not json\n"), Line::Skip));
        assert!(matches!(parse(b"  \r\n"), Line::Skip));
        assert!(matches!(parse(b"[1,2,3]"), Line::Invalid(_)));
        assert!(matches!(
            parse(br#"{"jsonrpc":"2.0","method":7}"#),
            Line::Skip
        ));
    }
}
