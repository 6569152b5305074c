//! The Bourse node.
#![warn(missing_docs)]
// sc-cli and sc-service return their own large error types; boxing them buys nothing here.
#![allow(clippy::result_large_err)]

mod chain_spec;
mod cli;
mod client;
mod command;
mod database;
mod exit;
mod fill_indexer;
mod fill_rpc;
mod fills;
mod oracle_feeder;
mod oracle_source;
mod rpc;
mod service;
mod trading_feed;
mod trading_rpc;
mod trading_state;

fn main() {
	let code = match command::run() {
		Ok(()) => 0,
		Err(error) => {
			eprintln!("Error: {error}");
			1
		},
	};
	exit::exit_after_shutdown(code)
}
