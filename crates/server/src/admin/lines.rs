//! Reading an import body line by line as it arrives, in bounded memory: at most one line
//! (up to [`MAX_LINE_BYTES`]) is held at a time, the rest of a longer one is skipped and
//! reported, and the whole body may not exceed the operator's `--max-import-bytes`.

use crate::error::ApiError;
use axum::body::{Body, Bytes, HttpBody};
use std::pin::Pin;

/// One line may be as long as a single `PUT`'s body (16 KiB): a line is one record.
pub const MAX_LINE_BYTES: usize = 16 * 1024;

/// A line as read: its number (1-based) and what it holds.
#[derive(Debug, PartialEq, Eq)]
pub enum Line {
    Text(u64, String),
    /// Over [`MAX_LINE_BYTES`]: not read.
    TooLong(u64),
    /// Not UTF-8.
    NotText(u64),
}

pub struct LineReader {
    body: Body,
    /// In the unit tests: chunks cut where a test wants them, read instead of `body`.
    #[cfg(test)]
    chunks: Option<std::collections::VecDeque<Bytes>>,
    /// Bytes received and not yet split into lines.
    pending: Vec<u8>,
    chunk: Bytes,
    /// The line being skipped because it is too long.
    skipping: bool,
    number: u64,
    received: u64,
    max_bytes: u64,
    ended: bool,
}

impl LineReader {
    pub fn new(body: Body, max_bytes: u64) -> LineReader {
        LineReader {
            body,
            #[cfg(test)]
            chunks: None,
            pending: Vec::new(),
            chunk: Bytes::new(),
            skipping: false,
            number: 0,
            received: 0,
            max_bytes,
            ended: false,
        }
    }

    /// How many lines were read so far.
    pub fn lines(&self) -> u64 {
        self.number
    }

    /// The next line (`\n` or `\r\n` ended; the last may end without one), or `None` at
    /// the end of the body. Fails when the body breaks off or exceeds the limit.
    pub async fn next(&mut self) -> Result<Option<Line>, ApiError> {
        loop {
            if let Some(end) = self.chunk.iter().position(|&b| b == b'\n') {
                let head = self.chunk.split_to(end + 1);
                return Ok(Some(self.finish_line(&head[..end])));
            }
            if !self.chunk.is_empty() {
                let rest = std::mem::take(&mut self.chunk);
                self.keep(&rest);
            }
            if self.ended {
                if self.pending.is_empty() && !self.skipping {
                    return Ok(None);
                }
                return Ok(Some(self.finish_line(&[])));
            }
            match self.read_chunk().await? {
                Some(chunk) => self.chunk = chunk,
                None => self.ended = true,
            }
        }
    }

    /// Holds `bytes` of the current line, unless it is already too long.
    fn keep(&mut self, bytes: &[u8]) {
        if self.skipping {
            return;
        }
        if self.pending.len() + bytes.len() > MAX_LINE_BYTES {
            self.skipping = true;
            self.pending = Vec::new();
        } else {
            self.pending.extend_from_slice(bytes);
        }
    }

    fn finish_line(&mut self, tail: &[u8]) -> Line {
        self.keep(tail);
        self.number += 1;
        let number = self.number;
        let mut bytes = std::mem::take(&mut self.pending);
        if std::mem::take(&mut self.skipping) {
            return Line::TooLong(number);
        }
        if bytes.last() == Some(&b'\r') {
            bytes.pop();
        }
        match String::from_utf8(bytes) {
            Ok(text) => Line::Text(number, text),
            Err(_) => Line::NotText(number),
        }
    }

    async fn read_chunk(&mut self) -> Result<Option<Bytes>, ApiError> {
        loop {
            #[cfg(test)]
            if let Some(chunks) = &mut self.chunks {
                return Ok(chunks.pop_front());
            }
            let frame = std::future::poll_fn(|cx| Pin::new(&mut self.body).poll_frame(cx)).await;
            let Some(frame) = frame else {
                return Ok(None);
            };
            let frame =
                frame.map_err(|_| ApiError::BadRequest("The request body could not be read."))?;
            // Trailers carry nothing an import reads.
            let Ok(data) = frame.into_data() else {
                continue;
            };
            self.received += data.len() as u64;
            if self.received > self.max_bytes {
                return Err(ApiError::PayloadTooLarge);
            }
            return Ok(Some(data));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn all(body: Body, max: u64) -> Result<Vec<Line>, ApiError> {
        let mut reader = LineReader::new(body, max);
        let mut lines = Vec::new();
        while let Some(line) = reader.next().await? {
            lines.push(line);
        }
        Ok(lines)
    }

    fn text(n: u64, s: &str) -> Line {
        Line::Text(n, s.to_owned())
    }

    #[tokio::test]
    async fn splits_lines_across_chunks_and_endings() {
        let chunks =
            ["a\r", "\nb", "c\n\n", "d"].map(|s: &'static str| Bytes::from_static(s.as_bytes()));
        let mut reader = LineReader::new(Body::empty(), 100);
        reader.chunks = Some(chunks.into());
        let mut lines = Vec::new();
        while let Some(line) = reader.next().await.unwrap() {
            lines.push(line);
        }
        assert_eq!(
            lines,
            [text(1, "a"), text(2, "bc"), text(3, ""), text(4, "d")]
        );
        assert_eq!(all(Body::from("x\n"), 100).await.unwrap(), [text(1, "x")]);
        assert!(all(Body::empty(), 100).await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_long_line_is_skipped_and_numbered_and_bad_utf8_reported() {
        let mut body = b"ok\n".to_vec();
        body.extend(std::iter::repeat_n(b'x', MAX_LINE_BYTES + 1));
        body.extend(b"\n\xff\nlast");
        assert_eq!(
            all(Body::from(body), 1 << 20).await.unwrap(),
            [
                text(1, "ok"),
                Line::TooLong(2),
                Line::NotText(3),
                text(4, "last")
            ]
        );
    }

    #[tokio::test]
    async fn the_body_limit_is_enforced() {
        assert!(matches!(
            all(Body::from("0123456789\n"), 5).await,
            Err(ApiError::PayloadTooLarge)
        ));
    }
}
