//! Admin pages: sites and their locations, installation settings.

use askama::Template;

use super::Frame;
use super::form::FieldErrors;

#[derive(Debug, Clone)]
pub struct LocationLine {
    pub id: i64,
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone)]
pub struct SiteBlock {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub time_zone: String,
    /// e.g. "14:05 NZDT": the site's clock now.
    pub local_now: String,
    pub digest_time: String,
    /// Address, phone and e-mail on one line ("" when none is set).
    pub contact: String,
    pub locations: Vec<LocationLine>,
}

/// A time zone `<option>`.
#[derive(Debug, Clone)]
pub struct ZoneChoice {
    pub name: &'static str,
    pub selected: bool,
}

/// The zones to pick from, `current` selected.
pub fn zone_choices(current: &str) -> Vec<ZoneChoice> {
    crate::domain::clock::zone_choices()
        .into_iter()
        .map(|name| ZoneChoice {
            name,
            selected: name == current,
        })
        .collect()
}

/// The add-site form as typed.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct NewSiteValues {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub time_zone: String,
}

/// A site's details form as typed.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct SiteValues {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub time_zone: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub digest_time: String,
}

impl SiteValues {
    pub fn of(s: &crate::db::models::Site) -> SiteValues {
        SiteValues {
            name: s.name.clone(),
            time_zone: s.time_zone.clone(),
            address: s.address.clone().unwrap_or_default(),
            phone: s.phone.clone().unwrap_or_default(),
            email: s.email.clone().unwrap_or_default(),
            digest_time: s.digest_time.clone(),
        }
    }
}

/// `/admin/sites/{code}`: a site's name, clock and contact details.
#[derive(Template)]
#[template(path = "admin/site.html")]
pub struct SitePage {
    pub frame: Frame,
    pub code: String,
    pub v: SiteValues,
    pub zones: Vec<ZoneChoice>,
    pub errors: FieldErrors,
    /// Whether the server can send mail (the digest needs it).
    pub mail_ready: bool,
}

/// A code + name form as typed.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct CodeNameValues {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub name: String,
}

#[derive(Template)]
#[template(path = "admin/sites.html")]
pub struct SitesPage {
    pub frame: Frame,
    pub sites: Vec<SiteBlock>,
    /// The add-site form.
    pub site_form: NewSiteValues,
    pub zones: Vec<ZoneChoice>,
    pub site_errors: FieldErrors,
    /// The site whose add-location form came back with errors.
    pub location_site: String,
    pub location_form: CodeNameValues,
    pub location_errors: FieldErrors,
}

/// The settings form as typed.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct SettingsValues {
    #[serde(default)]
    pub clinic_name: String,
    #[serde(default)]
    pub currency: String,
    #[serde(default)]
    pub expiring_window_days: String,
    #[serde(default)]
    pub safety_days: String,
    #[serde(default)]
    pub cover_days: String,
    #[serde(default)]
    pub gs1_separator: String,
    #[serde(default)]
    pub session_idle_minutes: String,
    #[serde(default)]
    pub session_max_hours: String,
}

#[derive(Template)]
#[template(path = "admin/settings.html")]
pub struct SettingsPage {
    pub frame: Frame,
    pub v: SettingsValues,
    pub errors: FieldErrors,
}
