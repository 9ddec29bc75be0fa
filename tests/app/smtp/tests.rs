//! The server itself, driven by lettre (the app's own SMTP client) and by
//! a raw conversation.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::time::Duration;

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
