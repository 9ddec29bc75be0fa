//! Taking a received message apart for assertions, with the `mail-parser`
//! crate (a maintained MIME parser: encoded words, quoted-printable, base64,
//! charsets, nested multiparts).

use super::{Html, Received};

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
