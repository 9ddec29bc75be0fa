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
    pub locations: Vec<LocationLine>,
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
    pub site_form: CodeNameValues,
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
}

#[derive(Template)]
#[template(path = "admin/settings.html")]
pub struct SettingsPage {
    pub frame: Frame,
    pub v: SettingsValues,
    pub errors: FieldErrors,
}
