//! An SMTP server inside the test process: a small RFC 5321 responder on a
//! random 127.0.0.1 port (no TLS; the app reaches it with
//! `smtp://127.0.0.1:PORT?tls=none`, see [`SmtpServer::url`]) that records
//! every message it accepts, and a [`Mode`] that makes it refuse, switchable
//! while it runs. [`Received::parsed`] decodes a message (headers, text and
//! HTML parts, attachments) with the `mail-parser` crate (`smtp/parse.rs`);
//! the server's own tests are in `smtp/tests.rs`.
//!
//! Written here rather than taken from a crate: the embeddable SMTP server
//! on crates.io (`mailin-embedded`) serves forever with no way to stop it
//! (every test would leak its listener and thread pool) and brings TLS and
//! an unmaintained thread-pool crate along; what the tests need is ~200
//! lines of plain std.
//!
//! Commands: EHLO/HELO, MAIL FROM, RCPT TO, DATA (dot-unstuffed), RSET,
//! NOOP, VRFY, QUIT; anything else is 500, commands out of order 503.

// A toolkit for other modules' tests: not every helper has a user yet.

use std::io::{BufRead, BufReader, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

pub use scraper::Html;

/// How the server answers; read at every command, so a switch takes effect
/// from the next command on (also in an open conversation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Accepts and records every message.
    Accept,
    /// `554` to MAIL FROM (a permanent refusal of the sender).
    RefuseMail,
    /// `550` to every RCPT TO (no such mailbox).
    RefuseRcpt,
    /// `451` to DATA (a temporary failure before the body is sent).
    RefuseData,
    /// Takes the whole body, then answers `554`: nothing is recorded.
    RefuseAfterData,
}

/// A message as the server received it.
#[derive(Debug, Clone)]
pub struct Received {
    /// The envelope sender (MAIL FROM), without angle brackets.
    pub from: String,
    /// The envelope recipients (RCPT TO), in order.
    pub to: Vec<String>,
    /// The message as sent after DATA, dot-unstuffed, CRLF line ends, without
    /// the final `.` line.
    pub data: Vec<u8>,
}

#[derive(Default)]
struct Log {
    messages: Vec<Received>,
    /// MAIL FROM commands seen (accepted or refused): delivery attempts.
    attempts: usize,
}

struct Shared {
    mode: Mutex<Mode>,
    log: Mutex<Log>,
    changed: Condvar,
    stop: AtomicBool,
}

/// The running server; stops when dropped.
pub struct SmtpServer {
    pub port: u16,
    shared: Arc<Shared>,
    accept_thread: Option<std::thread::JoinHandle<()>>,
}

impl SmtpServer {
    /// Starts a server that accepts every message.
    pub fn start() -> SmtpServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a local port");
        let port = listener.local_addr().expect("local address").port();
        let shared = Arc::new(Shared {
            mode: Mutex::new(Mode::Accept),
            log: Mutex::new(Log::default()),
            changed: Condvar::new(),
            stop: AtomicBool::new(false),
        });
        let s = shared.clone();
        let accept_thread = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if s.stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = conn else { continue };
                let s = s.clone();
                std::thread::spawn(move || {
                    let _ = stream.set_read_timeout(Some(Duration::from_secs(60)));
                    let _ = converse(stream, &s);
                });
            }
        });
        SmtpServer {
            port,
            shared,
            accept_thread: Some(accept_thread),
        }
    }

    /// The URL to give the app (`CLINIC_STOCK_SMTP_URL`).
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}?tls=none", self.port)
    }

    /// Switches how the server answers from the next command on.
    pub fn set_mode(&self, mode: Mode) {
        *self.shared.mode.lock().unwrap() = mode;
    }

    /// Every message accepted so far, oldest first.
    pub fn messages(&self) -> Vec<Received> {
        self.shared.log.lock().unwrap().messages.clone()
    }

    /// Delivery attempts so far (MAIL FROM commands, refused ones included).
    pub fn attempts(&self) -> usize {
        self.shared.log.lock().unwrap().attempts
    }

    /// Waits until at least `n` messages were accepted (or `timeout` passed)
    /// and returns all of them; for mail sent by a background thread.
    pub fn wait_for(&self, n: usize, timeout: Duration) -> Vec<Received> {
        let deadline = Instant::now() + timeout;
        let mut log = self.shared.log.lock().unwrap();
        while log.messages.len() < n {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            log = self.shared.changed.wait_timeout(log, left).unwrap().0;
        }
        log.messages.clone()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // Wake the blocking accept so the thread sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(t) = self.accept_thread.take() {
            let _ = t.join();
        }
    }
}

/// The envelope being built in one conversation.
#[derive(Default)]
struct Envelope {
    from: Option<String>,
    to: Vec<String>,
}

/// Biggest message body taken (the app's mail is far smaller).
const MAX_DATA: usize = 20 * 1024 * 1024;

/// One SMTP conversation, until QUIT or the client goes away.
fn converse(stream: TcpStream, shared: &Shared) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut out = stream;
    reply(&mut out, "220 smtp.test ESMTP clinic-stock test server")?;
    let mut env = Envelope::default();
    loop {
        let mut raw = Vec::new();
        if reader.read_until(b'\n', &mut raw)? == 0 {
            return Ok(());
        }
        let line = String::from_utf8_lossy(&raw);
        let line = line.trim_end_matches(['\r', '\n']);
        let verb = line
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_ascii_uppercase();
        let mode = *shared.mode.lock().unwrap();
        let answer = match verb.as_str() {
            "EHLO" => {
                env = Envelope::default();
                "250-smtp.test\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 SIZE 20971520".to_string()
            }
            "HELO" => {
                env = Envelope::default();
                "250 smtp.test".to_string()
            }
            "MAIL" => mail_from(line, mode, &mut env, shared),
            "RCPT" => rcpt_to(line, mode, &mut env),
            "DATA" => {
                if env.from.is_none() || env.to.is_empty() {
                    "503 5.5.1 MAIL FROM and RCPT TO first".to_string()
                } else if mode == Mode::RefuseData {
                    "451 4.3.0 try again later (test server refuses DATA)".to_string()
                } else {
                    reply(&mut out, "354 end data with <CR><LF>.<CR><LF>")?;
                    let data = read_data(&mut reader)?;
                    let answer = finish_data(data, &mut env, shared);
                    env = Envelope::default();
                    answer
                }
            }
            "RSET" => {
                env = Envelope::default();
                "250 2.0.0 reset".to_string()
            }
            "NOOP" => "250 2.0.0 ok".to_string(),
            "VRFY" => "252 2.1.5 cannot verify".to_string(),
            "QUIT" => {
                reply(&mut out, "221 2.0.0 bye")?;
                let _ = out.shutdown(Shutdown::Both);
                return Ok(());
            }
            _ => "500 5.5.2 command not recognised".to_string(),
        };
        reply(&mut out, &answer)?;
    }
}

fn reply(out: &mut TcpStream, text: &str) -> std::io::Result<()> {
    out.write_all(text.as_bytes())?;
    out.write_all(b"\r\n")?;
    out.flush()
}

/// The address in `<…>` after `FROM:`/`TO:` (parameters after it ignored).
fn path_after(line: &str, keyword: &str) -> Option<String> {
    let upper = line.to_ascii_uppercase();
    let at = upper.find(keyword)? + keyword.len();
    let rest = line[at..].trim_start();
    let rest = rest.strip_prefix('<')?;
    let end = rest.find('>')?;
    Some(rest[..end].to_string())
}

fn mail_from(line: &str, mode: Mode, env: &mut Envelope, shared: &Shared) -> String {
    {
        let mut log = shared.log.lock().unwrap();
        log.attempts += 1;
    }
    shared.changed.notify_all();
    if env.from.is_some() {
        return "503 5.5.1 nested MAIL command".to_string();
    }
    let Some(from) = path_after(line, "FROM:") else {
        return "501 5.5.4 syntax: MAIL FROM:<address>".to_string();
    };
    if mode == Mode::RefuseMail {
        return "554 5.7.1 sender refused (test server)".to_string();
    }
    env.from = Some(from);
    "250 2.1.0 sender ok".to_string()
}

fn rcpt_to(line: &str, mode: Mode, env: &mut Envelope) -> String {
    if env.from.is_none() {
        return "503 5.5.1 MAIL FROM first".to_string();
    }
    let Some(to) = path_after(line, "TO:") else {
        return "501 5.5.4 syntax: RCPT TO:<address>".to_string();
    };
    if to.is_empty() {
        return "501 5.1.3 empty recipient".to_string();
    }
    if mode == Mode::RefuseRcpt {
        return "550 5.1.1 no such mailbox (test server)".to_string();
    }
    env.to.push(to);
    "250 2.1.5 recipient ok".to_string()
}

/// Reads the body up to the `.` line, taking off the dot that the client
/// added before lines beginning with one (RFC 5321 4.5.2). `None` when the
/// body was too big (read to its end all the same).
fn read_data(reader: &mut impl BufRead) -> std::io::Result<Option<Vec<u8>>> {
    let mut data = Vec::new();
    let mut too_big = false;
    loop {
        let mut line = Vec::new();
        if reader.read_until(b'\n', &mut line)? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        if line == b".\r\n" || line == b".\n" {
            break;
        }
        let line = line.strip_prefix(b".").unwrap_or(&line);
        if data.len() + line.len() > MAX_DATA {
            too_big = true;
        } else {
            data.extend_from_slice(line);
        }
    }
    Ok((!too_big).then_some(data))
}

fn finish_data(data: Option<Vec<u8>>, env: &mut Envelope, shared: &Shared) -> String {
    let Some(data) = data else {
        return "552 5.3.4 message too big".to_string();
    };
    if *shared.mode.lock().unwrap() == Mode::RefuseAfterData {
        return "554 5.6.0 message refused (test server)".to_string();
    }
    let received = Received {
        from: env.from.take().unwrap_or_default(),
        to: std::mem::take(&mut env.to),
        data,
    };
    shared.log.lock().unwrap().messages.push(received);
    shared.changed.notify_all();
    "250 2.0.0 queued".to_string()
}

mod parse;
#[cfg(test)]
mod tests;

// For tests that name the parsed types or parse raw mail themselves.
#[allow(unused_imports)]
pub use parse::{Mail, MailAttachment, parse_mail};
