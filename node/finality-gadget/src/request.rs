//! On-demand certificates, as BEEFY's on-demand justifications. Gossip carries only recent
//! messages and synced blocks carry the certificates their peers attached, so a node can still
//! lack some: it was down when one formed, or lost its database. Every few seconds the worker
//! looks for checkpoints GRANDPA has finalized here whose certificate it does not have and asks
//! a peer for them over a request/response protocol,
//! `/<genesis-hash>/bourse-checkpoint-certificates/1`. Peers answer from their database;
//! answers are checked like gossip (validator set, signatures) and against finality here.
use bourse_checkpoint_db::CheckpointDb;
use bourse_primitives::checkpoint::{Certificate, CheckpointNumber};
use codec::{Decode, DecodeAll, Encode};
use futures::{future::BoxFuture, FutureExt};
use sc_network::{
	config::{IncomingRequest, OutgoingResponse},
	request_responses::IfDisconnected,
	service::traits::NetworkRequest,
	NetworkBackend, ProtocolName,
};
use sc_network_types::PeerId;
use sp_runtime::traits::Block as BlockT;
use std::{sync::Arc, time::Duration};

/// Most certificates one response carries.
pub const MAX_PER_RESPONSE: u32 = 32;
/// Largest response (32 certificates of a few hundred validators fit well).
const MAX_RESPONSE_BYTES: u64 = 4 * 1024 * 1024;
/// A peer that does not answer within this is given up on.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Asks for the certificates of `count` checkpoints from `from` on.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode)]
pub struct CertificateRequest {
	/// First checkpoint number.
	pub from: CheckpointNumber,
	/// How many numbers (at most [`MAX_PER_RESPONSE`] are answered).
	pub count: u32,
}

/// Protocol name: `/<genesis-hash>/bourse-checkpoint-certificates/1`.
pub fn protocol_name(genesis_hash: &[u8]) -> String {
	format!(
		"/{}/bourse-checkpoint-certificates/1",
		sp_core::hexdisplay::HexDisplay::from(&genesis_hash)
	)
}

/// The protocol's config for the network and the queue of incoming requests for [`serve`].
pub fn request_protocol<B: BlockT, N: NetworkBackend<B, B::Hash>>(
	name: ProtocolName,
) -> (N::RequestResponseProtocolConfig, async_channel::Receiver<IncomingRequest>) {
	let (sender, receiver) = async_channel::bounded(64);
	let config = N::request_response_config(
		name,
		Vec::new(),
		64,
		MAX_RESPONSE_BYTES,
		REQUEST_TIMEOUT,
		Some(sender),
	);
	(config, receiver)
}

/// Answers peers' requests from the database until the network stops.
pub async fn serve(db: Arc<CheckpointDb>, requests: async_channel::Receiver<IncomingRequest>) {
	while let Ok(request) = requests.recv().await {
		let response = match CertificateRequest::decode_all(&mut &request.payload[..]) {
			Ok(asked) => {
				let count = u64::from(asked.count.min(MAX_PER_RESPONSE));
				let certificates: Vec<Certificate> = (0..count)
					.filter_map(|i| asked.from.checked_add(i))
					.filter_map(|n| db.certificate(n).ok().flatten())
					.collect();
				OutgoingResponse {
					result: Ok(certificates.encode()),
					reputation_changes: Vec::new(),
					sent_feedback: None,
				}
			},
			Err(_) => OutgoingResponse {
				result: Err(()),
				reputation_changes: vec![crate::gossip::cost::UNDECODABLE],
				sent_feedback: None,
			},
		};
		// The requester may be gone already.
		let _ = request.pending_response.send(response);
	}
}

/// The network handle and protocol a node asks its peers with.
#[derive(Clone)]
pub struct Requester {
	/// The network.
	pub network: Arc<dyn NetworkRequest + Send + Sync>,
	/// [`protocol_name`].
	pub protocol: ProtocolName,
}

/// A request in flight: its peer, what was asked, and the answer.
pub type InFlight =
	BoxFuture<'static, (PeerId, CertificateRequest, Result<Vec<Certificate>, String>)>;

impl Requester {
	/// Sends `request` to `peer`; the future resolves to the decoded answer.
	pub fn ask(&self, peer: PeerId, request: CertificateRequest) -> InFlight {
		let (network, protocol) = (self.network.clone(), self.protocol.clone());
		async move {
			let answer = network
				.request(peer, protocol, request.encode(), None, IfDisconnected::ImmediateError)
				.await
				.map_err(|e| format!("request failed: {e:?}"))
				.and_then(|(bytes, _)| {
					Vec::<Certificate>::decode_all(&mut &bytes[..])
						.map_err(|_| "undecodable answer".to_string())
				})
				.and_then(|certificates| {
					let asked = request.from..request.from.saturating_add(u64::from(request.count));
					if certificates.len() > MAX_PER_RESPONSE as usize
						|| certificates.iter().any(|c| !asked.contains(&c.checkpoint.number))
					{
						return Err("answer outside the request".to_string());
					}
					Ok(certificates)
				});
			(peer, request, answer)
		}
		.boxed()
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use futures::{channel::oneshot, executor::block_on};

	fn certificate(number: u64) -> Certificate {
		use bourse_primitives::checkpoint::Checkpoint;
		use sp_core::H256;
		let checkpoint = Checkpoint {
			number,
			block_number: number as u32 * 5,
			block_hash: H256::repeat_byte(number as u8),
			state_digest: H256::repeat_byte(7),
			set_id: 0,
		};
		Certificate::new(checkpoint, Vec::new())
	}

	fn ask(db: &Arc<CheckpointDb>, payload: Vec<u8>) -> OutgoingResponse {
		let (sender, receiver) = async_channel::bounded(1);
		let (pending_response, response) = oneshot::channel();
		sender
			.try_send(IncomingRequest { peer: PeerId::random(), payload, pending_response })
			.expect("queued");
		drop(sender);
		block_on(serve(db.clone(), receiver));
		block_on(response).expect("answered")
	}

	#[test]
	fn peers_get_what_the_database_holds_bounded() {
		let db = Arc::new(CheckpointDb::in_memory());
		for n in [1, 2, 4] {
			db.store_certificate(&certificate(n)).expect("store");
		}
		let answer = ask(&db, CertificateRequest { from: 1, count: 4 }.encode());
		let certificates =
			Vec::<Certificate>::decode_all(&mut &answer.result.expect("ok")[..]).expect("decodes");
		let numbers: Vec<u64> = certificates.iter().map(|c| c.checkpoint.number).collect();
		assert_eq!(numbers, vec![1, 2, 4]);
		// A huge count is answered with at most MAX_PER_RESPONSE numbers looked at.
		let answer = ask(&db, CertificateRequest { from: u64::MAX - 1, count: u32::MAX }.encode());
		assert_eq!(answer.result, Ok(Vec::<Certificate>::new().encode()));
		// Garbage costs reputation.
		let answer = ask(&db, vec![1, 2, 3]);
		assert_eq!(answer.result, Err(()));
		assert_eq!(answer.reputation_changes, vec![crate::gossip::cost::UNDECODABLE]);
	}
}
