//! The log: tracing events to stderr, through a writer that never fails.
//! With the log on a full disk or a closed pipe, writing it fails; that
//! must cost the log line, never the request (tracing's own fallback
//! reports the failure with `eprintln!`, which panics when stderr fails).

use std::io::{self, Write};

/// A writer that drops what cannot be written and always reports success.
#[derive(Debug)]
pub struct Lossy<W>(pub W);

impl<W: Write> Write for Lossy<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let _ = self.0.write_all(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        let _ = self.0.flush();
        Ok(())
    }
}

/// Installs the global subscriber: `RUST_LOG` or `info,actix_server=warn`,
/// to stderr, write failures ignored.
pub fn init() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,actix_server=warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(|| Lossy(io::stderr()))
        .log_internal_errors(false)
        .init();
}

/// Prints a line on stdout, ignoring failure (a closed stdout must not stop
/// the server from starting).
pub fn say(line: &str) {
    let mut out = io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

/// Prints a line on stderr, ignoring failure.
pub fn complain(line: &str) {
    let mut err = io::stderr().lock();
    let _ = writeln!(err, "{line}");
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Broken;

    impl Write for Broken {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::Error::from(io::ErrorKind::BrokenPipe))
        }
        fn flush(&mut self) -> io::Result<()> {
            Err(io::Error::from(io::ErrorKind::BrokenPipe))
        }
    }

    #[test]
    fn a_failing_output_is_reported_as_written() {
        let mut w = Lossy(Broken);
        assert_eq!(w.write(b"hello").ok(), Some(5));
        assert!(w.write_all(b"hello").is_ok());
        assert!(w.flush().is_ok());
    }
}
