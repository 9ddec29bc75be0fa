//! Treatment sessions (DOMAIN.md "Treatment sessions"): recording one with
//! FEFO allocation and idempotency (`record`), voiding it (`void`), reading
//! them back (`query`: one session, the filtered list, a client's history),
//! the live preview the session form shows before saving (`hints`), and
//! side effects noticed afterwards (`follow_up`).
//!
//! - `request`: the request as typed → a normalised request and its hash
//!   (the idempotency fingerprint), without touching the database;
//! - `allocate`: the stock at a site loaded as FEFO candidates, and the
//!   checks every line must pass (product, unit, needle length, named lot),
//!   shared by `record` and `hints`;
//! - `open_tube`: a line that opens a new tube and takes from it;
//! - `view`: a stored session with its lines, lots and warnings.

pub mod allocate;
pub mod follow_up;
pub mod hints;
pub mod open_tube;
pub mod query;
pub mod record;
pub mod request;
pub mod view;
pub mod void;

pub use follow_up::{FollowUpDraft, FollowUpView};
pub use query::{client_history, get, list};
pub use record::{Recorded, record};
pub use request::{LineDraft, SessionDraft};
pub use view::{AllocationView, LineView, OpenedView, SessionView, Warning};
pub use void::void;
