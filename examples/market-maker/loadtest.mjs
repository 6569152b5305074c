// Load generator: how many transfers, resting orders, maker+taker pairs and batched orders per
// second a running Bourse node includes in its blocks. Run by scripts/loadtest.sh, which starts
// a fresh dev node; or by hand against any dev chain:
//
//   node loadtest.mjs [--url ws://127.0.0.1:9944] [--per-account 80] [--traders 60] [--batch-traders 100]
//
// Each workload pre-signs its extrinsics from the dev chain's 12 well-known accounts and
// `--traders` more that it funds first (native tokens, both assets, half of them deposited:
// an account rests at most 256 orders, so a block of batched quotes needs many accounts;
// explicit nonces, immortal), submits them all to the pool at once, then reads the blocks that include
// them: a block full of one workload shows what a block can take of it. `--batch-traders` more
// accounts quote only in the batch workload (an account rests at most 256 orders, and
// several blocks of batches must fill). The first and last
// block of a workload are partly filled (submission still running, pool draining), so the
// rate is taken over the blocks in between, by their timestamps. Prints a table; exits 1 if an
// extrinsic failed or a workload filled no block.
import { ApiPromise, Keyring, WsProvider } from '@polkadot/api';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, a, i, all) => (a.startsWith('--') ? [...pairs, [a.slice(2), all[i + 1]]] : pairs), []),
);
const url = args.url ?? 'ws://127.0.0.1:9944';
// Orders per account and market are bounded (MaxOrdersPerAccount = 256).
const perAccount = Number(args['per-account'] ?? 80);
// Extrinsics of one account in flight to the pool at once (see `run`): with 72 accounts, at
// most about 1,100 can wait for a predecessor, under the future queue's 2,000.
const WINDOW = 16;
const traders = Number(args.traders ?? 60);
const batchTraders = Number(args['batch-traders'] ?? 100);
const log = (...a) => console.error('[loadtest]', ...a);

const provider = new WsProvider(url);
const api = await ApiPromise.create({ provider, noInitWarn: true });
const keyring = new Keyring({ type: 'sr25519' });
const names = ['Alice', 'Bob', 'Charlie', 'Dave', 'Eve', 'Ferdie'];
const dev = [...names.map((n) => `//${n}`), ...names.map((n) => `//${n}//stash`)].map((uri) => keyring.addFromUri(uri));
const accounts = [...dev, ...[...Array(traders + batchTraders).keys()].map((i) => keyring.addFromUri(`//trader//${i}`))];

const MARKET = 0;
const info = (await provider.send('orderbook_markets', [])).find((m) => m.id === MARKET);
const [tick, lot] = [BigInt(info.tickSize), BigInt(info.lotSize)];
const BID = 590_000_000n; // below the genesis index of 60,000 USDB: bids rest
const ASK = 610_000_000n; // above: asks rest until a taker takes them
const order = (side, price, timeInForce, maxFills) => ({
  market: MARKET,
  side,
  price: price.toString(),
  quantity: lot.toString(),
  timeInForce,
  expiresAt: null,
  clientId: null,
  selfTrade: 'CancelMaker',
  maxFills,
});
const place = (o) => api.tx.orderbook.placeOrder(...Object.values(o));

/// Signs `calls` (pairs of account index and extrinsic) with consecutive nonces per account.
async function signAll(calls) {
  const nonces = await Promise.all(accounts.map((a) => api.rpc.system.accountNextIndex(a.address)));
  const next = nonces.map((n) => n.toNumber());
  const signed = [];
  for (const [who, tx] of calls) {
    signed.push(await tx.signAsync(accounts[who], { nonce: next[who]++, era: 0 }));
  }
  return signed;
}

/// Submits `signed` and follows the blocks until all are included. Returns, over the full
/// blocks, the extrinsics and fills per block and per second, and the failures seen.
async function run(name, signed, method) {
  const start = (await api.rpc.chain.getHeader()).number.toNumber();
  log(`${name}: submitting ${signed.length} extrinsics`);
  let pending = signed.length;
  // Each account's extrinsics go to the pool in nonce order, `WINDOW` at a time (accounts in
  // parallel): an extrinsic that arrives before its predecessor waits in the pool's future
  // queue, which holds only a tenth of the pool, and beyond that is dropped (and then every
  // later one of that account can never be included). With all submitted at once, a run now
  // and then lost thousands so; one at a time, the pool's answers are too slow to keep a block
  // full.
  const byAccount = new Map();
  for (const xt of signed) {
    const who = xt.signer.toString();
    if (!byAccount.has(who)) byAccount.set(who, []);
    byAccount.get(who).push(xt);
  }
  const submitted = Promise.all([...byAccount.values()].map(async (list) => {
    for (let i = 0; i < list.length; i += WINDOW) {
      await Promise.all(list.slice(i, i + WINDOW).map((xt) => api.rpc.author.submitExtrinsic(xt).catch((e) => {
        pending -= 1;
        throw new Error(`${name}: the pool refused an extrinsic: ${e.message}`);
      })));
    }
  }));
  const blocks = [];
  let failed = 0;
  let firstError;
  let number = start + 1;
  // Blocks in a row that included none of the workload while the pool held nothing: the pool
  // dropped the rest (its future queue overflows when many extrinsics arrive before their
  // predecessors), which no further block will include.
  let idle = 0;
  let dropped = 0;
  const deadline = Date.now() + 600_000;
  while (pending > 0 && Date.now() < deadline) {
    if (idle >= 5) {
      dropped = pending;
      break;
    }
    const best = (await api.rpc.chain.getHeader()).number.toNumber();
    if (best < number) {
      await new Promise((r) => setTimeout(r, 200));
      continue;
    }
    const hash = await api.rpc.chain.getBlockHash(number);
    const [block, events] = await Promise.all([api.rpc.chain.getBlock(hash), api.query.system.events.at(hash)]);
    const extrinsics = block.block.extrinsics;
    let now = 0n;
    let count = 0;
    const fills = events.filter((e) => e.event.section === 'orderbook' && e.event.method === 'Filled').length;
    extrinsics.forEach((xt, index) => {
      const m = `${xt.method.section}.${xt.method.method}`;
      if (m === 'timestamp.set') now = BigInt(xt.method.args[0].toString());
      if (m !== method) return;
      count += 1;
      const failure = events.find((e) => e.phase.isApplyExtrinsic && e.phase.asApplyExtrinsic.eq(index) && api.events.system.ExtrinsicFailed.is(e.event));
      const batchFailure = events.find((e) => e.phase.isApplyExtrinsic && e.phase.asApplyExtrinsic.eq(index)
        && (e.event.section === 'orderbook' && (e.event.method === 'BatchActionFailed' || e.event.method === 'BatchOrderFailed')));
      if (failure || batchFailure) {
        failed += 1;
        if (!firstError) firstError = describe(failure ? failure.event.data[0] : batchFailure.event.data[1]);
      }
    });
    pending -= count;
    blocks.push({ number, count, fills, now });
    number += 1;
    const poolEmpty = count === 0 && (await api.rpc.author.pendingExtrinsics()).length === 0;
    idle = poolEmpty ? idle + 1 : 0;
  }
  await submitted;
  if (dropped > 0) {
    log(`${name}: ${dropped} extrinsics were dropped by the pool (never included); rates are over the blocks that were full`);
    while (blocks.length && blocks[blocks.length - 1].count === 0) blocks.pop();
  } else if (pending > 0) throw new Error(`${name}: ${pending} extrinsics not included within 10 minutes`);
  if (failed > 0) log(`${name}: ${failed} extrinsics failed (the first: ${firstError})`);
  // Drop leading empty blocks, then the first and last (partial) blocks.
  while (blocks.length && blocks[0].count === 0) blocks.shift();
  const full = blocks.slice(1, -1);
  if (full.length < 1) throw new Error(`${name}: no full block (all in ${blocks.length}); submit more`);
  const included = full.reduce((s, b) => s + b.count, 0);
  const fills = full.reduce((s, b) => s + b.fills, 0);
  const millis = Number(full[full.length - 1].now - blocks[0].now);
  return {
    name,
    blocks: full.length,
    perBlock: included / full.length,
    perSecond: (included * 1000) / millis,
    fillsPerSecond: (fills * 1000) / millis,
    failed,
  };
}

/// A dispatch error as `pallet.Error`.
function describe(error) {
  if (error && error.isModule) {
    const meta = api.registry.findMetaError(error.asModule);
    return `${meta.section}.${meta.name}`;
  }
  return error ? error.toString() : 'unknown';
}

/// Submits `signed` and waits until all are in a block (no measurement).
async function settle(signed) {
  const done = signed.map((xt) => new Promise((resolve, reject) => {
    api.rpc.author.submitAndWatchExtrinsic(xt, (status) => {
      if (status.isInBlock || status.isFinalized) resolve();
      if (status.isInvalid || status.isDropped) reject(new Error(`transaction ${status.type}`));
    }).catch(reject);
  }));
  await Promise.all(done);
}

// The transfer, resting-order and pair workloads use the dev accounts and `--traders`; the
// batch workload all accounts.
const n = dev.length + traders;
const results = [];

// 0. Fund the extra traders from the dev accounts, then each deposits half of what it got.
{
  const ASSETS = [1, 2];
  const amount = 10n ** 15n;
  const calls = [];
  accounts.slice(dev.length).forEach((t, i) => {
    const from = i % dev.length;
    calls.push([from, api.tx.balances.transferKeepAlive(t.address, 10n ** 16n)]);
    for (const id of ASSETS) calls.push([from, api.tx.assets.transferKeepAlive(id, t.address, amount)]);
  });
  await settle(await signAll(calls));
  const deposits = [];
  accounts.slice(dev.length).forEach((_, i) => {
    for (const id of ASSETS) deposits.push([dev.length + i, api.tx.orderbook.deposit({ Asset: id }, amount / 2n)]);
  });
  await settle(await signAll(deposits));
  log(`${traders + batchTraders} traders funded`);
}

// 1. Balance transfers, each account to the next.
{
  const calls = [];
  for (let i = 0; i < n * perAccount * 2; i += 1) {
    calls.push([i % n, api.tx.balances.transferKeepAlive(accounts[(i + 1) % n].address, 1_000_000_000_000n)]);
  }
  const r = await run('balances.transferKeepAlive', await signAll(calls), 'balances.transferKeepAlive');
  results.push({ ...r, unit: 'transfers', units: 1 });
}

// 2. Single resting orders: bids below the book, none crossing, maxFills 0.
{
  const calls = [];
  for (let i = 0; i < n * perAccount; i += 1) {
    calls.push([i % n, place(order('Buy', BID - tick * BigInt(Math.floor(i / n) % 200), 'GoodTilCancelled', 0))]);
  }
  const r = await run('placeOrder (resting)', await signAll(calls), 'orderbook.placeOrder');
  results.push({ ...r, unit: 'orders', units: 1 });
  // Room for the batches: every account cancels its bids.
  await settle(await signAll(accounts.slice(0, n).map((_, who) => [who, api.tx.orderbook.cancelAll(MARKET)])));
}

// 3. Maker + taker pairs: half the accounts post asks, the other half take them (IOC, maxFills 1).
{
  const calls = [];
  const half = n / 2;
  for (let k = 0; k < half * perAccount; k += 1) {
    // Asks spread over 8 levels (the pool may include many makers before their takers); a
    // taker takes the best one.
    calls.push([k % half, place(order('Sell', ASK + tick * BigInt(k % 8), 'GoodTilCancelled', 0))]);
    calls.push([half + (k % half), place(order('Buy', ASK + tick * 8n, 'ImmediateOrCancel', 1))]);
  }
  // A taker included before its maker finds nothing: pairs are counted by their fills.
  const r = await run('maker + taker pairs', await signAll(calls), 'orderbook.placeOrder');
  results.push({ ...r, unit: 'pairs (fills)', rate: r.fillsPerSecond });
}

// 4. Batches of MaxBatch post-only bids (a market maker's quote refresh).
{
  const size = api.consts.orderbook.maxBatch.toNumber();
  const calls = [];
  // At most 256 resting orders per account: every account quotes that many (the pairs
  // workload's untaken asks were cancelled first).
  await settle(await signAll(accounts.slice(0, n).map((_, who) => [who, api.tx.orderbook.cancelAll(MARKET)])));
  const batches = Math.floor(256 / size);
  const all = accounts.length;
  for (let i = 0; i < all * batches; i += 1) {
    const level = Math.floor(i / all) * size;
    const actions = [...Array(size).keys()].map((j) => ({ Place: order('Buy', BID - tick * BigInt(level + j), 'PostOnly', 0) }));
    calls.push([i % all, api.tx.orderbook.batch(actions)]);
  }
  const r = await run(`batch of ${size} post-only places`, await signAll(calls), 'orderbook.batch');
  log(`${r.name}: ${r.perBlock.toFixed(0)} per block`);
  results.push({ ...r, unit: 'orders', units: size });
}

const transfers = results[0].perSecond;
console.log('| workload | full blocks | extrinsics / block | per second | vs transfers |');
console.log('|---|---|---|---|---|');
for (const r of results) {
  const rate = r.rate ?? r.perSecond * r.units;
  console.log(`| ${r.name} | ${r.blocks} | ${r.perBlock.toFixed(0)} | ${rate.toFixed(0)} ${r.unit} | ${(rate / transfers).toFixed(2)}x |`);
}
const failed = results.reduce((s, r) => s + r.failed, 0);
await api.disconnect();
if (failed > 0) {
  console.error(`${failed} extrinsics failed`);
  process.exit(1);
}
