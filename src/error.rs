//! The error policy, one type per layer:
//!
//! - `db/` returns diesel's `QueryResult`; it never decides what an error means.
//! - `services/` return [`ServiceError`]: a validation failure names the field
//!   and a message a person can act on; a conflict with the stock state has a
//!   stable snake_case code (API.md) and optional details; database errors
//!   are wrapped, never unwrapped.
//! - `routes/` turn a `ServiceError` into a JSON error (`routes::api`) or an
//!   HTML page (`routes::pages`) with the right status. Internal errors are
//!   logged with their detail and shown as a plain 500 that leaks nothing.
//!
//! Nothing that depends on input or on the database may `unwrap`/`expect`
//! (clippy denies both outside tests).

use std::fmt;

use diesel::result::Error as DieselError;

use crate::db::{self, RetryHint, ledger::AppendError};
use crate::domain::labels::label_in_text;

/// Declares [`ErrorCode`]: every code an API error can carry, with its HTTP
/// status and what it means (the text shown in the OpenAPI spec).
macro_rules! error_codes {
    ($( $(#[doc = $doc:literal])+ $variant:ident = ($code:literal, $status:literal), )+) => {
        /// Every error code the API answers with (API.md). One enum: the
        /// code string, its HTTP status and its meaning live here and
        /// nowhere else.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ErrorCode {
            $( $(#[doc = $doc])+ $variant, )+
        }

        impl ErrorCode {
            /// Every code, in declaration order.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)+];

            /// The stable snake_case code shown to clients.
            pub fn as_str(self) -> &'static str {
                match self { $(ErrorCode::$variant => $code,)+ }
            }

            /// The HTTP status this code is answered with.
            pub fn status(self) -> u16 {
                match self { $(ErrorCode::$variant => $status,)+ }
            }

            /// What the code means (one sentence).
            pub fn meaning(self) -> &'static str {
                match self { $(ErrorCode::$variant => concat!($($doc),+).trim_ascii(),)+ }
            }

            /// The code with this string, if there is one.
            pub fn parse(code: &str) -> Option<ErrorCode> {
                ErrorCode::ALL.iter().copied().find(|c| c.as_str() == code)
            }
        }
    };
}

error_codes! {
    /// The request is malformed: not valid JSON, not an object, a required header missing.
    BadRequest = ("bad_request", 400),
    /// `POST /api/v1/sessions` without an `Idempotency-Key` header.
    IdempotencyKeyRequired = ("idempotency_key_required", 400),
    /// Missing, unknown, expired or revoked bearer token.
    Unauthorized = ("unauthorized", 401),
    /// The token's user may not do this (role or site).
    Forbidden = ("forbidden", 403),
    /// No such resource (also a malformed id in the path).
    NotFound = ("not_found", 404),
    /// The body is larger than the server accepts (1 MiB).
    PayloadTooLarge = ("payload_too_large", 413),
    /// A field is missing or invalid; `field` names it (a JSON path).
    ValidationFailed = ("validation_failed", 422),
    /// A string contains a control character; `field` names it.
    ControlCharacter = ("control_character", 422),
    /// The Idempotency-Key header is not 8–200 visible ASCII characters.
    InvalidIdempotencyKey = ("invalid_idempotency_key", 422),
    /// The Idempotency-Key was already used with another body.
    IdempotencyKeyReused = ("idempotency_key_reused", 422),
    /// The session's needle length does not fit a product's needle length.
    NeedleLengthMismatch = ("needle_length_mismatch", 422),
    /// The GS1 element string could not be read.
    InvalidGs1 = ("invalid_gs1", 422),
    /// No product with that id or GTIN.
    UnknownProduct = ("unknown_product", 422),
    /// No lot with that id (or not at that site).
    UnknownLot = ("unknown_lot", 422),
    /// The expiry is in the past: expired stock cannot be received.
    ExpiredOnReceipt = ("expired_on_receipt", 422),
    /// The product has no "use within N days of opening": no container can be opened.
    NotOpenable = ("not_openable", 422),
    /// The lot is an opened container already.
    AlreadyOpen = ("already_open", 422),
    /// The order's supplier has no (valid) e-mail address.
    SupplierEmailMissing = ("supplier_email_missing", 422),
    /// E-mail is not set up on this server.
    MailNotConfigured = ("mail_not_configured", 422),
    /// Not enough usable stock; the error carries `product_id`, `requested`, `available`.
    InsufficientStock = ("insufficient_stock", 409),
    /// The named lot has expired (by the session's date).
    LotExpired = ("lot_expired", 409),
    /// The named lot is quarantined, empty or otherwise unusable.
    LotUnusable = ("lot_unusable", 409),
    /// The lot already exists with another expiry.
    LotExpiryMismatch = ("lot_expiry_mismatch", 409),
    /// The session form's "I have checked these warnings" step (pages only;
    /// the API never holds a session back for its warnings).
    WarningsUnconfirmed = ("warnings_unconfirmed", 409),
    /// The session is already voided.
    AlreadyVoided = ("already_voided", 409),
    /// The session is voided: it takes no follow-up.
    SessionVoided = ("session_voided", 409),
    /// Another product has this SKU.
    DuplicateSku = ("duplicate_sku", 409),
    /// Another product has this GTIN.
    DuplicateGtin = ("duplicate_gtin", 409),
    /// Another supplier has this name.
    DuplicateSupplier = ("duplicate_supplier", 409),
    /// Another protocol has this name.
    DuplicateProtocol = ("duplicate_protocol", 409),
    /// Another site has this code.
    DuplicateSite = ("duplicate_site", 409),
    /// The site has a location with this code already.
    DuplicateLocation = ("duplicate_location", 409),
    /// Another user has this username.
    DuplicateUsername = ("duplicate_username", 409),
    /// More than is still open on the order line.
    ExceedsOpenQuantity = ("exceeds_open_quantity", 409),
    /// The order is closed (received in full or cancelled).
    OrderClosed = ("order_closed", 409),
    /// The order has no lines.
    OrderEmpty = ("order_empty", 409),
    /// The order is no longer a draft.
    OrderNotDraft = ("order_not_draft", 409),
    /// The order is not open for receiving.
    OrderNotOpen = ("order_not_open", 409),
    /// Stock moved at a counted location while the count was open.
    StockMoving = ("stock_moving", 409),
    /// The user is disabled.
    UserDisabled = ("user_disabled", 409),
    /// You cannot disable your own account.
    CannotDisableSelf = ("cannot_disable_self", 409),
    /// You cannot change your own role.
    CannotChangeOwnRole = ("cannot_change_own_role", 409),
    /// Demoting or disabling the last active administrator.
    LastAdmin = ("last_admin", 409),
    /// The password was changed meanwhile.
    PasswordChanged = ("password_changed", 409),
    /// The uploaded file changed between preview and confirm.
    UploadChanged = ("upload_changed", 409),
    /// The demo data cannot be loaded into a database that has stock.
    DemoRefused = ("demo_refused", 409),
    /// The mail server did not take the message; nothing changed.
    MailFailed = ("mail_failed", 502),
    /// Something went wrong on the server; it has been logged.
    InternalError = ("internal_error", 500),
    /// The database is busy; try again.
    DatabaseBusy = ("database_busy", 503),
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One field's validation message.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    /// The field as the person sees it on the form ("Password again").
    pub fn label(&self) -> String {
        crate::domain::labels::label(&self.field)
    }
}

/// What a service can refuse or fail with.
#[derive(Debug)]
pub enum ServiceError {
    /// Bad input (422): every field problem found, with a stable code.
    Invalid {
        code: ErrorCode,
        errors: Vec<FieldError>,
    },
    /// Malformed request (400).
    BadRequest(String),
    /// A body larger than the server accepts (413).
    PayloadTooLarge(String),
    Unauthorized(String),
    Forbidden(String),
    NotFound(String),
    /// Conflicts with the stock state (409): `details` are extra JSON fields.
    Conflict {
        code: ErrorCode,
        message: String,
        details: serde_json::Map<String, serde_json::Value>,
    },
    /// A server the app depends on failed (502: the mail server refused)
    /// or is not set up (422: mail not configured); the status is the
    /// code's, `message` says why.
    External {
        code: ErrorCode,
        message: String,
    },
    Db(DieselError),
    Internal(String),
}

pub type ServiceResult<T> = Result<T, ServiceError>;

impl ServiceError {
    /// A single-field validation error with the generic code.
    pub fn invalid(field: &str, message: impl Into<String>) -> ServiceError {
        ServiceError::Invalid {
            code: ErrorCode::ValidationFailed,
            errors: vec![FieldError {
                field: field.to_string(),
                message: message.into(),
            }],
        }
    }

    /// A single-field validation error with its own code.
    pub fn invalid_code(code: ErrorCode, field: &str, message: impl Into<String>) -> ServiceError {
        ServiceError::Invalid {
            code,
            errors: vec![FieldError {
                field: field.to_string(),
                message: message.into(),
            }],
        }
    }

    pub fn conflict(code: ErrorCode, message: impl Into<String>) -> ServiceError {
        ServiceError::Conflict {
            code,
            message: message.into(),
            details: serde_json::Map::new(),
        }
    }

    pub fn not_found(what: impl Into<String>) -> ServiceError {
        ServiceError::NotFound(what.into())
    }

    /// The error's code (API.md): one of [`ErrorCode`].
    pub fn error_code(&self) -> ErrorCode {
        match self {
            ServiceError::Invalid { code, .. }
            | ServiceError::Conflict { code, .. }
            | ServiceError::External { code, .. } => *code,
            ServiceError::BadRequest(_) => ErrorCode::BadRequest,
            ServiceError::PayloadTooLarge(_) => ErrorCode::PayloadTooLarge,
            ServiceError::Unauthorized(_) => ErrorCode::Unauthorized,
            ServiceError::Forbidden(_) => ErrorCode::Forbidden,
            ServiceError::NotFound(_) => ErrorCode::NotFound,
            ServiceError::Db(e) if db::is_retryable(e) => ErrorCode::DatabaseBusy,
            ServiceError::Db(_) | ServiceError::Internal(_) => ErrorCode::InternalError,
        }
    }

    /// The stable code shown to API clients.
    pub fn code(&self) -> &'static str {
        self.error_code().as_str()
    }

    /// HTTP status for this error: its code's.
    pub fn status(&self) -> u16 {
        self.error_code().status()
    }

    /// The message a person sees (never internals).
    pub fn public_message(&self) -> String {
        match self {
            ServiceError::Invalid { errors, .. } => match errors.as_slice() {
                [one] => format!("{}: {}", one.field.replace('_', " "), one.message),
                many => format!(
                    "please correct: {}",
                    many.iter()
                        .map(|e| format!("{} ({})", e.field.replace('_', " "), e.message))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            },
            ServiceError::BadRequest(m)
            | ServiceError::PayloadTooLarge(m)
            | ServiceError::Unauthorized(m)
            | ServiceError::Forbidden(m)
            | ServiceError::NotFound(m) => m.clone(),
            ServiceError::Conflict { message, .. } | ServiceError::External { message, .. } => {
                message.clone()
            }
            ServiceError::Db(e) if db::is_retryable(e) => {
                "the database is busy, please try again".to_string()
            }
            ServiceError::Db(_) | ServiceError::Internal(_) => {
                "something went wrong on our side; it has been logged".to_string()
            }
        }
    }

    /// The message for a page: as [`ServiceError::public_message`], with
    /// fields named by the labels people see (`domain::labels`).
    pub fn page_message(&self) -> String {
        match self {
            ServiceError::Invalid { errors, .. } => match errors.as_slice() {
                [one] if one.field.is_empty() => one.message.clone(),
                [one] => format!("{}: {}", label_in_text(&one.field), one.message),
                many => format!(
                    "please correct: {}",
                    many.iter()
                        .map(|e| format!("{} ({})", label_in_text(&e.field), e.message))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            },
            other => other.public_message(),
        }
    }

    /// Field errors, if this is a validation failure.
    pub fn field_errors(&self) -> &[FieldError] {
        match self {
            ServiceError::Invalid { errors, .. } => errors,
            _ => &[],
        }
    }
}

impl fmt::Display for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServiceError::Db(e) => write!(f, "database error: {}", db::vocab_sql::error_text(e)),
            ServiceError::Internal(m) => write!(f, "internal error: {m}"),
            other => f.write_str(&other.public_message()),
        }
    }
}

impl std::error::Error for ServiceError {}

impl From<DieselError> for ServiceError {
    fn from(e: DieselError) -> Self {
        match e {
            DieselError::NotFound => ServiceError::NotFound("not found".into()),
            other => ServiceError::Db(other),
        }
    }
}

impl From<crate::domain::access::Denied> for ServiceError {
    fn from(e: crate::domain::access::Denied) -> Self {
        ServiceError::Forbidden(e.0)
    }
}

impl From<AppendError> for ServiceError {
    fn from(e: AppendError) -> Self {
        match e {
            AppendError::Db(e) => ServiceError::from(e),
            AppendError::Insufficient { available } => {
                let mut details = serde_json::Map::new();
                details.insert(
                    "available".into(),
                    crate::domain::Quantity(available).to_json(),
                );
                ServiceError::Conflict {
                    code: ErrorCode::InsufficientStock,
                    message: format!(
                        "not enough stock: only {} on hand there",
                        crate::domain::quantity::fmt_qty(available)
                    ),
                    details,
                }
            }
        }
    }
}

impl RetryHint for ServiceError {
    fn is_retryable(&self) -> bool {
        matches!(self, ServiceError::Db(e) if db::is_retryable(e))
    }
}

/// Collects field errors while validating a form or JSON body.
#[derive(Debug, Default)]
pub struct Problems(pub Vec<FieldError>);

impl Problems {
    pub fn new() -> Problems {
        Problems(Vec::new())
    }

    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.to_string(),
            message: message.into(),
        });
    }

    /// Unwraps a parse result, recording its error under `field`.
    pub fn take<T, E: fmt::Display>(&mut self, field: &str, r: Result<T, E>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.add(field, e.to_string());
                None
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Ok when nothing was recorded, else a 422 with every problem.
    pub fn finish(self) -> ServiceResult<()> {
        self.finish_with(ErrorCode::ValidationFailed)
    }

    pub fn finish_with(self, code: ErrorCode) -> ServiceResult<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ServiceError::Invalid {
                code,
                errors: self.0,
            })
        }
    }
}
