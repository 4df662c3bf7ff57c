//! The account pages: sign-in, my account, and the administrators' accounts and tokens pages.

mod account;
mod admin_accounts;
mod admin_tokens;
mod login;
mod session;

pub use account::AccountPage;
pub use admin_accounts::AdminAccountsPage;
pub use admin_tokens::AdminTokensPage;
pub use login::LoginPage;
pub use session::{RequireUser, Session, provide_session_context, use_session};

pub use crate::components::{action_error, utc};
