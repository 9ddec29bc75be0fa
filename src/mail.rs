//! Outgoing e-mail through SMTP (the maintained `lettre` crate): the mail
//! settings as the operator gives them (`CLINIC_STOCK_SMTP_URL`,
//! `CLINIC_STOCK_MAIL_FROM`), checked once at start, and a [`Mailer`] that
//! sends one [`Outgoing`] message (plain text, optional HTML, attachments).
//!
//! Sending blocks: call it from blocking code (a `web::block`, the digest
//! thread, the command line), never while a database transaction is open.

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::{Message, SmtpTransport, Transport};

/// How long one SMTP conversation may take before it counts as failed.
const SMTP_TIMEOUT: Duration = Duration::from_secs(20);

/// Checked mail settings.
#[derive(Clone)]
pub struct MailConfig {
    /// The URL as lettre reads it (see [`MailConfig::parse`]).
    transport_url: String,
    /// The URL without its password, for logs and pages.
    pub shown: String,
    pub from: Mailbox,
}

impl std::fmt::Debug for MailConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailConfig")
            .field("url", &self.shown)
            .field("from", &self.from.to_string())
            .finish()
    }
}

impl MailConfig {
    /// Reads the two settings; both or neither must be given. The URL:
    /// `smtp://user:pass@host:587` (STARTTLS required), `smtps://…` (TLS
    /// from the start), `smtp://host:port?tls=none` (no encryption, for a
    /// relay on the same machine) or `?tls=opportunistic`. Errors name the
    /// setting and never repeat a password.
    pub fn parse(url: Option<&str>, from: Option<&str>) -> Result<Option<MailConfig>, String> {
        let url = url.map(str::trim).filter(|s| !s.is_empty());
        let from = from.map(str::trim).filter(|s| !s.is_empty());
        let (url, from) = match (url, from) {
            (None, None) => return Ok(None),
            (Some(_), None) => {
                return Err("CLINIC_STOCK_MAIL_FROM: needed with CLINIC_STOCK_SMTP_URL \
                     (the sender address, e.g. \"Clinic <stock@clinic.example>\")"
                    .into());
            }
            (None, Some(_)) => {
                return Err("CLINIC_STOCK_SMTP_URL: needed with CLINIC_STOCK_MAIL_FROM \
                     (e.g. smtp://user:pass@mail.example:587)"
                    .into());
            }
            (Some(u), Some(f)) => (u, f),
        };
        let from: Mailbox = from.parse().map_err(|_| {
            format!(
                "CLINIC_STOCK_MAIL_FROM: {from} is not an e-mail address \
                 (\"Clinic <stock@clinic.example>\" or stock@clinic.example)"
            )
        })?;
        let (transport_url, shown) = transport_url(url)?;
        // lettre checks the rest (host, port, credentials) the same way it
        // will when sending.
        SmtpTransport::from_url(&transport_url)
            .map_err(|e| format!("CLINIC_STOCK_SMTP_URL: {shown} does not parse: {e}"))?;
        Ok(Some(MailConfig {
            transport_url,
            shown,
            from,
        }))
    }
}

/// Maps our URL forms to lettre's (where `smtp://` without `tls` means no
/// encryption) and a password-free form to show.
fn transport_url(url: &str) -> Result<(String, String), String> {
    let bad = |why: &str| {
        format!(
            "CLINIC_STOCK_SMTP_URL: {} {why} (smtp://user:pass@host:587, \
             smtps://user:pass@host:465 or smtp://host:25?tls=none)",
            redact(url)
        )
    };
    let (scheme, rest) = url.split_once("://").ok_or_else(|| bad("is not a URL"))?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "smtp" && scheme != "smtps" {
        return Err(bad("must start with smtp:// or smtps://"));
    }
    let (authority, query) = match rest.split_once('?') {
        Some((a, q)) => (a, Some(q)),
        None => (rest, None),
    };
    let host = authority.rsplit('@').next().unwrap_or("");
    let host = host.split('/').next().unwrap_or("");
    if host.is_empty() || host.starts_with(':') {
        return Err(bad("names no host"));
    }
    let mut tls: Option<String> = None;
    let mut other = Vec::new();
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        match pair.split_once('=') {
            Some(("tls", v)) => tls = Some(v.to_ascii_lowercase()),
            _ => other.push(pair.to_string()),
        }
    }
    if !other.is_empty() {
        return Err(bad(
            "has an unknown setting (only ?tls=none|required|opportunistic)",
        ));
    }
    let query = match (scheme.as_str(), tls.as_deref()) {
        ("smtps", None) => String::new(),
        ("smtps", Some(_)) => return Err(bad("smtps:// takes no tls setting")),
        ("smtp", None | Some("required")) => "?tls=required".into(),
        ("smtp", Some("opportunistic")) => "?tls=opportunistic".into(),
        ("smtp", Some("none")) => String::new(),
        _ => {
            return Err(bad(
                "has a tls setting other than none, required or opportunistic",
            ));
        }
    };
    let transport = format!("{scheme}://{authority}{query}");
    let shown = redact(&transport);
    Ok((transport, shown))
}

/// The URL with any password replaced by `***`.
fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    match rest.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

/// A file attached to a message.
#[derive(Debug, Clone)]
pub struct MailAttachment {
    pub filename: String,
    /// A MIME type, e.g. `text/csv; charset=utf-8`.
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// One message to send.
#[derive(Debug, Clone, Default)]
pub struct Outgoing {
    pub to: Vec<String>,
    pub reply_to: Option<String>,
    pub subject: String,
    pub text: String,
    pub html: Option<String>,
    pub attachments: Vec<MailAttachment>,
}

/// Why a message was not sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailError(pub String);

impl std::fmt::Display for MailError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Sends messages with the configured settings.
#[derive(Clone)]
pub struct Mailer {
    transport: SmtpTransport,
    config: MailConfig,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("config", &self.config)
            .finish()
    }
}

impl Mailer {
    pub fn new(config: MailConfig) -> Result<Mailer, String> {
        let transport = SmtpTransport::from_url(&config.transport_url)
            .map_err(|e| format!("CLINIC_STOCK_SMTP_URL: {}: {e}", config.shown))?
            .timeout(Some(SMTP_TIMEOUT))
            .build();
        Ok(Mailer { transport, config })
    }

    /// The settings it sends with (the sender shown on pages).
    pub fn config(&self) -> &MailConfig {
        &self.config
    }

    /// Sends one message; blocks for the SMTP conversation.
    pub fn send(&self, m: &Outgoing) -> Result<(), MailError> {
        let message = build(&self.config.from, m)?;
        self.transport.send(&message).map(|_| ()).map_err(|e| {
            MailError(format!(
                "the mail server ({}) refused: {e}",
                self.config.shown
            ))
        })
    }
}

/// Builds the MIME message: text (and HTML as an alternative), then the
/// attachments.
fn build(from: &Mailbox, m: &Outgoing) -> Result<Message, MailError> {
    if m.to.is_empty() {
        return Err(MailError("no recipient".into()));
    }
    let mut b = Message::builder()
        .from(from.clone())
        .subject(m.subject.clone());
    for to in &m.to {
        let mailbox: Mailbox = to
            .parse()
            .map_err(|_| MailError(format!("{to} is not an e-mail address")))?;
        b = b.to(mailbox);
    }
    if let Some(r) = &m.reply_to {
        let mailbox: Mailbox = r
            .parse()
            .map_err(|_| MailError(format!("{r} is not an e-mail address")))?;
        b = b.reply_to(mailbox);
    }
    let body = match &m.html {
        Some(html) => MultiPart::alternative_plain_html(m.text.clone(), html.clone()),
        None => MultiPart::mixed().singlepart(SinglePart::plain(m.text.clone())),
    };
    let message = if m.attachments.is_empty() {
        b.multipart(body)
    } else {
        let mut mixed = MultiPart::mixed().multipart(body);
        for a in &m.attachments {
            let ct = ContentType::parse(&a.content_type)
                .map_err(|_| MailError(format!("bad content type {}", a.content_type)))?;
            mixed = mixed.singlepart(Attachment::new(a.filename.clone()).body(a.bytes.clone(), ct));
        }
        b.multipart(mixed)
    };
    message.map_err(|e| MailError(format!("the message could not be built: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(url: &str) -> Result<Option<MailConfig>, String> {
        MailConfig::parse(Some(url), Some("Clinic <stock@clinic.example>"))
    }

    #[test]
    fn neither_setting_means_no_mail() {
        assert!(MailConfig::parse(None, None).unwrap().is_none());
        assert!(MailConfig::parse(Some(" "), Some("")).unwrap().is_none());
    }

    #[test]
    fn one_setting_without_the_other_is_an_error() {
        let e = MailConfig::parse(Some("smtp://h:25"), None).unwrap_err();
        assert!(e.starts_with("CLINIC_STOCK_MAIL_FROM"), "{e}");
        let e = MailConfig::parse(None, Some("a@b.example")).unwrap_err();
        assert!(e.starts_with("CLINIC_STOCK_SMTP_URL"), "{e}");
    }

    #[test]
    fn url_forms_map_to_lettre() {
        let c = parse("smtp://u:secret@mail.example:587").unwrap().unwrap();
        assert_eq!(
            c.transport_url,
            "smtp://u:secret@mail.example:587?tls=required"
        );
        assert_eq!(c.shown, "smtp://u:***@mail.example:587?tls=required");
        let c = parse("smtp://127.0.0.1:2525?tls=none").unwrap().unwrap();
        assert_eq!(c.transport_url, "smtp://127.0.0.1:2525");
        let c = parse("smtps://u:p@mail.example").unwrap().unwrap();
        assert_eq!(c.transport_url, "smtps://u:p@mail.example");
        let c = parse("smtp://h:25?tls=opportunistic").unwrap().unwrap();
        assert_eq!(c.transport_url, "smtp://h:25?tls=opportunistic");
    }

    #[test]
    fn bad_urls_are_refused_without_the_password() {
        for url in [
            "mail.example:587",
            "http://mail.example",
            "smtp://",
            "smtp://u:secret@:25",
            "smtp://h:25?tls=maybe",
            "smtp://h:25?foo=1",
            "smtps://h?tls=none",
            "smtp://u:secret@h:notaport",
        ] {
            let e = parse(url).unwrap_err();
            assert!(e.starts_with("CLINIC_STOCK_SMTP_URL"), "{url}: {e}");
            assert!(!e.contains("secret"), "{url}: {e}");
        }
    }

    #[test]
    fn bad_sender_is_refused() {
        let e = MailConfig::parse(Some("smtp://h:25"), Some("not an address")).unwrap_err();
        assert!(e.starts_with("CLINIC_STOCK_MAIL_FROM"), "{e}");
    }

    #[test]
    fn messages_carry_text_html_and_attachments() {
        let from: Mailbox = "Clinic <stock@clinic.example>".parse().unwrap();
        let m = Outgoing {
            to: vec!["orders@supplier.example".into()],
            subject: "Order PO-7".into(),
            text: "Hello".into(),
            html: Some("<p>Hello</p>".into()),
            attachments: vec![MailAttachment {
                filename: "PO-7.csv".into(),
                content_type: "text/csv; charset=utf-8".into(),
                bytes: b"sku,packs\nA,2\n".to_vec(),
            }],
            ..Outgoing::default()
        };
        let raw = String::from_utf8(build(&from, &m).unwrap().formatted()).unwrap();
        assert!(raw.contains("To: orders@supplier.example"), "{raw}");
        assert!(raw.contains("Subject: Order PO-7"), "{raw}");
        assert!(raw.contains("text/html"), "{raw}");
        assert!(raw.contains("filename=\"PO-7.csv\""), "{raw}");
        let bad = Outgoing {
            to: vec!["nope".into()],
            ..m
        };
        assert!(build(&from, &bad).is_err());
    }
}
