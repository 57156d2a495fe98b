/** `npm run build`: bundles every function and prints what was written. */
import { buildFunctions } from './build';

buildFunctions().then(
  (results) => {
    for (const r of results)
      console.log(`${r.name.padEnd(16)} ${(r.bytes / 1024).toFixed(0).padStart(6)} KiB  ${r.zip}  sha256 ${r.sha256.slice(0, 12)}`);
  },
  (error) => {
    console.error(error);
    process.exitCode = 1;
  },
);
