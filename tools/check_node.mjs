// Runs before `npm start` and `npm test`. Plain JavaScript on purpose: it must
// run on the old Node it warns about, which cannot load TypeScript.
const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(
    `taskdl needs Node.js >= 22.18 to run its TypeScript directly; this is ${process.version}.\n` +
      "Install a newer Node, or run the same command with Node 24 from the npm registry:\n" +
      "  npx -y -p node@24 -- sh -c 'npm ci && npm start'\n",
  );
  process.exit(1);
}
