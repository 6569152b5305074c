//! Where a validator's oracle feeder reads prices: an `http://` URL or a local file, both
//! holding one JSON object from perp market id to price, in the chain's price units (quote
//! units per 10^6 base units, e.g. `{"1": "600000000"}` or `{"1": 600000000}`).
//!
//! The source is outside the chain and treated as hostile: responses are size-limited, time
//! out, and must parse completely; a bad one feeds nothing.
use std::{
	io::{Read, Write},
	net::{TcpStream, ToSocketAddrs},
	path::PathBuf,
	time::Duration,
};

use bourse_primitives::orderbook::{MarketId, Price};

/// Largest response or file read.
const MAX_BYTES: u64 = 64 * 1024;
/// Most prices one observation may carry (the runtime's `MaxFeedValues`).
pub const MAX_PRICES: usize = 16;
/// Connect, read and write timeout of an HTTP source.
const HTTP_TIMEOUT: Duration = Duration::from_secs(2);

/// A price source given with `--oracle-feed`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PriceSource {
	/// `http://host[:port]/path` (plain HTTP/1.1 GET; put TLS sources behind a local proxy).
	Http { host: String, port: u16, path: String },
	/// A file, re-read at every observation (`file:` prefix optional).
	File(PathBuf),
}

impl std::str::FromStr for PriceSource {
	type Err = String;

	fn from_str(s: &str) -> Result<Self, String> {
		if let Some(rest) = s.strip_prefix("http://") {
			let (authority, path) = match rest.find('/') {
				Some(i) => (&rest[..i], &rest[i..]),
				None => (rest, "/"),
			};
			let (host, port) = match authority.rsplit_once(':') {
				Some((host, port)) => (
					host,
					port.parse::<u16>().map_err(|_| format!("bad port in oracle feed URL {s}"))?,
				),
				None => (authority, 80),
			};
			if host.is_empty() {
				return Err(format!("no host in oracle feed URL {s}"));
			}
			return Ok(Self::Http { host: host.into(), port, path: path.into() });
		}
		if s.contains("://") {
			return Err(format!("oracle feed {s}: only http:// URLs and files are supported"));
		}
		let path = s.strip_prefix("file:").unwrap_or(s);
		if path.is_empty() {
			return Err("empty oracle feed path".into());
		}
		Ok(Self::File(path.into()))
	}
}

impl std::fmt::Display for PriceSource {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		match self {
			Self::Http { host, port, path } => write!(f, "http://{host}:{port}{path}"),
			Self::File(path) => write!(f, "file:{}", path.display()),
		}
	}
}

impl PriceSource {
	/// Reads the current prices.
	pub fn fetch(&self) -> Result<Vec<(MarketId, Price)>, String> {
		let body = match self {
			Self::File(path) => read_limited(
				std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?,
			)?,
			Self::Http { host, port, path } => http_get(host, *port, path)?,
		};
		parse_prices(&body)
	}
}

fn read_limited(reader: impl Read) -> Result<Vec<u8>, String> {
	let mut body = Vec::new();
	reader
		.take(MAX_BYTES + 1)
		.read_to_end(&mut body)
		.map_err(|e| format!("reading the price source: {e}"))?;
	if body.len() as u64 > MAX_BYTES {
		return Err(format!("price source larger than {MAX_BYTES} bytes"));
	}
	Ok(body)
}

fn http_get(host: &str, port: u16, path: &str) -> Result<Vec<u8>, String> {
	let address = (host, port)
		.to_socket_addrs()
		.map_err(|e| format!("resolving {host}: {e}"))?
		.next()
		.ok_or_else(|| format!("{host} has no address"))?;
	let mut stream = TcpStream::connect_timeout(&address, HTTP_TIMEOUT)
		.map_err(|e| format!("connecting to {address}: {e}"))?;
	stream.set_read_timeout(Some(HTTP_TIMEOUT)).map_err(|e| e.to_string())?;
	stream.set_write_timeout(Some(HTTP_TIMEOUT)).map_err(|e| e.to_string())?;
	write!(
		stream,
		"GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept: application/json\r\nConnection: close\r\n\r\n"
	)
	.map_err(|e| format!("sending the request: {e}"))?;
	let response = read_limited(stream)?;
	let split = response
		.windows(4)
		.position(|w| w == b"\r\n\r\n")
		.ok_or("HTTP response without a header end")?;
	let head = String::from_utf8_lossy(&response[..split]).to_ascii_lowercase();
	let status = head.split_whitespace().nth(1).unwrap_or_default();
	if status != "200" {
		return Err(format!("HTTP status {status}"));
	}
	if head.contains("transfer-encoding: chunked") {
		return Err("chunked HTTP responses are not supported".into());
	}
	Ok(response[split + 4..].to_vec())
}

/// Parses `{"<market id>": <price>}` (prices as integers or decimal-integer strings).
pub fn parse_prices(body: &[u8]) -> Result<Vec<(MarketId, Price)>, String> {
	let object: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(body)
		.map_err(|e| format!("price source is not a JSON object: {e}"))?;
	if object.len() > MAX_PRICES {
		return Err(format!("{} prices, at most {MAX_PRICES}", object.len()));
	}
	object
		.iter()
		.map(|(market, price)| {
			let market: MarketId =
				market.parse().map_err(|_| format!("market id {market:?} is not a number"))?;
			let price: Price = match price {
				serde_json::Value::String(s) => s.parse().ok(),
				serde_json::Value::Number(n) => n.as_u64().map(Price::from),
				_ => None,
			}
			.filter(|p| *p > 0)
			.ok_or_else(|| format!("price of market {market} is not a positive integer"))?;
			Ok((market, price))
		})
		.collect()
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn sources_parse() {
		assert_eq!(
			"http://127.0.0.1:8080/prices".parse(),
			Ok(PriceSource::Http { host: "127.0.0.1".into(), port: 8080, path: "/prices".into() })
		);
		assert_eq!(
			"http://oracle.local".parse(),
			Ok(PriceSource::Http { host: "oracle.local".into(), port: 80, path: "/".into() })
		);
		assert_eq!("file:/tmp/p.json".parse(), Ok(PriceSource::File("/tmp/p.json".into())));
		assert_eq!("prices.json".parse(), Ok(PriceSource::File("prices.json".into())));
		assert!("https://x".parse::<PriceSource>().is_err());
		assert!("http://:80/".parse::<PriceSource>().is_err());
		assert!("http://h:port/".parse::<PriceSource>().is_err());
	}

	#[test]
	fn prices_parse_strictly() {
		let mut prices = parse_prices(br#"{"1": "600000000", "3": 25}"#).expect("valid");
		prices.sort();
		assert_eq!(prices, vec![(1, 600_000_000), (3, 25)]);
		for bad in [
			&br#"[1, 2]"#[..],
			br#"{"x": 1}"#,
			br#"{"1": -5}"#,
			br#"{"1": 0}"#,
			br#"{"1": "1.5"}"#,
			br#"{"1": null}"#,
			br#"{"1": 1"#,
		] {
			assert!(parse_prices(bad).is_err(), "{}", String::from_utf8_lossy(bad));
		}
		let many: String = (0..17).map(|i| format!("\"{i}\": 1")).collect::<Vec<_>>().join(",");
		assert!(parse_prices(format!("{{{many}}}").as_bytes()).is_err());
	}

	#[test]
	fn files_are_size_limited() {
		let dir = std::env::temp_dir().join(format!("bourse-oracle-{}", std::process::id()));
		std::fs::create_dir_all(&dir).expect("temp dir");
		let big = dir.join("big.json");
		std::fs::write(&big, vec![b' '; (MAX_BYTES + 10) as usize]).expect("write");
		assert!(PriceSource::File(big).fetch().unwrap_err().contains("larger"));
		let good = dir.join("good.json");
		std::fs::write(&good, br#"{"1": 5}"#).expect("write");
		assert_eq!(PriceSource::File(good).fetch(), Ok(vec![(1, 5)]));
		let _ = std::fs::remove_dir_all(dir);
	}
}
