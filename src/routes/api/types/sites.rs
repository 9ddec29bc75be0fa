//! Bodies of `/api/v1/sites` and `/api/v1/locations`.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Day;
use crate::db::models::{Location, Site};
use crate::services::sites::SiteDraft;

/// `PATCH /api/v1/sites/{code}` (admin): a field left out is unchanged;
/// `""` clears address, phone or e-mail.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct SiteBody {
    pub name: Option<String>,
    /// An IANA zone (`Europe/London`); unknown → 422 with `"field":"time_zone"`.
    pub time_zone: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    /// `HH:MM`, when the daily digest goes out (site time).
    pub digest_time: Option<String>,
}

impl SiteBody {
    pub fn draft(self) -> SiteDraft {
        SiteDraft {
            name: self.name,
            time_zone: self.time_zone,
            address: self.address,
            phone: self.phone,
            email: self.email,
            digest_time: self.digest_time,
        }
    }
}

/// `POST /api/v1/sites` (admin).
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewSiteBody {
    pub code: String,
    pub name: String,
    #[serde(flatten)]
    pub details: SiteBody,
}

/// A site, with its clock.
#[derive(Debug, Serialize, ToSchema)]
pub struct SiteOut {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub time_zone: String,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub digest_time: String,
    /// Today at the site.
    pub today: Day,
}

impl From<&Site> for SiteOut {
    fn from(s: &Site) -> Self {
        SiteOut {
            id: s.id,
            code: s.code.clone(),
            name: s.name.clone(),
            time_zone: s.time_zone.clone(),
            address: s.address.clone(),
            phone: s.phone.clone(),
            email: s.email.clone(),
            digest_time: s.digest_time.clone(),
            today: Day(s.today()),
        }
    }
}

/// `POST /api/v1/locations` (admin).
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewLocationBody {
    pub site: String,
    pub code: String,
    pub name: String,
}

/// A storage location at a site.
#[derive(Debug, Serialize, ToSchema)]
pub struct LocationOut {
    pub id: i64,
    pub site: String,
    pub code: String,
    pub name: String,
}

impl LocationOut {
    pub fn new(l: &Location, site: &str) -> LocationOut {
        LocationOut {
            id: l.id,
            site: site.to_string(),
            code: l.code.clone(),
            name: l.name.clone(),
        }
    }
}
