//! # pallet-checkpoint
//!
//! Holds the checkpoint validator set (with their `ckpt` keys) and, every `CheckpointInterval`
//! blocks, records a checkpoint of the trading state: a running digest of every trading-state
//! change (maintained incrementally, never by scanning storage) plus summary counts. The node's
//! finality gadget signs these records; the last `RecordsToKeep` records are retained.
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
pub mod invariants;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
pub mod weights;
pub use weights::WeightInfo;

pub use bourse_primitives::checkpoint::OnTradingStateChange;
use bourse_primitives::checkpoint::{
	CheckpointId, CheckpointNumber, CheckpointRecord, ValidatorSet, ValidatorSetId,
};
use sp_core::H256;

/// Counts of trading state the runtime provides for checkpoint records.
pub trait TradingStateSummary {
	/// Resting orders on the book.
	fn open_orders() -> u64;
	/// Open perp positions.
	fn open_positions() -> u64;
}

impl TradingStateSummary for () {
	fn open_orders() -> u64 {
		0
	}
	fn open_positions() -> u64 {
		0
	}
}

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use alloc::vec::Vec;
	use frame_support::pallet_prelude::*;
	use frame_system::pallet_prelude::*;

	const STORAGE_VERSION: StorageVersion = StorageVersion::new(1);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// Most validators a set may hold.
		#[pallet::constant]
		type MaxValidators: Get<u32>;
		/// How many checkpoint records are kept on chain; older ones are pruned.
		#[pallet::constant]
		type RecordsToKeep: Get<u32>;
		/// Where summary counts come from.
		type TradingState: TradingStateSummary;
		/// Weights of this pallet's calls and hooks.
		type WeightInfo: WeightInfo;
	}

	/// The current checkpoint validator set, in signing-index order.
	#[pallet::storage]
	pub type Validators<T: Config> =
		StorageValue<_, BoundedVec<CheckpointId, T::MaxValidators>, ValueQuery>;

	/// Id of the current validator set.
	#[pallet::storage]
	pub type SetId<T> = StorageValue<_, ValidatorSetId, ValueQuery>;

	/// A new set that takes effect at the next checkpoint block.
	#[pallet::storage]
	pub type PendingValidators<T: Config> =
		StorageValue<_, BoundedVec<CheckpointId, T::MaxValidators>, OptionQuery>;

	/// Blocks between checkpoints.
	#[pallet::storage]
	pub type CheckpointInterval<T> = StorageValue<_, u32, ValueQuery, DefaultInterval>;

	/// Default interval when genesis does not set one.
	#[pallet::type_value]
	pub fn DefaultInterval() -> u32 {
		10
	}

	/// Running digest over every trading-state change since genesis.
	///
	/// Whitelisted (like `frame_system`'s per-block keys): every trading call folds into it, but
	/// within a block those writes stay in the in-memory overlay and the database sees one read
	/// and one write per block, which `on_initialize` charges. Benchmarks of the trading calls
	/// therefore do not count it.
	#[pallet::storage]
	#[pallet::whitelist_storage]
	pub type StateDigest<T> = StorageValue<_, H256, ValueQuery>;

	/// Retained checkpoint records.
	#[pallet::storage]
	pub type Records<T> = StorageMap<_, Twox64Concat, CheckpointNumber, CheckpointRecord>;

	/// Number of the most recent checkpoint record.
	#[pallet::storage]
	pub type LatestCheckpoint<T> = StorageValue<_, CheckpointNumber, OptionQuery>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A checkpoint of the trading state was recorded.
		CheckpointRecorded { number: CheckpointNumber, block_number: u32, state_digest: H256 },
		/// A new validator set was scheduled for the next checkpoint.
		ValidatorSetScheduled { validators: u32 },
		/// A new validator set took effect.
		ValidatorSetChanged { set_id: ValidatorSetId, validators: u32 },
		/// The checkpoint interval changed.
		IntervalChanged { interval: u32 },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// A validator set must hold at least one validator.
		NoValidators,
		/// More validators than `MaxValidators`.
		TooManyValidators,
		/// The same key appears twice in a validator set.
		DuplicateValidator,
		/// The interval must be at least one block.
		ZeroInterval,
	}

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// Initial validator set (set id 0).
		pub validators: Vec<CheckpointId>,
		/// Blocks between checkpoints (0 keeps the default).
		pub interval: u32,
		#[serde(skip)]
		pub _config: core::marker::PhantomData<T>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			// An empty set is allowed: such a chain simply has no checkpoint finality yet.
			if !self.validators.is_empty() {
				let set = Pallet::<T>::checked_set(self.validators.clone())
					.expect("genesis checkpoint validator set is invalid");
				Validators::<T>::put(set);
			}
			if self.interval > 0 {
				CheckpointInterval::<T>::put(self.interval);
			}
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(n: BlockNumberFor<T>) -> Weight {
			// The digest's one database read and write of the block (see [`StateDigest`]).
			let digest = T::DbWeight::get().reads_writes(1, 1);
			if Self::is_checkpoint_block(n) {
				digest.saturating_add(T::WeightInfo::on_finalize_checkpoint())
			} else {
				digest
			}
		}

		fn on_finalize(n: BlockNumberFor<T>) {
			if Self::is_checkpoint_block(n) {
				Self::record_checkpoint(n);
			}
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Schedules a new validator set; it takes effect at the next checkpoint block.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::set_validators(validators.len() as u32))]
		pub fn set_validators(
			origin: OriginFor<T>,
			validators: Vec<CheckpointId>,
		) -> DispatchResult {
			ensure_root(origin)?;
			let set = Self::checked_set(validators)?;
			let count = set.len() as u32;
			PendingValidators::<T>::put(set);
			Self::deposit_event(Event::ValidatorSetScheduled { validators: count });
			Ok(())
		}

		/// Changes the number of blocks between checkpoints.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::set_interval())]
		pub fn set_interval(origin: OriginFor<T>, interval: u32) -> DispatchResult {
			ensure_root(origin)?;
			ensure!(interval > 0, Error::<T>::ZeroInterval);
			CheckpointInterval::<T>::put(interval);
			Self::deposit_event(Event::IntervalChanged { interval });
			Ok(())
		}
	}

	impl<T: Config> Pallet<T> {
		fn checked_set(
			validators: Vec<CheckpointId>,
		) -> Result<BoundedVec<CheckpointId, T::MaxValidators>, Error<T>> {
			ensure!(!validators.is_empty(), Error::<T>::NoValidators);
			let mut sorted = validators.clone();
			sorted.sort();
			sorted.dedup();
			ensure!(sorted.len() == validators.len(), Error::<T>::DuplicateValidator);
			BoundedVec::try_from(validators).map_err(|_| Error::<T>::TooManyValidators)
		}

		/// Whether block `n` is a checkpoint height.
		pub fn is_checkpoint_block(n: BlockNumberFor<T>) -> bool {
			let n: u32 = n.try_into().unwrap_or(u32::MAX);
			n > 0 && n.is_multiple_of(CheckpointInterval::<T>::get().max(1))
		}

		fn record_checkpoint(n: BlockNumberFor<T>) {
			let block_number: u32 = n.try_into().unwrap_or(u32::MAX);
			if let Some(next) = PendingValidators::<T>::take() {
				let set_id = SetId::<T>::mutate(|id| {
					*id += 1;
					*id
				});
				let validators = next.len() as u32;
				Validators::<T>::put(next);
				Self::deposit_event(Event::ValidatorSetChanged { set_id, validators });
			}
			let number = LatestCheckpoint::<T>::get().map_or(0, |latest| latest + 1);
			let state_digest = StateDigest::<T>::get();
			Records::<T>::insert(
				number,
				CheckpointRecord {
					number,
					block_number,
					state_digest,
					open_orders: T::TradingState::open_orders(),
					open_positions: T::TradingState::open_positions(),
					set_id: SetId::<T>::get(),
				},
			);
			LatestCheckpoint::<T>::put(number);
			if let Some(expired) = number.checked_sub(T::RecordsToKeep::get() as u64) {
				Records::<T>::remove(expired);
			}
			Self::deposit_event(Event::CheckpointRecorded { number, block_number, state_digest });
		}

		/// The current validator set with its id.
		pub fn validator_set() -> ValidatorSet {
			ValidatorSet { id: SetId::<T>::get(), validators: Validators::<T>::get().into_inner() }
		}
	}

	impl<T: Config> OnTradingStateChange for Pallet<T> {
		fn note_change(change: &[u8]) {
			StateDigest::<T>::mutate(|digest| {
				let mut preimage = Vec::with_capacity(32 + change.len());
				preimage.extend_from_slice(digest.as_bytes());
				preimage.extend_from_slice(change);
				*digest = H256(sp_io::hashing::blake2_256(&preimage));
			});
		}
	}

	impl<T: Config> sp_runtime::BoundToRuntimeAppPublic for Pallet<T> {
		type Public = CheckpointId;
	}
}
