//! twofold-server: a self-hostable server that speaks the Authy REST API, so websites built on
//! Authy's client libraries keep working by changing their base URL.

pub mod api;
pub mod call;
pub mod callbacks;
pub mod config;
pub mod crypto;
pub mod delivery;
pub mod error;
pub mod hub;
pub mod limits;
pub mod params;
pub mod phone;
pub mod reply;
pub mod state;
pub mod store;

pub use api::router;
pub use state::AppState;
