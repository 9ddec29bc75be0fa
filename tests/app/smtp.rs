//! An SMTP server inside the test process: a small RFC 5321 responder on a
//! random 127.0.0.1 port (no TLS; the app reaches it with
//! `smtp://127.0.0.1:PORT?tls=none`, see [`SmtpServer::url`]) that records
//! every message it accepts, and a [`Mode`] that makes it refuse, switchable
//! while it runs. [`Received::parsed`] decodes a message (headers, text and
//! HTML parts, attachments) with the `mail-parser` crate.
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
#![allow(dead_code)]

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

    /// Like [`SmtpServer::wait_for`] for delivery attempts.
    pub fn wait_for_attempts(&self, n: usize, timeout: Duration) -> usize {
        let deadline = Instant::now() + timeout;
        let mut log = self.shared.log.lock().unwrap();
        while log.attempts < n {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            log = self.shared.changed.wait_timeout(log, left).unwrap().0;
        }
        log.attempts
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

/// A received message taken apart for assertions.
#[derive(Debug, Clone)]
pub struct Mail {
    pub subject: String,
    /// Addresses of the `From:` header.
    pub from: Vec<String>,
    /// Addresses of the `To:` header.
    pub to: Vec<String>,
    pub reply_to: Vec<String>,
    /// The first text/plain part, decoded (quoted-printable, base64, charset).
    pub text: Option<String>,
    /// The first text/html part, decoded.
    pub html: Option<String>,
    pub attachments: Vec<MailAttachment>,
    /// Every top-level header as (name, raw value), in order.
    pub headers: Vec<(String, String)>,
}

/// An attachment with its decoded bytes.
#[derive(Debug, Clone)]
pub struct MailAttachment {
    pub filename: String,
    /// `type/subtype`, lower case.
    pub content_type: String,
    pub bytes: Vec<u8>,
}

impl Received {
    /// Parses the message (panics when it is not one).
    pub fn parsed(&self) -> Mail {
        parse_mail(&self.data)
    }
}

impl Mail {
    /// The raw value of the first header of that name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The HTML part parsed for CSS selectors (panics without one).
    pub fn html_doc(&self) -> Html {
        Html::parse_document(self.html.as_deref().expect("the message has an HTML part"))
    }

    /// The attachment with that file name (panics without one).
    pub fn attachment(&self, filename: &str) -> &MailAttachment {
        self.attachments
            .iter()
            .find(|a| a.filename == filename)
            .unwrap_or_else(|| {
                let names: Vec<_> = self.attachments.iter().map(|a| &a.filename).collect();
                panic!("no attachment {filename}; there are {names:?}")
            })
    }
}

fn addresses(a: Option<&mail_parser::Address<'_>>) -> Vec<String> {
    a.map(|a| {
        a.iter()
            .filter_map(|x| x.address().map(str::to_string))
            .collect()
    })
    .unwrap_or_default()
}

/// Decodes a message with `mail-parser` (a maintained MIME parser: encoded
/// words, quoted-printable, base64, charsets, nested multiparts).
pub fn parse_mail(raw: &[u8]) -> Mail {
    use mail_parser::{MessageParser, MimeHeaders};
    let m = MessageParser::default()
        .parse(raw)
        .expect("the data is a MIME message");
    // mail-parser converts between text and HTML when a kind is missing;
    // only real parts of each kind count here.
    let text = m
        .text_part(0)
        .filter(|p| p.is_text() && !p.is_text_html())
        .and_then(|p| p.text_contents().map(str::to_string));
    let html = m
        .html_part(0)
        .filter(|p| p.is_text_html())
        .and_then(|p| p.text_contents().map(str::to_string));
    let attachments = m
        .attachments()
        .map(|p| MailAttachment {
            filename: p.attachment_name().unwrap_or("").to_string(),
            content_type: p
                .content_type()
                .map(|c| {
                    format!("{}/{}", c.ctype(), c.subtype().unwrap_or("")).to_ascii_lowercase()
                })
                .unwrap_or_default(),
            bytes: p.contents().to_vec(),
        })
        .collect();
    let headers = m
        .headers()
        .iter()
        .map(|h| {
            let raw = raw
                .get(h.offset_start as usize..h.offset_end as usize)
                .unwrap_or_default();
            let value = String::from_utf8_lossy(raw).trim().to_string();
            (h.name().to_string(), value)
        })
        .collect();
    Mail {
        subject: m.subject().unwrap_or("").to_string(),
        from: addresses(m.from()),
        to: addresses(m.to()),
        reply_to: addresses(m.reply_to()),
        text,
        html,
        attachments,
        headers,
    }
}

#[cfg(test)]
mod tests {
    //! The server itself, driven by lettre (the app's own SMTP client) and by
    //! a raw conversation.
    use super::*;
    use lettre::message::header::ContentType;
    use lettre::message::{Attachment, MultiPart};
    use lettre::{Message, SmtpTransport, Transport};

    fn transport(server: &SmtpServer) -> SmtpTransport {
        SmtpTransport::builder_dangerous("127.0.0.1")
            .port(server.port)
            .timeout(Some(Duration::from_secs(10)))
            .build()
    }

    fn message(text: &str) -> Message {
        let csv = "sku,packs\n=cmd,2\nA-1,3\n".as_bytes().to_vec();
        Message::builder()
            .from("Clinic <stock@clinic.example>".parse().unwrap())
            .to("Supplier <orders@supplier.example>".parse().unwrap())
            .cc("copy@clinic.example".parse().unwrap())
            .subject("Bestellung PO-7 – Ästhetik")
            .multipart(
                MultiPart::mixed()
                    .multipart(MultiPart::alternative_plain_html(
                        text.to_string(),
                        "<p>Hällo <b>there</b></p>".to_string(),
                    ))
                    .singlepart(
                        Attachment::new("PO-7.csv".into())
                            .body(csv, ContentType::parse("text/csv").unwrap()),
                    )
                    .singlepart(Attachment::new("blob.bin".into()).body(
                        vec![0u8, 255, 10, 13, 46],
                        ContentType::parse("application/octet-stream").unwrap(),
                    )),
            )
            .unwrap()
    }

    #[test]
    fn records_what_lettre_sends_and_decodes_it() {
        let server = SmtpServer::start();
        // A long line of non-ASCII forces quoted-printable soft breaks; the
        // lines starting with "." must come back without the stuffed dot.
        let text = format!(".leading dot\n..two dots\nGrüße {}\n.\nend", "é".repeat(60));
        transport(&server).send(&message(&text)).unwrap();
        let got = server.messages();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].from, "stock@clinic.example");
        assert_eq!(
            got[0].to,
            vec!["orders@supplier.example", "copy@clinic.example"]
        );
        let mail = got[0].parsed();
        assert_eq!(mail.subject, "Bestellung PO-7 – Ästhetik");
        assert_eq!(mail.to, vec!["orders@supplier.example"]);
        assert_eq!(mail.from, vec!["stock@clinic.example"]);
        assert_eq!(mail.text.as_deref().unwrap().replace("\r\n", "\n"), text);
        assert_eq!(mail.html.as_deref(), Some("<p>Hällo <b>there</b></p>"));
        assert!(mail.header("Subject").is_some());
        assert!(mail.header("date").is_some(), "{:?}", mail.headers);
        assert_eq!(mail.header("mime-version"), Some("1.0"));
        let csv = mail.attachment("PO-7.csv");
        assert_eq!(csv.content_type, "text/csv");
        assert_eq!(csv.bytes, b"sku,packs\n=cmd,2\nA-1,3\n");
        let blob = mail.attachment("blob.bin");
        assert_eq!(blob.bytes, vec![0u8, 255, 10, 13, 46]);
        assert_eq!(server.attempts(), 1);
    }

    #[test]
    fn refusals_switch_at_runtime() {
        let server = SmtpServer::start();
        let t = transport(&server);
        for mode in [
            Mode::RefuseMail,
            Mode::RefuseRcpt,
            Mode::RefuseData,
            Mode::RefuseAfterData,
        ] {
            server.set_mode(mode);
            let e = t.send(&message("x")).unwrap_err();
            let permanent = mode != Mode::RefuseData;
            assert_eq!(e.is_permanent(), permanent, "{mode:?}: {e}");
            assert_eq!(e.is_transient(), !permanent, "{mode:?}: {e}");
        }
        assert!(server.messages().is_empty());
        server.set_mode(Mode::Accept);
        t.send(&message("now")).unwrap();
        assert_eq!(server.wait_for(1, Duration::from_secs(5)).len(), 1);
        assert_eq!(server.attempts(), 5);
    }

    fn say(out: &mut TcpStream, reader: &mut impl BufRead, line: &str) -> String {
        if !line.is_empty() {
            out.write_all(format!("{line}\r\n").as_bytes()).unwrap();
        }
        let mut answer = String::new();
        loop {
            let mut l = String::new();
            reader.read_line(&mut l).unwrap();
            answer.push_str(&l);
            // The last line of a reply has a space after the code.
            if l.len() < 4 || l.as_bytes()[3] != b'-' {
                return answer;
            }
        }
    }

    #[test]
    fn a_raw_conversation_follows_rfc_5321() {
        let server = SmtpServer::start();
        let mut out = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
        let mut r = BufReader::new(out.try_clone().unwrap());
        let mut s = |l: &str| say(&mut out, &mut r, l)[..3].to_string();
        assert_eq!(s(""), "220");
        assert_eq!(s("HELO me"), "250");
        assert_eq!(s("DATA"), "503");
        assert_eq!(s("RCPT TO:<a@b.example>"), "503");
        assert_eq!(s("MAIL FROM:<x@y.example> BODY=8BITMIME"), "250");
        assert_eq!(s("MAIL FROM:<x@y.example>"), "503");
        assert_eq!(s("RCPT TO:<a@b.example>"), "250");
        assert_eq!(s("RSET"), "250");
        assert_eq!(s("DATA"), "503");
        assert_eq!(s("NOOP"), "250");
        assert_eq!(s("FROB"), "500");
        assert_eq!(s("mail from:<>"), "250");
        assert_eq!(s("rcpt to:<a@b.example>"), "250");
        assert_eq!(s("DATA"), "354");
        assert_eq!(s("Subject: hi\r\n\r\n..x\r\n.y\r\n."), "250");
        assert_eq!(s("QUIT"), "221");
        let got = server.messages();
        assert_eq!(got[0].from, "");
        assert_eq!(got[0].data, b"Subject: hi\r\n\r\n.x\r\ny\r\n");
    }
}
