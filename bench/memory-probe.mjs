// Preloaded into the klarna-local processes of the benchmark (node --import): on SIGUSR2 the process
// writes its process.memoryUsage() to stderr as one line, so the benchmark can report the heap in use
// as well as the RSS the kernel sees. Nothing else changes in the server.
process.on('SIGUSR2', () => {
  process.stderr.write(`\nbench-memory ${JSON.stringify(process.memoryUsage())}\n`);
});
