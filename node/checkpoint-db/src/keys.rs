//! Columns and keys: a one-byte prefix, then big-endian numbers, so keys sort numerically.

/// Metadata: last finalized, pruning point.
pub const COL_META: u32 = 0;
/// Peers' signatures of unfinalized checkpoints: `S ++ number ++ validator index`.
pub const COL_SIGNATURES: u32 = 1;
/// Certificates: `C ++ number`.
pub const COL_CERTIFICATES: u32 = 2;
/// Own votes of unfinalized checkpoints: `V ++ number` (schema 2; mixed into signatures in 1).
pub const COL_OWN_VOTES: u32 = 3;

/// Key prefix of signatures.
pub const SIGNATURE: u8 = b'S';
/// Key prefix of certificates.
pub const CERTIFICATE: u8 = b'C';
/// Key prefix of own votes.
pub const OWN_VOTE: u8 = b'V';

/// Meta key: highest finalized checkpoint number.
pub const LAST_FINALIZED: &[u8] = b"last_finalized";
/// Meta key: genesis hash of the chain the database belongs to.
pub const GENESIS: &[u8] = b"genesis";
/// Meta key: certificates below this number are pruned.
pub const PRUNED_BELOW: &[u8] = b"pruned_below";

/// `prefix ++ number` (big-endian).
pub fn number_key(prefix: u8, number: u64) -> Vec<u8> {
	let mut key = Vec::with_capacity(9);
	key.push(prefix);
	key.extend_from_slice(&number.to_be_bytes());
	key
}

/// `S ++ number ++ index` (big-endian).
pub fn signature_key(number: u64, index: u32) -> Vec<u8> {
	let mut key = number_key(SIGNATURE, number);
	key.extend_from_slice(&index.to_be_bytes());
	key
}

/// The checkpoint number in a prefixed key.
pub fn number_of(key: &[u8]) -> u64 {
	key.get(1..9).and_then(|b| b.try_into().ok()).map_or(0, u64::from_be_bytes)
}
