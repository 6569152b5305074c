//! Storage migrations of pallet-orderbook. The runtime lists them in its `Migrations` tuple.
//!
//! Migrations to v2-v5 were removed with v6: they read and write layouts this pallet no longer
//! has. A chain below v5 upgrades through an earlier runtime first.
use crate::*;

/// Storage items as v8 laid them out, which v9 replaced: a market's record held its best
/// prices, not its first orders.
pub mod v8_layout {
	use super::*;
	use bourse_primitives::orderbook::{Market, MarketId, Price, Side};
	use codec::{Decode, Encode};
	use frame_support::Twox64Concat;
	use scale_info::TypeInfo;

	/// Best bid and best ask of a market's book (v7 kept it in `BestPrices`, v8 in the
	/// market's record).
	#[derive(Clone, Copy, Default, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
	pub struct BookTop {
		/// Highest resting bid.
		pub bid: Option<Price>,
		/// Lowest resting ask.
		pub ask: Option<Price>,
	}

	impl BookTop {
		/// The best price of `side`.
		pub fn of(&self, side: Side) -> Option<Price> {
			match side {
				Side::Buy => self.bid,
				Side::Sell => self.ask,
			}
		}

		/// Both best prices of `market` as the book holds them.
		pub fn scan<T: Config>(market: MarketId) -> Self {
			let best = |side| crate::store::scan_best::<T>(market, side);
			BookTop { bid: best(Side::Buy), ask: best(Side::Sell) }
		}
	}

	/// A market's v8 record: configuration and best prices.
	#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
	pub struct MarketRecord {
		/// The configuration.
		pub market: Market,
		/// Best bid and best ask.
		pub top: BookTop,
	}

	/// Markets by id (same storage prefix as [`Markets`]).
	#[frame_support::storage_alias]
	pub type Markets<T: Config> = StorageMap<Pallet<T>, Twox64Concat, MarketId, MarketRecord>;
}

/// Storage items as v7 (and before it v6) laid them out, which v8 replaced: the older
/// migrations read and write these, not the current types.
pub mod v7_layout {
	use super::*;
	use bourse_primitives::orderbook::{Market, MarketId};
	use frame_support::Twox64Concat;

	/// Markets by id: configuration only.
	#[frame_support::storage_alias]
	pub type Markets<T: Config> = StorageMap<Pallet<T>, Twox64Concat, MarketId, Market>;

	/// Best bid and best ask of each market's book.
	#[frame_support::storage_alias]
	pub type BestPrices<T: Config> =
		StorageMap<Pallet<T>, Twox64Concat, MarketId, super::v8_layout::BookTop>;

	/// Id the next order gets (absent: 1).
	#[frame_support::storage_alias]
	pub type NextOrderId<T: Config> =
		StorageValue<Pallet<T>, bourse_primitives::orderbook::OrderId>;

	/// Number of resting orders on all books (absent: 0).
	#[frame_support::storage_alias]
	pub type OpenOrders<T: Config> = StorageValue<Pallet<T>, u64>;
}

/// v5 -> v6: an account's ledger entries and its order index become one record.
///
/// v5 kept a ledger entry per (account, token) (`Ledger`) and an order index per account
/// (`AccountOrders`); a fill wrote three keys of its maker. v6 keeps both in one
/// [`Accounts`] record. Every index moves as it is; every resting spot order's account gets
/// (empty) entries of both tokens of its market, so its fills can always be credited; then every
/// entry moves. An entry that does not fit (an account with entries of more tokens than
/// `MaxAssetsPerAccount`; tokens of resting orders come first, so such an entry has nothing
/// locked) is paid out to the owner's wallet (`Withdrawn`). Bounded by the accounts and entries
/// stored: one read and one write each.
pub mod v6 {
	use super::*;
	use crate::{engine::OrderRef, ledger::TradingAccountOf};
	use alloc::vec::Vec;
	use bourse_primitives::orderbook::{AssetKind, MarketKind, TradingBalance};
	use frame_support::{
		migrations::VersionedMigration,
		pallet_prelude::{OptionQuery, ValueQuery},
		traits::{Get, UncheckedOnRuntimeUpgrade},
		weights::Weight,
		Blake2_128Concat, BoundedVec,
	};
	#[cfg(feature = "try-runtime")]
	use {
		codec::{Decode, Encode},
		sp_runtime::TryRuntimeError,
	};

	/// v5's storage items that v6 folds into [`Accounts`].
	pub mod old {
		use super::*;

		/// v5's ledger: one entry per (account, token); no empty entry.
		#[frame_support::storage_alias]
		pub type Ledger<T: Config> = StorageDoubleMap<
			Pallet<T>,
			Blake2_128Concat,
			<T as frame_system::Config>::AccountId,
			Blake2_128Concat,
			AssetKind,
			TradingBalance,
			OptionQuery,
		>;

		/// v5's order index per account.
		#[frame_support::storage_alias]
		pub type AccountOrders<T: Config> = StorageMap<
			Pallet<T>,
			Blake2_128Concat,
			<T as frame_system::Config>::AccountId,
			BoundedVec<OrderRef, <T as Config>::MaxOrdersPerAccount>,
			ValueQuery,
		>;
	}

	/// The tokens whose entries a resting order keeps (both of a spot market).
	fn kept_tokens<T: Config>(at: &OrderRef) -> Vec<AssetKind> {
		match v7_layout::Markets::<T>::get(at.market) {
			Some(m) if m.kind == MarketKind::Spot => alloc::vec![m.base, m.quote],
			_ => Vec::new(),
		}
	}

	/// Folds `Ledger` and `AccountOrders` into `Accounts`.
	pub struct InnerMigrateV5ToV6<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for InnerMigrateV5ToV6<T> {
		fn on_runtime_upgrade() -> Weight {
			let indexes: Vec<_> = old::AccountOrders::<T>::drain().collect();
			let mut entries: Vec<_> = old::Ledger::<T>::drain().collect();
			// Locked entries first: they belong to resting orders and must find room.
			entries.sort_by_key(|(_, _, b)| b.locked == 0);
			let (accounts, moved) = (indexes.len() as u64, entries.len() as u64);
			let mut markets = 0u64;
			for (who, orders) in indexes {
				let mut record = TradingAccountOf::<T>::default();
				for at in orders {
					// The same bound: every entry fits.
					let _ = record.push_order(&at);
					markets += 1;
					for token in kept_tokens::<T>(&at) {
						if record.entry_mut(token).is_none() {
							log::error!(
								target: "runtime::orderbook",
								"v6: an account's resting orders trade more tokens than its \
								 ledger may hold ({token:?} left out)"
							);
						}
					}
				}
				Accounts::<T>::insert(&who, record);
			}
			let mut paid_out = 0u64;
			for (who, token, balance) in entries {
				let placed = Pallet::<T>::mutate_account(&who, |record| {
					*record.entry_mut(token).ok_or(Error::<T>::TooManyAssets)? = balance;
					Ok(())
				});
				if placed.is_ok() {
					continue;
				}
				paid_out += 1;
				let result = Pallet::<T>::pay_out(token, &who, balance.free);
				log::warn!(
					target: "runtime::orderbook",
					"v6: an account holds more tokens than MaxAssetsPerAccount: {} of {token:?} \
					 paid out to its wallet ({result:?}), {} locked left out",
					balance.free, balance.locked
				);
				if result.is_ok() && balance.free > 0 {
					Pallet::<T>::deposit_event(Event::Withdrawn {
						who,
						asset: token,
						amount: balance.free,
					});
				}
			}
			log::info!(
				target: "runtime::orderbook",
				"v6: {accounts} order index(es) and {moved} ledger entr(ies) folded into \
				 trading accounts, {paid_out} paid out"
			);
			T::DbWeight::get().reads_writes(
				2 * accounts + 2 * moved + markets + 2 * paid_out,
				2 * accounts + 2 * moved + 2 * paid_out,
			)
		}

		#[cfg(feature = "try-runtime")]
		fn pre_upgrade() -> Result<Vec<u8>, TryRuntimeError> {
			frame_support::ensure!(
				Accounts::<T>::iter_keys().next().is_none(),
				"no v6 record exists before the upgrade"
			);
			let orders =
				old::AccountOrders::<T>::iter_values().map(|r| r.len() as u64).sum::<u64>();
			let mut totals = alloc::collections::BTreeMap::<AssetKind, u128>::new();
			for (_, token, balance) in old::Ledger::<T>::iter() {
				let total = totals.entry(token).or_default();
				*total = total.saturating_add(balance.total().unwrap_or(u128::MAX));
			}
			Ok((orders, totals.into_iter().collect::<Vec<_>>()).encode())
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(state: Vec<u8>) -> Result<(), TryRuntimeError> {
			let (orders, totals) = <(u64, Vec<(AssetKind, u128)>)>::decode(&mut &state[..])
				.map_err(|_| "bad pre_upgrade state")?;
			let after = Accounts::<T>::iter_values().map(|r| r.orders.len() as u64).sum::<u64>();
			frame_support::ensure!(after == orders, "every order index moved");
			frame_support::ensure!(
				old::Ledger::<T>::iter_keys().next().is_none()
					&& old::AccountOrders::<T>::iter_keys().next().is_none(),
				"no v5 key is left"
			);
			for (token, total) in totals {
				let now = Accounts::<T>::iter_values()
					.map(|r| r.balance(token).total().unwrap_or(u128::MAX))
					.fold(0u128, u128::saturating_add);
				frame_support::ensure!(now <= total, "no ledger amount appeared");
			}
			// (The pallet's `try_state` checks the newest layout: v7's migration runs it.)
			Ok(())
		}
	}

	/// [`InnerMigrateV5ToV6`], run only when the on-chain storage version is 5; sets it to 6.
	pub type MigrateV5ToV6<T> = VersionedMigration<
		5,
		6,
		InnerMigrateV5ToV6<T>,
		Pallet<T>,
		<T as frame_system::Config>::DbWeight,
	>;
}

/// v6 -> v7: price levels are no longer stored, and a market's two best prices are one value.
///
/// v6 kept a `Levels` record per (market, side, price) (oldest order, count, quantity), written
/// by every order that joined or left a level, and a `BestPrices` entry per (market, side).
/// v7 keeps neither level record (a level is the run of its orders' keys in [`Orders`]) and one
/// `BestPrices` value per market, recomputed here from the book. Orders do not move. Bounded
/// by the levels and markets stored: one write each.
pub mod v7 {
	use super::*;
	use bourse_primitives::orderbook::{MarketId, Price, Side};
	use frame_support::{
		migrations::VersionedMigration,
		traits::{Get, UncheckedOnRuntimeUpgrade},
		weights::Weight,
		Identity, Twox64Concat,
	};
	#[cfg(feature = "try-runtime")]
	use {
		alloc::vec::Vec,
		codec::{Decode, Encode},
		sp_runtime::TryRuntimeError,
	};

	/// v6's storage items that v7 drops or replaces.
	pub mod old {
		use super::*;

		/// v6's price level record: oldest order id, remaining quantity, order count.
		pub type Level = (u64, u128, u32);

		/// v6's price levels.
		#[frame_support::storage_alias]
		pub type Levels<T: Config> = StorageDoubleMap<
			Pallet<T>,
			Twox64Concat,
			(MarketId, Side),
			Identity,
			crate::store::LevelKey,
			Level,
		>;

		/// v6's best price per book side (same storage prefix as v7's
		/// [`v7_layout::BestPrices`]).
		#[frame_support::storage_alias]
		pub type BestPrices<T: Config> =
			StorageMap<Pallet<T>, Twox64Concat, (MarketId, Side), Option<Price>>;
	}

	/// Drops every level record and writes each market's best prices as its book holds them.
	pub struct InnerMigrateV6ToV7<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for InnerMigrateV6ToV7<T> {
		fn on_runtime_upgrade() -> Weight {
			let levels = old::Levels::<T>::clear(u32::MAX, None).unique as u64;
			// Clears v6's entries (the prefix v7's values are then written under).
			let sides = old::BestPrices::<T>::clear(u32::MAX, None).unique as u64;
			let mut markets = 0u64;
			for market in v7_layout::Markets::<T>::iter_keys() {
				v7_layout::BestPrices::<T>::insert(market, v8_layout::BookTop::scan::<T>(market));
				markets += 1;
			}
			// Per market: its key, and one ordered lookup per side.
			T::DbWeight::get().reads_writes(levels + sides + 3 * markets, levels + sides + markets)
		}

		#[cfg(feature = "try-runtime")]
		fn pre_upgrade() -> Result<Vec<u8>, TryRuntimeError> {
			// What v6 recorded: the best price of every side that has a level.
			let mut best = alloc::collections::BTreeMap::<(MarketId, u8), Price>::new();
			for ((market, side), key) in old::Levels::<T>::iter_keys() {
				let price = crate::store::level_price(side, key);
				let entry = best.entry((market, side as u8)).or_insert(price);
				if crate::engine::better(side, price, *entry) {
					*entry = price;
				}
			}
			Ok(best.into_iter().collect::<Vec<_>>().encode())
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(state: Vec<u8>) -> Result<(), TryRuntimeError> {
			let best = <Vec<((MarketId, u8), Price)>>::decode(&mut &state[..])
				.map_err(|_| "bad pre_upgrade state")?;
			frame_support::ensure!(
				old::Levels::<T>::iter_keys().next().is_none(),
				"no level record is left"
			);
			for ((market, side), price) in best {
				let side = if side == Side::Buy as u8 { Side::Buy } else { Side::Sell };
				let top =
					v7_layout::BestPrices::<T>::get(market).ok_or("a market has no best prices")?;
				frame_support::ensure!(top.of(side) == Some(price), "a best price moved");
			}
			// (The pallet's `try_state` checks the newest layout: v8's migration runs it.)
			Ok(())
		}
	}

	/// [`InnerMigrateV6ToV7`], run only when the on-chain storage version is 6; sets it to 7.
	pub type MigrateV6ToV7<T> = VersionedMigration<
		6,
		7,
		InnerMigrateV6ToV7<T>,
		Pallet<T>,
		<T as frame_system::Config>::DbWeight,
	>;
}

/// v7 -> v8: a market's best prices move into its [`Markets`] value, and the order counters
/// become one value.
///
/// v7 kept best prices in `BestPrices`, a second key every order read beside the market's. v8
/// keeps one [`crate::store::MarketRecord`] per market: configuration and best prices. A
/// market without a v7 entry gets the best prices its book holds. v7's `NextOrderId` and
/// `OpenOrders` become [`OrderCounters`]. Bounded by the markets stored: two reads and two
/// writes each.
pub mod v8 {
	use super::v8_layout::{BookTop, MarketRecord};
	use super::*;
	use alloc::collections::BTreeMap;
	use bourse_primitives::orderbook::MarketId;
	use frame_support::{
		migrations::VersionedMigration,
		traits::{Get, UncheckedOnRuntimeUpgrade},
		weights::Weight,
	};
	#[cfg(feature = "try-runtime")]
	use {
		alloc::vec::Vec,
		bourse_primitives::orderbook::Market,
		codec::{Decode, Encode},
		sp_runtime::TryRuntimeError,
	};

	/// Folds `BestPrices` into `Markets`.
	pub struct InnerMigrateV7ToV8<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for InnerMigrateV7ToV8<T> {
		fn on_runtime_upgrade() -> Weight {
			let counters = crate::store::OrderCounters {
				next_id: v7_layout::NextOrderId::<T>::take().unwrap_or(1),
				open: v7_layout::OpenOrders::<T>::take().unwrap_or(0),
			};
			OrderCounters::<T>::put(counters);
			let tops: BTreeMap<MarketId, BookTop> = v7_layout::BestPrices::<T>::drain().collect();
			let moved = tops.len() as u64;
			let mut markets = 0u64;
			let mut scanned = 0u64;
			v8_layout::Markets::<T>::translate::<bourse_primitives::orderbook::Market, _>(
				|id, market| {
					markets += 1;
					let top = tops.get(&id).copied().unwrap_or_else(|| {
						scanned += 1;
						BookTop::scan::<T>(id)
					});
					Some(MarketRecord { market, top })
				},
			);
			log::info!(
				target: "runtime::orderbook",
				"v8: best prices of {markets} market(s) folded into their records \
				 ({moved} moved, {scanned} read from the book)"
			);
			T::DbWeight::get().reads_writes(2 + moved + markets + 2 * scanned, 3 + moved + markets)
		}

		#[cfg(feature = "try-runtime")]
		fn pre_upgrade() -> Result<Vec<u8>, TryRuntimeError> {
			let counters = (
				v7_layout::NextOrderId::<T>::get().unwrap_or(1),
				v7_layout::OpenOrders::<T>::get().unwrap_or(0),
			);
			let markets: Vec<(MarketId, Market, BookTop)> = v7_layout::Markets::<T>::iter()
				.map(|(id, market)| {
					let top = v7_layout::BestPrices::<T>::get(id)
						.unwrap_or_else(|| BookTop::scan::<T>(id));
					(id, market, top)
				})
				.collect();
			Ok((counters, markets).encode())
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(state: Vec<u8>) -> Result<(), TryRuntimeError> {
			let ((next_id, open), before) =
				<((u64, u64), Vec<(MarketId, Market, BookTop)>)>::decode(&mut &state[..])
					.map_err(|_| "bad pre_upgrade state")?;
			let counters = OrderCounters::<T>::get();
			frame_support::ensure!(
				(counters.next_id, counters.open) == (next_id, open),
				"the order counters moved"
			);
			frame_support::ensure!(
				!v7_layout::NextOrderId::<T>::exists() && !v7_layout::OpenOrders::<T>::exists(),
				"no v7 counter is left"
			);
			frame_support::ensure!(
				v7_layout::BestPrices::<T>::iter_keys().next().is_none(),
				"no v7 best prices are left"
			);
			frame_support::ensure!(
				v8_layout::Markets::<T>::iter_keys().count() == before.len(),
				"every market kept its record"
			);
			for (id, market, top) in before {
				let record = v8_layout::Markets::<T>::get(id).ok_or("a market lost its record")?;
				frame_support::ensure!(record.market == market, "a market's configuration moved");
				frame_support::ensure!(record.top == top, "a best price moved");
			}
			// (The pallet's `try_state` checks the newest layout: v9's migration runs it.)
			Ok(())
		}
	}

	/// [`InnerMigrateV7ToV8`], run only when the on-chain storage version is 7; sets it to 8.
	pub type MigrateV7ToV8<T> = VersionedMigration<
		7,
		8,
		InnerMigrateV7ToV8<T>,
		Pallet<T>,
		<T as frame_system::Config>::DbWeight,
	>;
}

/// v8 -> v9: a market's record keeps the front of each side (its first orders in book order,
/// price and id, at most [`crate::store::FRONT_LEN`]), not only its best price, so matching
/// takes makers from it without an ordered seek.
///
/// Every market's record is rewritten with the fronts its book holds: one read and one write
/// per market, and per side a seek and up to `FRONT_LEN` keys.
pub mod v9 {
	use super::*;
	use crate::store::{BookTop, MarketRecord};
	use frame_support::{
		migrations::VersionedMigration,
		traits::{Get, UncheckedOnRuntimeUpgrade},
		weights::Weight,
	};
	#[cfg(feature = "try-runtime")]
	use {
		alloc::vec::Vec,
		bourse_primitives::orderbook::{Market, MarketId, Side},
		codec::{Decode, Encode},
		sp_runtime::TryRuntimeError,
	};

	/// Records each market's fronts.
	pub struct InnerMigrateV8ToV9<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for InnerMigrateV8ToV9<T> {
		fn on_runtime_upgrade() -> Weight {
			let mut markets = 0u64;
			Markets::<T>::translate::<v8_layout::MarketRecord, _>(|id, old| {
				markets += 1;
				Some(MarketRecord { market: old.market, top: BookTop::scan::<T>(id) })
			});
			log::info!(
				target: "runtime::orderbook",
				"v9: fronts of {markets} market(s) recorded"
			);
			// Per side: one seek and up to FRONT_LEN keys.
			let per_market = 1 + 2 * (1 + crate::store::FRONT_LEN as u64);
			T::DbWeight::get().reads_writes(per_market * markets, markets)
		}

		#[cfg(feature = "try-runtime")]
		fn pre_upgrade() -> Result<Vec<u8>, TryRuntimeError> {
			let markets: Vec<(MarketId, v8_layout::MarketRecord)> =
				v8_layout::Markets::<T>::iter().collect();
			Ok(markets.encode())
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(state: Vec<u8>) -> Result<(), TryRuntimeError> {
			let before = <Vec<(MarketId, v8_layout::MarketRecord)>>::decode(&mut &state[..])
				.map_err(|_| "bad pre_upgrade state")?;
			frame_support::ensure!(
				Markets::<T>::iter_keys().count() == before.len(),
				"every market kept its record"
			);
			for (id, old) in before {
				let record = Markets::<T>::get(id).ok_or("a market lost its record")?;
				let market: &Market = &record.market;
				frame_support::ensure!(*market == old.market, "a market's configuration moved");
				for side in [Side::Buy, Side::Sell] {
					frame_support::ensure!(
						record.top.of(side) == old.top.of(side),
						"a best price moved"
					);
				}
			}
			Pallet::<T>::do_try_state()
		}
	}

	/// [`InnerMigrateV8ToV9`], run only when the on-chain storage version is 8; sets it to 9.
	pub type MigrateV8ToV9<T> = VersionedMigration<
		8,
		9,
		InnerMigrateV8ToV9<T>,
		Pallet<T>,
		<T as frame_system::Config>::DbWeight,
	>;
}

/// v9 -> v10: the tokens the ledger takes ([`crate::ListedAssets`]), from the markets listed.
pub mod v10 {
	use super::*;
	use frame_support::{
		migrations::VersionedMigration,
		traits::{Get, UncheckedOnRuntimeUpgrade},
		weights::Weight,
	};
	#[cfg(feature = "try-runtime")]
	use {alloc::vec::Vec, sp_runtime::TryRuntimeError};

	/// Lists the tokens of every market.
	pub struct InnerMigrateV9ToV10<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for InnerMigrateV9ToV10<T> {
		fn on_runtime_upgrade() -> Weight {
			let mut markets = 0u64;
			for record in Markets::<T>::iter_values() {
				markets += 1;
				Pallet::<T>::list_assets(&record.market);
			}
			log::info!(
				target: "runtime::orderbook",
				"v10: tokens of {markets} market(s) listed for the ledger"
			);
			// Per market: its record, and up to two tokens written.
			T::DbWeight::get().reads_writes(markets, 2 * markets)
		}

		#[cfg(feature = "try-runtime")]
		fn pre_upgrade() -> Result<Vec<u8>, TryRuntimeError> {
			Ok(Vec::new())
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(_: Vec<u8>) -> Result<(), TryRuntimeError> {
			Pallet::<T>::do_try_state()
		}
	}

	/// [`InnerMigrateV9ToV10`], run only when the on-chain storage version is 9; sets it to 10.
	pub type MigrateV9ToV10<T> = VersionedMigration<
		9,
		10,
		InnerMigrateV9ToV10<T>,
		Pallet<T>,
		<T as frame_system::Config>::DbWeight,
	>;
}
