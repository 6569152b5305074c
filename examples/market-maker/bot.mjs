// An example market-maker bot for Bourse, with @polkadot/api and no custom types.
//
//   node bot.mjs [--url ws://127.0.0.1:9944] [--seconds 60] [--mode maker|taker] [--seed //Alice]
//
// Maker: deposits into the trading ledger, quotes both sides of spot market 0 around the perp
// oracle (index) price, refreshes its quotes with one `orderbook.batch` (cancel both, place
// both post-only) per block, follows its fills over the `orderbook_subscribeFills`
// subscription, then cancels everything, withdraws what it deposited, and checks that its
// ledger changed by exactly what its fills, deposit and withdrawal say. Prints a JSON summary
// and exits 1 if it does not reconcile or it traded nothing.
// Taker: sends immediate-or-cancel orders across the maker's quotes, alternating sides.
import { ApiPromise, Keyring, WsProvider } from '@polkadot/api';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, a, i, all) => (a.startsWith('--') ? [...pairs, [a.slice(2), all[i + 1]]] : pairs), []),
);
const url = args.url ?? 'ws://127.0.0.1:9944';
const seconds = Number(args.seconds ?? 60);
const mode = args.mode ?? 'maker';
const seed = args.seed ?? (mode === 'maker' ? '//Alice' : '//Bob');
const MARKET = 0;
const PERP = 1;

const provider = new WsProvider(url);
const api = await ApiPromise.create({ provider, noInitWarn: true });
const me = new Keyring({ type: 'sr25519' }).addFromUri(seed);
const log = (...a) => console.error(`[${mode}]`, ...a);

// Node JSON: camelCase, amounts as decimal strings.
const rpc = (method, params = []) => provider.send(method, params);
const big = (s) => BigInt(s);

/// Signs and sends `tx`; resolves with its events once in a block (the pool may report the
/// block only as finalized), rejects on a dispatch error or when the pool drops it.
function send(tx) {
  return new Promise((resolve, reject) => {
    let done = false;
    tx.signAndSend(me, ({ status, dispatchError, events }) => {
      if (done) return;
      if (status.isInvalid || status.isDropped || status.isUsurped) {
        done = true;
        return reject(new Error(`transaction ${status.type}`));
      }
      if (!status.isInBlock && !status.isFinalized) return;
      done = true;
      if (dispatchError) {
        const e = dispatchError.isModule ? api.registry.findMetaError(dispatchError.asModule) : null;
        reject(new Error(e ? `${e.section}.${e.name}` : dispatchError.toString()));
      } else {
        resolve(events);
      }
    }).catch(reject);
  });
}

async function ledger(asset) {
  const entries = await rpc('orderbook_tradingBalances', [me.address]);
  const entry = entries.find((e) => JSON.stringify(e.asset) === JSON.stringify(asset));
  return entry ? big(entry.free) + big(entry.locked) : 0n;
}

const markets = await rpc('orderbook_markets');
const market = markets.find((m) => m.id === MARKET);
const [tick, lot] = [big(market.tickSize), big(market.lotSize)];
const base = { Asset: market.base.asset.Asset };
const quote = { Asset: market.quote.asset.Asset };
log(`market ${MARKET}: ${market.base.symbol}/${market.quote.symbol}, tick ${tick}, lot ${lot}`);

async function oraclePrice() {
  const perp = await rpc('perp_market', [PERP]);
  const price = big(perp.indexPrice);
  return price - (price % tick);
}

// maxFills bounds the resting orders an order may trade with, and so the weight it is charged
// up front: a taker allows a few, a post-only quote none (it never matches).
const request = (side, price, quantity, timeInForce, maxFills = 0) => ({
  market: MARKET,
  side,
  price: price.toString(),
  quantity: quantity.toString(),
  timeInForce,
  expiresAt: null,
  clientId: null,
  selfTrade: 'CancelMaker',
  maxFills,
});

const deadline = Date.now() + seconds * 1000;

if (mode === 'taker') {
  let buy = true;
  let sent = 0;
  while (Date.now() < deadline) {
    const price = await oraclePrice();
    // Cross the maker's quote (a few ticks from the oracle price) by a margin.
    const worst = buy ? price + 20n * tick : price - 20n * tick;
    try {
      await send(api.tx.orderbook.placeOrder(...Object.values(request(buy ? 'Buy' : 'Sell', worst, 2n * lot, 'ImmediateOrCancel', 8))));
      sent += 1;
    } catch (e) {
      log('order refused:', e.message);
    }
    buy = !buy;
  }
  console.log(JSON.stringify({ mode, sent }));
  await api.disconnect();
  process.exit(sent > 0 ? 0 : 1);
}

// Maker.
const DEPOSIT = 100n * lot; // base units, into the ledger at start, withdrawn at the end
const before = { base: await ledger(base), quote: await ledger(quote) };
await send(api.tx.orderbook.deposit(base, DEPOSIT.toString()));
log(`deposited ${DEPOSIT} ${market.base.symbol}`);

const fills = new Map(); // fill id -> fill, from best-block updates (finalized ones repeat them)
await provider.subscribe('orderbook_fillsUpdate', 'orderbook_subscribeFills', [me.address], (err, update) => {
  if (err) return log('fills subscription:', err.message);
  for (const { fillId, fill } of update.data) fills.set(fillId, fill);
});

let quotes = []; // our resting order ids
let refreshes = 0;
while (Date.now() < deadline) {
  const price = await oraclePrice();
  const size = 5n * lot;
  const actions = [
    ...quotes.map((id) => ({ Cancel: id })),
    { Place: request('Buy', price - 2n * tick, size, 'PostOnly') },
    { Place: request('Sell', price + 2n * tick, size, 'PostOnly') },
  ];
  try {
    const events = await send(api.tx.orderbook.batch(actions));
    quotes = events
      .filter(({ event }) => api.events.orderbook.OrderPlaced.is(event))
      .filter(({ event }) => event.data.owner.toString() === me.address && big(event.data.resting.toString()) > 0n)
      .map(({ event }) => event.data.orderId.toNumber());
    for (const { event } of events.filter(({ event }) => api.events.orderbook.BatchActionFailed.is(event))) {
      log('batch action failed:', event.data.index.toString(), event.data.error.toString());
    }
    refreshes += 1;
  } catch (e) {
    log('batch refused:', e.message);
  }
}

await send(api.tx.orderbook.cancelAll(MARKET));
// The last fills' updates may still be on their way: wait for a block after the cancel.
await new Promise((r) => setTimeout(r, 4000));
await send(api.tx.orderbook.withdraw(base, DEPOSIT.toString()));
const after = { base: await ledger(base), quote: await ledger(quote) };

// What the ledger must show: the deposit and withdrawal cancel out; each fill moves the
// traded amounts, net of the maker fee taken from what the maker receives.
let [dBase, dQuote] = [0n, 0n];
for (const f of fills.values()) {
  if (f.maker !== me.address) continue;
  if (f.takerSide === 'Buy') {
    dBase -= big(f.quantity);
    dQuote += big(f.quote) - big(f.makerFee);
  } else {
    dBase += big(f.quantity) - big(f.makerFee);
    dQuote -= big(f.quote);
  }
}
const summary = {
  mode,
  refreshes,
  fills: fills.size,
  fillIds: [...fills.keys()],
  base: { expected: (before.base + dBase).toString(), actual: after.base.toString() },
  quote: { expected: (before.quote + dQuote).toString(), actual: after.quote.toString() },
};
summary.reconciled = before.base + dBase === after.base && before.quote + dQuote === after.quote;
console.log(JSON.stringify(summary));
await api.disconnect();
process.exit(summary.reconciled && fills.size > 0 ? 0 : 1);
