/**
 * The shared store contract, run against the YDB adapter over the in-process protocol fake: the
 * real SDK, real gRPC and protobuf, the adapter's real queries. Each test gets a fresh fake;
 * after each, the fake must have seen no DECLARE/type violation and only the adapter's query
 * constants (no query text built at run time).
 */
import { YDB_QUERIES } from '../../shared/adapters/ydb/queries';
import { describeStoreContract } from '../contract/store-contract';
import { startFakeYdb } from './harness';

const CONSTANTS = new Set(Object.values(YDB_QUERIES).filter((v): v is string => typeof v === 'string'));

describeStoreContract('ydb over the protocol fake', async () => {
  const harness = await startFakeYdb();
  return {
    store: harness.store,
    reopen: async () => (await harness.connect()).store,
    halfEndAudit: async (table, id) => {
      // Below the port: the fake's storage itself, as a stray write or a bad migration would.
      const tx = harness.fake.engine.begin('serializable');
      const row = tx.get(table, { id });
      if (row) tx.upsert(table, { ...row, ended_note: null });
      tx.commit();
    },
    cleanup: async () => {
      await harness.close();
      const strangers = harness.fake
        .calls('ExecuteDataQuery')
        .filter((r) => !CONSTANTS.has(String((r.request['query'] as { yqlText?: string })?.yqlText)));
      if (harness.fake.violations.length > 0) throw new Error(`DECLARE/type violations: ${harness.fake.violations.join('\n')}`);
      if (strangers.length > 0) throw new Error(`query texts that are not adapter constants reached YDB: ${strangers.length}`);
    },
  };
});
