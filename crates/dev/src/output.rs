//! An agent's stdout and stderr, read line by line as bytes: whatever the agent writes (invalid
//! UTF-8, a line with no end) the pipe is always drained, so the agent never blocks or dies of
//! EPIPE, and memory stays bounded by [`LINE_BYTES`] per stream.

use tokio::io::{AsyncBufRead, AsyncBufReadExt};

/// The longest line kept; the rest of a longer one is dropped and the line marked.
pub(crate) const LINE_BYTES: usize = 16 * 1024;

/// Calls `each` with every line of `reader` (without its newline), decoded lossily, cut at
/// `cap` bytes with a note of how much was dropped. Returns at the end of the stream or on a
/// read error.
pub(crate) async fn each_line<R: AsyncBufRead + Unpin>(mut reader: R, cap: usize, mut each: impl FnMut(&str)) {
    let mut line: Vec<u8> = Vec::new();
    let mut dropped = 0usize;
    let mut emit = |line: &mut Vec<u8>, dropped: &mut usize| {
        let mut text = String::from_utf8_lossy(line).into_owned();
        if *dropped > 0 {
            text.push_str(&format!(" ... [{dropped} more bytes of this line not shown]"));
        }
        each(text.trim_end_matches('\r'));
        line.clear();
        *dropped = 0;
    };
    loop {
        let buf = match reader.fill_buf().await {
            Ok([]) | Err(_) => break,
            Ok(buf) => buf,
        };
        let (chunk, ends) = match buf.iter().position(|b| *b == b'\n') {
            Some(i) => (&buf[..i], Some(i + 1)),
            None => (buf, None),
        };
        let room = cap.saturating_sub(line.len());
        line.extend_from_slice(&chunk[..chunk.len().min(room)]);
        dropped += chunk.len().saturating_sub(room);
        let used = ends.unwrap_or(buf.len());
        reader.consume(used);
        if ends.is_some() {
            emit(&mut line, &mut dropped);
        }
    }
    if !line.is_empty() || dropped > 0 {
        emit(&mut line, &mut dropped);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn lines(input: &[u8], cap: usize) -> Vec<String> {
        let mut out = Vec::new();
        each_line(tokio::io::BufReader::with_capacity(7, input), cap, |l| out.push(l.to_string())).await;
        out
    }

    /// Issue 27, 7: one invalid byte ended the reader, and every later write failed with EPIPE.
    #[tokio::test]
    async fn invalid_utf8_is_shown_and_reading_goes_on() {
        assert_eq!(lines(b"a\xffb\nnext\n", 100).await, ["a\u{fffd}b", "next"]);
    }

    #[tokio::test]
    async fn long_lines_are_cut_and_marked_and_the_rest_still_read() {
        let mut input = vec![b'x'; 1000];
        input.extend_from_slice(b"\nafter\nlast without newline");
        let got = lines(&input, 10).await;
        assert_eq!(got[0], "xxxxxxxxxx ... [990 more bytes of this line not shown]");
        assert_eq!(&got[1..], ["after", "last witho ... [10 more bytes of this line not shown]"]);
    }

    #[tokio::test]
    async fn crlf_and_empty_lines() {
        assert_eq!(lines(b"a\r\n\nb", 10).await, ["a", "", "b"]);
    }
}
