//! The node's client and backend types: what the service builds and the node's other parts
//! (fill index, oracle feeder, RPC, trading-state export) take, without depending on the
//! service that assembles them.
use bourse_runtime::{apis::RuntimeApi, opaque::Block};

/// The node executes the runtime's wasm only: no native runtime is linked for execution.
pub type FullClient = sc_service::TFullClient<
	Block,
	RuntimeApi,
	sc_executor::WasmExecutor<sp_io::SubstrateHostFunctions>,
>;
/// The node's database backend.
pub type FullBackend = sc_service::TFullBackend<Block>;
