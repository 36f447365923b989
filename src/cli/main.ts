import { stopWhenSupervisorGone } from '../stack/supervised.js';
import { dieWithStoreRelay, relayStore, storeRelayFlag } from './store-relay.js';

// `obspath store` without its V8 flag re-runs itself with it; this process then only relays (store-relay.ts),
// so it loads nothing else.
const storeFlag = storeRelayFlag(process.argv.slice(2));
if (storeFlag !== undefined) relayStore(storeFlag);
else {
  dieWithStoreRelay();
  stopWhenSupervisorGone();
  const { buildProgram } = await import('./commands.js');
  const program = await buildProgram(process.argv.slice(2));
  await program.parseAsync(process.argv);
}
