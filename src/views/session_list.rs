//! Session lists: the filtered session list and a client's history.

use askama::Template;

use super::Frame;
use super::sessions::Choice;
use crate::db::sessions::SessionRow;
use crate::domain::needle::fmt_needle;

/// A session in a list.
#[derive(Debug, Clone)]
pub struct ListRow {
    pub id: i64,
    pub performed_at: String,
    pub client_ref: String,
    pub client_href: String,
    pub practitioner: String,
    pub indication: String,
    pub needle: String,
    pub protocol: String,
    pub site: String,
    pub voided: bool,
    pub follow_ups: super::follow_ups::FollowUpSummary,
}

impl ListRow {
    pub fn from_row(r: &SessionRow) -> ListRow {
        let s = &r.session;
        ListRow {
            id: s.id,
            performed_at: r.clock().format(s.performed_at),
            client_href: format!("/clients/{}", crate::views::pager::urlencode(&s.client_ref)),
            client_ref: s.client_ref.clone(),
            practitioner: r.practitioner_shown().to_string(),
            indication: s
                .indication
                .map(|i| i.label().to_string())
                .unwrap_or_else(|| "—".into()),
            needle: format!("{} mm", fmt_needle(s.needle_length)),
            protocol: r.protocol_name.clone().unwrap_or_else(|| "—".into()),
            site: r.site_code.clone(),
            voided: s.voided_at.is_some(),
            follow_ups: Default::default(),
        }
    }
}

#[derive(Template)]
#[template(path = "sessions/list.html")]
pub struct SessionListPage {
    pub frame: Frame,
    pub rows: Vec<ListRow>,
    pub total: i64,
    pub from: String,
    pub to: String,
    pub client_ref: String,
    pub practitioners: Vec<Choice>,
    pub indications: Vec<Choice>,
    pub voided: Vec<Choice>,
    pub errors: super::form::FieldErrors,
    pub prev_href: Option<String>,
    pub next_href: Option<String>,
    pub showing: String,
}

#[derive(Template)]
#[template(path = "sessions/client.html")]
pub struct ClientPage {
    pub frame: Frame,
    pub client_ref: String,
    pub rows: Vec<ListRow>,
    pub active: usize,
    pub first: String,
    pub last: String,
    /// The user may record follow-ups (the "Record follow-up" links).
    pub can_follow_up: bool,
    /// The client's last session that is not void: "Repeat last session".
    pub repeat: Option<i64>,
    /// Each session that is not void has a "Repeat" link.
    pub can_repeat: bool,
}
