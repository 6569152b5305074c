//! Ending the process once the node has shut down.
//!
//! By the time `command::run` returns, the service has stopped and dropped its databases (the
//! chain's and the checkpoint gadget's, both RocksDB). Returning from `main` would then run
//! libc `exit`, whose C++ static destructors tear down RocksDB's global thread-local registry
//! while RocksDB's environment threads may still be winding down; that race aborts the process
//! with `pthread lock: Invalid argument` (SIGABRT) after an otherwise clean shutdown. Nothing is
//! left to flush but our own stdio, so end the process directly after flushing it.
use std::io::Write;

/// Flushes stdout/stderr and ends the process with `code`, skipping static destructors.
#[allow(unsafe_code)]
pub fn exit_after_shutdown(code: i32) -> ! {
	let _ = std::io::stdout().flush();
	let _ = std::io::stderr().flush();
	// SAFETY: `_exit` only ends the process; every Rust-side resource that needed an orderly
	// close (databases, network, RPC) was dropped when the service stopped.
	unsafe { libc::_exit(code) }
}
