/**
 * Preloaded into a process the benchmark measures from outside (`node -r bench/peak-rss.cjs …`):
 * at exit, writes the process's peak resident set (VmHWM, kB) to the file named by PEAK_RSS_FILE.
 */
const { readFileSync, writeFileSync } = require('node:fs');

process.on('exit', () => {
  const file = process.env.PEAK_RSS_FILE;
  if (!file) return;
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  writeFileSync(file, match ? match[1] : String(process.resourceUsage().maxRSS));
});
