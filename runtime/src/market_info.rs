//! Markets described for clients: the order book's parameters with each token's symbol and
//! decimals (pallet-assets metadata; the native token's from the runtime).
use crate::Runtime;
use alloc::{string::String, vec::Vec};
use bourse_primitives::orderbook::{AssetKind, MarketInfo, TokenInfo, PRICE_SCALE};

/// Symbol of the native token.
pub const NATIVE_SYMBOL: &str = "BRS";
/// Decimals of the native token (see [`crate::UNIT`]).
pub const NATIVE_DECIMALS: u8 = 12;

fn token(asset: AssetKind) -> TokenInfo {
	let (symbol, decimals) = match asset {
		AssetKind::Native => (String::from(NATIVE_SYMBOL), NATIVE_DECIMALS),
		AssetKind::Asset(id) => {
			let metadata = pallet_assets::Metadata::<Runtime>::get(id);
			(String::from_utf8_lossy(&metadata.symbol).into_owned(), metadata.decimals)
		},
	};
	TokenInfo { asset, symbol, decimals }
}

/// Every market by id.
pub fn markets() -> Vec<MarketInfo> {
	let mut all: Vec<MarketInfo> = pallet_orderbook::Markets::<Runtime>::iter()
		.map(|(id, record)| (id, record.market))
		.map(|(id, m)| MarketInfo {
			id,
			kind: m.kind,
			status: m.status,
			base: token(m.base),
			quote: token(m.quote),
			tick_size: m.tick_size,
			lot_size: m.lot_size,
			min_size: m.min_size,
			maker_fee_ppm: m.maker_fee_ppm,
			taker_fee_ppm: m.taker_fee_ppm,
			price_scale: PRICE_SCALE,
		})
		.collect();
	all.sort_by_key(|m| m.id);
	all
}
