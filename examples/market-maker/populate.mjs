// Grows a dev chain's state before its database is measured (scripts/bench-storage.sh): new
// accounts funded by the dev accounts (`utility.batch` of transfers), each dev account's
// trading ledger, and resting orders on both sides of the spot book.
//
//   node populate.mjs [--url ws://127.0.0.1:9944] [--accounts 100000]
//
// Exits 1 if an extrinsic failed.
import { ApiPromise, Keyring, WsProvider } from '@polkadot/api';
import { randomBytes } from 'node:crypto';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, a, i, all) => (a.startsWith('--') ? [...pairs, [a.slice(2), all[i + 1]]] : pairs), []),
);
const url = args.url ?? 'ws://127.0.0.1:9944';
const newAccounts = Number(args.accounts ?? 100000);
const PER_BATCH = 400;
const log = (...a) => console.error('[populate]', ...a);

const provider = new WsProvider(url);
const api = await ApiPromise.create({ provider, noInitWarn: true });
const keyring = new Keyring({ type: 'sr25519' });
const names = ['Alice', 'Bob', 'Charlie', 'Dave', 'Eve', 'Ferdie'];
const accounts = [...names.map((n) => `//${n}`), ...names.map((n) => `//${n}//stash`)].map((uri) => keyring.addFromUri(uri));

/// Signs and submits `calls` (pairs of account index and extrinsic) with consecutive nonces per
/// account; resolves once all are in blocks, with the number that failed.
async function submitAll(calls) {
  const nonces = await Promise.all(accounts.map((a) => api.rpc.system.accountNextIndex(a.address)));
  const next = nonces.map((n) => n.toNumber());
  let failed = 0;
  const done = [];
  for (const [who, tx] of calls) {
    const signed = await tx.signAsync(accounts[who], { nonce: next[who]++, era: 0 });
    done.push(new Promise((resolve, reject) => {
      api.rpc.author.submitAndWatchExtrinsic(signed, async (status) => {
        if (status.isInBlock) {
          const events = await (await api.at(status.asInBlock)).query.system.events();
          const mine = events.filter((e) => e.event.section === 'system' || e.event.section === 'utility');
          if (mine.some((e) => e.event.method === 'ExtrinsicFailed' || e.event.method === 'BatchInterrupted')) failed += 1;
          resolve();
        }
        if (status.isInvalid || status.isDropped) reject(new Error(`transaction ${status.type}`));
      }).catch(reject);
    }));
  }
  await Promise.all(done);
  return failed;
}

let failed = 0;
// 1. New accounts: random addresses, each funded above the existential deposit.
{
  const calls = [];
  for (let made = 0, i = 0; made < newAccounts; made += PER_BATCH, i += 1) {
    const transfers = [...Array(Math.min(PER_BATCH, newAccounts - made)).keys()].map(() =>
      api.tx.balances.transferAllowDeath(randomBytes(32), 10_000_000_000n));
    calls.push([i % accounts.length, api.tx.utility.batchAll(transfers)]);
  }
  log(`${newAccounts} new accounts in ${calls.length} batches`);
  failed += await submitAll(calls);
}

// 2. Resting orders of every dev account on both sides of market 0, far from the index.
{
  const market = (await provider.send('orderbook_markets', [])).find((m) => m.id === 0);
  const [tick, lot] = [BigInt(market.tickSize), BigInt(market.lotSize)];
  const order = (side, price) => ({
    Place: {
      market: 0, side, price: price.toString(), quantity: lot.toString(), timeInForce: 'PostOnly',
      expiresAt: null, clientId: null, selfTrade: 'CancelMaker', maxFills: 0,
    },
  });
  const size = api.consts.orderbook.maxBatch.toNumber();
  const calls = [];
  for (let who = 0; who < accounts.length; who += 1) {
    for (let k = 0; k < 4; k += 1) {
      const actions = [...Array(size).keys()].map((j) => {
        const step = tick * BigInt(1 + who * 100 + k * size + j);
        return j % 2 === 0 ? order('Buy', 500_000_000n - step) : order('Sell', 700_000_000n + step);
      });
      calls.push([who, api.tx.orderbook.batch(actions)]);
    }
  }
  log(`${calls.length * size} resting orders`);
  failed += await submitAll(calls);
}

const keys = (await provider.send('state_getKeysPaged', ['0x', 1000, null, null])).length;
log(`done (${failed} failed; the first page of keys has ${keys})`);
await api.disconnect();
process.exit(failed > 0 ? 1 : 0);
